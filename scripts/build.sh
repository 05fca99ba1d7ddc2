#!/usr/bin/env bash
# Build the npm package into pkg/: cargo (wasm32, release, simd128) → wasm-bindgen --target web
# → wasm-opt -Oz (npm binaryen) → package.json from pkg.json. Assumes scripts/bootstrap.sh ran.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/.tools/cargo/bin:$PWD/node_modules/.bin:$PATH
CRATE=superimpose_wasm
OUT=pkg

cargo build --release --target wasm32-unknown-unknown --lib
rm -rf "$OUT" && mkdir -p "$OUT"
wasm-bindgen --target web --out-dir "$OUT" --out-name superimpose_wasm \
  "target/wasm32-unknown-unknown/release/$CRATE.wasm"
before=$(stat -c %s "$OUT/superimpose_wasm_bg.wasm")
wasm-opt -Oz --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-reference-types --enable-multivalue --enable-mutable-globals \
  "$OUT/superimpose_wasm_bg.wasm" -o "$OUT/superimpose_wasm_bg.wasm"
after=$(stat -c %s "$OUT/superimpose_wasm_bg.wasm")

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
gz=$(gzip -9c "$OUT/superimpose_wasm_bg.wasm" | wc -c)
echo "pkg/ built: superimpose_wasm_bg.wasm $before → $after bytes after wasm-opt -Oz ($gz gzipped)"
