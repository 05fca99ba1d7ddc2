#!/usr/bin/env bash
# Run a command with the Segmind protocol simulator listening on 127.0.0.1.
#   tests/server/with-sim.sh <command...>
# Port: $SIM_PORT, default 47811 (fixed, so SIM_URL — baked into the wasm tests at compile time
# with option_env!("SIM_URL") — does not change between runs and cause rebuilds). SIM_PORT=0
# picks a free port. Exports SIM_URL for the command; stops the server afterwards.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${SIM_PORT:-47811}"
log="$(mktemp)"
node "$here/segmind-sim.mjs" --port "$port" >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  if grep -q '^SIM_URL=' "$log"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; echo "segmind-sim failed to start" >&2; exit 1; fi
  sleep 0.1
done
url="$(grep -m1 '^SIM_URL=' "$log" | cut -d= -f2-)"
if [ -z "$url" ]; then cat "$log" >&2; echo "segmind-sim did not report its URL" >&2; exit 1; fi
export SIM_URL="$url"
echo "segmind-sim: $SIM_URL (pid $pid)" >&2
set +e
"$@"
rc=$?
set -e
exit $rc
