#!/bin/bash
# faultproxy self-test: each fault the integration tests rely on does what it says, measured from
# outside through real loopback sockets (python3 stdlib peers, ephemeral ports): pass-through of
# 10 MiB both ways, --rate, --cut-after, --flip-after, SIGUSR1 link down, --latency; and the proxy
# exits 0 on SIGTERM (under ASan that also means no leaks). Every wait is bounded.
set -euo pipefail

: "${FAULTPROXY:?FAULTPROXY must point at the faultproxy binary}"

T=$(mktemp -d /tmp/cairn-fp.XXXXXX)
PIDS=()
cleanup() {
    local rc=$?
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ $rc -ne 0 ]; then
        echo "--- test failed (rc=$rc); logs:" >&2
        for f in "$T"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 30 "$f" >&2; }; done
    fi
    rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# The peers: servers (echo, sink, hold: never reads) and clients (send, ping, linktest). Timeouts bound every wait.
cat >"$T/peer.py" <<'PY'
import hashlib, os, random, signal, socket, sys, threading, time

def data(n, seed=7):
    return random.Random(seed).randbytes(n)

def serve(mode, portfile, outdir):
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    n = 0
    while True:
        s, _ = ls.accept()
        n += 1
        threading.Thread(target=handle, args=(mode, s, f"{outdir}/{n}"), daemon=True).start()

def handle(mode, s, out):
    s.settimeout(10)
    got, end = bytearray(), "eof"
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            if mode == "hold":
                time.sleep(60)
            elif mode == "echo":
                s.sendall(b)
            else:
                got += b
        if mode == "echo":
            s.shutdown(socket.SHUT_WR)
    except ConnectionResetError:
        end = "reset"
    except socket.timeout:
        end = "timeout"
    except OSError as e:
        end = "error:" + str(e)
    if mode == "sink":
        with open(out + ".bin", "wb") as f:
            f.write(got)
        with open(out + ".end", "w") as f:
            f.write(end)
    s.close()

def send(port, n):
    # Sends n bytes (then EOF) while reading until EOF; reports both hashes and the time taken.
    payload = data(n)
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
    except ConnectionResetError:
        # A cut at offset 0 can reset the connection before connect() even returns.
        print(f"sent={n} sent_sha={hashlib.sha256(payload).hexdigest()} recv=0 "
              f"recv_sha={hashlib.sha256().hexdigest()} secs={time.monotonic() - t0:.3f} "
              "end=reset write_err=connect reset=yes")
        return
    err = []
    def writer():
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append(type(e).__name__)
    w = threading.Thread(target=writer)
    w.start()
    got, end = hashlib.sha256(), "eof"
    count = 0
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got.update(b)
            count += len(b)
    except ConnectionResetError:
        end = "reset"
    except socket.timeout:
        end = "timeout"
    w.join(30)
    secs = time.monotonic() - t0
    # Either thread may be the one that meets the reset; the other then sees EOF or EPIPE.
    reset = end == "reset" or any(e in ("ConnectionResetError", "BrokenPipeError") for e in err)
    print(f"sent={n} sent_sha={hashlib.sha256(payload).hexdigest()} recv={count} "
          f"recv_sha={got.hexdigest()} secs={secs:.3f} end={end} write_err={','.join(err) or '-'} "
          f"reset={'yes' if reset else 'no'}")

def ping(s):
    s.sendall(b"ping\n")
    got = b""
    while len(got) < 5:
        b = s.recv(5 - len(got))
        if not b:
            raise ConnectionError("eof")
        got += b
    return got == b"ping\n"

def rtt(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    ping(s)  # the first round trip also waits for the proxy's connect to the target
    t0 = time.monotonic()
    ok = ping(s)
    print(f"rtt={time.monotonic() - t0:.3f} ok={ok}")

def try_ping(port, s=None):
    try:
        if s is None:
            s = socket.create_connection(("127.0.0.1", port), timeout=3)
        return "ok" if ping(s) else "garbled"
    except (OSError, ConnectionError) as e:
        return "failed"

def linktest(port, pid):
    a = socket.create_connection(("127.0.0.1", port), timeout=3)
    r = [try_ping(port, a)]
    os.kill(pid, signal.SIGUSR1)
    time.sleep(0.3)
    r.append(try_ping(port, a))   # the open connection was cut
    r.append(try_ping(port))      # a new one is refused
    os.kill(pid, signal.SIGUSR1)
    time.sleep(0.3)
    r.append(try_ping(port))      # the link is back
    print(" ".join(r))

def fresh(port, n):
    # n fresh connections, one ping each.
    print(" ".join(try_ping(port) for _ in range(n)))

def usr2(port, pid):
    a = socket.create_connection(("127.0.0.1", port), timeout=3)
    r = [try_ping(port, a)]
    os.kill(pid, signal.SIGUSR2)
    time.sleep(0.3)
    r.append(try_ping(port, a))   # cut
    r.append(try_ping(port))      # new connections still work
    print(" ".join(r))

def lifetime(port):
    # Seconds from connect until the proxy ends the connection (bounded by the 5 s timeout).
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    end = try_ping(port, s)
    try:
        end = "eof" if s.recv(1) == b"" else "data"
    except ConnectionResetError:
        end = "reset"
    except socket.timeout:
        end = "timeout"
    print(f"secs={time.monotonic() - t0:.3f} end={end}")

def flood(port, secs):
    # Writes as fast as the path accepts for secs seconds; prints how much it accepted.
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    block, sent, t0 = bytes(65536), 0, time.monotonic()
    while time.monotonic() - t0 < secs:
        try:
            sent += s.send(block)
        except BlockingIOError:
            time.sleep(0.01)
    print(f"flooded={sent}")

cmd = sys.argv[1]
if cmd == "serve":
    serve(sys.argv[2], sys.argv[3], sys.argv[4])
elif cmd == "send":
    send(int(sys.argv[2]), int(sys.argv[3]))
elif cmd == "rtt":
    rtt(int(sys.argv[2]))
elif cmd == "linktest":
    linktest(int(sys.argv[2]), int(sys.argv[3]))
elif cmd == "fresh":
    fresh(int(sys.argv[2]), int(sys.argv[3]))
elif cmd == "usr2":
    usr2(int(sys.argv[2]), int(sys.argv[3]))
elif cmd == "lifetime":
    lifetime(int(sys.argv[2]))
elif cmd == "flood":
    flood(int(sys.argv[2]), float(sys.argv[3]))
elif cmd == "expect":
    # expect FILE N: prints the payload's bytes [0, N) into FILE.
    with open(sys.argv[2], "wb") as f:
        f.write(data(int(sys.argv[3])))
PY
PEER="python3 $T/peer.py"

# wait_file FILE: bounded (10 s) wait for FILE to exist and be non-empty.
wait_file() {
    local i
    for i in $(seq 1 200); do
        [ -s "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

# start_server MODE NAME: echo or sink server; sets SPORT. A sink writes $T/NAME/<n>.bin and .end.
start_server() {
    mkdir -p "$T/$2"
    $PEER serve "$1" "$T/$2.port" "$T/$2" >"$T/$2.log" 2>&1 &
    PIDS+=($!)
    wait_file "$T/$2.port" || fail "server $2 did not start"
    SPORT=$(cat "$T/$2.port")
}

# start_proxy NAME ARGS...: a proxy in front of $SPORT; sets PROXY_PORT and PROXY_PID.
start_proxy() {
    local name=$1
    shift
    "$FAULTPROXY" --listen 127.0.0.1:0 --port-file "$T/$name.pport" --target "127.0.0.1:$SPORT" \
        "$@" >"$T/$name.log" 2>&1 &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    wait_file "$T/$name.pport" || fail "proxy $name did not start"
    PROXY_PORT=$(cat "$T/$name.pport")
}

# stop_proxy NAME: SIGTERM must end it within 10 s with status 0.
stop_proxy() {
    local i rc=0
    kill -TERM "$PROXY_PID"
    for i in $(seq 1 200); do
        kill -0 "$PROXY_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$PROXY_PID" 2>/dev/null && fail "proxy $1 ignored SIGTERM"
    wait "$PROXY_PID" || rc=$?
    [ "$rc" = 0 ] || fail "proxy $1 exit status $rc after SIGTERM"
}

# field LINE NAME: the value of NAME=value in a peer's report.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# at_least VALUE MIN / at_most VALUE MAX: float comparisons.
at_least() { python3 -c "import sys; sys.exit(0 if float('$1') >= float('$2') else 1)"; }
at_most() { python3 -c "import sys; sys.exit(0 if float('$1') <= float('$2') else 1)"; }

# flip_diffs EXPECTED ACTUAL: "offset:bits" for every byte that differs.
flip_diffs() {
    python3 -c "
a = open('$1', 'rb').read(); b = open('$2', 'rb').read()
assert len(a) == len(b), (len(a), len(b))
print(' '.join(f'{i}:{bin(x ^ y).count(\"1\")}' for i, (x, y) in enumerate(zip(a, b)) if x != y))"
}

# Options are checked before anything starts.
"$FAULTPROXY" --listen 127.0.0.1:0 --target 127.0.0.1:9 --up --rate 5 --check >"$T/check" ||
    fail "--check of a good configuration"
grep -q '^up: rate=5 ' "$T/check" || fail "--up --rate not applied to up: $(cat "$T/check")"
grep -q '^down: rate=0 ' "$T/check" || fail "--up --rate leaked into down: $(cat "$T/check")"
rc=0
"$FAULTPROXY" --listen 10.1.2.3:0 --target 127.0.0.1:9 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "a non-loopback listen address must be refused (got $rc)"
rc=0
"$FAULTPROXY" --listen 127.0.0.1:0 --target 127.0.0.1:9 --rate fast 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "a bad number must be refused (got $rc)"
pass "options are checked"

start_server echo echo
ECHO_PORT=$SPORT

# Pass-through: 10 MiB up and the same 10 MiB echoed down, byte for byte, EOF passed on.
start_proxy plain
out=$($PEER send "$PROXY_PORT" $((10 * 1024 * 1024)))
[ "$(field "$out" recv)" = $((10 * 1024 * 1024)) ] || fail "pass-through length: $out"
[ "$(field "$out" sent_sha)" = "$(field "$out" recv_sha)" ] || fail "pass-through hash: $out"
[ "$(field "$out" end)" = eof ] || fail "pass-through end: $out"
stop_proxy plain
grep -q 'closed how=eof .* up=10485760/10485760 down=10485760/10485760' "$T/plain.log" ||
    fail "pass-through log line missing"
pass "10 MiB pass-through both ways, hashes match"

# --rate 1000000: 2 MB cannot arrive in less than ~2 s (assert 1.5 s).
start_proxy rate --rate 1000000
out=$($PEER send "$PROXY_PORT" 2000000)
[ "$(field "$out" sent_sha)" = "$(field "$out" recv_sha)" ] || fail "rate-limited data: $out"
secs=$(field "$out" secs)
at_least "$secs" 1.5 ||
    fail "--rate 1000000 moved 2 MB in $secs s"
stop_proxy rate
pass "--rate 1000000: 2 MB took $secs s"

# --latency 200 on both directions: a round trip takes at least 400 ms.
start_proxy latency --latency 200
out=$($PEER rtt "$PROXY_PORT")
rtt=$(field "$out" rtt)
[ "$(field "$out" ok)" = True ] || fail "latency echo garbled: $out"
at_least "$rtt" 0.4 ||
    fail "--latency 200 round trip took only $rtt s"
stop_proxy latency
pass "--latency 200: round trip $rtt s"

# SIGUSR1: the open connection is cut, new ones refused; a second SIGUSR1 restores the link.
start_proxy link
out=$($PEER linktest "$PROXY_PORT" "$PROXY_PID")
[ "$out" = "ok failed failed ok" ] || fail "SIGUSR1 link down/up: got '$out'"
grep -q 'refused .*reason="link down"' "$T/link.log" || fail "link-down refusal not logged"
stop_proxy link
pass "SIGUSR1 cuts and refuses, then restores"

# --cut-after 1000: the server receives exactly 1000 bytes, then a reset (not a stall).
start_server sink sinkcut
start_proxy cut --up --cut-after 1000
out=$($PEER send "$PROXY_PORT" 100000)
[ "$(field "$out" reset)" = yes ] || fail "--cut-after: client did not see a reset: $out"
wait_file "$T/sinkcut/1.end" || fail "--cut-after: sink did not finish"
[ "$(stat -c %s "$T/sinkcut/1.bin")" = 1000 ] ||
    fail "--cut-after 1000 delivered $(stat -c %s "$T/sinkcut/1.bin") bytes"
[ "$(cat "$T/sinkcut/1.end")" = reset ] || fail "--cut-after: sink saw $(cat "$T/sinkcut/1.end")"
$PEER expect "$T/expect1000" 1000
cmp -s "$T/expect1000" "$T/sinkcut/1.bin" || fail "--cut-after: the 1000 bytes differ"
stop_proxy cut
pass "--cut-after 1000: exactly 1000 bytes, then reset"

# --flip-after 12345: exactly one bit differs, in the byte at offset 12345.
start_server sink sinkflip
start_proxy flip --flip-after 12345
out=$($PEER send "$PROXY_PORT" 100000)
wait_file "$T/sinkflip/1.end" || fail "--flip-after: sink did not finish"
$PEER expect "$T/expect100k" 100000
diffs=$(flip_diffs "$T/expect100k" "$T/sinkflip/1.bin")
[ "$diffs" = "12345:1" ] || fail "--flip-after 12345: differences (offset:bits) '$diffs'"
stop_proxy flip
pass "--flip-after 12345: one bit flipped at offset 12345"

# --flip-every 10000: one bit in each of the bytes at 10000, 20000, ... 90000.
start_server sink sinkevery
start_proxy every --up --flip-every 10000
$PEER send "$PROXY_PORT" 100000 >/dev/null
wait_file "$T/sinkevery/1.end" || fail "--flip-every: sink did not finish"
diffs=$(flip_diffs "$T/expect100k" "$T/sinkevery/1.bin")
want=$(for i in 1 2 3 4 5 6 7 8 9; do printf '%s ' "${i}0000:1"; done)
[ "$diffs " = "$want" ] || fail "--flip-every 10000: differences '$diffs'"
stop_proxy every
pass "--flip-every 10000: nine single-bit flips at multiples of 10000"

# --truncate-after 1000: the server receives exactly 1000 bytes, then a clean EOF (not a reset);
# the client's remaining bytes are swallowed, so it is not stalled.
start_server sink sinktrunc
start_proxy trunc --up --truncate-after 1000
out=$($PEER send "$PROXY_PORT" 100000)
wait_file "$T/sinktrunc/1.end" || fail "--truncate-after: sink did not finish"
[ "$(stat -c %s "$T/sinktrunc/1.bin")" = 1000 ] ||
    fail "--truncate-after 1000 delivered $(stat -c %s "$T/sinktrunc/1.bin") bytes"
[ "$(cat "$T/sinktrunc/1.end")" = eof ] || fail "--truncate-after: sink saw $(cat "$T/sinktrunc/1.end")"
cmp -s "$T/expect1000" "$T/sinktrunc/1.bin" || fail "--truncate-after: the 1000 bytes differ"
grep -q "fault=truncate dir=up offset=1000" "$T/trunc.log" || fail "--truncate-after: not logged"
stop_proxy trunc
pass "--truncate-after 1000: exactly 1000 bytes, then EOF"

# --down --cut-after 1000: the client gets exactly 1000 echoed bytes, then a reset.
SPORT=$ECHO_PORT
start_proxy downcut --down --cut-after 1000
out=$($PEER send "$PROXY_PORT" 100000)
[ "$(field "$out" recv)" = 1000 ] || fail "--down --cut-after 1000: $out"
[ "$(field "$out" reset)" = yes ] || fail "--down --cut-after: no reset: $out"
stop_proxy downcut
pass "--down --cut-after 1000: client got exactly 1000 bytes, then reset"

# --cut-random with a seed: the cut point is inside the range and the same on every run.
# cut_random_run NAME: sets CUT_AT to the bytes the sink received.
cut_random_run() {
    start_server sink "$1"
    start_proxy "$1" --up --cut-random 500:50000 --seed 42
    $PEER send "$PROXY_PORT" 100000 >/dev/null
    wait_file "$T/$1/1.end" || fail "--cut-random: sink did not finish"
    stop_proxy "$1"
    CUT_AT=$(stat -c %s "$T/$1/1.bin")
}
cut_random_run random1
n1=$CUT_AT
cut_random_run random2
n2=$CUT_AT
[ "$n1" = "$n2" ] || fail "--cut-random with one seed cut at $n1 then $n2"
[ "$n1" -ge 500 ] && [ "$n1" -le 50000 ] || fail "--cut-random 500:50000 cut at $n1"
pass "--cut-random 500:50000 --seed 42: cut at $n1 bytes, twice"

# --stall-after 1000 --stall-ms 500: the transfer takes at least the stall, data intact.
SPORT=$ECHO_PORT
start_proxy stall --up --stall-after 1000 --stall-ms 500
out=$($PEER send "$PROXY_PORT" 100000)
[ "$(field "$out" sent_sha)" = "$(field "$out" recv_sha)" ] || fail "stalled data: $out"
at_least "$(field "$out" secs)" 0.5 || fail "--stall-ms 500 transfer took $(field "$out" secs) s"
stop_proxy stall
grep -q 'fault=stall dir=up offset=1000 ms=500' "$T/stall.log" || fail "stall not logged"
pass "--stall-after 1000 --stall-ms 500: transfer took $(field "$out" secs) s, data intact"

# Faults at offset 0 start before any byte arrives: the stall delays the first byte, the cut
# resets the connection without any data.
start_proxy stall0 --up --stall-after 0 --stall-ms 300
out=$($PEER send "$PROXY_PORT" 1000)
[ "$(field "$out" sent_sha)" = "$(field "$out" recv_sha)" ] || fail "stall at 0: $out"
at_least "$(field "$out" secs)" 0.3 || fail "--stall-after 0 --stall-ms 300: $(field "$out" secs) s"
stop_proxy stall0
start_proxy cut0 --up --cut-after 0
out=$($PEER send "$PROXY_PORT" 1000)
[ "$(field "$out" reset)" = yes ] && [ "$(field "$out" recv)" = 0 ] || fail "cut at 0: $out"
stop_proxy cut0
pass "--stall-after 0 and --cut-after 0 act before the first byte"

# --drop-connections 2: the first two connections fail, the third works.
start_proxy drop --drop-connections 2
out=$($PEER fresh "$PROXY_PORT" 3)
[ "$out" = "failed failed ok" ] || fail "--drop-connections 2: got '$out'"
stop_proxy drop
pass "--drop-connections 2"

# --cut-every-ms 300: an idle connection is reset about 300 ms after it opened.
start_proxy every_ms --cut-every-ms 300
out=$($PEER lifetime "$PROXY_PORT")
[ "$(field "$out" end)" = reset ] || fail "--cut-every-ms: $out"
at_least "$(field "$out" secs)" 0.29 && at_most "$(field "$out" secs)" 3 ||
    fail "--cut-every-ms 300: connection lived $(field "$out" secs) s"
stop_proxy every_ms
pass "--cut-every-ms 300: reset after $(field "$out" secs) s"

# SIGUSR2: the open connection is cut once; new connections keep working.
start_proxy usr2
out=$($PEER usr2 "$PROXY_PORT" "$PROXY_PID")
[ "$out" = "ok failed ok" ] || fail "SIGUSR2: got '$out'"
stop_proxy usr2
pass "SIGUSR2 cuts open connections once"

# Backpressure: towards a server that never reads, the proxy stops reading too. Kernel buffers
# on both sides hold at most ~25 MB here; without backpressure the client could push far more.
start_server hold hold
start_proxy hold
out=$($PEER flood "$PROXY_PORT" 3)
flooded=$(field "$out" flooded)
[ "$flooded" -lt $((40 * 1024 * 1024)) ] || fail "no backpressure: $flooded bytes accepted"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$PROXY_PID/status")
stop_proxy hold
pass "backpressure: $flooded bytes accepted towards a stuck server, proxy RSS ${rss} kB"

echo "all faultproxy checks passed"
