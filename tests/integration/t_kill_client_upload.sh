#!/bin/bash
# kill -9 of the client mid-upload: the rerun sends only what the daemon lacks (at most one chunk
# more than was missing), and the stored file equals the source.
source "$(dirname "$0")/lib.sh"
MIB=${CAIRN_KILL_MIB:-200}

init_node school school
start_node school
c school catalog import "$CATALOG" >/dev/null
ed=$(c school educator add --name "Ada" | tr -d '[:space:]')
sub=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
make_file "$T/video.mp4" "$MIB"

for frac in 3 2; do
    # The client itself, not a subshell around it: kill -9 must hit the uploading process.
    "$CAIRN" --data "$T/school" evidence add "$sub" --part video "$T/video.mp4" >/dev/null 2>&1 &
    upid=$!
    wait_chunks school $(( MIB / frac )) "$upid" || fail "upload ended before the kill point"
    kill -9 "$upid"
    wait "$upid" 2>/dev/null || true
done
sleep 0.5 # let chunk writes already handed to the daemon finish
have=$(chunk_count school)
missing=$(( MIB - have ))
[ "$missing" -gt 0 ] || fail "nothing left to resume"

out=$(c school evidence add "$sub" --part video "$T/video.mp4")
sent=$(sed -n 's/.*(\([0-9]*\) sent.*/\1/p' <<<"$out")
[ -n "$sent" ] || fail "no sent count in: $out"
[ "$sent" -le $(( missing + 1 )) ] || fail "rerun sent $sent chunks, $missing were missing"
pass "rerun sent $sent chunks; $missing were missing of $MIB"

"$CAIRND" blob-cat --data "$T/school" "$(file_hash "$T/video.mp4")" >"$T/back.mp4" 2>/dev/null ||
    { stop_node school; "$CAIRND" blob-cat --data "$T/school" "$(file_hash "$T/video.mp4")" >"$T/back.mp4"; }
assert_eq "$(b2sum_of "$T/back.mp4")" "$(b2sum_of "$T/video.mp4")" "hash of the stored video"
pass "stored video equals the source"
