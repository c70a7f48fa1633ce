#!/bin/bash
# Full disk during sync (issue 8, item 3), with real daemons; the full data dirs live on small
# tmpfs mounts of their own (needs root, as CI runs).
#  (a) the HUB's disk fills while a school's evidence chunks and events arrive: the hub logs a
#      clear error, keeps nothing half-written (no temp debris, every stored chunk verifies, no
#      event half-applied: `cairnd rebuild` finds the projections equal), the school keeps
#      everything and retries without a busy loop (log lines counted), and once space is freed
#      the file arrives whole (hash equal) and the events too;
#  (b) a SCHOOL's disk full while the hub sends it events (a catalog change) and while its own
#      teachers add evidence: clear client errors, nothing partly applied, and after freeing
#      space the catalog arrives and the upload works;
#  (c) a bundle imported into a full hub: a clear error, nothing applied, and after freeing
#      space the same bundle imports.
source "$(dirname "$0")/sync_lib.sh"

mkdir "$T/hub" "$T/full"
mount -t tmpfs -o size=48m,mode=0700 tmpfs "$T/hub" || fail "cannot mount a tmpfs (run as root)"
mount -t tmpfs -o size=40m,mode=0700 tmpfs "$T/full" || { umount -l "$T/hub"; fail "cannot mount a second tmpfs"; }
before_cleanup() { umount -l "$T/hub"; umount -l "$T/full"; }

settings() { # NODE: no disk reserve, quick but bounded reconnects
    printf '\n' >>"$T/$1/cairnd.conf"
    sed -i "s/^#* *disk_reserve *=.*/disk_reserve = 0/; s/^# reconnect_min_ms = 500/reconnect_min_ms = 200/; s/^# reconnect_max_ms = 60000/reconnect_max_ms = 3000/" "$T/$1/cairnd.conf"
}
fill() { dd if=/dev/zero of="$1/filler" bs=64k 2>/dev/null || true; sync; } # until ENOSPC
debris() { find "$T/$1/blobs/tmp" -type f 2>/dev/null | wc -l; }
lines() { wc -l <"$T/$1.log"; }
wait_for() { # SECONDS COMMAND...: polls until COMMAND succeeds
    local i n=$(($1 * 10))
    shift
    for i in $(seq 1 $n); do "$@" && return 0; sleep 0.1; done
    return 1
}

init_node hub hub
settings hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
init_node school school
settings school
enrol school hub
start_node school
wait_catalog school 1 10 || fail "catalog did not reach the school"
psch="school:$(node_id school)"

# (a) The hub's disk fills mid-transfer. Stop the school, queue a 24 MiB video, fill the hub's
# disk but for ~6 MiB, and start the school: the transfer meets ENOSPC after a few chunks.
stop_node school
point() { local k; read -r k _ <"$T/school/hub.peer"; echo "$k 127.0.0.1:$1" >"$T/school/hub.peer"; }
point 9
start_node school
ed=$(c school educator add --name "Ada Full" | tr -d '[:space:]')
sub=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
make_file "$T/video.mp4" 24
c school evidence add "$sub" --part video "$T/video.mp4" >/dev/null
printf 'name,answers\nA,3\n' >"$T/tally.csv"
c school evidence add "$sub" --part tally "$T/tally.csv" >/dev/null
c school evidence add "$sub" --part reflection --text "Waited." >/dev/null
c school submission submit "$sub" >/dev/null
stop_node school
free_kib=$(df --output=avail -k "$T/hub" | tail -1)
head -c "$(( (free_kib - 6 * 1024) * 1024 ))" /dev/zero >"$T/hub/filler"
point "$HUB_PORT"
h0=$(lines hub)
s0=$(lines school)
start_node school
# Let it run into the full disk for a while, then measure the retries over 6 s.
wait_for 20 grep -q "No space left on device\|disk reserve is reached\|SQLITE_FULL\|disk is full\|no space" "$T/hub.log" ||
    fail "the hub logged no clear full-disk error"
err=$(grep -o "No space left on device\|disk reserve is reached[^\"]*\|disk is full[^\"]*\|no space[^\"]*" "$T/hub.log" | head -1)
fill "$T/hub" # whatever space was left by chunks adopted meanwhile
# An event made now meets the full disk at the hub (its change set cannot be committed there).
c school educator add --name "Added while the hub is full" >/dev/null
sleep 4
h1=$(lines hub)
s1=$(lines school)
sleep 6
h2=$(lines hub)
s2=$(lines school)
sessions=$(tail -n +$((h1 + 1)) "$T/hub.log" | grep -c "session up" || true)
echo "on a full hub, in 6 s: $sessions sessions, hub log +$((h2 - h1)) lines, school log +$((s2 - s1))"
# Refused sessions back off (reconnect_max_ms = 3000 here: ~2 per 6 s once grown); a reset
# backoff reconnects every reconnect_min_ms (200 ms: ~30 per 6 s).
[ "$sessions" -le 8 ] || fail "$sessions sessions in 6 s against a full hub: a busy loop"
[ $((h2 - h1)) -le 50 ] || fail "the hub logged $((h2 - h1)) lines in 6 s: a busy loop"
[ $((s2 - s1)) -le 30 ] || fail "the school logged $((s2 - s1)) lines in 6 s: a busy loop"
assert_eq "$(debris hub)" 0 "temp files in the hub's blobs/tmp on a full disk"
n=$(verify_chunks hub)
c hub status >/dev/null || fail "the hub died on a full disk"
c school status >/dev/null || fail "the school died"
# The school keeps everything: its file and events are intact.
"$CAIRND" blob-cat --data "$T/school" "$(file_hash "$T/video.mp4")" | cmp -s - "$T/video.mp4" ||
    fail "the school's copy of the video changed"
pass "(a) full hub mid-transfer: '$err', $n whole chunks kept, no debris, bounded retries"

rm -f "$T/hub/filler"
wait_hash_equal hub school "$psch" 30 || fail "the events did not reach the hub after freeing space"
hfile=$(file_hash "$T/video.mp4")
wait_for 60 sh -c "\"$CAIRND\" blob-cat --data \"$T/hub\" $hfile >\"$T/back.mp4\" 2>/dev/null" ||
    fail "the video did not complete at the hub after freeing space"
cmp -s "$T/video.mp4" "$T/back.mp4" || fail "the video at the hub differs"
assert_eq "$(db hub "SELECT count(*) FROM educators WHERE name='Added while the hub is full'")" 1 \
    "an event made while the hub was full, at the hub"
verify_chunks hub >/dev/null
pass "(a) space freed: the video arrived whole (hash equal) and the events too"

# (c) A bundle into a full hub: a second school, offline, carries a submission on a stick.
init_node usb school
settings usb
enrol usb hub
start_node usb
wait_catalog usb 1 10 || fail "catalog did not reach the stick school"
stop_node usb
read -r k _ <"$T/usb/hub.peer"
echo "$k 127.0.0.1:9" >"$T/usb/hub.peer"
start_node usb
ed=$(c usb educator add --name "Stick Teacher" | tr -d '[:space:]')
sub2=$(c usb submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
c usb evidence add "$sub2" --part reflection --text "$(head -c 60000 /dev/zero | tr '\0' 'x')" >/dev/null
for i in $(seq 1 30); do c usb educator add --name "Stick colleague $i" >/dev/null; done
c usb bundle export --out "$T/usb.bundle" >/dev/null
before=$(db hub "SELECT count(*) FROM events")
fill "$T/hub"
rc=0
refusal=$(c hub bundle import "$T/usb.bundle" 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "a bundle was imported into a full disk"
echo "bundle import on a full hub: $refusal"
assert_contains "$refusal" "no space left" "the refusal of a bundle on a full disk"
assert_eq "$(db hub "SELECT count(*) FROM events")" "$before" "hub events after a refused import"
assert_eq "$(db hub "SELECT count(*) FROM bundles_seen")" 0 "bundles recorded after a refused import"
rm -f "$T/hub/filler"
out=$(c hub bundle import "$T/usb.bundle") || fail "the bundle did not import after freeing space"
assert_contains "$out" "events applied" "import after freeing space"
assert_eq "$(state_hash hub "school:$(node_id usb)")" "$(state_hash usb "school:$(node_id usb)")" \
    "the stick school's partition at the hub"
pass "(c) bundle into a full hub: refused ($refusal), nothing applied; imports once freed"

# The hub's projections are what its log says (nothing half-applied while it was full).
stop_node hub
out=$("$CAIRND" rebuild --data "$T/hub" 2>&1) || fail "rebuild at the hub: $out"
assert_contains "$out" "equal: yes" "rebuild at the hub after the full-disk episodes"
start_hub hub "$HUB_PORT"
pass "(a, c) cairnd rebuild at the hub: projections equal to the log"

# (b) A school whose own disk is full. It lives on its own tmpfs ($T/full).
stop_node school
init_node full school
settings full
enrol full hub
start_node full
wait_catalog full 1 10 || fail "catalog did not reach the full school"
ed=$(c full educator add --name "Full School Teacher" | tr -d '[:space:]')
sub3=$(c full submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
fill "$T/full"
# The hub publishes a catalog change while the school's disk is full.
python3 - "$CATALOG" "$T/catalog2.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["credentials"]:
    c["title"] = c["title"] + " (2027)"
json.dump(d, open(sys.argv[2], "w"))
EOF
c hub catalog import "$T/catalog2.json" >/dev/null
sleep 3
fb=$(db full "SELECT count(*) FROM events")
# Teachers keep working: a file upload and a text part get clear errors.
make_file "$T/small.mp4" 3
rc=0
out=$(c full evidence add "$sub3" --part video "$T/small.mp4" 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "an upload succeeded on a full school disk"
echo "upload on a full school: $out"
assert_contains "$out" "space" "client error for an upload on a full disk"
rc=0
out2=$(c full evidence add "$sub3" --part reflection --text "$(head -c 60000 /dev/zero | tr '\0' 'y')" 2>&1) || rc=$?
echo "text evidence on a full school: rc=$rc $out2"
[ "$rc" -ne 0 ] || fail "a 60 KB text part was stored on a full school disk"
assert_eq "$(db full "SELECT count(*) FROM events")" "$fb" "school events after refused evidence"
c full status >/dev/null || fail "the school died on a full disk"
assert_eq "$(debris full)" 0 "temp files at the full school"
verify_chunks full >/dev/null
l0=$(lines full)
sleep 5
echo "log lines in 5 s at a full school: $(( $(lines full) - l0 ))"
[ $(( $(lines full) - l0 )) -le 25 ] || fail "the full school logged $(( $(lines full) - l0 )) lines in 5 s"
rm -f "$T/full/filler"
wait_hash_equal hub full catalog 30 || fail "the catalog change did not reach the school after freeing space"
c full evidence add "$sub3" --part video "$T/small.mp4" >/dev/null || fail "upload after freeing space"
stop_node full
out=$("$CAIRND" rebuild --data "$T/full" 2>&1) || fail "rebuild at the school: $out"
assert_contains "$out" "equal: yes" "rebuild at the school after its disk was full"
pass "(b) full school: clear errors, nothing partly applied, catalog and upload work once freed"
