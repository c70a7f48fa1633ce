#!/bin/bash
# bench_lan.sh: evidence upload through the LAN secure channel (PROTOCOL.md 12) against the
# plain local Unix socket, one daemon, two different files of the same size (so neither upload
# finds chunks already stored). Each is the whole `cairn evidence add` (hashing pass, transfer
# with 8 chunks in flight, fsync of every chunk, manifest, event); the LAN one also runs the
# hello and handshake. Prints "name value unit" lines:
#   local_upload_rate   MiB/s over DATADIR/cairnd.sock
#   lan_upload_rate     MiB/s over --lan-listen 127.0.0.1 through the channel, paired device
#   lan_vs_local        ratio of the two
# usage: tests/bench/bench_lan.sh [BUILD_DIR] [MIB]   (defaults: build, 256)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}
MIB=${2:-256}
CAIRND=$B/daemon/cairnd
CAIRN=$B/client/cairn
CATALOG=${CAIRN_SHARED:-../shared}/data/catalog.json
[ -x "$CAIRND" ] || { echo "build first: scripts/build.sh $B" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/var/tmp}/cairn-bench-lan.XXXXXX")
trap '[ -n "${DPID:-}" ] && kill -9 $DPID 2>/dev/null; rm -rf "$T"' EXIT
now() { date +%s.%N; }
rate() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.1f", b / 1048576 / t }'; }

head -c $((MIB * 1048576)) /dev/urandom >"$T/local.mp4"
head -c $((MIB * 1048576)) /dev/urandom >"$T/lan.mp4"
"$CAIRND" init --role school --data "$T/school" --name bench >/dev/null
"$CAIRND" run --data "$T/school" --listen 127.0.0.1:0 --lan-listen 127.0.0.1:0 2>"$T/daemon.log" &
DPID=$!
for _ in $(seq 1 200); do
    [ -s "$T/school/cairnd.lan-port" ] && "$CAIRN" --data "$T/school" status >/dev/null 2>&1 && break
    sleep 0.05
done
LP=$(cat "$T/school/cairnd.lan-port")
export CAIRN_HOME=$T/device
code=$("$CAIRND" pair --data "$T/school" 2>/dev/null)
"$CAIRN" pair "127.0.0.1:$LP" "$code" --name bench-tablet >/dev/null
"$CAIRN" --data "$T/school" catalog import "$CATALOG" >/dev/null
ed=$("$CAIRN" --data "$T/school" educator add --name Bench | tr -d '[:space:]')
s1=$("$CAIRN" --data "$T/school" submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
ed2=$("$CAIRN" --data "$T/school" educator add --name Bench2 | tr -d '[:space:]')
s2=$("$CAIRN" --data "$T/school" submission start --educator "$ed2" --credential wait-time | tr -d '[:space:]')
sync

t0=$(now)
"$CAIRN" --data "$T/school" evidence add "$s1" --part video "$T/local.mp4" >/dev/null
t1=$(now)
local_rate=$(rate $((MIB * 1048576)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
t0=$(now)
"$CAIRN" --connect "127.0.0.1:$LP" evidence add "$s2" --part video "$T/lan.mp4" >/dev/null
t1=$(now)
lan_rate=$(rate $((MIB * 1048576)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
kill -TERM $DPID; wait $DPID || true; DPID=

echo "local_upload_rate $local_rate MiB/s ($MIB MiB over the Unix socket)"
echo "lan_upload_rate $lan_rate MiB/s ($MIB MiB through the LAN channel on loopback)"
awk -v l="$lan_rate" -v u="$local_rate" 'BEGIN { printf "lan_vs_local %.2f ratio\n", l / u }'
