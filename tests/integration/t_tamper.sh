#!/bin/bash
# Tamper and replay suite (issue 8, item 4), against real daemons. Every case asserts that
# (i) the input is refused with a clear reason (a log line or a client error), (ii) nothing
# changed (state-hash of every partition and the table counts of the node that got it), and
# (iii) the node still serves a good peer afterwards (checked after each family). A replayed
# input that is genuine must have no effect (counted as "no effect", not as refused).
# Families:
#   channel-up / channel-down  sync frames between a school and the hub, tampered by
#                              tamper_proxy.py: bit flips, truncations, swapped, duplicated and
#                              replayed records, bad length fields, in both directions
#   stall                      a handshake frame that never completes (closed after 10 s; one
#                              more, after the handshake, is in channel-up)
#   changeset-online/-bundle   change sets signed by the school's real key, delivered over a
#                              real session or in a sealed bundle, whose content breaks the rules
#                              (tests/tools/forge.c): rights, another school's partition, altered
#                              after signing, forged signature, gap, fork, replay
#   bundle                     a genuine bundle's bytes flipped, truncated, records swapped,
#                              dropped, duplicated; replay; sealed for another hub; from a revoked
#                              school; head keys swapped
#   keys                       another school's identity, a swapped hub key in hub.peer, a token
#                              reused or expired
#   api                        local API frames (tamper_api.py): bad lengths, truncated msgpack,
#                              wrong types for every field of a few ops
# Prints a table and "tamper: N cases tried, N rejected (or no effect for replays), 0 accepted".
source "$(dirname "$0")/sync_lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
: "${FORGE:?FORGE must point at tests/tools/forge}"
CASES="$T/cases.tsv"
if [ -n "${TAMPER_KEEP:-}" ]; then before_cleanup() { rm -rf "$TAMPER_KEEP"; cp -a "$T" "$TAMPER_KEEP"; }; fi
: >"$CASES"

fast_reconnect() {
    printf '\n' >>"$T/$1/cairnd.conf"
    sed -i 's/^# reconnect_min_ms = 500/reconnect_min_ms = 20/; s/^# reconnect_max_ms = 60000/reconnect_max_ms = 120/' "$T/$1/cairnd.conf"
}
# fingerprint NODE: every partition's state and the counts of the tables a case could touch.
fingerprint() {
    echo "$("$CAIRND" state-hash --data "$T/$1") $(db "$1" "SELECT (SELECT count(*) FROM events),
        (SELECT count(*) FROM checkpoints), (SELECT count(*) FROM educators),
        (SELECT count(*) FROM submissions), (SELECT count(*) FROM evidence),
        (SELECT count(*) FROM credentials), (SELECT count(*) FROM peers),
        (SELECT count(*) FROM bundles_seen), (SELECT count(*) FROM review_scores),
        (SELECT count(*) FROM awards)")"
}
# record FAMILY CASE OUTCOME REASON: OUTCOME is rejected, no-effect, ACCEPTED or CHANGED.
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(tr -d '\t\n' <<<"$4" | head -c 160)" >>"$CASES"; }
# judge FAMILY CASE NODE BEFORE RC REASON: a refused input (RC != 0, REASON not empty) that
# changed nothing on NODE is "rejected"; anything else is a failure, recorded as such.
judge() {
    local after
    after=$(fingerprint "$3")
    if [ "$after" != "$4" ]; then
        record "$1" "$2" CHANGED "$6"
    elif [ "$5" -eq 0 ] || [ -z "$6" ]; then
        record "$1" "$2" ACCEPTED "rc=$5 ${6:-no reason given}"
    else
        record "$1" "$2" rejected "$6"
    fi
}
wait_log() {
    local i
    for i in $(seq 1 $(($3 * 20))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}
# good_school_works NAME WHEN: NAME adds an educator and the hub gets it within 10 s.
good_school_works() {
    c "$1" educator add --name "Still served $RANDOM" --role teacher >/dev/null
    wait_hash_equal hub "$1" "school:$(node_id "$1")" 10 || fail "hub stopped serving $1 ($2)"
}
start_proxy() { # CASEFILE RESULTS STATE_CMD...: (re)starts tamper_proxy.py, sets PROXY_PORT
    local cases=$1 results=$2 i
    shift 2
    [ -n "${PROXY_PID:-}" ] && { kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; }
    rm -f "$T/proxy.port"
    : >"$results"
    python3 "$HERE/tamper_proxy.py" "$T/proxy.port" "127.0.0.1:$HUB_PORT" "$cases" "$results" "$@" \
        2>>"$T/proxy.log" &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    for i in $(seq 1 100); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
    PROXY_PORT=$(cat "$T/proxy.port")
}
point_at() { # SCHOOL PORT: its hub.peer names the hub's key at 127.0.0.1:PORT
    local key
    read -r key _ <"$T/$1/hub.peer"
    echo "$key 127.0.0.1:$2" >"$T/$1/hub.peer"
}
wait_lines() { # FILE N SECONDS
    local i
    for i in $(seq 1 $(($3 * 10))); do
        [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

init_node hub hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
HUB_ID=$(node_id hub)
for s in good sb sc; do
    init_node "$s" school
    fast_reconnect "$s"
    enrol "$s" hub
done
start_node good
start_node sb
wait_catalog good 1 10 || fail "catalog did not reach the good school"
wait_catalog sb 1 10 || fail "catalog did not reach sb"
stop_node sb

# The stall case runs beside the others: hello, then a handshake frame announcing 4 MiB of which
# 10 bytes come. The hub must close it by itself (CAIRN_SYNC_HANDSHAKE_MS, 10 s).
python3 - "$HUB_PORT" >"$T/stall.out" 2>&1 <<'EOF' &
import socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(struct.pack(">I", 4) + b"\x81\xa1v\x01")
s.settimeout(20)
s.recv(64)  # the hello reply
t0 = time.monotonic()
s.sendall(struct.pack(">I", 4 * 1024 * 1024) + b"\0" * 10)
try:
    while s.recv(65536):
        pass
    print("closed after %.1f s" % (time.monotonic() - t0))
except OSError as e:
    print("no close: %s" % e)
EOF
STALL_PID=$!

# ---------------------------------------------------------------------------------------------
# channel-up: sb holds two events the hub lacks; each connection through the proxy is tampered
# in the school->hub direction at or before the change set, so any accepted tampering would
# change the hub's copy of sb's partition (recorded by the proxy after every connection).
psb="school:$(node_id sb)"
point_at sb 9
start_node sb
c sb educator add --name "Pending one" --role teacher >/dev/null
c sb educator add --name "Pending two" --role teacher >/dev/null
stop_node sb
python3 - >"$T/up.cases" <<'EOF'
# Frames at or before the change set only: an untouched change set ahead of the tampering would
# be applied, legitimately (so no "dup" of the change set itself: its first copy is genuine).
frames = {0: "hello", 1: "msg1", 2: "msg3", 3: "data3", 4: "data4", "cs": "cs"}
for f, name in frames.items():
    for off in (4, 6, 13, 40, 90, 333):
        if f == 0 and off > 7:
            continue
        print("up-flip-%s@%d up flip %s %d %d" % (name, off, f, off, off % 8))
    for off in (0, 3):
        print("up-hdr-%s@%d up flipdown %s %d" % (name, off, f, off))
    for n in (1, 5, 60):
        print("up-trunc-%s@%d up trunc %s %d" % (name, n, f, n))
    if f != "cs":
        print("up-dup-%s up dup %s" % (name, f))
    print("up-len-2^32-1-%s up len %s %d" % (name, f, 0xFFFFFFFF))
    print("up-len-4MiB+1-%s up len %s %d" % (name, f, 4 * 1024 * 1024 + 1))
    print("up-len-0-%s up len %s 0" % (name, f))
for f in (3, 4):
    print("up-swap-%d-%d up swap %d" % (f, f + 1, f))
for f in (1, 2, 3, 4, "cs"):
    print("up-replay-%s up replay %s" % (f, f))
# a length within the limit whose bytes never come, after the handshake: the hub's 10 s deadline
print("stall-mid-frame-1MiB-data3 up len 3 %d" % (1024 * 1024))
EOF
n_up=$(wc -l <"$T/up.cases")
h_before=$(fingerprint hub)
export TAMPER_LOG="$T/hub.log" TAMPER_LOG_PATTERN="closed: "
start_proxy "$T/up.cases" "$T/up.results" "$CAIRND" state-hash --data "$T/hub"
point_at sb "$PROXY_PORT"
start_node sb
wait_lines "$T/up.results" "$n_up" 150 || fail "only $(wc -l <"$T/up.results") of $n_up channel-up cases ran"
hub_state0=${h_before%% *}
while read -r name applied closer port frames state reason; do
    reason=$(sed 's/^.*: closed: //' <<<"$reason")
    if [ "${state#state=}" != "$hub_state0" ]; then
        record channel-up "$name" CHANGED "$reason"
    elif [ "$applied" != applied=1 ]; then
        record channel-up "$name" ACCEPTED "tampering not applied ($frames)"
    elif [ "$closer" = closer=watchdog ]; then
        record channel-up "$name" ACCEPTED "no daemon closed it: the proxy's watchdog did (${reason:-})"
    elif [ -z "$reason" ]; then
        record channel-up "$name" ACCEPTED "no reason logged at the hub ($closer)"
    else
        record channel-up "$name" rejected "${reason#closed: }"
    fi
done <"$T/up.results"
# Past the list the proxy forwards untouched: the pending events arrive, once.
wait_hash_equal hub sb "$psb" 20 || fail "sb did not converge after the channel-up cases"
assert_eq "$(db hub "SELECT count(*) FROM educators WHERE name LIKE 'Pending %'")" 2 "pending educators at the hub"
good_school_works good "after channel-up"
stop_node sb

# ---------------------------------------------------------------------------------------------
# channel-down: the hub holds a catalog change sb lacks; each connection is tampered in the
# hub->school direction, so any accepted tampering would change sb's catalog.
python3 - "$CATALOG" "$T/catalog2.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["credentials"][0]["title"] = d["credentials"][0]["title"] + " (revised)"
json.dump(d, open(sys.argv[2], "w"))
EOF
c hub catalog import "$T/catalog2.json" >/dev/null
python3 - >"$T/down.cases" <<'EOF'
frames = {0: "hello-reply", 1: "msg2", 2: "data2", 3: "data3", "cs": "cs"}
for f, name in frames.items():
    for off in (4, 6, 21, 99, 222):
        if f == 0 and off > 11:
            continue
        print("down-flip-%s@%d down flip %s %d %d" % (name, off, f, off, (off * 3) % 8))
    for off in (0, 3):
        print("down-hdr-%s@%d down flipdown %s %d" % (name, off, f, off))
    for n in (2, 50):
        print("down-trunc-%s@%d down trunc %s %d" % (name, n, f, n))
    if f != "cs":
        print("down-dup-%s down dup %s" % (name, f))
    print("down-len-2^32-1-%s down len %s %d" % (name, f, 0xFFFFFFFF))
print("down-swap-2-3 down swap 2")
for f in (1, 2, "cs"):
    print("down-replay-%s down replay %s" % (f, f))
EOF
n_down=$(wc -l <"$T/down.cases")
s_before=$(fingerprint sb)
export TAMPER_LOG="$T/sb.log" TAMPER_LOG_PATTERN="WARN sync hub"
start_proxy "$T/down.cases" "$T/down.results" "$CAIRND" state-hash --data "$T/sb"
point_at sb "$PROXY_PORT"
start_node sb
wait_lines "$T/down.results" "$n_down" 120 || fail "only $(wc -l <"$T/down.results") of $n_down channel-down cases ran"
sb_state0=${s_before%% *}
while read -r name applied closer port frames state reason; do
    reason=$(sed 's/^sync hub [^ ]*\( ([0-9a-f]*)\)\?: //' <<<"$reason")
    if [ "${state#state=}" != "$sb_state0" ]; then
        record channel-down "$name" CHANGED "$reason"
    elif [ "$applied" != applied=1 ]; then
        record channel-down "$name" ACCEPTED "tampering not applied ($frames)"
    elif [ "$closer" = closer=watchdog ]; then
        record channel-down "$name" ACCEPTED "no daemon closed it: the proxy's watchdog did (${reason:-})"
    elif [ -z "$reason" ]; then
        record channel-down "$name" ACCEPTED "no reason logged at the school ($closer)"
    else
        record channel-down "$name" rejected "$reason"
    fi
done <"$T/down.results"
wait_hash_equal hub sb catalog 20 || fail "sb did not get the revised catalog after the channel-down cases"
good_school_works good "after channel-down"
stop_node sb
kill "$PROXY_PID" 2>/dev/null || true

source "$HERE/tamper_forge.sh"
source "$HERE/tamper_bundle.sh"
source "$HERE/tamper_keys.sh"

# ---------------------------------------------------------------------------------------------
# api: hostile local API frames (tamper_api.py prints one tab-separated case per line).
ed=$(c good educator add --name "Api Ada" | tr -d '[:space:]')
c good educator add --name "Api Ben" >/dev/null
c good submission start --educator "$ed" --credential wait-time >/dev/null
a_before=$(fingerprint good)
python3 "$HERE/tamper_api.py" "$T/good/cairnd.sock" "$T/good/cairn.db" "$T/good.log" >>"$CASES" ||
    fail "tamper_api.py failed"
assert_eq "$(fingerprint good)" "$a_before" "the good school after the api cases"
c good status >/dev/null || fail "the good school stopped answering after the api cases"
good_school_works good "after api"

# ---------------------------------------------------------------------------------------------
wait "$STALL_PID" || true
reason=$(grep -o "closed: no handshake with [^ ]* [^ ]* within [0-9]* s" "$T/hub.log" | head -1 || true)
if grep -q "closed after" "$T/stall.out" && [ -n "$reason" ]; then
    record stall "handshake-4MiB-frame-never-completed" rejected "$(cat "$T/stall.out"): $reason"
else
    record stall "handshake-4MiB-frame-never-completed" ACCEPTED "$(cat "$T/stall.out") ${reason:-no log}"
fi

echo
printf '%-18s %6s %9s %10s %9s\n' family tried rejected no-effect failed
awk -F'\t' '{t[$1]++; if ($3=="rejected") r[$1]++; else if ($3=="no-effect") n[$1]++; else f[$1]++}
    END {for (k in t) printf "%-18s %6d %9d %10d %9d\n", k, t[k], r[k], n[k], f[k]}' "$CASES" | sort
tried=$(wc -l <"$CASES")
rej=$(awk -F'\t' '$3=="rejected"' "$CASES" | wc -l)
noeff=$(awk -F'\t' '$3=="no-effect"' "$CASES" | wc -l)
bad=$(awk -F'\t' '$3!="rejected" && $3!="no-effect"' "$CASES" | wc -l)
if [ -n "${TAMPER_VERBOSE:-}" ]; then cat "$CASES"; fi
echo "tamper: $tried cases tried, $((rej + noeff)) rejected (or no effect for replays: $noeff), $bad accepted"
if [ "$bad" -ne 0 ]; then
    awk -F'\t' '$3!="rejected" && $3!="no-effect"' "$CASES" >&2
    fail "$bad tampered inputs were accepted or changed state"
fi
pass "tamper suite"
