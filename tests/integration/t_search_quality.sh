#!/bin/bash
# Search quality on the sample catalog: for every plain-language problem in
# tests/data/search_quality.tsv (written from the catalog before the search was tuned), is the
# credential a human expert picked among the top 3 of "cairn search"? Prints each miss and the hit
# rate; fails below THRESHOLD percent.
source "$(dirname "$0")/lib.sh"
: "${CAIRN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
THRESHOLD=80

init_node school school
cp "$CAIRN_SRC/conf/synonyms.tsv" "$T/school/synonyms.tsv"
start_node school
c school catalog import "$CATALOG" >/dev/null

total=0
hits=0
while IFS=$'\t' read -r query expected; do
    case "$query" in '#'* | '') continue ;; esac
    total=$((total + 1))
    out=$(c school search --limit 3 "$query")
    top=$(sed -n 's/^[0-9]*\. \([a-z0-9-]*\) .*/\1/p' <<<"$out" | tr '\n' ' ')
    if grep -qw -- "$expected" <<<"$top"; then
        hits=$((hits + 1))
    else
        echo "miss: \"$query\": expected $expected, top 3: ${top:-none}"
    fi
done <"$CAIRN_SRC/tests/data/search_quality.tsv"

[ "$total" -ge 20 ] || fail "only $total queries in the quality table (want at least 20)"
rate=$((100 * hits / total))
echo "search_quality_top3 $hits/$total = ${rate}% (threshold ${THRESHOLD}%)"
[ "$rate" -ge "$THRESHOLD" ] || fail "search quality ${rate}% is below ${THRESHOLD}%"
pass "search quality ${rate}% top-3"
