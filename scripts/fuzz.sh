#!/bin/sh
# fuzz.sh [TARGET|all] [SECONDS] [--merge]: the long fuzzing run (docs/fuzzing.md).
#
# Builds build-fuzz (clang, -DCAIRN_FUZZ=ON: libFuzzer + ASan + UBSan) if needed, then runs each
# target (fuzz_<TARGET>, or every target one after the other with `all`) for SECONDS (default
# 3600) on a persistent work corpus outside the repository: $CAIRN_FUZZ_DIR/<target>/corpus
# (default /var/tmp/cairn-fuzz), first filled from tests/fuzz/corpus/<target>/. Crashes, leaks,
# timeouts and out-of-memory inputs land in $CAIRN_FUZZ_DIR/<target>/crashes/, the log in
# $CAIRN_FUZZ_DIR/<target>/log. A crash ends that target's run (the next target still runs) and
# makes the exit status 1. --merge: afterwards, merge the inputs of the work corpus that add
# coverage into tests/fuzz/corpus/<target>/ (libFuzzer -merge=1) to commit them as seeds.
# CAIRN_FUZZ_JOBS (default 1) runs that many fuzzing processes per target, sharing the corpus.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
target=${1:-all}
secs=${2:-3600}
merge=0
[ "${3:-}" = "--merge" ] && merge=1
[ "${2:-}" = "--merge" ] && { merge=1; secs=3600; }
root=${CAIRN_FUZZ_DIR:-/var/tmp/cairn-fuzz}
jobs=${CAIRN_FUZZ_JOBS:-1}
case $secs in
'' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, not '$secs'" >&2; exit 2 ;;
esac

cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCAIRN_FUZZ=ON >/dev/null
cmake --build build-fuzz --target fuzz-targets -j"$(nproc)" >/dev/null

if [ "$target" = all ]; then
    targets=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done)
else
    [ -f "tests/fuzz/fuzz_$target.c" ] || {
        echo "fuzz.sh: no target '$target' (tests/fuzz/fuzz_$target.c)" >&2
        exit 2
    }
    targets=$target
fi

status=0
for t in $targets; do
    dir=$root/$t
    mkdir -p "$dir/corpus" "$dir/crashes"
    [ -n "$(ls -A "$dir/corpus")" ] || cp -R "tests/fuzz/corpus/$t"/. "$dir/corpus/"
    echo "== fuzz_$t for ${secs}s (corpus $dir/corpus, crashes $dir/crashes)"
    rc=0
    par=""
    # libFuzzer's -jobs mode writes each worker's log to fuzz-N.log in the current directory
    [ "$jobs" -gt 1 ] && par="-jobs=$jobs -workers=$jobs"
    # shellcheck disable=SC2086
    (cd "$dir" && "$top/build-fuzz/tests/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 \
        -timeout=10 -print_final_stats=1 $par -artifact_prefix="$dir/crashes/" \
        "$dir/corpus" "$top/tests/fuzz/corpus/$t") >"$dir/log" 2>&1 || rc=$?
    grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units' "$dir/log" || true
    if [ "$rc" -ne 0 ]; then
        status=1
        echo "fuzz_$t: FOUND something (exit $rc): see $dir/crashes/ and $dir/log" >&2
        echo "  keep it as a regression: cp $dir/crashes/<file> tests/fuzz/corpus/$t/crash-<desc>" >&2
    fi
    if [ "$merge" = 1 ]; then
        ./build-fuzz/tests/fuzz_"$t" -merge=1 -rss_limit_mb=2048 -timeout=10 \
            "tests/fuzz/corpus/$t" "$dir/corpus" >"$dir/merge.log" 2>&1 ||
            echo "fuzz_$t: merge failed (see $dir/merge.log)" >&2
        grep -E 'MERGE-OUTER: [0-9]+ new files' "$dir/merge.log" || true
    fi
done
exit $status
