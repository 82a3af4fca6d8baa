#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the hand-made seed inputs of every fuzz target to corpus/<target>/.

usage: make-seeds.py [CORPUS_DIR]   (default: corpus/ beside this script)

Seeds are named seed-<what>; the script rewrites only those, so inputs the
fuzzer found (named by their SHA-1) stay. Each target's input layout is
described at the top of its target_<name>.cpp.
"""
import os
import struct
import sys

TAG = b"\x01mqfs-create-v1\x01".ljust(256, b".")

IOC_WRITE = 1
def ioc(direction, typ, nr, size):
    return (direction << 30) | (ord(typ) << 8) | nr | (size << 16)

def send_cmd(payload_len):
    return ioc(IOC_WRITE, "Q", 0x20, 16 + payload_len)

def u8(v): return struct.pack("<B", v)
def u16(v): return struct.pack("<H", v)
def u32(v): return struct.pack("<I", v & 0xFFFFFFFF)
def u64(v): return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)
def i64(v): return struct.pack("<q", v)

INT64_MAX = (1 << 63) - 1
INT64_MIN = -(1 << 63)
NOW_NS = 1767225600 * 10**9  # 2026-01-01

CMD = 1 << 62
XFER = 1 << 61
DEADLINE = 1 << 60
BIGBUF = 1 << 59
US_MASK = (1 << 58) - 1

BATCH = 1 << 58
NOWAIT = 1 << 16

def send_hdr(prio, flags, ns):
    return u32(prio) + u32(flags) + i64(ns)

def batch_cmd(size):
    return ioc(IOC_WRITE, "Q", 0x25, size)

def rec(prio, payload, pad=b"\0"):
    body = u32(len(payload)) + u32(prio) + payload
    return body + pad * (-len(body) % 8)

def batch(count, flags, ns, recs):
    return u32(count) + u32(flags) + i64(ns) + recs

def msg(prio, payload):
    """One message of takeMessages() in batch.hpp."""
    return u16(len(payload)) + u16(prio) + payload

RECS3 = rec(1, b"hello") + rec(0, b"") + rec(32767, b"12345678")

SEEDS = {
    "batch_records": {
        "three": u8(0) + u16(3) + RECS3,
        "none": u8(0) + u16(0),
        "one-empty": u8(0) + u16(1) + rec(0, b""),
        "trailing": u8(0) + u16(1) + rec(0, b"x") + b"\0" * 8,
        "short": u8(0) + u16(2) + rec(0, b"x"),
        "prio-max": u8(0) + u16(1) + rec(32768, b"x"),
        "huge-len": u8(0) + u16(1) + u32(0xFFFFFFFF) + u32(0),
        "dirty-padding": u8(0) + u16(1) + rec(3, b"abc", b"\xff"),
        "encode": u8(1) + msg(5, b"hello") + msg(0, b"") + msg(32767, b"x" * 9),
        "encode-bad-prio": u8(1) + msg(40000, b"x"),
    },
    "create_name": {
        # mode 0: the whole name
        "plain": u8(0) + b"jobs",
        "defaults": u8(0) + TAG + b"-,-,0,jobs",
        "attrs": u8(0) + TAG + b"10,8192,0,jobs",
        "noaccess": u8(0) + TAG + b"8,128,1,q",
        "comma-in-name": u8(0) + TAG + b"1,2,0,a,b,c",
        "empty-name": u8(0) + TAG + b"-,-,0,",
        "half-default": u8(0) + TAG + b"-,5,0,x",
        "plus": u8(0) + TAG + b"+5,5,0,x",
        "zeros": u8(0) + TAG + b"007,-0,0,n",
        "overflow": u8(0) + TAG + b"9223372036854775808,1,0,x",
        "bad-flags": u8(0) + TAG + b"-,-,2,x",
        "tag-only": u8(0) + TAG,
        "short-tag": u8(0) + TAG[:255],
        # mode 1: after the tag
        "fields": u8(1) + b"-,-,0,jobs",
        "extremes": u8(1) + b"9223372036854775807,-9223372036854775808,1,n",
        "letters": u8(1) + b"a,b,c,d",
        "commas": u8(1) + b",,,",
        # mode 2: encode, then decode
        "encode": u8(2) + u32(0) + u8(1) + i64(10) + i64(8192) + b"jobs",
        "encode-default": u8(2) + u32(1) + u8(0) + i64(0) + i64(0) + b"q",
        "encode-bad-flags": u8(2) + u32(2) + u8(1) + i64(-1) + i64(INT64_MIN) + b"x",
    },
    "queue_name": {
        "empty": u8(0),
        "dot": u8(0) + b".",
        "dotdot": u8(0) + b"..",
        "plain": u8(0) + b"jobs",
        "slash-inside": u8(0) + b"a/b",
        "posix": u8(0) + b"/jobs",
        "posix-root": u8(0) + b"/",
        "posix-double": u8(0) + b"//a",
        "nul": u8(0) + b"a\0b",
        "high-bytes": u8(0) + b"\xff\xfe\x80",
        "name-max": u8(1) + u16(255) + b"a",
        "name-max-1": u8(1) + u16(254) + b"a" + b"b",
        "name-too-long": u8(1) + u16(256) + b"a",
        "path-max": u8(1) + u16(4095) + b"a",
        "path-max-posix": u8(1) + u16(4095) + b"a" + b"/",
        "path-too-long": u8(1) + u16(4096) + b"a",
    },
    "read_offset": {
        "status": u8(0) + u64(0),
        "status-end": u8(0) + u64(79),
        "recv": u8(0) + u64(CMD),
        "recv-big": u8(0) + u64(CMD | BIGBUF),
        "recv-deadline": u8(0) + u64(CMD | DEADLINE | (NOW_NS // 1000)),
        "recv-deadline-max": u8(0) + u64(CMD | DEADLINE | US_MASK),
        "recv-deadline-2262": u8(0) + u64(CMD | DEADLINE | (INT64_MAX // 1000)),
        "recv-us-no-flag": u8(0) + u64(CMD | 5),
        "recv-bit58": u8(0) + u64(CMD | (1 << 58)),
        "recv-bit63": u8(0) + u64(CMD | (1 << 63)),
        "xfer": u8(0) + u64(CMD | XFER | (7 << 24) | 100),
        "xfer-max": u8(0) + u64(CMD | XFER | (0xFFFFFFFF << 24) | 0xFFFFFF),
        "xfer-high": u8(0) + u64(CMD | XFER | (1 << 56)),
        "batch": u8(0) + u64(CMD | BATCH | 9),
        "batch-all": u8(0) + u64(CMD | BATCH | BIGBUF | NOWAIT | 0xFFFF),
        "batch-deadline": u8(0) + u64(CMD | BATCH | DEADLINE | 1),
        "batch-high": u8(0) + u64(CMD | BATCH | (1 << 17)),
        "encode-batch": u8(3) + u8(3) + u32(10),
        "encode-batch-zero": u8(3) + u8(0) + u32(0),
        "encode-batch-many": u8(3) + u8(1) + u32(1 << 20),
        "encode-none": u8(1) + u8(0) + i64(0),
        "encode-now": u8(1) + u8(1) + i64(NOW_NS + 1),
        "encode-big": u8(1) + u8(3) + i64(NOW_NS),
        "encode-past": u8(1) + u8(1) + i64(-5),
        "encode-max": u8(1) + u8(1) + i64(INT64_MAX),
    },
    "send": {
        "raw": u8(0) + u32(send_cmd(5)) + send_hdr(1, 0, 0) + b"hello",
        "raw-empty": u8(0) + u32(send_cmd(0)) + send_hdr(0, 0, 0),
        "raw-read-dir": u8(0) + u32(ioc(2, "Q", 0x20, 16)) + send_hdr(0, 0, 0),
        "raw-chunk": u8(0) + u32(ioc(IOC_WRITE, "Q", 0x22, 16)) + send_hdr(0, 0, 0),
        "raw-short": u8(0) + u32(send_cmd(0)) + b"\0" * 15,
        "sized": u8(1) + send_hdr(32767, 3, NOW_NS) + b"payload",
        "sized-prio-max": u8(1) + send_hdr(32768, 0, 0) + b"x",
        "sized-flags": u8(1) + send_hdr(0, 4, 0) + b"x",
        "sized-short": u8(1) + b"\0" * 15,
        "encode": u8(2) + u32(5) + u32(2) + i64(NOW_NS) + b"hello",
        "encode-nonblock": u8(2) + u32(0) + u32(1) + i64(-1) + b"",
        "encode-inline-max": u8(2) + u32(1) + u32(0) + i64(0) + b"m" * (16383 - 16),
    },
    "send_batch": {
        "raw": u8(0) + u32(batch_cmd(16 + len(RECS3))) + batch(3, 0, 0, RECS3),
        "raw-wrong-nr": u8(0) + u32(ioc(IOC_WRITE, "Q", 0x20, 16 + len(RECS3))) + batch(3, 0, 0, RECS3),
        "sized": u8(1) + batch(3, 3, NOW_NS, RECS3),
        "sized-count0": u8(1) + batch(0, 0, 0, b""),
        "sized-count-big": u8(1) + batch(0xFFFFFFFF, 0, 0, RECS3),
        "sized-count-less": u8(1) + batch(2, 0, 0, RECS3),
        "sized-flags": u8(1) + batch(1, 8, 0, rec(0, b"x")),
        "sized-full": u8(1) + batch(2045, 1, 0, rec(0, b"") * 2044 + rec(1, b"")),
        "encode": u8(2) + u32(0) + u32(2) + i64(NOW_NS) + msg(5, b"hello") + msg(1, b"world!!!"),
        "encode-delta": u8(2) + u32(1) + u32(0) + i64(0) + msg(5, b"hello"),
        "encode-empty": u8(2) + u32(0) + u32(0) + i64(0),
    },
    "sysctl_int": {
        "plain": u8(0) + b"20",
        "newline": u8(0) + b"20\n",
        "spaces": u8(0) + b" \t20\n",
        "two": u8(0) + b"20 30",
        "comma": u8(0) + b"20,30",
        "empty": u8(0),
        "negative": u8(0) + b"-2147483648",
        "negative-over": u8(0) + b"-2147483649",
        "int-max": u8(0) + b"2147483647",
        "hex": u8(0) + b"0x7fffffff",
        "hex-empty": u8(0) + b"0x",
        "octal": u8(0) + b"017777777777",
        "octal-bad": u8(0) + b"08",
        "nbsp": u8(0) + b"\xa020",
        "nul": u8(0) + b"20\0",
        "cr": u8(0) + b"20\r",
        "window-20": u8(0) + b"-0000000000000000020",
        "window-21": u8(0) + b"000000000000000000020",
        "ulong-over": u8(0) + b"18446744073709551616",
        "tail": u8(0) + b"20 \t\n x",
        "page-4093": u8(1) + u16(4093) + b" " + b"20",
        "page-4094": u8(1) + u16(4094) + b" " + b"20",
        "page-4095": u8(1) + u16(4095) + b" " + b"20",
        "page-tail": u8(2) + u16(4997) + b"x" + b"20\n",
        "page-spaces": u8(2) + u16(4998) + b" " + b"20",
        "enomem": u8(0xFF) + u8(2) + b"20",
        "below-enomem": u8(0xFF) + u8(1) + b"20",
    },
    "wire_deadline": {
        "none": u32(0) + i64(0),
        "none-ignored": u32(1) + i64(INT64_MIN),
        "now": u32(2) + i64(NOW_NS),
        "before-epoch": u32(2) + i64(-1),
        "max": u32(0xFFFFFFFF) + i64(INT64_MAX),
        "min": u32(2) + i64(INT64_MIN),
    },
}

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    for target, seeds in SEEDS.items():
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(seeds)} seeds")

if __name__ == "__main__":
    main()
