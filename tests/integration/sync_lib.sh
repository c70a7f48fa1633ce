# sync_lib.sh: helpers for the sync tests (t_sync_*.sh), on top of lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# start_hub NAME: a hub with its sync listener on an ephemeral loopback port (sets HUB_PORT).
start_hub() {
    local name=$1 i
    rm -f "$T/$name/cairnd.port" "$T/$name/cairnd.sync-port"
    "$CAIRND" run --data "$T/$name" --listen 127.0.0.1:0 --sync-listen 127.0.0.1:${2:-0} \
        >>"$T/$name.log" 2>&1 &
    DPID=$!
    PIDS+=("$DPID")
    eval "NODE_PID_${name//-/_}=$DPID"
    for i in $(seq 1 200); do
        if [ -s "$T/$name/cairnd.sync-port" ] && "$CAIRN" --data "$T/$name" status >/dev/null 2>&1; then
            HUB_PORT=$(cat "$T/$name/cairnd.sync-port")
            return 0
        fi
        kill -0 "$DPID" 2>/dev/null || fail "cairnd $name exited at start"
        sleep 0.05
    done
    fail "hub $name did not come up"
}

# enrol SCHOOL HUB [ADDRESS]: token at the hub, join at the (stopped) school.
enrol() {
    local tok
    tok=$("$CAIRND" enroll create --data "$T/$2" --school "$1" ${3:+--address "$3"}) || fail "token for $1"
    "$CAIRND" enroll join --data "$T/$1" "$tok" >"$T/$1.join" 2>&1 || { cat "$T/$1.join" >&2; fail "join $1"; }
}

# state_hash NAME PARTITION
state_hash() { "$CAIRND" state-hash --data "$T/$1" --partition "$2"; }
node_id() { cat "$T/$1/identity.pub"; }

# wait_hash_equal A B PARTITION SECONDS: polls until both state hashes agree.
wait_hash_equal() {
    local i n=$(( $4 * 20 ))
    for i in $(seq 1 $n); do
        [ "$(state_hash "$1" "$3")" = "$(state_hash "$2" "$3")" ] && return 0
        sleep 0.05
    done
    return 1
}

# wait_catalog NAME COUNT SECONDS: polls `cairn catalog list` until it has COUNT lines.
wait_catalog() {
    local i n=$(( $3 * 100 ))
    for i in $(seq 1 $n); do
        [ "$(c "$1" catalog list 2>/dev/null | grep -c wait-time || true)" -ge 1 ] && return 0
        sleep 0.01
    done
    return 1
}

# a school submission with text evidence, submitted (prints the submission id).
make_submission() {
    local ed sub
    ed=$(c "$1" educator add --name "Ada $1" --role teacher | tr -d '[:space:]')
    sub=$(c "$1" submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
    head -c 70000 /dev/urandom >"$T/$1.mp4"
    printf 'name,answers\nA,3\n' >"$T/$1.csv"
    c "$1" evidence add "$sub" --part video "$T/$1.mp4" >/dev/null
    c "$1" evidence add "$sub" --part tally "$T/$1.csv" >/dev/null
    c "$1" evidence add "$sub" --part reflection --text "Waited three seconds in $1." >/dev/null
    echo "$sub"
}
