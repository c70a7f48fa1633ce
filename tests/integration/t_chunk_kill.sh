#!/bin/bash
# kill -9 of the school and then of the hub in the middle of an evidence transfer: after each
# restart the transfer resumes (from the hub's chunk store and partial files) and the file
# arrives intact; nothing unverified is ever in the hub's chunk store (a partial chunk file damaged
# while the hub was down fails its hash and is fetched again).
source "$(dirname "$0")/chunk_lib.sh"

init_node hub hub
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
init_node s1 school
fast_reconnect s1
enrol s1 hub
set_sync_key s1 upload_rate 16M # about 6 s for the file: time to kill both sides
start_node s1
wait_catalog s1 1 20 || fail "catalog did not reach s1"

head -c $((96 * 1024 * 1024 + 5)) /dev/urandom >"$T/v.mp4"
size=$(stat -c %s "$T/v.mp4")
h=$(file_hash "$T/v.mp4")
video_submission s1 "$T/v.mp4" >/dev/null

# wait_received BYTES: until the hub's chunk store holds at least BYTES of evidence.
wait_received() {
    local i
    for i in $(seq 1 400); do
        [ "$(du -sb "$T/hub/blobs/chunks" | cut -f1)" -ge "$1" ] && return 0
        sleep 0.05
    done
    return 1
}
wait_received $((24 * 1024 * 1024)) || fail "the transfer did not start"
kill9_node s1
at_school_kill=$(du -sb "$T/hub/blobs/chunks" | cut -f1)
start_node s1
pass "school killed -9 at $at_school_kill bytes at the hub and restarted"

wait_received $((56 * 1024 * 1024)) || fail "the transfer did not resume after the school's kill"
kill9_node hub
partials=$(find "$T/hub/blobs/partial" -type f | wc -l)
[ "$partials" -ge 1 ] || fail "no partial chunk file after the hub's kill"
# Damage the largest partial file (as a bad disk or a power cut could): the chunk must fail its
# hash when complete and be fetched again, never stored.
victim=$(find "$T/hub/blobs/partial" -type f -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)
python3 -c "import sys; f=open(sys.argv[1],'r+b'); b=f.read(1); f.seek(0); f.write(bytes([b[0]^0x55]))" "$victim"
start_hub hub "$HUB_PORT"
pass "hub killed -9 mid-transfer ($partials partial chunk files) and restarted"

wait_complete hub "$h" 120 || fail "the file did not complete after the kills"
"$CAIRND" blob-cat --data "$T/hub" "$h" | cmp - "$T/v.mp4" || fail "the hub's copy differs"
assert_eq "$(bad_chunks hub)" 0 "chunks at the hub whose bytes do not hash to their name"
assert_eq "$(find "$T/hub/blobs/partial" -type f | wc -l)" 0 "partial files left after completion"
[ "$(evidence_counter hub bad)" -ge 1 ] || fail "the damaged partial chunk was not caught by its hash"
received=$(evidence_counter hub received)
echo "hub_received_after_restart $received of $size"
[ "$received" -lt "$size" ] || fail "the restarted hub fetched the whole file again"
pass "after kill -9 of school and hub the file is intact; the hub fetched only what it lacked"
