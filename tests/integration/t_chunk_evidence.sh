#!/bin/bash
# Evidence at the hub: `cairn evidence get` refuses a file that has not fully arrived (saying how
# much has), `cairn evidence prioritize` makes the hub fetch one submission's evidence before an
# older, larger one, and `cairn evidence list` shows progress here and, at the school, to the hub.
source "$(dirname "$0")/chunk_lib.sh"

init_node hub hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
init_node s1 school
enrol s1 hub
set_sync_key s1 upload_rate 4M # slow enough to watch: 4 MiB/s
start_node s1
wait_catalog s1 1 20 || fail "catalog did not reach s1"

head -c $((40 * 1024 * 1024)) /dev/urandom >"$T/big.mp4"
head -c $((6 * 1024 * 1024 + 7)) /dev/urandom >"$T/small.mp4"
hbig=$(file_hash "$T/big.mp4")
hsmall=$(file_hash "$T/small.mp4")
subA=$(video_submission s1 "$T/big.mp4")
subB=$(video_submission s1 "$T/small.mp4")
wait_hash_equal hub s1 "school:$(node_id s1)" 20 || fail "events did not reach the hub"

# The big (older) file goes first; B has not arrived: get says so, with progress.
sleep 1
out=$(c hub evidence get "$subB" video --out "$T/b.out" 2>&1) && fail "get of an unarrived file succeeded"
assert_contains "$out" "has not fully arrived yet" "evidence get before arrival"
assert_contains "$out" "of 6.0 MiB" "evidence get progress"
[ ! -e "$T/b.out" ] || fail "a refused get left an output file"
out=$(c hub evidence get "$subA" video --out "$T/a.out" 2>&1) && fail "get of a partial file succeeded"
assert_contains "$out" "has not fully arrived yet" "evidence get of the file in transfer"
c hub evidence list "$subA" | grep -q "partial" || fail "hub list does not show the big file partial"
pass "evidence get refuses files not yet arrived, with progress"

# Prioritize B at the hub: it completes before A.
c hub evidence prioritize "${subB:0:8}" | grep -q "goes first" || fail "prioritize"
wait_complete hub "$hsmall" 30 || fail "the prioritized file did not arrive"
[ -f "$T/hub/blobs/manifests/$hbig" ] && fail "the big file finished before the prioritized one"
c hub evidence get "$subB" video --out "$T/b.out" | grep -q "wrote" || fail "get after arrival"
cmp "$T/b.out" "$T/small.mp4" || fail "the file got at the hub differs"
pass "prioritized submission fetched first and got intact"

# At the school, list shows progress to the hub with an ETA while the big file moves.
sleep 1.5
lst=$(c s1 evidence list)
echo "$lst"
grep "$subA" <<<"$lst" | grep -q "ETA" || fail "the school's list shows no ETA for the file in transfer"
grep "$subB" <<<"$lst" | grep "video" | grep -q "complete" || fail "the school's list does not show the small file complete at the hub"
c s1 status | grep -q "^to hub .*ETA" || fail "school status shows no per-file ETA"
wait_complete hub "$hbig" 60 || fail "the big file did not arrive"
c hub evidence get "$subA" video --out "$T/a.out" >/dev/null || fail "get of the big file"
cmp "$T/a.out" "$T/big.mp4" || fail "the big file differs"
expect_fail "is text, not a file" c hub evidence get "$subA" reflection --out "$T/x"
expect_fail "no evidence part 'nope'" c hub evidence get "$subA" nope --out "$T/x"
expect_fail "prioritize at the hub" c s1 evidence prioritize "$subA"
pass "school list and status show progress and ETA; both files intact at the hub"
