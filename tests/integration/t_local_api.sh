#!/bin/bash
# Who can reach the local API. Started as the Debian unit starts it (no --listen), a school daemon
# opens no TCP port at all: the API is the Unix socket, 0660 inside the 0700 data directory, so a
# local account outside the daemon's user and group is refused by the kernel before a byte is read.
# An operator who sets [api] listen gets the loopback port (docs/security.md 3.6).
source "$(dirname "$0")/lib.sh"

init_node school school
"$CAIRND" run --data "$T/school" >>"$T/school.log" 2>&1 &
pid=$!
PIDS+=("$pid")
for _ in $(seq 1 200); do
    "$CAIRN" --data "$T/school" status >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || fail "cairnd exited at start"
    sleep 0.05
done
"$CAIRN" --data "$T/school" status >/dev/null || fail "the Unix socket does not answer"
[ ! -e "$T/school/cairnd.port" ] || fail "cairnd.port written with TCP off"
# No TCP listener belongs to the daemon: none of its socket inodes is in /proc/net/tcp{,6} LISTEN.
inodes=$(find /proc/"$pid"/fd -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n' | sort -u)
[ -n "$inodes" ] || fail "no sockets found for the daemon (is /proc readable?)"
listening=$(awk '$4 == "0A" {print $10}' /proc/net/tcp /proc/net/tcp6 | sort -u)
both=$(comm -12 <(echo "$inodes") <(echo "$listening"))
assert_eq "$both" "" "TCP listeners of a daemon started without --listen"
assert_eq "$(stat -c %a "$T/school")" "700" "data directory mode"
assert_eq "$(stat -c %a "$T/school/cairnd.sock")" "660" "socket mode"
pass "default: no TCP port, the Unix socket is 0660 in a 0700 data directory"

# Another account (nobody, no groups) cannot connect. It needs a searchable / to run python3 at
# all; fresh-debian's chroot has a 0700 / (as t_package notes), where this step says so instead.
if [ "$(stat -c %a /)" != 700 ] && command -v setpriv >/dev/null; then
    chmod 0711 "$T" # let nobody walk to the data dir, which must then refuse on its own
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("connected")
except PermissionError:
    print("refused")' "$T/school/cairnd.sock" 2>&1)
    assert_eq "$out" "refused" "a connection from user nobody"
    pass "another local account is refused by the kernel"
else
    echo "note: / is not searchable by other users here; the other-account step is skipped"
fi

# The operator's opt-in: [api] listen opens the loopback port, and the client reaches it.
kill -TERM "$pid"
wait "$pid" || fail "cairnd did not stop cleanly"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s/^# listen = 127.0.0.1:0\$/listen = 127.0.0.1:$port/" "$T/school/cairnd.conf"
grep -q "^listen = 127.0.0.1:$port\$" "$T/school/cairnd.conf" || fail "the template has no listen line"
"$CAIRND" check-config --data "$T/school" >/dev/null || fail "check-config on the opt-in"
"$CAIRND" run --data "$T/school" >>"$T/school.log" 2>&1 &
pid=$!
PIDS+=("$pid")
out=""
for _ in $(seq 1 200); do
    out=$(CAIRN_HOME="$T/home" "$CAIRN" --connect "127.0.0.1:$port" status 2>/dev/null) && break
    kill -0 "$pid" 2>/dev/null || fail "cairnd exited at start"
    sleep 0.05
done
assert_contains "$out" "school" "status over the configured loopback port"
pass "[api] listen = 127.0.0.1:$port opens the loopback port"
