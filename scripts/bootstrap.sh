#!/usr/bin/env bash
# Install whatever the build and the tests need and is missing. Idempotent: a second run only
# checks versions. Works unattended on a fresh Debian machine with rustup/cargo, Node 20 and npm.
#
#   scripts/bootstrap.sh            # everything (build + tests)
#   scripts/bootstrap.sh --build    # only what `make build` needs (no Chromium, no Python venv)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
MODE=${1:-all}
log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

# The wasm-bindgen version pinned in Cargo.toml; the CLI must match it exactly.
WBG_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$WBG_VERSION" ] || { echo "cannot read the pinned wasm-bindgen version from Cargo.toml" >&2; exit 1; }

# 1. Rust target for wasm.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli, pinned, into the ignored .tools/cargo. Building it takes 5–12 min, so a
#    built copy is also kept in a per-user cache and reused by other clones on the same machine.
CACHE=${SUPERIMPOSE_TOOL_CACHE:-$HOME/.cache/superimpose-wasm}/wasm-bindgen-$WBG_VERSION
have_wbg() { [ -x "$1/wasm-bindgen" ] && "$1/wasm-bindgen" --version 2>/dev/null | grep -q " $WBG_VERSION\$"; }
if ! have_wbg "$TOOLS/cargo/bin"; then
  if have_wbg "$CACHE/bin"; then
    log "wasm-bindgen-cli $WBG_VERSION from the machine cache $CACHE"
    mkdir -p "$TOOLS/cargo/bin"
    cp "$CACHE"/bin/* "$TOOLS/cargo/bin/"
  else
    log "building wasm-bindgen-cli $WBG_VERSION (no TLS features; takes several minutes once)"
    # --locked fails offline (its lockfile pins a webpki-roots the registry mirror lacks); the
    # CLI only talks plain HTTP to a local chromedriver, so the TLS features are not needed.
    cargo install wasm-bindgen-cli --version "$WBG_VERSION" --no-default-features --root "$TOOLS/cargo"
  fi
fi
if ! have_wbg "$CACHE/bin"; then mkdir -p "$CACHE/bin" && cp "$TOOLS"/cargo/bin/* "$CACHE/bin/" || true; fi

# 3. npm dev dependencies: binaryen (wasm-opt, never Debian's — it breaks wasm-bindgen output),
#    playwright-core, typescript.
if [ ! -x node_modules/.bin/wasm-opt ] || [ package.json -nt node_modules/.package-lock.json ] ||
   { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  log "npm install (dev dependencies)"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

# 4. The wasm-threads build (pkg/superimpose_wasm_mt*, scripts/build.sh) needs a nightly rustc
#    with rust-src (-Z build-std: the standard library rebuilt with atomics) and the wasm32
#    target. Pinned: the machine's `nightly` when it is this one (no download), else
#    nightly-2026-05-20 from the rustup distribution server. The outcome goes to
#    .tools/threads-toolchain: "ok <toolchain>", or "unavailable: <why>" — then the package is
#    built without the threads module and its tests say why they did not run.
THREADS_PIN=nightly-2026-05-20
THREADS_RUSTC_DATE=2026-05-19
THREADS_STATUS=$TOOLS/threads-toolchain
mkdir -p "$TOOLS"
threads_ready() { # toolchain
  rustc "+$1" -V 2>/dev/null | grep -q "$THREADS_RUSTC_DATE" &&
    rustup component list --installed --toolchain "$1" 2>/dev/null | grep -qx rust-src &&
    rustup target list --installed --toolchain "$1" 2>/dev/null | grep -qx wasm32-unknown-unknown
}
first_error() { grep -m1 -i 'error' <<<"$1" || tail -1 <<<"$1"; }
threads_setup() {
  local tc=$THREADS_PIN
  rustc +nightly -V 2>/dev/null | grep -q "$THREADS_RUSTC_DATE" && tc=nightly
  if threads_ready "$tc"; then echo "ok $tc" >"$THREADS_STATUS"; return 0; fi
  log "threads build toolchain: $tc (+ rust-src, wasm32-unknown-unknown)"
  local out
  if [ "$tc" != nightly ] && ! rustc "+$tc" -V >/dev/null 2>&1; then
    out=$(rustup toolchain install "$tc" --profile minimal 2>&1) ||
      { echo "unavailable: rustup toolchain install $tc failed: $(first_error "$out")" >"$THREADS_STATUS"; return 1; }
  fi
  out=$(rustup component add rust-src --toolchain "$tc" 2>&1 && rustup target add wasm32-unknown-unknown --toolchain "$tc" 2>&1) ||
    { echo "unavailable: adding rust-src/wasm32 to $tc failed: $(first_error "$out")" >"$THREADS_STATUS"; return 1; }
  threads_ready "$tc" || { echo "unavailable: $tc is not usable after installing" >"$THREADS_STATUS"; return 1; }
  echo "ok $tc" >"$THREADS_STATUS"
}
threads_setup || log "WARNING: no threads build ($(cat "$THREADS_STATUS")); the single-threaded package is built"

[ "$MODE" = "--build" ] && exit 0

# 5. Chromium + chromedriver (Debian packages) for the browser tests and the demo e2e tests.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  log "apt-get install chromium chromium-driver"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium chromium-driver
fi

# 6. Python venv with Pillow 13 + numpy: the independent reference for the resampling tests.
if ! "$TOOLS/venv/bin/python" -c 'import PIL, numpy; assert PIL.__version__ == "13.0.0"' 2>/dev/null; then
  log "python venv with pillow==13.0.0 numpy"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check pillow==13.0.0 numpy
fi
log "ready: wasm-bindgen $WBG_VERSION, threads build: $(cat "$THREADS_STATUS"), $(node_modules/.bin/wasm-opt --version 2>/dev/null | head -1), chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"
