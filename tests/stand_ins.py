"""Local stand-ins for the hub sources, each in its library's own on-disk format (nothing faked:
the real FiftyOne importer, HF `datasets` loader and TFDS reader read them).

Every builder returns {name: RGB uint8 array} of what it stored, keyed so a test can find the
original of any record, and stores images as PNG so pixels can be compared exactly.
"""

import io
import json
import os

import numpy as np
from PIL import Image

from tests.images import photo


def _png(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def images(count, seed):
    return {f"img{seed}_{k:03d}.png": photo(24 + k % 5, 30 + k % 7, seed=seed * 1000 + k) for k in range(count)}


def coco_dir(root, count=12, corrupt=True):
    """The layout FiftyOne's zoo and COCO exports use: data/*.png next to labels.json."""
    arrays = images(count, seed=1)
    os.makedirs(os.path.join(root, "data"), exist_ok=True)
    entries = []
    for k, (name, array) in enumerate(arrays.items()):
        Image.fromarray(array).save(os.path.join(root, "data", name))
        entries.append({"id": k + 1, "file_name": name, "height": array.shape[0], "width": array.shape[1]})
    if corrupt:  # a text file with an image name: listed by FiftyOne, refused by our scan
        with open(os.path.join(root, "data", "broken.png"), "w") as f:
            f.write("not an image")
    with open(os.path.join(root, "labels.json"), "w") as f:
        json.dump({"images": entries, "annotations": [], "categories": [{"id": 1, "name": "thing"}]}, f)
    return arrays


def hf_parquet_dir(root, count=12, corrupt=True, seed=2):
    """The hub's parquet layout (data/train-00000-of-00001.parquet), image column as HF writes it."""
    import datasets
    arrays = images(count, seed=seed)
    rows = [{"bytes": _png(array), "path": name} for name, array in arrays.items()]
    if corrupt:  # a PNG cut in half
        rows.append({"bytes": _png(photo(20, 20, seed=99))[:120], "path": "truncated.png"})
    features = datasets.Features({"image": datasets.Image(), "label": datasets.Value("int64")})
    table = datasets.Dataset.from_dict({"image": rows, "label": list(range(len(rows)))}, features=features)
    os.makedirs(os.path.join(root, "data"), exist_ok=True)
    table.to_parquet(os.path.join(root, "data", "train-00000-of-00001.parquet"))
    return arrays


def hf_imagefolder_dir(root, count=12, corrupt=True):
    """HF's imagefolder layout: train/*.png."""
    arrays = images(count, seed=3)
    os.makedirs(os.path.join(root, "train"), exist_ok=True)
    for name, array in arrays.items():
        Image.fromarray(array).save(os.path.join(root, "train", name))
    if corrupt:
        open(os.path.join(root, "train", "empty.png"), "wb").close()
    return arrays


def tfds_cifar10(data_dir, n_train=40, n_test=10):
    """A prepared TFDS `cifar10` in data_dir, written with the real builder's features and
    `tfds.folder_dataset.write_metadata`, so `tfds.load("cifar10", data_dir=...)` reads it."""
    import tensorflow as tf
    import tensorflow_datasets as tfds
    builder = tfds.builder("cifar10", data_dir=data_dir)
    features = builder.info.features
    folder = str(builder.data_path)
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(4)
    arrays = {}
    for split, count in (("train", n_train), ("test", n_test)):
        with tf.io.TFRecordWriter(os.path.join(folder, f"cifar10-{split}.tfrecord-00000-of-00001")) as writer:
            for k in range(count):
                key = f"{split}_{k:05d}"
                arrays[key] = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
                writer.write(features.serialize_example({"id": key, "image": arrays[key], "label": k % 10}))
    tfds.folder_dataset.write_metadata(data_dir=folder, features=features, split_infos=None)
    return arrays
