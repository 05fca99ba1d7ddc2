#!/usr/bin/env python3
"""Independent references for the Superimpose v2 (SPEC 2.2) and v1 (SPEC 3.2) pipelines.

Usage: gen_pipeline.py OUTDIR [--small]

Everything here is written from SPEC.md, not from the Rust code: Pillow 13 does the resizing
("RGB" and "L" images, channels independent), rotation (`rotate(angle, resample, expand=True)`),
mirroring (`transpose`), luminance (`convert("L")`, checked below to equal SPEC 0's formula)
and placement (`paste`, which clips); numpy f64 computes the blend formulas of SPEC 2.5 and
MIX / DIV255 of SPEC 0; numpy float32 computes v1's resamplers (SPEC 3.2 step 3).

Writes into OUTDIR:
  in_*.png          the synthetic inputs (deterministic)
  v2_*.png, v1_*.png  the expected outputs (RGB, the base's size)
  manifest.json     {"pillow": version, "inputs": {file: [w, h, mode]}, "cases": [case]}
                    case = {"name", "op": "v2" | "v1", "body": {...}, "expected": file,
                            "tolerance": 0 | 1}
                    Image fields of `body` hold input file names.
`--small` writes only the cases listed in SMALL, on inputs of half the size, plus `files.rs`
(an include_bytes! table) — the committed set under tests/fixtures/pipeline/:
    gen_pipeline.py tests/fixtures/pipeline --small
"""
import colorsys
import json
import os
import sys

import numpy as np
import PIL
from PIL import Image

T = Image.Transpose
FILTERS = {
    "nearest": Image.Resampling.NEAREST,
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
# SPEC 2.2 step 3: the rotation sampler that resize_method picks.
ROT_SAMPLER = {
    "nearest": Image.Resampling.NEAREST,
    "box": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.BICUBIC,
}

# --------------------------------------------------------------------------------------------
# SPEC 0 conventions


def div255(v):
    t = v.astype(np.int64) + 128
    return ((t >> 8) + t) >> 8


def mix(dst, src, m):
    """MIX(dst, src, m) per channel; dst/src (h, w, 3), m (h, w)."""
    m = m.astype(np.int64)[..., None]
    return div255(dst.astype(np.int64) * (255 - m) + src.astype(np.int64) * m).astype(np.uint8)


def luminance_np(rgb):
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    return ((r * 19595 + g * 38470 + b * 7471 + 32768) >> 16).astype(np.uint8)


def luminance(img):
    """Pillow's convert("L"), asserted equal to SPEC 0's formula."""
    rgb = np.asarray(img.convert("RGB"))
    lum = np.asarray(img.convert("L"))
    assert np.array_equal(lum, luminance_np(rgb)), "Pillow's L differs from SPEC 0"
    return Image.fromarray(lum, "L")


def to8(x):
    """floor(x·255) for x in [0, 1] (a NaN here would be a reference bug)."""
    assert not np.isnan(x).any()
    v = np.floor(x * 255.0)
    assert v.min() >= 0 and v.max() <= 255, (v.min(), v.max())
    return v.astype(np.uint8)


# --------------------------------------------------------------------------------------------
# SPEC 2.5 blend modes, f64, written in the SPEC's expression order


def nan0(x):
    return np.where(np.isnan(x), 0.0, x)


def fam_a(F, B, op):
    return to8(nan0(F) * op + B * (1.0 - op))


def fam_c(G, B, op):
    return to8(np.clip((1.0 - op) * B + op * nan0(G), 0.0, 1.0))


def hsv_mode(which, Bb, Sb, op):
    h_, w_, _ = Bb.shape
    out = np.empty_like(Bb)
    for y in range(h_):
        for x in range(w_):
            b = [int(v) / 255.0 for v in Bb[y, x]]
            s = [int(v) / 255.0 for v in Sb[y, x]]
            bh, bs, bv = colorsys.rgb_to_hsv(*b)
            sh, ss, sv = colorsys.rgb_to_hsv(*s)
            if which in ("hue", "color"):
                bh = (1.0 - op) * bh + op * sh
            if which in ("saturation", "color"):
                bs = (1.0 - op) * bs + op * ss
            if which == "luminosity":
                bv = (1.0 - op) * bv + op * sv
            rgb = colorsys.hsv_to_rgb(bh, bs, bv)
            out[y, x] = [int(np.floor(min(max(c, 0.0), 1.0) * 255.0)) for c in rgb]
    return out


def dissolve_hash(seed, xs, ys):
    """The stateless hash documented on `blend::dissolve_hash` (u32 wrapping arithmetic)."""
    M = np.uint64(0xFFFFFFFF)

    def mix32(h):
        h = h ^ (h >> np.uint64(16))
        h = (h * np.uint64(0x7FEB352D)) & M
        h = h ^ (h >> np.uint64(15))
        h = (h * np.uint64(0x846CA68B)) & M
        h = h ^ (h >> np.uint64(16))
        return h

    h0 = mix32(np.uint64(seed ^ 0x9E3779B9))
    return mix32(mix32(h0 ^ xs.astype(np.uint64)) ^ ys.astype(np.uint64))


def blend(mode, Bb, Sb, op, seed):
    """R bytes for base bytes Bb and source bytes Sb, (h, w, 3) uint8, opacity op in [0, 1]."""
    B = Bb.astype(np.float64) / 255.0
    S = Sb.astype(np.float64) / 255.0
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "multiply":
            return fam_a(np.clip(S * B, 0.0, 1.0), B, op)
        if mode == "normal":
            return to8((S * op + B * (1.0 - op)) / (op + (1.0 - op)))
        if mode == "dissolve":
            h_, w_, _ = Bb.shape
            ys, xs = np.mgrid[0:h_, 0:w_]
            u = (dissolve_hash(seed, xs, ys) >> np.uint64(8)).astype(np.float64) / 16777216.0
            return np.where((u < op)[..., None], Sb, Bb)
        if mode == "darken":
            return fam_a(np.minimum(B, S), B, op)
        if mode == "lighten":
            return fam_a(np.maximum(B, S), B, op)
        if mode == "screen":
            return fam_a(1.0 - (1.0 - B) * (1.0 - S), B, op)
        if mode == "overlay":
            return fam_a(np.where(B < 0.5, 2.0 * B * S, 1.0 - 2.0 * (1.0 - B) * (1.0 - S)), B, op)
        if mode == "soft light":
            return fam_a((1.0 - B) * B * S + B * (1.0 - (1.0 - B) * (1.0 - S)), B, op)
        if mode == "hard light":
            F = np.where(
                S > 0.5,
                np.minimum(1.0, 1.0 - (1.0 - B) * (1.0 - 2.0 * (S - 0.5))),
                np.minimum(1.0, B * 2.0 * S),
            )
            return fam_a(F, B, op)
        if mode == "vivid light":
            G = np.where(S <= 0.5, B / (1.0 - 2.0 * S), 1.0 - (1.0 - B) / (2.0 * S - 0.5))
            return fam_c(np.clip(G, 0.0, 1.0), B, op)
        if mode == "linear light":
            return fam_c(B + 2.0 * S - 1.0, B, op)
        if mode == "pin light":
            G = np.where(S <= 0.5, np.minimum(B, 2.0 * S), np.maximum(B, 2.0 * (S - 0.5)))
            return fam_c(G, B, op)
        if mode == "hard mix":
            G = np.round(np.clip((1.0 - op) * B + op * (B + 2.0 * S - 1.0), 0.0, 1.0))  # half-even
            return fam_c(G, B, op)
        if mode == "difference":
            return fam_a(np.abs(B - S), B, op)
        if mode == "color burn":
            return fam_c(np.clip(1.0 - (1.0 - B) / S, 0.0, 1.0), B, op)
        if mode == "linear burn":
            return fam_c(B + S - 1.0, B, op)
        if mode == "color dodge":
            return fam_c(np.clip(B / (1.0 - S), 0.0, 1.0), B, op)
        if mode == "exclusion":
            return fam_c(B + S - 2.0 * B * S, B, op)
        if mode == "subtract":
            return fam_c(B - S, B, op)
        if mode == "linear dodge(add)":
            return to8(np.clip((B + S) * op + B * (1.0 - op), 0.0, 1.0))
        if mode == "dodge":
            return fam_a(np.minimum(B / (1.0 - S), 1.0), B, op)
        if mode == "divide":
            return fam_a(np.minimum((256.0 / 255.0 * B) / (1.0 / 255.0 + S), 1.0), B, op)
        if mode == "grain extract":
            return fam_a(np.clip(B - S + 0.5, 0.0, 1.0), B, op)
        if mode == "grain merge":
            return fam_a(np.clip(B + S - 0.5, 0.0, 1.0), B, op)
        if mode in ("darker color", "lighter color"):
            ms, mb = S.max(axis=2), B.max(axis=2)
            pick = ms < mb if mode == "darker color" else ms > mb
            return fam_c(np.where(pick[..., None], S, B), B, op)
        if mode in ("hue", "saturation", "color", "luminosity"):
            return hsv_mode(mode, Bb, Sb, op)
    raise ValueError(mode)


ALIASES = {
    "source-over": "normal",
    "soft-light": "soft light",
    "hard-light": "hard light",
    "vivid-light": "vivid light",
    "linear-light": "linear light",
    "pin-light": "pin light",
    "hard-mix": "hard mix",
    "color-burn": "color burn",
    "linear-burn": "linear burn",
    "color-dodge": "color dodge",
    "linear-dodge": "linear dodge(add)",
    "add": "linear dodge(add)",
}
CORE_MODES = [
    "multiply", "normal", "dissolve", "darken", "lighten", "screen", "overlay", "soft light",
    "hard light", "vivid light", "linear light", "pin light", "hard mix", "difference",
]
EXTENDED_MODES = [
    "color burn", "linear burn", "color dodge", "exclusion", "subtract", "linear dodge(add)",
    "dodge", "divide", "grain extract", "grain merge", "darker color", "lighter color", "hue",
    "saturation", "color", "luminosity",
]

# --------------------------------------------------------------------------------------------
# Superimpose v2 (SPEC 2.1 defaults, 2.2 pipeline, 2.3 alpha plane)

V2_DEFAULTS = {
    "bg_remove_model": "Bria",
    "blend_mode": "multiply",
    "mirror": "None",
    "opacity": 90,
    "rescale_factor": 1,
    "resize_method": "nearest",
    "rotation": 0,
    "x_percent": 50,
    "y_percent": 80,
    "scale_filter": "resize_method",
    "seed": 0,
}


def superimpose_v2(body, images):
    p = dict(V2_DEFAULTS)
    p.update({k: v for k, v in body.items() if v is not None})
    assert p["bg_remove_model"] == "None" or "mask" in body, "no model here"
    base = images[p["base_image"]].convert("RGB")  # alpha discarded, RGB as stored
    ov = images[p["overlay_image"]]
    O = ov.convert("RGB")
    w, h = O.size
    if body.get("mask") is not None:
        M = luminance(images[p["mask"]])
        if M.size != (w, h):
            M = M.resize((w, h), Image.Resampling.BICUBIC)
    elif ov.mode == "RGBA":
        M = ov.getchannel("A")
    else:
        M = Image.new("L", (w, h), 255)
    # 1. mirror
    if p["mirror"] == "horizontal":
        O, M = O.transpose(T.FLIP_LEFT_RIGHT), M.transpose(T.FLIP_LEFT_RIGHT)
    elif p["mirror"] == "vertical":
        O, M = O.transpose(T.FLIP_TOP_BOTTOM), M.transpose(T.FLIP_TOP_BOTTOM)
    # 2. scale (O as RGB, M as L, independently)
    f = float(p["rescale_factor"])
    w1, h1 = int(w * f), int(h * f)
    assert w1 >= 1 and h1 >= 1
    filt = FILTERS["bicubic" if p["scale_filter"] == "bicubic" else p["resize_method"]]
    if (w1, h1) != (w, h):
        O, M = O.resize((w1, h1), filt), M.resize((w1, h1), filt)
    # 3. rotate (separately, opaque planes, fill 0)
    rot = p["rotation"]
    if rot % 360 != 0:
        sampler = ROT_SAMPLER[p["resize_method"]]
        O = O.rotate(rot, resample=sampler, expand=True)
        M = M.rotate(rot, resample=sampler, expand=True)
    w2, h2 = O.size
    assert M.size == (w2, h2)
    # 4. place
    W, H = base.size
    left = int(W * p["x_percent"] / 100 - w2 / 2)
    top = int(H * p["y_percent"] / 100 - h2 / 2)
    # 5. layers
    S = base.copy()
    S.paste(O, (left, top))
    Mc = Image.new("L", (W, H), 0)
    Mc.paste(M, (left, top))
    # 6. blend, 7. composite
    mode = ALIASES.get(p["blend_mode"], p["blend_mode"])
    Bb, Sb = np.asarray(base), np.asarray(S)
    R = blend(mode, Bb, Sb, p["opacity"] / 100, p["seed"])
    out = mix(Bb, R, np.asarray(Mc))
    return Image.fromarray(out, "RGB")


# --------------------------------------------------------------------------------------------
# Superimpose v1 (SPEC 3.1 defaults, 3.2 pipeline)

V1_DEFAULTS = {
    "overlay_resize": "Resize by rescale_factor",
    "resize_method": "nearest-exact",
    "rescale_factor": 1,
    "width": 1024,
    "height": 1024,
    "x_offset": 0,
    "y_offset": 0,
    "rotation": 0,
    "opacity": 1,
}
F32 = np.float32


def v1_axis_nearest(n_in, n_out):
    s = F32(n_in) / F32(n_out)
    d = np.arange(n_out, dtype=F32)
    src = np.floor((d + F32(0.5)) * s).astype(np.int64)
    return np.minimum(src, n_in - 1)


def v1_axis_bilinear(n_in, n_out):
    s = F32(n_in) / F32(n_out)
    d = np.arange(n_out, dtype=F32)
    x = np.maximum(F32(0), (d + F32(0.5)) * s - F32(0.5))
    i0f = np.floor(x)
    i0 = i0f.astype(np.int64)
    i1 = i0 + (i0 < n_in - 1).astype(np.int64)
    lam = np.clip(x - i0f, F32(0), F32(1)).astype(F32)
    return i0, i1, lam


def v1_resize(arr, tw, th, method):
    """SPEC 3.2 step 3 on an (h, w, c) uint8 array, float32 on c/255."""
    h, w, c = arr.shape
    p = arr.astype(F32) / F32(255)
    assert p.dtype == F32
    if method == "nearest-exact":
        ys, xs = v1_axis_nearest(h, th), v1_axis_nearest(w, tw)
        v = p[ys][:, xs]
    elif method == "bilinear":
        y0, y1, ly = v1_axis_bilinear(h, th)
        x0, x1, lx = v1_axis_bilinear(w, tw)
        lx, ly = lx[None, :, None], ly[:, None, None]
        one = F32(1)
        p00, p01 = p[y0][:, x0], p[y0][:, x1]
        p10, p11 = p[y1][:, x0], p[y1][:, x1]
        v = (p00 * (one - lx) + p01 * lx) * (one - ly) + (p10 * (one - lx) + p11 * lx) * ly
    elif method == "area":
        v = np.empty((th, tw, c), dtype=F32)
        for i in range(th):
            ya, yb = (i * h) // th, -((-(i + 1) * h) // th)
            for j in range(tw):
                xa, xb = (j * w) // tw, -((-(j + 1) * w) // tw)
                acc = np.zeros(c, dtype=F32)
                for yy in range(ya, yb):  # the window's mean: a row-major f32 sum / count
                    for xx in range(xa, xb):
                        acc = acc + p[yy, xx]
                v[i, j] = acc / F32((yb - ya) * (xb - xa))
    else:
        raise ValueError(method)
    assert v.dtype == F32, v.dtype
    return np.trunc(np.clip(F32(255) * v, F32(0), F32(255))).astype(np.uint8)


def round_half_even(x):
    return int(round(x))  # Python's round is half-to-even


def superimpose_v1(body, images):
    p = dict(V1_DEFAULTS)
    p.update(body)
    base = images[p["base_image"]].convert("RGB")
    W, H = base.size
    ov = images[p["overlay_image"]]
    O = np.asarray(ov.convert("RGB"))
    h, w = O.shape[:2]
    # 1. alpha plane
    if body.get("mask") is not None:
        A = luminance(images[p["mask"]])
    elif ov.mode == "RGBA":
        A = ov.getchannel("A")
    else:
        A = Image.new("L", (w, h), 255)
    # 2. size
    mode = p["overlay_resize"]
    if mode == "None":
        size = None
    elif mode == "Fit":
        r = min(H / h, W / w)
        size = (round_half_even(w * r), round_half_even(h * r))
    elif mode == "Resize by rescale_factor":
        f = float(p["rescale_factor"])
        size = (int(w * f), int(h * f))
    elif mode in ("Resize to width & heigth", "Resize to width & height", "Resize to height & width"):
        size = (p["width"], p["height"])
    else:
        raise ValueError(mode)
    # 3. resample O
    if size is not None:
        assert size[0] >= 1 and size[1] >= 1
        O = v1_resize(O, size[0], size[1], p["resize_method"])
    oh, ow = O.shape[:2]
    # 4. resize A with bicubic when sizes differ
    if A.size != (ow, oh):
        A = A.resize((ow, oh), Image.Resampling.BICUBIC)
    # 5. RGBA, rotate nearest (no premultiplication for nearest)
    rgba = np.dstack([O, np.asarray(A)])
    img = Image.fromarray(rgba, "RGBA")
    if p["rotation"] % 360 != 0:
        img = img.rotate(p["rotation"], resample=Image.Resampling.NEAREST, expand=True)
    arr = np.asarray(img).copy()
    # 6. opacity
    op = float(p["opacity"])
    arr[..., 3] = np.trunc(arr[..., 3].astype(np.float64) * op).astype(np.uint8)
    # 7. composite at (x_offset, y_offset), clipped
    out = np.asarray(base).copy()
    x0, y0 = p["x_offset"], p["y_offset"]
    rh, rw = arr.shape[:2]
    bx0, by0 = max(0, x0), max(0, y0)
    bx1, by1 = min(W, x0 + rw), min(H, y0 + rh)
    if bx0 < bx1 and by0 < by1:
        sub = arr[by0 - y0:by1 - y0, bx0 - x0:bx1 - x0]
        out[by0:by1, bx0:bx1] = mix(out[by0:by1, bx0:bx1], sub[..., :3], sub[..., 3])
    return Image.fromarray(out, "RGB")


# --------------------------------------------------------------------------------------------
# Inputs


def pattern(w, h, channels, seed):
    """Gradients, noise and hard edges, interleaved so every resampler sees structure."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    out = np.empty((h, w, channels), dtype=np.int64)
    for c in range(channels):
        grad = (xx * 255 // max(w - 1, 1) * (c % 2) + yy * 255 // max(h - 1, 1) * ((c + 1) % 2)) % 256
        noise = rng.integers(0, 256, size=(h, w))
        edge = np.where(((xx // 4) + (yy // 3) + c) % 2 == 0, 230, 20)
        pick = (xx // 5 + yy // 7 + c) % 3
        out[..., c] = np.where(pick == 0, grad, np.where(pick == 1, noise, edge))
    return out.astype(np.uint8)


def alpha_plane(w, h, seed):
    """Alpha with opaque, transparent and graded regions."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    a = (xx * 255 // max(w - 1, 1)).astype(np.int64)
    a = np.where(yy < h // 4, 255, a)
    a = np.where((yy >= h // 4) & (yy < h // 2), rng.integers(0, 256, size=(h, w)), a)
    a = np.where((xx + yy) % 11 == 0, 0, a)
    a = np.where((xx < w // 6) & (yy > 2 * h // 3), 0, a)
    return a.astype(np.uint8)


def make_inputs(small):
    """The inputs; `small` (the committed set) halves the sizes so the PNGs stay small."""
    k = 2 if small else 1
    ba, bb, oa, ob, ms = (97 // k, 71 // k), (160 // k, 120 // k), (40 // k, 30 // k), (33 // k, 57 // k), (52 // k, 23 // k)
    imgs = {}
    imgs["in_base_a.png"] = Image.fromarray(pattern(*ba, 3, 1), "RGB")
    b = pattern(*bb, 3, 2)
    bal = np.random.default_rng(3).integers(0, 256, size=(bb[1], bb[0])).astype(np.uint8)
    imgs["in_base_b.png"] = Image.fromarray(np.dstack([b, bal]), "RGBA")  # alpha must be ignored
    imgs["in_base_small.png"] = Image.fromarray(pattern(23, 17, 3, 4), "RGB")
    imgs["in_ov_a.png"] = Image.fromarray(np.dstack([pattern(*oa, 3, 5), alpha_plane(*oa, 6)]), "RGBA")
    imgs["in_ov_b.png"] = Image.fromarray(np.dstack([pattern(*ob, 3, 7), alpha_plane(*ob, 8)]), "RGBA")
    imgs["in_ov_rgb.png"] = Image.fromarray(pattern(*oa, 3, 9), "RGB")
    yy, xx = np.mgrid[0:ms[1], 0:ms[0]]
    m = np.clip((xx * 6 + yy * 3) % 300 - 20, 0, 255).astype(np.uint8)
    m = np.where((xx // 6 + yy // 5) % 4 == 0, 255, m)
    m = np.where((xx // 6 + yy // 5) % 4 == 2, 0, m).astype(np.uint8)
    imgs["in_mask_l.png"] = Image.fromarray(m, "L")  # grey, not the overlay's size
    imgs["in_mask_rgb.png"] = Image.fromarray(pattern(*oa, 3, 10), "RGB")  # overlay a's size
    imgs["in_mask_white.png"] = Image.new("RGB", oa, (255, 255, 255))
    imgs["in_mask_black.png"] = Image.new("RGB", oa, (0, 0, 0))
    return imgs


# --------------------------------------------------------------------------------------------
# Cases


def safe(name):
    return name.replace(" ", "-").replace("&", "and").replace("(", "-").replace(")", "")


def v2_cases():
    plain = {"base_image": "in_base_a.png", "overlay_image": "in_ov_a.png", "bg_remove_model": "None"}
    rich = {
        "base_image": "in_base_b.png",
        "overlay_image": "in_ov_b.png",
        "bg_remove_model": "None",
        "blend_mode": "overlay",
        "opacity": 73,
        "rescale_factor": 1.37,
        "resize_method": "bicubic",
        "rotation": 30,
        "mirror": "horizontal",
        "x_percent": 40,
        "y_percent": 55,
    }
    cases = [("plain", plain), ("rich", rich)]

    def vary(prefix, default, key, values):
        for v in values:
            cases.append((safe(f"{prefix}_{key}_{v}"), {**default, key: v}))

    for prefix, d in (("plain", plain), ("rich", rich)):
        vary(prefix, d, "blend_mode", CORE_MODES + EXTENDED_MODES)
    vary("rich-alias", rich, "blend_mode", sorted(ALIASES))
    vary("rich-dissolve", {**rich, "blend_mode": "dissolve"}, "seed", [1, 4294967295])
    vary("rich-dissolve", {**rich, "blend_mode": "dissolve"}, "opacity", [0, 37, 100])
    for prefix, d in (("plain", plain), ("rich", rich)):
        vary(prefix, d, "opacity", [0, 37, 90, 100, 12.5])
        vary(prefix, d, "rescale_factor", [0.29, 0.5, 1, 2.3])
        vary(prefix, d, "resize_method", list(FILTERS))
        vary(prefix, d, "rotation", [0, 1, 30, 45, 90, 180, 270, 359, 360])
        vary(prefix, d, "mirror", ["None", "horizontal", "vertical"])
        vary(prefix, d, "x_percent", [0, 3, 50, 97, 100])
        vary(prefix, d, "y_percent", [0, 50, 100])
        vary(prefix, d, "scale_filter", ["resize_method", "bicubic"])
    # HSV modes at opacity 0: the HSV round trip + floor may lower a base byte by 1 (SPEC 2.5 as written)
    for m in ("hue", "saturation", "color", "luminosity"):
        cases.append((safe(f"rich-{m}_opacity_0"), {**rich, "blend_mode": m, "opacity": 0}))
        cases.append((safe(f"plain-{m}_opacity_0"), {**plain, "blend_mode": m, "opacity": 0}))
    # resize_method × rescale (downscale and upscale) on the plain body
    for f in (0.5, 2.3):
        vary(f"plain-f{f}", {**plain, "rescale_factor": f}, "resize_method", list(FILTERS))
        vary(f"plain-f{f}-sfbicubic", {**plain, "rescale_factor": f, "scale_filter": "bicubic"},
             "resize_method", list(FILTERS))
    # rotation sampler per resize_method (no scaling)
    vary("plain-rot30", {**plain, "rotation": 30}, "resize_method", list(FILTERS))
    # corners / outside
    for xp, yp in ((0, 0), (100, 100), (0, 100), (100, 0)):
        cases.append((f"rich_corner_{xp}_{yp}", {**rich, "x_percent": xp, "y_percent": yp}))
    cases.append(("plain_cover_base", {**plain, "rescale_factor": 5, "rotation": 45}))
    # alpha sources (SPEC 2.3)
    cases.append(("plain_mask_l", {**plain, "mask": "in_mask_l.png"}))
    cases.append(("plain_mask_rgb", {**plain, "mask": "in_mask_rgb.png"}))
    cases.append(("plain_mask_white", {**plain, "mask": "in_mask_white.png", "blend_mode": "normal", "opacity": 100}))
    cases.append(("plain_mask_black", {**plain, "mask": "in_mask_black.png"}))
    cases.append(("rich_mask_l", {**rich, "mask": "in_mask_l.png"}))
    cases.append(("rich_mask_rgb_on_ov_b", {**rich, "mask": "in_mask_rgb.png"}))
    cases.append(("rich_mask_l_bgbria", {**rich, "mask": "in_mask_l.png", "bg_remove_model": "Bria"}))
    cases.append(("plain_rgb_overlay", {**plain, "overlay_image": "in_ov_rgb.png"}))
    cases.append(("rich_rgb_overlay", {**rich, "overlay_image": "in_ov_rgb.png"}))
    cases.append(("plain_base_small", {**plain, "base_image": "in_base_small.png"}))
    cases.append(("plain_base64_true", {**plain, "base64": True}))
    # combinations
    cases.append(("combo_vivid_lanczos_270_vertical", {**rich, "blend_mode": "vivid light", "resize_method": "lanczos",
                                                        "rotation": 270, "mirror": "vertical", "rescale_factor": 0.71}))
    cases.append(("combo_hardmix_box_359_mask", {**rich, "blend_mode": "hard mix", "resize_method": "box",
                                                  "rotation": 359, "mask": "in_mask_l.png", "opacity": 37}))
    cases.append(("combo_pinlight_bilinear_45_x0", {**rich, "blend_mode": "pin light", "resize_method": "bilinear",
                                                     "rotation": 45, "x_percent": 0, "y_percent": 100}))
    cases.append(("combo_difference_sfbicubic_nearest_rot90", {**rich, "blend_mode": "difference",
                                                                "resize_method": "nearest", "scale_filter": "bicubic",
                                                                "rotation": 90, "rescale_factor": 2.3}))
    cases.append(("combo_dissolve_seed7_rot180", {**rich, "blend_mode": "dissolve", "seed": 7, "rotation": 180,
                                                   "opacity": 50}))
    return cases


def v1_cases():
    plain = {"base_image": "in_base_b.png", "overlay_image": "in_ov_a.png"}
    rich = {
        "base_image": "in_base_b.png",
        "overlay_image": "in_ov_b.png",
        "overlay_resize": "Resize by rescale_factor",
        "resize_method": "bilinear",
        "rescale_factor": 1.37,
        "x_offset": 31,
        "y_offset": 12,
        "rotation": 30,
        "opacity": 0.8,
    }
    cases = [("v1plain", plain), ("v1rich", rich)]

    def vary(prefix, default, key, values):
        for v in values:
            cases.append((safe(f"{prefix}_{key}_{v}"), {**default, key: v}))

    resizes = ["None", "Fit", "Resize by rescale_factor", "Resize to width & heigth",
               "Resize to width & height", "Resize to height & width"]
    methods = ["nearest-exact", "bilinear", "area"]
    for prefix, d in (("v1plain", plain), ("v1rich", rich)):
        vary(prefix, d, "overlay_resize", resizes)
        vary(prefix, d, "resize_method", methods)
        vary(prefix, d, "rescale_factor", [0.29, 0.5, 1, 1.7, 2.3])
        vary(prefix, d, "rotation", [0, 1, 30, 45, 90, 180, 270, 359, 360])
        vary(prefix, d, "opacity", [0, 0.37, 0.5, 1])
        vary(prefix, d, "x_offset", [-15, -200, 140, 300])
        vary(prefix, d, "y_offset", [-9, -200, 100, 300])
    for m in methods:
        for rs, extra in (("fit", {"overlay_resize": "Fit"}),
                          ("down", {"rescale_factor": 0.45}),
                          ("up", {"rescale_factor": 2.3}),
                          ("wh", {"overlay_resize": "Resize to width & heigth", "width": 57, "height": 19}),
                          ("same", {"rescale_factor": 1})):
            cases.append((f"v1_{m}_{rs}", {**plain, "resize_method": m, **extra}))
            cases.append((f"v1_{m}_{rs}_ovb", {**plain, "overlay_image": "in_ov_b.png", "resize_method": m, **extra}))
    vary("v1wh", {**plain, "overlay_resize": "Resize to width & height"}, "width", [1, 13, 200])
    vary("v1wh", {**plain, "overlay_resize": "Resize to width & height"}, "height", [1, 29, 150])
    cases.append(("v1_wh_default_1024", {**plain, "overlay_resize": "Resize to width & heigth",
                                         "resize_method": "area", "x_offset": -500, "y_offset": -500}))
    cases.append(("v1_fit_small_base", {**plain, "base_image": "in_base_small.png", "overlay_resize": "Fit",
                                        "resize_method": "area"}))
    cases.append(("v1_fit_tall_overlay", {**plain, "overlay_image": "in_ov_b.png", "overlay_resize": "Fit"}))
    cases.append(("v1_neg_both", {**rich, "x_offset": -20, "y_offset": -30}))
    # alpha sources
    cases.append(("v1plain_mask_l", {**plain, "mask": "in_mask_l.png"}))
    cases.append(("v1plain_mask_rgb", {**plain, "mask": "in_mask_rgb.png"}))
    cases.append(("v1plain_mask_white", {**plain, "mask": "in_mask_white.png", "x_offset": 10, "y_offset": 10}))
    cases.append(("v1plain_mask_black", {**plain, "mask": "in_mask_black.png", "x_offset": 10, "y_offset": 10}))
    cases.append(("v1none_mask_l", {**plain, "overlay_resize": "None", "mask": "in_mask_l.png"}))
    cases.append(("v1rich_mask_l", {**rich, "mask": "in_mask_l.png"}))
    cases.append(("v1rich_mask_rgb", {**rich, "mask": "in_mask_rgb.png", "resize_method": "area"}))
    cases.append(("v1_rgb_overlay", {**plain, "overlay_image": "in_ov_rgb.png", "rotation": 45, "x_offset": 20}))
    cases.append(("v1_base_rgb", {**rich, "base_image": "in_base_a.png"}))
    cases.append(("v1_base64_true", {**rich, "base64": True}))
    return cases


IMAGE_FIELDS = ("base_image", "overlay_image", "mask")
SMALL = {
    "plain", "rich", "rich_blend_mode_vivid-light", "rich_blend_mode_dissolve", "rich_blend_mode_hue",
    "plain_rotation_45", "rich_x_percent_0", "plain_mask_l", "rich_scale_filter_bicubic",
    "v1plain", "v1rich", "v1rich_resize_method_area", "v1rich_x_offset_-15", "v1rich_mask_l",
    "v1plain_overlay_resize_Fit",
}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    small = "--small" in sys.argv[2:]
    os.makedirs(outdir, exist_ok=True)
    assert PIL.__version__.split(".")[0] == "13", PIL.__version__
    imgs = make_inputs(small)
    # Round-trip the inputs through PNG so the references see exactly what the test decodes.
    for name, im in imgs.items():
        im.save(os.path.join(outdir, name), optimize=False)
    images = {n: Image.open(os.path.join(outdir, n)) for n in imgs}
    for im in images.values():
        im.load()
    manifest = {
        "pillow": PIL.__version__,
        "numpy": np.__version__,
        "inputs": {n: [im.size[0], im.size[1], im.mode] for n, im in images.items()},
        "cases": [],
    }
    names = set()
    all_cases = [("v2", n, b) for n, b in v2_cases()] + [("v1", n, b) for n, b in v1_cases()]
    for op, name, body in all_cases:
        if small and name not in SMALL:
            continue
        assert name not in names, name
        names.add(name)
        out = superimpose_v2(body, images) if op == "v2" else superimpose_v1(body, images)
        base = images[body["base_image"]]
        assert out.size == base.size and out.mode == "RGB"
        fname = f"{op}_{name}.png"
        out.save(os.path.join(outdir, fname))
        manifest["cases"].append({"name": name, "op": op, "body": body, "expected": fname, "tolerance": 0})
    if small:
        missing = SMALL - names
        assert not missing, missing
        # Only the inputs the small cases use; a Rust table of the files for include_bytes!.
        used = {v for c in manifest["cases"] for k, v in c["body"].items() if k in IMAGE_FIELDS}
        for n in set(imgs) - used:
            os.remove(os.path.join(outdir, n))
            del manifest["inputs"][n]
        files = sorted(used) + [c["expected"] for c in manifest["cases"]] + ["manifest.json"]
        with open(os.path.join(outdir, "files.rs"), "w") as f:
            f.write("// Generated by tests/pillow/gen_pipeline.py --small; do not edit.\n\n")
            f.write("macro_rules! fixture_files {\n")
            f.write("    ($($name:literal),* $(,)?) => {\n")
            f.write("        /// The committed pipeline fixtures: (file name, bytes).\n")
            f.write("        pub const FILES: &[(&str, &[u8])] = &[$(($name, include_bytes!($name))),*];\n")
            f.write("    };\n}\n\nfixture_files! {\n")
            for n in files:
                f.write(f'    "{n}",\n')
            f.write("}\n")
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"{len(manifest['cases'])} cases -> {outdir}")


if __name__ == "__main__":
    main()
