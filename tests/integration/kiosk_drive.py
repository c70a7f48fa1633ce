#!/usr/bin/env python3
"""kiosk_drive.py: drives `cairn kiosk` through a pseudo-terminal like a teacher at the keyboard,
for t_kiosk.sh. Usage: kiosk_drive.py CAIRN DATADIR USB_DIR. Prints one "ok: ..." line per step
and exits non-zero at the first step whose text does not appear on the screen in time.

The screen is read as the terminal receives it: escape sequences read as spaces (a cursor move
over blank cells, an attribute change) and runs of spaces are squeezed, so a check is on the words
a person would see, in screen order."""
import os
import pty
import re
import select
import sys
import time

CAIRN, DATA, USB = sys.argv[1], sys.argv[2], sys.argv[3]
TIMEOUT = 30.0

pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.environ["LINES"] = "40"
    os.environ["COLUMNS"] = "120"
    os.execv(CAIRN, [CAIRN, "--data", DATA, "kiosk", "--idle", "3"])

raw = b""
seen = 0  # text already matched: each expect looks only at what came after


def pump(timeout):
    global raw
    r, _, _ = select.select([fd], [], [], timeout)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        raw += data
    return True


def text():
    t = raw.decode("utf-8", "replace")
    # every control sequence (a cursor move over blank cells, an attribute) reads as a space
    t = re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]", " ", t)
    t = re.sub(r"\x1b[()][0-9A-Za-z]|\x1b[=>78]|\x1b\][^\x07]*\x07", " ", t)
    t = t.replace("\r", " ").replace("\n", " ")
    return re.sub(r"[ \t]+", " ", t)


def expect(needle, what):
    global seen
    deadline = time.time() + TIMEOUT
    needle = re.sub(r"\s+", " ", needle)
    while time.time() < deadline:
        t = text()
        i = t.find(needle, seen)
        if i >= 0:
            seen = i + len(needle)
            print("ok: " + what, flush=True)
            return t
        if not pump(0.2):
            break
    sys.stderr.write("FAIL: %s: '%s' not on screen; last screen text:\n%s\n" %
                     (what, needle, text()[-2500:]))
    os.kill(pid, 9)
    sys.exit(1)


def number_of(label, what):
    """The menu number of the item starting with label, on the latest screen. The menu may still
    be arriving (a loaded machine delivers a screen in pieces), so this waits for the item."""
    deadline = time.time() + TIMEOUT
    pat = re.compile(r"(\d+)\. " + re.escape(label))
    start = max(0, seen - len(label) - 12)  # the last expect may have matched the item itself
    while True:
        t = text()
        m = list(pat.finditer(t, start))
        if m or time.time() >= deadline or not pump(0.2):
            break
    if not m:
        sys.stderr.write("FAIL: %s: no menu item '%s'\n%s\n" % (what, label, t[-2000:]))
        os.kill(pid, 9)
        sys.exit(1)
    return m[-1].group(1)


def send(keys):
    os.write(fd, keys.encode())
    time.sleep(0.15)


def sign_in(name, pin, what):
    expect("Who are you?", "sign-in screen (" + what + ")")
    pump(0.3)
    send(number_of(name, what))
    expect("PIN for " + name, "PIN prompt for " + name)
    send(pin + "\r")


# 1. A wrong PIN is counted and says how many tries are left.
sign_in("Ada Okafor", "1111", "wrong PIN")
expect("wrong PIN: 4 tries left before a lockout", "a wrong PIN is counted")

# 2. Five wrong PINs lock Cy until a stated time; even the right PIN is refused then.
for i in range(5):
    sign_in("Cy Colleague", "0000", "Cy wrong %d" % (i + 1))
    if i < 4:
        expect("tries left" if i < 3 else "1 try left", "Cy wrong PIN %d counted" % (i + 1))
expect("is locked after 5 wrong PINs until", "lockout after five wrong PINs")
expect("UTC (in", "the lockout says when it ends")
sign_in("Cy Colleague", "9999", "Cy locked")
expect("is locked after 5 wrong PINs until", "the right PIN is refused while locked")

# 3. Ada with the right PIN sees her draft submission.
sign_in("Ada Okafor", "2468", "right PIN")
expect("Welcome, Ada Okafor.", "signed in with the right PIN")
send("1")
expect("wait-time, attempt 1: draft", "her submission is listed")
send("1")
expect("video (video, required): missing", "the submission's parts")

# 4. Two files from the USB folder, with a progress bar.
for fname, part in (("lesson.mp4", "video"), ("tally.csv", "tally")):
    send("1")
    expect("Folder to take the file from", "asked for the folder")
    send(USB + "\r")
    expect(fname, "the folder's files are listed")
    pump(0.3)
    send(number_of(fname, "pick " + fname))
    expect("Which part is it?", "asked which part")
    pump(0.3)
    send(number_of(part + " (", "pick part " + part))
    expect("Added " + fname, fname + " added as " + part)
t = text()
if "sending" not in t or "[#" not in t:
    sys.stderr.write("FAIL: no progress bar was drawn\n")
    sys.exit(1)
print("ok: a progress bar was drawn while sending")

# 5. Text evidence, then submit.
send("2")
expect("Which part is it?", "text: which part")
pump(0.3)
send(number_of("reflection (", "pick reflection"))
expect("Type the text", "text prompt")
send("Students answered at greater length.\r")
expect("Added the text as reflection", "text evidence added")
send("3")
expect("Submitted.", "submitted")
expect("State: submitted", "the state shows submitted")

# 6. Back to the main menu; the recommendation from Ben, accepted.
send("4")
expect("My submissions", "back to the list")
send("q")
expect("Main menu", "main menu")
send("3")
expect("Accountable Talk in Classroom Discussion, from Ben Leader (open)", "a recommendation")
send("1")
expect("Note: Try this with your Year 5 class", "its note")
send("1")
expect("Accepted", "recommendation accepted")

# 7. Idle: no key for 3 seconds signs out.
time.sleep(3.5)
expect("Signed out after 3 s without a key press.", "idle sign-out")

# 8. A leader sees the staff summary, then signs out.
sign_in("Ben Leader", "1357", "leader")
expect("Welcome, Ben Leader.", "leader signed in")
expect("Staff summary", "leader menu")
send("1")
expect("SUBMITTED", "staff summary table")
expect("Ada Okafor teacher 0 1 0 0", "Ada's row: one submitted, no open recommendation")
send("x")
expect("Main menu", "back from the summary")
send("5")
expect("Signed out. Goodbye, Ben Leader.", "sign out")

# 9. q on the sign-in screen quits.
expect("Who are you?", "sign-in screen again")
send("q")
deadline = time.time() + 10
while time.time() < deadline:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    pump(0.1)
else:
    sys.stderr.write("FAIL: the kiosk did not quit\n")
    sys.exit(1)
if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
    sys.stderr.write("FAIL: the kiosk exited with status %d\n" % status)
    sys.exit(1)
print("ok: q on the sign-in screen quits (exit 0)")
