"""Image files, read and written (the one image-I/O module): a cheap header scan that rejects bad files
with a one-line reason, a PIL decoder for what TensorFlow cannot decode itself (TIFF, WebP, CMYK
JPEG, ...), and safe writing: an image is written to a temp file beside its final name and renamed,
so a crash never leaves a half-written file under that name (and temp files of a killed run are
found), in the output formats the colorize command offers, with the photo's EXIF and ICC profile.

The scan opens each file's header only (no pixel decode), so it costs about a millisecond per
file, yet it catches zero-byte and non-image files, unreadable files, directories with image
names, decompression bombs (by the header's size, before any decode) and truncated JPEG/PNG
files (by their missing end marker).
"""

import dataclasses
import io
import os
import re
import warnings

import numpy as np
from PIL import Image, ImageOps

from deepcolor.files import atomic_path

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
DEFAULT_MAX_PIXELS = 100_000_000  # 100 MP: a 12 MP photo passes, a 30k x 30k bomb does not
# Formats TensorFlow decodes natively in the graph (faster, no GIL); others go through PIL.
TF_NATIVE = {("JPEG", "RGB"), ("JPEG", "L"), ("PNG", "RGB"), ("PNG", "RGBA"), ("PNG", "L"),
             ("PNG", "LA"), ("PNG", "P"), ("PNG", "I;16"), ("PNG", "I"), ("BMP", "RGB"),
             ("BMP", "L"), ("BMP", "P"), ("GIF", "P"), ("GIF", "L"), ("GIF", "RGB")}

Image.MAX_IMAGE_PIXELS = None  # we apply our own, configurable limit before decoding


from deepcolor.errors import DeepColorError


class BadImageError(DeepColorError):
    """A file that cannot be used as an image; str() is the one-line reason."""


@dataclasses.dataclass(frozen=True)
class ImageInfo:
    path: str
    format: str
    mode: str
    width: int
    height: int
    orientation: int  # EXIF orientation tag, 1 = upright
    # Encoded bytes for images that live in memory (hub datasets, TFDS, shards), not in a file;
    # `path` then names the sample (e.g. "places365:train/000123") for messages.
    data: bytes = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def tf_native(self):
        return (self.format, self.mode) in TF_NATIVE


def _has_end_marker(path, fmt, data=None):
    """JPEG must end with EOI (FFD9), PNG with its IEND chunk; a missing marker means truncation."""
    if data is not None:
        tail = data[-64:]
    else:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            f.seek(max(0, size - 64))
            tail = f.read()
    if fmt == "JPEG":
        return b"\xff\xd9" in tail  # some encoders pad after EOI, so search the last bytes
    if fmt == "PNG":
        return b"IEND" in tail
    return True


def scan_image(path, max_pixels=DEFAULT_MAX_PIXELS, data=None):
    """Returns ImageInfo for a usable image, or raises BadImageError naming the problem.

    With `data` (encoded bytes held in memory) the same checks run on the bytes and `path` is
    only the sample's name.
    """
    if data is None and os.path.isdir(path):
        raise BadImageError("is a directory, not an image file")
    try:
        size = len(data) if data is not None else os.path.getsize(path)
        if size == 0:
            raise BadImageError("empty file (0 bytes)" if data is None else "empty image (0 bytes)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data) if data is not None else path) as im:
                fmt, mode, (width, height) = im.format, im.mode, im.size
                try:
                    orientation = int(im.getexif().get(0x0112, 1) or 1)
                except Exception:  # a broken EXIF block is not worth rejecting the photo
                    orientation = 1
    except BadImageError:
        raise
    except PermissionError:
        raise BadImageError("permission denied") from None
    except FileNotFoundError:
        raise BadImageError("file not found (broken link?)") from None
    except OSError as e:
        if getattr(e, "errno", None) == 40:  # ELOOP
            raise BadImageError("symbolic link loop") from None
        raise BadImageError(f"not a readable image ({_short(e)})") from None
    except Exception as e:
        raise BadImageError(f"not a readable image ({_short(e)})") from None
    if width * height > max_pixels:
        raise BadImageError(
            f"{width}x{height} = {width * height / 1e6:.0f} MP exceeds the pixel limit of "
            f"{max_pixels / 1e6:.0f} MP (raise --max-pixels if this is intended)")
    if not _has_end_marker(path, fmt, data):
        raise BadImageError(f"truncated {fmt} file (no end marker)")
    return ImageInfo(path, fmt, mode, width, height, orientation if 1 <= orientation <= 8 else 1, data)


def _short(e):
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    # PIL names an in-memory image by its buffer's repr ("<_io.BytesIO object at 0x...>"), which tells a
    # user nothing: the message's line already names the file.
    return re.sub(r" ?<_io\.BytesIO object at 0x[0-9a-f]+>", "", text)[:160]


def pil_to_rgb(im):
    """Any PIL image (after EXIF transpose) -> HxWx3 uint8 RGB and optional HxW uint8 alpha."""
    alpha = None
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        alpha = np.asarray(rgba)[..., 3]
        im = rgba
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit gray: scale to 8 bits rather than clip (PIL's convert("L") clips at 255).
        arr = np.asarray(im).astype(np.float64)
        peak = 65535.0 if im.mode.startswith("I;16") or arr.max() > 255 else 255.0
        gray = np.clip(np.round(arr / peak * 255.0), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=-1), alpha
    return np.asarray(im.convert("RGB")), alpha


def read_image(path, max_pixels=DEFAULT_MAX_PIXELS, data=None):
    """Decodes a file (or in-memory `data`) fully with PIL, EXIF orientation applied:
    (HxWx3 uint8, alpha or None). Raises BadImageError with a one-line reason for anything unusable.
    """
    scan_image(path, max_pixels, data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data) if data is not None else path) as im:
                im.seek(0)  # first frame of animations
                im = ImageOps.exif_transpose(im)
                return pil_to_rgb(im)
    except BadImageError:
        raise
    except Exception as e:
        raise BadImageError(f"cannot decode ({_short(e)})") from None


def read_any_image(image, max_pixels=None):
    """A path, PIL image or uint8 array -> (uint8 [H, W, C>=1], alpha or None). Raises BadImageError."""
    if isinstance(image, (str, os.PathLike)):
        return read_image(os.fspath(image), max_pixels or DEFAULT_MAX_PIXELS)
    if hasattr(image, "mode") and hasattr(image, "size"):  # a PIL image
        return pil_to_rgb(ImageOps.exif_transpose(image))
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise BadImageError(f"expected a uint8 image array, got {array.dtype}")
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or not 1 <= array.shape[-1] <= 4 or min(array.shape[:2]) < 1:
        raise BadImageError(f"expected an image array [H, W] or [H, W, 1-4], got shape {array.shape}")
    return array, None


def decode_rgb_for_tf(data):
    """numpy_function body for the tf.data pipeline: encoded bytes -> RGB uint8, no EXIF transpose
    (done in-graph). For the formats TensorFlow cannot decode itself."""
    if isinstance(data, np.ndarray):  # numpy_function hands a string tensor over as a 0-d object array
        data = data.item()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(io.BytesIO(data)) as im:
            im.seek(0)
            rgb, _ = pil_to_rgb(im)
    return np.ascontiguousarray(rgb)


# ---------------------------------------------------------------------------- writing
# Output formats by name: PIL's format, file extension, whether it keeps an alpha channel.
OUTPUT_FORMATS = {"png": ("PNG", ".png", True), "jpg": ("JPEG", ".jpg", False), "tif": ("TIFF", ".tif", True),
                  "webp": ("WEBP", ".webp", True)}
# An input's format family -> the output format that keeps it (others, e.g. BMP or GIF, become PNG).
FAMILY = {".jpg": "jpg", ".jpeg": "jpg", ".png": "png", ".tif": "tif", ".tiff": "tif", ".webp": "webp"}


def format_of(path, default="png"):
    """The output format a file name asks for by its extension ("photo.JPG" -> "jpg"), else default."""
    return FAMILY.get(os.path.splitext(path)[1].lower(), default)


@dataclasses.dataclass(frozen=True)
class PhotoMetadata:
    """What a photo tool keeps from the input: EXIF (date taken, camera; orientation reset to 1,
    since the pixels are written upright) and the ICC colour profile, as encoded bytes."""
    exif: bytes = None
    icc_profile: bytes = None


def read_metadata(path):
    """The input file's EXIF and ICC profile (PhotoMetadata of None where absent or unreadable)."""
    from PIL import Image
    try:
        with Image.open(path) as image:
            exif = image.getexif()
            if 0x0112 in exif:
                exif[0x0112] = 1  # orientation: already applied to the pixels
            return PhotoMetadata(exif.tobytes() if len(exif) else None, image.info.get("icc_profile"))
    except Exception:  # metadata is a courtesy: an odd header must not fail a photo that decodes
        return PhotoMetadata()


def save_image(rgb, alpha, path, fmt, png_compression=1, quality=95, metadata=None):
    """Atomic save: a crash never leaves a half-written image under the final name. fmt: png, jpg,
    tif or webp; `metadata` (PhotoMetadata) is written where the format holds it."""
    from PIL import Image
    import numpy as np
    pil_format, _, keeps_alpha = OUTPUT_FORMATS[fmt]
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    options = {"PNG": {"compress_level": png_compression}, "JPEG": {"quality": quality},
               "WEBP": {"quality": quality}, "TIFF": {"compression": "tiff_deflate"}}[pil_format]
    if metadata is not None and metadata.exif:
        options["exif"] = metadata.exif
    if metadata is not None and metadata.icc_profile:
        options["icc_profile"] = metadata.icc_profile
    pixels = np.dstack([rgb, alpha]) if alpha is not None and keeps_alpha else rgb
    with atomic_path(path) as tmp:
        Image.fromarray(pixels).save(tmp, format=pil_format, **options)
