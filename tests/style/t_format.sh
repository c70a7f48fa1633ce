#!/bin/bash
# Every C file in the tree is formatted by the repo's .clang-format (style.md). Fails naming the
# files that are not, with the command that fixes them.
set -euo pipefail
cd "${CAIRN_SRC:?}"
mapfile -t files < <(find proto daemon client tests -name '*.[ch]' -not -path '*/corpus/*' | sort)
[ "${#files[@]}" -gt 50 ] || { echo "FAIL: only ${#files[@]} C files found under $PWD" >&2; exit 1; }
bad=$(clang-format --dry-run "${files[@]}" 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning.*/\1/p' | sort -u)
if [ -n "$bad" ]; then
    echo "FAIL: not clang-formatted (fix: clang-format -i FILE):" >&2
    echo "$bad" >&2
    exit 1
fi
echo "ok: ${#files[@]} files formatted"
