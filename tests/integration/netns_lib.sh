# netns_lib.sh: a hub in its own network namespace behind a veth pair shaped by tbf (no netem on
# this kernel), for the shaped-link test and benchmark. Needs root and `ip netns`; callers skip
# cleanly when netns_setup fails. Everything created is removed by netns_teardown.
NETNS=cairn-ck-$$
NET_OCTET=$(( ($$ % 200) + 20 ))
NET_SCHOOL_IP=10.213.$NET_OCTET.1
NET_HUB_IP=10.213.$NET_OCTET.2
VETH_A=ck$$a
VETH_B=ck$$b

# netns_setup RATE: namespace, veth pair, addresses, tbf RATE (e.g. 2mbit) on both directions.
netns_setup() {
    # `ip netns add` makes /run/netns a mount point the first time; remember whether we did.
    NETNS_RUN_WAS_MOUNTED=0
    mountpoint -q /run/netns 2>/dev/null && NETNS_RUN_WAS_MOUNTED=1
    ip netns add "$NETNS" 2>/dev/null || return 1
    ip link add "$VETH_A" type veth peer name "$VETH_B" || return 1
    ip link set "$VETH_B" netns "$NETNS" || return 1
    ip addr add "$NET_SCHOOL_IP/24" dev "$VETH_A" || return 1
    ip link set "$VETH_A" up || return 1
    ip netns exec "$NETNS" ip addr add "$NET_HUB_IP/24" dev "$VETH_B" || return 1
    ip netns exec "$NETNS" ip link set "$VETH_B" up || return 1
    ip netns exec "$NETNS" ip link set lo up || return 1
    # A queue of 100 ms at the line rate, like a small home router's.
    tc qdisc add dev "$VETH_A" root tbf rate "$1" burst 8kb latency 100ms || return 1
    ip netns exec "$NETNS" tc qdisc add dev "$VETH_B" root tbf rate "$1" burst 8kb latency 100ms ||
        return 1
}

netns_teardown() {
    ip link del "$VETH_A" 2>/dev/null || true
    ip netns del "$NETNS" 2>/dev/null || true
    # Leave no mount behind: undo the /run/netns mount ip made, once no namespace is left in it.
    if [ "${NETNS_RUN_WAS_MOUNTED:-1}" = 0 ] && mountpoint -q /run/netns 2>/dev/null &&
        [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
        umount /run/netns 2>/dev/null || true
    fi
}

# start_hub_in_netns NAME: the hub runs inside the namespace, sync on NET_HUB_IP (sets HUB_PORT).
start_hub_in_netns() {
    local name=$1 i
    rm -f "$T/$name/cairnd.sync-port"
    ip netns exec "$NETNS" "$CAIRND" run --data "$T/$name" --listen 127.0.0.1:0 \
        --sync-listen "$NET_HUB_IP:0" >>"$T/$name.log" 2>&1 &
    DPID=$!
    PIDS+=("$DPID")
    eval "NODE_PID_${name//-/_}=$DPID"
    for i in $(seq 1 200); do
        if [ -s "$T/$name/cairnd.sync-port" ] && "$CAIRN" --data "$T/$name" status >/dev/null 2>&1; then
            HUB_PORT=$(cat "$T/$name/cairnd.sync-port")
            return 0
        fi
        kill -0 "$DPID" 2>/dev/null || fail "cairnd $name exited at start"
        sleep 0.05
    done
    fail "hub $name did not come up in the namespace"
}
