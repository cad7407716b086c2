"""Writing images safely: an image is written to a temp file beside its final name and renamed, so a
crash never leaves a half-written file under that name (and temp files of a killed run are found)."""

import dataclasses
import os


def temp_name(path, pid):
    return os.path.join(os.path.dirname(path) or ".", f".{os.path.basename(path)}.tmp{pid}")


def remove_stale_temp_files(outputs):
    """Deletes temp files a killed run left for these outputs (final names are never half-written)."""
    by_folder = {}
    for path in outputs:
        by_folder.setdefault(os.path.dirname(path) or ".", set()).add(os.path.basename(path))
    for folder, names in by_folder.items():
        if not os.path.isdir(folder):
            continue
        for entry in os.listdir(folder):
            base, _, pid = entry[1:].rpartition(".tmp")
            if entry.startswith(".") and pid.isdigit() and base in names:
                os.remove(os.path.join(folder, entry))


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
    tmp = temp_name(path, os.getpid())
    options = {"PNG": {"compress_level": png_compression}, "JPEG": {"quality": quality},
               "WEBP": {"quality": quality}, "TIFF": {"compression": "tiff_deflate"}}[pil_format]
    if metadata is not None and metadata.exif:
        options["exif"] = metadata.exif
    if metadata is not None and metadata.icc_profile:
        options["icc_profile"] = metadata.icc_profile
    try:
        pixels = np.dstack([rgb, alpha]) if alpha is not None and keeps_alpha else rgb
        Image.fromarray(pixels).save(tmp, format=pil_format, **options)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
