#!/bin/bash
# LAN device pairing (PROTOCOL.md 12) with real processes: a school daemon with its LAN
# listener on 127.0.0.1, a device pairing with a one-time code, then status, educator add and a
# file's evidence through the secure channel; refusals with clear errors and nothing recorded
# for an unpaired key, a used, an expired and a wrong code (5 wrong attempts kill the code),
# a plain client on the LAN port, a revoked device (its live upload cut within about a second),
# and a different daemon at the pinned address. Loopback TCP and the Unix socket need no pairing.
source "$(dirname "$0")/lib.sh"

devices() { db school "SELECT count(*) FROM devices"; }
# dev HOME args...: the client as the device whose cairn home is $T/HOME.
dev() { local h=$1; shift; CAIRN_HOME="$T/$h" "$CAIRN" "$@"; }

init_node school school
start_lan school
SCHOOL_KEY=$(cat "$T/school/identity.pub")

# Pairing.
code=$("$CAIRND" pair --data "$T/school" 2>"$T/pair.err")
[[ "$code" =~ ^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$ ]] || fail "code '$code' is not XXXX-XXXX-XXXX"
assert_contains "$(cat "$T/pair.err")" "valid until" "cairnd pair says how long the code lasts"
sel=$(tr 'A-Z' 'a-z' <<<"${code:0:2}")
[ "$(stat -c %a "$T/school/pair/$sel")" = 600 ] || fail "code file is not 0600"
[ "$(stat -c %a "$T/school/pair")" = 700 ] || fail "code dir is not 0700"
! grep -qi "${code//-/}" "$T/school/pair/$sel" || fail "the code itself is stored in clear"
out=$(dev devA pair "127.0.0.1:$LP" "$code" --name "tablet-a")
assert_contains "$out" "paired \"tablet-a\"" "pair output"
[ "$(stat -c %a "$T/devA")" = 700 ] || fail "cairn home is not 0700"
[ "$(stat -c %a "$T/devA/device.key")" = 600 ] || fail "device key is not 0600"
assert_eq "$(cat "$T/devA/known_hosts")" "127.0.0.1 $LP $SCHOOL_KEY" "known_hosts pins the daemon key"
assert_eq "$(devices)" 1 "devices after pairing"
assert_eq "$(db school "SELECT name FROM devices")" "tablet-a" "device name recorded"
[ -e "$T/school/pair/$sel.used" ] || fail "used code not marked used"
list=$("$CAIRND" pair --data "$T/school" --list)
assert_contains "$list" "tablet-a" "pair --list shows the device"
assert_contains "$list" "used" "pair --list shows the used code"
pass "pairing: code, device key 0600, daemon key pinned, device recorded"

# The API through the channel.
out=$(dev devA --connect "127.0.0.1:$LP" status)
assert_contains "$out" "school" "status through the channel"
dev devA --connect "127.0.0.1:$LP" catalog import "$CATALOG" >/dev/null
ed=$(dev devA --connect "127.0.0.1:$LP" educator add --name "Ada Tablet" --role teacher | tr -d '[:space:]')
[ ${#ed} -eq 26 ] || fail "educator id '$ed' through the channel"
sub=$(dev devA --connect "127.0.0.1:$LP" submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
make_file "$T/lesson.mp4" 9
dev devA --connect "127.0.0.1:$LP" evidence add "$sub" --part video "$T/lesson.mp4" >/dev/null
show=$(c school submission show "$sub")
h=$(file_hash "$T/lesson.mp4")
assert_contains "$show" "${h:0:12}" "evidence hash through the channel"
"$CAIRND" blob-cat --data "$T/school" "$h" | cmp - "$T/lesson.mp4" ||
    fail "the stored file differs from the one sent through the channel"
assert_contains "$(cat "$T/school.log")" "paired device \"tablet-a\" connected" "daemon log names the device"
pass "status, educator add, evidence add of a 9 MiB file through the channel"

# Ops that name files on the school box are for local users only.
expect_fail "local users only" dev devA --connect "127.0.0.1:$LP" bundle export --out "$T/x.bundle"
[ ! -e "$T/x.bundle" ] || fail "a LAN device made the daemon write a bundle"

# Local users need no pairing.
CAIRN_HOME="$T/nobody" "$CAIRN" --connect "127.0.0.1:$TP" status >/dev/null || fail "loopback TCP needs pairing"
CAIRN_HOME="$T/nobody" "$CAIRN" --data "$T/school" status >/dev/null || fail "Unix socket needs pairing"
pass "loopback TCP and the Unix socket work without pairing"

# A client that did not pair, talking plain to the LAN port.
expect_fail "pair this device" dev devC --connect "127.0.0.1:$LP" status
# An unpaired key that pins the right daemon: refused after the handshake.
mkdir -m 700 "$T/devB"
dev devB pair "127.0.0.1:$LP" "AAAA-AAAA-AAAA" 2>/dev/null || true # makes devB's key
[ -s "$T/devB/device.key" ] || fail "devB has no key"
cp "$T/devA/known_hosts" "$T/devB/known_hosts"
expect_fail "not paired" dev devB --connect "127.0.0.1:$LP" status
assert_eq "$(devices)" 1 "devices after an unpaired key"
pass "plain client and unpaired key refused with clear errors"

# 70 idle connections on the LAN port (more than max_connections, 64) never lock local users
# out: at most 16 LAN handshakes may be pending; the rest are refused at accept.
python3 - "$LP" "$T/idle.ready" <<'PY' &
import socket, sys, time
socks = []
for _ in range(70):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    socks.append(s)
open(sys.argv[2], "w").close()
time.sleep(3)
PY
IDLE=$!
for i in $(seq 1 100); do [ -e "$T/idle.ready" ] && break; sleep 0.05; done
sleep 0.2
c school status >/dev/null || fail "local status refused while LAN connections sit idle"
assert_contains "$(cat "$T/school.log")" "LAN handshakes already pending" "pending LAN handshakes capped"
wait $IDLE || true
pass "idle LAN connections cannot take the local users' slots"

# A used code.
expect_fail "already used" dev devB pair "127.0.0.1:$LP" "$code"
# An expired code.
code2=$("$CAIRND" pair --data "$T/school" --expires 1s 2>/dev/null)
sleep 1.2
expect_fail "expired" dev devB pair "127.0.0.1:$LP" "$code2"
assert_eq "$(devices)" 1 "devices after a used and an expired code"
pass "used and expired codes refused"

# A wrong code, five times: the code is dead, even for the right secret afterwards.
code3=$("$CAIRND" pair --data "$T/school" 2>/dev/null)
last=${code3: -1}
if [ "$last" = 0 ]; then wrongch=1; else wrongch=0; fi
wrong="${code3:0:13}$wrongch"
for n in 4 3 2 1; do
    expect_fail "wrong pairing code ($n attempt" dev devB pair "127.0.0.1:$LP" "$wrong"
done
expect_fail "invalidated" dev devB pair "127.0.0.1:$LP" "$wrong"
expect_fail "invalidated" dev devB pair "127.0.0.1:$LP" "$code3"
assert_eq "$(devices)" 1 "devices after wrong codes"
c school status >/dev/null || fail "daemon stopped serving after refusals"
dev devA --connect "127.0.0.1:$LP" status >/dev/null || fail "paired device refused after others' failures"
pass "wrong code 5 times: code invalidated; daemon keeps serving"

# Revocation: a live upload of the device through a 2 MiB/s proxy is cut within ~1 s, then
# every new connection of it is refused.
code4=$("$CAIRND" pair --data "$T/school" 2>/dev/null)
"$FAULTPROXY" --listen 127.0.0.1:0 --port-file "$T/proxy.port" --target "127.0.0.1:$LP" \
    --up-rate 2097152 2>"$T/proxy.log" &
PIDS+=($!)
for i in $(seq 1 100); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
PP=$(cat "$T/proxy.port")
dev devR pair "127.0.0.1:$PP" "$code4" --name "tablet-r" >/dev/null
sub2=$(dev devR --connect "127.0.0.1:$PP" submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
make_file "$T/big.mp4" 40
chunks0=$(chunk_count school)
CAIRN_HOME="$T/devR" "$CAIRN" --connect "127.0.0.1:$PP" evidence add "$sub2" --part video "$T/big.mp4" \
    >/dev/null 2>"$T/revoked.err" &
UP=$!
wait_chunks school $((chunks0 + 2)) $UP || fail "upload through the proxy did not start"
t0=$(date +%s%N)
out=$("$CAIRND" pair --data "$T/school" --revoke tablet-r)
assert_contains "$out" "revoked device" "revoke output"
rc=0
wait $UP || rc=$?
t1=$(date +%s%N)
[ $rc -ne 0 ] || fail "the revoked device's upload finished"
ms=$(( (t1 - t0) / 1000000 ))
[ $ms -le 1500 ] || fail "the revoked device's connection lived ${ms} ms after the revocation"
expect_fail "was revoked" dev devR --connect "127.0.0.1:$PP" status
dev devA --connect "127.0.0.1:$LP" status >/dev/null || fail "another device refused after a revocation"
pass "revoked device: live upload cut after ${ms} ms, then refused"

# A different daemon at the pinned address.
stop_node school
init_node other school
start_lan other "$LP"
expect_fail "does not have the key pinned" dev devA --connect "127.0.0.1:$LP" status
pass "a daemon with another key at the pinned address is refused"
