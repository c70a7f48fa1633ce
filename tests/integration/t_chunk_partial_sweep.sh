#!/bin/bash
# Abandoned partial chunk files (PROTOCOL.md 8.3, "Abandoned partial files"): at start-up a hub
# removes the partial chunk files (blobs/partial/) of evidence it no longer needs: a withdrawn
# submission's video, the old file of a replaced part, the video of a school revoked here, and a
# wanted partial that did not grow for partial_max_age days; it logs the count and keeps the
# partials still wanted, from which those transfers then resume and complete intact.
source "$(dirname "$0")/chunk_lib.sh"

MIB=$((1024 * 1024))
init_node hub hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
# The schools' upload windows are closed (a day two days from now): events sync, evidence waits.
closed=$(date -d '+2 days' +%a | tr '[:upper:]' '[:lower:]')
for s in s1 s2; do
    init_node $s school
    fast_reconnect $s
    enrol $s hub
    set_sync_key $s upload_windows "$closed"
    start_node $s
    wait_catalog $s 1 20 || fail "catalog did not reach $s"
done

head -c $((2 * MIB + 11)) /dev/urandom >"$T/w.mp4"
head -c $((2 * MIB + 13)) /dev/urandom >"$T/r1.mp4"
head -c $((2 * MIB + 17)) /dev/urandom >"$T/r2.mp4"
head -c $((3 * MIB + 19)) /dev/urandom >"$T/k.mp4"
head -c $((2 * MIB + 23)) /dev/urandom >"$T/e.mp4"
subW=$(video_submission s1 "$T/w.mp4")
c s1 submission withdraw "$subW" >/dev/null
# R: the video part replaced by another file while still a draft.
ed=$(c s1 educator add --name "Rae Replace" --role teacher | tr -d '[:space:]')
subR=$(c s1 submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
c s1 evidence add "$subR" --part video "$T/r1.mp4" >/dev/null
c s1 evidence add "$subR" --part video "$T/r2.mp4" >/dev/null
c s1 evidence add "$subR" --part tally "$T/s1.csv" >/dev/null
c s1 evidence add "$subR" --part reflection --text "Replaced." >/dev/null
c s1 submission submit "$subR" >/dev/null
video_submission s1 "$T/k.mp4" >/dev/null
video_submission s2 "$T/e.mp4" >/dev/null
wait_hash_equal hub s1 "school:$(node_id s1)" 20 || fail "s1's events did not reach the hub"
wait_hash_equal hub s2 "school:$(node_id s2)" 20 || fail "s2's events did not reach the hub"
assert_eq "$(db hub "SELECT state FROM submissions WHERE id = '$subW'")" withdrawn "W at the hub"
stop_node hub
"$CAIRND" enroll revoke --data "$T/hub" s2 >/dev/null || fail "revoke s2"

# partial FILE INDEX BYTES: the hub holds the first BYTES of chunk INDEX of FILE as a partial
# file (as a cut or a kill leaves it); prints its path.
partial() {
    local h
    h=$(dd if="$1" bs=$MIB skip="$2" count=1 status=none | b2sum -l 256 | cut -c1-64)
    dd if="$1" bs=$MIB skip="$2" count=1 status=none | head -c "$3" >"$T/hub/blobs/partial/$h"
    echo "$T/hub/blobs/partial/$h"
}
# The hub already opened (empty) partials for chunks it asked for; start from a known set.
find "$T/hub/blobs/partial" -type f -delete
pW=$(partial "$T/w.mp4" 0 300000)
pR1=$(partial "$T/r1.mp4" 0 300000)
pE=$(partial "$T/e.mp4" 0 300000)
pK0=$(partial "$T/k.mp4" 0 400000)
pR2=$(partial "$T/r2.mp4" 1 500000)
pK1=$(partial "$T/k.mp4" 1 200000)
touch -d '40 days ago' "$pK1" # wanted, but no byte for longer than partial_max_age (30 days)
echo "operator's note" >"$T/hub/blobs/partial/NOTES"

start_hub hub "$HUB_PORT"
grep -q "partial sweep: removed 4 abandoned partial chunk file(s).*(3 no longer wanted, 1 without progress for 30 days); kept 2" "$T/hub.log" ||
    { grep "partial sweep" "$T/hub.log" >&2; fail "no sweep log line with the counts"; }
for p in "$pW" "$pR1" "$pE" "$pK1"; do [ ! -e "$p" ] || fail "abandoned partial $p is still there"; done
for p in "$pK0" "$pR2"; do [ -f "$p" ] || fail "wanted partial $p was removed"; done
[ -f "$T/hub/blobs/partial/NOTES" ] || fail "a file the sweep does not own was removed"
pass "start-up sweep: withdrawn, replaced, revoked-school and stale partials removed (logged: 4); wanted ones kept"

# The wanted transfers resume from their partials and complete; the withdrawn video is not fetched.
stop_node s1
sed -i "s/^upload_windows = .*/upload_windows = always/" "$T/s1/cairnd.conf"
start_node s1
for f in k r2; do
    h=$(file_hash "$T/$f.mp4")
    wait_complete hub "$h" 60 || { c hub status >&2; fail "$f did not reach the hub"; }
    "$CAIRND" blob-cat --data "$T/hub" "$h" | cmp - "$T/$f.mp4" || fail "the hub's copy of $f differs"
done
[ "$(evidence_counter hub resumed)" -ge 2 ] || fail "the kept partials were not resumed"
sleep 1
for f in w r1; do
    [ ! -f "$T/hub/blobs/manifests/$(file_hash "$T/$f.mp4")" ] || fail "$f was fetched"
done
[ -z "$(find "$T/hub/blobs/partial" -type f ! -name NOTES)" ] || fail "partials left after completion"
pass "kept partials resumed to intact files; the withdrawn and replaced videos were not fetched"
