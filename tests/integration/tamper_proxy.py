#!/usr/bin/env python3
"""tamper_proxy.py: a frame-aware tampering TCP proxy for t_tamper.sh (sync channel cases).

usage: tamper_proxy.py PORT_FILE TARGET_HOST:PORT CASES RESULTS [STATE_CMD...]

Listens on an ephemeral loopback port (written to PORT_FILE atomically). Connection N (from 1)
gets line N of CASES; connections past the last line are forwarded untouched ("clean"). Both
directions are parsed as frames (PROTOCOL.md 1: u32 big-endian length, payload); frame indexes
count from 0 per direction (up: hello, msg1, msg3, data...; down: hello reply, msg2, data...).
A case line is `NAME DIR KIND FRAME [ARG]`, DIR up|down, FRAME an index or `cs` (the first frame
of 200 bytes or more past the handshake: a change set), KIND one of:
  flip OFF BIT  flip BIT of byte OFF (mod the frame's size, header included) of the frame
  flipdown OFF  flip the lowest set bit of byte OFF (a length header only shrinks: no stall)
  trunc N       forward N bytes of the frame (mod its size), then end that direction (FIN)
  swap          send frame FRAME+1 before frame FRAME (if FRAME+1 comes within 2 s)
  dup           send the frame twice
  replay        send instead the frame of the same index recorded on an earlier connection
  len VALUE     set the frame's length header to VALUE, payload unchanged
  clean         nothing
After the connection ends RESULTS gets one line: `NAME applied=0|1 closer=client|target|watchdog
port=LOCAL_PORT_TOWARDS_TARGET frames=UP/DOWN state=<STATE_CMD output>`; STATE_CMD runs after
every tampered connection (e.g. cairnd state-hash of the hub), and the line ends with the last
line containing $TAMPER_LOG_PATTERN that $TAMPER_LOG (a daemon's log) gained meanwhile: the reason
that daemon gave. A connection still open 4 s after
its tampering (15 s for a case named stall*, which waits for a daemon's own 10 s
deadline; or 5 s after it opened, untampered) is closed by the watchdog. SIGTERM ends the proxy.
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

port_file, target, cases_path, results_path = sys.argv[1:5]
state_cmd = sys.argv[5:]
thost, tport = target.rsplit(":", 1)
cases = [ln.split() for ln in open(cases_path) if ln.strip() and not ln.startswith("#")]
recorded = {"up": {}, "down": {}}  # the latest frame seen at each index, any earlier connection
log_path = os.environ.get("TAMPER_LOG", "")
log_pattern = os.environ.get("TAMPER_LOG_PATTERN", "")
lock = threading.Lock()


class Conn:
    def __init__(self, n, client, up):
        self.case = cases[n - 1] if n <= len(cases) else ["clean", "up", "clean", "0"]
        self.client, self.up = client, up
        self.applied = False
        self.applied_at = None
        self.closer = None
        self.frames = {"up": [], "down": []}
        self.done = threading.Event()

    def note_close(self, who):
        with lock:
            if self.closer is None:
                self.closer = who


def shutdown(s, how=socket.SHUT_WR):
    try:
        s.shutdown(how)
    except OSError:
        pass


def target_frame(c, direction, idx, payload):
    name, cdir, kind, frame = c.case[:4]
    if cdir != direction or kind == "clean" or c.applied:
        return False
    if frame == "cs":
        return idx >= 3 - (direction == "down") and len(payload) >= 200
    return idx == int(frame)


def tamper(c, direction, idx, raw):
    """Returns the list of byte strings to send for this frame, or None to end the direction."""
    kind, args = c.case[2], c.case[4:]
    c.applied, c.applied_at = True, time.monotonic()
    b = bytearray(raw)
    if kind == "flip":
        b[int(args[0]) % len(b)] ^= 1 << int(args[1])
    elif kind == "flipdown":
        i = int(args[0]) % len(b)
        if b[i] == 0 and i < 4:
            b[0] |= 0x80  # a zero header byte can only grow: make the length huge instead
        elif b[i] == 0:
            b[i] = 0x80
        else:
            b[i] &= b[i] - 1
    elif kind == "trunc":
        return [bytes(b[: int(args[0]) % len(b)]), None]
    elif kind == "dup":
        return [bytes(b), bytes(b)]
    elif kind == "replay":
        old = recorded[direction].get(idx)
        if old is not None and old != raw:
            return [old]
        c.applied = False
    elif kind == "len":
        b[0:4] = struct.pack(">I", int(args[0]))
    return [bytes(b)]


def pump(c, src, dst, direction):
    buf = b""
    idx = 0
    held = None
    held_at = 0.0
    while True:
        try:
            src.settimeout(0.2 if held is not None else None)
            data = src.recv(65536)
        except socket.timeout:
            data = None
        except OSError:
            data = b""
        if held is not None and (data is not None or time.monotonic() - held_at > 2):
            if data is None:  # no next frame in time: send it unswapped
                c.applied = False
                try:
                    dst.sendall(held)
                except OSError:
                    break
                held = None
        if data is None:
            continue
        if not data:
            c.note_close("client" if direction == "up" else "target")
            break
        buf += data
        out = []
        end = False
        while len(buf) >= 4:
            n = struct.unpack(">I", buf[:4])[0]
            if len(buf) < 4 + n:
                if n > 4 * 1024 * 1024 + 16:  # a bad header passed on as is: the rest too
                    out.append(buf)
                    buf = b""
                break
            raw, buf = buf[: 4 + n], buf[4 + n :]
            c.frames[direction].append(raw)
            if held is not None:
                out += [raw, held]
                held = None
            elif target_frame(c, direction, idx, raw[4:]):
                if c.case[2] == "swap":
                    c.applied, c.applied_at = True, time.monotonic()
                    held, held_at = raw, time.monotonic()
                else:
                    for piece in tamper(c, direction, idx, raw):
                        if piece is None:
                            end = True
                            break
                        out.append(piece)
            else:
                out.append(raw)
            idx += 1
            if end:
                break
        try:
            for piece in out:
                dst.sendall(piece)
        except OSError:
            break
        if end:
            shutdown(dst)
            # keep reading (and dropping) so the sender is not stalled
            while True:
                try:
                    src.settimeout(None)
                    if not src.recv(65536):
                        break
                except OSError:
                    break
            break
    shutdown(dst)


def watchdog(c):
    started = time.monotonic()
    while not c.done.is_set():
        late = c.applied_at is None and c.case[2] != "clean" and time.monotonic() - started > 5
        limit = 15 if c.case[0].startswith("stall") else 4  # a daemon's own deadline is 10 s
        if late or (c.applied_at is not None and time.monotonic() - c.applied_at > limit):
            c.note_close("watchdog")
            for s in (c.client, c.up):
                shutdown(s, socket.SHUT_RDWR)
            return
        time.sleep(0.05)


def serve(client, n):
    try:
        up = socket.create_connection((thost, int(tport)))
    except OSError:
        client.close()
        return
    c = Conn(n, client, up)
    log_from = os.path.getsize(log_path) if log_path else 0
    port = up.getsockname()[1]
    t1 = threading.Thread(target=pump, args=(c, client, up, "up"), daemon=True)
    t2 = threading.Thread(target=pump, args=(c, up, client, "down"), daemon=True)
    wd = threading.Thread(target=watchdog, args=(c,), daemon=True)
    for t in (t1, t2, wd):
        t.start()
    t1.join()
    t2.join()
    c.done.set()
    client.close()
    up.close()
    if c.case[2] == "clean" and n > len(cases):
        return
    state = "-"
    time.sleep(0.03)
    if state_cmd:
        state = subprocess.run(state_cmd, capture_output=True, text=True).stdout.strip() or "?"
    reason = ""
    if log_path:
        with open(log_path, "rb") as f:
            f.seek(log_from)
            lines = [ln for ln in f.read().decode("utf-8", "replace").splitlines()
                     if log_pattern in ln]
        reason = lines[-1].split(" ", 2)[-1] if lines else ""
    with lock:
        for d in ("up", "down"):
            for i, raw in enumerate(c.frames[d]):
                recorded[d][i] = raw
        with open(results_path, "a") as f:
            f.write("%s applied=%d closer=%s port=%d frames=%d/%d state=%s %s\n" % (
                c.case[0], int(c.applied), c.closer, port, len(c.frames["up"]),
                len(c.frames["down"]), state, reason))


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.replace(port_file + ".tmp", port_file)
    n = 0
    while True:
        cl, _ = ls.accept()
        n += 1
        # one connection at a time, in order: case N is connection N
        serve(cl, n)


main()
