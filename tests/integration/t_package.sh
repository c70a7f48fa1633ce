#!/bin/bash
# The Debian package (packaging/build-deb.sh): built from this build tree if it was configured
# for /usr, else from a private /usr tree (BUILD/package-usr), checked with dpkg-deb --info and
# --contents (files, Depends naming the package of every shared library the binaries load), its
# binaries and man pages working straight out of the archive. As root only: installed with
# dpkg -i into the real system (user cairn, /var/lib/cairn 0700), the installed cairnd inits and
# checks a data dir and starts reading /usr/share/cairn/synonyms.tsv, systemd-analyze verify on
# the units, then dpkg -r / -P leave no files behind. Runs serialised (flock) per build tree and,
# around dpkg, system-wide.
source "$(dirname "$0")/lib.sh"
: "${CAIRN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${CAIRN_BIN:=$(cd "$(dirname "$CAIRND")/.." && pwd)}"
BUILD=$(cd "$CAIRN_BIN" && pwd)
exec 8>"$BUILD/.t_package.lock"
flock -w 300 8 || fail "another package test holds $BUILD/.t_package.lock"

# A sanitizer tree is refused with a clear message (the package carries release binaries only).
if grep -q '^CAIRN_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt"; then
    out=$("$CAIRN_SRC/packaging/build-deb.sh" "$BUILD" "$T/out" 2>&1) && fail "packaged a sanitizer build"
    assert_contains "$out" "sanitizer build" "refusal of a sanitizer tree"
    pass "build-deb.sh refuses a sanitizer build; the package is tested in the release build"
    exit 0
fi
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
if [ "$prefix" != /usr ]; then
    out=$("$CAIRN_SRC/packaging/build-deb.sh" "$BUILD" "$T/out" 2>&1) && fail "packaged a $prefix build"
    assert_contains "$out" "CMAKE_INSTALL_PREFIX=$prefix" "refusal of a $prefix tree"
    # A development tree keeps /usr/local, so that its daemons never read the /usr/share/cairn
    # files this test installs for a moment (t_search expects no synonym table). The package is
    # built from a private /usr tree kept beside it (incremental after the first run).
    echo "note: $BUILD is configured for $prefix; building cairn and cairnd in $BUILD/package-usr"
    cmake -S "$CAIRN_SRC" -B "$BUILD/package-usr" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCAIRN_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
    cmake --build "$BUILD/package-usr" -j2 --target cairn cairnd >/dev/null
    BUILD="$BUILD/package-usr"
fi

deb=$("$CAIRN_SRC/packaging/build-deb.sh" "$BUILD" "$T/out")
[ -f "$deb" ] || fail "build-deb.sh made no .deb"
size=$(stat -c %s "$deb")
echo "package: $(basename "$deb") $size bytes ($((size / 1024)) KiB)"

info=$(dpkg-deb --info "$deb")
assert_contains "$info" "Package: cairn" "package name"
assert_contains "$info" "Version: 0.1.0" "package version"
depends=$(dpkg-deb --field "$deb" Depends)
for p in adduser tzdata libuv1 libsqlite3-0 libsodium23 libmsgpackc2 libinih1 libjansson4 zlib1g \
    libqrencode4 libpng16-16 libncursesw6 libc6; do
    case ", $depends," in *", $p,"*) ;; *) fail "Depends lacks $p: $depends" ;; esac
done
# Every shared library the built binaries load belongs to a package named in Depends.
for lib in $(ldd "$BUILD/client/cairn" "$BUILD/daemon/cairnd" | awk '/=> \//{print $3}' | sort -u); do
    owner=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null) ||
        fail "no package owns $lib"
    owner=${owner%%:*}
    case ", $depends," in *", $owner,"*) ;; *) fail "$lib comes from $owner, not in Depends" ;; esac
done
pass "control: cairn 0.1.0, Depends: $depends"

contents=$(dpkg-deb --contents "$deb")
for f in ./usr/sbin/cairnd ./usr/bin/cairn ./usr/share/cairn/synonyms.tsv \
    ./usr/lib/systemd/system/cairnd-school.service ./usr/lib/systemd/system/cairnd-hub.service \
    ./usr/share/man/man8/cairnd.8.gz ./usr/share/man/man1/cairn.1.gz \
    ./usr/share/doc/cairn/examples/school.conf ./usr/share/doc/cairn/examples/hub.conf \
    ./usr/share/doc/cairn/copyright ./usr/share/doc/cairn/security.md ./etc/cairn/; do
    grep -q " $f\$" <<<"$contents" || fail "$f not in the package"
done
grep -q " root/root .* ./usr/sbin/cairnd$" <<<"$contents" || fail "files are not owned by root"
ctl=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)
for s in postinst prerm postrm md5sums; do grep -qx "./$s" <<<"$ctl" || fail "no $s"; done
pass "contents: binaries, units, man pages, examples, maintainer scripts"

# Straight out of the archive: the binaries run, the man pages render without warnings.
dpkg-deb -x "$deb" "$T/root"
assert_contains "$("$T/root/usr/bin/cairn" --version)" "cairn 0.1.0" "cairn --version"
for m in man1/cairn.1.gz man8/cairnd.8.gz; do
    if command -v groff >/dev/null; then
        w=$(zcat "$T/root/usr/share/man/$m" | LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z 2>&1)
        [ -z "$w" ] || fail "groff warns on $m: $w"
    fi
    if command -v man >/dev/null; then
        r=$(MANWIDTH=80 man -l "$T/root/usr/share/man/$m" 2>/dev/null)
        assert_contains "$r" "SYNOPSIS" "man -l $m"
    fi
done
pass "extracted binaries run; man pages render"

if [ "$(id -u)" != 0 ]; then
    echo "skip: not root, so not installing the package with dpkg -i"
    exit 0
fi
# dpkg changes the whole system: one package test at a time on this machine.
exec 9>/run/lock/cairn-package-install.lock
flock -w 600 9 || fail "another package test holds /run/lock/cairn-package-install.lock"
if dpkg-query -W -f='${Status}' cairn 2>/dev/null | grep -q "ok installed"; then
    echo "skip: a cairn package is already installed on this machine; not touching it"
    exit 0
fi
had_user=0
getent passwd cairn >/dev/null && had_user=1
had_dirs=""
for d in /var/lib/cairn /var/lib/cairn-hub /etc/cairn; do [ -e "$d" ] && had_dirs="$had_dirs $d"; done
installed=0
setup_done=0
before_cleanup() {
    if [ $setup_done = 1 ]; then rm -rf /var/lib/cairn /etc/cairn/cairnd.conf; fi
    if [ $installed = 1 ]; then dpkg -P cairn >/dev/null 2>&1 || true; fi
    if [ $had_user = 0 ] && getent passwd cairn >/dev/null; then
        userdel cairn 2>/dev/null || true
        groupdel cairn 2>/dev/null || true
    fi
}
dpkg -i "$deb" >"$T/dpkg-i.log" 2>&1 || { cat "$T/dpkg-i.log" >&2; fail "dpkg -i"; }
installed=1
dpkg-query -W -f='${Status}' cairn | grep -q "install ok installed" || fail "cairn not installed"
getent passwd cairn >/dev/null || fail "postinst made no cairn user"
shell=$(getent passwd cairn | cut -d: -f7)
case "$shell" in */nologin | */false) ;; *) fail "cairn user has a login shell: $shell" ;; esac
if [[ " $had_dirs " != *" /var/lib/cairn "* ]]; then
    assert_eq "$(stat -c '%a %U %G' /var/lib/cairn)" "700 cairn cairn" "/var/lib/cairn"
fi
assert_eq "$(stat -c '%a %U %G' /etc/cairn)" "750 root cairn" "/etc/cairn"
pass "dpkg -i: user cairn (no login), /var/lib/cairn 0700 cairn, /etc/cairn 0750 root:cairn"

# The installed binaries: usage, version, init + check-config on a temp data dir, and the daemon
# finds the installed synonym table (none in the data dir).
assert_contains "$(/usr/bin/cairn --version)" "cairn 0.1.0" "installed cairn --version"
assert_contains "$(/usr/sbin/cairnd --version)" "cairnd 0.1.0 (protocol 1)" "installed cairnd --version"
rc=0
/usr/sbin/cairnd >/dev/null 2>"$T/usage" || rc=$?
assert_eq "$rc" 2 "cairnd with no command"
assert_contains "$(cat "$T/usage")" "cairnd check-config --data DIR" "cairnd usage"
/usr/sbin/cairnd init --role school --data "$T/box" --name "Package Test School" >/dev/null
assert_eq "$(/usr/sbin/cairnd check-config --data "$T/box")" "ok" "installed cairnd check-config"
assert_eq "$(stat -c %a "$T/box")" "700" "data dir mode"
CAIRND=/usr/sbin/cairnd CAIRN=/usr/bin/cairn start_node box
grep -q "synonyms from /usr/share/cairn/synonyms.tsv" "$T/box.log" ||
    fail "installed cairnd did not read /usr/share/cairn/synonyms.tsv: $(head -5 "$T/box.log")"
CAIRND=/usr/sbin/cairnd CAIRN=/usr/bin/cairn stop_node box
pass "installed cairnd: init, check-config ok, runs with /usr/share/cairn/synonyms.tsv, stops cleanly"

# The admin step of cairnd(8) SETUP, as written there, when this machine had no /var/lib/cairn:
# init as the cairn user, config moved to /etc/cairn and linked back, check-config as cairn.
# A system user can only run /usr/sbin/cairnd if every directory on the way lets others search
# it; a root directory of mode 0700 (a chroot made with mktemp -d, as fresh-debian's is) does not.
root_mode=$(stat -c %a /)
if (( (8#$root_mode & 1) == 0 )); then
    echo "note: / is mode $root_mode here (not searchable by other users): the SETUP step as the" \
        "cairn user cannot run on this machine and is not checked"
elif [[ " $had_dirs " != *" /var/lib/cairn "* && " $had_dirs " != *" /etc/cairn "* ]]; then
    runuser -u cairn -- /usr/sbin/cairnd init --role school --data /var/lib/cairn \
        --name "Hillside Primary" >/dev/null
    mv /var/lib/cairn/cairnd.conf /etc/cairn/cairnd.conf
    chown root:cairn /etc/cairn/cairnd.conf
    chmod 0640 /etc/cairn/cairnd.conf
    ln -s /etc/cairn/cairnd.conf /var/lib/cairn/cairnd.conf
    assert_eq "$(runuser -u cairn -- /usr/sbin/cairnd check-config --data /var/lib/cairn)" "ok" \
        "check-config as cairn with the config in /etc/cairn"
    assert_eq "$(stat -c '%a %U' /var/lib/cairn/identity.key)" "600 cairn" "identity.key"
    pass "cairnd(8) SETUP: init as cairn, config in /etc/cairn (symlinked), check-config ok"
    setup_done=1
fi

if command -v man >/dev/null; then
    man -w cairnd 2>/dev/null | grep -q /usr/share/man/man8/cairnd.8.gz || fail "man cairnd not found"
    man -w cairn 2>/dev/null | grep -q /usr/share/man/man1/cairn.1.gz || fail "man cairn not found"
fi
if command -v systemd-analyze >/dev/null; then
    for u in cairnd-school cairnd-hub; do
        v=$(systemd-analyze verify "/usr/lib/systemd/system/$u.service" 2>&1) ||
            fail "systemd-analyze verify $u: $v"
        [ -z "$v" ] || fail "systemd-analyze verify $u warns: $v"
        grep -q "^ProtectSystem=strict" "/usr/lib/systemd/system/$u.service" || fail "$u: ProtectSystem"
    done
    pass "systemd-analyze verify: both units clean"
else
    echo "skip: no systemd-analyze"
fi

dpkg -r cairn >"$T/dpkg-r.log" 2>&1 || { cat "$T/dpkg-r.log" >&2; fail "dpkg -r"; }
[ ! -e /usr/sbin/cairnd ] && [ ! -e /usr/bin/cairn ] || fail "binaries left after dpkg -r"
# The box this test initialised: an initialised box survives purge (its data is not the
# package's to delete), so the test removes it itself.
if [ "$setup_done" = 1 ]; then
    [ -f /var/lib/cairn/identity.key ] || fail "dpkg -r removed an initialised box's identity"
    rm -rf /var/lib/cairn /etc/cairn/cairnd.conf
    setup_done=0
fi
dpkg -P cairn >/dev/null 2>&1 || fail "dpkg -P"
installed=0
for d in /var/lib/cairn /var/lib/cairn-hub /etc/cairn; do
    if [[ " $had_dirs " != *" $d "* ]] && [ -e "$d" ]; then fail "$d left after purge"; fi
done
pass "dpkg -r / -P: nothing left behind"
