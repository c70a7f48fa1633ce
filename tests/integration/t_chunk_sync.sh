#!/bin/bash
# Evidence chunk sync school -> hub (PROTOCOL.md 8.3, evidence chunks): a 300 MiB video through
# faultproxy cutting the link every 2.5 s arrives intact with at most one chunk re-sent per cut;
# identical files (another submission, another school) are never fetched again; byte flips on
# the link store no corrupted chunk (the channel closes, the chunk hash is the second line); a
# link that truncates every connection (EOF mid-frame) still gets the file through, intact.
source "$(dirname "$0")/chunk_lib.sh"

SIZE_MIB=${CAIRN_CHUNK_TEST_MIB:-300}
CHUNK=$((1024 * 1024))

init_node hub hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
for s in s1 s2 s3 s4; do init_node $s school; fast_reconnect $s; enrol $s hub; done

# --- 1. cuts every 2.5 s during a large transfer, rate-capped so that it spans many cuts.
start_proxy --seed 3 --rate "${CAIRN_CHUNK_TEST_RATE:-20000000}" --cut-every-ms 2500
via_proxy s1
start_node s1
wait_catalog s1 1 20 || fail "catalog did not reach s1"
head -c $((SIZE_MIB * CHUNK + 4321)) /dev/urandom >"$T/v.mp4"
size=$(stat -c %s "$T/v.mp4")
h=$(file_hash "$T/v.mp4")
sub1=$(video_submission s1 "$T/v.mp4")
wait_complete hub "$h" 300 || { c s1 status >&2; c hub status >&2; fail "the video did not reach the hub"; }
"$CAIRND" blob-cat --data "$T/hub" "$h" | cmp - "$T/v.mp4" || fail "the hub's copy differs"
cuts=$(grep -c "fault=cut-every-ms" "$T/proxy.log" || true)
sent=$(evidence_counter s1 sent)
received=$(evidence_counter hub received)
tally=$(stat -c %s "$T/s1.csv")
resent=$((sent - size - tally))
echo "size=$size sent=$sent received=$received cuts=$cuts resent=$resent"
[ "$cuts" -ge 3 ] || fail "expected several cuts during the transfer, saw $cuts"
[ "$resent" -ge 0 ] || fail "sent fewer bytes than the file holds"
[ "$resent" -le $((cuts * CHUNK)) ] || fail "re-sent $resent bytes over $cuts cuts: more than one chunk per cut"
[ "$((received - size - tally))" -le $((cuts * CHUNK)) ] || fail "hub received too much"
[ "$(evidence_counter hub resumed)" -ge 1 ] || fail "no chunk resumed from a partial file after a cut"
pass "$SIZE_MIB MiB through $cuts cuts: intact, $resent bytes re-sent (<= $cuts chunks)"

# --- 2. dedupe: the same file in a second submission and at another school is not fetched again.
before=$(evidence_counter hub received)
sub2=$(video_submission s1 "$T/v.mp4")
start_proxy --seed 4
via_proxy s2
start_node s2
wait_catalog s2 1 20 || fail "catalog did not reach s2"
sub3=$(video_submission s2 "$T/v.mp4")
p2="school:$(node_id s2)"
wait_hash_equal hub s2 "$p2" 30 || fail "s2's events did not reach the hub"
p1="school:$(node_id s1)"
wait_hash_equal hub s1 "$p1" 30 || fail "s1's events did not reach the hub"
sleep 2
assert_eq "$(evidence_counter hub received)" "$before" "chunk bytes received for identical files"
assert_eq "$(evidence_counter s2 sent)" 0 "chunk bytes s2 sent for a file the hub holds"
pass "identical files (a resubmission, another school) are not sent again"

# --- 3. byte flips on the link: no corrupted chunk is ever stored.
video_through_proxy s3 24 --seed 5 --up-flip-every 3000000
flips=$(grep -c "fault=flip" "$T/proxy.log" || true)
[ "$flips" -ge 1 ] || fail "the proxy flipped nothing"
grep -q "channel from .* failed" "$T/hub.log" || fail "the hub did not refuse a flipped frame"
assert_eq "$(bad_chunks hub)" 0 "chunks at the hub whose bytes do not hash to their name"
pass "byte flips: $flips flipped, every stored chunk verified, file intact"

# --- 4. every connection truncated (a clean EOF in the middle of a frame) after 4 MB up.
video_through_proxy s4 20 --seed 6 --up-truncate-after 4000000
truncs=$(grep -c "fault=truncate" "$T/proxy.log" || true)
[ "$truncs" -ge 3 ] || fail "expected several truncated connections, saw $truncs"
pass "truncated link: $truncs connections cut short by EOF mid-frame, file intact"
