#!/bin/bash
# Retention: video bytes are purged after an award (school and hub) or after an age once decided
# (hub); the manifest, hashes, events and projections stay, `cairn evidence show` says when; a
# submitted file whose review is pending is never purged, nor a chunk another live file shares;
# the hub does not fetch a purged file again.
#
# The awards and decisions are real: an assessor at the hub reviews A and D (meets: awarded) and
# C (not-yet: decided, no award); they reach the school by sync.
source "$(dirname "$0")/chunk_lib.sh"

MIB=$((1024 * 1024))
init_node hub hub
sed -i 's/^# purge_after_award = off/purge_after_award = 0/; s/^# purge_after_age = off/purge_after_age = 0/' "$T/hub/cairnd.conf"
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
init_node s1 school
sed -i 's/^# purge_after_award = off/purge_after_award = 0/' "$T/s1/cairnd.conf"
grep -q "^purge_after_award = 0" "$T/s1/cairnd.conf" || fail "cannot set purge_after_award"
enrol s1 hub
start_node s1
s1_started=$(date +%s%3N)
wait_catalog s1 1 20 || fail "catalog did not reach s1"
c s1 evidence purge | grep -q "purged 0 files" || fail "purge with nothing due"

# A and B share their first chunk; C shares nothing; D is one video in two submissions (a
# resubmission reusing evidence): D's awarded, E's review is pending.
head -c $MIB /dev/urandom >"$T/x"
{ cat "$T/x"; head -c $((3 * MIB)) /dev/urandom; } >"$T/a.mp4"
{ cat "$T/x"; head -c $((2 * MIB)) /dev/urandom; } >"$T/b.mp4"
head -c $((2 * MIB + 3)) /dev/urandom >"$T/c.mp4"
head -c $((2 * MIB + 5)) /dev/urandom >"$T/d.mp4"
subA=$(video_submission s1 "$T/a.mp4")
subB=$(video_submission s1 "$T/b.mp4")
subC=$(video_submission s1 "$T/c.mp4")
subD=$(video_submission s1 "$T/d.mp4")
subE=$(video_submission s1 "$T/d.mp4")
hA=$(file_hash "$T/a.mp4"); hB=$(file_hash "$T/b.mp4"); hC=$(file_hash "$T/c.mp4")
hD=$(file_hash "$T/d.mp4")
for h in "$hA" "$hB" "$hC" "$hD"; do wait_complete hub "$h" 60 || fail "evidence did not reach the hub"; done
part="school:$(node_id s1)"
wait_hash_equal hub s1 "$part" 20 || fail "events differ before the purge"

# The daemons' own retention check runs 5 s after start (then every 10 minutes): let it pass
# before any award exists, so that the explicit purges below are the ones that purge (with a
# fast transfer the awards used to reach the school just before that check, which then purged
# A itself and the school's `evidence purge` found nothing).
while [ $(($(date +%s%3N) - s1_started)) -lt 6000 ]; do sleep 0.1; done
# review SUB VERDICT: the hub's assessor claims, scores every part, decides.
c hub educator add --name "Rita Assessor" --role assessor >/dev/null
export CAIRN_AS="Rita Assessor"
review() {
    c hub review claim "$1" >/dev/null
    c hub review score "$1" --part video --meets >/dev/null
    c hub review score "$1" --part tally --meets >/dev/null
    if [ "$2" = meets ]; then
        c hub review score "$1" --part reflection --meets >/dev/null
    else
        c hub review score "$1" --part reflection --not-yet --feedback "Say what changed." >/dev/null
    fi
    c hub review decide "$1" >/dev/null
}
# Measured before any award exists: the school's own retention timer (first run 5 s after it
# started, then every 10 minutes) may purge A as soon as the award arrives, before the command.
bytes_before=$(du -sb "$T/s1/blobs/chunks" | cut -f1)
review "$subA" meets
review "$subC" not-yet
review "$subD" meets
wait_hash_equal hub s1 "$part" 20 || fail "the reviews did not reach the school"
assert_eq "$(db s1 "SELECT count(*) FROM awards")" 2 "awards at the school"
before_hub=$(state_hash hub "$part"); before_s1=$(state_hash s1 "$part")

# School: the award rule only. A goes (except the chunk B shares); C (decided, not awarded)
# and B (pending) stay; D is awarded but E, using the same file, awaits its review: kept.
out=$(c s1 evidence purge)
echo "school: $out"
# The retention timer (5 s after start, then hourly) may have purged first on a loaded machine:
# what counts is what is purged once the command has run, not which of the two did it.
assert_contains "$out" "purged " "school purge"
assert_eq "$(db s1 "SELECT count(*) FROM evidence_purged")" 1 "files purged at the school"
assert_contains "$out" "1 due but kept: review pending" "school purge keeps the file a pending review uses"
"$CAIRND" blob-cat --data "$T/s1" "$hD" | cmp - "$T/d.mp4" || fail "school: D purged under a pending review"
[ -z "$(c s1 evidence show "$subA" video | grep 'purged on')" ] && fail "school: A not shown purged"
"$CAIRND" blob-cat --data "$T/s1" "$hB" | cmp - "$T/b.mp4" || fail "school: B damaged by A's purge"
"$CAIRND" blob-cat --data "$T/s1" "$hC" | cmp - "$T/c.mp4" || fail "school: C purged without award"
[ -f "$T/s1/blobs/manifests/$hA" ] || fail "school: A's manifest was removed"
freed=$(( bytes_before - $(du -sb "$T/s1/blobs/chunks" | cut -f1) ))
[ "$freed" -ge $((3 * MIB)) ] && [ "$freed" -lt $((4 * MIB)) ] || fail "school freed $freed bytes, expected A's 3 unshared MiB"
expect_fail "was purged" c s1 evidence get "$subA" video --out "$T/a.out"
pass "school: awarded video purged (shared chunk kept), decided and pending ones kept"

# Hub: award rule and age 0: A (award) and C (decided) go; B is pending (not due); D is due
# but E's review is pending: kept.
out=$(c hub evidence purge)
echo "hub: $out"
assert_contains "$out" "purged " "hub purge"
assert_eq "$(db hub "SELECT count(*) FROM evidence_purged")" 2 "files purged at the hub"
assert_contains "$out" "1 due but kept: review pending" "hub purge keeps the pending file"
c hub evidence show "$subA" video | grep -q "purged on .* (awarded)" || fail "hub: A not shown purged"
c hub evidence show "$subC" video | grep -q "purged on .* (age)" || fail "hub: C not shown purged"
c hub evidence get "$subB" video --out "$T/b.out" >/dev/null || fail "hub: get of pending B"
cmp "$T/b.out" "$T/b.mp4" || fail "hub: B damaged"
c hub evidence get "$subE" video --out "$T/e.out" >/dev/null || fail "hub: get of pending E"
cmp "$T/e.out" "$T/d.mp4" || fail "hub: the file of pending E was damaged"
expect_fail "was purged" c hub evidence get "$subC" video --out "$T/c.out"
c hub evidence list | grep "$subA" | grep video | grep -q purged || fail "hub list does not show A purged"
pass "hub: awarded and aged-out decided videos purged, pending review untouched"

# Metadata intact: the events and projections are what they were; manifests and hashes stay.
assert_eq "$(state_hash hub "$part")" "$before_hub" "hub state hash after purge"
assert_eq "$(state_hash s1 "$part")" "$before_s1" "school state hash after purge"
for h in "$hA" "$hC"; do [ -f "$T/hub/blobs/manifests/$h" ] || fail "hub manifest removed"; done
assert_eq "$(db hub "SELECT count(*) FROM evidence WHERE submission = '$subA' AND length(hash) = 32 AND part = 'video'")" 1 "A's evidence row"
received=$(evidence_counter hub received)
sleep 2.5
assert_eq "$(evidence_counter hub received)" "$received" "bytes fetched again after the purge"
c hub evidence purge | grep -q "purged 0 files" || fail "a second purge found more"
pass "manifests, hashes, events and projections intact; purged files not fetched again"
