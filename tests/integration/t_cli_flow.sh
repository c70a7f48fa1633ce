#!/bin/bash
# The whole CLI flow on one school daemon: catalog, educators, a submission from draft to
# submitted with file and text evidence, listing and filters, withdrawal, a clean restart with
# everything still there, and `cairnd rebuild` reporting equal projections.
source "$(dirname "$0")/lib.sh"

init_node school school
[ "$(stat -c %a "$T/school")" = 700 ] || fail "data dir mode is not 0700"
[ "$(stat -c %a "$T/school/identity.key")" = 600 ] || fail "identity key mode is not 0600"
"$CAIRND" check-config --data "$T/school" >/dev/null || fail "check-config on a fresh dir"
start_node school

# Catalog: import, then import again changes nothing.
out=$(c school catalog import "$CATALOG")
assert_contains "$out" "12" "first import reports 12 credentials"
events1=$(db school "SELECT count(*) FROM events")
c school catalog import "$CATALOG" >/dev/null
events2=$(db school "SELECT count(*) FROM events")
assert_eq "$events2" "$events1" "events after importing the same catalog twice"
pass "catalog import is idempotent ($events1 events)"

list=$(c school catalog list)
assert_eq "$(grep -c . <<<"$list" | tr -d ' ')" "$(( $(grep -c . <<<"$list") ))" "list"
for id in wait-time design-thinking cooperative-learning; do assert_contains "$list" "$id" "catalog list"; done
stack=$(c school catalog list --stack learning-by-making)
assert_contains "$stack" "design-thinking" "stack filter"
case "$stack" in *wait-time*) fail "stack filter let wait-time through" ;; esac
show=$(c school catalog show wait-time)
for s in "Wait Time for Deeper Thinking" "three seconds" "video" "tally" "reflection" "Rowe"; do
    assert_contains "$show" "$s" "catalog show wait-time"
done
pass "catalog list/show"

# Educators.
ed=$(c school educator add --name "Ada Teacher" --email ada@example.org --role teacher)
ed=$(tr -d '[:space:]' <<<"$ed")
[ ${#ed} -eq 26 ] || fail "educator id '$ed' is not 26 characters"
c school educator add --name "Ben Leader" --role leader >/dev/null
elist=$(c school educator list)
assert_contains "$elist" "Ada Teacher" "educator list"
assert_contains "$elist" "Ben Leader" "educator list"

# A submission: start by educator prefix, add evidence, submit.
sub=$(c school submission start --educator "${ed:0:10}" --credential wait-time | tr -d '[:space:]')
[ ${#sub} -eq 26 ] || fail "submission id '$sub' is not 26 characters"
expect_fail "video" c school submission submit "$sub"
pass "submit with nothing refuses and names the missing parts"

make_file "$T/lesson.mp4" 5
out=$(c school evidence add "${sub:0:12}" --part video "$T/lesson.mp4")
assert_contains "$out" "sent" "evidence add summary"
printf 'name,answers\nA,3\nB,5\n' >"$T/tally.csv"
c school evidence add "$sub" --part tally "$T/tally.csv" >/dev/null
out=$(c school submission submit "$sub" 2>&1 || true)
assert_contains "$out" "reflection" "submit names the one missing part"
case "$out" in *video*) fail "submit lists video as missing after it was added" ;; esac
c school evidence add "$sub" --part reflection --text "Students answered at greater length after I waited." >/dev/null
expect_fail "" c school evidence add "$sub" --part nosuchpart --text "x"
c school submission submit "$sub" >/dev/null
show=$(c school submission show "$sub")
assert_contains "$show" "submitted" "submission state after submit"
assert_contains "$show" "lesson.mp4" "file name in show"
expect_fail "" c school evidence add "$sub" --part reflection --text "too late"
pass "submission walks draft -> submitted"

# The stored video equals the source, chunk for chunk.
"$CAIRND" blob-cat --data "$T/school" "$(file_hash "$T/lesson.mp4")" >"$T/back.mp4"
cmp -s "$T/lesson.mp4" "$T/back.mp4" || fail "stored video differs from the source"
pass "stored video reads back identical"

# Listing and filters; a second attempt; withdrawal.
sub2=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
assert_contains "$(c school submission show "$sub2")" "2" "second attempt number"
assert_contains "$(c school submission list --state draft)" "$sub2" "list --state draft"
case "$(c school submission list --state draft)" in *"$sub"*) fail "submitted one in draft list" ;; esac
assert_contains "$(c school submission list --educator "$ed")" "$sub" "list --educator"
c school submission withdraw "$sub2" >/dev/null
assert_contains "$(c school submission show "$sub2")" "withdrawn" "withdrawn state"
expect_fail "" c school submission withdraw "$sub2"
pass "list filters, attempts, withdraw"

st=$(c school status)
for s in school "$(db school "SELECT count(*) FROM events")"; do assert_contains "$st" "$s" "status"; done

# Clean restart: everything is still there.
before=$(db school "SELECT count(*) FROM events")
stop_node school
start_node school
assert_eq "$(db school "SELECT count(*) FROM events")" "$before" "events after restart"
assert_contains "$(c school submission show "$sub")" "submitted" "state after restart"
stop_node school

out=$("$CAIRND" rebuild --data "$T/school")
assert_contains "$out" "equal: yes" "rebuild equality"
pass "rebuild reports equal projections"
