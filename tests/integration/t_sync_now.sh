#!/bin/bash
# `cairn sync now` and the "sync" map of `status`: with the hub stopped, sync now reports not
# connected (exit 1) and status shows the link down and a lag after a local submission; with the
# hub up, sync now exits 0 having sent events, the link is up with lag 0, and the hub's status
# counts the school enrolled and connected. A hub without a parent refuses sync now.
source "$(dirname "$0")/sync_lib.sh"

init_node hub hub
init_node school school
start_hub hub
port=$HUB_PORT
c hub catalog import "$CATALOG" >/dev/null
enrol school hub
start_node school
wait_catalog school 1 5 || fail "catalog did not reach the school"
stop_node school
stop_node hub

# A school that is not enrolled says so.
init_node lone school
start_node lone
assert_contains "$(c lone status)" "not enrolled" "status of a school without a hub"
expect_fail "not enrolled" c lone sync now
stop_node lone

# Hub down: a submission at the school, then sync now fails and status shows the lag.
start_node school
sub=$(make_submission school)
c school submission submit "$sub" >/dev/null
rc=0
out=$(c school sync now --timeout 3) || rc=$?
assert_eq "$rc" 1 "sync now exit status with the hub down"
assert_contains "$out" "not connected" "sync now output with the hub down"
st=$(c school status)
echo "$st" | grep -Eq '^link +down' || fail "link is not down: $st"
lag=$(echo "$st" | sed -n 's/^lag *\([0-9]*\) .*/\1/p')
[ -n "$lag" ] && [ "$lag" -gt 0 ] || fail "lag is not > 0 with the hub down: $st"
pass "hub down: sync now exits 1, link down, lag $lag"

# Hub up (same port): sync now completes a round at once, whatever the backoff says.
start_hub hub "$port"
out=$(c school sync now --timeout 10) || fail "sync now failed with the hub up: $out"
assert_contains "$out" "synced" "sync now output with the hub up"
sent=$(echo "$out" | sed -n 's/^synced: \([0-9]*\) events sent.*/\1/p')
# (the school's own reconnect may have sent the events just before: then sync now sends 0; what
# matters is that the round completed and the hub holds the submission, checked below)
[ -n "$sent" ] || fail "sync now did not say what it sent: $out"
st=$(c school status)
echo "$st" | grep -Eq '^link +up' || fail "link is not up: $st"
echo "$st" | grep -Eq '^lag +0 ' || fail "lag is not 0: $st"
echo "$st" | grep -Eq '^last sync +[0-9]' || fail "no last sync time: $st"
n=$(db hub "SELECT count(*) FROM submissions WHERE id='$sub'")
assert_eq "$n" 1 "submission at the hub after sync now"
pass "hub up: sync now sent $sent events, link up, lag 0"

hst=$(c hub status)
echo "$hst" | grep -Eq '^schools +1 enrolled, 1 connected' || fail "hub status: $hst"
pass "hub status: 1 enrolled, 1 connected"

# Nothing new: a second round completes with nothing sent.
out=$(c school sync now) || fail "second sync now: $out"
assert_contains "$out" "synced: 0 events sent" "second sync now"
# A hub with no parent hub has no link to sync.
expect_fail "no parent hub" c hub sync now
stop_node school

# On an open session, sync now asks the hub for its vectors again: what the hub wrote a moment
# ago (here a catalog version, on a link with 400 ms of latency each way, so the hub's push is
# still on its way) is at the school when sync now returns, not some time after.
"$FAULTPROXY" --listen 127.0.0.1:0 --port-file "$T/proxy.port" --target "127.0.0.1:$port" \
    --latency 400 >>"$T/proxy.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 100); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
read -r hubkey _ <"$T/school/hub.peer"
echo "$hubkey 127.0.0.1:$(cat "$T/proxy.port")" >"$T/school/hub.peer"
start_node school
c school sync now --timeout 20 >/dev/null || fail "sync now through the slow link"
python3 - "$CATALOG" "$T/catalog-v2.json" <<'EOF2'
import json, sys
c = json.load(open(sys.argv[1]))
for cr in c["credentials"]:
    if cr["id"] == "wait-time":
        cr["version"] = 2
        cr["evidence"].append({"part": "exit-ticket", "kind": "text", "required": True,
                               "description": "Three students' exit tickets, transcribed."})
json.dump(c, open(sys.argv[2], "w"))
EOF2
assert_contains "$(c hub catalog import "$T/catalog-v2.json")" "1 new version" "hub import of version 2"
out=$(c school sync now --timeout 20) || fail "sync now after the hub's import: $out"
assert_eq "$(db school "SELECT max(version) FROM credentials WHERE id='wait-time'")" 2 \
    "wait-time version at the school when sync now returned ($out)"
stop_node school
stop_node hub
pass "sync now"
