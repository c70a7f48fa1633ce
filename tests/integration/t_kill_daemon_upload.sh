#!/bin/bash
# kill -9 of the daemon at spread-out moments during a 200 MiB upload, ten times, with teachers'
# submissions acknowledged in between. After each restart the upload resumes; at the end the
# stored file equals the source, every stored chunk is whole, and every acknowledged submission
# is there.
source "$(dirname "$0")/lib.sh"
MIB=${CAIRN_KILL_MIB:-200}
KILLS=10

init_node school school
start_node school
c school catalog import "$CATALOG" >/dev/null
ed=$(c school educator add --name "Ada" | tr -d '[:space:]')
video_sub=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
make_file "$T/video.mp4" "$MIB"
total=$MIB # 1 MiB chunks
acked=()
interrupted=0

for k in $(seq 1 $KILLS); do
    # A spread of kill points over the file: the k-th kill lands after roughly k/(KILLS+1) of it.
    target=$(( total * k / (KILLS + 1) + RANDOM % 3 ))
    "$CAIRN" --data "$T/school" evidence add "$video_sub" --part video "$T/video.mp4" >"$T/up.$k" 2>&1 &
    upid=$!
    if wait_chunks school "$target" "$upid"; then
        kill9_node school
        interrupted=$((interrupted + 1))
    fi
    wait "$upid" 2>/dev/null || true
    kill9_node school 2>/dev/null || true
    start_node school
    # Between crashes a teacher's submission is acknowledged: it must survive the next kill.
    s=$(c school submission start --educator "$ed" --credential accountable-talk | tr -d '[:space:]')
    c school evidence add "$s" --part reflection --text "attempt $k" >/dev/null
    acked+=("$s")
    # A kill right after the acknowledgement.
    kill9_node school
    start_node school
done
[ "$interrupted" -ge "$KILLS" ] || fail "only $interrupted of $KILLS kills landed mid-upload"
pass "$interrupted kills landed mid-upload"

n=$(verify_chunks school)
pass "$n stored chunks all match their hashes"

out=$(c school evidence add "$video_sub" --part video "$T/video.mp4")
assert_contains "$out" "sent" "final upload summary"
"$CAIRND" blob-cat --data "$T/school" "$(file_hash "$T/video.mp4")" >"$T/back.mp4"
assert_eq "$(b2sum_of "$T/back.mp4")" "$(b2sum_of "$T/video.mp4")" "hash of the stored video"
pass "stored video equals the source after $KILLS kills"

for s in "${acked[@]}"; do
    show=$(c school submission show "$s") || fail "acknowledged submission $s lost"
    assert_contains "$show" "draft" "state of acknowledged submission $s"
done
pass "all ${#acked[@]} acknowledged submissions survived kill -9"
[ -z "$(ls -A "$T/school/blobs/tmp" 2>/dev/null)" ] || fail "temp debris left after restart"
stop_node school
