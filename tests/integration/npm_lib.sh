# npm_lib.sh: the npm packages of tests/interop (Node is for tests only, never the product),
# installed once per build directory with `npm ci` from the committed lock file and cached by the
# lock file's hash; flock keeps two tests from installing at once. Sets NODE_DIR.
# npm_install returns 1 (with NPM_UNREACHABLE=1) only when the registry cannot be reached from
# this machine; callers then exit 77, which ctest reports as "Skipped", never as passed.
: "${CAIRN_BIN:?CAIRN_BIN must point at the build directory}"
SRC=${CAIRN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
NODE_DIR=$CAIRN_BIN/interop-node

npm_install() {
    command -v node >/dev/null || fail "node is not installed (scripts/setup.sh installs it)"
    command -v npm >/dev/null || fail "npm is not installed (scripts/setup.sh installs it)"
    local lock=$SRC/tests/interop/package-lock.json stamp
    stamp=$NODE_DIR/.installed-$(sha256sum "$lock" | cut -c1-16)
    exec 9>"$CAIRN_BIN/interop-node.lock"
    flock 9
    if [ ! -f "$stamp" ]; then
        rm -rf "$NODE_DIR"
        mkdir -p "$NODE_DIR"
        cp "$SRC/tests/interop/package.json" "$lock" "$NODE_DIR/"
        if ! (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >"$T/npm.log" 2>&1); then
            cat "$T/npm.log" >&2
            rm -rf "$NODE_DIR"
            flock -u 9
            # The registry cannot be reached from here (no route, DNS, or a TLS-intercepting
            # proxy whose CA this machine does not trust): the interop checks cannot run, which
            # is not a pass. Any other npm failure is a failure.
            if grep -Eq 'SELF_SIGNED_CERT|UNABLE_TO_(GET|VERIFY)|CERT_|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH' "$T/npm.log"; then
                NPM_UNREACHABLE=1
                return 1
            fi
            fail "npm ci failed (see above)"
        fi
        touch "$stamp"
    fi
    cp "$SRC/tests/interop/interop.mjs" "$NODE_DIR/"
    flock -u 9
}
