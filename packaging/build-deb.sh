#!/bin/sh
# build-deb.sh BUILD_DIR OUT_DIR: builds cairn_<version>_<arch>.deb in OUT_DIR from a built tree.
# Stages `cmake --install` into a temporary DESTDIR (binaries, units, man pages, examples, docs),
# adds DEBIAN/ (control with Depends computed from the binaries' shared libraries, maintainer
# scripts) and runs dpkg-deb --build as root-owned files. No debhelper. Prints the .deb's path.
set -eu
[ $# -eq 2 ] || { echo "usage: build-deb.sh BUILD_DIR OUT_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "build-deb: $*" >&2; exit 1; }

cache="$build/CMakeCache.txt"
[ -f "$cache" ] || die "$build is not a CMake build tree (no CMakeCache.txt)"
grep -q '^CAIRN_SANITIZE:BOOL=ON' "$cache" && die "$build is a sanitizer build; package a release one"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:[A-Z]*=//p' "$cache")
# The prefix is compiled into cairnd (the synonyms table's path): a tree built for /usr/local
# would look for its data where the package does not put it.
[ "$prefix" = /usr ] || die "$build was configured with CMAKE_INSTALL_PREFIX=$prefix; the package \
needs /usr (cmake -S . -B $build -DCMAKE_INSTALL_PREFIX=/usr)"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:[A-Z]*=//p' "$cache")
[ -n "$version" ] || die "no project version in $cache"
arch=$(dpkg --print-architecture)

stage=$(mktemp -d "${TMPDIR:-/tmp}/cairn-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
DESTDIR="$stage" cmake --install "$build" >/dev/null
for b in usr/bin/cairn usr/sbin/cairnd usr/share/cairn/synonyms.tsv; do
    [ -f "$stage/$b" ] || die "cmake --install did not stage /$b"
done
strip --strip-unneeded "$stage/usr/bin/cairn" "$stage/usr/sbin/cairnd"
gzip -9n "$stage"/usr/share/man/man*/*
# Debian policy: a copyright file, and an empty config directory owned by the package.
cat >"$stage/usr/share/doc/cairn/copyright" <<EOT
Cairn $version: offline-first micro-credentials for teachers.
Copyright: the Cairn team. See README.md for the project and its dependencies' own licences.
EOT
mkdir -p "$stage/etc/cairn"

# Depends: the package owning each shared library the binaries load.
deps=""
for lib in $(ldd "$stage/usr/bin/cairn" "$stage/usr/sbin/cairnd" | awk '/=> \//{print $3}' | sort -u); do
    pkg=""
    for p in "$lib" "$(readlink -f "$lib")" "/usr$lib" "${lib#/usr}"; do
        pkg=$(dpkg -S "$p" 2>/dev/null | head -n1 | cut -d: -f1) && [ -n "$pkg" ] && break
    done
    [ -n "$pkg" ] || die "no Debian package owns $lib"
    deps="$deps $pkg"
done
deps=$(printf '%s\n' $deps | sort -u | paste -sd, - | sed 's/,/, /g')

mkdir -p "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/; s/@ARCH@/$arch/; s/@SIZE@/$size/; s/@DEPENDS@/$deps/" \
    "$here/debian/control.in" >"$stage/DEBIAN/control"
for s in postinst prerm postrm; do install -m 0755 "$here/debian/$s" "$stage/DEBIAN/$s"; done
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs md5sum) \
    >"$stage/DEBIAN/md5sums"
find "$stage" -type d -exec chmod 0755 {} +
deb="$out/cairn_${version}_$arch.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
