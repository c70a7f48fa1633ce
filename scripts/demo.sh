#!/bin/bash
# demo.sh: README command 1. Installs what is missing, builds, and walks one teacher's submission
# through a school box on loopback: init, start cairnd, import the sample catalog, add an educator,
# start a submission, upload a generated 50 MiB classroom "video", a tally and a reflection,
# submit, show it and the daemon's status, then stop the daemon cleanly. Then a regional hub:
# enrol a second school with a token, the catalog flows down to it, a submission (with a 5 MiB
# video) flows up with `cairn sync now`, status and equal state hashes on both sides. Then the
# review loop: an assessor at the hub claims, scores not-yet with feedback and decides; Ridge sees
# the feedback, resubmits keeping what met; the hub decides meets and the award reaches Ridge as
# a signed Open Badges 3.0 credential, exported to demo-output/badge.json, verified with
# `cairn badge verify` (against the synced revocation list, then with no daemon), with its QR code
# (demo-output/badge-qr.png and in the terminal) and an "Add to LinkedIn" URL.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build
CAIRND=$PWD/build/daemon/cairnd
CAIRN=$PWD/build/client/cairn
SHARED=${CAIRN_SHARED:-$(cd .. && pwd)/shared}

D=$(mktemp -d /tmp/cairn-demo.XXXXXX)
trap '[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null; rm -rf "$D"' EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

step "A school box: create its data dir and identity, start cairnd"
run "$CAIRND" init --role school --data "$D/school" --name "Hillside Primary"
"$CAIRND" run --data "$D/school" 2>"$D/cairnd.log" &
DPID=$!
export CAIRN_DATA=$D/school
for _ in $(seq 1 100); do "$CAIRN" status >/dev/null 2>&1 && break; sleep 0.05; done

step "Import the sample catalog (twice: the second import changes nothing)"
run "$CAIRN" catalog import "$SHARED/data/catalog.json"
run "$CAIRN" catalog import "$SHARED/data/catalog.json"
run "$CAIRN" catalog list --stack questioning-discourse
run "$CAIRN" catalog show wait-time

step "A teacher starts a submission for Wait Time"
ED=$(run "$CAIRN" educator add --name "Ada Okafor" --email ada@hillside.example --role teacher)
echo "$ED"
SUB=$(run "$CAIRN" submission start --educator "$ED" --credential wait-time)
echo "$SUB"

step "Evidence: a 50 MiB classroom video, a response tally, a reflection"
head -c $((50 * 1024 * 1024)) /dev/urandom >"$D/questioning-lesson.mp4"
printf 'student,before,after\nA,1,3\nB,0,2\nC,2,4\n' >"$D/tally.csv"
run "$CAIRN" evidence add "$SUB" --part video "$D/questioning-lesson.mp4"
run "$CAIRN" evidence add "$SUB" --part tally "$D/tally.csv"
printf '$ %s\n' "$CAIRN submission submit $SUB    # refused: the reflection is missing"
"$CAIRN" submission submit "$SUB" || true
run "$CAIRN" evidence add "$SUB" --part reflection --text "After I started waiting three seconds, \
twice as many students answered, and their answers were longer. I will keep both pauses."
run "$CAIRN" evidence add "$SUB" --part video "$D/questioning-lesson.mp4"

step "Submit, and look at it"
run "$CAIRN" submission submit "$SUB"
run "$CAIRN" submission show "$SUB"
run "$CAIRN" submission list
run "$CAIRN" status

step "Stop cairnd cleanly (SIGTERM)"
kill -TERM "$DPID"; wait "$DPID"; DPID=
tail -n 3 "$D/cairnd.log"
run "$CAIRND" rebuild --data "$D/school"
echo; echo "school part finished: a submission went from evidence to 'submitted' on a school box."

# ---- A regional hub: enrol a second school, the catalog flows down, a submission flows up. ----
trap 'for p in ${DPID:-} ${HPID:-} ${RPID:-}; do kill -9 "$p" 2>/dev/null; done; rm -rf "$D"' EXIT
HUB=$D/hub
RIDGE=$D/ridge

step "A regional hub: init, start it with a sync listener, import the catalog there"
run "$CAIRND" init --role hub --data "$HUB" --name "Valley Region Hub"
printf '$ %s\n' "$CAIRND run --data $HUB --listen 127.0.0.1:0 --sync-listen 127.0.0.1:0 &" >&2
"$CAIRND" run --data "$HUB" --listen 127.0.0.1:0 --sync-listen 127.0.0.1:0 2>"$D/hub.log" &
HPID=$!
for _ in $(seq 1 100); do
    [ -s "$HUB/cairnd.sync-port" ] && "$CAIRN" --data "$HUB" status >/dev/null 2>&1 && break
    sleep 0.05
done
SYNC_PORT=$(cat "$HUB/cairnd.sync-port")
echo "hub sync listener on 127.0.0.1:$SYNC_PORT"
run "$CAIRN" --data "$HUB" catalog import "$SHARED/data/catalog.json"

step "Enrol Ridge School: a one-time token from the hub, joined by the new school box"
run "$CAIRND" enroll create --data "$HUB" --school "Ridge School" --address "127.0.0.1:$SYNC_PORT" \
    --out "$D/ridge.token" >/dev/null
echo "token written to $D/ridge.token (mode $(stat -c %a "$D/ridge.token"); it is a secret: not shown)"
run "$CAIRND" init --role school --data "$RIDGE" --name "Ridge School"
run "$CAIRND" enroll join --data "$RIDGE" "$D/ridge.token"
run "$CAIRND" enroll list --data "$HUB"
printf '$ %s\n' "$CAIRND run --data $RIDGE --listen 127.0.0.1:0 &" >&2
"$CAIRND" run --data "$RIDGE" --listen 127.0.0.1:0 2>"$D/ridge.log" &
RPID=$!
for _ in $(seq 1 100); do "$CAIRN" --data "$RIDGE" status >/dev/null 2>&1 && break; sleep 0.05; done

step "The catalog arrives at Ridge School from the hub (and can no longer be imported there)"
for _ in $(seq 1 100); do
    "$CAIRN" --data "$RIDGE" catalog list 2>/dev/null | grep -q wait-time && break
    sleep 0.05
done
run "$CAIRN" --data "$RIDGE" catalog list --stack questioning-discourse
printf '$ %s\n' "$CAIRN --data $RIDGE catalog import $SHARED/data/catalog.json    # refused" >&2
"$CAIRN" --data "$RIDGE" catalog import "$SHARED/data/catalog.json" || true

step "A Ridge teacher submits: a reflection, a small document and a 5 MiB video"
ED2=$(run "$CAIRN" --data "$RIDGE" educator add --name "Sam Whitlow" --role teacher)
echo "$ED2"
SUB2=$(run "$CAIRN" --data "$RIDGE" submission start --educator "$ED2" --credential wait-time)
echo "$SUB2"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$D/ridge-lesson.mp4"
printf 'student,before,after\nA,0,2\nB,1,3\n' >"$D/ridge-tally.csv"
run "$CAIRN" --data "$RIDGE" evidence add "$SUB2" --part video "$D/ridge-lesson.mp4"
run "$CAIRN" --data "$RIDGE" evidence add "$SUB2" --part tally "$D/ridge-tally.csv"
run "$CAIRN" --data "$RIDGE" evidence add "$SUB2" --part reflection --text "Waiting longer \
let the quiet students answer too."
run "$CAIRN" --data "$RIDGE" submission submit "$SUB2"

step "Sync now, and the submission is at the hub"
run "$CAIRN" --data "$RIDGE" sync now
run "$CAIRN" --data "$HUB" submission list

step "The video's bytes follow the events to the hub, chunk by chunk (resumable, verified)"
for _ in $(seq 1 200); do
    "$CAIRN" --data "$HUB" evidence list "$SUB2" 2>/dev/null | grep -q complete && break
    sleep 0.05
done
run "$CAIRN" --data "$RIDGE" evidence list "$SUB2"
run "$CAIRN" --data "$HUB" evidence list "$SUB2"
run "$CAIRN" --data "$HUB" evidence get "$SUB2" video --out "$D/at-hub.mp4"
cmp "$D/ridge-lesson.mp4" "$D/at-hub.mp4" && echo "the assessor's copy is byte for byte the teacher's"

step "Status at both ends"
run "$CAIRN" --data "$RIDGE" status
run "$CAIRN" --data "$HUB" status

step "State hashes of both partitions, on both sides (equal)"
PART="school:$(cat "$RIDGE/identity.pub")"
for p in catalog "$PART"; do
    h1=$(run "$CAIRND" state-hash --data "$RIDGE" --partition "$p")
    h2=$(run "$CAIRND" state-hash --data "$HUB" --partition "$p")
    echo "ridge $h1"
    echo "hub   $h2"
    [ "$h1" = "$h2" ] || { echo "state hashes of $p differ" >&2; exit 1; }
done

step "Review at the hub: an assessor works the queue (PROTOCOL.md section 11)"
run "$CAIRN" --data "$HUB" educator add --name "Rita Okoye" --role assessor
export CAIRN_AS="Rita Okoye"
echo "acting as \$CAIRN_AS=$CAIRN_AS"
run "$CAIRN" --data "$HUB" review queue
run "$CAIRN" --data "$HUB" review claim "$SUB2"
run "$CAIRN" --data "$HUB" review show "$SUB2"
run "$CAIRN" --data "$HUB" review score "$SUB2" --part video --meets --feedback "Clear pauses after \
questions and after answers."
run "$CAIRN" --data "$HUB" review score "$SUB2" --part tally --meets
run "$CAIRN" --data "$HUB" review score "$SUB2" --part reflection --not-yet --feedback "Cite one \
moment from the video and name a concrete next step."
run "$CAIRN" --data "$HUB" review decide "$SUB2"

step "Feedback reaches Ridge School; the teacher resubmits, keeping the parts that met"
run "$CAIRN" --data "$RIDGE" sync now
run "$CAIRN" --data "$RIDGE" submission show "$SUB2"
SUB3=$(run "$CAIRN" --data "$RIDGE" submission resubmit "$SUB2")
echo "$SUB3"
run "$CAIRN" --data "$RIDGE" evidence add "$SUB3" --part reflection --text "At minute 4 Mia \
answered after a long pause; next week I will also wait after answers and tally both lessons."
run "$CAIRN" --data "$RIDGE" submission submit "$SUB3"
run "$CAIRN" --data "$RIDGE" sync now

step "The hub reviews attempt 2 (only the new part needs a score) and issues the award"
run "$CAIRN" --data "$HUB" review queue
run "$CAIRN" --data "$HUB" review claim "$SUB3"
run "$CAIRN" --data "$HUB" review score "$SUB3" --part reflection --meets --feedback "Specific \
and actionable."
run "$CAIRN" --data "$HUB" review decide "$SUB3"

step "The award reaches Ridge School"
run "$CAIRN" --data "$RIDGE" sync now
run "$CAIRN" --data "$RIDGE" submission show "$SUB3"
run "$CAIRN" --data "$RIDGE" submission list
h1=$("$CAIRND" state-hash --data "$RIDGE" --partition "$PART")
h2=$("$CAIRND" state-hash --data "$HUB" --partition "$PART")
echo "ridge $h1"; echo "hub   $h2"
[ "$h1" = "$h2" ] || { echo "state hashes of $PART differ after the review" >&2; exit 1; }

step "The badge: a signed Open Badges 3.0 credential, at Ridge School, verified offline"
OUT=$PWD/demo-output
mkdir -p "$OUT"
rm -f "$OUT/badge.json" "$OUT/badge-qr.png"
run "$CAIRN" --data "$RIDGE" badge list
AWARD=$("$CAIRN" --data "$RIDGE" badge list | awk 'NR == 1 { print $1 }')
run "$CAIRN" --data "$RIDGE" badge export "$AWARD" --out "$OUT/badge.json"
echo "(checked against the revocation list Ridge last synced from the hub:)"
run "$CAIRN" --data "$RIDGE" badge verify "$OUT/badge.json"
echo "(and with no daemon at all, as any verifier would:)"
run env -u CAIRN_DATA "$CAIRN" badge verify "$OUT/badge.json" | head -n 2
run "$CAIRN" badge qr "$OUT/badge.json" --png "$OUT/badge-qr.png" --terminal
run "$CAIRN" badge linkedin "$OUT/badge.json"

step "Stop both cleanly (SIGTERM)"
kill -TERM "$RPID" "$HPID"
wait "$RPID"; RPID=
wait "$HPID"; HPID=
tail -n 1 "$D/ridge.log" "$D/hub.log"
echo; echo "demo finished: a school box took a teacher's submission to 'submitted'; a hub enrolled" \
    "a second school, sent it the catalog, received its submission, reviewed it (not-yet, then" \
    "meets on attempt 2) and its award reached the school, with equal state hashes. The signed" \
    "badge and its QR code are in $OUT (badge.json, badge-qr.png)."
