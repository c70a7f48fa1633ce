#!/bin/bash
# Bad input of every kind gets a clear one-line error, a non-zero exit, and changes nothing:
# catalog JSON, unknown ids, missing/unreadable files, hostile frames on the socket (the daemon
# drops that connection and keeps serving others), a chunk that does not match its hash, bad
# config files, and a data dir that is not one.
source "$(dirname "$0")/lib.sh"
RAW="python3 $(dirname "$0")/rawframe.py"

init_node school school
start_node school
c school catalog import "$CATALOG" >/dev/null
ed=$(c school educator add --name "Ada" | tr -d '[:space:]')
sub=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')

fingerprint() {
    echo "$(db school "SELECT count(*) FROM events") $(find "$T/school/blobs" -type f | wc -l)"
}
before=$(fingerprint)

# Catalog JSON: malformed, wrong types, missing fields. The error names the JSON path.
printf '{"format": "cairn-catalog/1", "credentials": [' >"$T/trunc.json"
expect_fail "" c school catalog import "$T/trunc.json"
python3 - "$CATALOG" "$T" <<'PY'
import json, sys
cat = json.load(open(sys.argv[1]))
def write(name, mutate):
    d = json.loads(json.dumps(cat)); mutate(d)
    json.dump(d, open(f"{sys.argv[2]}/{name}.json", "w"))
write("badformat", lambda d: d.update(format="cairn-catalog/9"))
write("badrequired", lambda d: d["credentials"][3]["evidence"][1].update(required="yes"))
write("nohours", lambda d: d["credentials"][0].pop("pd_hours"))
write("badstack", lambda d: d["stacks"][0]["credentials"].append("no-such-credential"))
write("notlist", lambda d: d.update(credentials={}))
PY
expect_fail "format" c school catalog import "$T/badformat.json"
expect_fail 'credentials[3].evidence[1].required' c school catalog import "$T/badrequired.json"
expect_fail "pd_hours" c school catalog import "$T/nohours.json"
expect_fail "no-such-credential" c school catalog import "$T/badstack.json"
expect_fail "credentials" c school catalog import "$T/notlist.json"
pass "bad catalogs refused with the JSON path"

# Unknown ids, missing and unreadable files, bad arguments.
expect_fail "" c school catalog show no-such-credential
expect_fail "" c school submission show zzzzzzzzzzzz
expect_fail "" c school submission start --educator "$ed" --credential no-such-credential
expect_fail "" c school submission start --educator 7zzzzzzzzz --credential wait-time
expect_fail "" c school evidence add "$sub" --part video "$T/does-not-exist.mp4"
mkdir "$T/adir"
expect_fail "" c school evidence add "$sub" --part video "$T/adir"
expect_fail "" c school educator add --role wizard --name "X"
expect_fail "" c school educator add
expect_fail "" c school submission list --state nonsense
pass "unknown ids, files and arguments refused"

# Hostile frames: each connection is dropped (or answered with an error), the daemon lives on.
for case in zero-length oversized truncated garbage not-a-map trailing deep huge-array no-op; do
    out=$($RAW "$T/school/cairnd.sock" "$case")
    assert_eq "$out" "closed" "daemon response to a $case frame"
    c school status >/dev/null || fail "daemon stopped serving after a $case frame"
done
out=$($RAW "$T/school/cairnd.sock" unknown-op)
assert_contains "$out" "reply" "unknown op gets an error reply"
out=$($RAW "$T/school/cairnd.sock" bad-chunk)
assert_contains "$out" "reply" "bad chunk gets an error reply"
assert_contains "$out" "EHASH" "bad chunk error is EHASH"
out=$($RAW "$T/school/cairnd.sock" bad-begin)
assert_contains "$out" "EHASH" "blob.begin with a file hash not bound to its chunks"
pass "hostile frames dropped, daemon keeps serving"

assert_eq "$(fingerprint)" "$before" "state after every bad input"
[ -z "$(ls -A "$T/school/blobs/tmp" 2>/dev/null)" ] || fail "temp debris left in blobs/tmp"
pass "nothing changed"
stop_node school

# Config files: unknown key, bad value. The error names the line; the daemon refuses to start.
cp "$T/school/cairnd.conf" "$T/good.conf"
printf '\n[api]\nbogus_key = 1\n' >>"$T/school/cairnd.conf"
expect_fail "bogus_key" "$CAIRND" check-config --data "$T/school"
expect_fail "bogus_key" "$CAIRND" run --data "$T/school"
cp "$T/good.conf" "$T/school/cairnd.conf"
printf '\n[blobs]\nchunk_size = lots\n' >>"$T/school/cairnd.conf"
expect_fail "chunk_size" "$CAIRND" check-config --data "$T/school"
cp "$T/good.conf" "$T/school/cairnd.conf"
"$CAIRND" check-config --data "$T/school" >/dev/null || fail "restored config refused"
pass "bad config files refused with the key named"

# A data dir that is not one.
mkdir "$T/notdata"
expect_fail "$T/notdata" "$CAIRND" run --data "$T/notdata"
expect_fail "" "$CAIRND" run --data "$T/does-not-exist"
expect_fail "" "$CAIRND" init --role school --data "$T/school"
expect_fail "" "$CAIRND" init --role wizard --data "$T/new"
expect_fail "" "$CAIRN" --data "$T/notdata" status
pass "bad data dirs and init arguments refused"
