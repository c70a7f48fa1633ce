#!/bin/bash
# A stack's own badge (stack.complete, PROTOCOL.md 10.7) with real processes: a hub and an
# enrolled school. Ada earns both credentials of the sample's "leadership-community" stack
# (family-partnership, district-communication-plan) through the review loop; the two final
# decisions are made at the same moment by two assessor processes. Then: exactly one
# stack.complete event, written by the hub in the school's partition, at both nodes; the badge
# is listed (`cairn badge list`), exported and verified (`cairn badge verify`: valid, its
# achievement the stack, its criteria naming both credentials); `cairn stack show --educator`
# says "completed on DATE (badge ...)"; the transcript lists it with no PD hours. Exactly once:
# a third meets (a resubmission of one credential), `cairn sync now`, a re-imported bundle and a
# restart of the school add none. Revoking a constituent award revokes the stack badge too
# (verify says revoked after sync). A school's forged stack.complete is refused by rights
# (unit test_stack_complete). State hashes equal and `cairnd rebuild` equal at both.
source "$(dirname "$0")/sync_lib.sh"
export TZ=UTC

init_node hub hub
init_node school school
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
enrol school hub
start_node school
wait_catalog school 1 5 || fail "catalog did not reach the school"
part="school:$(node_id school)"
c hub educator add --name "Rita Assessor" --role assessor >/dev/null
c hub educator add --name "Sam Assessor" --role assessor >/dev/null
ed=$(c school educator add --name "Ada Okafor" --email ada@example.org --role teacher |
    tr -d '[:space:]')

# submit CREDENTIAL PARTS...: a submission with every part, submitted; prints its id.
submit() {
    local cred=$1 sub p
    shift
    sub=$(c school submission start --educator "$ed" --credential "$cred" | tr -d '[:space:]')
    for p in "$@"; do
        if [ "$p" = reflection ]; then
            c school evidence add "$sub" --part reflection --text "It worked ($cred)." >/dev/null
        else
            head -c 3000 /dev/urandom >"$T/$cred-$p.pdf"
            c school evidence add "$sub" --part "$p" "$T/$cred-$p.pdf" >/dev/null
        fi
    done
    c school submission submit "$sub" >/dev/null
    echo "$sub"
}
# score SUB PARTS...: claims and scores every part meets, as $CAIRN_AS.
score() {
    local sub=$1 p
    shift
    c hub review claim "$sub" >/dev/null
    for p in "$@"; do c hub review score "$sub" --part "$p" --meets >/dev/null; done
}
stack_events() { db "$1" "SELECT count(*) FROM events WHERE type = 'stack.complete'"; }

s1=$(submit family-partnership log samples reflection)
s2=$(submit district-communication-plan plan template reflection)
wait_hash_equal hub school "$part" 10 || fail "submissions did not reach the hub"
CAIRN_AS="Rita Assessor" score "$s1" log samples reflection
CAIRN_AS="Sam Assessor" score "$s2" plan template reflection
assert_eq "$(stack_events hub)" 0 "no stack badge before the decisions"
CAIRN_AS="Rita Assessor" c hub review decide "$s1" >"$T/d1.out" 2>&1 &
d1=$!
CAIRN_AS="Sam Assessor" c hub review decide "$s2" >"$T/d2.out" 2>&1 &
d2=$!
wait $d1 || fail "decision 1: $(cat "$T/d1.out")"
wait $d2 || fail "decision 2: $(cat "$T/d2.out")"
assert_eq "$(stack_events hub)" 1 "one stack.complete at the hub after two concurrent decisions"
assert_eq "$(db hub "SELECT partition || ' ' || entity FROM events WHERE type = 'stack.complete'" |
    cut -d' ' -f1)" "$part" "stack.complete in the school's partition"
assert_eq "$(db hub "SELECT hex(origin) FROM events WHERE type = 'stack.complete'" | tr A-F a-f)" \
    "$(node_id hub)" "written by the hub"
badge=$(db hub "SELECT entity FROM events WHERE type = 'stack.complete'")
wait_hash_equal hub school "$part" 10 || fail "the stack badge did not reach the school"
assert_eq "$(stack_events school)" 1 "one stack.complete at the school"
assert_eq "$(db school "SELECT achievement || ' ' || educator FROM awards WHERE id = '$badge'")" \
    "stack:leadership-community $ed" "projected as Ada's award of the stack"
pass "two concurrent meets complete the stack once: stack.complete $badge, hub-written, synced"

out=$(c school badge list --educator "$ed")
assert_contains "$(grep "$badge" <<<"$out")" "Leadership and Community" "badge list names the stack"
mkdir -p "$T/out"
c school badge export "$badge" --out "$T/out/stack.json" >/dev/null
python3 - "$T/out/stack.json" <<'PY' || fail "stack credential content"
import json, sys
b = json.load(open(sys.argv[1]))
a = b["credentialSubject"]["achievement"]
assert a["id"] == "https://resa.example.org/stacks/leadership-community", a["id"]
assert a["name"] == "Leadership and Community", a
n = a["criteria"]["narrative"]
for t in ("family-partnership", "district-communication-plan"):
    assert t in n, n
assert "creditsAvailable" not in a, a
assert len(b["evidence"]) == 2, b["evidence"]
PY
out=$(c school badge verify "$T/out/stack.json") || fail "verify the stack badge: $out"
assert_contains "$out" "not revoked" "stack badge status"
# The npm reference verifier (jsonld.js, @digitalbazaar/vc) on the daemon-issued stack badge; when
# the npm registry cannot be reached the rest runs and the test ends as skipped (exit 77).
source "$(dirname "$0")/npm_lib.sh"
TOOL=$CAIRN_BIN/tests/tools/badge_tool
NPM_OK=1
npm_install || NPM_OK=0
mkdir -p "$T/npm"
cp "$T/out/stack.json" "$T/npm/stack.json"
list=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["credentialStatus"]["statusListCredential"])' "$T/out/stack.json")
c school badge status-list "$list" --out "$T/npm/statuslist.json" >/dev/null
for n in stack statuslist; do
    "$TOOL" nquads "$T/npm/$n.json" >"$T/npm/$n.nq" || fail "badge_tool nquads $n"
    echo "$n" >>"$T/npm/list.txt"
done
touch "$T/npm/tampered.txt"
if [ $NPM_OK = 1 ]; then
    node "$NODE_DIR/interop.mjs" "$T/npm" >"$T/interop.out" 2>&1 ||
        { cat "$T/interop.out" >&2; fail "npm verifier on the daemon's stack badge"; }
    assert_eq "$(grep -c "^ok " "$T/interop.out")" 4 "npm checks passed (canonize and verify, twice)"
    pass "@digitalbazaar/vc verifies the daemon's stack badge; N-Quads equal jsonld.canonize"
fi
out=$(c school stack show leadership-community --educator "Ada Okafor")
day=$(date -u -d "@$(($(db school "SELECT issued FROM awards WHERE id = '$badge'") / 1000))" +%F)
assert_contains "$out" "completed on $day (badge $badge)" "stack show"
assert_contains "$(c school stack show learning-by-making --educator "Ada Okafor")" \
    "not completed yet" "another stack"
out=$(c school transcript "Ada Okafor")
row=$(grep "$badge" <<<"$out") || fail "no transcript row for the stack badge: $out"
assert_contains "$row" "stack:leadership-community" "transcript: the stack"
assert_contains "$row" " stack " "transcript: version column"
assert_contains "$row" " 0 " "transcript: no PD hours"
assert_contains "$out" "Total: 3 credentials, 12 PD hours" "transcript total (6 + 6 + 0)"
pass "badge list, export, verify (achievement = the stack, criteria = both credentials), stack show, transcript"

# Exactly once: another meets on a constituent, sync again, a bundle re-imported, a restart.
s3=$(submit family-partnership log samples reflection)
wait_hash_equal hub school "$part" 10 || fail "third submission did not reach the hub"
CAIRN_AS="Rita Assessor" score "$s3" log samples reflection
CAIRN_AS="Rita Assessor" c hub review decide "$s3" >/dev/null
c school sync now >/dev/null || fail "sync now"
c hub bundle export --out "$T/out/to-school.bundle" --to school >/dev/null
c school bundle import "$T/out/to-school.bundle" >/dev/null
stop_node school
start_node school
c school sync now >/dev/null || fail "sync now after restart"
wait_hash_equal hub school "$part" 10 || fail "partition differs after the re-syncs"
for n in hub school; do
    assert_eq "$(stack_events $n)" 1 "$n: still one stack.complete"
    assert_eq "$(db $n "SELECT count(*) FROM awards WHERE achievement LIKE 'stack:%'")" 1 "$n: one"
done
pass "exactly once: a third meets, sync now, a re-imported bundle and a restart add no stack badge"

a1=$(db hub "SELECT id FROM awards WHERE submission = '$s1'")
out=$(c hub badge revoke "$a1" --reason "Evidence was not the teacher's own")
assert_contains "$out" "revoked $a1" "revoke a constituent"
assert_eq "$(db hub "SELECT revoked IS NOT NULL FROM awards WHERE id = '$badge'")" 1 \
    "the stack badge is revoked with it"
for i in $(seq 1 200); do
    [ "$(db school "SELECT revoked IS NOT NULL FROM awards WHERE id = '$badge'")" = 1 ] && break
    sleep 0.05
done
c school sync now >/dev/null || true
rc=0
out=$(c school badge verify "$T/out/stack.json") || rc=$?
assert_eq "$rc" 1 "verify exit status of the revoked stack badge"
assert_contains "$out" "revoked" "verify says revoked"
assert_contains "$(c school stack show leadership-community --educator "Ada Okafor")" \
    "not completed yet" "stack show after the revocation"
pass "revoking a constituent award revokes the stack badge (status list), seen at the school"

wait_hash_equal hub school "$part" 10 || fail "school partition differs"
wait_hash_equal hub school catalog 10 || fail "catalog differs"
stop_node school
stop_node hub
for n in hub school; do
    assert_contains "$("$CAIRND" rebuild --data "$T/$n")" "equal: yes" "rebuild of $n"
done
pass "state hashes equal; both rebuild to equal projections"
if [ $NPM_OK = 0 ]; then
    echo "SKIPPED (in part): every check ran except the npm verifier's, whose registry is not reachable from here"
    exit 77
fi
