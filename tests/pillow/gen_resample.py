#!/usr/bin/env python3
"""Pillow 13 references for src/resample (SPEC 1.1, 1.2) and a numpy float32 reference for the
Superimpose v1 family (SPEC 3.2 step 3).

Usage: gen_resample.py OUTDIR [--small]

With --small, the PNGs are concatenated into OUTDIR/bundle.bin ("bundle": {file: [offset,
length]} in the manifest) for the committed fixtures. Writes deterministic input PNGs, the expected output PNGs and OUTDIR/manifest.json:
  {"inputs": {name: {"file", "mode", "width", "height"}},
   "cases": [{"input", "mode", "kind": "pillow"|"v1", "filter"|"method", "width", "height",
              "expected"}]}
The Pillow outputs come from Image.resize (RGBA through Pillow's own premultiplied path).
The v1 outputs are computed here in numpy float32, independently of the Rust code.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

FILTERS = {
    "nearest": Image.Resampling.NEAREST,
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
CHANNELS = {"L": 1, "RGB": 3, "RGBA": 4}


def make_input(w, h, mode, seed):
    """Noise + gradients + hard edges; RGBA alpha varies and includes 0 and 255."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    c = CHANNELS[mode]
    out = np.zeros((h, w, c), np.uint8)
    for ch in range(c):
        grad = (xx * (37 + 11 * ch) / max(w, 1) + yy * (53 - 7 * ch) / max(h, 1)) * 255 / 90
        noise = rng.integers(0, 256, (h, w))
        edge = np.where(((xx // max(1, w // 5)) + (yy // max(1, h // 4)) + ch) % 2 == 0, 255, 0)
        sel = rng.integers(0, 3, (h, w))
        v = np.where(sel == 0, noise, np.where(sel == 1, grad % 256, edge))
        out[..., ch] = v.astype(np.uint8)
    if mode == "RGBA":
        a = rng.integers(0, 256, (h, w))
        a = np.where((xx + yy) % 7 == 0, 0, a)
        a = np.where((xx * 3 + yy) % 5 == 0, 255, a)
        a = np.where(xx < w // 4, 255, a)
        out[..., 3] = a.astype(np.uint8)
    if c == 1:
        return Image.fromarray(out[..., 0], "L")
    return Image.fromarray(out, mode)


# ---- v1 reference (SPEC 3.2 step 3), float32 throughout, no fused operations ----
F = np.float32


def v1_resize(arr, W, H, method):
    """arr: uint8 (h, w, c). Returns uint8 (H, W, c)."""
    h, w, c = arr.shape
    v = arr.astype(F) / F(255)
    sx = F(w) / F(W)
    sy = F(h) / F(H)
    if method == "nearest-exact":
        xs = np.minimum(np.floor((np.arange(W, dtype=F) + F(0.5)) * sx).astype(np.int64), w - 1)
        ys = np.minimum(np.floor((np.arange(H, dtype=F) + F(0.5)) * sy).astype(np.int64), h - 1)
        r = v[ys][:, xs]
    elif method == "bilinear":
        def axis(n_in, n_out, s):
            x = np.maximum(F(0), (np.arange(n_out, dtype=F) + F(0.5)) * s - F(0.5)).astype(F)
            f = np.floor(x).astype(F)
            i0 = np.minimum(f.astype(np.int64), n_in - 1)
            i1 = np.where(i0 < n_in - 1, i0 + 1, i0)
            lam = np.clip(x - f, F(0), F(1)).astype(F)
            return i0, i1, lam
        x0, x1, lx = axis(w, W, sx)
        y0, y1, ly = axis(h, H, sy)
        lx = lx[None, :, None]
        ly = ly[:, None, None]
        mx = (F(1) - lx).astype(F)
        my = (F(1) - ly).astype(F)
        p00 = v[y0][:, x0]
        p01 = v[y0][:, x1]
        p10 = v[y1][:, x0]
        p11 = v[y1][:, x1]
        top = (p00 * mx).astype(F) + (p01 * lx).astype(F)
        bottom = (p10 * mx).astype(F) + (p11 * lx).astype(F)
        r = (top.astype(F) * my).astype(F) + (bottom.astype(F) * ly).astype(F)
    elif method == "area":
        def win(n_in, n_out):
            a = [(i * n_in) // n_out for i in range(n_out)]
            b = [max(-((-(i + 1) * n_in) // n_out), a[i] + 1) for i in range(n_out)]
            return a, b
        xa, xb = win(w, W)
        ya, yb = win(h, H)
        r = np.zeros((H, W, c), F)
        for oy in range(H):
            for ox in range(W):
                s = np.zeros(c, F)
                # Sequential row-major sum (not numpy's pairwise summation).
                for y in range(ya[oy], yb[oy]):
                    for x in range(xa[ox], xb[ox]):
                        s = (s + v[y, x]).astype(F)
                cnt = F((yb[oy] - ya[oy]) * (xb[ox] - xa[ox]))
                r[oy, ox] = (s / cnt).astype(F)
    else:
        raise ValueError(method)
    return np.clip(r.astype(F) * F(255), F(0), F(255)).astype(np.uint8)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    outdir = sys.argv[1]
    small = "--small" in sys.argv[2:]
    os.makedirs(outdir, exist_ok=True)

    if small:
        in_sizes = [(1, 1), (7, 5), (23, 17), (2, 40)]
        pillow_targets = {
            (1, 1): [(7, 3), (1, 4)],
            (7, 5): [(3, 2), (13, 11), (7, 2), (2, 5), (1, 1)],
            (23, 17): [(9, 13), (22, 3), (5, 16), (40, 30), (23, 8), (11, 17)],
            (2, 40): [(7, 3), (5, 1)],
        }
        modes = ["L", "RGB", "RGBA"]
        v1_targets = {(7, 5): [(3, 2), (13, 11)], (23, 17): [(9, 13), (40, 30), (23, 17)]}
    else:
        in_sizes = [(1, 1), (2, 3), (7, 5), (31, 29), (97, 61), (300, 2), (64, 64), (40, 150),
                    (150, 40), (256, 200)]
        pillow_targets = {
            (1, 1): [(7, 3), (1, 9), (5, 1), (2, 2)],
            (2, 3): [(7, 7), (1, 1), (2, 1), (9, 3)],
            (7, 5): [(3, 2), (14, 10), (7, 3), (2, 5), (1, 1), (6, 4), (20, 1)],
            (31, 29): [(30, 2), (29, 28), (15, 14), (62, 58), (3, 29), (31, 1), (16, 27)],
            (97, 61): [(13, 200), (50, 31), (96, 20), (200, 13), (97, 3), (11, 61), (1, 60)],
            (300, 2): [(5, 90), (299, 1), (30, 2), (1, 1)],
            (64, 64): [(63, 10), (60, 33), (33, 2), (32, 32), (70, 60), (100, 10), (40, 15),
                       (41, 15), (39, 15)],
            (40, 150): [(30, 7), (39, 100), (5, 79), (5, 80), (38, 146), (41, 149), (4, 79)],
            (150, 40): [(7, 30), (149, 3), (100, 39)],
            (256, 200): [(255, 3), (128, 100), (103, 80), (410, 330)],
        }
        modes = ["L", "RGB", "RGBA"]
        v1_targets = {
            (1, 1): [(3, 2)],
            (7, 5): [(3, 2), (14, 10), (7, 5), (1, 1)],
            (31, 29): [(15, 14), (62, 58), (30, 2)],
            (97, 61): [(13, 20), (50, 31)],
            (64, 64): [(64, 64), (40, 15), (100, 90)],
        }

    inputs = {}
    cases = []
    seed = 1
    for (w, h) in in_sizes:
        for mode in modes:
            name = f"in_{mode}_{w}x{h}"
            img = make_input(w, h, mode, seed)
            seed += 1
            img.save(os.path.join(outdir, name + ".png"))
            inputs[name] = {"file": name + ".png", "mode": mode, "width": w, "height": h}
            for (W, H) in pillow_targets.get((w, h), []):
                for fname, fid in FILTERS.items():
                    out = img.resize((W, H), fid)
                    oname = f"out_{mode}_{w}x{h}_{fname}_{W}x{H}.png"
                    out.save(os.path.join(outdir, oname))
                    cases.append({"input": name, "mode": mode, "kind": "pillow", "filter": fname,
                                  "width": W, "height": H, "expected": oname})
            for (W, H) in v1_targets.get((w, h), []):
                arr = np.asarray(img)
                if arr.ndim == 2:
                    arr = arr[..., None]
                for method in ["nearest-exact", "bilinear", "area"]:
                    res = v1_resize(arr, W, H, method)
                    out = Image.fromarray(res[..., 0], "L") if mode == "L" else Image.fromarray(res, mode)
                    oname = f"v1_{mode}_{w}x{h}_{method}_{W}x{H}.png"
                    out.save(os.path.join(outdir, oname))
                    cases.append({"input": name, "mode": mode, "kind": "v1", "method": method,
                                  "width": W, "height": H, "expected": oname})
    manifest = {"inputs": inputs, "cases": cases}
    if small:
        # One bundle of PNGs (offset, length per file) so tests can include_bytes! it, also in wasm.
        files = sorted({v["file"] for v in inputs.values()} | {c["expected"] for c in cases})
        index = {}
        with open(os.path.join(outdir, "bundle.bin"), "wb") as b:
            for fn in files:
                data = open(os.path.join(outdir, fn), "rb").read()
                index[fn] = [b.tell(), len(data)]
                b.write(data)
                os.remove(os.path.join(outdir, fn))
        manifest["bundle"] = index
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=0, sort_keys=True)
    print(f"{len(inputs)} inputs, {len(cases)} cases -> {outdir}")


if __name__ == "__main__":
    main()
