#!/usr/bin/env python3
"""Pillow 13 references for src/rotate (SPEC 1.3) and mirroring.

Usage: gen_rotate.py OUTDIR [--small]

Writes OUTDIR/manifest.json and OUTDIR/data.bin. data.bin holds raw 8-bit pixel buffers
(row-major, interleaved channels, no padding); an image in the manifest is [off, w, h, c]
(w·h·c bytes at offset off of data.bin). Angles are Python reprs (parse exactly as f64);
other floats are the hex of their IEEE-754 bits.

"cases":    [mode, sampler, angle, input, output] — output = Image.frombytes(mode, input)
            .rotate(angle, resample=sampler, expand=True). mode is "L", "RGB", "RGBA"
            (Pillow's RGBA path: premultiplied for bilinear/bicubic) or "RGBa" (four
            independent channels — our rotate::<4>).
"flips":    [mode, input, FLIP_LEFT_RIGHT, FLIP_TOP_BOTTOM]
"matrices": [w, h, angle, W, H, [6 hex] | null, cr] — the size and affine data
            Image.rotate(expand=True) hands to Image.transform (captured by wrapping
            Image.transform), or null when Pillow takes a transpose / copy fast path; cr says
            whether this libm's sin/cos of the angle were correctly rounded (see below).
"""
import json
import math
import os
import random
import struct
import sys

from decimal import Decimal, getcontext

import numpy as np
import PIL
from PIL import Image

RESAMPLE = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
}
CHANNELS = {"L": 1, "RGB": 3, "RGBA": 4, "RGBa": 4}


def bits(x):
    return struct.pack(">d", float(x)).hex()


class Pack:
    def __init__(self):
        self.buf = bytearray()
        self.seen = {}

    def add(self, w, h, c, data):
        data = bytes(data)
        assert len(data) == w * h * c
        key = (w, h, c, data)
        if key not in self.seen:
            self.seen[key] = [len(self.buf), w, h, c]
            self.buf += data
        return self.seen[key]


def make_input(w, h, mode, seed):
    """Noise, a gradient and a hard edge side by side; RGBA alpha spans 0..255 with 0/255 runs."""
    rng = np.random.default_rng(seed)
    c = CHANNELS[mode]
    yy, xx = np.mgrid[0:h, 0:w]
    grad = ((xx * 255) // max(w - 1, 1) + (yy * 97) // max(h - 1, 1)) % 256
    noise = rng.integers(0, 256, size=(h, w, c))
    edge = np.where((xx + 2 * yy) % 7 < 3, 255, 0)
    out = np.empty((h, w, c), dtype=np.int64)
    for ch in range(c):
        pick = (xx * 3 + yy + ch) % 3
        out[..., ch] = np.where(pick == 0, noise[..., ch], np.where(pick == 1, (grad + 60 * ch) % 256, edge))
    if c == 4:
        a = rng.integers(0, 256, size=(h, w))
        a = np.where((xx + yy) % 5 == 0, 0, a)
        a = np.where((xx + yy) % 5 == 1, 255, a)
        out[..., 3] = a
    return out.astype(np.uint8).tobytes()


def pillow_rotate(mode, w, h, data, angle, sampler):
    im = Image.frombytes(mode, (w, h), data)
    out = im.rotate(angle, resample=RESAMPLE[sampler], expand=True)
    assert out.mode == mode
    return out.size, out.tobytes()


def libm_is_correctly_rounded(angle):
    """Whether round(·, 15) of this libm's sin/cos of Pillow's φ equals round(·, 15) of the
    correctly rounded values (60-digit decimal Taylor series). src/rotate uses correctly rounded
    sin/cos on every target; where glibc is half an ulp off (≈ 0.3 % of angles) the rounded
    matrix entry differs in ≈ 0.02 % of angles (never for an integer angle)."""
    getcontext().prec = 60
    a = angle % 360.0
    phi = -math.radians(a)
    x = Decimal(phi)
    s, c, t, n = Decimal(0), Decimal(0), Decimal(1), 0
    while True:
        if n % 2 == 0:
            c += t if n % 4 == 0 else -t
        else:
            s += t if n % 4 == 1 else -t
        n += 1
        t = t * x / n
        if abs(t) < Decimal(10) ** -55 and n > 5:
            break
    ours = [round(float(s), 15), round(float(c), 15), round(-float(s), 15)]
    libm = [round(math.sin(phi), 15), round(math.cos(phi), 15), round(-math.sin(phi), 15)]
    return ours == libm


def capture_matrix(w, h, angle):
    seen = []
    orig = Image.Image.transform

    def spy(self, size, method, data=None, *args, **kwargs):
        seen.append((tuple(size), list(data)))
        return orig(self, size, method, data, *args, **kwargs)

    Image.Image.transform = spy
    try:
        out = Image.new("L", (w, h)).rotate(angle, expand=True)
    finally:
        Image.Image.transform = orig
    if seen:
        (size, data), = seen
        assert tuple(out.size) == size
        return [size[0], size[1], [bits(v) for v in data]]
    return [out.size[0], out.size[1], None]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    small = "--small" in sys.argv[2:]
    os.makedirs(outdir, exist_ok=True)
    pack = Pack()
    cases, flips, matrices = [], [], []

    special = [1e-14, 180 + 1e-13, 359.9999999999999, 90.00000000000001, -1e-20, 0.3, -725.5, 1e9 + 0.5]
    if small:
        modes = ["L", "RGB", "RGBA", "RGBa"]
        sizes = [(1, 1), (1, 7), (2, 3), (13, 7)]
        angles = [0, 1, 30, 45, 89, 90, 91, 180, 270, 359, 17.5, -30, 1e-14, 180 + 1e-13]
        sweep = [("L", (5, 3), s) for s in RESAMPLE]
    else:
        modes = ["L", "RGB", "RGBA", "RGBa"]
        sizes = [(1, 1), (1, 7), (7, 1), (2, 3), (17, 9), (64, 40), (101, 57)]
        angles = [0, 1, 5, 30, 45, 89, 90, 91, 135, 180, 270, 359, 360, 17.5, -30] + special
        sweep = [("L", (17, 9), s) for s in RESAMPLE] + [
            ("RGB", (11, 6), "bicubic"), ("RGBA", (9, 8), "bilinear"), ("RGBa", (6, 9), "nearest")]

    inputs = {}

    def get_input(mode, w, h):
        key = (mode, w, h)
        if key not in inputs:
            seed = w * 1000003 + h * 101 + CHANNELS[mode] * 7 + len(mode)
            inputs[key] = make_input(w, h, mode, seed)
        return inputs[key]

    def case(mode, w, h, angle, sampler):
        data = get_input(mode, w, h)
        c = CHANNELS[mode]
        (ow, oh), out = pillow_rotate(mode, w, h, data, angle, sampler)
        cases.append([mode, sampler, repr(float(angle)), pack.add(w, h, c, data),
                      pack.add(ow, oh, c, out)])

    for mode in modes:
        for (w, h) in sizes:
            for angle in angles:
                for sampler in RESAMPLE:
                    case(mode, w, h, angle, sampler)
    for mode, (w, h), sampler in sweep:
        for angle in range(0, 361):
            case(mode, w, h, angle, sampler)

    for mode in modes:
        for (w, h) in sizes:
            data = get_input(mode, w, h)
            im = Image.frombytes(mode, (w, h), data)
            c = CHANNELS[mode]
            flips.append([
                mode, pack.add(w, h, c, data),
                pack.add(w, h, c, im.transpose(Image.Transpose.FLIP_LEFT_RIGHT).tobytes()),
                pack.add(w, h, c, im.transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes()),
            ])

    rnd = random.Random(1234)
    msizes = [(17, 9), (410, 410), (1, 1), (101, 57), (1, 7), (640, 480)]
    mangles = [i for i in range(-360, 721)] + [i / 8 for i in range(0, 2881)] + special
    mangles += [rnd.uniform(-1000, 1000) for _ in range(400 if small else 3000)]
    if small:
        msizes = msizes[:1]
        mangles = [i for i in range(-1, 361)] + [i / 4 for i in range(1, 1440, 7)] + special
        mangles += [rnd.uniform(-1000, 1000) for _ in range(100)]
    for (w, h) in msizes:
        for angle in mangles:
            matrices.append([w, h, repr(float(angle))] + capture_matrix(w, h, angle)
                            + [libm_is_correctly_rounded(angle)])

    for name in ("data.bin", "manifest.json"):
        if os.path.exists(os.path.join(outdir, name)):
            os.remove(os.path.join(outdir, name))
    with open(os.path.join(outdir, "data.bin"), "wb") as f:
        f.write(pack.buf)
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "small": small, "cases": cases, "flips": flips,
                   "matrices": matrices}, f, separators=(",", ":"))
    print(f"{outdir}: {len(cases)} cases, {len(flips)} flips, {len(matrices)} matrices, "
          f"{len(pack.buf)} data bytes")


if __name__ == "__main__":
    main()
