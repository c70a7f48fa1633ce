#!/bin/bash
# USB-stick sync between a real hub and a real school daemon with no link between them: the hub's
# catalog reaches the school by bundle, a school submission reaches the hub by bundle, state
# hashes agree for both partitions, a replayed bundle changes nothing, a flipped byte is refused.
# Enrolment is real (`cairnd enroll create/join` while the hub runs), then the hub restarts
# without its sync listener so the two have no link. Also: a bundle from a second hub that never
# enrolled the school is refused. (Rights violations inside a bundle: tests/unit/test_bundle.c.)
source "$(dirname "$0")/sync_lib.sh"

init_node hub hub
init_node school school
start_hub hub
tok=$("$CAIRND" enroll create --data "$T/hub" --school north) || fail "token"
out=$("$CAIRND" enroll join --data "$T/school" "$tok") || fail "join"
assert_contains "$out" "enrolled" "join output"
stop_node hub
# Offline from here: the hub's sync listener is gone (its ephemeral port), and the school's
# hub.peer is pointed at a closed port so no link can form while both daemons run for the CLI.
read -r hubkey _ <"$T/school/hub.peer"
echo "$hubkey 127.0.0.1:1" >"$T/school/hub.peer"
start_node hub
start_node school
HUB_ID=$(tr -d '[:space:]' <"$T/hub/identity.pub")
SCHOOL_ID=$(tr -d '[:space:]' <"$T/school/identity.pub")
[ "$(db hub "SELECT name FROM peers WHERE node = X'$SCHOOL_ID'")" = north ] || fail "hub peers"
[ "$(db school "SELECT role FROM peers WHERE node = X'$HUB_ID'")" = hub ] || fail "school peers"

state() { "$CAIRND" state-hash --data "$T/$1" --partition "$2"; }
events() { db "$1" "SELECT count(*) FROM events"; }

# Hub: catalog, then a bundle for the school on the "stick".
c hub catalog import "$CATALOG" >/dev/null
mkdir -p "$T/stick"
out=$(c hub bundle export --out "$T/stick/to-north.bundle" --to north)
assert_contains "$out" "wrote $T/stick/to-north.bundle" "hub export summary"
[ -f "$T/stick/to-north.bundle.tmp" ] && fail "temp file left behind"
out=$(c school bundle import "$T/stick/to-north.bundle")
assert_contains "$out" "events applied" "school import summary"
assert_contains "$(c school catalog list)" "wait-time" "catalog at the school"
assert_eq "$(state school catalog)" "$(state hub catalog)" "catalog state hash"
pass "hub -> school bundle carries the catalog"

# The same bundle again: nothing changes.
before=$(events school)
out=$(c school bundle import "$T/stick/to-north.bundle")
assert_contains "$out" "already imported" "second import"
assert_eq "$(events school)" "$before" "events after a replayed bundle"
pass "a replayed bundle changes nothing"

# School: a submission, exported with a relative path, imported at the hub.
ed=$(c school educator add --name "Ada Teacher" | tr -d '[:space:]')
sub=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
out=$(cd "$T/stick" && c school bundle export --out to-hub.bundle)
assert_contains "$out" "wrote $T/stick/to-hub.bundle" "relative path made absolute"

# A copy with one flipped byte is refused, nothing applied.
cp "$T/stick/to-hub.bundle" "$T/stick/bad.bundle"
size=$(stat -c %s "$T/stick/bad.bundle")
off=$((size / 2))
byte=$(od -An -tu1 -j "$off" -N1 "$T/stick/bad.bundle" | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
    dd of="$T/stick/bad.bundle" bs=1 seek="$off" conv=notrunc status=none
before=$(events hub)
expect_fail "bundle refused" c hub bundle import "$T/stick/bad.bundle"
assert_eq "$(events hub)" "$before" "hub events after a tampered bundle"
# ... and one addressed to another node.
expect_fail "not addressed to this node" c school bundle import "$T/stick/to-hub.bundle"
pass "tampered and misaddressed bundles are refused"

# A second hub that never enrolled the school (it lists the school in its own peers: the
# attacker controls its node) seals a real bundle to the school: refused, nothing applied.
init_node otherhub hub
start_hub otherhub
db otherhub "INSERT INTO peers(node, role, name) VALUES(X'$SCHOOL_ID', 'school', 'north')"
c otherhub catalog import "$CATALOG" >/dev/null
c otherhub bundle export --out "$T/stick/rogue.bundle" --to north >/dev/null
before=$(events school)
expect_fail "not an enrolled peer" c school bundle import "$T/stick/rogue.bundle"
assert_eq "$(events school)" "$before" "school events after a bundle from another hub"
pass "a bundle from a hub the school never enrolled at is refused"

out=$(c hub bundle import "$T/stick/to-hub.bundle")
assert_contains "$out" "events applied" "hub import summary"
assert_contains "$(c hub submission list)" "$sub" "submission at the hub"
assert_eq "$(state hub "school:$SCHOOL_ID")" "$(state school "school:$SCHOOL_ID")" \
    "school partition state hash"
assert_eq "$(state hub catalog)" "$(state school catalog)" "catalog state hash"
pass "school -> hub bundle carries the submission"

# The return trip acknowledges: the hub's next bundle carries nothing the school has.
out=$(c hub bundle export --out "$T/stick/ack.bundle" --to "${SCHOOL_ID:0:8}")
assert_contains "$out" ": 0 events" "hub's reply after acknowledgement"
c school bundle import "$T/stick/ack.bundle" >/dev/null
out=$(c school bundle export --out "$T/stick/again.bundle")
assert_contains "$out" ": 0 events" "school's export after the hub acknowledged"
expect_fail "bad path" "$CAIRN" --data "$T/school" bundle import ""
expect_fail "is not a regular file" c school bundle import "$T/stick"
pass "return trip acknowledges"
