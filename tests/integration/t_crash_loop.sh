#!/bin/bash
# The crash loop (issue 8, item 2): a hub and two enrolled schools (A, B) syncing over loopback with
# evidence chunk sync, under a mixed workload of real `cairn` client processes running at the same
# time, while a killer sends kill -9 to a random one of {hub, school A, school B, a running client}
# CRASH_ITERS times (default 100; 30 under the sanitizers, CAIRN_SANITIZED=1, where every process
# is several times slower), sleeping a random 0.1-1.5 s before each kill and restarting a killed
# daemon after a random 0-0.4 s (one restart in six is itself killed -9 0-90 ms into its start-up,
# counted apart, then started again).
#
# Workload (each worker appends to its ledger ONLY what a daemon acknowledged: the client exited 0
# and printed the id or its "stored"/"submitted"/"decided" line; before each call it records a
# "try", so an unacknowledged call that the daemon committed anyway is allowed, never required):
#   kiosk-a, kiosk-b: the staff-room kiosk's calls at each school (A's on the local socket, B's
#     from a paired LAN device through the secure channel): educator add, submission start,
#     evidence add (a video of 1 KiB to 3 MiB, some over 1 MiB so several chunks, one in fifteen
#     6-12 MiB; one in three is one of two files shared by both schools, so the hub's chunk store
#     deduplicates; a cut upload is rerun, up to 3 tries, which resumes it), a
#     tally file, a text reflection, submit; and "resubmit" of a submission decided not-yet
#     (keeping the parts that met) with a new reflection; one submission in eight is withdrawn
#     right after it is submitted, racing the assessor. A failed call abandons that submission.
#   assessor: at the hub, claims the oldest queued submission, scores every part and decides:
#     a first attempt is "not yet" half the time, otherwise "meets" and the award is issued.
#   usb: now and then a bundle exported at a school and imported at the hub, and one from the hub
#     imported at the school; every fifth round the hub publishes a new version of wait-time
#     (a catalog change for both schools; later submissions are bound to it).
# Sync runs throughout (fast reconnect settings, as t_chunk_kill.sh).
#
# During the loop a daemon that died by itself fails the test. After it the workload stops, every
# daemon is stopped cleanly (SIGTERM, exit 0); no daemon log holds an ERROR, a refused peer or
# change set, or a sanitizer report; they start again, sync converges (bounded waits), each
# school's status shows no lag, no temporary or partial file is left, and then, daemons stopped:
#   - every acknowledged event (by type and entity id: educator, submission, evidence, submit,
#     withdraw, review claim/score/decide, award; catalog versions at both schools too) exists
#     at its school and at the hub: at least as many
#     times as it was acknowledged ("lost" otherwise) and at most as many as it was tried ("dup");
#   - every acknowledged evidence file is in the evidence projection with its hash at the school
#     and the hub, and `cairnd blob-cat` there gives bytes equal to the source whose file hash is
#     the manifest hash; every chunk file at every node hashes to its name;
#   - `cairnd rebuild` on a copy of each node's data dir reports projections equal to the live ones;
#   - each school's submissions, evidence and awards are the same rows at the school and the hub,
#     and an awarded submission has exactly one award;
#   - `cairnd state-hash` agrees between the hub and each school for catalog and its partition.
# It ends with one summary line: kills per victim kind, acked events, lost, dup, files, bad hashes.
source "$(dirname "$0")/chunk_lib.sh"

if [ "${CAIRN_SANITIZED:-0}" = 1 ]; then ITERS=${CRASH_ITERS:-30}; else ITERS=${CRASH_ITERS:-100}; fi
SEED=${CRASH_SEED:-$$}
RANDOM=$SEED
echo "crash loop: $ITERS kills, seed $SEED"

init_node hub hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
c hub educator add --name "Rita Assessor" --role assessor >/dev/null
for s in a b; do init_node $s school; fast_reconnect $s; enrol $s hub; done
start_node a
# School B's kiosk is a paired classroom device on the LAN (PROTOCOL.md 12): its calls go through
# the secure channel to a fixed port; school A's uses the local socket.
start_lan b
LAN_B="127.0.0.1:$LP"
code=$("$CAIRND" pair --data "$T/b" 2>/dev/null) || fail "pairing code at school b"
CAIRN_HOME="$T/devB" "$CAIRN" pair "$LAN_B" "$code" --name kiosk-b >/dev/null || fail "pair kiosk-b"
# start_school NODE: (re)start a school daemon, B with its LAN listener on the same port
start_school() { if [ "$1" = b ]; then start_lan b "$LP"; else start_node "$1"; fi; }
for s in a b; do wait_catalog $s 1 20 || fail "catalog did not reach school $s"; done
PART_A="school:$(node_id a)"
PART_B="school:$(node_id b)"
mkdir -p "$T/files" "$T/stick" "$T/led"
# Two files both schools upload (one of several chunks, one small): the hub stores each once.
head -c $((2 * 1024 * 1024 + 4321)) /dev/urandom >"$T/files/shared-big.mp4"
head -c 40000 /dev/urandom >"$T/files/shared-small.mp4"
SHARED_BIG=$(file_hash "$T/files/shared-big.mp4")
SHARED_SMALL=$(file_hash "$T/files/shared-small.mp4")

# ---- workload -------------------------------------------------------------------------------
# run_client WORKER NODE ARGS...: one `cairn` process against NODE, its pid in $T/led/WORKER.pid
# (for the killer) while it runs; stdout in $T/led/WORKER.out, stderr in .err; returns its status.
run_client() {
    local w=$1 node=$2 pid rc=0
    shift 2
    if [ "$w" = kiosk-b ]; then
        CAIRN_HOME="$T/devB" "$CAIRN" --connect "$LAN_B" "$@" >"$T/led/$w.out" 2>"$T/led/$w.err" &
    else
        "$CAIRN" --data "$T/$node" "$@" >"$T/led/$w.out" 2>"$T/led/$w.err" &
    fi
    pid=$!
    echo "$pid" >"$T/led/$w.pid"
    wait "$pid" || rc=$?
    rm -f "$T/led/$w.pid"
    # every refusal, for the summary of why calls failed
    [ $rc = 0 ] || echo "$rc $1 $(head -c 300 "$T/led/$w.err" | tr '\n' ' ')" >>"$T/led/$w.fails"
    return $rc
}
stopping() { [ -f "$T/stop" ]; }
# id_out WORKER: the id the last call printed (26 characters of the id alphabet) or nothing.
id_out() { grep -Eo '^[0-9a-z]{26}$' "$T/led/$1.out" | tail -1 || true; }
# The ledger: "try TYPE ENTITY" before a call, "ack TYPE ENTITY NODE [SUB]" after an acknowledged one.
try() { echo "try $1 $2" >>"$LEDGER"; }
ack() { echo "ack $*" >>"$LEDGER"; }
nap() { sleep "0.$((RANDOM % 3))$((RANDOM % 10))"; }

# video_for WORKER N: a video file for a new submission (prints its path).
video_for() {
    local f
    case $((RANDOM % 6)) in
        0) echo "$T/files/shared-big.mp4" ;;
        1) echo "$T/files/shared-small.mp4" ;;
        *)
            f="$T/files/$1.$2.mp4"
            # 1 KiB .. 3 MiB, one in three over 1 MiB (several chunks); one in ten 6 .. 12 MiB
            # (so that kills land in the middle of its upload and of its chunk sync)
            if [ $((RANDOM % 10)) = 0 ]; then
                head -c $((6 * 1024 * 1024 + RANDOM * 192)) /dev/urandom >"$f"
            elif [ $((RANDOM % 3)) = 0 ]; then
                head -c $((1024 * 1024 + RANDOM * 64)) /dev/urandom >"$f"
            else
                head -c $((1024 + RANDOM * 16)) /dev/urandom >"$f"
            fi
            echo "$f"
            ;;
    esac
}

# add_file W NODE SUB PART FILE: evidence add of a file; on acknowledgement the ledger gets the
# event and the file (its hash, for the byte checks).
add_file() {
    local w=$1 node=$2 sub=$3 part=$4 f=$5 h k
    # A cut upload is resumed by running the same command again, as the kiosk does (3 tries).
    for k in 1 2 3; do
        try evidence.add "$sub"
        if run_client "$w" "$node" evidence add "$sub" --part "$part" "$f" &&
            grep -q "^evidence $part stored" "$T/led/$w.out"; then
            h=$("$CAIRN" hash "$f")
            ack evidence.add "$sub" "$node"
            echo "file $node $sub $part $h $f" >>"$LEDGER"
            return 0
        fi
        stopping && return 1
        sleep 0.3
    done
    return 1
}
add_text() {
    local w=$1 node=$2 sub=$3 part=$4 text=$5
    try evidence.add "$sub"
    run_client "$w" "$node" evidence add "$sub" --part "$part" --text "$text" || return 1
    grep -q "^evidence $part stored" "$T/led/$w.out" || return 1
    ack evidence.add "$sub" "$node"
}
submit() {
    local w=$1 node=$2 sub=$3
    try submission.submit "$sub"
    run_client "$w" "$node" submission submit "$sub" || return 1
    grep -q "submitted" "$T/led/$w.out" || return 1
    ack submission.submit "$sub" "$node"
}

# one_submission W NODE N: a teacher's whole submission; stops at the first failed call.
one_submission() {
    local w=$1 node=$2 n=$3 ed sub f
    run_client "$w" "$node" educator add --name "Teacher $node$n" --role teacher || return 1
    ed=$(id_out "$w")
    [ -n "$ed" ] || return 1
    ack educator.add "$ed" "$node"
    run_client "$w" "$node" submission start --educator "$ed" --credential wait-time || return 1
    sub=$(id_out "$w")
    [ -n "$sub" ] || return 1
    ack submission.start "$sub" "$node"
    f=$(video_for "$w" "$n")
    add_file "$w" "$node" "$sub" video "$f" || return 1
    printf 'name,answers\n%s,%d\n' "$node$n" $((RANDOM % 9)) >"$T/files/$w.$n.csv"
    add_file "$w" "$node" "$sub" tally "$T/files/$w.$n.csv" || return 1
    add_text "$w" "$node" "$sub" reflection "Waited three seconds, lesson $n at $node." || return 1
    submit "$w" "$node" "$sub" || return 1
    # One in eight is withdrawn again, racing the assessor (PROTOCOL.md 11.3 (a)).
    [ $((RANDOM % 8)) = 0 ] || return 0
    try submission.withdraw "$sub"
    run_client "$w" "$node" submission withdraw "$sub" || return 1
    grep -q "$sub" "$T/led/$w.out" || return 1
    ack submission.withdraw "$sub" "$node"
}

# resubmit_one W NODE N: the oldest not-yet submission not tried yet is resubmitted (attempt n+1
# keeps the parts that met), gets a new reflection and is submitted.
resubmit_one() {
    local w=$1 node=$2 n=$3 prev sub kept k
    run_client "$w" "$node" submission list --state not-yet || return 1
    prev=$(awk 'NR > 1 && length($1) == 26 {print $1}' "$T/led/$w.out" |
        grep -vxF -f "$T/led/$w.resubmitted" | head -1 || true)
    [ -n "$prev" ] || return 0
    echo "$prev" >>"$T/led/$w.resubmitted"
    run_client "$w" "$node" submission resubmit "$prev" || return 1
    sub=$(id_out "$w")
    [ -n "$sub" ] || return 1
    ack submission.start "$sub" "$node"
    # "kept from the previous attempt: tally, video": one evidence.add event per kept part
    kept=$(sed -n 's/.*kept from the previous attempt: //p' "$T/led/$w.err")
    for k in ${kept//,/ }; do
        echo "try evidence.add $sub" >>"$LEDGER"
        ack evidence.add "$sub" "$node"
    done
    add_text "$w" "$node" "$sub" reflection "Attempt two at $node: I will keep waiting ($n)." ||
        return 1
    submit "$w" "$node" "$sub"
}

# kiosk_worker NODE: the kiosk client's calls at school NODE until the stop file appears.
kiosk_worker() {
    local node=$1 w=kiosk-$1 n=0
    trap - EXIT
    LEDGER="$T/led/$w.ledger"
    : >"$T/led/$w.resubmitted"
    while ! stopping; do
        n=$((n + 1))
        if [ $((n % 3)) = 0 ]; then
            resubmit_one "$w" "$node" "$n" || nap
        else
            one_submission "$w" "$node" "$n" || nap
        fi
        nap # a teacher's pace (and a bounded amount of evidence for the checks)
        nap
    done
    echo "$n" >"$T/led/$w.done"
}

# assessor_worker: at the hub, reviews the oldest queued submission (retrying it after a failure:
# a re-claim by the same assessor is allowed, a decided one is refused and left).
assessor_worker() {
    local w=assessor sub="" attempt part verdict outcome award i=0 decided=0
    trap - EXIT
    LEDGER="$T/led/$w.ledger"
    export CAIRN_AS="Rita Assessor"
    while ! stopping; do
        i=$((i + 1))
        if [ -z "$sub" ]; then
            run_client "$w" hub review queue || { nap; continue; }
            read -r sub attempt < <(awk 'NR > 1 && length($1) == 26 {print $1, $4; exit}' \
                "$T/led/$w.out") || true
            [ -n "$sub" ] || { sleep 0.2; continue; }
            outcome=meets
            [ "$attempt" = 1 ] && [ $((RANDOM % 2)) = 0 ] && outcome=not-yet
        fi
        try review.claim "$sub"
        if ! run_client "$w" hub review claim "$sub"; then
            grep -q "already decided\|is withdrawn" "$T/led/$w.err" && sub=""
            nap
            continue
        fi
        ack review.claim "$sub" hub
        for part in video tally reflection; do
            verdict=--meets
            [ "$outcome" = not-yet ] && [ "$part" = reflection ] && verdict=--not-yet
            try review.score "$sub"
            run_client "$w" hub review score "$sub" --part "$part" "$verdict" \
                --feedback "Part $part, pass $i." || continue 2
            ack review.score "$sub" hub
        done
        try review.decide "$sub"
        if ! run_client "$w" hub review decide "$sub"; then
            grep -q "already decided\|is withdrawn" "$T/led/$w.err" && sub=""
            nap
            continue
        fi
        ack review.decide "$sub" hub
        award=$(sed -n 's/.*decided meets: award \([0-9a-z]*\).*/\1/p' "$T/led/$w.out")
        if [ -n "$award" ]; then
            echo "try award.issue $award" >>"$LEDGER"
            ack award.issue "$award" hub "$sub"
        fi
        decided=$((decided + 1))
        sub=""
        nap
    done
    echo "$decided" >"$T/led/$w.done"
}

# publish VERSION: the hub publishes wait-time at VERSION (a catalog change set for every school).
publish() {
    local k
    catalog_variant "$1" "$T/files/catalog.$1.json"
    for k in 1 2 3; do
        try catalog.credential "wait-time@$1"
        if run_client "$w" hub catalog import "$T/files/catalog.$1.json"; then
            ack catalog.credential "wait-time@$1" hub
            return 0
        fi
        stopping && return 1
        sleep 0.5
    done
}

# usb_worker: a school's bundle to the hub, or the hub's to a school, every second or so; every
# fifth round instead the hub publishes a new version of wait-time.
usb_worker() {
    local w=usb n=0 s ok=0 b from to k
    trap - EXIT
    LEDGER="$T/led/$w.ledger"
    while ! stopping; do
        n=$((n + 1))
        sleep "1.$((RANDOM % 10))"
        if [ $((n % 5)) = 0 ]; then
            publish $((n / 5 + 1))
            continue
        fi
        s=a
        [ $((RANDOM % 2)) = 0 ] && s=b
        rm -f "$T"/stick/*
        b="$T/stick/$n.bundle"
        from=$s to=hub
        [ $((n % 2)) = 1 ] || { from=hub to=$s; }
        if [ $from = hub ]; then
            run_client "$w" hub bundle export --out "$b" --to "$s" || continue
        else
            run_client "$w" "$s" bundle export --out "$b" || continue
        fi
        # an import cut by a crash is retried with the same stick (twice)
        for k in 1 2 3; do
            if run_client "$w" $to bundle import "$b"; then ok=$((ok + 1)) && break; fi
            stopping && break
            sleep 0.5
        done
    done
    echo "$ok" >"$T/led/$w.done"
}

WORKERS=(kiosk-a kiosk-b assessor usb)
# (each worker's own stderr, e.g. bash reporting a client killed -9, goes to its log)
WPIDS=()
kiosk_worker a 2>>"$T/led/kiosk-a.log" &
WPIDS+=($!)
kiosk_worker b 2>>"$T/led/kiosk-b.log" &
WPIDS+=($!)
assessor_worker 2>>"$T/led/assessor.log" &
WPIDS+=($!)
usb_worker 2>>"$T/led/usb.log" &
WPIDS+=($!)
PIDS+=("${WPIDS[@]}")

# ---- the killer -----------------------------------------------------------------------------
# restart NODE: after 0-0.4 s; one restart in six is first killed -9 again 0-90 ms into its
# start-up (recovery itself interrupted), then started for good.
restart() {
    local pid
    sleep "0.$((RANDOM % 5))"
    if [ $((RANDOM % 6)) = 0 ]; then
        if [ "$1" = hub ]; then
            "$CAIRND" run --data "$T/hub" --listen 127.0.0.1:0 --sync-listen "127.0.0.1:$HUB_PORT" \
                >>"$T/hub.log" 2>&1 &
        elif [ "$1" = b ]; then
            "$CAIRND" run --data "$T/b" --listen 127.0.0.1:0 --lan-listen "127.0.0.1:$LP" \
                >>"$T/b.log" 2>&1 &
        else
            "$CAIRND" run --data "$T/$1" --listen 127.0.0.1:0 >>"$T/$1.log" 2>&1 &
        fi
        pid=$!
        sleep "0.0$((RANDOM % 10))"
        kill -9 $pid 2>/dev/null || true
        wait $pid 2>/dev/null || true
        K_STARTUP=$((K_STARTUP + 1))
    fi
    if [ "$1" = hub ]; then start_hub hub "$HUB_PORT"; else start_school "$1"; fi
}
# kill_client: kill -9 of one running client process (a pid file's process that is still `cairn`)
kill_client() {
    local i w pid start=$((RANDOM % ${#WORKERS[@]}))
    for i in $(seq 0 $((${#WORKERS[@]} - 1))); do
        w=${WORKERS[$(((start + i) % ${#WORKERS[@]}))]}
        pid=$(cat "$T/led/$w.pid" 2>/dev/null || true)
        [ -n "$pid" ] || continue
        [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = cairn ] || continue
        kill -9 "$pid" 2>/dev/null && return 0
    done
    return 1
}
K_HUB=0 K_A=0 K_B=0 K_CLIENT=0 K_STARTUP=0
kills=0
t0=$(date +%s)
while [ $kills -lt "$ITERS" ]; do
    ms=$((100 + RANDOM % 1401)) # 0.1 .. 1.5 s
    sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
    # a daemon that died by itself (a crash, a sanitizer report) is a failure, not a kill
    for n in hub a b; do
        pid_var=NODE_PID_$n
        kill -0 "${!pid_var}" 2>/dev/null || fail "cairnd $n died by itself (see $n.log)"
    done
    case $((RANDOM % 4)) in
        0) kill9_node hub; restart hub; K_HUB=$((K_HUB + 1)) ;;
        1) kill9_node a; restart a; K_A=$((K_A + 1)) ;;
        2) kill9_node b; restart b; K_B=$((K_B + 1)) ;;
        3)
            if kill_client; then K_CLIENT=$((K_CLIENT + 1)); else continue; fi
            ;;
    esac
    kills=$((kills + 1))
done
t1=$(date +%s)
echo "killer: $kills kills in $((t1 - t0)) s (hub $K_HUB, school-a $K_A, school-b $K_B, client $K_CLIENT;" \
    "and $K_STARTUP more during a restart's start-up)"
touch "$T/stop"
# The workers finish their current call and stop: bounded (a hung client is a failure).
for i in $(seq 1 600); do
    alive=0
    for p in "${WPIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
done
[ $alive = 0 ] || fail "a workload process did not stop within 60 s"
for w in "${WORKERS[@]}"; do
    [ -f "$T/led/$w.done" ] || fail "worker $w ended early (see $T/led/$w.err)"
done
echo "workload: kiosk-a $(cat "$T/led/kiosk-a.done") rounds, kiosk-b $(cat "$T/led/kiosk-b.done")" \
    "rounds, $(cat "$T/led/assessor.done") decisions, $(cat "$T/led/usb.done") bundles carried"

# ---- recovery -------------------------------------------------------------------------------
# Every daemon stops cleanly and starts again; then sync converges (bounded waits).
for n in a b hub; do stop_node $n; done
# nothing a sanitizer reported, in any daemon's or client's output
if grep -l "AddressSanitizer\|LeakSanitizer\|runtime error:" "$T"/*.log "$T"/led/* 2>/dev/null; then
    fail "a sanitizer report in the files above"
fi
# No daemon logged an ERROR or refused a peer or a change set during the whole run: a crash must
# never make a peer's events look forged, out of order or unauthorised. (A chunk that failed its
# hash and was fetched again is allowed, and counted.)
if grep -hE " ERROR | refused: |change set for .* refused" "$T"/*.log >"$T/log.errors"; then
    head -5 "$T/log.errors" >&2
    fail "$(wc -l <"$T/log.errors") error or refusal lines in the daemon logs"
fi
rehashed=$(cat "$T"/*.log | grep -c "failed its hash check" || true)
start_hub hub "$HUB_PORT"
for s in a b; do start_school $s; done
cat "$T"/led/*.ledger >"$T/ledger"
for s in a b; do
    p=PART_${s^^}
    wait_hash_equal hub $s catalog 60 || fail "catalog state hash of school $s did not converge"
    wait_hash_equal hub $s "${!p}" 90 || fail "partition of school $s did not converge at the hub"
done
# The hub holds every acknowledged file once chunk sync has caught up, but for files only a
# withdrawn submission holds: the hub does not fetch those (PROTOCOL.md 8.3, chunk_plan.c).
db hub "SELECT DISTINCT lower(hex(e.hash)) FROM evidence e JOIN submissions s ON s.id = e.submission
        WHERE e.type = 'file' AND s.state != 'withdrawn'" | sort -u >"$T/needed"
awk '$1 == "file" {print $5}' "$T/ledger" | sort -u | comm -12 - "$T/needed" >"$T/hashes"
while read -r h; do
    wait_complete hub "$h" 120 || {
        c hub status >&2
        db hub "SELECT s.id, s.state, e.part FROM evidence e JOIN submissions s ON s.id = e.submission
                WHERE e.hash = x'$h'" >&2
        fail "file $h did not reach the hub"
    }
done <"$T/hashes"
pass "converged: state hashes equal, $(wc -l <"$T/hashes") distinct files complete at the hub"
# What each school's status says agrees: nothing left for the hub (its stored vectors survived).
for s in a b; do
    for i in $(seq 1 100); do
        c $s status | grep -Eq '^lag +0 events the hub lacks' && break
        sleep 0.1
    done
    c $s status | grep -Eq '^lag +0 events the hub lacks' ||
        fail "school $s's status still shows a lag: $(c $s status | grep '^lag')"
done
# No temporary debris after a clean restart, and no partial chunk file at the hub once every
# file is complete.
for n in a b hub; do
    [ -z "$(ls -A "$T/$n/blobs/tmp")" ] || fail "temporary files left at $n: $(ls "$T/$n/blobs/tmp")"
done
[ -z "$(ls -A "$T/hub/blobs/partial")" ] || fail "partial chunk files left at the hub"
pass "status shows no lag at either school; no temporary or partial files left"
for n in a b hub; do stop_node $n; done

# ---- checks (daemons stopped) ---------------------------------------------------------------
# Events: per (type, entity), what each node holds against what was acknowledged and tried.
for n in a b hub; do
    db $n "SELECT type, entity, count(*) FROM events GROUP BY type, entity" | tr '|' ' ' >"$T/ev.$n"
    db $n "SELECT submission, part, lower(hex(hash)) FROM evidence WHERE type = 'file'" |
        tr '|' ' ' >"$T/evid.$n"
done
read -r acked lost dup unacked landed < <(awk -v A="$T/ev.a" -v B="$T/ev.b" -v H="$T/ev.hub" '
    function load(f, n,   t, e, k) { while ((getline < f) > 0) held[n, $1 " " $2] = $3 }
    BEGIN { load(A, "a"); load(B, "b"); load(H, "hub") }
    $1 == "try" { tries[$2 " " $3]++ }
    $1 == "ack" { k = $2 " " $3; acks[k]++; node[k] = $4; sub_of[k] = ($5 != "" ? $5 : $3)
                  if ($2 == "submission.start") owner[$3] = $4 }
    END {
        for (k in acks) {
            # educator.add and submission.start ids are new per call: tried exactly once each
            t = (k in tries) ? tries[k] : acks[k]
            if (t < acks[k]) t = acks[k]
            home = node[k] == "hub" ? owner[sub_of[k]] : node[k]
            if (k ~ /^catalog\./) home = "a b"
            if (home == "") { print "no school for " k > "/dev/stderr"; lost++; continue }
            nw = split(home " hub", where, " ")
            for (i = 1; i <= nw; i++) {
                h = held[where[i], k] + 0
                if (h < acks[k]) { print "LOST at " where[i] ": " k " held " h " acked " acks[k] > "/dev/stderr"; lost++ }
                if (h > t) { print "DUP at " where[i] ": " k " held " h " tried " t > "/dev/stderr"; dup++ }
            }
            # unacknowledged calls whose event the daemon had committed (allowed, counted)
            if (held["hub", k] > acks[k]) landed += held["hub", k] - acks[k]
            unacked += t - acks[k]
            n += acks[k]
        }
        print n + 0, lost + 0, dup + 0, unacked + 0, landed + 0
    }' "$T/ledger")
[ "$acked" -gt 0 ] || fail "no acknowledged event at all"
[ "$lost" = 0 ] || fail "$lost acknowledged events lost"
[ "$dup" = 0 ] || fail "$dup events duplicated"
pass "$acked acknowledged events: each at its school and at the hub, 0 lost, 0 dup" \
    "($unacked unacknowledged tries of those keys, $landed of them committed anyway)"

# Files: the evidence row names the file hash at the school and the hub; blob-cat there gives the
# source's bytes, whose file hash is the manifest hash; every chunk hashes to its name.
files=0 badh=0
while read -r _ node sub part h f; do
    for n in "$node" hub; do
        grep -qxF "$sub $part $h" "$T/evid.$n" ||
            { echo "evidence $sub $part at $n is not $h" >&2; badh=$((badh + 1)); }
    done
    files=$((files + 1))
done < <(awk '$1 == "file"' "$T/ledger")
awk '$1 == "file" {print $2, $5, $6}' "$T/ledger" | sort -u -k1,2 >"$T/blobs"
while read -r node h f; do
    for n in "$node" hub; do
        [ "$n" = hub ] && ! grep -qxF "$h" "$T/hashes" && continue # only withdrawn ones hold it
        # equal to the source, whose file hash was taken when it was acknowledged: so the
        # output's file hash is the manifest hash
        if ! "$CAIRND" blob-cat --data "$T/$n" "$h" 2>"$T/back.err" | cmp -s - "$f"; then
            echo "blob $h at $n differs from its source: $(cat "$T/back.err")" >&2
            badh=$((badh + 1))
        fi
    done
done <"$T/blobs"
chunks=0
for n in a b hub; do
    bc=$(bad_chunks $n)
    [ "$bc" = 0 ] || echo "$bc chunk files at $n do not hash to their name" >&2
    badh=$((badh + bc))
    chunks=$((chunks + $(chunk_count $n)))
done
[ "$badh" = 0 ] || fail "$badh bad evidence hashes or blobs"
shared=$(grep -cE "^file . [0-9a-z]+ video ($SHARED_BIG|$SHARED_SMALL) " "$T/ledger" || true)
pass "$files acknowledged files ($shared of the two shared ones) intact at their school and the hub; $chunks chunk files verified"

# The projections of each school's partition are the same at the school and at the hub, and every
# awarded submission has exactly one award (a decision and its award are one transaction); a
# withdrawn one may hold a void award (a withdrawal that came first, PROTOCOL.md 11.3).
for s in a b; do
    q="SELECT s.id, s.attempt, s.state, e.part, lower(hex(e.hash)), e.size, a.id, a.achievement
       FROM submissions s LEFT JOIN evidence e ON e.submission = s.id
       LEFT JOIN awards a ON a.submission = s.id
       WHERE s.origin = X'$(node_id $s)' ORDER BY 1, 4, 7"
    db $s "$q" >"$T/proj.$s"
    db hub "$q" >"$T/proj.hub.$s"
    cmp -s "$T/proj.$s" "$T/proj.hub.$s" ||
        { diff "$T/proj.$s" "$T/proj.hub.$s" | head >&2; fail "school $s's projections differ at the hub"; }
    for n in $s hub; do
        odd=$(db $n "SELECT count(*) FROM submissions s WHERE s.origin = X'$(node_id $s)' AND
            s.state != 'withdrawn' AND
            (s.state = 'awarded') != ((SELECT count(*) FROM awards a WHERE a.submission = s.id) = 1)")
        assert_eq "$odd" 0 "submissions of $s at $n whose award count does not match their state"
    done
done
pass "each school's submissions, evidence and awards are the same at the school and the hub"

# Rebuild on a copy of each stopped node: projections equal to the live ones.
for n in a b hub; do
    mkdir "$T/copy-$n"
    (cd "$T/$n" && tar --exclude=./blobs -cf - .) | (cd "$T/copy-$n" && tar -xf -)
    out=$("$CAIRND" rebuild --data "$T/copy-$n") || fail "rebuild of $n: $out"
    assert_contains "$out" "equal: yes" "rebuild of $n"
done
pass "rebuild equal on 3 nodes"

# State hashes.
for p in catalog "$PART_A"; do assert_eq "$(state_hash a "$p")" "$(state_hash hub "$p")" "state hash a/hub $p"; done
for p in catalog "$PART_B"; do assert_eq "$(state_hash b "$p")" "$(state_hash hub "$p")" "state hash b/hub $p"; done
pass "state-hash agrees: catalog and each school partition at the school and the hub"

if grep -l "AddressSanitizer\|LeakSanitizer\|runtime error:" "$T"/*.log "$T"/led/* 2>/dev/null; then
    fail "a sanitizer report in the files above"
fi
echo "crash loop: $kills kills (hub $K_HUB, school-a $K_A, school-b $K_B, client $K_CLIENT;" \
    "+$K_STARTUP in start-up);" \
    "$acked acked events, $lost lost, $dup dup; $files files, $badh bad hashes" \
    "($rehashed chunks refetched after a failed hash check);" \
    "rebuild equal on 3 nodes; state-hash agree"
