"""Writing images safely: an image is written to a temp file beside its final name and renamed, so a
crash never leaves a half-written file under that name (and temp files of a killed run are found)."""

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


def save_image(rgb, alpha, path, fmt, png_compression=1):
    """Atomic save: a crash never leaves a half-written image under the final name."""
    from PIL import Image
    import numpy as np
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = temp_name(path, os.getpid())
    try:
        if alpha is not None and fmt == "png":
            Image.fromarray(np.dstack([rgb, alpha])).save(tmp, format="PNG", compress_level=png_compression)
        elif fmt == "png":
            Image.fromarray(rgb).save(tmp, format="PNG", compress_level=png_compression)
        else:
            Image.fromarray(rgb).save(tmp, format="JPEG", quality=95)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
