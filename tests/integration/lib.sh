# lib.sh: shared helpers for integration tests. Each test sources this, gets a private temp dir,
# starts real cairnd processes on loopback, and is cleaned up (daemons killed) on exit.
# Environment (set by tests/CMakeLists.txt): CAIRND, CAIRN, CAIRN_SHARED, CAIRN_SRC.
set -euo pipefail

: "${CAIRND:?CAIRND must point at the cairnd binary}"
: "${CAIRN:?CAIRN must point at the cairn binary}"
: "${CAIRN_SHARED:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../shared" && pwd)}"
CATALOG="$CAIRN_SHARED/data/catalog.json"

T=$(mktemp -d /tmp/cairn-it.XXXXXX)
PIDS=()
cleanup() {
    local rc=$?
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if declare -F before_cleanup >/dev/null; then before_cleanup || true; fi
    if [ $rc -ne 0 ]; then
        echo "--- test failed (rc=$rc); daemon logs:" >&2
        for f in "$T"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 40 "$f" >&2; }; done
    fi
    rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
# assert_contains HAYSTACK NEEDLE WHAT
assert_contains() { case "$1" in *"$2"*) ;; *) fail "$3: '$2' not in: $1" ;; esac; }

# init_node NAME ROLE: creates $T/NAME as a data dir.
init_node() { "$CAIRND" init --role "$2" --data "$T/$1" --name "$1" >"$T/$1.init" 2>&1 ||
    { cat "$T/$1.init" >&2; fail "init $1"; }; }

# start_node NAME: runs cairnd on an ephemeral loopback port, waits until it answers.
# Sets DPID (and NODE_PID_<NAME>) to its pid.
start_node() {
    local name=$1 i
    rm -f "$T/$name/cairnd.port"
    "$CAIRND" run --data "$T/$name" --listen 127.0.0.1:0 >>"$T/$name.log" 2>&1 &
    DPID=$!
    PIDS+=("$DPID")
    eval "NODE_PID_${name//-/_}=$DPID"
    for i in $(seq 1 200); do
        if [ -S "$T/$name/cairnd.sock" ] && [ -s "$T/$name/cairnd.port" ] &&
            "$CAIRN" --data "$T/$name" status >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$DPID" 2>/dev/null || fail "cairnd $name exited at start"
        sleep 0.05
    done
    fail "cairnd $name did not come up"
}

# start_lan NAME [LANPORT]: cairnd with the LAN listener (PROTOCOL.md 12) on 127.0.0.1, LANPORT
# or an ephemeral one (sets LP, TP, DPID and NODE_PID_<NAME>).
start_lan() {
    local name=$1 i
    rm -f "$T/$name/cairnd.port" "$T/$name/cairnd.lan-port"
    "$CAIRND" run --data "$T/$name" --listen 127.0.0.1:0 --lan-listen "127.0.0.1:${2:-0}" \
        >>"$T/$name.log" 2>&1 &
    DPID=$!
    PIDS+=("$DPID")
    eval "NODE_PID_${name//-/_}=$DPID"
    for i in $(seq 1 200); do
        if [ -s "$T/$name/cairnd.lan-port" ] && "$CAIRN" --data "$T/$name" status >/dev/null 2>&1; then
            LP=$(cat "$T/$name/cairnd.lan-port")
            TP=$(cat "$T/$name/cairnd.port")
            return 0
        fi
        kill -0 "$DPID" 2>/dev/null || fail "cairnd $name exited at start"
        sleep 0.05
    done
    fail "cairnd $name did not come up"
}
# stop_node NAME: SIGTERM and wait; fails if the daemon does not exit 0 within 10 s.
stop_node() {
    local pid_var="NODE_PID_${1//-/_}" pid i
    pid=${!pid_var}
    kill -TERM "$pid"
    for i in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && fail "cairnd $1 ignored SIGTERM"
    local rc=0
    wait "$pid" || rc=$?
    assert_eq "$rc" 0 "cairnd $1 exit status after SIGTERM"
}

# kill9_node NAME
kill9_node() {
    local pid_var="NODE_PID_${1//-/_}" pid
    pid=${!pid_var}
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# c NAME args...: runs the client against node NAME.
# (A function: "c ... &" backgrounds a subshell, so to signal the client itself run "$CAIRN" directly.)
c() { local n=$1; shift; "$CAIRN" --data "$T/$n" "$@"; }

# expect_fail NEEDLE cmd...: command must exit non-zero with NEEDLE in stderr.
expect_fail() {
    local needle=$1 out rc=0; shift
    out=$("$@" 2>&1 >/dev/null) || rc=$?
    [ $rc -ne 0 ] || fail "expected failure ($needle) from: $*"
    assert_contains "$out" "$needle" "error message of: $*"
}

# make_file PATH MIB: deterministic pseudo-random content (not compressible, not all zeros).
make_file() { head -c "$(( $2 * 1024 * 1024 ))" /dev/urandom >"$1"; }

# b2sum_of FILE: plain BLAKE2b-256 of the bytes (a chunk's name).
b2sum_of() { b2sum -l 256 "$1" | cut -d' ' -f1; }
# file_hash FILE: the Cairn file hash (over the chunk hashes), the name blob-cat takes.
file_hash() { "$CAIRN" hash "$1"; }

# sqlite state fingerprint of a data dir's projections (daemon may be running: WAL readers ok).
db() { sqlite3 "$T/$1/cairn.db" "$2"; }

# chunk_count NAME: chunks durably stored by node NAME.
chunk_count() { find "$T/$1/blobs/chunks" -type f 2>/dev/null | wc -l; }

# wait_chunks NAME N PID: polls until NAME holds at least N chunks or PID exits (bounded: 60 s).
wait_chunks() {
    local i
    for i in $(seq 1 6000); do
        [ "$(chunk_count "$1")" -ge "$2" ] && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.01
    done
    return 1
}

# verify_chunks NAME: every stored chunk's bytes hash to its file name.
verify_chunks() {
    local f n=0
    while IFS= read -r f; do
        [ "$(b2sum_of "$f")" = "$(basename "$f")" ] || fail "chunk $f does not match its name"
        n=$((n + 1))
    done < <(find "$T/$1/blobs/chunks" -type f)
    echo "$n"
}
