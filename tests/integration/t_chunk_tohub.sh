#!/bin/bash
# A school remembers which evidence files its hub holds complete (the hub's `cstat` done,
# PROTOCOL.md 8.3, recorded in evidence_at_hub) and never purges one the hub lacks:
# (a) an awarded video the hub does not hold (the school's upload window is closed: events sync,
#     bytes wait) is kept "due but kept: not yet at the hub"; once the hub holds it, it is purged;
# (b) after a school restart (clean, then kill -9) `evidence list` still shows it complete at the
#     hub, and `status` counts it;
# (c) dedup: the same file added at a second school, which the hub already holds from the first
#     and so never fetches from it, shows complete at the hub there too.
source "$(dirname "$0")/chunk_lib.sh"

MIB=$((1024 * 1024))
# hub_cell NODE SUB: the TO HUB cell of SUB's video in NODE's `evidence list` (SIZE is two words).
hub_cell() { c "$1" evidence list | grep "$2" | grep video | awk '{print $6}'; }
init_node hub hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
# The window is closed now: open only the day after tomorrow (no midnight race within a run).
closed=$(LC_ALL=C date -d '+2 days' +%a | tr '[:upper:]' '[:lower:]')
for s in s1 s2; do
    init_node $s school
    fast_reconnect $s
    sed -i 's/^# purge_after_award = off/purge_after_award = 0/' "$T/$s/cairnd.conf"
    grep -q "^purge_after_award = 0" "$T/$s/cairnd.conf" || fail "cannot set purge_after_award"
    enrol $s hub
done
set_sync_key s1 upload_windows "$closed"
start_node s1
wait_catalog s1 1 20 || fail "catalog did not reach s1"

head -c $((2 * MIB + 7)) /dev/urandom >"$T/f.mp4"
hF=$(file_hash "$T/f.mp4")
subF=$(video_submission s1 "$T/f.mp4")
part1="school:$(node_id s1)"
wait_hash_equal hub s1 "$part1" 20 || fail "s1's events did not reach the hub"

# The hub's assessor awards F without its bytes (the hub does not need them to decide).
c hub educator add --name "Rita Assessor" --role assessor >/dev/null
export CAIRN_AS="Rita Assessor"
c hub review claim "$subF" >/dev/null
for p in video tally reflection; do c hub review score "$subF" --part $p --meets >/dev/null; done
c hub review decide "$subF" >/dev/null
wait_hash_equal hub s1 "$part1" 20 || fail "the award did not reach s1"
assert_eq "$(db s1 "SELECT count(*) FROM awards WHERE submission = '$subF'")" 1 "award at s1"
[ -f "$T/hub/blobs/manifests/$hF" ] && fail "the hub holds F although the window is closed"

# (a) Due (awarded, purge_after_award = 0) but the hub lacks the bytes: kept, and said so.
out=$(c s1 evidence purge)
echo "s1 (window closed): $out"
assert_contains "$out" "purged 0 files" "s1 purge while the hub lacks F"
assert_contains "$out" "1 due but kept: not yet at the hub" "s1 purge reason"
assert_eq "$(db s1 "SELECT count(*) FROM evidence_purged")" 0 "files purged at s1"
"$CAIRND" blob-cat --data "$T/s1" "$hF" | cmp - "$T/f.mp4" || fail "s1 lost F while the hub lacks it"
[ "$(hub_cell s1 "$subF")" = complete ] && fail "s1 shows F complete at the hub before any byte moved"
pass "awarded video the hub lacks: kept at the school (due but kept: not yet at the hub)"

# The window opens: F moves, the hub says done, the school records it and may purge.
stop_node s1
sed -i "s/^upload_windows = .*/upload_windows = always/" "$T/s1/cairnd.conf"
start_node s1
wait_complete hub "$hF" 60 || { c hub status >&2; fail "F did not reach the hub"; }
"$CAIRND" blob-cat --data "$T/hub" "$hF" | cmp - "$T/f.mp4" || fail "the hub's copy of F differs"
for i in $(seq 1 100); do
    [ "$(db s1 "SELECT count(*) FROM evidence_at_hub WHERE hash = x'$hF'")" = 1 ] && break
    sleep 0.1
done
assert_eq "$(db s1 "SELECT count(*) FROM evidence_at_hub WHERE hash = x'$hF'")" 1 "F recorded at s1"
# The retention timer (5 s after start) may purge first: count what is purged after the command.
out=$(c s1 evidence purge)
echo "s1 (hub holds F): $out"
assert_eq "$(db s1 "SELECT count(*) FROM evidence_purged WHERE hash = x'$hF'")" 1 "F purged at s1"
case "$out" in *"not yet at the hub"*) fail "still kept after the hub got F: $out" ;; esac
expect_fail "was purged" c s1 evidence get "$subF" video --out "$T/f.out"
c hub evidence get "$subF" video --out "$T/f.hub" >/dev/null || fail "the hub's F cannot be read"
cmp "$T/f.hub" "$T/f.mp4" || fail "the hub's F differs after the school's purge"
pass "once the hub holds it (cstat done recorded), the school purges it; the hub's copy is whole"

# (b) Restarts: the in-memory reports are gone, the record stays. The hub is down meanwhile,
# so nothing told it again: what shows is the record alone.
stop_node hub
stop_node s1
start_node s1
assert_eq "$(hub_cell s1 "$subF")" complete "TO HUB of F after a clean restart"
st=$(c s1 status)
assert_contains "$st" "link          down" "s1's link with the hub stopped"
echo "$st" | grep -q "^evidence hub  2 files complete at the hub" || fail "status after restart: $st"
echo "$st" | grep -q "^to hub" && fail "in-memory hub reports after a restart without the hub"
kill9_node s1
start_node s1
assert_eq "$(hub_cell s1 "$subF")" complete "TO HUB of F after kill -9"
start_hub hub "$HUB_PORT"
pass "after a clean restart and a kill -9 (hub down), evidence list and status show F at the hub"

# (c) Dedup: s2 adds the same bytes; the hub holds them (from s1) and never fetches them from
# s2, yet s2 learns the hub holds them, shows it, and may purge its copy after the award.
start_node s2
wait_catalog s2 1 20 || fail "catalog did not reach s2"
head -c $((1 * MIB + 3)) /dev/urandom >"$T/g.mp4"
hG=$(file_hash "$T/g.mp4")
video_submission s1 "$T/g.mp4" >/dev/null
wait_complete hub "$hG" 60 || fail "G did not reach the hub from s1"
received=$(evidence_counter hub received)
subG2=$(video_submission s2 "$T/g.mp4")
part2="school:$(node_id s2)"
wait_hash_equal hub s2 "$part2" 20 || fail "s2's events did not reach the hub"
for i in $(seq 1 100); do
    [ "$(hub_cell s2 "$subG2")" = complete ] && break
    sleep 0.1
done
assert_eq "$(hub_cell s2 "$subG2")" complete "TO HUB of G at s2 (the hub had it from s1)"
assert_eq "$(hub_cell s1 "$(db s1 "SELECT submission FROM evidence WHERE hash = x'$hG'")")" \
    complete "TO HUB of G at s1"
assert_eq "$(evidence_counter hub received)" "$received" "bytes the hub fetched from s2 for G"
stop_node s2
start_node s2
assert_eq "$(hub_cell s2 "$subG2")" complete "TO HUB of G at s2 after a restart"
# Recorded at s2: G and the tally sheet (the same bytes at both schools: deduplicated as well).
assert_eq "$(db s2 "SELECT count(*) FROM evidence_at_hub WHERE hash = x'$hG'")" 1 "G recorded at s2"
assert_eq "$(db s2 "SELECT count(*) FROM evidence_at_hub")" 2 "files recorded at s2"
pass "dedup: a file the hub already held from s1 shows complete at the hub from s2 too"
