#!/bin/bash
# Sync state survives a restart (sync_persist.c): after a round with the hub, the school keeps
# the hub's vectors (peer_vectors) and the last sync time (peer_sync); with the hub down, a
# school restarted (kill -9, so only the batched once-a-second write counts) still shows the
# last sync, the right lag (only the events made since) and an empty queue, and the hub kept
# the school's vectors from its acks. An idle round on a fresh session costs under 1 KiB
# (vector digests, sync_vec.c).
source "$(dirname "$0")/sync_lib.sh"

init_node hub hub
init_node school school
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
enrol school hub
start_node school
wait_catalog school 1 5 || fail "catalog did not reach the school"
sub=$(make_submission school)
c school submission submit "$sub" >/dev/null
out=$(c school sync now --timeout 10) || fail "sync now: $out"
HUB=$(node_id hub)
SCHOOL=$(node_id school)
PART="school:$SCHOOL"
held=$(db school "SELECT max(seq) FROM events WHERE partition = '$PART'")

# The batched write lands within about a second.
last=""
for i in $(seq 1 60); do
    last=$(db school "SELECT last_sync_ms FROM peer_sync WHERE hex(peer) = upper('$HUB')")
    seen=$(db school "SELECT seq FROM peer_vectors WHERE hex(peer) = upper('$HUB') AND partition = '$PART'")
    [ -n "$last" ] && [ "$seen" = "$held" ] && break
    sleep 0.05
done
[ -n "$last" ] || fail "no last sync time stored at the school"
assert_eq "$seen" "$held" "the hub's vector of our partition stored at the school"
now=$(($(date +%s%N) / 1000000))
[ $((now - last)) -lt 10000 ] || fail "stored last sync $last is not recent (now $now)"
for i in $(seq 1 60); do
    hs=$(db hub "SELECT seq FROM peer_vectors WHERE hex(peer) = upper('$SCHOOL') AND partition = '$PART'")
    [ "$hs" = "$held" ] && break
    sleep 0.05
done
assert_eq "$hs" "$held" "the school's vector stored at the hub"
pass "after a round: hub vectors and last sync stored at the school, school vectors at the hub"

# Hub down; two events at the school; then the school dies and comes back.
stop_node hub
for i in $(seq 1 100); do
    grep -Eq '^link +down' <<<"$(c school status)" && break
    sleep 0.05
done
last=$(db school "SELECT last_sync_ms FROM peer_sync") # written when the session closed
c school educator add --name "Late One" >/dev/null
c school educator add --name "Late Two" >/dev/null
st=$(c school status)
grep -Eq '^lag +2 ' <<<"$st" || fail "lag before the restart is not 2: $st"
kill9_node school
start_node school
st=$(c school status)
grep -Eq '^link +down' <<<"$st" || fail "link is not down after the restart: $st"
grep -Eq '^lag +2 ' <<<"$st" || fail "lag after the restart is not 2 (the hub's vector was lost): $st"
grep -Eq '^last sync +[0-9]+.* ago' <<<"$st" || fail "last sync lost by the restart: $st"
grep -Eq '^sync queue +0 B unsent' <<<"$st" || fail "queue after the restart: $st"
assert_eq "$(db school "SELECT last_sync_ms FROM peer_sync")" "$last" "stored last sync after the restart"
pass "school restarted with the hub down: last sync, lag 2 and an empty queue"

# The hub comes back: the two events go up and the last sync moves on.
start_hub hub "$HUB_PORT"
out=$(c school sync now --timeout 10) || fail "sync now after the restart: $out"
# (the school's own reconnect may have sent them before sync now asked)
assert_eq "$(db hub "SELECT count(*) FROM educators WHERE name LIKE 'Late %'")" 2 "late events at the hub"
assert_contains "$out" "lag 0" "lag after sync now"
stop_node school # while up, status says "now"; the stored time is refreshed at close
last2=$(db school "SELECT last_sync_ms FROM peer_sync")
[ "$last2" -gt "$last" ] || fail "last sync did not move on ($last2 <= $last)"
pass "hub back: the 2 events reached it, last sync moved on"

# An idle round on a fresh session sends vector digests, not vectors (sync_vec.c): through a
# counting relay, a reconnect with nothing new stays under 1 KiB both ways; and a school whose
# stored hub vectors are gone asks for the full vectors (vreq) and still syncs.
RELAY=$CAIRN_SRC/tests/integration/relay.py
python3 "$RELAY" "$T/relay.port" "127.0.0.1:$HUB_PORT" "$T/relay" 2>"$T/relay.log" &
PIDS+=($!)
RELAY_PID=$!
for i in $(seq 1 100); do [ -s "$T/relay.port" ] && break; sleep 0.05; done
read -r key _ <"$T/school/hub.peer"
echo "$key 127.0.0.1:$(cat "$T/relay.port")" >"$T/school/hub.peer"
sed -i 's/^# reconnect_min_ms = 500/reconnect_min_ms = 60000/; s/^# reconnect_max_ms = 60000/reconnect_max_ms = 60000/' "$T/school/cairnd.conf"
start_node school
c school sync now --timeout 10 >/dev/null || fail "sync now through the relay"
sleep 0.5
kill -USR1 "$RELAY_PID"
sleep 0.5
read -r u0 d0 <"$T/relay.count"
out=$(c school sync now --timeout 10) || fail "idle sync now: $out"
assert_contains "$out" "synced: 0 events sent" "idle round"
sleep 0.5
read -r u1 d1 <"$T/relay.count"
idle=$((u1 + d1 - u0 - d0))
[ "$idle" -lt 1024 ] || fail "an idle round on a fresh session took $idle bytes (>= 1024)"
stop_node school
db school "DELETE FROM peer_vectors" >/dev/null
start_node school
c school educator add --name "After Wipe" >/dev/null
out=$(c school sync now --timeout 10) || fail "sync now without stored vectors: $out"
assert_contains "$out" "lag 0" "sync without stored vectors"
assert_eq "$(db hub "SELECT count(*) FROM educators WHERE name = 'After Wipe'")" 1 "event after the wipe at the hub"
stop_node school
[ "$(db school "SELECT count(*) FROM peer_vectors")" -gt 0 ] || fail "the hub's vectors were not stored again"
stop_node hub
pass "idle round on a fresh session: $idle bytes; without stored vectors the full ones are asked for"
