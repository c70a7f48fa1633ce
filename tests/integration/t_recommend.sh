#!/bin/bash
# Recommendations: a leader and a colleague recommend credentials to a teacher (by name or id),
# the teacher lists, accepts and dismisses them; who may recommend and answer, unknown names and
# credentials, a note too long and dates that do not parse are refused with a clear message and
# change nothing; the events reach the hub in the school's partition like any other and the
# hub's projection agrees; `cairnd rebuild` is equal.
source "$(dirname "$0")/sync_lib.sh"

init_node hub hub
init_node school school
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
enrol school hub
start_node school
wait_catalog school 1 10 || fail "catalog did not reach the school"

ada=$(c school educator add --name "Ada Okafor" --role teacher | tr -d '[:space:]')
c school educator add --name "Ben Leader" --role leader >/dev/null
c school educator add --name "Cy Colleague" --role teacher >/dev/null
c school educator add --name "Asa Assessor" --role assessor >/dev/null

r1=$(c school recommend --to "Ada Okafor" --credential wait-time --as "ben leader" \
    --note "Your Tuesday class would love this" | tr -d '[:space:]')
r2=$(c school recommend --to "${ada:0:6}" --credential accountable-talk --as "Cy Colleague" | tr -d '[:space:]')
r3=$(c school recommend --to "Cy Colleague" --credential design-thinking --as "Ada Okafor" | tr -d '[:space:]')
[ ${#r1} -eq 26 ] && [ ${#r2} -eq 26 ] && [ ${#r3} -eq 26 ] || fail "recommendation ids: $r1 $r2 $r3"
out=$(c school recommendations --educator "Ada Okafor")
assert_contains "$out" "wait-time" "Ada's recommendations"
assert_contains "$out" "Ben Leader" "who recommended"
assert_contains "$out" "Your Tuesday class would love this" "the note"
assert_contains "$out" "accountable-talk" "the colleague's recommendation"
case "$out" in *design-thinking*) fail "Cy's recommendation listed for Ada" ;; esac
assert_eq "$(c school recommendations | grep -c open)" 3 "open recommendations"
pass "a leader and colleagues recommend by name or id prefix; listed per educator"

# Bad input: nothing is stored by any of these.
events=$(db school "SELECT count(*) FROM events")
expect_fail "cannot recommend a credential to themself" c school recommend --to "Ada Okafor" --credential wait-time --as "Ada Okafor"
expect_fail "only leaders and teachers may recommend" c school recommend --to "Ada Okafor" --credential wait-time --as "Asa Assessor"
expect_fail "no educator named or with id 'Nobody Here'" c school recommend --to "Nobody Here" --credential wait-time --as "Ben Leader"
expect_fail "'from': no educator named or with id 'Ghost'" c school recommend --to "Ada Okafor" --credential wait-time --as Ghost
expect_fail "no credential 'no-such-thing' in the catalog" c school recommend --to "Ada Okafor" --credential no-such-thing --as "Ben Leader"
expect_fail "missing --as EDUCATOR" c school recommend --to "Ada Okafor" --credential wait-time
expect_fail "over the 1000-byte limit" c school recommend --to "Ada Okafor" --credential wait-time --as "Ben Leader" --note "$(head -c 1001 /dev/zero | tr '\0' x)"
expect_fail "bad --since '2026-13-01'" c school recommendations --since 2026-13-01
expect_fail "bad --since '2026-02-30'" c school recommendations --since 2026-02-30
expect_fail "bad --since 'yesterday'" c school recommendations --since yesterday
expect_fail "expected open, accepted or dismissed" c school recommendations --state maybe
expect_fail "only they may accept" c school recommendations accept "$r1" --as "Cy Colleague"
expect_fail "no recommendation with id" c school recommendations accept 7zzzzzzz
assert_eq "$(db school "SELECT count(*) FROM events")" "$events" "events after refused input"
pass "refused: self, assessor, unknown names and credential, long note, bad dates, not the recipient"

# The teacher answers.
assert_contains "$(c school recommendations accept "${r1:0:8}" --as "Ada Okafor")" "accepted" "accept"
assert_contains "$(c school recommendations dismiss "$r2")" "dismissed" "dismiss at the box"
expect_fail "already accepted" c school recommendations dismiss "$r1"
out=$(c school recommendations --educator "Ada Okafor" --state open)
assert_contains "$out" "no recommendations" "Ada has none open"
assert_contains "$(c school recommendations --state accepted)" "wait-time" "accepted list"
today=$(date -u +%Y-%m-%d)
assert_eq "$(c school recommendations --since "$today" | grep -c -E 'open|accepted|dismissed')" 3 "--since today"
assert_contains "$(c school recommendations --since 2099-01-01)" "no recommendations" "--since the future"
pass "accept, dismiss, filters by state and date"

# They reach the hub in the school's partition; the hub's projection says the same.
school_id=$(node_id school)
c school sync now --timeout 10 >/dev/null || fail "sync now"
wait_hash_equal school hub "school:$school_id" 10 || fail "school partition differs at the hub"
assert_eq "$(db hub "SELECT count(*) FROM events WHERE type LIKE 'recommendation.%'")" 5 "recommendation events at the hub"
assert_eq "$(db hub "SELECT group_concat(state, ',') FROM (SELECT state FROM recommendations ORDER BY state)")" \
    "accepted,dismissed,open" "recommendation states at the hub"
pass "recommendations sync to the hub"

stop_node school
assert_contains "$("$CAIRND" rebuild --data "$T/school")" "equal: yes" "rebuild"
pass "rebuild equal"
