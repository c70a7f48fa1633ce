#!/bin/bash
# Stacks: list the sample catalog's four pathways; show one in its order, with an educator's state
# on each credential following their submissions (not started -> draft -> submitted, and the
# latest attempt after a withdrawal); unknown stack or educator: a clear error, exit 1.
source "$(dirname "$0")/lib.sh"

init_node school school
start_node school
c school catalog import "$CATALOG" >/dev/null

out=$(c school stack list)
for s in questioning-discourse assessment-for-learning learning-by-making leadership-community; do
    assert_contains "$out" "$s" "stack list"
done
assert_contains "$(grep assessment-for-learning <<<"$out")" "4" "credentials in assessment-for-learning"

out=$(c school stack show questioning-discourse)
order=$(awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[a-z]/ && $2 != "credentials," { printf "%s ", $2 }' <<<"$out")
assert_eq "$order" "wait-time higher-order-questioning accountable-talk " "stack order"
assert_contains "$out" "28 PD hours in all" "total hours"
pass "stack list and show, in the pathway's order"

ed=$(c school educator add --name "Ada Okafor" --role teacher | tr -d '[:space:]')
state_of() { c school stack show questioning-discourse --educator "$1" | awk -v id="$2" '$2 == id { print $4 == "not" ? "not started" : $4 }'; }
assert_eq "$(state_of "Ada Okafor" wait-time)" "not started" "before any submission"
sub=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
assert_eq "$(state_of "Ada Okafor" wait-time)" "draft" "after start"
make_file "$T/v.mp4" 1
c school evidence add "$sub" --part video "$T/v.mp4" >/dev/null
printf 'a,b\n' >"$T/t.csv"
c school evidence add "$sub" --part tally "$T/t.csv" >/dev/null
c school evidence add "$sub" --part reflection --text "ok" >/dev/null
c school submission submit "$sub" >/dev/null
assert_eq "$(state_of "${ed:0:8}" wait-time)" "submitted" "after submit"
assert_contains "$(c school stack show questioning-discourse --educator "Ada Okafor")" "1 of 3 submitted" "summary"
c school submission withdraw "$sub" >/dev/null
sub2=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
assert_eq "$(state_of "Ada Okafor" wait-time)" "draft" "the latest attempt counts"
assert_eq "$(state_of "Ada Okafor" accountable-talk)" "not started" "other credentials"
pass "an educator's state per credential follows their submissions"

expect_fail "no stack 'nope'" c school stack show nope
expect_fail "no educator named or with id 'Nobody'" c school stack show questioning-discourse --educator Nobody
expect_fail "missing STACK" c school stack show
pass "unknown stack and educator refused"
