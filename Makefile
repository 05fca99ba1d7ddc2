# The two commands a newcomer needs (see README.md):
#   make demo   – install what is missing, build the npm package, render the bundled samples to
#                 out/demo.png, and serve the demo page on http://127.0.0.1:8080/www/
#   make test   – install what is missing and run every test (what CI runs via .ci/run)
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
PORT ?= 8080
PY := $(CURDIR)/.tools/venv/bin/python
PILLOW_REFS := $(CURDIR)/target/pillow-refs

.PHONY: demo test bootstrap build render serve lint pillow-refs test-native test-wasm test-js bench fuzz

demo: build render serve

bootstrap:
	@scripts/bootstrap.sh

build:
	@scripts/bootstrap.sh --build
	@scripts/build.sh

render:
	@node scripts/render.mjs

serve:
	@node scripts/serve.mjs $(PORT)

test: bootstrap lint pillow-refs test-native test-wasm build test-js
	@echo "make test: all test suites passed"

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib --tests -- -D warnings

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
test-js:
	SIM_PORT=0 tests/server/with-sim.sh node --test --test-concurrency=1 tests/js/

# Benchmarks (not tests: no timing assertions). Native criterion benches, then the built wasm
# package in Node.
bench: build
	cargo bench
	node bench/node-wasm.mjs 21

# Coverage-guided fuzzing (cargo-fuzz, nightly; not part of `make test`): every target for
# FUZZ_SECONDS each (default 60), then a summary of executions and crashes. Crash inputs land in
# fuzz/artifacts/; fixed ones are kept in tests/fuzz-regressions/ and replayed by `make test`
# (tests/limits.rs). `make fuzz FUZZ_TARGETS="decode params"` runs some.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_TARGETS)
