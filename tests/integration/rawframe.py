#!/usr/bin/env python3
"""rawframe.py: send hand-made frames to a cairnd Unix socket, for bad-input tests.

usage: rawframe.py SOCKET CASE
Prints what happened: "closed" if the daemon closed the connection, "reply <printable bytes>"
otherwise.
A tiny msgpack encoder is inlined so the test depends on nothing outside Python's stdlib.
"""
import hashlib, socket, struct, sys


def mp(v):
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        return b"\xcf" + struct.pack(">Q", v)
    if isinstance(v, str):
        b = v.encode()
        return (bytes([0xA0 | len(b)]) if len(b) < 32 else b"\xda" + struct.pack(">H", len(b))) + b
    if isinstance(v, bytes):
        return b"\xc6" + struct.pack(">I", len(v)) + v
    if isinstance(v, list):
        return b"\xdd" + struct.pack(">I", len(v)) + b"".join(mp(x) for x in v)
    if isinstance(v, dict):
        return b"\xdf" + struct.pack(">I", len(v)) + b"".join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(v)


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def b2(data):
    return hashlib.blake2b(data, digest_size=32).digest()


def cases():
    good = frame(mp({"op": "hello", "rid": 1}))
    chunk = b"x" * 1000
    wrong = b"y" * 1000
    return {
        "zero-length": struct.pack(">I", 0),
        "oversized": struct.pack(">I", 0x7FFFFFFF) + b"\x80" * 16,
        "truncated": struct.pack(">I", 100) + mp({"op": "hello"})[:5],
        "garbage": frame(b"\xc1\xc1\xc1\xc1"),
        "not-a-map": frame(mp([1, 2, 3])),
        "trailing": frame(mp({"op": "hello", "rid": 1}) + b"\x00"),
        "deep": frame(b"\x91" * 100 + b"\xc0"),
        "huge-array": frame(b"\xdd\xff\xff\xff\xff"),
        "no-op": frame(mp({"rid": 1})),
        "unknown-op": frame(mp({"op": "no.such.op", "rid": 7})),
        "good": good,
        "bad-chunk": frame(mp({"op": "chunk.put", "rid": 2, "hash": b2(chunk), "data": wrong})),
        # A file hash that is not the one bound to its chunk list (PROTOCOL.md, file hash).
        "bad-begin": frame(mp({"op": "blob.begin", "rid": 3, "hash": b2(b"not the list"),
                               "size": 1000, "chunk_size": 1048576, "chunks": [b2(chunk)]})),
    }


def main():
    path, case = sys.argv[1], sys.argv[2]
    data = cases()[case]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    try:
        s.sendall(data)
        if case == "truncated":
            s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            part = s.recv(65536)
            if not part:
                break
            got += part
            if len(got) >= 4 and len(got) >= 4 + struct.unpack(">I", got[:4])[0]:
                break
    except (ConnectionResetError, BrokenPipeError):
        got = b""
    except socket.timeout:
        print("timeout")
        return
    print("reply " + "".join(chr(b) if 32 <= b < 127 else "." for b in got) if got else "closed")


main()
