"""Builds a folder with every awkward input users feed a colorizer (generated, never committed).

`make_bad_input_folder(root)` returns {relative name: None if the file must work, or the start of
the one-line reason it must be refused with}.
"""

import os
import struct
import zlib

import numpy as np
from PIL import Image

from tests import images

RGBA_ALPHA = np.arange(40 * 60, dtype=np.uint32).reshape(40, 60) % 256


def bomb_png(path, side=30_000):
    """A PNG whose header declares side x side RGB pixels (2.7 GB decoded); only a few rows follow."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * ((1 + side * 3) * 8))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
    return path


def make_bad_input_folder(root):
    os.makedirs(root, exist_ok=True)
    p = lambda name: os.path.join(root, name)  # noqa: E731
    photo = images.photo(40, 60, seed=11)
    expected = {}

    full_jpg = images.write(p("_full.jpg"), photo, "JPEG", quality=90)
    full_png = images.write(p("_full.png"), photo)
    images.truncated_copy(full_jpg, p("truncated.jpg"))
    images.truncated_copy(full_png, p("truncated.png"))
    os.remove(full_jpg), os.remove(full_png)
    expected["truncated.jpg"] = "truncated JPEG file"
    expected["truncated.png"] = "truncated PNG file"

    open(p("empty.jpg"), "wb").close()
    expected["empty.jpg"] = "empty file (0 bytes)"
    with open(p("text.jpg"), "w") as f:
        f.write("Dear reader, this is not a JPEG.\n")
    expected["text.jpg"] = "not a readable image"

    Image.fromarray(photo).convert("CMYK").save(p("cmyk.jpg"), quality=95)
    Image.fromarray((photo[..., 0].astype(np.uint16) * 257)).save(p("sixteen_bit.png"))
    Image.fromarray(np.dstack([photo, RGBA_ALPHA.astype(np.uint8)])).save(p("rgba.png"))
    Image.fromarray(np.dstack([photo[..., 1], RGBA_ALPHA.astype(np.uint8)]), "LA").save(p("gray_alpha.png"))
    Image.fromarray(photo).quantize(32).save(p("palette.png"))
    Image.fromarray(photo[..., 2]).save(p("already_gray.jpg"), quality=95)
    images.write(p("one_pixel.png"), np.full((1, 1, 3), 200, np.uint8))
    images.write(p("two_by_three.png"), images.photo(2, 3, seed=1))
    images.write(p("strip_1x10000.png"), images.photo(1, 10_000, seed=2))
    frames = [Image.fromarray(photo).quantize(32), Image.fromarray(255 - photo).quantize(32)]
    frames[0].save(p("animated.gif"), save_all=True, append_images=frames[1:], duration=100, loop=0)
    Image.fromarray(photo).save(p("scan.tif"))
    Image.fromarray(photo).save(p("photo.webp"), quality=90)
    images.write_exif_rotated(p("rotated_exif6.jpg"), photo, 6)
    images.write(p("ünïcödé name with spaces.jpg"), photo, "JPEG", quality=90)
    for name in ("cmyk.jpg", "sixteen_bit.png", "rgba.png", "gray_alpha.png", "palette.png", "already_gray.jpg",
                 "one_pixel.png", "two_by_three.png", "strip_1x10000.png", "animated.gif", "scan.tif",
                 "photo.webp", "rotated_exif6.jpg", "ünïcödé name with spaces.jpg"):
        expected[name] = None

    bomb_png(p("bomb_30000x30000.png"))
    expected["bomb_30000x30000.png"] = "30000x30000 = 900 MP exceeds the pixel limit"
    images.write(p("unreadable.jpg"), photo, "JPEG")
    os.chmod(p("unreadable.jpg"), 0)
    expected["unreadable.jpg"] = "permission denied"
    os.mkdir(p("folder_named.jpg"))
    expected["folder_named.jpg"] = "is a directory, not an image file"
    os.symlink("loop.jpg", p("loop.jpg"))
    os.symlink(".", p("folder_loop"))  # a directory link back to its parent: walked once, not forever
    expected["loop.jpg"] = "symbolic link loop"
    return expected


# Output (height, width, channels) of the inputs that must work: EXIF 6 swaps the axes, alpha stays.
EXPECTED_SHAPES = {"rgba.png": (40, 60, 4), "gray_alpha.png": (40, 60, 4), "one_pixel.png": (1, 1, 3),
                   "two_by_three.png": (2, 3, 3), "strip_1x10000.png": (1, 10_000, 3),
                   "rotated_exif6.jpg": (60, 40, 3)}
DEFAULT_SHAPE = (40, 60, 3)
