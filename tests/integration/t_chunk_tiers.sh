#!/bin/bash
# Evidence through three tiers (PROTOCOL.md 8.3, "Three tiers"): a multi-chunk video added at a
# school reaches the state hub through the region hub, which pulls it from the school and serves
# it to its parent over the same protocol; the state hub's copy is intact and each chunk crossed
# each link once. Then, with the region -> state link cut every 1.5 s by faultproxy, a second
# video still arrives intact at the state, resumed from partial files after the cuts with at most
# one chunk re-sent per cut.
source "$(dirname "$0")/chunk_lib.sh"

MIB=$((1024 * 1024))
init_node state hub
init_node region hub
init_node school school
start_hub state
STATE_PORT=$HUB_PORT
c state catalog import "$CATALOG" >/dev/null
fast_reconnect region
enrol region state
start_hub region
REGION_PORT=$HUB_PORT
fast_reconnect school
enrol school region
start_node school
wait_catalog school 1 20 || fail "the state's catalog did not reach the school"

# --- 1. a 12 MiB video: school -> region -> state, intact, each chunk sent once per link.
head -c $((12 * MIB + 333)) /dev/urandom >"$T/v1.mp4"
size1=$(stat -c %s "$T/v1.mp4")
h1=$(file_hash "$T/v1.mp4")
video_submission school "$T/v1.mp4" >/dev/null
wait_complete region "$h1" 60 || { c region status >&2; fail "the video did not reach the region"; }
wait_complete state "$h1" 60 || { c state status >&2; fail "the video did not reach the state hub"; }
for n in region state; do
    "$CAIRND" blob-cat --data "$T/$n" "$h1" | cmp - "$T/v1.mp4" || fail "the $n's copy differs"
    assert_eq "$(bad_chunks $n)" 0 "chunks at the $n whose bytes do not hash to their name"
done
tally=$(stat -c %s "$T/school.csv")
assert_eq "$(evidence_counter school sent)" $((size1 + tally)) "bytes the school sent"
assert_eq "$(evidence_counter state received)" $((size1 + tally)) "bytes the state hub received"
[ "$(evidence_counter region sent)" -eq $((size1 + tally)) ] ||
    fail "the region sent $(evidence_counter region sent) bytes to the state for $((size1 + tally))"
pass "a 12 MiB video went school -> region -> state intact, each byte once per link"

# --- 2. the region -> state link cut every 1.5 s (the region's upload capped so the transfer
# spans several cuts): the second video resumes after each cut and arrives intact.
stop_node region
set_sync_key region upload_rate 6M
HUB_PORT=$STATE_PORT
start_proxy --seed 7 --cut-every-ms 1500
via_proxy region
start_hub region "$REGION_PORT"
head -c $((24 * MIB + 77)) /dev/urandom >"$T/v2.mp4"
size2=$(stat -c %s "$T/v2.mp4")
h2=$(file_hash "$T/v2.mp4")
sent_before=$(evidence_counter region sent) # 0: counters restart with the daemon
video_submission school "$T/v2.mp4" >/dev/null
wait_complete region "$h2" 60 || { c region status >&2; fail "the second video did not reach the region"; }
wait_complete state "$h2" 120 || { c state status >&2; fail "the second video did not reach the state through cuts"; }
"$CAIRND" blob-cat --data "$T/state" "$h2" | cmp - "$T/v2.mp4" || fail "the state's copy differs"
assert_eq "$(bad_chunks state)" 0 "chunks at the state whose bytes do not hash to their name"
cuts=$(grep -c "fault=cut-every-ms" "$T/proxy.log" || true)
sent=$(($(evidence_counter region sent) - sent_before))
resent=$((sent - size2)) # its tally is the first one's bytes: the state holds them already
echo "size=$size2 region_sent=$sent cuts=$cuts resent=$resent"
[ "$resent" -ge 0 ] || fail "the region sent fewer bytes than the video holds"
[ "$cuts" -ge 2 ] || fail "expected several cuts between region and state, saw $cuts"
[ "$resent" -le $((cuts * MIB)) ] || fail "re-sent $resent bytes over $cuts cuts: more than one chunk per cut"
[ "$(evidence_counter state resumed)" -ge 1 ] || fail "no chunk resumed from a partial file at the state"
pass "region -> state cut $cuts times: the video resumed and arrived intact ($resent bytes re-sent)"
