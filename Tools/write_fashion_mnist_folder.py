"""Writes Fashion-MNIST as an image folder of PNGs, for measuring `strata train --dataset DIR`.

    python3 Tools/write_fashion_mnist_folder.py OUT [--train-per-class 1000] [--test-per-class 1000]
        [--source /usr/share/datasets/fashion-mnist]

OUT/train/<class>/<index>.png holds the first N training images of each class, OUT/test/<class>/
the first M test images of each (8-bit gray, 28 x 28); class folders are Fashion-MNIST's class
names with '/' made '-'. Only the standard library: IDX parsing, zlib and PNG chunks by hand.
"""
import argparse
import gzip
import struct
import zlib
from pathlib import Path

CLASSES = ["T-shirt-top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(path):
    """The dimensions and bytes of an unsigned-byte IDX file, plain or gzip."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    rank = data[3]
    dimensions = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return dimensions, data[4 + 4 * rank:]


def find(source, stem):
    for name in (stem, stem + ".gz"):
        if (source / name).exists():
            return source / name
    raise SystemExit(f"no {stem}[.gz] in {source}")


def png(pixels, width, height):
    """An 8-bit grayscale PNG: IHDR, one IDAT of unfiltered rows, IEND."""
    rows = b"".join(b"\x00" + pixels[row * width:(row + 1) * width] for row in range(height))
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--train-per-class", type=int, default=1000)
    parser.add_argument("--test-per-class", type=int, default=1000)
    parser.add_argument("--source", type=Path, default=Path("/usr/share/datasets/fashion-mnist"))
    arguments = parser.parse_args()
    for split, prefix, per_class in [("train", "train", arguments.train_per_class), ("test", "t10k", arguments.test_per_class)]:
        (count, height, width), images = read_idx(find(arguments.source, f"{prefix}-images-idx3-ubyte"))
        _, labels = read_idx(find(arguments.source, f"{prefix}-labels-idx1-ubyte"))
        written = [0] * len(CLASSES)
        for index in range(count):
            label = labels[index]
            if written[label] >= per_class:
                continue
            folder = arguments.output / split / CLASSES[label]
            folder.mkdir(parents=True, exist_ok=True)
            pixels = images[index * height * width:(index + 1) * height * width]
            (folder / f"{index:05d}.png").write_bytes(png(pixels, width, height))
            written[label] += 1
        print(f"{split}: {sum(written)} images, {min(written)}-{max(written)} per class")


if __name__ == "__main__":
    main()
