#!/usr/bin/python3
"""Reads CRIU amdgpu message files with protoc-compiled classes of a given revision (python3-protobuf)
and prints, for each, every field of the message as JSON: the independent reader our CRIU reader is
checked against, field for field.

Usage: criu_decode.py PROTO_DIR REVISION FILE...   (REVISION: v317, released, criudev, d5377d5d2)
Prints {"FILE": {...message...}, ...}.
"""
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile


def to_dict(message):
    out = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.label == field.LABEL_REPEATED:
            out[field.name] = [to_dict(v) if field.type == field.TYPE_MESSAGE else v for v in value]
        elif field.type == field.TYPE_MESSAGE:
            out[field.name] = to_dict(value)
        elif field.type == field.TYPE_BYTES:
            out[field.name] = base64.b64encode(value).decode("ascii")
        else:
            out[field.name] = value
    return out


def main():
    proto_dir, revision, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = tempfile.mkdtemp(prefix="criu-decode-")
    subprocess.run(["protoc", "-I", proto_dir, "--python_out", out, revision + ".proto"], check=True)
    sys.path.insert(0, out)
    module = __import__(revision + "_pb2")
    result = {}
    for path in files:
        name = os.path.basename(path)
        message = (module.criu_kfd() if name.startswith("amdgpu-kfd-")
                   else module.criu_dmabuf_node() if name.startswith("amdgpu-dmabuf_")
                   else module.criu_render_node())
        with open(path, "rb") as f:
            data = f.read()
        (length,) = struct.unpack_from("<Q", data)
        message.ParseFromString(data[8:8 + length])
        result[path] = to_dict(message)
    json.dump(result, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
