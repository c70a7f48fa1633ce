#!/bin/bash
# run.sh: Cairn's benchmarks. Prints "name value unit" lines and ratios to their targets.
#   upload_rate        1 GiB evidence upload client -> daemon over the Unix socket (whole command:
#                      hashing pass, transfer, fsync of every chunk, manifest, event)
#   cp_sync_rate       cp of the same file on the same disk followed by sync of the copy
#   upload_vs_cp_sync  ratio of the two (target >= 0.6)
#   daemon_vmhwm       cairnd peak RSS (VmHWM) after the upload (target <= 32 MiB)
#   event_append_rate  events/s appended in batches (target >= 100k/s), from bench_events
#   review_*           review.queue / review.show latency and decisions per second at a hub
#                      holding 5,000 submissions (bench_review)
#   staff_view_*       staff.view over 500 educators x the sample catalog (bench_staff, target < 100 ms)
#   sync benchmarks    (tests/bench/bench_sync.sh: hub + schools on loopback through a counting
#                      relay) initial sync of a 1,000-credential catalog, wire bytes per event
#                      (target <= 300 B), idle sync round bytes (< 1 KB) and time, and hub ingest
#                      (bench_ingest, target >= 100k events/s)
#   lan benchmarks     (tests/bench/bench_lan.sh) evidence upload through the LAN secure channel
#                      vs the plain Unix socket, MiB/s each and their ratio (min(MIB, 256) MiB)
#   badge_issue_rate   Open Badges credentials issued per second on one core (target >= 1000/s),
#   badge_verify_rate  and verified (with a status list), from bench_badge
#   search             bench_search: 10,000 generated credentials, p50/p99 latency of
#                      catalog.search's work (target p99 < 10 ms) and top-3 quality at scale
#   chunk benchmarks   (tests/bench/bench_chunks.sh: evidence school -> hub) 1 GiB on loopback vs
#                      rsync daemon and socat, VmHWM of both daemons over 4 GiB, goodput on a
#                      tbf 2 Mbit/s link with a cut every 30 s, review latency during an upload
# usage: tests/bench/run.sh [BUILD_DIR] [MIB]   (defaults: build, 1024)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}
MIB=${2:-1024}
CAIRND=$B/daemon/cairnd
CAIRN=$B/client/cairn
CATALOG=${CAIRN_SHARED:-../shared}/data/catalog.json
[ -x "$CAIRND" ] || { echo "build first: scripts/build.sh $B" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/var/tmp}/cairn-bench.XXXXXX")
trap '[ -n "${DPID:-}" ] && kill -9 $DPID 2>/dev/null; rm -rf "$T"' EXIT
now() { date +%s.%N; }
rate() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.1f", b / 1048576 / t }'; }

echo "# disk: $(df -h "$T" | awk 'NR==2 {print $1, $2}') at $T"
head -c $((MIB * 1048576)) /dev/urandom >"$T/video.mp4"

t0=$(now); cp "$T/video.mp4" "$T/copy.mp4"; sync "$T/copy.mp4"; t1=$(now)
cp_rate=$(rate $((MIB * 1048576)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
rm -f "$T/copy.mp4"; sync

"$CAIRND" init --role school --data "$T/school" --name bench >/dev/null
"$CAIRND" run --data "$T/school" --listen 127.0.0.1:0 2>"$T/daemon.log" &
DPID=$!
for _ in $(seq 1 200); do "$CAIRN" --data "$T/school" status >/dev/null 2>&1 && break; sleep 0.05; done
"$CAIRN" --data "$T/school" catalog import "$CATALOG" >/dev/null
ed=$("$CAIRN" --data "$T/school" educator add --name Bench | tr -d '[:space:]')
sub=$("$CAIRN" --data "$T/school" submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
t0=$(now)
"$CAIRN" --data "$T/school" evidence add "$sub" --part video "$T/video.mp4" >/dev/null
t1=$(now)
up_rate=$(rate $((MIB * 1048576)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
hwm_kb=$(awk '/VmHWM/ {print $2}' /proc/$DPID/status)
kill -TERM $DPID; wait $DPID || true; DPID=

echo "upload_rate $up_rate MiB/s"
echo "cp_sync_rate $cp_rate MiB/s"
awk -v u="$up_rate" -v c="$cp_rate" 'BEGIN { printf "upload_vs_cp_sync %.2f ratio (target >= 0.60)\n", u / c }'
awk -v k="$hwm_kb" 'BEGIN { printf "daemon_vmhwm %.1f MiB (target <= 32; ratio %.2f)\n", k / 1024, k / 1024 / 32 }'
if [ -x "$B/tests/bench_events" ]; then "$B/tests/bench_events"; fi
if [ -x "$B/tests/bench_review" ]; then CAIRN_SHARED=${CAIRN_SHARED:-../shared} "$B/tests/bench_review"; fi
if [ -x "$B/tests/bench_staff" ]; then CAIRN_SHARED=${CAIRN_SHARED:-../shared} "$B/tests/bench_staff"; fi
tests/bench/bench_sync.sh "$B"
tests/bench/bench_lan.sh "$B" "$(( MIB < 256 ? MIB : 256 ))"
if [ -x "$B/tests/bench_badge" ]; then "$B/tests/bench_badge"; fi
if [ -x "$B/tests/bench_search" ]; then
    CAIRN_SHARED=${CAIRN_SHARED:-../shared} CAIRN_SRC=. "$B/tests/bench_search"
fi
tests/bench/bench_chunks.sh "$B"
