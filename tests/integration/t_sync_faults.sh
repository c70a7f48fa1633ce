#!/bin/bash
# Sync under faults: kill -9 of the school and of the hub during sync, a link through faultproxy
# with random cuts and stalls, and three schools with a hub: all state hashes converge.
source "$(dirname "$0")/sync_lib.sh"

# Short reconnect delays so the test is quick.
fast_reconnect() {
    printf '\n' >>"$T/$1/cairnd.conf"
    sed -i 's/^# reconnect_min_ms = 500/reconnect_min_ms = 50/; s/^# reconnect_max_ms = 60000/reconnect_max_ms = 400/' "$T/$1/cairnd.conf"
}

init_node hub hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
for s in s1 s2 s3; do init_node $s school; fast_reconnect $s; enrol $s hub; done

# kill -9 of the school while it syncs a batch of events, then of the hub.
start_node s1
wait_catalog s1 1 5 || fail "catalog did not reach s1"
for i in $(seq 1 30); do c s1 educator add --name "Educator $i" --role teacher >/dev/null; done
kill9_node s1
start_node s1
for i in $(seq 31 60); do c s1 educator add --name "Educator $i" --role teacher >/dev/null; done
kill9_node hub
start_hub hub "$HUB_PORT"
p1="school:$(node_id s1)"
wait_hash_equal hub s1 "$p1" 10 || fail "s1 did not converge after kill -9 of school and hub"
assert_eq "$(db hub "SELECT count(*) FROM educators")" 60 "educators at the hub after kills"
pass "converged after kill -9 of the school and of the hub"

# s2 through faultproxy: random cuts and a stall; the school reconnects until converged.
"$FAULTPROXY" --listen 127.0.0.1:0 --port-file "$T/proxy.port" --target "127.0.0.1:$HUB_PORT" \
    --seed 7 --cut-random 1000:40000 --stall-after 500 --stall-ms 300 >>"$T/proxy.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 100); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
read -r hubkey _ <"$T/s2/hub.peer"
echo "$hubkey 127.0.0.1:$(cat "$T/proxy.port")" >"$T/s2/hub.peer"
start_node s2
for i in $(seq 1 40); do c s2 educator add --name "Proxied $i" --role teacher >/dev/null; done
p2="school:$(node_id s2)"
wait_hash_equal hub s2 "$p2" 30 || fail "s2 did not converge through the faulty proxy"
wait_hash_equal hub s2 catalog 30 || fail "s2 catalog did not converge through the faulty proxy"
cuts=$(grep -c "fault=cut" "$T/proxy.log" || true)
pass "converged through faultproxy ($cuts cuts)"

# Three schools and the hub.
start_node s3
sub=$(make_submission s3)
c s3 submission submit "$sub" >/dev/null
c s1 educator add --name "Late one" --role teacher >/dev/null
for s in s1 s2 s3; do
    wait_hash_equal hub $s "school:$(node_id $s)" 10 || fail "$s partition differs"
    wait_hash_equal hub $s catalog 10 || fail "$s catalog differs"
done
echo "state_hash_catalog $(state_hash hub catalog)"
pass "hub and three schools converge"
