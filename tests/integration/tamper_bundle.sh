# tamper_bundle.sh: sourced by t_tamper.sh. A genuine school->hub bundle (cairn bundle export),
# its bytes flipped, truncated, records swapped/dropped/duplicated; replays; a bundle sealed for
# another hub, one whose outer recipient is swapped, one from a revoked school.

restore_sc
point_at sc 9
start_node sc
ed=$(c sc educator add --name "Bundle Ada" | tr -d '[:space:]')
sub=$(c sc submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
c sc evidence add "$sub" --part reflection --text "Carried on a stick." >/dev/null
c sc bundle export --out "$T/old.bundle" >/dev/null
c sc educator add --name "Bundle Ben" >/dev/null
c sc bundle export --out "$T/good.bundle" >/dev/null
stop_node sc
python3 - "$T/good.bundle" "$T/mut" "$SC" <<'EOF'
import os, struct, sys
src, out, school = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
b = open(src, "rb").read()
os.makedirs(out)
recs, off = [], 113
while off < len(b):
    n = struct.unpack(">I", b[off:off + 4])[0]
    recs.append((off, 4 + n))
    off += 4 + n
assert off == len(b) and len(recs) >= 4, (off, len(b), recs)
def w(name, data):
    open(os.path.join(out, name), "wb").write(bytes(data))
# flips: every header field, every record's length and body, spread over the file
offs = sorted(set([0, 7, 8, 9, 40, 41, 72, 73, 96, 97, 112] +
                  [o + d for o, n in recs for d in (0, 3, 4, n // 2, n - 1)] +
                  [len(b) * k // 23 for k in range(23)]))
for i, o in enumerate(offs):
    m = bytearray(b); m[o] ^= 1 << (i % 8); w("flip-at-%d" % o, m)
for k in range(1, 25):
    n = len(b) * k // 25
    w("truncated-to-%d" % n, b[:n])
w("truncated-to-0", b"")
w("truncated-final-record", b[:recs[-1][0]])
w("trailing-byte", b + b"\0")
body = [b[o:o + n] for o, n in recs]
def rebuild(rs):
    return b[:113] + b"".join(rs)
w("swap-head-and-changeset", rebuild([body[0], body[2], body[1]] + body[3:]))
w("swap-opening-and-head", rebuild([body[1], body[0]] + body[2:]))
w("drop-changeset", rebuild(body[:2] + body[3:]))
w("dup-changeset", rebuild(body[:3] + [body[2]] + body[3:]))
w("drop-final-signature", rebuild(body[:-1]))
w("final-record-twice", rebuild(body + [body[-1]]))
m = bytearray(b); m[9:41] = school; w("outer-recipient-swapped-to-sender", m)
m = bytearray(b); m[97:113] = bytes(16); w("bundle-id-zeroed", m)
EOF
for f in "$T"/mut/*; do bundle_case bundle "$(basename "$f")" "$f"; done

# The genuine bundle applies (not a case), then replays of it and of the older one change nothing.
c hub bundle import "$T/good.bundle" >/dev/null || fail "the genuine bundle was refused"
bundle_noeffect bundle replay-same-bundle "$T/good.bundle"
bundle_noeffect bundle replay-older-bundle "$T/old.bundle"

# Sealed for another hub: refused there (the school is no peer of it) and here (not for us).
init_node otherhub hub
start_node otherhub
OTHER_ID=$(node_id otherhub)
restore_sc
forge_edu "$psc" 0000000000000000000000000p "For another hub" >/dev/null
"$FORGE" bundle "$T/sc" "$OTHER_ID" "$psc" "$T/other.bundle" --since "$(($(sc_seq) - 1))" >/dev/null
before=$(fingerprint otherhub)
rc=0
out=$(c otherhub bundle import "$T/other.bundle" 2>&1) || rc=$?
judge bundle sealed-for-another-hub-imported-there otherhub "$before" "$rc" "$out"
bundle_case bundle sealed-for-another-hub-imported-here "$T/other.bundle"

# From a revoked school: a genuine bundle, exported before the hub revoked the school.
init_node srv school
enrol srv hub
point_at srv 9
start_node srv
c srv educator add --name "Revoked teacher" >/dev/null
c srv bundle export --out "$T/revoked.bundle" >/dev/null
stop_node srv
"$CAIRND" enroll revoke --data "$T/hub" srv >/dev/null || fail "revoke srv"
bundle_case bundle from-a-revoked-school "$T/revoked.bundle"
good_school_works good "after the bundle cases"
