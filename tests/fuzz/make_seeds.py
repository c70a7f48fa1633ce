#!/usr/bin/env python3
"""make_seeds.py: writes the seed corpora of the fuzz targets whose inputs are msgpack messages
(sync_msg, api, lan) or enrolment tokens (enroll), so that mutations start from real messages.

Run from anywhere: python3 tests/fuzz/make_seeds.py [FUZZ_SEEDS]. FUZZ_SEEDS is the
tests/tools/fuzz_seeds program of a build (default build/tests/tools/fuzz_seeds): it writes the
sync_msg seeds that need a genuine signed change set. It (re)writes tests/fuzz/corpus/<target>/
seed-* files only; crash-* regression inputs are never touched. The messages follow
proto/PROTOCOL.md (section 8 for sync messages, section 3 for API requests, 8.1 for tokens).
A tiny msgpack encoder is included so the script needs nothing beyond Python 3.
"""
import base64
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


class Raw(bytes):
    """Bytes that are already msgpack (embedded as they are)."""


def mp(v):
    """msgpack-encodes None, bool, int, str, bytes, list and dict (insertion order)."""
    if isinstance(v, Raw):
        return bytes(v)
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 0x80:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack("b", v)
        if v >= 0:
            for code, fmt, lim in ((0xCC, ">B", 1 << 8), (0xCD, ">H", 1 << 16),
                                   (0xCE, ">I", 1 << 32), (0xCF, ">Q", 1 << 64)):
                if v < lim:
                    return bytes([code]) + struct.pack(fmt, v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode()
        n = len(b)
        if n < 32:
            return bytes([0xA0 | n]) + b
        if n < 256:
            return b"\xd9" + bytes([n]) + b
        return b"\xda" + struct.pack(">H", n) + b
    if isinstance(v, (bytes, bytearray)):
        n = len(v)
        if n < 256:
            return b"\xc4" + bytes([n]) + bytes(v)
        if n < 65536:
            return b"\xc5" + struct.pack(">H", n) + bytes(v)
        return b"\xc6" + struct.pack(">I", n) + bytes(v)
    if isinstance(v, list):
        n = len(v)
        head = bytes([0x90 | n]) if n < 16 else b"\xdc" + struct.pack(">H", n)
        return head + b"".join(mp(x) for x in v)
    if isinstance(v, dict):
        n = len(v)
        head = bytes([0x80 | n]) if n < 16 else b"\xde" + struct.pack(">H", n)
        return head + b"".join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(type(v))


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def changeset_seed():
    """A real change set (school:00..00, signed) from the changeset target's corpus."""
    with open(os.path.join(CORPUS, "changeset", "two_segments.mp"), "rb") as f:
        return f.read()


def vector(partition, entries):
    """A version vector as cairn_vector_encode writes it (changeset.h)."""
    return mp({"v": 1, "partition": partition, "heads": [[o, s] for o, s in entries]})


def sync_msg():
    school = "school:" + "00" * 32
    h = bytes(range(32))
    f = bytes(range(32, 64))
    vec = vector(school, [(b"\x00" * 32, 3)])
    heads = mp({"h": [[b"\x00" * 32, 3]]})
    seeds = {
        "vec_v": {"t": "vec", "p": school, "v": vec},
        "vec_h": {"t": "vec", "p": "catalog", "h": heads},
        "vec_digest": {"t": "vec", "p": 0, "d": b"\x22" * 16},
        "vreq": {"t": "vreq", "p": school},
        "ack": {"t": "ack", "p": 1, "v": vec},
        "cs": {"t": "cs", "p": school, "data": changeset_seed(), "v": vec},
        "err": {"t": "err", "error": "this school is revoked at this hub"},
        "cwant": {"t": "cwant", "f": f, "h": h, "o": 0, "n": 65536},
        "cdata": {"t": "cdata", "h": h, "o": 65536, "d": b"evidence bytes" * 8},
        "cnone": {"t": "cnone", "h": h},
        "cstat": {"t": "cstat", "f": f, "held": 1024, "size": 4096, "done": False},
        "enrol": {"t": "enrol", "token": b"\x33" * 16, "role": "hub"},
        "hello": {"v": 1, "token": b"\x33" * 16},
        "hello_ok": {"v": 1, "ok": True},
    }
    for name, msg in seeds.items():
        write("sync_msg", name, mp(msg))


TEACHER = "@TEACHER@@@@@@@@@@@@@@@@@@"
SUBMISSION = "@SUBMISSION@@@@@@@@@@@@@@@"


def api():
    seeds = {
        "educator_add": {"op": "educator.add", "rid": 2, "name": "Yaw Darko",
                         "role": "teacher"},
        "educator_list": {"op": "educator.list", "rid": 2},
        "catalog_list": {"op": "catalog.list", "rid": 3},
        "catalog_show": {"op": "catalog.show", "rid": 4, "id": "c"},
        "catalog_search": {"op": "catalog.search", "rid": 5, "q": "reading fluency",
                           "max_hours": 5},
        "stack_list": {"op": "stack.list", "rid": 6},
        "stack_show": {"op": "stack.show", "rid": 7, "id": "s"},
        "recommendation_list": {"op": "recommendation.list", "rid": 8},
        "recommendation_add": {"op": "recommendation.add", "rid": 9, "from": "Ama Mensah",
                               "to": "Kofi Boateng", "credential": "c", "note": "good fit"},
        "educator_add_leader": {"op": "educator.add", "rid": 20, "name": "Abena Asante",
                                "role": "leader", "email": "kofi@example.org"},
        "educator_add_assessor": {"op": "educator.add", "rid": 22, "name": "Kwame Osei",
                                  "role": "assessor", "scope": "peer"},
        "review_claim": {"op": "review.claim", "rid": 21, "id": SUBMISSION, "as": "Esi Owusu"},
        "review_score": {"op": "review.score", "rid": 25, "id": SUBMISSION, "as": "Esi Owusu",
                         "part": "p", "verdict": "not-yet", "feedback": "more detail"},
        "review_decide": {"op": "review.decide", "rid": 23, "id": SUBMISSION, "as": "Esi Owusu"},
        "badge_get": {"op": "badge.get", "rid": 24, "id": "01jd"},
        "badge_status": {"op": "badge.status", "rid": 26,
                         "url": "https://hub.example.org/status/1"},
        "hub_report_credential": {"op": "hub.report", "rid": 27, "by": "credential"},
        "staff_view": {"op": "staff.view", "rid": 10},
        "hub_report": {"op": "hub.report", "rid": 11},
        "review_queue": {"op": "review.queue", "rid": 13, "as": "Esi Owusu"},
        "badge_list": {"op": "badge.list", "rid": 13},
        "credential_holders": {"op": "credential.holders", "rid": 14, "credential": "c"},
        "transcript": {"op": "educator.transcript", "rid": 15, "educator": "Ama Mensah",
                       "from": "2026-01-01", "to": "2026-12-31"},
        "unknown_op": {"op": "no.such.op", "rid": 16},
        # the target's fixture has a teacher and a submitted attempt; fuzz_api.c replaces these
        # marks with their (random) ids
        "submission_start": {"op": "submission.start", "rid": 30, "educator": TEACHER,
                             "credential": "c"},
        "submission_list": {"op": "submission.list", "rid": 32, "state": "submitted"},
        "submission_show": {"op": "submission.show", "rid": 34, "id": SUBMISSION},
        "submission_submit": {"op": "submission.submit", "rid": 36, "id": SUBMISSION},
        "submission_withdraw": {"op": "submission.withdraw", "rid": 38, "id": SUBMISSION},
        "submission_resubmit": {"op": "submission.resubmit", "rid": 41, "id": SUBMISSION,
                                "keep_met": False},
        "evidence_add_text": {"op": "evidence.add", "rid": 40, "submission": SUBMISSION, "part": "p",
                              "text": "Our class read twelve books this term."},
        "evidence_add_file": {"op": "evidence.add", "rid": 42, "submission": SUBMISSION, "part": "q",
                              "file": {"hash": bytes(32), "name": "lesson.mp4",
                                       "media_type": "video/mp4"}},
        "review_show": {"op": "review.show", "rid": 43, "id": SUBMISSION, "as": "Esi Owusu"},
        "status": {"op": "status", "rid": 17},
        "catalog_import": {"op": "catalog.import", "rid": 18, "json": open(
            os.path.join(CORPUS, "catalog", "minimal.json")).read()},
    }
    for name, msg in seeds.items():
        write("api", name, mp(msg))


def enroll():
    tok = {"a": "192.0.2.10:7421", "k": bytes(range(32)), "i": bytes(range(16)),
           "s": bytes(range(100, 132)), "e": 1767225600000, "n": "Hillside Primary"}
    line = "cairn-enrol-1:" + base64.urlsafe_b64encode(mp(tok)).decode().rstrip("=")
    write("enroll", "token", (line + "\n").encode())
    tok6 = dict(tok, a="[2001:db8::1]:7421", n="Escola Rural Nº 3")
    line6 = "cairn-enrol-1:" + base64.urlsafe_b64encode(mp(tok6)).decode().rstrip("=")
    write("enroll", "token_ipv6", ("  " + line6 + "  ").encode())
    write("enroll", "duration_days", b"7d")
    write("enroll", "duration_secs", b"3600")


PROJ_TYPES = ["catalog.issuer", "catalog.stack", "catalog.credential", "catalog.status",
              "educator.add", "submission.start", "evidence.add", "submission.submit",
              "submission.withdraw", "recommendation.add", "recommendation.accept",
              "recommendation.dismiss", "award.revoke"]
PROJ_ENTITIES = ["01jdx3q4c8m6a9v2k5r7t0w1y0", "01jdx3q4c8m6a9v2k5r7t0w1yz", "issuer", "s", "c@1",
                 "status:00112233445566778899aabbccddeeff", "01jdx3q4c8m6a9v2k5r7t0w1y5",
                 "01jdx3q4c8m6a9v2k5r7t0w1y2"]


def projection():
    """fuzz_projection inputs: type byte, entity byte (bit 7: fixture first), event body."""
    import hashlib
    import json
    cat = json.load(open(os.path.join(CORPUS, "catalog", "minimal.json")))
    cred = json.dumps(cat["credentials"][0], separators=(",", ":"))
    seeds = [
        ("issuer", "catalog.issuer", "issuer", False, {"json": json.dumps(cat["issuer"])}),
        ("stack", "catalog.stack", "s", False, {"json": json.dumps(cat["stacks"][0])}),
        ("credential", "catalog.credential", "c@1", False,
         {"id": "c", "version": 1, "digest": hashlib.blake2b(json.dumps(
             {k: v for k, v in cat["credentials"][0].items() if k != "version"}, sort_keys=True,
             separators=(",", ":")).encode(), digest_size=32).hexdigest(),
          "json": cred}),
        ("status", "catalog.status", "status:00112233445566778899aabbccddeeff", False,
         {"url": "https://hub.example.org/status/1", "json": "{}"}),
        ("educator", "educator.add", "01jdx3q4c8m6a9v2k5r7t0w1yz", False,
         {"name": "Ama Mensah", "email": "ama@example.org", "role": "assessor", "scope": "peer"}),
        ("start", "submission.start", "01jdx3q4c8m6a9v2k5r7t0w1y0", False,
         {"educator": "01jdx3q4c8m6a9v2k5r7t0w1yz", "credential": "c", "version": 1,
          "attempt": 1}),
        ("evidence_text", "evidence.add", "01jdx3q4c8m6a9v2k5r7t0w1y0", True,
         {"part": "p", "type": "text", "text": "We read aloud every morning."}),
        ("evidence_file", "evidence.add", "01jdx3q4c8m6a9v2k5r7t0w1y0", True,
         {"part": "q", "type": "file", "name": "lesson.mp4", "media_type": "video/mp4",
          "manifest": Raw(open(os.path.join(CORPUS, "manifest", "one_chunk"), "rb").read())}),
        ("submit", "submission.submit", "01jdx3q4c8m6a9v2k5r7t0w1y0", True, {}),
        ("withdraw", "submission.withdraw", "01jdx3q4c8m6a9v2k5r7t0w1y0", True, {}),
        ("recommend", "recommendation.add", "01jdx3q4c8m6a9v2k5r7t0w1y5", True,
         {"from": "01jdx3q4c8m6a9v2k5r7t0w1yz", "to": "01jdx3q4c8m6a9v2k5r7t0w1y0",
          "credential": "c", "note": "good fit"}),
        ("accept", "recommendation.accept", "01jdx3q4c8m6a9v2k5r7t0w1y5", True, {}),
        ("dismiss", "recommendation.dismiss", "01jdx3q4c8m6a9v2k5r7t0w1y5", True, {}),
        ("revoke", "award.revoke", "01jdx3q4c8m6a9v2k5r7t0w1y2", True,
         {"reason": "issued to the wrong educator"}),
    ]
    for name, typ, ent, fixture, body in seeds:
        head = bytes([PROJ_TYPES.index(typ), PROJ_ENTITIES.index(ent) | (0x80 if fixture else 0)])
        write("projection", name, head + mp(body))


def lan():
    seeds = {
        "hello_device": {"v": 1},
        "hello_pair": {"v": 1, "pair": "k7"},
        "hello_plain_request": {"op": "status", "rid": 7},
        "hello_v2": {"v": 2},
        "pair_msg": {"t": "pair", "name": "Staff room tablet"},
        "pair_msg_utf8": {"t": "pair", "name": "Sala de profesores — portátil"},
    }
    for name, msg in seeds.items():
        write("lan", name, mp(msg))


if __name__ == "__main__":
    import subprocess
    import sys
    tool = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        HERE, "..", "..", "build", "tests", "tools", "fuzz_seeds")
    subprocess.run([tool, os.path.join(CORPUS, "sync_msg")], check=True)
    sync_msg()
    api()
    enroll()
    lan()
    projection()
