#!/usr/bin/env bash
# Build the npm package into pkg/. The crate is built three times for wasm32 (release, simd128),
# plus a fourth, threaded core when bootstrap.sh found the nightly toolchain for it (see below):
#   core   --no-default-features --features core-api   → superimpose_wasm{.js,_bg.wasm}
#   codecs --no-default-features --features codecs     → superimpose_codecs{.js,_bg.wasm}
#   client --no-default-features --features client-api → superimpose_client{.js,_bg.wasm}
# each through wasm-bindgen --target web and wasm-opt -Oz (npm binaryen); then package.json from
# pkg.json and the size report (scripts/size-report.mjs). Assumes scripts/bootstrap.sh ran.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/.tools/cargo/bin:$PWD/node_modules/.bin:$PATH
CRATE=superimpose_wasm
OUT=pkg
TARGET_WASM=target/wasm32-unknown-unknown/release/$CRATE.wasm
STAGE=target/wasm-modules
mkdir -p "$STAGE"

# Both builds write the same cdylib path (cargo rebuilds the crate when the features change), so
# each result is copied aside before the next build.
# `make lint` checks the default features; a warning in either half alone (dead code, an unused
# import behind a feature gate) fails the build here.
build() { # name features
  echo "build.sh: cargo build ($1: --no-default-features --features $2)"
  local log
  log=$(cargo build --release --target wasm32-unknown-unknown --lib --no-default-features \
    --features "$2" --color never 2>&1) || { echo "$log" >&2; return 1; }
  echo "$log" | grep -v '^ *\(Compiling\|Finished\|Blocking\|Downloaded\|Downloading\|Updating\|Locking\|Adding\)' >&2 || true
  if echo "$log" | grep -q '^warning'; then
    echo "build.sh: warnings in the $1 build (--features $2)" >&2
    return 1
  fi
  cp "$TARGET_WASM" "$STAGE/$1.wasm"
}
build core core-api
build codecs codecs
build client client-api

# The wasm-threads core (superimpose_wasm_mt, for `superimpose-wasm/threads`): the core-api
# features again, with atomics and a shared, imported memory (max 4 GiB), the standard library
# rebuilt for them (nightly -Z build-std; toolchain chosen by bootstrap.sh, in
# .tools/threads-toolchain), and the TLS exports wasm-bindgen's thread support needs. Its own
# target dir: these RUSTFLAGS (which replace .cargo/config.toml's) would otherwise rebuild the
# single-threaded modules' dependencies every time.
THREADS=$(cat .tools/threads-toolchain 2>/dev/null || echo "unavailable: scripts/bootstrap.sh has not run")
if [ "${THREADS%% *}" = ok ]; then
  tc=${THREADS#ok }
  echo "build.sh: cargo +$tc build (threads: core-api, +atomics, -Z build-std)"
  log=$(RUSTFLAGS="-C target-feature=+atomics,+bulk-memory,+mutable-globals,+simd128 --cfg=web_sys_unstable_apis \
-C link-arg=--shared-memory -C link-arg=--max-memory=4294967296 -C link-arg=--import-memory \
-C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size -C link-arg=--export=__tls_align \
-C link-arg=--export=__tls_base" \
    cargo "+$tc" build --release --target wasm32-unknown-unknown --lib --no-default-features \
    --features core-api -Z build-std=std,panic_abort --target-dir target/threads --color never 2>&1) ||
    { echo "$log" >&2; exit 1; }
  # The one expected warning: `atomics` is an unstable target feature.
  warn=$(echo "$log" | grep -A3 '^warning' | grep -v "unstable feature specified for .-Ctarget-feature.: .atomics." |
    grep -v 'this feature is not stably supported\|^ *|$\|^--$\|generated 1 warning\|^warning: `superimpose-wasm` (lib) generated' || true)
  if echo "$warn" | grep -q '^warning'; then echo "$log" >&2; echo "build.sh: warnings in the threads build" >&2; exit 1; fi
  cp target/threads/wasm32-unknown-unknown/release/$CRATE.wasm "$STAGE/threads.wasm"
else
  echo "build.sh: WARNING: no threads build ($THREADS)" >&2
  rm -f "$STAGE/threads.wasm"
fi

rm -rf "$OUT" && mkdir -p "$OUT"
bindgen() { # stage-name out-name
  wasm-bindgen --target web --out-dir "$OUT" --out-name "$2" "$STAGE/$1.wasm"
  wasm-opt -Oz --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-reference-types --enable-multivalue --enable-mutable-globals \
    "$OUT/$2_bg.wasm" -o "$OUT/$2_bg.wasm"
}
bindgen core superimpose_wasm
bindgen codecs superimpose_codecs
bindgen client superimpose_client
if [ -f "$STAGE/threads.wasm" ]; then
  wasm-bindgen --target web --out-dir "$OUT" --out-name superimpose_wasm_mt "$STAGE/threads.wasm"
  wasm-opt -Oz --enable-threads --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-reference-types --enable-multivalue --enable-mutable-globals \
    "$OUT/superimpose_wasm_mt_bg.wasm" -o "$OUT/superimpose_wasm_mt_bg.wasm"
fi

# The JS entry points we own (js/) sit beside the generated glue.
cp js/*.js js/*.d.ts "$OUT/" 2>/dev/null || true
node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync("pkg.json", "utf8"));
  const cargo = fs.readFileSync("Cargo.toml", "utf8");
  pkg.version = /^version = "([^"]+)"/m.exec(cargo)[1];
  fs.writeFileSync(process.argv[1] + "/package.json", JSON.stringify(pkg, null, 2) + "\n");
' "$OUT"
cp README.md CHANGELOG.md LICENSE "$OUT/" 2>/dev/null || true
node scripts/size-report.mjs "$OUT"
