#!/usr/bin/env python3
"""relay.py: a recording, counting TCP relay for the sync tests and benchmarks.

usage: relay.py PORT_FILE TARGET_HOST:PORT CAPTURE_PREFIX

Listens on an ephemeral loopback port (written to PORT_FILE, atomically), and for every accepted
connection N opens one to TARGET and forwards both ways. The client-to-target bytes of
connection N are appended to CAPTURE_PREFIX.N.up, the target-to-client ones to .N.down, and
CAPTURE_PREFIX.count holds "UP DOWN" totals over all connections (rewritten after every chunk),
so a test can count bytes on the wire or replay a recorded session. SIGUSR1 closes every open
connection (both sides see EOF); new ones work. SIGTERM ends it.
"""
import os
import signal
import socket
import sys
import threading

port_file, target, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
thost, tport = target.rsplit(":", 1)
lock = threading.Lock()
totals = [0, 0]
open_socks = set()


def close_all(signum, frame):
    for s in list(open_socks):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def count(i, n):
    with lock:
        totals[i] += n
        tmp = prefix + ".count.tmp"
        with open(tmp, "w") as f:
            f.write("%d %d\n" % (totals[0], totals[1]))
        os.replace(tmp, prefix + ".count")


def pump(src, dst, path, i):
    with open(path, "ab") as cap:
        while True:
            try:
                b = src.recv(65536)
            except OSError:
                b = b""
            if not b:
                break
            cap.write(b)
            cap.flush()
            count(i, len(b))
            try:
                dst.sendall(b)
            except OSError:
                break
    for s in (dst,):
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(conn, n):
    try:
        up = socket.create_connection((thost, int(tport)))
    except OSError:
        conn.close()
        return
    open_socks.update((conn, up))
    t1 = threading.Thread(target=pump, args=(conn, up, "%s.%d.up" % (prefix, n), 0), daemon=True)
    t2 = threading.Thread(target=pump, args=(up, conn, "%s.%d.down" % (prefix, n), 1), daemon=True)
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    open_socks.difference_update((conn, up))
    conn.close()
    up.close()


def main():
    signal.signal(signal.SIGUSR1, close_all)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.replace(port_file + ".tmp", port_file)
    count(0, 0)
    n = 0
    while True:
        c, _ = ls.accept()
        n += 1
        threading.Thread(target=serve, args=(c, n), daemon=True).start()


main()
