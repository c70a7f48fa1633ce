#!/bin/bash
# Enrolment and online sync between a hub and a school: a token enrols once (reuse, expiry, a
# wrong key and an unknown school are refused with clear errors), the catalog imported at the hub
# reaches the school (timed), a submission reaches the hub, state hashes agree, revocation.
source "$(dirname "$0")/sync_lib.sh"

init_node hub hub
init_node school school
start_hub hub

# An expired token is refused (by join itself, and by the hub if the clock disagrees).
tok=$("$CAIRND" enroll create --data "$T/hub" --school school --expires 1s)
sleep 1.2
expect_fail "expired" "$CAIRND" enroll join --data "$T/school" "$tok"
pass "expired token refused"

# Enrol with a token written to a file.
"$CAIRND" enroll create --data "$T/hub" --school school --out "$T/tok" >/dev/null
[ "$(stat -c %a "$T/tok")" = 600 ] || fail "token file is not 0600"
out=$("$CAIRND" enroll join --data "$T/school" "$T/tok")
assert_contains "$out" "enrolled" "join output"
[ -f "$T/school/hub.peer" ] || fail "no hub.peer after join"
list=$("$CAIRND" enroll list --data "$T/hub")
assert_contains "$list" "used" "enroll list shows the used token"
assert_contains "$list" "$(node_id school)" "enroll list shows the school"
pass "enrolled with a token file"

# Reuse refused (a second fresh school presenting the same token).
init_node school2 school
expect_fail "already used" "$CAIRND" enroll join --data "$T/school2" "$T/tok"
pass "token reuse refused"
# Unknown token (valid form, hub never made it): made at another hub, pointed at ours.
init_node otherhub hub
tok=$("$CAIRND" enroll create --data "$T/otherhub" --school school2 --address "127.0.0.1:$HUB_PORT")
expect_fail "unknown enrolment token" "$CAIRND" enroll join --data "$T/school2" "$tok"
pass "unknown token refused"

# Catalog at the hub reaches the school; measure the push once connected.
start_node school
expect_fail "the catalog comes from your hub" c school catalog import "$CATALOG"
c hub catalog import "$CATALOG" >/dev/null
wait_catalog school 1 5 || fail "catalog did not reach the school within 5 s"
pass "catalog reached the school"
wait_hash_equal hub school catalog 5 || fail "catalog state hashes differ"
# Push latency: a new catalog version at the hub, while connected.
sed 's/Wait Time for Deeper Thinking/Wait Time for Deeper Thinking v2/' "$CATALOG" >"$T/cat2.json"
t0=$(date +%s%N)
c hub catalog import "$T/cat2.json" >/dev/null
for i in $(seq 1 500); do
    c school catalog show wait-time 2>/dev/null | grep -q "Thinking v2" && break
    sleep 0.01
done
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "hub_to_school_push_ms $ms ms"
[ "$ms" -lt 1000 ] || fail "hub event took $ms ms to reach a connected school (limit 1000)"
pass "push latency ${ms} ms"

# A school submission reaches the hub.
sub=$(make_submission school)
c school submission submit "$sub" >/dev/null
part="school:$(node_id school)"
wait_hash_equal hub school "$part" 5 || fail "school partition hashes differ"
n=$(db hub "SELECT count(*) FROM submissions WHERE id='$sub'")
assert_eq "$n" 1 "submission at the hub"
assert_eq "$(state_hash hub catalog)" "$(state_hash school catalog)" "catalog hash"
pass "submission reached the hub; state hashes equal for both partitions"

# Wrong hub key: edit hub.peer, the school refuses the hub.
stop_node school
cp "$T/school/hub.peer" "$T/hub.peer.good"
read -r _ addr <"$T/school/hub.peer"
echo "$(node_id otherhub) $addr" >"$T/school/hub.peer"
start_node school
for i in $(seq 1 100); do grep -q "not the pinned\|pinned" "$T/school.log" && break; sleep 0.05; done
grep -q "pinned" "$T/school.log" || fail "school did not refuse a hub with the wrong key"
pass "school refuses a hub whose key is not the pinned one"
stop_node school
cp "$T/hub.peer.good" "$T/school/hub.peer"

# Revocation: refused at the next handshake, a live session dropped within a second.
start_node school
sleep 0.5
"$CAIRND" enroll revoke --data "$T/hub" school >/dev/null
sleep 1.5
grep -q "revoked" "$T/school.log" || fail "school was not told it is revoked"
c school educator add --name "After Revoke" --role teacher >/dev/null
sleep 1
n=$(db hub "SELECT count(*) FROM educators WHERE name='After Revoke'")
assert_eq "$n" 0 "events of a revoked school at the hub"
pass "revoked school dropped and refused"
