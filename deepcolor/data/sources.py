"""Where images come from: `--data` specs resolve to a list of Records (one per image).

Specs (README "Data" has the details, defaults and licenses):
- ``folder:PATH``   every image under PATH, recursively (jpg, jpeg, png, bmp, gif (first frame),
  webp, tif/tiff), identified by its path relative to PATH.
- ``sample``        real photos that ship with scikit-image (no network), cut into tiles, with a fixed
  split by source photo so no photo leaks across splits. Used by `make demo` and tests.
- ``coco[:ZOO_NAME|FIFTYONE_DATASET|DIR][@SPLIT]``   COCO through FiftyOne (deepcolor/data/coco.py).
- ``places365[:HUB_ID|DIR][@SPLIT]``, ``ade20k[...]`` Hugging Face `datasets`, streamed (hf.py).
- ``cifar10[:TFDS_DATA_DIR]``   CIFAR-10 through `tfds.load` (cifar.py).
- ``deepcolor_mix[:SPEC+SPEC+...]``  002's data: each of coco, places365, ade20k (5,000 each by
  default), split exactly 80/20 train/val per source; with specs, those parts instead (e.g. local
  folders standing in for the hub sources).
- ``shards:PATH``    TFRecord shards written by datasets_prep/make_shards.py (shards.py).
- ``colorbias:SUBSET:SPEC``  report 001's color-biased subsets of another source (colorbias.py).
- ``SPEC+SPEC[+...]``  several sources as one (e.g. two folders); each record's id is prefixed with
  its part's name (a folder's base name), so ids stay unique and the hash split stays stable.

Files are read by path; hub, TFDS and shard images are held as encoded bytes in memory
(`Record.data`), never written out as files.
"""

import dataclasses
import hashlib
import os

import numpy as np

from deepcolor.errors import UsageError
from deepcolor.data.records import Record, list_folder, subsample  # noqa: F401 (Record: re-exported)
from deepcolor.files import atomic_path, cache_folder


# Color photos bundled inside scikit-image (no download needed) and the split each one serves.
SAMPLE_PHOTOS = {"astronaut": "train", "rocket": "train", "hubble_deep_field": "train",
                 "immunohistochemistry": "train", "retina": "train", "colorwheel": "train",
                 "chelsea": "val", "coffee": "test"}
SAMPLE_TILES = 3  # each photo -> the whole photo + a 3x3 grid of overlapping half-size tiles


def sample_records():
    """Writes the scikit-image sample photos (and tiles of them) as PNGs once, returns their Records."""
    from PIL import Image
    from skimage import data as skdata

    folder = os.path.join(cache_folder(), "sample_v1")
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
                with atomic_path(path, suffix=".png") as tmp:  # test workers may write the same tile at once
                    Image.fromarray(tile).save(tmp)
            records.append(Record(id=f"sample/{name}_{k}.png", path=path, group=name, split=split))
    return records


def _tile(photo, index):
    h, w = photo.shape[:2]
    th, tw = h // 2, w // 2
    row, col = divmod(index, SAMPLE_TILES)
    y = row * (h - th) // (SAMPLE_TILES - 1)
    x = col * (w - tw) // (SAMPLE_TILES - 1)
    return photo[y:y + th, x:x + tw]


# Hub sources: where each comes from by default. Environment variables override the defaults,
# which is also how deepcolor_mix is pointed at local copies: DEEPCOLOR_COCO=/data/coco etc.
HUB_DEFAULTS = {
    "coco": ("DEEPCOLOR_COCO", "coco-2017", "validation"),          # FiftyOne zoo name, zoo split
    "places365": ("DEEPCOLOR_PLACES365", "ljnlonoljpiljm/places365-256px", "train"),  # HF hub id, split
    "ade20k": ("DEEPCOLOR_ADE20K", "1aurent/ADE20K", "train"),
    "cifar10": ("DEEPCOLOR_CIFAR10", None, None),                    # a TFDS data_dir (None: TFDS's default)
}
HUB_DEFAULT_SAMPLES = 5000  # 002's subset size per source, used when --max-samples is 0
MIX_SOURCES = ("coco", "places365", "ade20k")
MIX_TRAIN_FRACTION = 0.8  # 002: 4,000 train / 1,000 val of each source's 5,000
SOURCES_HELP = ("folder:PATH, SPEC+SPEC (several as one), sample, coco[:ZOO|DATASET|DIR][@SPLIT], places365[:HUB_ID|DIR][@SPLIT], "
                "ade20k[:HUB_ID|DIR][@SPLIT], cifar10[:TFDS_DATA_DIR], deepcolor_mix[:SPEC+SPEC+SPEC], shards:PATH, "
                "colorbias:SUBSET:SPEC (report 001)")


def parse_hub_spec(spec):
    """'places365:ID@split' -> ('places365', 'ID', 'split') with defaults filled in."""
    name, _, rest = spec.partition(":")
    env, default_id, default_split = HUB_DEFAULTS[name]
    split = default_split
    if "@" in rest.rsplit("/", 1)[-1]:
        rest, _, split = rest.rpartition("@")
    return name, rest or os.environ.get(env) or default_id, split


def resolve_source(spec, max_samples=0, seed=0):
    """`--data` spec -> list of Records (sorted, deterministic), at most max_samples of them
    (a seeded random subset; hub sources only fetch that many)."""
    if spec == "deepcolor_mix" or spec.startswith("deepcolor_mix:"):
        parts = spec.partition(":")[2]
        return mix_records(parts.split("+") if parts else list(MIX_SOURCES), max_samples, seed)
    if "+" in spec and not spec.startswith("colorbias:"):
        return subsample(combined_records(spec.split("+"), seed), max_samples, seed)
    name = spec.partition(":")[0]
    if spec == "sample":
        return subsample(sample_records(), max_samples, seed)
    if name == "folder" and ":" in spec:
        return subsample(list_folder(spec[len("folder:"):]), max_samples, seed)
    if name == "shards" and ":" in spec:
        from deepcolor.data.shards import shard_records
        return shard_records(spec[len("shards:"):], max_samples, seed)
    if name == "colorbias" and spec.count(":") >= 2:
        from deepcolor.data.colorbias import colorbias_records
        _, subset, inner = spec.split(":", 2)
        return colorbias_records(subset, resolve_source(inner, max_samples, seed), seed)
    if name in HUB_DEFAULTS:
        name, source, split = parse_hub_spec(spec)
        if name == "cifar10":
            from deepcolor.data.cifar import cifar10_records, default_data_dir
            return cifar10_records(source or default_data_dir(), max_samples, seed)
        if not max_samples and not os.path.isdir(os.path.expanduser(source)):
            max_samples = HUB_DEFAULT_SAMPLES  # never stream a whole hub dataset by accident
        if name == "coco":
            from deepcolor.data.coco import coco_records
            return coco_records(source, split, max_samples, seed)
        from deepcolor.data.hf import hf_records
        return hf_records(name, source, split, max_samples, seed, split_given="@" in spec.rsplit("/", 1)[-1])
    raise UsageError(f"unknown --data source {spec!r}; use one of: {SOURCES_HELP}")


def part_name(spec):
    """A short name for one part of a combined spec: a folder's base name, else the source name."""
    name, _, rest = spec.partition(":")
    return os.path.basename(os.path.normpath(rest)) if name == "folder" and rest else name


def combined_records(specs, seed):
    """Records of every part, ids prefixed with the part's name (unique: a/x.jpg, b/x.jpg)."""
    names = [part_name(s) for s in specs]
    if len(set(names)) != len(names):
        raise UsageError(f"--data {'+'.join(specs)}: two parts have the same name ({', '.join(names)})")
    records = []
    for spec, name in zip(specs, names):
        records += [dataclasses.replace(r, id=f"{name}/{r.id}", group=f"{name}/{r.group}")
                    for r in resolve_source(spec, 0, seed)]
    return sorted(records, key=lambda r: r.id)


def mix_records(parts, max_samples, seed):
    """002's mix: max_samples (default 5,000) of each part (coco, places365, ade20k, or the specs
    given as `deepcolor_mix:SPEC+SPEC+...`), each split exactly 80/20 train/val by a seeded ranking,
    so the split sizes are exact and no image is in two splits."""
    per_source = max_samples or HUB_DEFAULT_SAMPLES
    names = [part_name(p) for p in parts]
    if len(set(names)) != len(names):
        raise UsageError(f"--data deepcolor_mix:{'+'.join(parts)}: two parts have the same name ({', '.join(names)})")
    records = []
    for spec, name in zip(parts, names):
        part = resolve_source(spec, per_source, seed)
        if spec.startswith("folder:"):  # hub sources prefix their ids with their name already
            part = [dataclasses.replace(r, id=f"{name}/{r.id}", group=f"{name}/{r.group}") for r in part]
        ranked = sorted(part, key=lambda r: hashlib.sha256(f"{seed}|mix|{r.id}".encode()).hexdigest())
        n_train = round(len(ranked) * MIX_TRAIN_FRACTION)
        records += [dataclasses.replace(r, split="train" if k < n_train else "val") for k, r in enumerate(ranked)]
    return sorted(records, key=lambda r: r.id)


def splits_of(source, max_samples, split, seed):
    """(records, {split: records}): a data source listed, subset and split as training does."""
    from deepcolor.data.split import parse_fractions, split_records
    records = resolve_source(source, max_samples, seed)
    return records, split_records(records, parse_fractions(split), seed)


def run_splits(run_dir, settings, data=None):
    """{split: records} of a trained run: the ids its training wrote to splits.json (read, not
    recomputed) when it is scored on its own data; on other data (`data`, e.g. evaluate --data), or
    for a run from before splits.json, that data split afresh with the run's fractions and seed."""
    import json
    from deepcolor.data.split import SPLITS
    records, fresh = splits_of(data or settings["data"], settings["max_samples"] if data is None else 0,
                               settings["split"], settings["seed"])
    path = os.path.join(run_dir, "splits.json")
    if data is not None or not os.path.exists(path):
        return fresh
    with open(path, encoding="utf-8") as f:
        stored = json.load(f)
    by_id = {r.id: r for r in records}
    missing = [i for name in SPLITS for i in stored.get(name, []) if i not in by_id]
    if missing:
        raise UsageError(f"{path}: {len(missing)} of the run's photos are no longer in {settings['data']} "
                         f"(e.g. {missing[0]}); pass --data to score it on what is there")
    return {name: [by_id[i] for i in stored.get(name, [])] for name in SPLITS}
