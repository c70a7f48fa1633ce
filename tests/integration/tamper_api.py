#!/usr/bin/env python3
"""tamper_api.py: hostile local API frames for t_tamper.sh (family "api").

usage: tamper_api.py SOCKET DATABASE LOGFILE

Each case opens a connection to the daemon's Unix socket, sends one hostile frame, and is
"rejected" when the daemon answers ok=false with an error message, or closes the connection and
logs why (a new line in LOGFILE); either way the store's counts must be unchanged. Prints one
tab-separated line per case: family, case, outcome (rejected, ACCEPTED, CHANGED), reason.
Cases: frame lengths (0, just over 4 MiB, 2^31, 2^32-1), a request truncated at every length
(as a short frame, and as a frame whose bytes never all come), and every field of a few ops given
each wrong type. A tiny msgpack encoder is inlined so this depends on Python's stdlib only.
"""
import socket
import sqlite3
import struct
import sys
import time

sock_path, db_path, log_path = sys.argv[1:4]


class Bad:  # a value packed from raw bytes (float, negative int)
    def __init__(self, raw):
        self.raw = raw


def mp(v):
    if isinstance(v, Bad):
        return v.raw
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        return bytes([v]) if 0 <= v < 128 else b"\xcf" + struct.pack(">Q", v)
    if isinstance(v, str):
        b = v.encode()
        return (bytes([0xA0 | len(b)]) if len(b) < 32 else b"\xda" + struct.pack(">H", len(b))) + b
    if isinstance(v, bytes):
        return b"\xc4" + bytes([len(v)]) + v if len(v) < 256 else b"\xc6" + struct.pack(">I", len(v)) + v
    if isinstance(v, list):
        return bytes([0x90 | len(v)]) + b"".join(mp(x) for x in v)
    if isinstance(v, dict):
        return bytes([0x80 | len(v)]) + b"".join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(v)


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def counts():
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=5)
    try:
        return con.execute(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM educators),"
            " (SELECT count(*) FROM submissions), (SELECT count(*) FROM evidence),"
            " (SELECT count(*) FROM recommendations), (SELECT count(*) FROM credentials),"
            " (SELECT count(*) FROM educator_pins), (SELECT count(*) FROM bundles_seen)").fetchone()
    finally:
        con.close()


def log_size():
    with open(log_path, "rb") as f:
        return len(f.read())


def new_log_line(since):
    for _ in range(40):
        with open(log_path, "rb") as f:
            f.seek(since)
            tail = f.read().decode("utf-8", "replace").strip()
        if tail:
            return tail.splitlines()[-1]
        time.sleep(0.025)
    return ""


def send(data, half_close=False):
    """Returns ("reply", printable) or ("closed", "")."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    got = b""
    try:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        while True:
            part = s.recv(65536)
            if not part:
                break
            got += part
            if len(got) >= 4 and len(got) >= 4 + struct.unpack(">I", got[:4])[0]:
                break
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        s.close()
        return ("timeout", "")
    s.close()
    if not got:
        return ("closed", "")
    return ("reply", got[4:])


results = []


def case(name, data, half_close=False):
    before, lsize = counts(), log_size()
    kind, text = send(data, half_close)
    after = counts()
    if after != before:
        results.append((name, "CHANGED", "%s -> %s" % (before, after)))
    elif kind == "closed":
        line = new_log_line(lsize)
        results.append((name, "rejected" if line else "ACCEPTED",
                        ("closed: " + line.split(": ", 1)[-1]) if line else "closed, nothing logged"))
    elif kind == "reply" and b"\xa2ok\xc2" in text:  # "ok": false
        err = text.split(b"error", 1)[-1] if b"error" in text else b""
        skip = {0xD9: 2, 0xDA: 3, 0xDB: 5}.get(err[0], 1) if err else 0  # the str header
        err = err[skip:]
        err = "".join(chr(b) if 32 <= b < 127 else "." for b in err)
        results.append((name, "rejected" if err else "ACCEPTED", err or "no error message"))
    elif kind == "reply":
        results.append((name, "ACCEPTED", "".join(chr(b) if 32 <= b < 127 else "." for b in text)[:120]))
    else:
        results.append((name, "ACCEPTED", kind))


def main():
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    ed, ed2 = [r[0] for r in con.execute("SELECT id FROM educators ORDER BY id LIMIT 2")]
    row = con.execute("SELECT id FROM submissions WHERE state='draft' LIMIT 1").fetchone()
    sub = row[0] if row else "0000000000000000000000000z"
    con.close()
    # frame lengths
    for n in (0, 4 * 1024 * 1024 + 1, 0x80000000, 0xFFFFFFFF):
        case("length-%d" % n, struct.pack(">I", n) + b"\x81" * 8)
    # a request cut at every length: as a short frame (malformed msgpack) and as a frame whose
    # bytes never all come (the client hangs up)
    req = mp({"op": "educator.add", "rid": 9, "name": "Truncated Teacher", "email": "t@example.org",
              "role": "teacher"})
    for cut in range(1, len(req), 3):
        case("truncated-msgpack-%d-of-%d" % (cut, len(req)), frame(req[:cut]))
    for cut in (1, len(req) // 2, len(req) - 1):
        case("truncated-frame-%d-of-%d" % (cut, len(req)),
             struct.pack(">I", len(req)) + req[:cut], half_close=True)
    # wrong types, field by field
    wrong = {"int": 7, "neg": Bad(b"\xff"), "str": "x", "bin": b"\x01", "array": [1],
             "map": {"a": 1}, "nil": None, "bool": True, "float": Bad(b"\xcb" + struct.pack(">d", 1.5))}
    h = bytes(32)
    ops = [
        ("educator.add", {"name": "Typed Teacher", "email": "typed@example.org", "role": "teacher"},
         {"name": "str", "email": "str", "role": "str"}),
        ("submission.start", {"educator": ed, "credential": "wait-time"},
         {"educator": "str", "credential": "str"}),
        ("evidence.add", {"submission": sub, "part": "reflection", "text": "typed"},
         {"submission": "str", "part": "str", "text": "str"}),
        ("recommendation.add", {"from": ed, "to": ed2, "credential": "wait-time", "note": "n"},
         {"from": "str", "to": "str", "credential": "str", "note": "str"}),
        ("blob.begin", {"hash": h, "size": 3, "chunk_size": 65536, "chunks": [h]},
         {"hash": "bin", "size": "int", "chunk_size": "int", "chunks": "array"}),
        ("chunk.put", {"hash": h, "data": b"abc"}, {"hash": "bin", "data": "bin"}),
        ("blob.commit", {"hash": h}, {"hash": "bin"}),
        ("catalog.import", {"json": "{}"}, {"json": "str"}),
        ("submission.submit", {"id": sub}, {"id": "str"}),
        ("submission.withdraw", {"id": sub}, {"id": "str"}),
        ("educator.pin.set", {"educator": ed, "pin": "2468"}, {"educator": "str", "pin": "str"}),
        ("bundle.import", {"path": "/nonexistent.bundle"}, {"path": "str"}),
    ]
    for op, args, fields in ops:
        for field, right in fields.items():
            for tname, val in wrong.items():
                if tname == right:
                    continue
                a = dict(args)
                a[field] = val
                case("%s.%s=%s" % (op, field, tname), frame(mp(dict({"op": op, "rid": 5}, **a))))
    for tname, val in wrong.items():
        if tname != "str":
            case("op=%s" % tname, frame(mp({"op": val, "rid": 5})))
        if tname not in ("int",):
            case("rid=%s" % tname, frame(mp({"op": "educator.add", "rid": val, "name": "Rid"})))
    for name, outcome, reason in results:
        print("api\t%s\t%s\t%s" % (name, outcome, reason.replace("\t", " ")[:160]))


main()
