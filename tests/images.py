"""Test images generated on the fly in every format the pipeline must read (nothing committed)."""

import io
import os

import numpy as np
from PIL import Image


def photo(height=48, width=64, seed=0):
    """A smooth, colorful RGB uint8 image (smooth so lossy formats stay close to the original)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = [np.sin(x / (5 + 3 * k) + rng.random() * 6) * np.cos(y / (7 + 2 * k)) for k in range(3)]
    return ((np.stack(channels, -1) * 0.5 + 0.5) * 255).round().astype(np.uint8)


def write(path, array=None, fmt=None, **save_kwargs):
    array = photo() if array is None else array
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path, format=fmt, **save_kwargs)
    return path


def write_exif_rotated(path, array, orientation):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image = Image.fromarray(array)
    exif = Image.Exif()
    exif[0x0112] = orientation
    # 4:4:4 at top quality, so the TF and PIL JPEG decoders agree to a level or two.
    image.save(path, format="JPEG", quality=100, subsampling=0, exif=exif.tobytes())
    return path


def truncated_copy(src, dst, keep=0.6):
    with open(src, "rb") as f:
        data = f.read()
    with open(dst, "wb") as f:
        f.write(data[: int(len(data) * keep)])
    return dst


def encoded(array, fmt, **kwargs):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()
