#!/bin/bash
# bench_sync.sh: sync benchmarks of issue 4, with real daemons on loopback. Prints "name value
# unit" lines and ratios to the issue's targets. Bytes are counted by a relay
# (tests/integration/relay.py) between the school and its hub, both directions, everything on
# the wire (frames, channel overhead, vectors, change sets, acks).
#   initial_sync_1000_s        a new school, from start to holding the hub's 1,000-credential
#                              catalog (catalog state hashes equal); plus its bytes
#   wire_bytes_per_event       N submission-ish events made at a connected school (educator add,
#                              submission start, text evidence, submit: 4 events per round), each
#                              pushed as it is made; bytes both ways / events (target <= 300 B)
#   wire_bytes_per_event_backlog  the same N events queued while offline, then one connection
#   idle_sync_bytes, idle_sync_rtt_ms   `cairn sync now` with nothing new (target < 1 KB)
#   hub_ingest_rate            from bench_ingest (in-process, change sets applied with signature
#                              verification and the rights check; target >= 100k events/s)
# usage: tests/bench/bench_sync.sh [BUILD_DIR] [N]   (defaults: build, 1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$(cd "${1:-build}" && pwd)
N=${2:-1000}
export CAIRND=$B/daemon/cairnd CAIRN=$B/client/cairn FAULTPROXY=$B/tests/tools/faultproxy
[ -x "$CAIRND" ] || { echo "build first: scripts/build.sh $B" >&2; exit 1; }
RELAY=$PWD/tests/integration/relay.py
source tests/integration/sync_lib.sh

now_ns() { date +%s%N; }
relay_bytes() { awk '{ print $1 + $2 }' "$T/$1.count"; }
# start_relay NAME PORT: a counting relay to 127.0.0.1:PORT; sets RELAY_PORT.
start_relay() {
    python3 "$RELAY" "$T/$1.port" "127.0.0.1:$2" "$T/$1" 2>>"$T/$1.log" &
    RELAY_PID=$!
    PIDS+=($!)
    for _ in $(seq 1 100); do [ -s "$T/$1.port" ] && [ -s "$T/$1.count" ] && break; sleep 0.05; done
    RELAY_PORT=$(cat "$T/$1.port")
}
# point SCHOOL PORT: the school's hub.peer at 127.0.0.1:PORT (school stopped).
point() {
    local key
    read -r key _ <"$T/$1/hub.peer"
    echo "$key 127.0.0.1:$2" >"$T/$1/hub.peer"
}
# wait_settled NAME: until the relay's count has not moved for 0.5 s (acks and vectors done).
wait_settled() {
    local a b
    a=$(relay_bytes "$1")
    for _ in $(seq 1 100); do
        sleep 0.5
        b=$(relay_bytes "$1")
        [ "$a" = "$b" ] && return 0
        a=$b
    done
}
events_in() { db "$1" "SELECT count(*) FROM events WHERE partition='$2'"; }
# submission_round SCHOOL I: 4 events.
submission_round() {
    local ed sub
    ed=$(c "$1" educator add --name "Educator $2" --role teacher | tr -d '[:space:]')
    sub=$(c "$1" submission start --educator "$ed" --credential bench-text | tr -d '[:space:]')
    c "$1" evidence add "$sub" --part reflection \
        --text "Round $2: students answered at greater length after the three-second pause." >/dev/null
    c "$1" submission submit "$sub" >/dev/null
}

# A 1,000-credential catalog: the sample's credentials, one text-only credential (so a submission
# needs no files), and clones of the sample's with new ids up to 1,000. An import takes at most
# 500 credentials (and 2 MiB) and adds only what is new, so it goes in as cat.1.json, cat.2.json,
# ..., each the sample (unchanged: no new event; its stacks need it) plus up to 488 new ones.
python3 - "$CATALOG" "$T/cat" 1000 <<'EOF'
import copy, json, sys
d = json.load(open(sys.argv[1]))
n = int(sys.argv[3])
base = d["credentials"]
new = []
t = copy.deepcopy(base[0])
t["id"], t["title"] = "bench-text", "Bench: text evidence only"
t["evidence"] = [p for p in t["evidence"] if p["kind"] == "text"]
t["rubric"] = [r for r in t["rubric"] if r["part"] in [p["part"] for p in t["evidence"]]]
new.append(t)
i = 0
while len(base) + len(new) < n:
    c = copy.deepcopy(base[i % len(base)])
    c["id"], c["title"] = "%s-c%04d" % (c["id"], i), c["title"] + " (copy %d)" % i
    new.append(c)
    i += 1
step = 500 - len(base)
for k in range(0, len(new), step):
    d["credentials"] = base + new[k:k + step]
    with open("%s.%d.json" % (sys.argv[2], k // step + 1), "w") as f:
        json.dump(d, f, separators=(",", ":"))
EOF

init_node hub hub
start_hub hub
for f in "$T"/cat.*.json; do c hub catalog import "$f" >/dev/null; done
ncred=$(c hub catalog list | grep -c . || true)
echo "# hub catalog list: $ncred lines"

# Initial sync of a new school.
init_node s1 school
sed -i 's/^# reconnect_min_ms = 500/reconnect_min_ms = 60000/; s/^# reconnect_max_ms = 60000/reconnect_max_ms = 60000/' "$T/s1/cairnd.conf"
enrol s1 hub
start_relay r1 "$HUB_PORT"
point s1 "$RELAY_PORT"
t0=$(now_ns)
start_node s1
wait_hash_equal hub s1 catalog 120 || fail "s1 did not get the catalog within 120 s"
t1=$(now_ns)
wait_settled r1
awk -v ns=$((t1 - t0)) 'BEGIN { printf "initial_sync_1000_s %.2f s\n", ns / 1e9 }'
echo "initial_sync_1000_bytes $(relay_bytes r1) B"

# Wire bytes per event, pushed as made.
p1="school:$(node_id s1)"
rounds=$((N / 4))
b0=$(relay_bytes r1)
e0=$(events_in s1 "$p1")
for i in $(seq 1 $rounds); do submission_round s1 "$i"; done
e1=$(events_in s1 "$p1")
wait_hash_equal hub s1 "$p1" 60 || fail "s1's events did not reach the hub"
wait_settled r1
b1=$(relay_bytes r1)
awk -v b=$((b1 - b0)) -v e=$((e1 - e0)) 'BEGIN {
    printf "wire_bytes_per_event %.0f B (%d events, %d B both ways; target <= 300, ratio %.2f)\n",
        b / e, e, b, b / e / 300 }'

# Idle sync rounds, nothing new. On the live session `cairn sync now` answers at once and
# nothing crosses the wire (idle_sync_live_bytes). A round on a fresh session: the relay closes
# the link (SIGUSR1), and s1 (reconnect delay 60 s) reconnects only for `sync now`: hello,
# handshake, vectors and whatever follows, until the link is quiet.
rb=0 rt=0 lb=0 k=10
for i in $(seq 1 $k); do
    wait_settled r1
    b0=$(relay_bytes r1)
    c s1 sync now >/dev/null
    wait_settled r1
    lb=$((lb + $(relay_bytes r1) - b0))
    kill -USR1 "$RELAY_PID"
    sleep 0.3
    b0=$(relay_bytes r1)
    t0=$(now_ns)
    out=$(c s1 sync now)
    t1=$(now_ns)
    assert_contains "$out" "synced" "sync now output"
    wait_settled r1
    rb=$((rb + $(relay_bytes r1) - b0))
    rt=$((rt + t1 - t0))
done
awk -v l=$lb -v b=$rb -v t=$rt -v k=$k 'BEGIN {
    printf "idle_sync_live_bytes %.0f B (sync now on the open session, mean of %d)\n", l / k, k
    printf "idle_sync_bytes %.0f B (a fresh session, nothing new, both ways, mean of %d; target < 1024, ratio %.2f)\n", b / k, k, b / k / 1024
    printf "idle_sync_rtt_ms %.1f ms (cairn sync now over a fresh session, whole command)\n", t / k / 1e6 }'

# The same events queued offline (after the catalog arrived), then sent on one connection.
init_node s2 school
enrol s2 hub
start_node s2
wait_hash_equal hub s2 catalog 120 || fail "s2 did not get the catalog"
stop_node s2
point s2 9
start_node s2
for i in $(seq 1 $rounds); do submission_round s2 "$i"; done
p2="school:$(node_id s2)"
e=$(events_in s2 "$p2")
stop_node s2
start_relay r2 "$HUB_PORT"
point s2 "$RELAY_PORT"
start_node s2
wait_hash_equal hub s2 "$p2" 60 || fail "s2's backlog did not reach the hub"
wait_settled r2
awk -v b="$(relay_bytes r2)" -v e="$e" 'BEGIN {
    printf "wire_bytes_per_event_backlog %.0f B (%d events queued offline, one session, %d B both ways incl. handshake; ratio %.2f)\n",
        b / e, e, b, b / e / 300 }'

if [ -x "$B/tests/bench_ingest" ]; then "$B/tests/bench_ingest" 20000; fi
