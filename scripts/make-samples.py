"""Make the bundled sample images (www/samples/) procedurally, so the repo owns them outright.

    .tools/venv/bin/python scripts/make-samples.py

base.jpg    640×427 photo-like scene (sky gradient, sun, hills, a wall with a shirt-shaped card)
overlay.png 256×256 RGBA logo with soft transparent edges (a ring, a star and a wordmark bar)
mask.png    256×256 greyscale mask (white = overlay visible): a soft-edged circle
"""
import math
import os
from PIL import Image, ImageDraw, ImageFilter

out = os.path.join(os.path.dirname(__file__), "..", "www", "samples")
os.makedirs(out, exist_ok=True)

W, H = 640, 427
base = Image.new("RGB", (W, H))
px = base.load()
for y in range(H):
    for x in range(W):
        t = y / H
        r = int(90 + 120 * t + 20 * math.sin(x / 40))
        g = int(150 + 60 * t)
        b = int(235 - 90 * t)
        px[x, y] = (max(0, min(255, r)), g, b)
d = ImageDraw.Draw(base)
d.ellipse((470, 40, 560, 130), fill=(255, 214, 102))
for i, (c, off) in enumerate([((70, 120, 60), 0), ((50, 95, 45), 40)]):
    pts = [(x, 300 + off + int(30 * math.sin(x / 70 + i))) for x in range(0, W + 10, 10)]
    d.polygon(pts + [(W, H), (0, H)], fill=c)
# A light "t-shirt" card in the middle: where the logo lands by default (x 50 %, y 65 %).
d.polygon([(220, 170), (280, 150), (360, 150), (420, 170), (450, 230), (400, 245), (400, 400),
           (240, 400), (240, 245), (190, 230)], fill=(236, 232, 224), outline=(120, 110, 100))
base = base.filter(ImageFilter.GaussianBlur(0.6))
base.save(os.path.join(out, "base.jpg"), quality=88)

S = 256
logo = Image.new("RGBA", (S, S), (0, 0, 0, 0))
d = ImageDraw.Draw(logo)
d.ellipse((16, 16, S - 16, S - 16), outline=(200, 30, 60, 255), width=22)
cx, cy, R, r = S / 2, S / 2 - 10, 78, 32
star = []
for k in range(10):
    ang = -math.pi / 2 + k * math.pi / 5
    rad = R if k % 2 == 0 else r
    star.append((cx + rad * math.cos(ang), cy + rad * math.sin(ang)))
d.polygon(star, fill=(20, 90, 200, 255))
d.rounded_rectangle((70, 170, 186, 196), radius=8, fill=(30, 30, 30, 230))
alpha = logo.getchannel("A").filter(ImageFilter.GaussianBlur(1.2))
logo.putalpha(alpha)
logo.save(os.path.join(out, "overlay.png"))

mask = Image.new("L", (S, S), 0)
ImageDraw.Draw(mask).ellipse((28, 28, S - 28, S - 28), fill=255)
mask.filter(ImageFilter.GaussianBlur(10)).save(os.path.join(out, "mask.png"))
print("wrote", sorted(os.listdir(out)))
