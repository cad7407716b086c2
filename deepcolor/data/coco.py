"""COCO through FiftyOne: the dataset zoo (`coco-2017`), a local FiftyOne dataset, or a directory.

Only file paths leave FiftyOne; they stream into tf.data like any folder. FiftyOne starts its own
MongoDB on first use and stops it when this process exits (tests check that nothing is left).
"""

import os

from deepcolor.errors import UsageError
from deepcolor.data.network import require_network

COCO_HOST = "http://images.cocodataset.org"  # where the zoo's coco-2017 images come from
DEFAULT_SPLIT = "validation"  # val2017 has exactly 5,000 images, 002's subset size


def _fiftyone():
    # The bundled MongoDB 4.x is what installs offline (see requirements.txt); FiftyOne warns about
    # its age on every connection. Usage tracking needs network we may not have.
    os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
    os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")
    from deepcolor.errors import import_extra
    return import_extra("fiftyone", "--data coco (FiftyOne)")


def _zoo_filepaths(fo, name, split, max_samples, seed):
    from deepcolor.errors import import_extra
    foz = import_extra("fiftyone.zoo", "--data coco (FiftyOne zoo)")
    kwargs = dict(split=split, label_types=["detections"], max_samples=max_samples or None,
                  shuffle=bool(max_samples), seed=seed, persistent=False,
                  dataset_name=f"deepcolor-{name}-{split}-{max_samples}-{seed}")
    try:  # already downloaded: no network needed
        dataset = foz.load_zoo_dataset(name, download_if_necessary=False, **kwargs)
    except Exception:
        require_network(COCO_HOST, f"coco (FiftyOne zoo {name!r}, split {split!r})",
                        "--data coco:DIR reads a local COCO/image directory, coco:NAME a local FiftyOne dataset")
        dataset = foz.load_zoo_dataset(name, **kwargs)
    return dataset.values("filepath")


def _directory_filepaths(fo, folder):
    # A zoo/COCO export keeps its images in data/ next to labels.json; labels aren't needed here.
    images = os.path.join(folder, "data") if os.path.isdir(os.path.join(folder, "data")) else folder
    dataset = fo.Dataset.from_dir(dataset_dir=images, dataset_type=fo.types.ImageDirectory,
                                  recursive=True, progress=False)
    try:
        return dataset.values("filepath")
    finally:
        dataset.delete()  # a throwaway import; keep the user's database clean


def coco_records(source, split, max_samples, seed):
    """Records (files) from a FiftyOne zoo name, a local FiftyOne dataset name, or a directory."""
    from deepcolor.data.records import Record, subsample

    fo = _fiftyone()
    if os.path.isdir(os.path.expanduser(source)):
        root = os.path.abspath(os.path.expanduser(source))
        paths = _directory_filepaths(fo, root)
    elif fo.dataset_exists(source):
        root = None
        paths = fo.load_dataset(source).values("filepath")
    elif source.startswith("coco-"):
        root = None
        paths = _zoo_filepaths(fo, source, split, max_samples, seed)
    else:
        raise UsageError(f"coco: {source!r} is neither a directory, a FiftyOne dataset in this database, "
                         f"nor a FiftyOne zoo name like coco-2017")
    records = []
    for path in sorted(paths):
        rel = os.path.relpath(path, root) if root else os.path.basename(path)
        ident = "coco/" + rel.replace(os.sep, "/")
        records.append(Record(id=ident, path=path, group=ident))
    return subsample(records, max_samples, seed)
