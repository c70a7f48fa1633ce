#!/bin/bash
# t_badge_interop.sh: Cairn's Open Badges 3.0 credentials against the reference JavaScript
# stack (jsonld.js, @digitalbazaar/vc + eddsa-rdfc-2022, tests/interop), and `cairn badge
# verify` on the same files, offline. Credentials come from tests/tools/badge_tool: quotes,
# backslashes, newlines, tabs, control characters, non-ASCII, emoji, long text, several evidence
# parts, with and without validUntil, a subject id instead of a hashed email, fractional PD hours,
# and a stack's own badge (stack.complete: the stack as achievement, its awards as evidence).
#   (1) our canonical N-Quads == jsonld.canonize(RDFC-1.0) byte for byte, for each credential and
#       the status list; and our RDFC-1.0 == rdf-canonize on tests/interop/canon/*.nq (blank node
#       ties that need the N-degree hash);
#   (2) vc.verifyCredential with the eddsa-rdfc-2022 suite verifies each one;
#   (3) a one-character change in a value makes both the npm verifier and cairn badge verify fail;
#   (4) the status list credential verifies, and a revoked index reads revoked in both.
# Node and the npm packages are for this test only; `npm ci` installs the committed lock file
# into the build directory once (cached by the lock file's hash).
source "$(dirname "$0")/lib.sh"
: "${CAIRN_BIN:?CAIRN_BIN must point at the build directory}"
SRC=${CAIRN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
TOOL=$CAIRN_BIN/tests/tools/badge_tool
[ -x "$TOOL" ] || fail "badge_tool not built at $TOOL"

# --- the npm packages, offline after the first run
source "$(dirname "$0")/npm_lib.sh"
npm_install || { echo "SKIPPED: the npm registry is not reachable from this machine"; exit 77; }

# --- credentials issued by our C code
S=$T/set
mkdir -p "$S"
"$TOOL" issue-set "$S" || fail "badge_tool issue-set"
echo revoked >"$S/revoked.txt"
"$TOOL" tamper "$S/plain.json" "$S/tampered-name.json"
"$TOOL" tamper "$S/hostile.json" "$S/tampered-hostile.json"
sed 's/deepen student thinking\./deepen student thinking!/' "$S/plain.json" >"$S/tampered-desc.json"
sed 's/"creditsAvailable": 15/"creditsAvailable": 16/' "$S/plain.json" >"$S/tampered-hours.json"
sed 's/"statusListIndex": "7"/"statusListIndex": "9"/; s|status/1#7|status/1#9|' \
    "$S/revoked.json" >"$S/tampered-index.json"
for f in tampered-name tampered-hostile tampered-desc tampered-hours tampered-index; do
    cmp -s "$S/$f.json" "$S/plain.json" && fail "$f: the edit changed nothing"
    echo "$f.json" >>"$S/tampered.txt"
done
for f in "$SRC"/tests/interop/canon/*.nq; do
    n=$(basename "$f" .nq)
    cp "$f" "$S/$n.in.nq"
    "$TOOL" canon "$f" >"$S/$n.out.nq" || fail "badge_tool canon $n"
    echo "$n" >>"$S/canon.txt"
done

# --- (1), (2), (3), (4) with the npm verifier
node "$NODE_DIR/interop.mjs" "$S" >"$T/interop.out" 2>&1 || { cat "$T/interop.out" >&2; fail "npm interop checks"; }
cat "$T/interop.out"
n_ok=$(grep -c '^ok ' "$T/interop.out")
want=$(($(wc -l <"$S/list.txt") * 2 + $(wc -l <"$S/tampered.txt") + $(wc -l <"$S/canon.txt")))
assert_eq "$n_ok" "$want" "checks passed by the npm verifier"

# --- the same files with cairn badge verify (offline: no daemon anywhere)
verify() { "$CAIRN" badge verify "$@"; }
for n in plain hostile expiring subject-id stack; do
    out=$(verify "$S/$n.json" --status-list "$S/statuslist.json") || fail "$n: cairn badge verify: $out"
    assert_contains "$out" "valid: signed by did:key:z6Mk" "$n"
done
out=$(verify "$S/plain.json" --status-list "$S/statuslist.json")
assert_contains "$out" "not revoked (list https://hub.example.org/status/1, index 8)" "plain status"
out=$(verify "$S/stack.json" --status-list "$S/statuslist.json")
assert_contains "$out" "not revoked (list https://hub.example.org/status/1, index 9)" "stack status"
for f in $(cat "$S/tampered.txt"); do
    set +e; out=$(verify "$S/$f" --status-list "$S/statuslist.json"); rc=$?; set -e
    assert_eq "$rc" 1 "$f: exit status"
    assert_contains "$out" "tampered: the proof does not verify" "$f"
done
set +e; out=$(verify "$S/revoked.json" --status-list "$S/statuslist.json"); rc=$?; set -e
assert_eq "$rc" 1 "revoked: exit status"
assert_contains "$out" "revoked: the issuer revoked it" "revoked"
set +e; out=$(verify "$S/expired.json"); rc=$?; set -e
assert_eq "$rc" 1 "expired: exit status"
assert_contains "$out" "expired: valid until 2025-11-25T16:00:00Z" "expired"
head -c 700 "$S/plain.json" >"$S/truncated.json"
set +e; out=$(verify "$S/truncated.json"); rc=$?; set -e
assert_eq "$rc" 1 "truncated: exit status"
assert_contains "$out" "not JSON" "truncated"
set +e; out=$(verify --json "$S/hostile.json"); rc=$?; set -e
assert_eq "$rc" 0 "--json exit status"
assert_contains "$out" '"verdict": "valid"' "--json verdict"
set +e; verify >/dev/null 2>&1; rc=$?; set -e
assert_eq "$rc" 2 "no file: usage"
# a tampered status list is refused, not trusted
sed 's/"validFrom": "2025-11-24T16:00:00Z"/"validFrom": "2025-11-24T16:00:01Z"/' \
    "$S/statuslist.json" >"$S/sl-tampered.json"
set +e; out=$(verify "$S/plain.json" --status-list "$S/sl-tampered.json" 2>&1); rc=$?; set -e
assert_eq "$rc" 1 "tampered status list: exit status"
assert_contains "$out" "status list tampered" "tampered status list"
# sharing: QR codes and the LinkedIn URL, only for credentials whose proof holds
out=$("$CAIRN" badge qr "$S/expiring.json" --png "$T/q.png") || fail "badge qr --png: $out"
assert_contains "$out" "https://hub.example.org/badges/6a0f3a8e" "badge qr URL"
assert_eq "$(head -c 4 "$T/q.png" | od -An -c | tr -d ' ')" '211PNG' "PNG signature"
set +e; "$CAIRN" badge qr "$S/plain.json" >/dev/null 2>&1; rc=$?; set -e
assert_eq "$rc" 2 "badge qr: a urn id without --verify-base is a usage error"
out=$("$CAIRN" badge qr "$S/plain.json" --terminal --verify-base https://hub.example.org/verify)
assert_contains "$out" "https://hub.example.org/verify/urn%3Auuid%3A6a0f3a8e" "qr --verify-base"
assert_contains "$out" "█" "terminal QR drawn with blocks"
out=$("$CAIRN" badge linkedin "$S/plain.json" --verify-base https://hub.example.org/verify)
assert_contains "$out" "startTask=CERTIFICATION_NAME&name=Wait%20Time&organizationName=Valley%20Region%20Hub&issueYear=2025&issueMonth=11&certUrl=https%3A%2F%2Fhub.example.org%2Fverify%2Furn%253Auuid" "linkedin URL"
set +e; "$CAIRN" badge linkedin "$S/tampered-name.json" >/dev/null 2>&1; rc=$?; set -e
assert_eq "$rc" 1 "linkedin refuses a tampered credential"
pass "Open Badges interop: jsonld.js and @digitalbazaar/vc agree with cairn on every credential"
