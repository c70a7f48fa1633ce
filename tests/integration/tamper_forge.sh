# tamper_forge.sh: sourced by t_tamper.sh. Change sets that the school's real key signed (or
# that were altered after it signed them), delivered over a real session (the school daemon
# sends what its store holds) or sealed in a bundle by the school (tests/tools/forge.c).

SC=$(node_id sc)
psc="school:$SC"
GOOD=$(node_id good)
FAKE_SUB=0123456789abcdefghjkmnpqrs
start_node sc
c sc educator add --name "Base of sc" --role teacher >/dev/null
wait_hash_equal hub sc "$psc" 10 || fail "sc did not sync"
stop_node sc
rm -f "$T/sc/cairnd.sock" "$T/sc/cairnd.port"
cp -a "$T/sc" "$T/sc.snap"
restore_sc() { rm -rf "$T/sc" && cp -a "$T/sc.snap" "$T/sc"; }
sc_seq() { db sc "SELECT max(seq) FROM events WHERE partition='$psc'"; }
refusals() { grep -c "change set for .* refused" "$T/hub.log" || true; }

# online CASE FORGE-STEPS...: restore sc, run the steps on its stopped store, start it, wait for
# the hub to refuse the change set it sends, stop it, judge the hub.
online() {
    local name=$1 before n0 i reason=""
    shift
    restore_sc
    "$@" >/dev/null || fail "forging $name failed"
    before=$(fingerprint hub)
    n0=$(refusals)
    start_node sc
    for i in $(seq 1 200); do [ "$(refusals)" -gt "$n0" ] && break; sleep 0.05; done
    sleep 0.2
    kill9_node sc
    reason=$(grep -o "change set for .* refused: .*" "$T/hub.log" | tail -1 | sed 's/^change set for [^ ]* //')
    [ "$(refusals)" -gt "$n0" ] || reason=""
    judge changeset-online "$name" hub "$before" 1 "$reason"
}
corrupt_last_hlc() { db sc "UPDATE events SET hlc = hlc + 1 WHERE partition='$psc' AND seq=(SELECT max(seq) FROM events WHERE partition='$psc')"; }
corrupt_last_sig() { db sc "UPDATE checkpoints SET sig = zeroblob(64) WHERE partition='$psc' AND seq=(SELECT max(seq) FROM checkpoints WHERE partition='$psc')"; }
corrupt_last_type() { db sc "UPDATE events SET type = 'educator.update' WHERE partition='$psc' AND seq=(SELECT max(seq) FROM events WHERE partition='$psc')"; }
forge_edu() { "$FORGE" append "$T/sc" "$1" educator.add "$2" name="$3" email= role=teacher; }

online rights-review.score "$FORGE" append "$T/sc" "$psc" review.score "$FAKE_SUB" \
    assessor=0000000000000000000000000a part=video verdict=meets feedback=forged
online rights-review.claim "$FORGE" append "$T/sc" "$psc" review.claim "$FAKE_SUB" \
    assessor=0000000000000000000000000a expires:u=1790000000000
online rights-award.revoke "$FORGE" append "$T/sc" "$psc" award.revoke 0000000000000000000000000b \
    reason=forged
forge_hlc() { forge_edu "$psc" 0000000000000000000000000c Altered && corrupt_last_hlc; }
forge_type() { forge_edu "$psc" 0000000000000000000000000d Retyped && corrupt_last_type; }
forge_sig() { forge_edu "$psc" 0000000000000000000000000e Unsigned && corrupt_last_sig; }
online altered-hlc-after-signing forge_hlc
online altered-type-after-signing forge_type
online forged-checkpoint-signature forge_sig

# bundle_case FAMILY CASE FILE: import FILE at the hub, judged like the online ones.
# bundle_noeffect FAMILY CASE FILE: a genuine replay: "no effect" if events and state are unchanged.
bundle_case() {
    local family=$1 name=$2 file=$3 before out rc=0
    before=$(fingerprint hub)
    out=$(c hub bundle import "$file" 2>&1) || rc=$?
    judge "$family" "$name" hub "$before" "$rc" "$out"
}
bundle_noeffect() {
    local family=$1 name=$2 file=$3 before out rc=0 after
    before=$("$CAIRND" state-hash --data "$T/hub") before+=" $(db hub 'SELECT count(*) FROM events')"
    out=$(c hub bundle import "$file" 2>&1) || rc=$?
    after=$("$CAIRND" state-hash --data "$T/hub") after+=" $(db hub 'SELECT count(*) FROM events')"
    if [ "$after" != "$before" ]; then
        record "$family" "$name" CHANGED "$out"
    elif [ "$rc" -ne 0 ]; then
        record "$family" "$name" rejected "$out"
    else
        record "$family" "$name" no-effect "$out"
    fi
}
forged_bundle() { # NAME PARTITION FORGE-BUNDLE-OPTIONS... (after restore_sc and forging)
    local name=$1 part=$2
    shift 2
    "$FORGE" bundle "$T/sc" "$HUB_ID" "$part" "$T/forged-$name.bundle" "$@" >/dev/null ||
        fail "forging bundle $name"
    bundle_case changeset-bundle "$name" "$T/forged-$name.bundle"
}
for t in review.score award.revoke review.claim; do
    restore_sc
    "$FORGE" append "$T/sc" "$psc" "$t" "$FAKE_SUB" assessor=0000000000000000000000000a \
        part=video verdict=meets feedback=forged reason=forged outcome=meets expires:u=1790000000000 >/dev/null ||
        fail "forging $t"
    forged_bundle "rights-$t" "$psc" --since "$(($(sc_seq) - 1))"
done
restore_sc
"$FORGE" append "$T/sc" catalog catalog.stack forged-stack \
    json='{"id":"forged-stack","title":"Forged","description":"d","credentials":["wait-time"]}' >/dev/null ||
    fail "forging a catalog event"
forged_bundle rights-catalog-from-school catalog
restore_sc
forge_edu "school:$GOOD" 0000000000000000000000000f "Planted in good" >/dev/null || fail "forging into good's partition"
forged_bundle another-schools-partition "school:$GOOD"
for m in sig hlc type; do
    restore_sc
    forge_edu "$psc" 0000000000000000000000000g "Mutated $m" >/dev/null
    forged_bundle "altered-$m-after-signing" "$psc" --since "$(($(sc_seq) - 1))" --mutate "$m"
done
restore_sc
forge_edu "$psc" 0000000000000000000000000h "Gap one" >/dev/null
forge_edu "$psc" 0000000000000000000000000j "Gap two" >/dev/null
forged_bundle out-of-order-seq "$psc" --since "$(($(sc_seq) - 1))"
restore_sc
forge_edu "$psc" 0000000000000000000000000k "Swapped head" >/dev/null
forged_bundle head-from-to-swapped "$psc" --since "$(($(sc_seq) - 1))" --head-from "$HUB_ID" --head-to "$SC"
# Replays of genuine change sets: everything the hub already holds, twice.
restore_sc
"$FORGE" bundle "$T/sc" "$HUB_ID" "$psc" "$T/replay-all.bundle" >/dev/null || fail "replay bundle"
bundle_noeffect changeset-bundle replay-held-events "$T/replay-all.bundle"
bundle_noeffect changeset-bundle replay-same-bundle "$T/replay-all.bundle"

# A fork: the school signs a second, different event under a seq the hub already holds.
restore_sc
forge_edu "$psc" 0000000000000000000000000m "Fork A" >/dev/null
start_node sc
wait_hash_equal hub sc "$psc" 10 || fail "fork A did not sync"
stop_node sc
rm -f "$T/sc/cairnd.sock" "$T/sc/cairnd.port"
cp -a "$T/sc" "$T/sc.snapA"
# Online the school sends only what the hub's vector lacks: the seq after the fork, whose chain
# continues fork B, so the hub's recomputed chain (from fork A) fails the checkpoint.
forge_fork() { forge_edu "$psc" 0000000000000000000000000n "Fork B" && forge_edu "$psc" 0000000000000000000000000r "After fork B"; }
online fork-same-seq-other-content forge_fork
restore_sc
forge_edu "$psc" 0000000000000000000000000n "Fork B" >/dev/null
forged_bundle fork-same-seq-other-content "$psc" --since "$(($(sc_seq) - 1))"
rm -rf "$T/sc.snap" && mv "$T/sc.snapA" "$T/sc.snap" # the snapshot the hub agrees with again
good_school_works good "after the change set cases"
