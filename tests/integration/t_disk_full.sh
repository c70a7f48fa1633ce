#!/bin/bash
# Disk space: a file that would cross the disk reserve is refused before its first byte, and a
# disk that fills up mid-upload leaves nothing half-stored; once space is freed the upload resumes.
# The school's data dir lives on a small tmpfs of its own (needs root, as CI runs).
source "$(dirname "$0")/lib.sh"

mkdir "$T/school"
mount -t tmpfs -o size=96m,mode=0700 tmpfs "$T/school" || fail "cannot mount a tmpfs (run as root)"
before_cleanup() { umount -l "$T/school"; }
mkdir "$T/files"

init_node school school
set_reserve() { sed -i "s/^#* *disk_reserve *=.*/disk_reserve = $1/" "$T/school/cairnd.conf"; }
set_reserve 16M
grep -q '^disk_reserve = 16M' "$T/school/cairnd.conf" || fail "could not set disk_reserve"
start_node school
c school catalog import "$CATALOG" >/dev/null
ed=$(c school educator add --name "Ada" | tr -d '[:space:]')
sub=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')

# 1. Too big for the space above the reserve: refused before the first byte.
make_file "$T/files/big.mp4" 90
expect_fail "reserve" c school evidence add "$sub" --part video "$T/files/big.mp4"
assert_eq "$(chunk_count school)" 0 "chunks stored after a refused upload"
rm -f "$T/files/big.mp4"
pass "an upload that would cross the reserve is refused before any byte"

# 2. The disk fills up mid-upload.
stop_node school
set_reserve 0
start_node school
make_file "$T/files/video.mp4" 80
"$CAIRN" --data "$T/school" evidence add "$sub" --part video "$T/files/video.mp4" >"$T/files/up.out" 2>&1 &
upid=$!
# Freeze the client a few chunks in, fill the disk, let it go on: the next chunks meet ENOSPC.
wait_chunks school 8 "$upid" || fail "upload ended before the disk filled"
kill -STOP "$upid"
dd if=/dev/zero of="$T/school/filler" bs=1M 2>/dev/null || true # until ENOSPC
kill -CONT "$upid"
rc=0; wait "$upid" || rc=$?
[ "$rc" -ne 0 ] || fail "upload succeeded on a full disk"
assert_contains "$(cat "$T/files/up.out")" "space" "client error on a full disk"
c school status >/dev/null || fail "daemon died on a full disk"
[ -z "$(ls -A "$T/school/blobs/tmp" 2>/dev/null)" ] || fail "temp debris left after ENOSPC"
n=$(verify_chunks school)
pass "full disk mid-upload: clear error, $n whole chunks kept, no debris, daemon alive"

rm -f "$T/school/filler"
c school evidence add "$sub" --part video "$T/files/video.mp4" >/dev/null
"$CAIRND" blob-cat --data "$T/school" "$(file_hash "$T/files/video.mp4")" >"$T/files/back.mp4"
cmp -s "$T/files/video.mp4" "$T/files/back.mp4" || fail "stored video differs after the disk was freed"
stop_node school
pass "upload resumes and completes once space is freed"
