#!/bin/bash
# The review loop with real processes: a hub and an enrolled school syncing. The teacher submits
# (two small file parts and a text part); at the hub an assessor queues, claims, shows (rubric
# beside evidence), scores not-yet with feedback and decides; the school sees the feedback after
# sync, resubmits keeping the parts that met (no re-upload) and adds new text; the hub sees
# attempt 2, scores the new part, decides meets and issues the award; the school sees the award.
# Every bad input (non-assessor, no --as, a school assessor, decide before scoring, unknown part,
# oversized or empty feedback, a claim held by another, a decided or withdrawn submission, review
# at a school) is refused with a clear error and leaves every state hash unchanged. Both nodes
# rebuild to equal projections and agree on the school partition's state hash.
source "$(dirname "$0")/sync_lib.sh"

all_hash() { "$CAIRND" state-hash --data "$T/$1"; }
# refused NEEDLE cmd...: fails with NEEDLE, and neither node's state hash moves.
refused() {
    local h0 s0
    # settle first: the hub's earlier events may still be on their way down
    [ -z "${part:-}" ] || wait_hash_equal hub school "$part" 5 || fail "sync did not settle"
    h0=$(all_hash hub)
    s0=$(all_hash school)
    expect_fail "$@"
    assert_eq "$(all_hash hub)" "$h0" "hub state hash after refused: $*"
    assert_eq "$(all_hash school)" "$s0" "school state hash after refused: $*"
}
# wait_state NODE SUB STATE: polls submission show until its state line is STATE (10 s).
wait_state() {
    local i
    for i in $(seq 1 200); do
        c "$1" submission show "$2" 2>/dev/null | grep -Eq "^state +$3\$" && return 0
        sleep 0.05
    done
    c "$1" submission show "$2" >&2 || true
    return 1
}

init_node hub hub
init_node school school
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
enrol school hub
start_node school
wait_catalog school 1 5 || fail "catalog did not reach the school"
part="school:$(node_id school)"

rita=$(c hub educator add --name "Rita Assessor" --role assessor | tr -d '[:space:]')
sam=$(c hub educator add --name "Sam Assessor" --role assessor | tr -d '[:space:]')
c hub educator add --name "Tom Teacher" --role teacher >/dev/null
c school educator add --name "Sly Assessor" --role assessor >/dev/null
c hub educator add --name "Pete Peer" --role assessor --peer >/dev/null
c hub educator list | grep -q "Rita Assessor" || fail "assessor not listed at the hub"
c hub educator list | grep "Pete Peer" | grep -q "assessor (peer)" || fail "peer not listed"
pass "assessors registered at the hub"

# The teacher's submission: video and tally (small files) and a text reflection.
sub=$(make_submission school)
c school submission submit "$sub" >/dev/null
video_hash=$(file_hash "$T/school.mp4")
gone=$(make_submission school)
c school submission submit "$gone" >/dev/null
c school submission withdraw "$gone" >/dev/null
wait_hash_equal hub school "$part" 5 || fail "school partition did not reach the hub"

q=$(c hub review queue --as Rita\ Assessor)
echo "$q"
assert_contains "$q" "$sub" "queue lists the submission"
echo "$q" | grep "$sub" | grep -Eq "[0-9]+h / 14d" || fail "queue age not shown against 14d: $q"
echo "$q" | grep "$sub" | grep -q "Ada school" || fail "queue does not show the teacher"
case "$q" in *"$gone"*) fail "withdrawn submission in the queue" ;; esac
pass "queue: oldest first, age against the 14 day target, teacher and school"

# Bad input before the claim.
refused "who is acting" c hub review claim "$sub"
refused "not an assessor" c hub review claim "$sub" --as "Tom Teacher"
refused "not an assessor" c hub review score "$sub" --part video --meets --as "Tom Teacher"
refused "not an assessor" c hub review decide "$sub" --as "Tom Teacher"
refused "another node" c hub review claim "$sub" --as "Sly Assessor"
refused "no educator" c hub review claim "$sub" --as "Nobody Here"
refused "withdrawn" c hub review claim "$gone" --as Rita\ Assessor
refused "reviews are made at the hub" c school review queue
assert_contains "$(c hub review queue --as "Pete Peer")" "queue is empty" "a peer's queue"
refused "does not allow peer review" c hub review claim "$sub" --as "Pete Peer"
refused "claim submission" c hub review score "$sub" --part video --meets --as "Rita Assessor"
pass "refused before a claim: no --as, non-assessor, a school's educator, a peer reviewer, withdrawn, at a school"

export CAIRN_AS="Rita Assessor"
out=$(c hub review claim "$sub")
assert_contains "$out" "claimed until" "claim"
refused "claimed by Rita Assessor" c hub review claim "$sub" --as "$sam"
q=$(c hub review queue)
echo "$q" | grep "$sub" | grep -q "Rita Assessor until" || fail "queue does not show the claim: $q"
pass "claim by Rita; Sam refused while it is live; queue shows claimed-by and expiry"

show=$(c hub review show "$sub")
echo "$show"
assert_contains "$show" "Both pauses are used consistently" "rubric criterion beside the video"
assert_contains "$show" "Waited three seconds in school" "text evidence"
assert_contains "$show" "school.mp4" "file name"
assert_contains "$show" "$video_hash" "file hash"
echo "$show" | grep -Eq "bytes +(present at the hub|not at the hub yet)" || fail "file presence"
assert_contains "$show" "Ada school" "teacher shown (not double-blind)"
pass "show: rubric beside each part, text, file name/size/hash and presence at the hub"

refused "score every part" c hub review decide "$sub"
refused "does not exist" c hub review score "$sub" --part essay --meets
head -c 8193 /dev/zero | tr '\0' 'x' >"$T/long.txt"
refused "over the limit" c hub review score "$sub" --part video --not-yet --feedback-file "$T/long.txt"
refused "needs feedback" c hub review score "$sub" --part reflection --not-yet
refused "exactly one of --meets and --not-yet" c hub review score "$sub" --part video
pass "refused: decide before scoring, unknown part, feedback over 8 KiB, empty not-yet feedback"

c hub review score "$sub" --part video --meets --feedback "Clear pauses." >/dev/null
c hub review score "$sub" --part tally --meets >/dev/null
c hub review score "$sub" --part reflection --not-yet \
    --feedback "Name one concrete next step for next week." >/dev/null
out=$(c hub review decide "$sub")
assert_contains "$out" "decided not-yet" "decision"
refused "already decided" c hub review claim "$sub" --as "$sam"
refused "already decided" c hub review score "$sub" --part video --meets
pass "scored and decided not-yet; a decided submission cannot be claimed or scored"

# The school sees the feedback after sync.
wait_state school "$sub" not-yet || fail "decision did not reach the school"
show=$(c school submission show "$sub")
echo "$show"
assert_contains "$show" "Name one concrete next step for next week." "feedback at the school"
echo "$show" | grep -Eq "decision +not-yet" || fail "decision not shown at the school"
pass "teacher sees per-part verdicts, feedback and the decision at the school"

# Resubmission keeping the parts that met: no chunk is uploaded again.
chunks0=$(chunk_count school)
sub2=$(c school submission resubmit "$sub" 2>"$T/resubmit.err" | tr -d '[:space:]')
assert_contains "$(cat "$T/resubmit.err")" "tally, video" "parts kept"
refused "already resubmitted" c school submission resubmit "$sub"
show2=$(c school submission show "$sub2")
echo "$show2" | grep -E "^video +required +present" >/dev/null || fail "video not carried: $show2"
echo "$show2" | grep -E "^reflection +required +missing" >/dev/null || fail "reflection carried"
assert_contains "$show2" "$sub" "previous attempt linked"
expect_fail "missing required parts: reflection" c school submission submit "$sub2"
c school evidence add "$sub2" --part reflection \
    --text "Next week I will wait after answers too, and track it." >/dev/null
c school submission submit "$sub2" >/dev/null
assert_eq "$(chunk_count school)" "$chunks0" "chunks stored after a resubmission"
assert_eq "$(db school "SELECT count(DISTINCT hash) FROM evidence WHERE part='video' AND submission IN ('$sub', '$sub2')")" 1 \
    "the video of both attempts is the same stored file"
pass "resubmitted as attempt 2 keeping video and tally by reference; new reflection"

wait_hash_equal hub school "$part" 5 || fail "attempt 2 did not reach the hub"
q=$(c hub review queue)
echo "$q" | grep "$sub2" | grep -Eq "wait-time v1 +2 " || fail "attempt 2 not in the queue: $q"
c hub review claim "$sub2" >/dev/null
show=$(c hub review show "$sub2")
assert_contains "$show" "unchanged since it met in the previous attempt" "carried parts"
c hub review score "$sub2" --part reflection --meets --feedback "Concrete and specific." >/dev/null
out=$(c hub review decide "$sub2")
assert_contains "$out" "decided meets: award" "award on meets"
award=$(echo "$out" | sed -n 's/.*award \([0-9a-z]*\).*/\1/p')
pass "hub: attempt 2 in the queue, only the new part scored, meets, award $award"

wait_state school "$sub2" awarded || fail "award did not reach the school"
show=$(c school submission show "$sub2")
assert_contains "$show" "$award" "award id at the school"
assert_contains "$show" "wait-time@1" "achievement at the school"
assert_contains "$show" "reflection=meets tally=meets video=meets" "every part's verdict, carried too"
n=$(db school "SELECT count(*) FROM events WHERE type='award.issue' AND entity='$award'")
assert_eq "$n" 1 "award.issue event at the school"
ev=$(db school "SELECT evidence FROM awards WHERE id='$award'")
assert_contains "$ev" "video=$video_hash" "award names the video's hash"
n=$(db school "SELECT count(*) FROM educators WHERE name IN ('Rita Assessor', 'Pete Peer')")
assert_eq "$n" 0 "the hub's own educators (its partition) at the school"
n=$(db school "SELECT count(*) FROM events WHERE partition = 'school:$(node_id hub)'")
assert_eq "$n" 0 "events of the hub's own partition at the school"
pass "the school holds the award event with the evidence hashes; the hub's assessors stay at the hub"

wait_hash_equal hub school "$part" 5 || fail "school partition hashes differ at the end"
stop_node school
stop_node hub
for n in hub school; do
    out=$("$CAIRND" rebuild --data "$T/$n")
    assert_contains "$out" "equal: yes" "rebuild of $n"
done
pass "state hashes equal; both nodes rebuild to equal projections"
