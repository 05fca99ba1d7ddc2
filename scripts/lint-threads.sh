#!/usr/bin/env bash
# clippy (-D warnings) for the builds `cargo clippy` in `make lint` does not see: the core, codecs
# and client modules alone (each built with only its feature, as scripts/build.sh does), and the
# wasm-threads core (+atomics, shared memory, nightly -Z build-std; toolchain from
# .tools/threads-toolchain, skipped with the recorded reason where bootstrap could not fetch it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/.tools/cargo/bin:$PATH
for f in core-api codecs client-api; do
  echo "lint: clippy wasm32 --features $f"
  cargo clippy --target wasm32-unknown-unknown --lib --no-default-features --features "$f" -- -D warnings
done
THREADS=$(cat .tools/threads-toolchain 2>/dev/null || echo "unavailable: scripts/bootstrap.sh has not run")
if [ "${THREADS%% *}" != ok ]; then
  echo "lint: WARNING: no threads toolchain ($THREADS): its clippy is skipped" >&2
  exit 0
fi
tc=${THREADS#ok }
echo "lint: clippy of the threads build (cargo +$tc, -Z build-std)"
# Its own target dir (these RUSTFLAGS would otherwise invalidate the other builds' caches).
# The one expected warning, `atomics` being an unstable target feature, is not a clippy lint.
RUSTFLAGS="-C target-feature=+atomics,+bulk-memory,+mutable-globals,+simd128 --cfg=web_sys_unstable_apis" \
  cargo "+$tc" clippy --target wasm32-unknown-unknown --lib --no-default-features --features core-api \
  -Z build-std=std,panic_abort --target-dir target/threads-clippy -- -D warnings
