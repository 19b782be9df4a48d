"""Writes the image-decoding fixtures of Tests/StrataDataTests/Fixtures/Images (never run by CI).

Small crops of the two photographs shipped in scikit-learn's wheel (sklearn/datasets/images/
china.jpg and flower.jpg, public domain), saved by Pillow in the PNG and JPEG variants the
decoder must handle, each beside NAME.expected: the pixels Pillow (or numpy, for 16-bit samples)
decodes, as raw bytes in rows of gray or RGB pixels. expected.json lists each fixture's width,
height and channels. Also Pillow's bilinear resizes (antialiased when shrinking) of one crop.

    pip download --no-deps scikit-learn && unzip -o scikit_learn-*.whl 'sklearn/datasets/images/*'
    python3 Tools/make_image_fixtures.py sklearn/datasets/images
"""
import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

source = Path(sys.argv[1])
out = Path(__file__).resolve().parent.parent / "Tests/StrataDataTests/Fixtures/Images"
out.mkdir(parents=True, exist_ok=True)
index = {}


def expect(name, pixels):
    """Records the expected decode of fixture `name`: uint8 [h, w] or [h, w, 3]."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    (out / (name + ".expected")).write_bytes(pixels.tobytes())
    index[name] = {"width": pixels.shape[1], "height": pixels.shape[0], "channels": channels}


def decoded(name, mode):
    with Image.open(out / name) as image:
        return np.asarray(image.convert(mode))


china = Image.open(source / "china.jpg").convert("RGB").crop((300, 120, 348, 152))   # 48 x 32
flower = Image.open(source / "flower.jpg").convert("RGB").crop((250, 150, 290, 180))  # 40 x 30

# JPEG: Pillow encodes; the expected pixels are Pillow's own decode of the same file.
china.save(out / "china-rgb.jpg", quality=90)
expect("china-rgb.jpg", decoded("china-rgb.jpg", "RGB"))
china.convert("L").save(out / "china-gray.jpg", quality=90)
expect("china-gray.jpg", decoded("china-gray.jpg", "L"))
flower.save(out / "flower-progressive.jpg", quality=85, progressive=True)
expect("flower-progressive.jpg", decoded("flower-progressive.jpg", "RGB"))
# CMYK (Adobe) JPEG: refused as unsupported, so no expected pixels.
flower.convert("CMYK").save(out / "flower-cmyk.jpg", quality=85)

# PNG, 8-bit: RGB, gray, RGBA and gray + alpha (alpha dropped), palette with transparency.
flower.save(out / "flower-rgb.png")
expect("flower-rgb.png", np.asarray(flower))
flower.convert("L").save(out / "flower-gray.png")
expect("flower-gray.png", np.asarray(flower.convert("L")))
rgba = flower.copy()
rgba.putalpha(Image.linear_gradient("L").resize(flower.size))
rgba.save(out / "flower-rgba.png")
expect("flower-rgba.png", np.asarray(flower))
gray_alpha = flower.convert("LA")
gray_alpha.save(out / "flower-gray-alpha.png")
expect("flower-gray-alpha.png", np.asarray(flower.convert("L")))
palette = flower.quantize(colors=16)
palette.info["transparency"] = 0
palette.save(out / "flower-palette.png", transparency=0)
expect("flower-palette.png", np.asarray(palette.convert("RGB")))
bilevel = flower.convert("1")
bilevel.save(out / "flower-1bit.png")
expect("flower-1bit.png", np.asarray(bilevel.convert("L")))


def write_png(path, pixels16, color_type):
    """A 16-bit PNG by hand (Pillow writes no 16-bit RGB): IHDR, one IDAT, IEND."""
    height, width = pixels16.shape[:2]
    rows = b"".join(b"\x00" + pixels16[row].astype(">u2").tobytes() for row in range(height))
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 16, color_type, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    path.write_bytes(data)


# 16-bit: a low byte that differs from the high byte, so cutting to 8 bits is checked (the
# expected value is the high byte, as libpng's strip_16 and Pillow's RGB reading give).
rgb8 = np.asarray(flower).astype(np.uint16)
rgb16 = rgb8 * 256 + (255 - rgb8)
write_png(out / "flower-rgb16.png", rgb16, 2)
expect("flower-rgb16.png", (rgb16 >> 8).astype(np.uint8))
gray8 = np.asarray(flower.convert("L")).astype(np.uint16)
gray16 = gray8 * 256 + (gray8 // 3)
write_png(out / "flower-gray16.png", gray16, 0)
expect("flower-gray16.png", (gray16 >> 8).astype(np.uint8))

# Pillow's bilinear resize (a triangle filter widened by the scale when shrinking) of the RGB PNG.
for name, size in [("flower-shrunk-17x11", (17, 11)), ("flower-enlarged-61x45", (61, 45))]:
    resized = flower.resize(size, Image.Resampling.BILINEAR, reducing_gap=None)
    (out / (name + ".expected")).write_bytes(np.asarray(resized).tobytes())
    index[name] = {"width": size[0], "height": size[1], "channels": 3}

(out / "expected.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
print("\n".join(f"{name}: {value}" for name, value in sorted(index.items())))
