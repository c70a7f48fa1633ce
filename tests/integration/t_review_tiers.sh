#!/bin/bash
# Review concurrency rule (c) with real processes (PROTOCOL.md 11.3): two assessors at two hubs
# (a region and its state hub, school -> region -> state) score the same part of the same
# submission while the hubs cannot reach each other. After sync every node holds both scores and
# takes the one with the greater (hlc, origin) as current; the school shows the other as
# superseded; state hashes agree on all three tiers and every node rebuilds to equal projections.
source "$(dirname "$0")/sync_lib.sh"

init_node state hub
init_node region hub
init_node school school
start_hub state
STATE_PORT=$HUB_PORT
enrol region state
start_hub region
REGION_PORT=$HUB_PORT
enrol school region
start_node school
c state catalog import "$CATALOG" >/dev/null
wait_catalog school 1 10 || fail "the catalog did not reach the school"
part="school:$(node_id school)"
sub=$(make_submission school)
c school submission submit "$sub" >/dev/null
wait_hash_equal state school "$part" 10 || fail "the submission did not reach the state hub"
c region educator add --name "Rita Region" --role assessor >/dev/null
c state educator add --name "Sam State" --role assessor >/dev/null
pass "three tiers up; the submission is at the region and the state hub"

# Apart: the region scores first (state down), then the state scores (region down).
stop_node state
c region review claim "$sub" --as "Rita Region" >/dev/null
c region review score "$sub" --part reflection --not-yet --feedback "Rita: name a next step." \
    --as "Rita Region" >/dev/null
stop_node region
start_hub state "$STATE_PORT"
c state review claim "$sub" --as "Sam State" >/dev/null # the state has not seen Rita's claim
c state review score "$sub" --part reflection --meets --feedback "Sam: fine as it is." \
    --as "Sam State" >/dev/null
start_hub region "$REGION_PORT"
c school sync now --timeout 10 >/dev/null || fail "the school could not sync with the region"
wait_hash_equal state region "$part" 10 || fail "region and state did not converge"
wait_hash_equal region school "$part" 10 || fail "school and region did not converge"
pass "after sync the three tiers hold the same events for the school's partition"

for n in school region state; do
    assert_eq "$(db "$n" "SELECT count(*) FROM review_scores WHERE submission='$sub'")" 2 \
        "both scores kept at $n"
    v=$(db "$n" "SELECT verdict FROM review_scores WHERE submission='$sub' AND part='reflection'
                 ORDER BY hlc DESC, origin DESC LIMIT 1")
    assert_eq "$v" meets "current score at $n (the later one, Sam's)"
    assert_eq "$(db "$n" "SELECT state FROM submissions WHERE id='$sub'")" in-review "state at $n"
done
show=$(c school submission show "$sub")
echo "$show" | grep -E "reflection +not-yet .*superseded" >/dev/null ||
    fail "the earlier score is not shown as superseded: $show"
assert_contains "$show" "Sam: fine as it is." "current feedback at the school"
pass "both scores kept on every tier; the later one is current; the school shows the other superseded"

stop_node school
stop_node region
stop_node state
for n in school region state; do
    assert_contains "$("$CAIRND" rebuild --data "$T/$n")" "equal: yes" "rebuild of $n"
done
pass "every tier rebuilds to equal projections"
