#!/usr/bin/python3
"""An independent reader of criu-image files, written from FORMAT.md alone.

Decodes every record with python3-msgpack, checks every CRC, count and rule the format states, and
prints the image in the JSON interchange shape (sorted keys, one line). Exit 1 with a message on any
violation. Usage: read_image.py IMAGE
"""
import json
import struct
import sys

import msgpack

MAGIC = b"\x89AGC\r\n\x1a\n"
MARKER = b"\xf7FRM"
MAX_PAYLOAD = 16 * 1024 * 1024


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


class Bad(Exception):
    pass


def need(condition, message):
    if not condition:
        raise Bad(message)


def is_uint(v, bits=64):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < (1 << bits)


def read(data):
    need(crc32c(b"123456789") == 0xE3069283, "crc32c self-check")
    need(len(data) >= 32 and data[:8] == MAGIC, "magic")
    major, minor, incompat, ro_compat, compat, _reserved, crc = struct.unpack_from("<HHIIIII", data, 8)
    need(major == 1, "major version")
    need(crc == crc32c(data[:28]), "preamble crc")
    need(incompat == 0, "incompat features")
    digest = bytearray(data[:32])
    pos, seq = 32, 0
    header, bos, owed, bo_count, mapping_count = None, [], 0, 0, 0
    while True:
        need(pos + 28 <= len(data), "truncated before frame %d" % seq)
        marker, kind, flags, reserved, sequence, length, count, payload_crc, header_crc = struct.unpack_from(
            "<4sBBHIIIII", data, pos)
        need(marker == MARKER, "frame marker at %d" % pos)
        need(header_crc == crc32c(data[pos:pos + 24]), "frame header crc at %d" % pos)
        need(flags == 0 and reserved == 0, "frame flags")
        need(sequence == seq, "sequence")
        need(length <= MAX_PAYLOAD, "payload limit")
        payload = data[pos + 28:pos + 28 + length]
        need(len(payload) == length, "truncated payload")
        need(payload_crc == crc32c(payload), "payload crc of frame %d" % seq)
        unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
        unpacker.feed(payload)
        records = list(unpacker)
        need(len(records) == count and unpacker.tell() == length, "record count of frame %d" % seq)
        kind = chr(kind)
        if seq == 0:
            need(kind == "H" and count == 1, "header frame")
            header = records[0]
            need(isinstance(header, dict), "header map")
            need(set(header) <= {"abi", "mapping_flags", "gpu_page_size", "device", "capture"}, "header keys")
            need(header["abi"] in ("criu-2025-06", "criu-v8", "linux-6.18"), "abi")
            need(header["mapping_flags"] in ("uapi", "pte"), "mapping_flags")
            need(is_uint(header["gpu_page_size"]), "gpu_page_size")
        elif kind == "R":
            abi = header["abi"]
            for rec in records:
                need(isinstance(rec, list) and rec and is_uint(rec[0]), "record array")
                if rec[0] == 0:
                    need(len(rec) == 9 and owed == 0, "BO record")
                    _, handle, size, offset, alloc, domains, bo_flags, alignment, n = rec
                    need(is_uint(handle, 32) and is_uint(size) and is_uint(alloc) and is_uint(bo_flags, 32), "BO fields")
                    need(is_uint(domains, 64 if abi == "linux-6.18" else 32), "preferred_domains")
                    need(offset is None and abi != "criu-2025-06" or is_uint(offset), "offset")
                    need(is_uint(alignment) if abi == "linux-6.18" else alignment is None, "alignment")
                    need(is_uint(n, 32), "mapping_count")
                    bo = {"gem_handle": handle, "size": size, "alloc_flags": alloc,
                          "preferred_domains": domains, "flags": bo_flags, "mappings": []}
                    if offset is not None:
                        bo["offset"] = offset
                    if alignment is not None:
                        bo["alignment"] = alignment
                    bos.append(bo)
                    owed = n
                    bo_count += 1
                else:
                    need(rec[0] == 1 and len(rec) == 5 and owed > 0, "VM record")
                    need(all(is_uint(v) for v in rec[1:]), "VM fields")
                    keys = ("addr", "size") if abi == "linux-6.18" else ("start", "last")
                    bos[-1]["mappings"].append({keys[0]: rec[1], keys[1]: rec[2], "offset": rec[3], "flags": rec[4]})
                    owed -= 1
                    mapping_count += 1
        elif kind == "T":
            need(count == 1 and owed == 0, "trailer")
            frames, n_bos, n_maps, trailer_digest = records[0]
            need(frames == seq and n_bos == bo_count and n_maps == mapping_count, "trailer counts")
            need(trailer_digest == crc32c(bytes(digest)), "trailer digest")
            need(pos + 28 + length == len(data), "trailing bytes")
            break
        else:
            need(ord(kind) & 0x20, "unknown critical frame kind")
        digest += data[pos:pos + 28]
        pos += 28 + length
        seq += 1
    document = dict(header)
    document["bos"] = bos
    return document


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    try:
        document = read(data)
    except (Bad, KeyError, ValueError, TypeError, struct.error, msgpack.exceptions.ExtraData) as e:
        print("invalid image: %s" % e, file=sys.stderr)
        sys.exit(1)
    print(json.dumps(document, sort_keys=True, separators=(",", ":")))


if __name__ == "__main__":
    main()
