#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer, nightly) of the decoders, the body parsers and
# validators, and the full v1/v2 pipelines. Bounded: each target runs FUZZ_SECONDS (default 60).
#
#   scripts/fuzz.sh                 # every target
#   scripts/fuzz.sh decode params   # some targets
#   FUZZ_SECONDS=600 scripts/fuzz.sh pipeline_v2
#
# Prints, per target, the executions run and the crashes found (inputs land in
# fuzz/artifacts/<target>/; copy a fixed one to tests/fuzz-regressions/<target>/ so
# `cargo test --test limits` replays it forever). Exits 1 when any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
CF_VERSION=0.13.2
log() { printf '\033[1m[fuzz]\033[0m %s\n' "$*"; }

# cargo-fuzz, pinned, into the ignored .tools/cargo; a built copy is kept in the per-user machine
# cache (as scripts/bootstrap.sh does for wasm-bindgen) so other clones do not rebuild it.
CACHE=${SUPERIMPOSE_TOOL_CACHE:-$HOME/.cache/superimpose-wasm}/cargo-fuzz-$CF_VERSION
have_cf() { [ -x "$1/cargo-fuzz" ] && "$1/cargo-fuzz" --version 2>/dev/null | grep -q " $CF_VERSION\$"; }
if ! have_cf "$TOOLS/cargo/bin"; then
  mkdir -p "$TOOLS/cargo/bin"
  if have_cf "$CACHE/bin"; then
    log "cargo-fuzz $CF_VERSION from the machine cache $CACHE"
    cp "$CACHE/bin/cargo-fuzz" "$TOOLS/cargo/bin/"
  else
    log "building cargo-fuzz $CF_VERSION (about 2 minutes, once)"
    cargo install cargo-fuzz --version "$CF_VERSION" --root "$TOOLS/cargo"
    mkdir -p "$CACHE/bin" && cp "$TOOLS/cargo/bin/cargo-fuzz" "$CACHE/bin/" || true
  fi
fi
export PATH=$TOOLS/cargo/bin:$PATH

# libFuzzer needs nightly (-Zsanitizer). Use the machine's nightly; install it when missing.
TOOLCHAIN=${FUZZ_TOOLCHAIN:-nightly}
if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1; then
  log "rustup toolchain install $TOOLCHAIN --profile minimal"
  rustup toolchain install "$TOOLCHAIN" --profile minimal
fi

TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(decode params schema_remote pipeline_v2 pipeline_v1)

# The regression inputs seed the corpora, so every run starts from the known-bad shapes.
log "building ${TARGETS[*]} ($(rustup run "$TOOLCHAIN" rustc --version))"
for t in "${TARGETS[@]}"; do
  cargo +"$TOOLCHAIN" fuzz build -O "$t" 2>&1 | grep -E '^(error|warning: unused)' || true
done

SUMMARY=()
FAILED=0
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  SEEDS=()
  [ -d "tests/fuzz-regressions/$t" ] && SEEDS+=("tests/fuzz-regressions/$t")
  [ -d "fuzz/seeds/$t" ] && SEEDS+=("fuzz/seeds/$t")
  DICT=()
  case $t in params | schema_remote) DICT=(-dict=fuzz/json.dict) ;; esac
  [ "$t" = decode ] && [ -d tests/fixtures/codec ] && SEEDS+=(tests/fixtures/codec)
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  log "$t: ${SECONDS_PER_TARGET}s"
  out=$(mktemp)
  set +e
  # -fork keeps fuzzing past a crash (each crash is saved); -rss_limit_mb/-malloc_limit_mb
  # turn an allocation above 2 GiB into a finding; -timeout marks a 10 s execution as a hang.
  cargo +"$TOOLCHAIN" fuzz run -O "$t" "fuzz/corpus/$t" "${SEEDS[@]}" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -print_final_stats=1 "${DICT[@]}" >"$out" 2>&1
  set -e
  # The last "#<n>" status line of the runs (fork mode: the parent's cumulative count).
  execs=$(grep -oE '^#[0-9]+' "$out" | tail -1 | tr -d '#')
  [ -n "$execs" ] || execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$out" | awk '{s+=$2} END {print s+0}')
  after=$(find "fuzz/artifacts/$t" -type f | wc -l)
  crashes=$((after - before))
  SUMMARY+=("$(printf '%-14s execs %10s   new crash/timeout/oom inputs %3d   (artifacts total %d)' "$t" "${execs:-0}" "$crashes" "$after")")
  [ "$crashes" -eq 0 ] || { FAILED=1; grep -E '^(==[0-9]+==|thread .* panicked|SUMMARY)' "$out" | sort | uniq -c | head -20; }
  cp "$out" "fuzz/artifacts/$t.log"; rm -f "$out"
done
log "summary (${SECONDS_PER_TARGET}s per target):"
printf '  %s\n' "${SUMMARY[@]}"
exit $FAILED
