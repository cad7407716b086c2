"""Where images come from: `--data` specs resolve to a list of Records (one per image file).

Specs:
- ``folder:PATH`` every image under PATH, recursively (jpg, jpeg, png, bmp, gif (first frame),
  webp, tif/tiff), identified by its path relative to PATH.
- ``sample``     real photos that ship with scikit-image (no network), cut into tiles, with a fixed
  split by source photo so no photo leaks across splits. Used by `make demo` and tests.
"""

import dataclasses
import hashlib
import os

import numpy as np

from deepcolor.data.images import IMAGE_EXTENSIONS


@dataclasses.dataclass(frozen=True)
class Record:
    id: str      # stable identity, e.g. the path relative to the folder root
    path: str    # file to read
    group: str   # split unit: records of one group always share a split (no leakage)
    split: str = ""  # a predefined split ("train"/"val"/"test"), or "" to split by hash


def list_folder(root):
    """All image files under root, sorted by relative path; symlink loops are not followed twice."""
    root = os.path.abspath(os.path.expanduser(root))
    if not os.path.isdir(root):
        raise SystemExit(f"error: data folder not found: {root}")
    records, seen_dirs = [], set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen_dirs:  # a symlink loop or a second link to a visited folder
            dirnames[:] = []
            continue
        seen_dirs.add(real)
        dirnames.sort()
        # A directory named like an image is reported by the scan as such, not walked silently.
        for name in sorted(filenames + [d for d in dirnames if d.lower().endswith(IMAGE_EXTENSIONS)]):
            if name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith("."):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                records.append(Record(id=rel, path=path, group=rel))
    return records


# Color photos bundled inside scikit-image (no download needed) and the split each one serves.
SAMPLE_PHOTOS = {"astronaut": "train", "rocket": "train", "hubble_deep_field": "train",
                 "immunohistochemistry": "train", "retina": "train", "colorwheel": "train",
                 "chelsea": "val", "coffee": "test"}
SAMPLE_TILES = 3  # each photo -> the whole photo + a 3x3 grid of overlapping half-size tiles


def _cache_dir():
    return os.environ.get("DEEPCOLOR_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "deepcolor"))


def sample_records():
    """Writes the scikit-image sample photos (and tiles of them) as PNGs once, returns their Records."""
    from PIL import Image
    from skimage import data as skdata

    folder = os.path.join(_cache_dir(), "sample_v1")
    records = []
    for name, split in SAMPLE_PHOTOS.items():
        photo = None
        for k in range(SAMPLE_TILES * SAMPLE_TILES + 1):
            path = os.path.join(folder, f"{name}_{k}.png")
            if not os.path.exists(path):
                if photo is None:
                    photo = np.asarray(getattr(skdata, name)())[..., :3]
                os.makedirs(folder, exist_ok=True)
                tile = photo if k == 0 else _tile(photo, k - 1)
                tmp = path + ".tmp.png"
                Image.fromarray(tile).save(tmp)
                os.replace(tmp, path)
            records.append(Record(id=f"sample/{name}_{k}.png", path=path, group=name, split=split))
    return records


def _tile(photo, index):
    h, w = photo.shape[:2]
    th, tw = h // 2, w // 2
    row, col = divmod(index, SAMPLE_TILES)
    y = row * (h - th) // (SAMPLE_TILES - 1)
    x = col * (w - tw) // (SAMPLE_TILES - 1)
    return photo[y:y + th, x:x + tw]


def resolve_source(spec):
    """`--data` spec -> list of Records (sorted, deterministic)."""
    if spec == "sample":
        return sample_records()
    if spec.startswith("folder:"):
        return list_folder(spec[len("folder:"):])
    raise SystemExit(f"error: unknown --data source {spec!r}; use folder:PATH or sample")


def subsample(records, max_samples, seed):
    """A deterministic random subset of at most max_samples records (by seeded hash of the id)."""
    if not max_samples or len(records) <= max_samples:
        return records
    ranked = sorted(records, key=lambda r: hashlib.sha256(f"{seed}|{r.id}".encode()).hexdigest())
    keep = {r.id for r in ranked[:max_samples]}
    return [r for r in records if r.id in keep]
