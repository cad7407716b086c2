"""The one tf.data pipeline every experiment uses.

files --scan--> (path, EXIF orientation, decoder) --parallel decode--> orient --> resize
--> uint8 cache --> shuffle --> batch --> encode (gray input, target) --> prefetch

Images are cached as uint8 at the training size (256x256x3 = 192 KiB each), so after the first
epoch no file is read again; the color conversion runs per batch, vectorized.
"""

import concurrent.futures
import os
import sys

import tensorflow as tf

from deepcolor.data.images import DEFAULT_MAX_PIXELS, BadImageError, scan_image
from deepcolor.data.image_ops import RESIZE_MODES, decode_upright, resize_image, to_uint8  # noqa: F401 (re-exported)


def scan_records(records, max_pixels=DEFAULT_MAX_PIXELS, log=None):
    """Scans every record's file header in parallel.

    Returns (usable, skipped): usable = [(record, ImageInfo)], skipped = [(record, reason)].
    Each skipped file gets one line on `log` (stderr by default) naming the file and the problem.
    """
    log = log or (lambda line: print(line, file=sys.stderr))

    def scan(record):
        try:
            return record, scan_image(record.path, max_pixels, record.data), None
        except BadImageError as e:
            return record, None, str(e)

    usable, skipped = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for record, info, problem in pool.map(scan, records):
            if problem is None:
                usable.append((record, info))
            else:
                skipped.append((record, problem))
                log(f"skipped {record.path}: {problem}")
    return usable, skipped


def _options(deterministic=True):
    options = tf.data.Options()
    options.deterministic = deterministic
    # Autotuning caused 3-30 s stalls at epoch ends on 2-core machines; fixed parallelism doesn't.
    options.autotune.enabled = False
    return options


def _parallelism():
    return max(2, os.cpu_count() or 2)


def _encoded_slices(infos):
    """(dataset of per-image slices, read fn: slice -> (encoded bytes, EXIF orientation, TF-native?)),
    for files and in-memory images alike.

    Files are read in-graph; in-memory bytes (hub datasets, TFDS, shards) are handed over by
    index, so they never go through a graph constant (2 GB limit) nor to disk.
    """
    paths = [info.path for info in infos]
    orientations = [info.orientation for info in infos]
    native = [info.tf_native for info in infos]
    blobs = [info.data for info in infos]
    in_memory = [blob is not None for blob in blobs]
    ds = tf.data.Dataset.from_tensor_slices((paths, orientations, native, in_memory, tf.range(len(infos))))

    def blob(index):
        return blobs[int(index)]

    def read(path, orientation, is_native, is_in_memory, index):
        if any(in_memory):
            data = tf.cond(is_in_memory,
                           lambda: tf.ensure_shape(tf.numpy_function(blob, [index], tf.string, stateful=False), []),
                           lambda: tf.io.read_file(path))
        else:
            data = tf.io.read_file(path)
        return data, orientation, is_native

    return ds, read


def resized_images(infos, sizes, resize="squash"):
    """Dataset of uint8 images resized to each size in `sizes` (a tuple per element if several)."""
    ds, read = _encoded_slices(infos)

    def load(*slices):
        image = decode_upright(*read(*slices))
        out = tuple(to_uint8(resize_image(image, s, resize), 255.0) for s in sizes)
        return out[0] if len(out) == 1 else out

    return ds.map(load, num_parallel_calls=_parallelism()).with_options(_options())


def encode_batch(encoding):
    def encode(rgb_uint8):
        rgb = tf.cast(rgb_uint8, tf.float32) / 255.0
        return encoding.model_input(rgb), encoding.target(rgb)
    return encode


# --augment crop_flip: images are cached this much larger than the training size, and each batch
# takes a random square crop of 64-100 % of the side (so crops run from native resolution to the
# whole picture), flipped left-right half the time.
AUGMENT_CACHE_SCALE = 1.25
AUGMENT_MIN_SIDE = 0.64


def random_crop_flip(images, size, seed):
    """uint8 [B, H, W, 3] -> float32 [B, size, size, 3] in [0, 255]: one random crop (and flip) per
    image, drawn from the stateless `seed` (so a resumed run draws the same ones)."""
    batch = tf.shape(images)[0]
    draws = tf.random.stateless_uniform([batch, 4], seed=seed)
    side = AUGMENT_MIN_SIDE + (1.0 - AUGMENT_MIN_SIDE) * draws[:, 0]
    top, left = (1.0 - side) * draws[:, 1], (1.0 - side) * draws[:, 2]
    flip = draws[:, 3] < 0.5
    x1 = tf.where(flip, left + side, left)  # crop_and_resize mirrors a box whose x1 > x2
    x2 = tf.where(flip, left, left + side)
    boxes = tf.stack([top, x1, top + side, x2], axis=1)
    crops = tf.image.crop_and_resize(tf.cast(images, tf.float32), boxes, tf.range(batch), [size, size])
    return tf.clip_by_value(crops, 0.0, 255.0)


def training_dataset(infos, encoding, image_size, batch_size, resize="squash", shuffle=True,
                     seed=0, cache=True, repeat=False, skip_batches=0, encode=True, augment=False, features=None,
                     hints=False):
    """Batches of (gray input [B,S,S,1], target [B,S,S,C]) as float32.

    features: an array [len(infos), D] that travels with each image (a frozen extractor's cached
    vector, `train --cache-embeddings`): batches are then ((gray input, features), target).

    hints=True (a hint model): batches are ((gray input, hint map [B,S,S,3]), target), the hints
    revealed from each image's true colours (color/hints.py: simulate_hints), seeded like augmentation.

    encode=False yields (rgb, rgb) uint8 batches instead, for color conversion on the device
    (see deepcolor/training/device_colors.py). augment=True: a random crop and flip per image (see
    random_crop_flip).

    With repeat=True the stream is endless and epoch k's order depends only on (seed, k), so
    skipping the batches of finished epochs resumes exactly where an interrupted run stopped.
    """
    if not infos:
        raise ValueError("no usable images for this split")
    stored_size = round(image_size * AUGMENT_CACHE_SCALE) if augment else image_size
    ds = resized_images(infos, (stored_size,), resize)
    if features is not None:
        ds = tf.data.Dataset.zip((ds, tf.data.Dataset.from_tensor_slices(features)))
    if cache:
        ds = ds.cache()
    if repeat:
        # Epoch k is shuffled with a seed made from (seed, k), not by a generator that advances
        # with every iterator made of the dataset: Keras makes a throw-away iterator under a
        # tf.distribute strategy (to learn the input shapes), which would shift every order.
        images = ds

        def one_epoch(epoch):
            if shuffle:
                # This function's own graph seed, so the order depends on (seed, epoch) alone (and
                # tf.data accepts a tensor op seed: with a graph seed of 0 it would not).
                tf.random.set_seed(1)
                return images.shuffle(len(infos), seed=tf.cast(seed, tf.int64) * 1_000_003 + epoch).batch(batch_size)
            return images.batch(batch_size)
        ds = tf.data.Dataset.counter().flat_map(one_epoch)
    else:
        if shuffle:
            ds = ds.shuffle(len(infos), seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size)
    ds = ds.enumerate()  # the batch's index in the stream: augmentation's seed
    if skip_batches:
        ds = ds.skip(skip_batches)

    def prepare(index, batch):
        rgb_uint8, vectors = batch if features is not None else (batch, None)
        if augment:
            rgb_uint8 = to_uint8(random_crop_flip(rgb_uint8, image_size, tf.stack([tf.cast(seed, tf.int64), index])), 255.0)
        if not encode:
            return rgb_uint8, rgb_uint8
        gray, target = encode_batch(encoding)(rgb_uint8)
        if hints:
            from deepcolor.color.hints import simulate_hints
            hint_seed = tf.stack([tf.cast(seed, tf.int64) + 7919, index])  # apart from augmentation's seed
            return (gray, simulate_hints(tf.cast(rgb_uint8, tf.float32) / 255.0, hint_seed)), target
        return ((gray, vectors), target) if features is not None else (gray, target)

    ds = ds.map(prepare, num_parallel_calls=_parallelism())
    return ds.prefetch(2).with_options(_options())
