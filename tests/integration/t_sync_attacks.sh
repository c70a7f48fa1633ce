#!/bin/bash
# Attacks on enrolment and the sync channel (issue 4, "Bad input and attacks"), with real daemons.
# Each case: a clear error, nothing applied or recorded at the hub (state-hash and the enrolment
# list compared before and after), and the hub still serves a good school afterwards.
#  (a) a token whose secret has one bit flipped: PSK refused, nothing recorded, the genuine token
#      still works;
#  (b) a recorded school->hub session replayed on a new connection (to a snapshot of the hub
#      taken before the session, so the events in it are new there): msg3 fails, nothing applied;
#  (c) one bit flipped inside a change set (faultproxy --up-flip-after): session dropped, nothing
#      of it applied, and with the proxy removed the two converge;
#  (d) a school never enrolled, with a hand-written hub.peer: refused, nothing recorded.
source "$(dirname "$0")/sync_lib.sh"
RELAY="$(dirname "$0")/relay.py"

fast_reconnect() {
    printf '\n' >>"$T/$1/cairnd.conf"
    sed -i 's/^# reconnect_min_ms = 500/reconnect_min_ms = 50/; s/^# reconnect_max_ms = 60000/reconnect_max_ms = 400/' "$T/$1/cairnd.conf"
}
hub_all() { "$CAIRND" state-hash --data "$T/hub"; }
peers() { "$CAIRND" enroll list --data "$T/hub" | grep -v '^$' | sort; }
# good_school_works NAME: NAME adds an educator and the hub gets it within 10 s.
good_school_works() {
    c "$1" educator add --name "Still served $RANDOM" --role teacher >/dev/null
    wait_hash_equal hub "$1" "school:$(node_id "$1")" 10 || fail "hub stopped serving $1 ($2)"
}
# wait_log FILE PATTERN SECONDS
wait_log() {
    local i
    for i in $(seq 1 $(($3 * 20))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}

init_node hub hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
init_node good school
fast_reconnect good
enrol good hub
start_node good
wait_catalog good 1 5 || fail "catalog did not reach the good school"

# (a) One bit of the token's secret flipped. The token is base64url(msgpack map); the secret is
# the 32 bytes after the key "s" (a1 73) and its bin-32 header (c4 20).
init_node sa school
fast_reconnect sa
tok=$("$CAIRND" enroll create --data "$T/hub" --school sa)
bad=$(python3 - "$tok" <<'EOF'
import base64, sys
pre, b = sys.argv[1].split(":", 1)
raw = bytearray(base64.urlsafe_b64decode(b + "=" * (-len(b) % 4)))
i = raw.find(b"\xa1s\xc4\x20")
assert i >= 0, "no secret field in the token"
raw[i + 4 + 5] ^= 0x10
print(pre + ":" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("="))
EOF
)
[ "$bad" != "$tok" ] || fail "token not altered"
h0=$(hub_all); p0=$(peers)
expect_fail "PSK" "$CAIRND" enroll join --data "$T/sa" "$bad"
[ ! -f "$T/sa/hub.peer" ] || fail "a refused join wrote hub.peer"
assert_eq "$(hub_all)" "$h0" "hub state after a join with a wrong secret"
assert_eq "$(peers)" "$p0" "hub enrolment list after a join with a wrong secret"
grep -q "$(node_id sa)" <<<"$(peers)" && fail "the forged school was recorded at the hub"
out=$("$CAIRND" enroll join --data "$T/sa" "$tok") || fail "the genuine token no longer works"
assert_contains "$out" "enrolled" "join with the genuine token"
good_school_works good "after (a)"
pass "(a) a token with one secret bit flipped is refused (PSK), nothing recorded, the genuine holder joins"

# (b) Replay. Snapshot the hub, then record one good session of sa (with new events) through a
# relay, and replay its school->hub bytes to the snapshot, which lacks those events.
stop_node hub
cp -a "$T/hub" "$T/hubsnap"
rm -f "$T/hubsnap/cairnd.sock" "$T/hubsnap/cairnd.port" "$T/hubsnap/cairnd.sync-port"
start_hub hub "$HUB_PORT"
python3 "$RELAY" "$T/relay.port" "127.0.0.1:$HUB_PORT" "$T/cap" 2>>"$T/relay.log" &
PIDS+=($!)
for i in $(seq 1 100); do [ -s "$T/relay.port" ] && break; sleep 0.05; done
read -r hubkey _ <"$T/sa/hub.peer"
echo "$hubkey 127.0.0.1:$(cat "$T/relay.port")" >"$T/sa/hub.peer"
start_node sa
for i in $(seq 1 5); do c sa educator add --name "Recorded $i" --role teacher >/dev/null; done
psa="school:$(node_id sa)"
wait_hash_equal hub sa "$psa" 10 || fail "sa did not sync through the relay"
stop_node sa
[ -s "$T/cap.1.up" ] || fail "nothing recorded by the relay"
start_hub hubsnap
snap_port=$HUB_PORT
HUB_PORT=$(cat "$T/hub/cairnd.sync-port")
s0=$("$CAIRND" state-hash --data "$T/hubsnap")
[ "$s0" != "$(hub_all)" ] || fail "the snapshot already holds the recorded events"
reply=$(python3 - "$snap_port" "$T/cap.1.up" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(5)
try:
    s.sendall(open(sys.argv[2], "rb").read())
except OSError:
    pass
got = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
except OSError:
    pass
print(got.replace(b"\0", b"").decode("latin-1"))
EOF
)
assert_contains "$reply" "error" "the hub's answer to a replayed session"
assert_contains "$reply" "msg3" "the reason given for a replayed session"
wait_log "$T/hubsnap.log" "msg3" 5 || fail "the hub did not log the replayed msg3"
sleep 0.5
assert_eq "$("$CAIRND" state-hash --data "$T/hubsnap")" "$s0" "snapshot state after the replay"
stop_node hubsnap
good_school_works good "after (b)"
pass "(b) a replayed session is refused ($(tr -cd '[:print:]' <<<"$reply" | grep -o 'error.*' | head -c 80)), nothing applied"

# (c) One bit flipped in the middle of a change set. sc queues 60 events offline (hub.peer points
# at a dead port), then connects through faultproxy, which flips a bit at up-offset 2500: past the
# hello, the handshake and the vectors, inside the first change set.
init_node sc school
fast_reconnect sc
enrol sc hub
read -r hubkey _ <"$T/sc/hub.peer"
echo "$hubkey 127.0.0.1:9" >"$T/sc/hub.peer"
start_node sc
for i in $(seq 1 60); do c sc educator add --name "Queued educator number $i" --role teacher >/dev/null; done
stop_node sc
psc="school:$(node_id sc)"
"$FAULTPROXY" --listen 127.0.0.1:0 --port-file "$T/fp.port" --target "127.0.0.1:$HUB_PORT" \
    --seed 3 --up-flip-after 2500 >>"$T/proxy.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 100); do [ -s "$T/fp.port" ] && break; sleep 0.05; done
echo "$hubkey 127.0.0.1:$(cat "$T/fp.port")" >"$T/sc/hub.peer"
h0=$(state_hash hub "$psc")
start_node sc
wait_log "$T/proxy.log" "fault=flip" 10 || fail "faultproxy flipped nothing"
sleep 2
# Past the handshake: the session came up, then a data message failed (not the handshake).
grep -q "data message does not authenticate" "$T/hub.log" || fail "the flip did not hit a data message"
flips=$(grep -c "fault=flip" "$T/proxy.log" || true)
assert_eq "$(state_hash hub "$psc")" "$h0" "hub's partition of sc after $flips flipped sessions"
n=$(db hub "SELECT count(*) FROM educators WHERE name LIKE 'Queued educator%'")
assert_eq "$n" 0 "educators of the damaged change set at the hub"
good_school_works good "after (c)"
stop_node sc
echo "$hubkey 127.0.0.1:$HUB_PORT" >"$T/sc/hub.peer"
start_node sc
wait_hash_equal hub sc "$psc" 10 || fail "sc did not converge once the proxy was removed"
assert_eq "$(db hub "SELECT count(*) FROM educators WHERE name LIKE 'Queued educator%'")" 60 \
    "educators at the hub after a clean link"
pass "(c) a flipped change set is dropped ($flips sessions), nothing applied; converged on a clean link"

# (d) An unknown key: a fresh school, never enrolled, with a hand-written hub.peer.
init_node sd school
fast_reconnect sd
echo "$hubkey 127.0.0.1:$HUB_PORT" >"$T/sd/hub.peer"
h0=$(hub_all); p0=$(peers)
start_node sd
c sd educator add --name "Intruder" --role teacher >/dev/null
wait_log "$T/sd.log" "not enrolled" 10 || fail "the unknown school was not told it is not enrolled"
sleep 0.5
assert_eq "$(hub_all)" "$h0" "hub state after an unknown key"
assert_eq "$(peers)" "$p0" "hub enrolment list after an unknown key"
assert_eq "$(db hub "SELECT count(*) FROM educators WHERE name='Intruder'")" 0 "intruder's events"
good_school_works good "after (d)"
pass "(d) an unknown key is refused ($(grep -o 'not enrolled[^"]*' "$T/sd.log" | head -1)), nothing recorded"
