#!/bin/bash
# The staff-room kiosk, driven through a pseudo-terminal (kiosk_drive.py) against a real daemon:
# a wrong PIN is counted, five lock a name with the end time shown, the right PIN signs in, the
# teacher sees her submission, adds two files from a "USB stick" folder with a progress bar and a
# text, submits, accepts a recommendation, is signed out when idle; a leader sees the staff
# summary. Then the CLI confirms what the kiosk did, and no PIN reached the log or the hub-bound
# event log.
source "$(dirname "$0")/lib.sh"
: "${CAIRN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"

init_node school school
start_node school
c school catalog import "$CATALOG" >/dev/null
ada=$(c school educator add --name "Ada Okafor" --role teacher | tr -d '[:space:]')
c school educator add --name "Ben Leader" --role leader >/dev/null
c school educator add --name "Cy Colleague" --role teacher >/dev/null
echo 2468 | c school educator pin "Ada Okafor" >/dev/null
echo 1357 | c school educator pin "Ben Leader" >/dev/null
echo 9999 | c school educator pin "Cy Colleague" >/dev/null
expect_fail "a PIN is 4 to 12 digits" bash -c "echo 12ab | '$CAIRN' --data '$T/school' educator pin 'Ada Okafor'"
expect_fail "no educator named or with id 'Nobody'" bash -c "echo 1234 | '$CAIRN' --data '$T/school' educator pin Nobody"
sub=$(c school submission start --educator "$ada" --credential wait-time | tr -d '[:space:]')
c school recommend --to "Ada Okafor" --credential accountable-talk --as "Ben Leader" \
    --note "Try this with your Year 5 class" >/dev/null
mkdir -p "$T/usb"
make_file "$T/usb/lesson.mp4" 3
printf 'name,answers\nA,3\nB,5\n' >"$T/usb/tally.csv"
pass "school ready: three educators with PINs, a draft, a recommendation, a USB folder"

python3 "$CAIRN_SRC/tests/integration/kiosk_drive.py" "$CAIRN" "$T/school" "$T/usb"

# What the kiosk did, seen from the CLI.
show=$(c school submission show "$sub")
assert_contains "$show" "submitted" "state after the kiosk"
assert_contains "$show" "lesson.mp4" "video from the USB folder"
assert_contains "$show" "tally.csv" "tally from the USB folder"
"$CAIRND" blob-cat --data "$T/school" "$(file_hash "$T/usb/lesson.mp4")" >"$T/back.mp4"
cmp -s "$T/usb/lesson.mp4" "$T/back.mp4" || fail "the stored video differs from the stick's"
assert_contains "$(c school recommendations --state accepted)" "accountable-talk" "accepted at the kiosk"
pass "the CLI sees the kiosk's submission, evidence and answer"

# PINs stay at the school: no event carries one, the log never shows one.
assert_eq "$(db school "SELECT count(*) FROM educator_pins")" 3 "PIN rows"
assert_eq "$(db school "SELECT count(*) FROM events WHERE type LIKE '%pin%' OR type LIKE '%signin%'")" 0 "PIN events"
db school "SELECT hash FROM educator_pins" | grep -q '^\$argon2id\$' || fail "PINs are not Argon2id hashes"
for p in 2468 1357 9999 1111 0000; do
    grep -q "$p" "$T/school.log" && fail "a PIN ($p) is in the daemon log"
done
pass "PIN hashes are Argon2id, local only, never logged"
