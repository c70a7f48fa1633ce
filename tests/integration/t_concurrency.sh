#!/bin/bash
# Concurrency rules of PROTOCOL.md 7.7 that involve the catalog and the two ways events travel,
# with real processes:
#  - a catalog version published at the hub while a teacher's draft is open at an offline school:
#    the draft stays bound to the version it started with, a new submission gets the new one;
#  - a region (a hub with a parent) cannot import a catalog: one writer for the catalog;
#  - the same events delivered online and later by a USB bundle exported before that sync: the
#    bundle changes nothing and the state hashes stay equal.
source "$(dirname "$0")/sync_lib.sh"

init_node hub hub
init_node school school
start_hub hub
port=$HUB_PORT
c hub catalog import "$CATALOG" >/dev/null
enrol school hub
start_node school
wait_catalog school 1 5 || fail "catalog did not reach the school"
part="school:$(node_id school)"

# The school goes offline (hub down); a teacher opens a draft on wait-time version 1.
stop_node hub
ed=$(c school educator add --name "Grace Hopper" --role teacher | tr -d '[:space:]')
sub=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
assert_eq "$(db school "SELECT version FROM submissions WHERE id='$sub'")" 1 "draft version"

# Meanwhile the hub publishes wait-time version 2 with an extra required part.
python3 - "$CATALOG" "$T/catalog-v2.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
for cr in c["credentials"]:
    if cr["id"] == "wait-time":
        cr["version"] = 2
        cr["evidence"].append({"part": "exit-ticket", "kind": "text", "required": True,
                               "description": "Three students' exit tickets, transcribed."})
json.dump(c, open(sys.argv[2], "w"))
EOF
start_hub hub "$port"
out=$(c hub catalog import "$T/catalog-v2.json")
assert_contains "$out" "1 new version" "hub import of version 2"
for i in $(seq 1 100); do
    [ "$(db school "SELECT max(version) FROM credentials WHERE id='wait-time'")" = 2 ] && break
    sleep 0.05
done
assert_eq "$(db school "SELECT max(version) FROM credentials WHERE id='wait-time'")" 2 \
    "version 2 at the school"

# The open draft keeps version 1: its parts are version 1's, the new part is refused.
assert_eq "$(db school "SELECT version FROM submissions WHERE id='$sub'")" 1 "draft version after sync"
expect_fail "has no evidence part 'exit-ticket'" c school evidence add "$sub" --part exit-ticket --text "t"
head -c 5000 /dev/urandom >"$T/v.mp4"
printf 'name,answers\nA,3\n' >"$T/t.csv"
c school evidence add "$sub" --part video "$T/v.mp4" >/dev/null
c school evidence add "$sub" --part tally "$T/t.csv" >/dev/null
c school evidence add "$sub" --part reflection --text "Longer answers." >/dev/null
c school submission submit "$sub" >/dev/null || fail "submit of the version 1 draft"
# A submission started now gets version 2.
sub2=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
assert_eq "$(db school "SELECT version FROM submissions WHERE id='$sub2'")" 2 "new submission version"
wait_hash_equal hub school "$part" 10 || fail "school partition differs at the hub"
assert_eq "$(db hub "SELECT version || ' ' || state FROM submissions WHERE id='$sub'")" "1 submitted" \
    "the draft at the hub"
pass "a draft stays on the catalog version it started with; a new one gets the new version"

# A region (a hub with a parent) gets the catalog from its parent: its import is refused.
init_node region hub
enrol region hub
start_hub region
expect_fail "comes from your parent hub" c region catalog import "$CATALOG"
assert_eq "$(db region "SELECT count(*) FROM events WHERE partition='catalog'
    AND origin = x'$(node_id region)'")" 0 "catalog events written by the region"
pass "a region cannot import a catalog"
stop_node region

# Online and by stick: a bundle exported before an online sync, imported after it, is a no-op.
stop_node hub
sub3=$(make_submission school)
c school evidence add "$sub3" --part exit-ticket --text "Three tickets." >/dev/null
c school submission submit "$sub3" >/dev/null
c school bundle export --out "$T/to-hub.bundle" >/dev/null
start_hub hub "$port"
wait_hash_equal hub school "$part" 10 || fail "school partition differs at the hub after sync"
before=$(db hub "SELECT count(*) FROM events")
out=$(c hub bundle import "$T/to-hub.bundle") || fail "import of a bundle already synced online: $out"
assert_eq "$(db hub "SELECT count(*) FROM events")" "$before" "events after the stale bundle"
assert_eq "$(state_hash hub "$part")" "$(state_hash school "$part")" "state hash after the bundle"
assert_eq "$(db hub "SELECT count(*) FROM submissions WHERE id='$sub3'")" 1 "the submission, once"
pass "events delivered online then by bundle are applied once"
stop_node school
stop_node hub
