#!/usr/bin/env python3
"""Independent reference for tests/blend.rs: SPEC 2.5's blend formulas written again in Python
(IEEE doubles, like Rust's f64; HSV through the standard library's colorsys), printing the Rust
table that tests/blend.rs includes.

    python3 tests/blend_table.py > tests/data/blend_table.rs

Nothing here is derived from the Rust code: the formulas are transcribed from SPEC.md 2.5.
"""
import colorsys
import math

NAN = float("nan")
INF = float("inf")


def div(a, b):
    """IEEE division (Python raises on /0)."""
    if b == 0:
        if a == 0 or math.isnan(a):
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)
    return a / b


def clamp(x, lo=0.0, hi=1.0):
    """clamp; NaN stays NaN (the NaN rule zeroes it later)."""
    if math.isnan(x):
        return x
    return lo if x < lo else hi if x > hi else x


def to8(x):
    y = math.floor(x * 255)
    assert 0 <= y <= 255, (x, y)
    return y


def nan0(x):
    return 0.0 if math.isnan(x) else x


def fam_a(F, B, op):
    return to8(nan0(F) * op + B * (1 - op))


def fam_c(G, B, op):
    return to8(clamp((1 - op) * B + op * nan0(G), 0, 1))


# Python's min/max return the first argument unless a later one is strictly smaller/larger,
# so a NaN first argument survives (as SPEC requires for `dodge`'s min(B/(1−S), 1)).
def per_channel(mode, B, S, op):
    if mode == "multiply":
        return fam_a(clamp(S * B, 0, 1), B, op)
    if mode == "normal":
        return to8((S * op + B * (1 - op)) / (op + (1 - op)))
    if mode == "darken":
        return fam_a(min(B, S), B, op)
    if mode == "lighten":
        return fam_a(max(B, S), B, op)
    if mode == "screen":
        return fam_a(1 - (1 - B) * (1 - S), B, op)
    if mode == "overlay":
        return fam_a(2 * B * S if B < 0.5 else 1 - 2 * (1 - B) * (1 - S), B, op)
    if mode == "soft light":
        return fam_a((1 - B) * B * S + B * (1 - (1 - B) * (1 - S)), B, op)
    if mode == "hard light":
        F = min(1, 1 - (1 - B) * (1 - 2 * (S - 0.5))) if S > 0.5 else min(1, B * 2 * S)
        return fam_a(F, B, op)
    if mode == "vivid light":
        G = div(B, 1 - 2 * S) if S <= 0.5 else 1 - div(1 - B, 2 * S - 0.5)
        return fam_c(clamp(G, 0, 1), B, op)
    if mode == "linear light":
        return fam_c(B + 2 * S - 1, B, op)
    if mode == "pin light":
        G = min(B, 2 * S) if S <= 0.5 else max(B, 2 * (S - 0.5))
        return fam_c(G, B, op)
    if mode == "hard mix":
        G = round(clamp((1 - op) * B + op * (B + 2 * S - 1), 0, 1))  # round() is half-even
        return fam_c(float(G), B, op)
    if mode == "difference":
        return fam_a(abs(B - S), B, op)
    if mode == "color burn":
        return fam_c(clamp(1 - div(1 - B, S), 0, 1), B, op)
    if mode == "linear burn":
        return fam_c(B + S - 1, B, op)
    if mode == "color dodge":
        return fam_c(clamp(div(B, 1 - S), 0, 1), B, op)
    if mode == "exclusion":
        return fam_c(B + S - 2 * B * S, B, op)
    if mode == "subtract":
        return fam_c(B - S, B, op)
    if mode == "linear dodge(add)":
        return to8(clamp((B + S) * op + B * (1 - op), 0, 1))
    if mode == "dodge":
        return fam_a(min(div(B, 1 - S), 1), B, op)
    if mode == "divide":
        return fam_a(min(div(256 / 255 * B, 1 / 255 + S), 1), B, op)
    if mode == "grain extract":
        return fam_a(clamp(B - S + 0.5, 0, 1), B, op)
    if mode == "grain merge":
        return fam_a(clamp(B + S - 0.5, 0, 1), B, op)
    raise ValueError(mode)


CHANNEL_MODES = [
    "multiply", "normal", "darken", "lighten", "screen", "overlay", "soft light", "hard light",
    "vivid light", "linear light", "pin light", "hard mix", "difference", "color burn",
    "linear burn", "color dodge", "exclusion", "subtract", "linear dodge(add)", "dodge", "divide",
    "grain extract", "grain merge",
]


def whole_pixel(mode, b, s, op):
    B = [v / 255 for v in b]
    S = [v / 255 for v in s]
    if mode in ("darker color", "lighter color"):
        take = max(S) < max(B) if mode == "darker color" else max(S) > max(B)
        G = S if take else B
        return [fam_c(G[c], B[c], op) for c in range(3)]
    bh, bs, bv = colorsys.rgb_to_hsv(*B)
    sh, ss, sv = colorsys.rgb_to_hsv(*S)
    lerp = lambda x, y: (1 - op) * x + op * y
    if mode == "hue":
        h, sa, v = lerp(bh, sh), bs, bv
    elif mode == "saturation":
        h, sa, v = bh, lerp(bs, ss), bv
    elif mode == "color":
        h, sa, v = lerp(bh, sh), lerp(bs, ss), bv
    elif mode == "luminosity":
        h, sa, v = bh, bs, lerp(bv, sv)
    else:
        raise ValueError(mode)
    return [to8(clamp(c, 0, 1)) for c in colorsys.hsv_to_rgb(h, sa, v)]


PIXEL_MODES = ["darker color", "lighter color", "hue", "saturation", "color", "luminosity"]

BYTES = [0, 1, 64, 127, 128, 200, 254, 255]
OPS = [0.0, 0.37, 0.9, 1.0]
COLORS = [
    (0, 0, 0), (255, 255, 255), (128, 128, 128), (255, 0, 0), (10, 200, 90),
    (250, 128, 3), (40, 60, 230), (200, 180, 181),
]


def main():
    out = []
    out.append("// @generated by tests/blend_table.py from SPEC 2.5 — do not edit by hand.")
    out.append("")
    out.append("/// The byte values used for both base and source in [`CHANNEL`].")
    out.append(f"pub const BYTES: [u8; {len(BYTES)}] = {BYTES};")
    out.append("")
    out.append("/// `(mode, opacity, base byte, [R for each source byte in BYTES])`.")
    out.append("pub const CHANNEL: &[(&str, f64, u8, [u8; 8])] = &[")
    for mode in CHANNEL_MODES:
        for op in OPS:
            for b in BYTES:
                row = [per_channel(mode, b / 255, s / 255, op) for s in BYTES]
                out.append(f'    ("{mode}", {op!r}, {b}, {row}),')
    out.append("];")
    out.append("")
    out.append("/// `(mode, opacity, base RGB, source RGB, R)`.")
    out.append("pub const PIXEL: &[(&str, f64, [u8; 3], [u8; 3], [u8; 3])] = &[")
    for mode in PIXEL_MODES:
        for op in OPS:
            for b in COLORS:
                for s in COLORS:
                    r = whole_pixel(mode, b, s, op)
                    out.append(f'    ("{mode}", {op!r}, {list(b)}, {list(s)}, {r}),')
    out.append("];")
    print("\n".join(out))


if __name__ == "__main__":
    main()
