"""What a data source yields: Records (one per image), and the helpers every source shares
(listing a folder, a seeded subset). A leaf: it imports no other source."""

import dataclasses
import hashlib
import os

from deepcolor.errors import UsageError
from deepcolor.data.images import IMAGE_EXTENSIONS


@dataclasses.dataclass(frozen=True)
class Record:
    id: str      # stable identity, e.g. the path relative to the folder root
    path: str    # file to read
    group: str   # split unit: records of one group always share a split (no leakage)
    # A predefined split ("train"/"val"/"test"), "" to split by hash, or "trainval" to split by
    # hash between train and val only (sources that bring their own test split, e.g. CIFAR-10).
    split: str = ""
    data: bytes = dataclasses.field(default=None, repr=False, compare=False)  # in-memory encoded image


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def list_folder(root):
    """All image files under root, sorted by relative path; symlink loops are not followed twice."""
    root = os.path.abspath(os.path.expanduser(root))
    if not os.path.isdir(root):
        raise UsageError(f"data folder not found: {root}")
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


def subsample(records, max_samples, seed):
    """A deterministic random subset of at most max_samples records (by seeded hash of the id)."""
    if not max_samples or len(records) <= max_samples:
        return records
    # Salted differently from the split's hash: with the same hash the subset would be exactly the
    # records that hash lowest, i.e. all of them in the train split.
    ranked = sorted(records, key=lambda r: hashlib.sha256(f"{seed}|subset|{r.id}".encode()).hexdigest())
    keep = {r.id for r in ranked[:max_samples]}
    return [r for r in records if r.id in keep]
