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
import time

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
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(payload, f, indent=1)
    os.replace(tmp, path)


def read_manifest(folder):
    path = os.path.join(folder, MANIFEST)
    if not os.path.isfile(path):
        raise SystemExit(f"error: shards:{folder}: no {MANIFEST} (not a folder made by datasets_prep/make_shards.py)")
    try:
        with open(path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f"error: {path}: unreadable manifest ({e})") from None
    if manifest.get("format") != FORMAT:
        raise SystemExit(f"error: {path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
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

    from deepcolor.data.sources import Record, subsample

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

def _example(record, image):
    import tensorflow as tf

    def bytes_feature(value):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))

    return tf.train.Example(features=tf.train.Features(feature={
        "image": bytes_feature(image), "id": bytes_feature(record.id.encode()),
        "group": bytes_feature(record.group.encode()), "split": bytes_feature(record.split.encode()),
    })).SerializeToString(deterministic=True)  # map order fixed: same data, same checksum


def _encoded_examples(items, settings):
    """Yields a serialized Example per (record, ImageInfo), in order, from one tf.data pipeline
    (building a pipeline per shard would cost more than encoding the shard)."""
    import io

    import tensorflow as tf
    from PIL import Image

    from deepcolor.data.images import read_image
    from deepcolor.data.pipeline import resized_images
    from deepcolor.data.sources import read_bytes

    if not items:
        return
    if settings["image_size"]:
        images = resized_images([info for _, info in items], (settings["image_size"],), settings["resize"])
        encoded = images.map(lambda im: tf.io.encode_jpeg(im, quality=settings["quality"], chroma_downsampling=False))
        for (record, _), data in zip(items, encoded.as_numpy_iterator()):
            yield _example(record, data)
        return
    for record, info in items:
        if info.tf_native:  # the original bytes, untouched (EXIF orientation included)
            yield _example(record, info.data if info.data is not None else read_bytes(info.path))
        else:  # TIFF, WebP, CMYK...: store the decoded, upright pixels losslessly
            rgb, _ = read_image(info.path, data=info.data)
            buffer = io.BytesIO()
            Image.fromarray(rgb).save(buffer, format="PNG")
            yield _example(record, buffer.getvalue())


def _intact(folder, shard):
    path = os.path.join(folder, shard["file"])
    return os.path.isfile(path) and sha256_file(path) == shard["sha256"]


def write_shards(out, settings, command="", overwrite=False, log=None):
    """Materializes settings["data"] into `out`; returns the manifest. Resumes an unfinished folder."""
    import tensorflow as tf
    from tqdm import tqdm

    from deepcolor.data.pipeline import scan_records
    from deepcolor.data.sources import resolve_source

    log = log or (lambda line: print(line, file=sys.stderr))
    out = os.path.abspath(os.path.expanduser(out))
    os.makedirs(out, exist_ok=True)
    manifest_path = os.path.join(out, MANIFEST)
    settings = {key: settings[key] for key in SETTINGS}
    if os.path.exists(manifest_path) and not overwrite:
        manifest = read_manifest(out)
        if manifest["settings"] != settings:
            changed = ", ".join(f"{k}: {manifest['settings'].get(k)!r} -> {settings[k]!r}"
                                for k in SETTINGS if manifest["settings"].get(k) != settings[k])
            raise SystemExit(f"error: {out} holds shards made with other settings ({changed}); "
                             f"use another --out or --overwrite")
        if manifest.get("complete") and all(_intact(out, shard) for shard in manifest["shards"]):
            log(f"{out}: already complete and intact ({manifest['images']} images in "
                f"{manifest['shard_count']} shards)")
            return manifest
    elif os.path.exists(manifest_path):
        for name in os.listdir(out):
            if name.startswith("shard-") or name == MANIFEST:
                os.remove(os.path.join(out, name))

    records = resolve_source(settings["data"], settings["max_samples"], settings["seed"])
    usable, skipped = scan_records(records, settings["max_pixels"], log=log)
    size = settings["shard_size"]
    count = max(1, -(-len(usable) // size))
    manifest = {"format": FORMAT, "settings": settings, "command": command, "listed": len(records),
                "images": len(usable), "shard_count": count, "complete": False, "shards": [],
                "skipped": [{"id": r.id, "file": r.path, "problem": p} for r, p in skipped]}
    done = {}
    if os.path.exists(manifest_path) and not overwrite:
        done = {s["file"]: s for s in read_manifest(out)["shards"]}
    chunks = [usable[index * size:(index + 1) * size] for index in range(count)]
    keep = {}  # shards an earlier run wrote that are still intact
    for index, items in enumerate(chunks):
        previous = done.get(shard_name(index, count))
        if previous and previous["records"] == len(items) and _intact(out, previous):
            keep[index] = previous
    pending = [item for index, items in enumerate(chunks) if index not in keep for item in items]
    examples = _encoded_examples(pending, settings)
    progress = tqdm(total=len(usable), desc=f"writing {count} shards", unit="img", file=sys.stderr, disable=None)
    started = time.time()
    for index, items in enumerate(chunks):
        name = shard_name(index, count)
        path = os.path.join(out, name)
        if index in keep:
            manifest["shards"].append(keep[index])
        else:
            tmp = path + ".tmp"
            with tf.io.TFRecordWriter(tmp) as writer:
                for _ in items:
                    writer.write(next(examples))
            os.replace(tmp, path)
            manifest["shards"].append({"file": name, "records": len(items), "bytes": os.path.getsize(path),
                                       "sha256": sha256_file(path)})
        manifest["complete"] = index == count - 1
        _write_json(manifest_path, manifest)
        progress.update(len(items))
    progress.close()
    manifest["seconds"] = round(time.time() - started, 1)
    _write_json(manifest_path, manifest)
    return manifest
