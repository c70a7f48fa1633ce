#!/bin/bash
# Review concurrency rule (a) with real processes (PROTOCOL.md "Review concurrency"): a
# withdrawal at the school crossing a decision at the hub while they cannot reach each other.
# The earlier of the two by (hlc, origin) wins on both nodes once they sync; the loser stays in
# the log and `submission show` says so. Round 1: the hub decides first, the school withdraws
# later (the decision stands). Round 2: the school withdraws first, the hub decides later (the
# withdrawal wins, the decision and its award are void). Both nodes end with equal state hashes
# and rebuild to equal projections.
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
c hub educator add --name "Rita Assessor" --role assessor >/dev/null
export CAIRN_AS="Rita Assessor"

state_of() { c "$1" submission show "$2" | sed -n 's/^state *//p'; }
# review_all SUB VERDICT: claim and score every part (the hub must hold the submission).
review_all() {
    c hub review claim "$1" >/dev/null
    for p in video tally reflection; do
        c hub review score "$1" --part "$p" "--$2" --feedback "Feedback on $p." >/dev/null
    done
}
reconnect() {
    c school sync now --timeout 10 >/dev/null || fail "school could not sync with the hub"
    wait_hash_equal hub school "$part" 10 || fail "partitions did not converge"
}

# Round 1: decision first (hub, while the school is down), withdrawal later (school, hub down).
sub=$(make_submission school)
c school submission submit "$sub" >/dev/null
wait_hash_equal hub school "$part" 5 || fail "submission did not reach the hub"
review_all "$sub" meets
stop_node school
c hub review decide "$sub" | grep -q "decided meets" || fail "hub decision"
stop_node hub
sleep 0.01
start_node school
c school submission withdraw "$sub" >/dev/null # the school has not heard of the decision
assert_eq "$(state_of school "$sub")" withdrawn "school state before sync"
start_hub hub "$port"
reconnect
assert_eq "$(state_of school "$sub")" awarded "school state after sync (decision earlier)"
assert_eq "$(state_of hub "$sub")" awarded "hub state after sync"
show=$(c school submission show "$sub")
assert_contains "$show" "came after the decision" "the losing withdrawal is shown"
assert_contains "$show" "ignored" "the losing withdrawal is shown as ignored"
n=$(db school "SELECT count(*) FROM events WHERE type='submission.withdraw' AND entity='$sub'")
assert_eq "$n" 1 "the losing withdrawal is kept in the log"
pass "decision earlier than the withdrawal: awarded on both nodes, withdrawal kept and shown"

# Round 2: withdrawal first (school, hub down), decision later (hub, school down).
sub=$(make_submission school)
c school submission submit "$sub" >/dev/null
wait_hash_equal hub school "$part" 5 || fail "submission did not reach the hub"
review_all "$sub" meets
stop_node hub
c school submission withdraw "$sub" >/dev/null
stop_node school
sleep 0.01
start_hub hub "$port"
c hub review decide "$sub" | grep -q "decided meets: award" || fail "hub decision"
assert_eq "$(state_of hub "$sub")" awarded "hub state before sync"
start_node school
reconnect
assert_eq "$(state_of hub "$sub")" withdrawn "hub state after sync (withdrawal earlier)"
assert_eq "$(state_of school "$sub")" withdrawn "school state after sync"
show=$(c school submission show "$sub")
assert_contains "$show" "void (kept in the log)" "the void decision is shown"
assert_contains "$show" "does not count" "the void decision is marked"
echo "$show" | grep -q "^award .*(void" || fail "the void award is not marked: $show"
pass "withdrawal earlier than the decision: withdrawn on both nodes, decision and award void"

stop_node school
stop_node hub
for n in hub school; do
    assert_contains "$("$CAIRND" rebuild --data "$T/$n")" "equal: yes" "rebuild of $n"
done
assert_eq "$(state_hash hub "$part")" "$(state_hash school "$part")" "state hashes"
pass "equal state hashes; both rebuild to equal projections"
