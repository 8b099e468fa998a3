#!/usr/bin/python3
"""An independent reader of criu-image files (formats 1.0 and 1.1), written from FORMAT.md alone.

Checks every CRC, link, count, digest and rule the format states, in the order FORMAT.md gives, with its
own positional MessagePack decoding (so that each error has the byte offset section 11 prescribes), and
cross-checks each frame's records against python3-msgpack.

Usage:
  read_image.py IMAGE             prints the image in the JSON interchange shape (sorted keys, one line);
                                  exit 1 with "invalid image at byte N: ..." on the first violation
  read_image.py --offsets FILE... prints, per file, the byte offset of the first violation, or "ok"
"""
import json
import struct
import sys

import msgpack

MAGIC = b"\x89AGC\r\n\x1a\n"
MARKER = b"\xf7FRM"
MAX_PAYLOAD = 16 * 1024 * 1024
MAX_STR = 256
MAX_ENTRIES = 64
MAX_DEPTH = 8
READER_MINOR = 1
FEATURE_IMAGE_ID = 0x1
ABIS = ("criu-2025-06", "criu-v8", "linux-6.18")


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _crc32c_table()


def crc_append(state, data):
    """Continues a running CRC32C state (not finished: start from 0xFFFFFFFF, finish with ^0xFFFFFFFF)."""
    for b in data:
        state = TABLE[(state ^ b) & 0xFF] ^ (state >> 8)
    return state


def crc32c(data):
    return crc_append(0xFFFFFFFF, data) ^ 0xFFFFFFFF


class Bad(Exception):
    def __init__(self, offset, message):
        super().__init__("at byte %d: %s" % (offset, message))
        self.offset = offset


def need(condition, offset, message):
    if not condition:
        raise Bad(offset, message)


class Payload:
    """Positional MessagePack over one payload; every error is at the offending value's first byte."""

    def __init__(self, data, base):
        self.data, self.base, self.pos = data, base, 0

    def at(self):
        return self.base + self.pos

    def left(self):
        return len(self.data) - self.pos

    def end(self):
        return self.pos == len(self.data)

    def peek(self):
        return self.data[self.pos] if self.pos < len(self.data) else None

    def uint(self, limit=(1 << 64) - 1):
        start, c = self.at(), self.peek()
        need(c is not None, start, "expected an unsigned integer, the payload ends")
        if c <= 0x7F:
            self.pos += 1
            return c
        sizes = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}
        need(c in sizes, start, "expected an unsigned integer, found 0x%02x" % c)
        n = sizes[c]
        need(self.left() >= 1 + n, start, "integer cut off")
        value = int.from_bytes(self.data[self.pos + 1:self.pos + 1 + n], "big", signed=c >= 0xD0)
        need(0 <= value <= limit, start, "integer %d outside 0..%d" % (value, limit))
        self.pos += 1 + n
        return value

    def nil(self):
        if self.peek() == 0xC0:
            self.pos += 1
            return True
        return False

    def _length(self, kinds):
        start, c = self.at(), self.peek()
        need(c is not None, start, "the payload ends")
        for low, high, size in kinds:
            if low <= c <= high:
                if size == 0:
                    self.pos += 1
                    return c - low
                need(self.left() >= 1 + size, start, "length cut off")
                n = int.from_bytes(self.data[self.pos + 1:self.pos + 1 + size], "big")
                self.pos += 1 + size
                return n
        raise Bad(start, "unexpected type 0x%02x" % c)

    def array(self):
        start = self.at()
        n = self._length(((0x90, 0x9F, 0), (0xDC, 0xDC, 2), (0xDD, 0xDD, 4)))
        if n > self.left():
            raise Bad(start, "array of %d elements in %d bytes" % (n, self.left()))
        return n

    def map(self):
        start = self.at()
        n = self._length(((0x80, 0x8F, 0), (0xDE, 0xDE, 2), (0xDF, 0xDF, 4)))
        if 2 * n > self.left():
            raise Bad(start, "map of %d entries in %d bytes" % (n, self.left()))
        return n

    def str(self):
        start = self.at()
        n = self._length(((0xA0, 0xBF, 0), (0xD9, 0xD9, 1), (0xDA, 0xDA, 2), (0xDB, 0xDB, 4)))
        need(n <= MAX_STR, start, "str of %d bytes" % n)
        need(n <= self.left(), start, "str runs past the payload")
        raw = self.data[self.pos:self.pos + n]
        try:
            text = raw.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise Bad(start, "str is not UTF-8")
        self.pos += n
        return text

    def bin(self):
        start = self.at()
        n = self._length(((0xC4, 0xC4, 1), (0xC5, 0xC5, 2), (0xC6, 0xC6, 4)))
        need(n <= self.left(), start, "bin runs past the payload")
        raw = self.data[self.pos:self.pos + n]
        self.pos += n
        return raw

    def skip(self, depth):
        """A value under the header's rules (FORMAT.md section 9); depth is what a map or array here would have."""
        start, c = self.at(), self.peek()
        if c == 0xC0 or c in (0xC2, 0xC3):
            self.pos += 1
        elif c is not None and (0xA0 <= c <= 0xBF or c in (0xD9, 0xDA, 0xDB)):
            self.str()
        elif c in (0xC4, 0xC5, 0xC6):
            self.bin()
        elif c is not None and (0x90 <= c <= 0x9F or c in (0xDC, 0xDD)):
            need(depth <= MAX_DEPTH, start, "nested too deeply")
            for _ in range(self.array()):
                self.skip(depth + 1)
        elif c is not None and (0x80 <= c <= 0x8F or c in (0xDE, 0xDF)):
            need(depth <= MAX_DEPTH, start, "nested too deeply")
            n = self.map()
            need(n <= MAX_ENTRIES, start, "map of %d entries" % n)
            for _ in range(2 * n):
                self.skip(depth + 1)
        else:
            self.uint()


def read_header(p, minor, has_id):
    skip_unknown = minor > READER_MINOR
    start = p.at()
    n = p.map()
    need(n <= MAX_ENTRIES, start, "header map of %d entries" % n)
    header, seen = {}, set()

    def unknown(key_at, depth):
        need(skip_unknown, key_at, "unknown key")
        p.skip(depth)

    for _ in range(n):
        key_at = p.at()
        key = p.str()
        need(key not in seen, key_at, "duplicate key %r" % key)
        seen.add(key)
        value_at = p.at()
        if key in ("abi", "mapping_flags"):
            value = p.str()
            need(value in (ABIS if key == "abi" else ("uapi", "pte")), value_at, "%s %r" % (key, value))
            header[key] = value
        elif key == "gpu_page_size":
            value = p.uint()
            need(4096 <= value <= 1 << 30 and value & (value - 1) == 0, value_at, "gpu_page_size")
            header[key] = value
        elif key == "image_id":
            need(has_id, key_at, "image_id in a 1.0 image")
            raw = p.bin()
            need(len(raw) == 16, value_at, "image_id of %d bytes" % len(raw))
            header[key] = raw.hex()
        elif key in ("device", "capture"):
            m = p.map()
            need(m <= MAX_ENTRIES, value_at, "%s map of %d entries" % (key, m))
            sub, sub_seen = {}, set()
            for _ in range(m):
                sub_key_at = p.at()
                sub_key = p.str()
                need(sub_key not in sub_seen, sub_key_at, "duplicate key")
                sub_seen.add(sub_key)
                sub_at = p.at()
                if key == "device" and sub_key == "render_minor" or key == "capture" and sub_key == "pid":
                    sub[sub_key] = p.uint(0xFFFFFFFF)
                elif key == "device" and sub_key in ("pci_vendor_id", "pci_device_id"):
                    sub[sub_key] = p.uint(0xFFFF)
                elif key == "device" and sub_key == "gc_ip_version":
                    text = p.str()
                    parts = text.split(".")
                    need(len(parts) == 3 and all(x.isdigit() and x.isascii() and str(int(x)) == x and int(x) <= 255 for x in parts),
                         sub_at, "gc_ip_version %r" % text)
                    sub[sub_key] = text
                elif sub_key == ("gpu_id" if key == "device" else "criu_file_id") and minor >= 1:
                    sub[sub_key] = p.uint(0xFFFFFFFF)
                elif key == "device" and sub_key == "va_bits":
                    bits = p.uint()
                    need(32 <= bits <= 64, sub_at, "va_bits")
                    sub[sub_key] = bits
                elif key == "capture" and sub_key == "time_ns":
                    sub[sub_key] = p.uint()
                elif key == "capture" and sub_key == "tool":
                    sub[sub_key] = p.str()
                else:
                    unknown(sub_key_at, 3)
            header[key] = sub
        else:
            unknown(key_at, 2)
    required = ["abi", "mapping_flags", "gpu_page_size"] + (["image_id"] if has_id else [])
    need(all(k in header for k in required), start, "a required header key is missing")
    return header


def read_record(p, abi, with_addr):
    """One record: ("bo", dict, mapping_count) or ("vm", dict)."""
    start = p.at()
    n = p.array()
    need(n > 0, start, "empty record array")
    tag_at = p.at()
    tag = p.uint()
    if tag == 0:
        need(n == 9 or n == 10 and with_addr, start, "BO record of %d elements" % n)
        handle = p.uint(0xFFFFFFFF)
        size = p.uint()
        offset_at = p.at()
        offset = None if p.nil() else p.uint()
        need(offset is not None or abi != "criu-2025-06", offset_at, "criu-2025-06 BO without offset")
        alloc = p.uint()
        domains = p.uint((1 << 64) - 1 if abi == "linux-6.18" else 0xFFFFFFFF)
        flags = p.uint(0xFFFFFFFF)
        alignment_at = p.at()
        no_alignment = p.nil()
        alignment = None
        if abi == "linux-6.18":
            need(not no_alignment, alignment_at, "linux-6.18 BO without alignment")
            alignment = p.uint()
        else:
            need(no_alignment, alignment_at, "alignment outside linux-6.18")
        count = p.uint(0xFFFFFFFF)
        addr = p.uint() if n == 10 else None
        bo = {"gem_handle": handle, "size": size, "alloc_flags": alloc, "preferred_domains": domains,
              "flags": flags, "mappings": []}
        if offset is not None:
            bo["offset"] = offset
        if alignment is not None:
            bo["alignment"] = alignment
        if addr is not None:
            bo["addr"] = addr
        return "bo", bo, count
    need(tag == 1, tag_at, "unknown record tag %d" % tag)
    need(n == 5, start, "VM record of %d elements" % n)
    keys = ("addr", "size") if abi == "linux-6.18" else ("start", "last")
    values = [p.uint() for _ in range(4)]
    return "vm", {keys[0]: values[0], keys[1]: values[1], "offset": values[2], "flags": values[3]}, 0


def read(data):
    need(crc32c(b"123456789") == 0xE3069283, 0, "crc32c self-check")
    # Section 2: the magic as far as the file goes, then the major version, then the length, CRC, features.
    need(len(data) > 0, 0, "empty file")
    need(data[:8] == MAGIC[:len(data[:8])], 0, "not an image")
    need(len(data) >= 10, len(data), "truncated preamble")
    need(struct.unpack_from("<H", data, 8)[0] == 1, 8, "major version")
    need(len(data) >= 32, len(data), "truncated preamble")
    _major, minor, incompat, _ro_compat, _compat, _reserved, crc = struct.unpack_from("<HHIIIII", data, 8)
    need(crc == crc32c(data[:28]), 0, "preamble crc")
    need(incompat & ~FEATURE_IMAGE_ID == 0, 12, "unknown incompat features")
    has_id = bool(incompat & FEATURE_IMAGE_ID)

    pos, seq = 32, 0
    seed, digest = 0xFFFFFFFF, crc_append(0xFFFFFFFF, data[:32])
    header, bos, owed, bo_count, mapping_count = None, [], 0, 0, 0
    while True:
        need(pos < len(data), len(data), "truncated: no frame %d" % seq)
        need(pos + 28 <= len(data), len(data), "truncated frame header")
        marker, kind, flags, link, sequence, length, count, payload_crc, header_crc = struct.unpack_from(
            "<4sBBHIIIII", data, pos)
        first = seq == 0
        need(marker == MARKER, pos, "frame marker")
        need(header_crc == crc_append(0xFFFFFFFF if first else seed, data[pos:pos + 24]) ^ 0xFFFFFFFF, pos, "frame header crc")
        need(flags == 0, pos + 5, "frame flags")
        need(length <= MAX_PAYLOAD, pos + 12, "payload limit")
        need(count <= length, pos + 16, "record count above payload length")
        expected_link = 0 if first or not has_id else (digest ^ 0xFFFFFFFF) & 0xFFFF
        need(link == expected_link, pos + 6, "frame link")
        need(sequence == seq, pos + 8, "sequence")
        payload_at = pos + 28
        payload = data[payload_at:payload_at + length]
        need(len(payload) == length, len(data), "truncated payload")
        need(payload_crc == crc32c(payload), payload_at, "payload crc of frame %d" % seq)
        if not first and kind != ord("T"):
            digest = crc_append(digest, data[pos + 4:pos + 24] if has_id else data[pos:pos + 28])
        p = Payload(payload, payload_at)
        if first:
            need(kind == ord("H"), pos + 4, "header frame kind")
            need(count == 1, pos + 16, "header frame record count")
            header = read_header(p, minor, has_id)
            need(p.end(), p.at(), "bytes after the header map")
            if has_id:
                seed = crc_append(0xFFFFFFFF, bytes.fromhex(header["image_id"]))
                digest = crc_append(seed, data[pos + 4:pos + 24])
            else:
                digest = crc_append(digest, data[pos:pos + 28])
        elif kind == ord("R"):
            abi = header["abi"]
            for _ in range(count):
                need(not p.end(), p.at(), "records missing from frame %d" % seq)
                record_at = p.at()
                what, value, n = read_record(p, abi, has_id)
                if what == "bo":
                    need(owed == 0, record_at, "BO record while mappings are owed")
                    bos.append(value)
                    owed, bo_count = n, bo_count + 1
                else:
                    need(owed > 0, record_at, "VM record owed to no BO")
                    bos[-1]["mappings"].append(value)
                    owed, mapping_count = owed - 1, mapping_count + 1
            need(p.end(), p.at(), "bytes after the declared records")
            unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
            unpacker.feed(payload)
            need(len(list(unpacker)) == count, payload_at, "python3-msgpack disagrees on the record count")
        elif kind == ord("T"):
            need(count == 1, pos + 16, "trailer record count")
            start = p.at()
            need(p.array() == 4, start, "trailer array")
            at = []
            values = []
            for limit in ((1 << 64) - 1, (1 << 64) - 1, (1 << 64) - 1, 0xFFFFFFFF):
                at.append(p.at())
                values.append(p.uint(limit))
            need(p.end(), p.at(), "bytes after the trailer record")
            need(owed == 0, pos, "mappings owed at the trailer")
            need(values[0] == seq, at[0], "frame_count")
            need(values[1] == bo_count, at[1], "bo_count")
            need(values[2] == mapping_count, at[2], "mapping_count")
            need(values[3] == digest ^ 0xFFFFFFFF, at[3], "digest")
            need(payload_at + length == len(data), payload_at + length, "trailing bytes")
            break
        else:
            need(ord("a") <= kind <= ord("z"), pos + 4, "unknown critical frame kind")
        pos = payload_at + length
        seq += 1
    document = dict(header)
    document["bos"] = bos
    return document


def main():
    if sys.argv[1] == "--offsets":
        for path in sys.argv[2:]:
            with open(path, "rb") as f:
                data = f.read()
            try:
                read(data)
                print("ok")
            except Bad as e:
                print(e.offset)
        return
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    try:
        document = read(data)
    except Bad as e:
        print("invalid image %s" % e, file=sys.stderr)
        sys.exit(1)
    print(json.dumps(document, sort_keys=True, separators=(",", ":")))


if __name__ == "__main__":
    main()
