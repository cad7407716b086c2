"""Places365 and ADE20K (or any image dataset) through Hugging Face `datasets`, streamed.

`load_dataset(ID_OR_DIR, split=..., streaming=True)` is the same call for the hub and for a local
directory in the hub's layout (parquet files, or an imagefolder tree), so tests exercise the code
users run. The image column is read undecoded (`Image(decode=False)`): the original encoded bytes
go into tf.data, which decodes them in parallel; nothing is written to disk. A local folder that
holds a single split (imagefolder infers it from file names: ADE_val_*.jpg is "validation") is read
whole when the requested split is not there.
"""

import os
import sys

from deepcolor.errors import UsageError
from deepcolor.data.network import require_network

SHUFFLE_BUFFER = 10_000  # streaming shuffle: hub datasets are often sorted by class


def hf_endpoint():
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co")


def _image_column(dataset, where):
    import datasets
    features = dataset.features or {}
    for name, feature in features.items():
        if isinstance(feature, datasets.Image):
            return name
    for name in ("image", "img", "jpg", "png"):
        if name in features:
            return name
    raise UsageError(f"{where} has no image column (columns: {', '.join(features) or 'unknown'})")


def hf_records(name, dataset_id, split, max_samples, seed, split_given=True):
    """Records with the encoded bytes in memory, `max_samples` of them after a seeded streaming
    shuffle (all of them when max_samples is 0, for local directories). split_given False: `split` is
    only the default, and a local folder holding one other split gives that one."""
    from deepcolor.data.records import Record
    from deepcolor.errors import import_extra

    datasets = import_extra("datasets", f"--data {name} (Hugging Face datasets)")  # before any network check
    local = os.path.isdir(os.path.expanduser(dataset_id))
    where = f"{name} ({'local ' + dataset_id if local else 'hub dataset ' + dataset_id!r}, split {split!r})"
    if local:
        dataset_id = os.path.abspath(os.path.expanduser(dataset_id))
    else:
        require_network(hf_endpoint(), f"{name} (hub dataset {dataset_id!r})",
                        f"--data {name}:DIR reads a local copy in the hub's layout (parquet or imagefolder)")
    from tqdm import tqdm

    try:
        if local:  # loaded once with all its splits: one named by its files only (ADE_val_*.jpg) is taken
            splits = datasets.load_dataset(dataset_id, streaming=True)
            split = next(iter(splits)) if not split_given and split not in splits and len(splits) == 1 else split
            if split not in splits:
                raise ValueError(f"Bad split: {split}. Available splits: {list(splits)}")
            stream = splits[split]
        else:
            stream = datasets.load_dataset(dataset_id, split=split, streaming=True)
    except (ValueError, FileNotFoundError) as e:  # unknown split, empty folder, no such dataset
        raise UsageError(f"{where}: {str(e).splitlines()[0][:300]}") from None
    column = _image_column(stream, where)
    stream = stream.cast_column(column, datasets.Image(decode=False))
    # The position in the unshuffled stream is the sample's identity (stable across seeds).
    stream = stream.map(lambda example, index: {"_index": index}, with_indices=True)
    if max_samples:
        stream = stream.shuffle(seed=seed, buffer_size=SHUFFLE_BUFFER).take(max_samples)
    records = []
    for example in tqdm(stream, total=max_samples or None, desc=f"reading {name}", unit="img",
                        file=sys.stderr, disable=None):
        image = example[column] or {}
        data, origin = image.get("bytes"), image.get("path") or ""
        if data is None and origin and os.path.isfile(origin):  # imagefolder rows point to files
            with open(origin, "rb") as f:
                data = f.read()
        ident = f"{name}/{split}/{example['_index']:07d}"
        label = f"{name}:{split}/{example['_index']}" + (f" ({os.path.basename(origin)})" if origin else "")
        records.append(Record(id=ident, path=label, group=ident, data=data or b""))
    records.sort(key=lambda r: r.id)
    return records
