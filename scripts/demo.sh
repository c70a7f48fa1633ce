#!/bin/bash
# demo.sh: README command 1. Installs what is missing, builds, and walks one teacher's submission
# through a school box on loopback: init, start cairnd, import the sample catalog, add an educator,
# start a submission, upload a generated 50 MiB classroom "video", a tally and a reflection,
# submit, show it and the daemon's status, then stop the daemon cleanly.
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
echo; echo "demo finished: a submission went from evidence to 'submitted' on a school box."
