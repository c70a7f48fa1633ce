#!/bin/bash
# Three tiers, school -> region -> state, all enrolled with `cairnd enroll create/join` (the
# region joins the state hub like a school does, and is recorded there as a child hub): the
# catalog imported at the STATE hub reaches the school through the region, a school submission
# reaches the region and the state hub, and the state hashes agree per partition where held.
source "$(dirname "$0")/sync_lib.sh"

init_node state hub
init_node region hub
init_node school school
start_hub state
enrol region state
assert_contains "$(cat "$T/region.join")" "enrolled" "region join output"
[ "$(db state "SELECT role FROM peers WHERE node = x'$(node_id region)'")" = child-hub ] ||
    fail "the state hub did not record the region as a child hub"
pass "a region hub enrols at the state hub with a token"
start_hub region
REGION_PORT=$HUB_PORT
enrol school region
start_node school

# The catalog is imported at the state hub and reaches the school through the region.
c state catalog import "$CATALOG" >/dev/null
wait_catalog school 1 10 || fail "the state's catalog did not reach the school within 10 s"
wait_hash_equal state school catalog 5 || fail "catalog hashes differ (state, school)"
assert_eq "$(state_hash region catalog)" "$(state_hash state catalog)" "catalog hash at the region"
grep -q "may not write" "$T/school.log" "$T/region.log" && fail "a rights refusal on the way down"
pass "catalog from the state hub reached the school via the region"

# A school submission reaches the region and the state hub.
sub=$(make_submission school)
c school submission submit "$sub" >/dev/null
part="school:$(node_id school)"
wait_hash_equal region school "$part" 10 || fail "school partition differs at the region"
wait_hash_equal state school "$part" 10 || fail "school partition did not reach the state hub"
assert_eq "$(db state "SELECT count(*) FROM submissions WHERE id='$sub'")" 1 "submission at the state"
assert_eq "$(db region "SELECT count(*) FROM submissions WHERE id='$sub'")" 1 "submission at the region"
pass "a school submission reached the region and the state hub; hashes equal"

# Later events keep flowing up through a running region session.
c school educator add --name "Late Ada" --role teacher >/dev/null
wait_hash_equal state school "$part" 10 || fail "a later school event did not reach the state"
assert_eq "$(db state "SELECT count(*) FROM educators WHERE name='Late Ada'")" 1 "later educator"
for p in catalog "$part"; do
    assert_eq "$(state_hash region "$p")" "$(state_hash state "$p")" "region/state hash of $p"
done
pass "state hashes equal per partition on all three tiers"
