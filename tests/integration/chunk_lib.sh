# chunk_lib.sh: helpers for the evidence chunk sync tests (t_chunk_*.sh), on top of sync_lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/sync_lib.sh"

# fast_reconnect NAME: short reconnect delays so a cut costs little time.
fast_reconnect() {
    printf '\n' >>"$T/$1/cairnd.conf"
    sed -i 's/^# reconnect_min_ms = 500/reconnect_min_ms = 50/; s/^# reconnect_max_ms = 60000/reconnect_max_ms = 300/' "$T/$1/cairnd.conf"
}

# set_sync_key NAME KEY VALUE: sets a [sync] key in NAME's cairnd.conf (uncommenting it).
set_sync_key() {
    sed -i "s/^# $2 = .*/$2 = $3/" "$T/$1/cairnd.conf"
    grep -q "^$2 = $3\$" "$T/$1/cairnd.conf" || fail "cannot set $2 in $1's config"
}

# evidence_counter NAME FIELD: one number of `cairn status`'s evidence line (sent, received,
# stored, chunks, bad, complete, resumed).
evidence_counter() {
    local line
    line=$(c "$1" status | grep '^evidence  ') || fail "no evidence line in $1's status"
    case $2 in
        sent) sed -E 's/.*sent ([0-9]+) B.*/\1/' <<<"$line" ;;
        received) sed -E 's/.*received ([0-9]+) B.*/\1/' <<<"$line" ;;
        stored) sed -E 's/.*stored ([0-9]+) B.*/\1/' <<<"$line" ;;
        bad) sed -E 's/.*\(([0-9]+) bad\).*/\1/' <<<"$line" ;;
        complete) sed -E 's/.* ([0-9]+) files complete.*/\1/' <<<"$line" ;;
        resumed) sed -E 's/.* ([0-9]+) resumed.*/\1/' <<<"$line" ;;
        waited) c "$1" status | grep '^evidence rate' | sed -E 's/.*at most ([0-9]+) B.*/\1/' ;;
    esac
}

# video_submission NODE FILE: a draft submission with FILE as its video part, submitted; prints
# the submission id.
video_submission() {
    local ed sub
    ed=$(c "$1" educator add --name "Teacher $RANDOM" --role teacher | tr -d '[:space:]')
    sub=$(c "$1" submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
    printf 'name,answers\nA,3\n' >"$T/$1.csv"
    c "$1" evidence add "$sub" --part video "$2" >/dev/null
    c "$1" evidence add "$sub" --part tally "$T/$1.csv" >/dev/null
    c "$1" evidence add "$sub" --part reflection --text "Waited in $1." >/dev/null
    c "$1" submission submit "$sub" >/dev/null
    echo "$sub"
}

# wait_complete HUB HASH SECONDS: polls until the hub stored HASH's manifest (file complete).
wait_complete() {
    local i n=$(( $3 * 10 ))
    for i in $(seq 1 $n); do
        [ -f "$T/$1/blobs/manifests/$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# catalog_variant VERSION OUT: the shared catalog with wait-time at VERSION (a new title), for a
# change made at the hub that flows down to schools as a change set, like a review.
catalog_variant() {
    python3 - "$CATALOG" "$2" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["credentials"]:
    if c["id"] == "wait-time":
        c["version"] = int(sys.argv[3])
        c["title"] = "Wait Time, revision %s" % sys.argv[3]
json.dump(d, open(sys.argv[2], "w"))
PY
}

# bad_chunks NODE: chunk files of NODE whose bytes do not hash to their name (must be 0).
# (One b2sum over all of them: thousands of chunk files cost one process, not two each.)
bad_chunks() {
    find "$T/$1/blobs/chunks" -type f -print0 | xargs -0 -r b2sum -l 256 |
        awk '{ n = split($2, p, "/"); if ($1 != p[n]) bad++ } END { print bad + 0 }'
}

# video_through_proxy SCHOOL MIB PROXY-ARGS...: SCHOOL (enrolled, stopped) reaches the hub
# through a new faultproxy with PROXY-ARGS and submits a MIB video; returns once the hub holds
# it complete and identical.
video_through_proxy() {
    local school=$1 mib=$2 h
    shift 2
    start_proxy "$@"
    via_proxy "$school"
    start_node "$school"
    wait_catalog "$school" 1 20 || fail "catalog did not reach $school"
    head -c $((mib * 1024 * 1024 + 99)) /dev/urandom >"$T/$school.mp4"
    h=$(file_hash "$T/$school.mp4")
    video_submission "$school" "$T/$school.mp4" >/dev/null
    wait_complete hub "$h" 120 || { c hub status >&2; fail "the video of $school did not arrive"; }
    "$CAIRND" blob-cat --data "$T/hub" "$h" | cmp - "$T/$school.mp4" || fail "the hub's copy differs"
}

# start_proxy ARGS...: faultproxy in front of the hub; sets PROXY_PORT and points s at it.
start_proxy() {
    rm -f "$T/proxy.port"
    "$FAULTPROXY" --listen 127.0.0.1:0 --port-file "$T/proxy.port" --target "127.0.0.1:$HUB_PORT" \
        "$@" >>"$T/proxy.log" 2>&1 &
    PROXY_PID=$!
    PIDS+=($PROXY_PID)
    for i in $(seq 1 100); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
    PROXY_PORT=$(cat "$T/proxy.port")
}

# via_proxy SCHOOL: the school's hub.peer points at the proxy.
via_proxy() {
    local hubkey
    read -r hubkey _ <"$T/$1/hub.peer"
    echo "$hubkey 127.0.0.1:$PROXY_PORT" >"$T/$1/hub.peer"
}
