#!/bin/bash
# From "meets" to a badge anyone can verify, with real processes: a hub and an enrolled school;
# the teacher (a name and email with non-ASCII and quotes) submits, the hub's assessor scores
# every part meets and decides; the award carries a signed Open Badges 3.0 credential, which
# reaches the school with the hub's (empty) status list. At the school: `badge list`, `badge
# export`, `badge verify` (valid, "not revoked" checked against the synced list), the same file
# offline with no daemon (valid, revocation not checked), and the npm reference verifier
# (@digitalbazaar/vc, jsonld.canonize byte for byte). A one-character change fails both. The
# hub revokes: after sync the school's verify says revoked (exit 1), so does the npm verifier and
# an offline verify with the exported status list. Bad input: revoke at a school, revoke twice,
# no reason, unknown award, export over an existing file: clear errors, state unchanged.
source "$(dirname "$0")/sync_lib.sh"
source "$(dirname "$0")/npm_lib.sh"
TOOL=$CAIRN_BIN/tests/tools/badge_tool

init_node hub hub
init_node school school
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
enrol school hub
start_node school
wait_catalog school 1 5 || fail "catalog did not reach the school"
part="school:$(node_id school)"

c hub educator add --name "Rita Assessor" --role assessor >/dev/null
ed=$(c school educator add --name 'Zoë "Z" Ōkubo 🌱' --email "Zoe.Okubo@School.example" \
    --role teacher | tr -d '[:space:]')
sub=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
head -c 40000 /dev/urandom >"$T/v.mp4"
printf 'name,answers\nA,3\n' >"$T/t.csv"
c school evidence add "$sub" --part video "$T/v.mp4" >/dev/null
c school evidence add "$sub" --part tally "$T/t.csv" >/dev/null
c school evidence add "$sub" --part reflection --text $'Line one.\n"Quoted" — and émoji 🎉.' >/dev/null
c school submission submit "$sub" >/dev/null
wait_hash_equal hub school "$part" 10 || fail "submission did not reach the hub"

export CAIRN_AS="Rita Assessor"
c hub review claim "$sub" >/dev/null
for p in video tally reflection; do c hub review score "$sub" --part $p --meets >/dev/null; done
out=$(c hub review decide "$sub")
award=$(echo "$out" | sed -n 's/.*award \([0-9a-z]*\).*/\1/p')
[ -n "$award" ] || fail "no award in: $out"
[ "$(stat -c %a "$T/hub/issuer.key")" = 600 ] || fail "issuer.key is not mode 600"
pass "decided meets: award $award, issuer.key made with mode 600"

# The award and the status list reach the school.
for i in $(seq 1 200); do
    [ "$(db school "SELECT count(*) FROM awards WHERE id='$award' AND credential IS NOT NULL")" = 1 ] &&
        [ "$(db school "SELECT count(*) FROM status_lists")" = 1 ] && break
    sleep 0.05
done
assert_eq "$(db school "SELECT count(*) FROM status_lists")" 1 "status list at the school"
out=$(c school badge list)
assert_contains "$out" "$award" "badge list at the school"
assert_contains "$out" "Wait Time for Deeper Thinking" "credential title in badge list"
assert_contains "$(c school badge list --educator "$ed")" "$award" "badge list --educator"
mkdir -p "$T/out"
c school badge export "${award:0:6}" --out "$T/out/award.json" >/dev/null
expect_fail "File exists" c school badge export "$award" --out "$T/out/award.json"
grep -q '"OpenBadgeCredential"' "$T/out/award.json" || fail "not an OpenBadgeCredential"
grep -q "Zo.*Okubo" "$T/out/award.json" && fail "the earner's name or email is in the badge"
grep -q '"identityHash": "sha256\$' "$T/out/award.json" || fail "no hashed email identity"
grep -q "urn:cairn:blake2b:$(file_hash "$T/v.mp4")" "$T/out/award.json" ||
    fail "the video is not named by its hash"
pass "the signed credential reached the school: badge list, export (no overwrite), hashed earner"

out=$(c school badge verify "$T/out/award.json") || fail "verify at the school: $out"
assert_contains "$out" "valid: signed by did:key:z6Mk" "verdict at the school"
assert_contains "$out" "not revoked (list https://resa.example.org/status/1, index 0)" "status"
out=$(env -u CAIRN_DATA "$CAIRN" badge verify "$T/out/award.json") || fail "offline verify: $out"
assert_contains "$out" "valid: signed by did:key:z6Mk" "offline verdict"
assert_contains "$out" "not checked" "offline: revocation not checked"
sed 's/Wait Time for Deeper Thinking/Wait Time for Deeper Thinkinh/' "$T/out/award.json" \
    >"$T/out/tampered.json"
cmp -s "$T/out/award.json" "$T/out/tampered.json" && fail "the tamper changed nothing"
rc=0; out=$(c school badge verify "$T/out/tampered.json") || rc=$?
assert_eq "$rc" 1 "exit status for a tampered badge"
assert_contains "$out" "tampered" "tampered verdict"
pass "cairn badge verify: valid and not revoked at the school, valid offline, tampered refused"

# The npm reference verifier on the daemon-issued credential and status list (when the npm
# registry cannot be reached from here, the rest runs and the test ends as skipped, exit 77).
NPM_OK=1
npm_install || NPM_OK=0
c school badge status-list https://resa.example.org/status/1 --out "$T/out/statuslist.json" >/dev/null
for n in award statuslist; do
    "$TOOL" nquads "$T/out/$n.json" >"$T/out/$n.nq" || fail "badge_tool nquads $n"
    echo "$n" >>"$T/out/list.txt"
done
echo tampered.json >"$T/out/tampered.txt"
if [ $NPM_OK = 1 ]; then
    node "$NODE_DIR/interop.mjs" "$T/out" >"$T/interop.out" 2>&1 ||
        { cat "$T/interop.out" >&2; fail "npm verifier on the daemon's award"; }
    assert_eq "$(grep -c '^ok ' "$T/interop.out")" 5 "npm checks passed"
    pass "@digitalbazaar/vc verifies the daemon's award; N-Quads equal jsonld.canonize; tamper fails"
fi

# Bad input, nothing changes.
h0=$(state_hash hub "$part")
expect_fail "the hub that issued an award revokes it" c school badge revoke "$award" --reason x
expect_fail "missing --reason" c hub badge revoke "$award"
expect_fail "no award" c hub badge revoke 0000aaaa --reason x
assert_eq "$(state_hash hub "$part")" "$h0" "hub state after refused revocations"
pass "refused: revoke at a school, no reason, unknown award"

out=$(c hub badge revoke "$award" --reason "Evidence was not the teacher's own")
assert_contains "$out" "revoked $award" "revoke"
expect_fail "already revoked" c hub badge revoke "$award" --reason again
for i in $(seq 1 200); do
    c school badge list | grep -q "revoked: Evidence was not" && break
    sleep 0.05
done
assert_contains "$(c school badge list)" "revoked: Evidence was not the teacher's own" "list"
rc=0; out=$(c school badge verify "$T/out/award.json") || rc=$?
assert_eq "$rc" 1 "exit status of a revoked badge at the school"
assert_contains "$out" "revoked" "verdict after revocation"
rm -f "$T/out/statuslist.json" "$T/out/statuslist.nq" "$T/out/list.txt"
c school badge status-list https://resa.example.org/status/1 --out "$T/out/statuslist.json" >/dev/null
rc=0; out=$(env -u CAIRN_DATA "$CAIRN" badge verify "$T/out/award.json" \
    --status-list "$T/out/statuslist.json") || rc=$?
assert_eq "$rc" 1 "offline verify with the synced list"
assert_contains "$out" "revoked" "offline verdict with the list"
for n in award statuslist; do
    "$TOOL" nquads "$T/out/$n.json" >"$T/out/$n.nq"
    echo "$n" >>"$T/out/list.txt"
done
echo award >"$T/out/revoked.txt"
if [ $NPM_OK = 1 ]; then
    node "$NODE_DIR/interop.mjs" "$T/out" >"$T/interop2.out" 2>&1 ||
        { cat "$T/interop2.out" >&2; fail "npm verifier after revocation"; }
    grep -q "^ok award: proof verifies and status reads revoked" "$T/interop2.out" ||
        fail "npm verifier did not read revoked: $(cat "$T/interop2.out")"
fi
pass "revoked at the hub: the school, an offline verify and the npm verifier all say revoked"

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
