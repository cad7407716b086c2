"""Writing TFRecord shards from any source (datasets_prep/make_shards.py): resumable, whole shards
only (temp file, then rename), each one's sha256 in the manifest that `shards:` checks on read."""

import os
import sys
import time

from deepcolor.files import atomic_path
from deepcolor.errors import UsageError
from deepcolor.data.shards import FORMAT, MANIFEST, SETTINGS, _write_json, read_manifest, sha256_file, shard_name


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
    from deepcolor.data.records import read_bytes

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
            raise UsageError(f"{out} holds shards made with other settings ({changed}); "
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
            with atomic_path(path) as tmp, tf.io.TFRecordWriter(tmp) as writer:
                for _ in items:
                    writer.write(next(examples))
            manifest["shards"].append({"file": name, "records": len(items), "bytes": os.path.getsize(path),
                                       "sha256": sha256_file(path)})
        manifest["complete"] = index == count - 1
        _write_json(manifest_path, manifest)
        progress.update(len(items))
    progress.close()
    manifest["seconds"] = round(time.time() - started, 1)
    _write_json(manifest_path, manifest)
    return manifest
