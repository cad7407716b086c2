"""Sharded TFRecords: any `--data` source materialized once, read back anywhere without network.

Layout of a shard folder:
    manifest.json                   settings, per-shard record count, size and sha256, skipped samples
    shard-00000-of-00012.tfrecord   tf.train.Examples: image (encoded bytes), id, group, split

Writing is resumable: shards are written whole (temp file, then rename) and the manifest is
updated after each, so a rerun with the same settings verifies what exists and writes the rest.
Images are stored resized (JPEG quality 95 with full-resolution chroma: chroma is what a colorizer
learns) or, with image_size 0, as their original encoded bytes.
"""

import hashlib
import json
import os
import sys

from deepcolor.errors import UsageError

FORMAT = "deepcolor-shards/1"
MANIFEST = "manifest.json"
SETTINGS = ("data", "max_samples", "seed", "image_size", "resize", "quality", "shard_size", "max_pixels")


def sha256_file(path, chunk=1 << 22):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def shard_name(index, count):
    return f"shard-{index:05d}-of-{count:05d}.tfrecord"


def _write_json(path, payload):
    from deepcolor.files import atomic_write_text
    atomic_write_text(path, json.dumps(payload, indent=1))


def read_manifest(folder):
    path = os.path.join(folder, MANIFEST)
    if not os.path.isfile(path):
        raise UsageError(f"shards:{folder}: no {MANIFEST} (not a folder made by datasets_prep/make_shards.py)")
    try:
        with open(path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: unreadable manifest ({e})") from None
    if manifest.get("format") != FORMAT:
        raise UsageError(f"{path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    return manifest


# ---------------------------------------------------------------------------------------------
# Reading

def _parse(serialized):
    import tensorflow as tf
    spec = {"image": tf.io.FixedLenFeature([], tf.string), "id": tf.io.FixedLenFeature([], tf.string),
            "group": tf.io.FixedLenFeature([], tf.string), "split": tf.io.FixedLenFeature([], tf.string)}
    return tf.io.parse_example(serialized, spec)


def shard_records(folder, max_samples=0, seed=0, log=None):
    """Records with the stored bytes in memory. Shards whose checksum does not match the manifest
    are reported and skipped, never read."""
    import tensorflow as tf

    from deepcolor.data.records import Record, subsample

    log = log or (lambda line: print(line, file=sys.stderr))
    folder = os.path.abspath(os.path.expanduser(folder))
    manifest = read_manifest(folder)
    files = []
    for shard in manifest["shards"]:
        path = os.path.join(folder, shard["file"])
        if not os.path.isfile(path):
            log(f"skipped {path}: missing ({shard['records']} images)")
        elif sha256_file(path) != shard["sha256"]:
            log(f"skipped {path}: checksum mismatch, the file is corrupt ({shard['records']} images); "
                f"rerun make_shards to rewrite it")
        else:
            files.append(path)
    if not manifest.get("complete"):
        log(f"warning: shards:{folder} is incomplete ({len(manifest['shards'])} of {manifest['shard_count']} "
            f"shards written); rerun the make_shards command in its manifest to finish it")
    records = []
    if files:
        dataset = tf.data.TFRecordDataset(files, num_parallel_reads=min(len(files), 8)).batch(256).map(_parse)
        for batch in dataset.as_numpy_iterator():
            for image, ident, group, split in zip(batch["image"], batch["id"], batch["group"], batch["split"]):
                ident = ident.decode()
                records.append(Record(id=ident, path=f"shards:{ident}", group=group.decode(),
                                      split=split.decode(), data=image))
    records.sort(key=lambda r: r.id)
    return subsample(records, max_samples, seed)


# ---------------------------------------------------------------------------------------------
# Writing
