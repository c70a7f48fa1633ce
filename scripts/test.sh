#!/bin/sh
# test.sh: install what is missing, build, and run every test twice: once in a release build and
# once under AddressSanitizer + UndefinedBehaviorSanitizer. Exits non-zero if anything fails.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
export CAIRN_SHARED="${CAIRN_SHARED:-$(cd .. && pwd)/shared}"
jobs=$(nproc)

echo "== release build"
./scripts/build.sh build -DCMAKE_BUILD_TYPE=Release # -O3: its warnings differ from -O2's
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== ASan + UBSan build"
./scripts/build.sh build-asan -DCAIRN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    CAIRN_SANITIZED=1 ctest --test-dir build-asan --output-on-failure -j"$jobs"

# Fuzzing: every libFuzzer target (tests/fuzz/fuzz_*.c) built with clang (libFuzzer + ASan +
# UBSan) and run for CAIRN_FUZZ_SECONDS each on a copy of its seed corpus (ctest label fuzz-run).
# Any crash, leak or timeout fails the suite. scripts/fuzz.sh is the long run (docs/fuzzing.md).
echo "== fuzz build (clang, libFuzzer)"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCAIRN_FUZZ=ON >/dev/null
cmake --build build-fuzz --target fuzz-targets -j"$jobs" >/dev/null
ctest --test-dir build-fuzz -L fuzz-run --output-on-failure -j"$jobs"
echo "== all tests passed"
