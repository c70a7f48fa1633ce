#!/bin/bash
# A real shaped link: the hub in a network namespace behind a veth pair with tbf at 2 Mbit/s in
# both directions, faultproxy cutting the school's connection every 5 s. The video arrives
# intact, goodput is measured against the line rate, and a hub change reaches the uploading school
# quickly. Skips (passing) with a message only when network namespaces are not permitted.
source "$(dirname "$0")/chunk_lib.sh"
source "$(dirname "$0")/netns_lib.sh"

before_cleanup() { netns_teardown; }
if ! netns_setup 2mbit; then
    netns_teardown
    echo "skip: ip netns / veth / tbf not permitted here (needs root): shaped-link test not run"
    exit 0
fi
LINE=250000 # 2 Mbit/s in bytes

init_node hub hub
start_hub_in_netns hub
c hub catalog import "$CATALOG" >/dev/null
init_node s1 school
fast_reconnect s1
enrol s1 hub "$NET_HUB_IP:$HUB_PORT"
# faultproxy in the school's namespace, in front of the hub's address behind the shaped veth.
"$FAULTPROXY" --listen 127.0.0.1:0 --port-file "$T/proxy.port" --target "$NET_HUB_IP:$HUB_PORT" \
    --seed 9 --cut-every-ms 5000 >>"$T/proxy.log" 2>&1 &
PROXY_PID=$!
PIDS+=($PROXY_PID)
for i in $(seq 1 100); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
PROXY_PORT=$(cat "$T/proxy.port")
via_proxy s1
start_node s1
wait_catalog s1 1 30 || fail "catalog did not reach s1 over the shaped link"

head -c $((3 * 1024 * 1024)) /dev/urandom >"$T/v.mp4"
size=$(stat -c %s "$T/v.mp4")
h=$(file_hash "$T/v.mp4")
video_submission s1 "$T/v.mp4" >/dev/null

# A hub change during the upload (a catalog update: a change set hub -> school, like a review).
for i in $(seq 1 100); do
    [ "$(evidence_counter hub received)" -ge 262144 ] && break
    sleep 0.1
done
catalog_variant 2 "$T/cat2.json"
t0=$(date +%s%3N)
c hub catalog import "$T/cat2.json" >/dev/null
for i in $(seq 1 1000); do
    c s1 catalog show wait-time --version 2 >/dev/null 2>&1 && break
    sleep 0.02
done
c s1 catalog show wait-time --version 2 >/dev/null 2>&1 || fail "the hub change never reached the school"
latency=$(( $(date +%s%3N) - t0 ))
echo "shaped_hub_to_school_ms $latency"
[ "$latency" -le 5000 ] || fail "a hub change took $latency ms to reach the uploading school"

wait_complete hub "$h" 120 || { c hub status >&2; fail "the video did not arrive over the shaped link"; }
t0=$(date -d "$(grep -m1 "fetching evidence file ${h:0:16}" "$T/hub.log" | cut -d' ' -f1)" +%s%3N)
t1=$(date -d "$(grep -m1 "evidence file ${h:0:16}... complete" "$T/hub.log" | cut -d' ' -f1)" +%s%3N)
ms=$((t1 - t0))
cuts=$(grep -c "fault=cut-every-ms" "$T/proxy.log" || true)
goodput=$(( size * 1000 / (ms > 0 ? ms : 1) ))
echo "shaped_goodput_bytes_per_s $goodput line $LINE ratio_pct $(( goodput * 100 / LINE )) cuts $cuts"
"$CAIRND" blob-cat --data "$T/hub" "$h" | cmp - "$T/v.mp4" || fail "the hub's copy differs"
[ "$cuts" -ge 1 ] || fail "no cut happened during the shaped transfer"
[ $(( goodput * 100 / LINE )) -ge 60 ] || fail "goodput $goodput B/s is under 60% of the line rate"
pass "2 Mbit/s tbf link, cut every 5 s ($cuts cuts): intact, goodput $(( goodput * 100 / LINE ))% of line rate, hub change in $latency ms"
