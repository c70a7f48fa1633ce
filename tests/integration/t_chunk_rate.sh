#!/bin/bash
# The school's link is respected: [sync] upload_rate caps the evidence bytes per second (events
# are not held back), and outside [sync] upload_windows no evidence moves at all while events
# still sync; the file goes once the window allows it.
source "$(dirname "$0")/chunk_lib.sh"

RATE=524288 # 512 KiB/s
init_node hub hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
init_node s1 school
enrol s1 hub
set_sync_key s1 upload_rate 512K
start_node s1
wait_catalog s1 1 20 || fail "catalog did not reach s1"

# log_ms LOG PATTERN: unix ms of the first log line matching PATTERN.
log_ms() { date -d "$(grep -m1 "$2" "$1" | cut -d' ' -f1)" +%s%3N; }

head -c $((4 * 1024 * 1024)) /dev/urandom >"$T/v.mp4"
h=$(file_hash "$T/v.mp4")
video_submission s1 "$T/v.mp4" >/dev/null
wait_complete hub "$h" 60 || fail "the rate-capped file did not arrive"
t0=$(log_ms "$T/hub.log" "fetching evidence file ${h:0:16}")
t1=$(log_ms "$T/hub.log" "evidence file ${h:0:16}... complete")
ms=$((t1 - t0))
rate=$(( 4 * 1024 * 1024 * 1000 / (ms > 0 ? ms : 1) ))
echo "capped_transfer_ms $ms rate_bytes_per_s $rate cap $RATE"
# One burst (64 KiB) may go ahead of the cap.
[ "$rate" -le $((RATE * 110 / 100)) ] || fail "evidence went at $rate B/s, over the $RATE B/s cap"
[ "$rate" -ge $((RATE * 70 / 100)) ] || fail "evidence went at $rate B/s, far under the $RATE B/s cap"
c s1 status | grep -q "upload capped at 512.0 KiB/s" || fail "status does not show the cap"
pass "upload_rate: $rate B/s for a cap of $RATE B/s"

# A window that is closed now (only the day after tomorrow): nothing moves, events still do.
stop_node s1
closed=$(LC_ALL=C date -d "+2 days" +%a | tr 'A-Z' 'a-z')
sed -i "s/^upload_rate = .*/upload_rate = 0/; s/^# upload_windows = .*/upload_windows = $closed/" "$T/s1/cairnd.conf"
grep -q "^upload_windows = $closed" "$T/s1/cairnd.conf" || fail "cannot set upload_windows"
start_node s1
before=$(evidence_counter hub received)
head -c $((3 * 1024 * 1024)) /dev/urandom >"$T/w.mp4"
hw=$(file_hash "$T/w.mp4")
video_submission s1 "$T/w.mp4" >/dev/null
c s1 educator add --name "Window Watcher" --role teacher >/dev/null
for i in $(seq 1 100); do
    [ "$(db hub "SELECT count(*) FROM educators WHERE name = 'Window Watcher'")" = 1 ] && break
    sleep 0.05
done
[ "$(db hub "SELECT count(*) FROM educators WHERE name = 'Window Watcher'")" = 1 ] ||
    fail "events did not sync outside the upload window"
sleep 3
assert_eq "$(evidence_counter hub received)" "$before" "evidence bytes moved outside the window"
assert_eq "$(evidence_counter s1 sent)" 0 "evidence bytes the school sent outside the window"
grep -q "outside the upload windows" "$T/s1.log" || fail "the school did not log why evidence waits"
pass "outside upload_windows ($closed only): no evidence bytes, events still sync"

stop_node s1
sed -i "s/^upload_windows = .*/upload_windows = always/" "$T/s1/cairnd.conf"
start_node s1
wait_complete hub "$hw" 30 || fail "the file did not go once the window opened"
pass "the file goes once the window is open"
