# npm_lib.sh: the npm packages of tests/interop (Node is for tests only, never the product),
# installed once per build directory with `npm ci` from the committed lock file and cached by the
# lock file's hash; flock keeps two tests from installing at once. Sets NODE_DIR.
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
        (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >"$T/npm.log" 2>&1) ||
            { cat "$T/npm.log" >&2; fail "npm ci (the npm registry must be reachable once)"; }
        touch "$stamp"
    fi
    cp "$SRC/tests/interop/interop.mjs" "$NODE_DIR/"
    flock -u 9
}
