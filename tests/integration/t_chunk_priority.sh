#!/bin/bash
# Events before evidence: while a school uploads a large video to its hub (2 GiB by default),
# a review decided at the hub reaches the school within 2 s (and so do catalog updates, four
# times), and a school event reaches the hub within 2 s.
# Event sync and chunk pieces share the session; a change set waits behind at most one piece.
source "$(dirname "$0")/chunk_lib.sh"

SIZE_MIB=${CAIRN_PRIORITY_TEST_MIB:-2048}
# Sanitizer builds are several times slower: a smaller video still spans the measurements.
if [ -n "${CAIRN_SANITIZED:-}" ]; then SIZE_MIB=${CAIRN_PRIORITY_TEST_MIB:-1024}; fi
LIMIT_MS=2000

init_node hub hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
init_node s1 school
enrol s1 hub
start_node s1
wait_catalog s1 1 20 || fail "catalog did not reach s1"

# A small submission, already at the hub, for its assessor to decide during the upload.
head -c 100000 /dev/urandom >"$T/small.mp4"
small=$(video_submission s1 "$T/small.mp4")
wait_complete hub "$(file_hash "$T/small.mp4")" 30 || fail "the small video did not arrive"
c hub educator add --name "Rita Assessor" --role assessor >/dev/null
export CAIRN_AS="Rita Assessor"

head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$T/v.mp4"
size=$(stat -c %s "$T/v.mp4")
h=$(file_hash "$T/v.mp4")
video_submission s1 "$T/v.mp4" >/dev/null

# Wait until the upload to the hub is well under way.
for i in $(seq 1 600); do
    [ "$(evidence_counter hub received)" -ge $((32 * 1024 * 1024)) ] && break
    sleep 0.05
done
[ "$(evidence_counter hub received)" -ge $((32 * 1024 * 1024)) ] || fail "the upload did not start"

now_ms() { date +%s%3N; }
worst=0
for v in 2 3 4 5; do
    catalog_variant "$v" "$T/cat$v.json"
    t0=$(now_ms)
    c hub catalog import "$T/cat$v.json" >/dev/null
    ok=0
    for i in $(seq 1 400); do
        if c s1 catalog show wait-time --version "$v" >/dev/null 2>&1; then ok=1; break; fi
        sleep 0.01
    done
    dt=$(( $(now_ms) - t0 ))
    [ $ok = 1 ] || fail "hub change $v did not reach the school during the upload"
    echo "hub_to_school_ms $dt"
    [ "$dt" -le $LIMIT_MS ] || fail "hub change $v took $dt ms to reach the uploading school"
    [ "$dt" -gt "$worst" ] && worst=$dt
    sleep 0.3
done
# A review made at the hub during the upload: the decision reaches the school.
c hub review claim "$small" >/dev/null
c hub review score "$small" --part video --meets >/dev/null
c hub review score "$small" --part tally --meets >/dev/null
c hub review score "$small" --part reflection --not-yet --feedback "Name a next step." >/dev/null
t0=$(now_ms)
c hub review decide "$small" >/dev/null
ok=0
for i in $(seq 1 400); do
    [ "$(db s1 "SELECT state FROM submissions WHERE id = '$small'")" = not-yet ] && { ok=1; break; }
    sleep 0.01
done
dt=$(( $(now_ms) - t0 ))
[ $ok = 1 ] || fail "the review did not reach the school during the upload"
echo "review_to_school_ms $dt"
[ "$dt" -le $LIMIT_MS ] || fail "the review took $dt ms to reach the uploading school"
review_ms=$dt

# School -> hub: twenty change sets while pieces flow (each one samples the output queue ahead of
# it), then the time for one more to arrive.
for i in $(seq 1 20); do
    c s1 educator add --name "Teacher $i during upload" --role teacher >/dev/null
    sleep 0.02
done
t0=$(now_ms)
c s1 educator add --name "Late Arrival" --role teacher >/dev/null
ok=0
for i in $(seq 1 400); do
    if [ "$(db hub "SELECT count(*) FROM educators WHERE name = 'Late Arrival'")" = 1 ]; then ok=1; break; fi
    sleep 0.01
done
dt=$(( $(now_ms) - t0 ))
[ $ok = 1 ] || fail "the school's event did not reach the hub during the upload"
echo "school_to_hub_ms $dt"
[ "$dt" -le $LIMIT_MS ] || fail "school event took $dt ms to reach the hub during the upload"
received=$(evidence_counter hub received)
echo "received_during_measurements $received of $size"
[ "$received" -lt "$size" ] || fail "the upload finished before the measurements ended (make the file larger)"
waited=$(evidence_counter s1 waited)
echo "school_change_set_waited_behind_max_bytes $waited"
# One 64 KiB piece plus its message and frame overhead.
[ "$waited" -le $((65536 + 256)) ] || fail "a change set waited behind $waited bytes of output"
pass "during a $SIZE_MIB MiB upload: review -> school $review_ms ms, catalog -> school <= $worst ms, school -> hub $dt ms"

wait_complete hub "$h" 600 || fail "the video did not complete"
"$CAIRND" blob-cat --data "$T/hub" "$h" | cmp - "$T/v.mp4" || fail "the hub's copy differs"
pass "the video arrived intact after the interleaved events"
