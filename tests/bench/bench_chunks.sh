#!/bin/bash
# bench_chunks.sh: evidence chunk sync school -> hub (PROTOCOL.md 8.3), real daemons. Prints
# "name value unit" lines and ratios to the issue's targets.
#   chunk_sync_rate         1 GiB school -> hub on loopback (hub log: first ask to manifest
#                           stored; every chunk verified and fsync'd), target >= 300 MiB/s
#   rsync_daemon_rate       the same file with rsync to an rsync daemon on loopback, same run
#   socat_rate              the same file through a plain TCP copy (socat), same run
#   chunk_vs_rsync          ratio (target >= 1.0)
#   hub_vmhwm_*, school_vmhwm_*   peak RSS of both daemons after 1 GiB and at the end of a
#                           4 GiB transfer (target <= 32 MiB, and flat: end / 1 GiB ~ 1.0)
#   shaped_goodput          2 Mbit/s tbf link (veth into a netns) with a cut every 30 s by
#                           faultproxy: file bytes / transfer time / line rate (target >= 0.90)
#   shaped_review_ms        hub change -> school during that upload (max and median of 5)
# usage: tests/bench/bench_chunks.sh [BUILD_DIR] [MIB] [HWM_MIB] [SHAPED_MIB]
#        (defaults: build, 1024, 4096, 16; 0 for MIB, HWM_MIB or SHAPED_MIB skips that part)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$(cd "${1:-build}" && pwd)
MIB=${2:-1024}
HWM_MIB=${3:-4096}
SHAPED_MIB=${4:-16}
export CAIRND=$B/daemon/cairnd CAIRN=$B/client/cairn FAULTPROXY=$B/tests/tools/faultproxy
[ -x "$CAIRND" ] || { echo "build first: scripts/build.sh $B" >&2; exit 1; }
source tests/integration/chunk_lib.sh
source tests/integration/netns_lib.sh
before_cleanup() {
    [ -n "${RSYNC_PID:-}" ] && kill "$RSYNC_PID" 2>/dev/null
    netns_teardown
}

mibs() { awk -v b="$1" -v ms="$2" 'BEGIN { printf "%.1f", b / 1048576 / (ms / 1000) }'; }
now_ms() { date +%s%3N; }
log_ms() { date -d "$(grep -m1 "$2" "$1" | cut -d' ' -f1)" +%s%3N; }
hwm() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
# thread_cpu PID...: "pid tid ticks" (utime + stime, clock ticks) for every thread of each PID.
thread_cpu() {
    local p t
    for p in "$@"; do
        for t in /proc/"$p"/task/*; do
            echo "$p ${t##*/} $(awk '{sub(/.*\) /, ""); print $12 + $13}' "$t/stat")"
        done
    done
}

# transfer NAME MIB [FILE]: hub NAME-hub and school NAME-s enrolled on loopback, a MIB video (or
# FILE) submitted at the school; sets FILE, HASH. transfer_wait NAME: until complete; XFER_MS.
transfer() {
    local n=$1
    init_node "$n-hub" hub
    start_hub "$n-hub"
    HUB_PID=$DPID
    c "$n-hub" catalog import "$CATALOG" >/dev/null
    init_node "$n-s" school
    enrol "$n-s" "$n-hub"
    start_node "$n-s"
    SCHOOL_PID=$DPID
    wait_catalog "$n-s" 1 30 || fail "catalog"
    if [ -n "${3:-}" ]; then
        FILE=$3
    else
        FILE=$T/$n.mp4
        head -c $(($2 * 1048576)) /dev/urandom >"$FILE"
    fi
    HASH=$(file_hash "$FILE")
    video_submission "$n-s" "$FILE" >/dev/null
}
transfer_wait() {
    wait_complete "$1-hub" "$HASH" 3600 || fail "transfer did not complete"
    XFER_MS=$(($(log_ms "$T/$1-hub.log" "evidence file ${HASH:0:16}... complete") -
        $(log_ms "$T/$1-hub.log" "fetching evidence file ${HASH:0:16}")))
}

echo "# disk: $(df -h "$T" | awk 'NR==2 {print $1, $2}'); load: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- loopback throughput vs rsync and socat, same file, same run. The order is rsync, socat,
# cairn, rsync, socat, and each tool's rate is the mean of its runs: on this VM, writing into
# page-cache memory the guest has not touched lately costs about 1 s per GiB more than into
# memory just freed (free memory goes back to the host), so whoever runs right after a large
# delete is favoured. settle: dirty inode tables written back (ext4 without a journal walks the
# inodes freed in the last 5 minutes while their table block is dirty, on every create).
settle() { sync; sleep 6; }
rsync_once() {
    mkdir -p "$T/rsync-dst"
    settle
    local t0
    t0=$(now_ms)
    rsync -a --whole-file "$FILE" "rsync://127.0.0.1:$port/m/"
    sync -f "$T/rsync-dst"
    mibs "$bytes" $(($(now_ms) - t0))
    rm -rf "$T/rsync-dst"
}
socat_once() {
    socat -u TCP-LISTEN:$((port + 1)),reuseaddr,bind=127.0.0.1 OPEN:"$T/socat.out",creat,trunc &
    local pid=$! t0
    settle
    t0=$(now_ms)
    socat -u OPEN:"$FILE" TCP:127.0.0.1:$((port + 1))
    wait "$pid" || true
    sync -f "$T/socat.out"
    mibs "$bytes" $(($(now_ms) - t0))
    rm -f "$T/socat.out"
}
if [ "$MIB" -gt 0 ]; then
FILE=$T/loop-src.mp4
head -c $((MIB * 1048576)) /dev/urandom >"$FILE"
bytes=$(stat -c %s "$FILE")
cat >"$T/rsyncd.conf" <<CONF
use chroot = no
uid = $(id -u)
gid = $(id -g)
[m]
path = $T/rsync-dst
read only = no
CONF
port=$((20000 + $$ % 20000))
rsync --daemon --no-detach --address 127.0.0.1 --port "$port" --config "$T/rsyncd.conf" &
RSYNC_PID=$!
sleep 0.5
rsync1=$(rsync_once)
socat1=$(socat_once)
settle
transfer loop "$MIB" "$FILE"
for _ in $(seq 1 600); do grep -q "fetching evidence file ${HASH:0:16}" "$T/loop-hub.log" && break; sleep 0.01; done
cpu0=$(thread_cpu "$HUB_PID" "$SCHOOL_PID")
transfer_wait loop
cpu1=$(thread_cpu "$HUB_PID" "$SCHOOL_PID")
chunk_rate=$(mibs "$bytes" "$XFER_MS")
kill -9 "$HUB_PID" "$SCHOOL_PID" 2>/dev/null || true
rm -rf "$T/loop-hub/blobs" "$T/loop-s/blobs"
rsync2=$(rsync_once)
socat2=$(socat_once)
kill "$RSYNC_PID"; RSYNC_PID=
rm -f "$FILE"
rsync_rate=$(awk -v a="$rsync1" -v b="$rsync2" 'BEGIN{printf "%.1f", (a + b) / 2}')
socat_rate=$(awk -v a="$socat1" -v b="$socat2" 'BEGIN{printf "%.1f", (a + b) / 2}')
echo "chunk_sync_rate $chunk_rate MiB/s ($MIB MiB, loopback, every chunk verified + fsync'd; target >= 300, ratio $(awk -v a="$chunk_rate" 'BEGIN{printf "%.2f", a/300}'))"
# CPU seconds per GiB during the transfer: each daemon's loop thread, and the hub's thread pool.
awk -v gib="$(awk -v b="$bytes" 'BEGIN{print b / 1073741824}')" -v hub="$HUB_PID" -v sch="$SCHOOL_PID" '
    NR == FNR { t0[$1 " " $2] = $3; next }
    { d = ($3 - t0[$1 " " $2]) / 100
      if ($1 == hub && $2 == hub) hl += d; else if ($1 == hub) hp += d; else if ($2 == sch) sl += d }
    END { printf "cpu_s_per_gib hub_loop %.2f hub_pool %.2f school_loop %.2f (user+sys, /proc)\n",
                 hl / gib, hp / gib, sl / gib }' <(echo "$cpu0") <(echo "$cpu1")
echo "rsync_daemon_rate $rsync_rate MiB/s (rsync -a --whole-file to an rsync daemon, then sync; runs: $rsync1 before, $rsync2 after)"
echo "socat_rate $socat_rate MiB/s (plain TCP copy, then sync; runs: $socat1 before, $socat2 after)"
awk -v a="$chunk_rate" -v b="$rsync_rate" -v s="$socat_rate" \
    'BEGIN { printf "chunk_vs_rsync %.2f ratio (target >= 1.0)\nchunk_vs_socat %.2f ratio\n", a / b, a / s }'
fi

# --- peak RSS during a large transfer: after 1 GiB and at the end.
if [ "$HWM_MIB" -gt 0 ]; then
    transfer hwm "$HWM_MIB"
    for _ in $(seq 1 12000); do
        [ "$(du -sb "$T/hwm-hub/blobs/chunks" | cut -f1)" -ge $((1024 * 1048576)) ] && break
        [ -f "$T/hwm-hub/blobs/manifests/$HASH" ] && break
        sleep 0.05
    done
    h1=$(hwm "$HUB_PID"); s1=$(hwm "$SCHOOL_PID")
    transfer_wait hwm
    h2=$(hwm "$HUB_PID"); s2=$(hwm "$SCHOOL_PID")
    echo "chunk_sync_rate_${HWM_MIB}mib $(mibs "$(stat -c %s "$FILE")" "$XFER_MS") MiB/s"
    echo "hub_vmhwm_at_1gib $h1 MiB"
    echo "hub_vmhwm_end $h2 MiB (target <= 32; ratio $(awk -v a="$h2" 'BEGIN{printf "%.2f", a/32}'); flat: end/1GiB $(awk -v a="$h1" -v b="$h2" 'BEGIN{printf "%.2f", b/a}'))"
    echo "school_vmhwm_at_1gib $s1 MiB (includes the LAN upload of the file)"
    echo "school_vmhwm_end $s2 MiB (target <= 32; ratio $(awk -v a="$s2" 'BEGIN{printf "%.2f", a/32}'); flat: end/1GiB $(awk -v a="$s1" -v b="$s2" 'BEGIN{printf "%.2f", b/a}'))"
    kill -9 "$HUB_PID" "$SCHOOL_PID" 2>/dev/null || true
    rm -rf "$T/hwm-hub/blobs" "$T/hwm-s/blobs" "$FILE"
fi

# --- shaped link: tbf 2 Mbit/s through a veth pair, a cut every 30 s.
if [ "$SHAPED_MIB" -gt 0 ]; then
    if ! netns_setup 2mbit; then
        netns_teardown
        echo "shaped_goodput skipped: ip netns / veth / tbf not permitted (needs root)"
        exit 0
    fi
    init_node sh-hub hub
    start_hub_in_netns sh-hub
    c sh-hub catalog import "$CATALOG" >/dev/null
    init_node sh-s school
    fast_reconnect sh-s
    enrol sh-s sh-hub "$NET_HUB_IP:$HUB_PORT"
    rm -f "$T/proxy.port"
    "$FAULTPROXY" --listen 127.0.0.1:0 --port-file "$T/proxy.port" --target "$NET_HUB_IP:$HUB_PORT" \
        --seed 11 --cut-every-ms 30000 >>"$T/proxy.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
    PROXY_PORT=$(cat "$T/proxy.port")
    via_proxy sh-s
    start_node sh-s
    wait_catalog sh-s 1 60 || fail "catalog over the shaped link"
    FILE=$T/sh.mp4
    head -c $((SHAPED_MIB * 1048576)) /dev/urandom >"$FILE"
    HASH=$(file_hash "$FILE")
    video_submission sh-s "$FILE" >/dev/null
    lat=()
    for v in 2 3 4 5 6; do
        sleep 3
        catalog_variant "$v" "$T/cat$v.json"
        t0=$(now_ms)
        c sh-hub catalog import "$T/cat$v.json" >/dev/null
        for _ in $(seq 1 3000); do
            c sh-s catalog show wait-time --version "$v" >/dev/null 2>&1 && break
            sleep 0.01
        done
        lat+=($(($(now_ms) - t0)))
    done
    transfer_wait sh
    cuts=$(grep -c "fault=cut-every-ms" "$T/proxy.log" || true)
    size=$(stat -c %s "$FILE")
    awk -v b="$size" -v ms="$XFER_MS" -v c="$cuts" 'BEGIN {
        g = b / (ms / 1000); printf "shaped_goodput %.0f B/s of 250000 (2 Mbit/s, %d cuts; ratio %.2f, target >= 0.90)\n", g, c, g / 250000 }'
    sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
    echo "shaped_review_ms max $(tail -1 <<<"$sorted") median $(sed -n 3p <<<"$sorted") (hub change -> uploading school, 5 samples)"
fi
