"""Draws the OpsDesk icon set (run once; the PNG/ICO/ICNS results are committed).

The mark is a rounded teal tile with a white clipboard carrying a check mark: the app is where
operations staff check people, templates and calls.
"""
from pathlib import Path
from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "icons"
S = 1024


def draw(size: int = S) -> Image.Image:
    scale = 4  # supersample for smooth edges
    n = size * scale
    img = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    pad = int(n * 0.06)
    d.rounded_rectangle([pad, pad, n - pad, n - pad], radius=int(n * 0.2), fill=(15, 118, 110, 255))
    # clipboard body
    bx0, by0, bx1, by1 = int(n * 0.27), int(n * 0.24), int(n * 0.73), int(n * 0.80)
    d.rounded_rectangle([bx0, by0, bx1, by1], radius=int(n * 0.05), fill=(255, 255, 255, 255))
    # clip
    cx0, cy0, cx1, cy1 = int(n * 0.39), int(n * 0.18), int(n * 0.61), int(n * 0.30)
    d.rounded_rectangle([cx0, cy0, cx1, cy1], radius=int(n * 0.03), fill=(250, 204, 21, 255))
    # check mark
    w = int(n * 0.055)
    pts = [(int(n * 0.36), int(n * 0.53)), (int(n * 0.46), int(n * 0.63)), (int(n * 0.65), int(n * 0.41))]
    d.line(pts, fill=(15, 118, 110, 255), width=w, joint="curve")
    for p in (pts[0], pts[-1]):
        d.ellipse([p[0] - w // 2, p[1] - w // 2, p[0] + w // 2, p[1] + w // 2], fill=(15, 118, 110, 255))
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    big = draw()
    big.save(OUT / "icon.png")
    for name, px in {"32x32.png": 32, "64x64.png": 64, "128x128.png": 128, "128x128@2x.png": 256}.items():
        draw(px).save(OUT / name)
    big.save(OUT / "icon.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    big.save(OUT / "icon.icns")


if __name__ == "__main__":
    main()
