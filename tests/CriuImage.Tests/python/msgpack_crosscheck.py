#!/usr/bin/python3
"""Cross-checks our MessagePack codec with python3-msgpack.

repack FILE: FILE holds MessagePack values back to back (written by our writer). Decode them all and
    print, one per line, the hex of python-msgpack's own encoding of each value (its packer also emits
    the shortest form), so the caller can compare byte for byte.
generate SEED COUNT: print COUNT lines of JSON {"hex": ..., "value": ...}: values packed by
    python-msgpack, bytes shown as {"bin": hex}, for our reader to decode.
"""
import json
import random
import sys

import msgpack

EDGES = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0xFFFFFFFF, 0x100000000, (1 << 64) - 1]
# Our format has no signed integers: negative ones appear only as whole samples, which must be rejected.
NEGATIVE = [-1, -32, -33, -128, -129, -32768, -32769, -(1 << 31), -(1 << 31) - 1, -(1 << 63)]


def as_json(v):
    if isinstance(v, bytes):
        return {"bin": v.hex()}
    if isinstance(v, list):
        return [as_json(x) for x in v]
    if isinstance(v, dict):
        return {"map": [[as_json(k), as_json(x)] for k, x in v.items()]}
    return v


def value(rng, depth):
    kind = rng.randrange(8 if depth < 3 else 5)
    top = depth == 0
    if kind == 0:
        return rng.choice(EDGES + NEGATIVE if top else EDGES)
    if kind == 1:
        return rng.randrange(1 << rng.randrange(1, 65))
    if kind == 2:
        return "".join(rng.choice("abcdé€𝄞") for _ in range(rng.choice([0, 1, 31, 32, 255, 256, 300] if top else [0, 1, 31, 32])))
    if kind == 3:
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 255, 256, 70000] if top else [0, 1, 255, 256])))
    if kind == 4:
        return rng.choice([None, True, False])
    if kind in (5, 6):
        return [value(rng, depth + 1) for _ in range(rng.choice([0, 1, 15, 16, 17] if depth < 2 else [0, 1, 2]))]
    return {"k%d" % i: value(rng, depth + 1) for i in range(rng.choice([0, 1, 15, 16] if depth < 2 else [0, 1, 2]))}


def main():
    if sys.argv[1] == "repack":
        unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
        with open(sys.argv[2], "rb") as f:
            unpacker.feed(f.read())
        for v in unpacker:
            print(msgpack.packb(v, use_bin_type=True).hex())
    else:
        rng = random.Random(int(sys.argv[2]))
        for _ in range(int(sys.argv[3])):
            v = value(rng, 0)
            print(json.dumps({"hex": msgpack.packb(v, use_bin_type=True).hex(), "value": as_json(v)}))


if __name__ == "__main__":
    main()
