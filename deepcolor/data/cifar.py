"""CIFAR-10 through TensorFlow Datasets: a prepared TFDS data_dir (`tfds.load`), or a folder of image
files laid out split/label/image (`tfds.folder_dataset.ImageFolder`, e.g. train/cat/0001.jpg).

Images are read undecoded (their encoded bytes) so they take the pipeline's one decode path. The
train split is divided into our train/val by the seeded hash; the test split is our test split.
"""

import functools
import os

from deepcolor.errors import UsageError
from deepcolor.data.network import require_network

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"


def default_data_dir():
    return os.environ.get("TFDS_DATA_DIR", os.path.join(os.path.expanduser("~"), "tensorflow_datasets"))


def is_image_folder(path):
    """True for the split/label/image layout ImageFolder reads (train/ and test/ of class folders)."""
    if os.path.exists(os.path.join(path, "dataset_info.json")) or not os.path.isdir(os.path.join(path, "test")):
        return False
    return all(os.path.isdir(os.path.join(path, split, label)) for split in ("train", "test")
               for label in os.listdir(os.path.join(path, split))[:3])


@functools.lru_cache(maxsize=4)
def image_folder_records(root, name="cifar10"):
    """Records of an ImageFolder layout: its `train` split -> our train/val, `test` -> our test.
    Cached per process: a replication trains dozens of rows on the same 30,000 files."""
    from deepcolor.errors import import_extra
    tfds = import_extra("tensorflow_datasets", "--data cifar10 (TensorFlow Datasets)")

    from deepcolor.data.records import Record
    builder = tfds.folder_dataset.ImageFolder(root)
    records = []
    for tfds_split, our_split in (("train", "trainval"), ("test", "test")):
        if tfds_split not in builder.info.splits:
            continue
        dataset = builder.as_dataset(split=tfds_split, decoders={"image": tfds.decode.SkipDecoding()})
        for example in tfds.as_numpy(dataset):
            path = example["image/filename"].decode()
            ident = f"{name}/{os.path.relpath(path, root).replace(os.sep, '/')}"
            records.append(Record(id=ident, path=path, group=ident, split=our_split, data=example["image"]))
    return tuple(records)


def cifar10_records(data_dir, max_samples, seed, name="cifar10"):
    from deepcolor.errors import import_extra
    tfds = import_extra("tensorflow_datasets", "--data cifar10 (TensorFlow Datasets)")

    from deepcolor.data.records import Record, subsample

    from absl import logging as absl_logging

    data_dir = os.path.abspath(os.path.expanduser(data_dir))
    absl_logging.set_verbosity(absl_logging.ERROR)
    if is_image_folder(data_dir):
        records = sorted(image_folder_records(data_dir, name), key=lambda r: r.id)
        return subsample(records, max_samples, seed)  # "no dataset_info.json" is what we check ourselves
    try:
        prepared = tfds.builder(name, data_dir=data_dir).is_prepared()
    except Exception as e:
        raise UsageError(f"{name}: cannot open TFDS data_dir {data_dir}: {str(e).splitlines()[0][:200]}") from None
    if not prepared:
        require_network(CIFAR10_URL, f"{name} (TFDS, not prepared in {data_dir})",
                        f"--data {name}:DATA_DIR reads a TFDS data_dir where {name} is already prepared")
        try:
            import importlib_resources  # noqa: F401  (TFDS's download path needs it and does not install it)
        except ImportError:
            raise UsageError("tensorflow-datasets needs importlib_resources to download; "
                             "pip install -r requirements.txt") from None
    records = []
    for tfds_split, our_split in (("train", "trainval"), ("test", "test")):
        dataset = tfds.load(name, split=tfds_split, data_dir=data_dir, download=not prepared,
                            decoders={"image": tfds.decode.SkipDecoding()})
        for example in tfds.as_numpy(dataset):
            ident = f"{name}/{example['id'].decode()}"
            records.append(Record(id=ident, path=f"{name}:{example['id'].decode()}", group=ident,
                                  split=our_split, data=example["image"]))
    records.sort(key=lambda r: r.id)
    return subsample(records, max_samples, seed)
