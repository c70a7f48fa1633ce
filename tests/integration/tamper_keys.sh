# tamper_keys.sh: sourced by t_tamper.sh. Swapped keys: a school presenting another school's
# identity, a hub key swapped in hub.peer, a paired LAN device whose key (or the school key it
# pinned) is swapped, an enrolment token reused, expired or unknown.

# A school with good's public key (identity.pub, and the public half of identity.key) but its own
# secret: the hub verifies msg3's signature with good's key and refuses.
init_node imp school
fast_reconnect imp
cp "$T/good/hub.peer" "$T/imp/hub.peer"
python3 - "$T/imp/identity.key" "$T/good/identity.pub" "$T/imp/identity.pub" <<'EOF'
import sys
key = open(sys.argv[1], "rb").read()
good = bytes.fromhex(open(sys.argv[2]).read().strip())
open(sys.argv[1], "wb").write(key[:32] + good)
open(sys.argv[3], "w").write(good.hex() + "\n")
EOF
before=$(fingerprint hub)
n0=$(grep -c "handshake" "$T/hub.log" || true)
rm -f "$T/imp/cairnd.port"
"$CAIRND" run --data "$T/imp" --listen 127.0.0.1:0 >>"$T/imp.log" 2>&1 &
IMP_PID=$!
PIDS+=("$IMP_PID")
for i in $(seq 1 100); do
    [ "$(grep -c "handshake" "$T/hub.log" || true)" -gt "$n0" ] && break
    kill -0 "$IMP_PID" 2>/dev/null || break
    sleep 0.05
done
sleep 0.3
kill -9 "$IMP_PID" 2>/dev/null || true
wait "$IMP_PID" 2>/dev/null || true
reason=$(grep "handshake" "$T/hub.log" | tail -n +$((n0 + 1)) | grep -o 'closed: .*' | head -1 || true)
[ -z "$reason" ] && reason=$(grep -io 'identity[^"]*does not match[^"]*\|key[^"]*mismatch[^"]*' "$T/imp.log" | head -1 || true)
judge keys school-with-another-schools-public-key hub "$before" 1 "$reason"

# A hub key swapped in hub.peer: the school refuses the real hub at msg2.
restore_sc
read -r _ addr <"$T/sc/hub.peer"
echo "$(node_id otherhub) $addr" >"$T/sc/hub.peer"
before_hub=$(fingerprint hub)
forge_edu "$psc" 0000000000000000000000000q "Behind a swapped hub key" >/dev/null
before=$(fingerprint sc)
start_node sc
wait_log "$T/sc.log" "pinned" 10 || true
stop_node sc
reason=$(grep -o 'sync hub [^ ]*: .*pinned.*' "$T/sc.log" | tail -1 || true)
judge keys hub-key-swapped-in-hub.peer sc "$before" 1 "$reason"
[ "$(fingerprint hub)" = "$before_hub" ] || record keys hub-key-swapped-in-hub.peer-at-hub CHANGED ""

# Enrolment tokens: reused, expired, unknown id.
tok=$("$CAIRND" enroll create --data "$T/hub" --school "Once only")
init_node ja school
"$CAIRND" enroll join --data "$T/ja" "$tok" >/dev/null || fail "first use of a token"
init_node jb school
before=$(fingerprint hub)
rc=0
out=$("$CAIRND" enroll join --data "$T/jb" "$tok" 2>&1) || rc=$?
judge keys enrolment-token-reused hub "$before" "$rc" "$out"
[ ! -f "$T/jb/hub.peer" ] || record keys enrolment-token-reused-wrote-hub.peer CHANGED ""
tok=$("$CAIRND" enroll create --data "$T/hub" --school "Too late" --expires 1s)
sleep 1.2
init_node jc school
before=$(fingerprint hub)
rc=0
out=$("$CAIRND" enroll join --data "$T/jc" "$tok" 2>&1) || rc=$?
judge keys enrolment-token-expired hub "$before" "$rc" "$out"
tok=$("$CAIRND" enroll create --data "$T/hub" --school "Unknown id")
bad=$(python3 - "$tok" <<'EOF'
import base64, sys
pre, b = sys.argv[1].split(":", 1)
raw = bytearray(base64.urlsafe_b64decode(b + "=" * (-len(b) % 4)))
i = raw.find(b"\xa1i\xc4\x10")
raw[i + 4] ^= 0x01
print(pre + ":" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("="))
EOF
)
init_node jd school
before=$(fingerprint hub)
rc=0
out=$("$CAIRND" enroll join --data "$T/jd" "$bad" 2>&1) || rc=$?
judge keys enrolment-token-unknown-id hub "$before" "$rc" "$out"

# A paired LAN device: its key swapped for an unpaired one, and the school key it pinned swapped.
init_node lan school
rm -f "$T/lan/cairnd.port" "$T/lan/cairnd.lan-port"
"$CAIRND" run --data "$T/lan" --listen 127.0.0.1:0 --lan-listen 127.0.0.1:0 >>"$T/lan.log" 2>&1 &
PIDS+=($!)
eval "NODE_PID_lan=$!"
for i in $(seq 1 200); do
    [ -s "$T/lan/cairnd.lan-port" ] && c lan status >/dev/null 2>&1 && break
    sleep 0.05
done
LP=$(cat "$T/lan/cairnd.lan-port")
code=$("$CAIRND" pair --data "$T/lan" 2>/dev/null)
CAIRN_HOME="$T/dev" "$CAIRN" pair "127.0.0.1:$LP" "$code" --name tablet >/dev/null || fail "pairing"
CAIRN_HOME="$T/dev" "$CAIRN" --connect "127.0.0.1:$LP" status >/dev/null || fail "paired device"
cp -a "$T/dev" "$T/dev2"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/dev2/device.key"
before=$(fingerprint lan)
rc=0
out=$(CAIRN_HOME="$T/dev2" "$CAIRN" --connect "127.0.0.1:$LP" educator add --name "Swapped key" 2>&1) || rc=$?
judge keys lan-device-key-swapped lan "$before" "$rc" "$out"
cp -a "$T/dev" "$T/dev3"
sed -i "s/ [0-9a-f]*\$/ $(node_id good)/" "$T/dev3/known_hosts"
rc=0
out=$(CAIRN_HOME="$T/dev3" "$CAIRN" --connect "127.0.0.1:$LP" educator add --name "Swapped pin" 2>&1) || rc=$?
judge keys lan-pinned-school-key-swapped lan "$before" "$rc" "$out"
CAIRN_HOME="$T/dev" "$CAIRN" --connect "127.0.0.1:$LP" educator add --name "Real tablet" >/dev/null ||
    fail "the genuine device stopped working"
good_school_works good "after the key cases"
