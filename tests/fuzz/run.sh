#!/bin/sh
# run.sh BIN CORPUS SECONDS: runs one libFuzzer target (a -DCAIRN_FUZZ=ON build) for SECONDS on a
# copy of its seed corpus, so the repository is never written. Fails on any crash, leak, timeout
# (-timeout, per input) or out-of-memory (-rss_limit_mb): libFuzzer exits non-zero then, and the
# input that did it is kept in $CAIRN_FUZZ_ARTIFACTS (default: a fuzz-artifacts dir beside BIN).
# CAIRN_FUZZ_SECONDS, when set, overrides SECONDS. The ctest label fuzz-run runs this per target;
# scripts/fuzz.sh is the long run. docs/fuzzing.md.
set -eu
bin=$1 corpus=$2 secs=${CAIRN_FUZZ_SECONDS:-$3}
name=$(basename "$bin")
art=${CAIRN_FUZZ_ARTIFACTS:-$(dirname "$bin")/fuzz-artifacts}/$name
mkdir -p "$art"
work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-fuzz-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$corpus"/. "$work/"
rc=0
# -jobs/-workers stay at 1: ctest runs targets side by side; one core each
"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$art/" "$work" >"$art/log" 2>&1 || rc=$?
grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs|stat::number_of_executed_units' "$art/log" || true
if [ "$rc" -ne 0 ]; then
    tail -n 60 "$art/log"
    echo "$name: libFuzzer exited $rc; the input is in $art/ (log: $art/log)" >&2
    exit 1
fi
echo "$name: no crash, leak or timeout in ${secs}s"
