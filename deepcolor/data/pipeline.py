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

from deepcolor.data.images import DEFAULT_MAX_PIXELS, BadImageError, decode_rgb_for_tf, scan_image

RESIZE_MODES = ("squash", "crop", "letterbox")


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


def apply_exif_orientation(image, orientation):
    """Applies EXIF orientation 1..8 in-graph, matching PIL.ImageOps.exif_transpose."""
    def transpose():
        return tf.transpose(image, [1, 0, 2])
    branches = [
        lambda: image,                                   # 1 upright
        lambda: tf.image.flip_left_right(image),         # 2 mirrored
        lambda: tf.image.rot90(image, 2),                # 3 upside down
        lambda: tf.image.flip_up_down(image),            # 4 mirrored, upside down
        transpose,                                       # 5
        lambda: tf.image.rot90(image, 3),                # 6 rotate 90 clockwise
        lambda: tf.image.rot90(transpose(), 2),          # 7 transverse
        lambda: tf.image.rot90(image, 1),                # 8 rotate 90 counter-clockwise
    ]
    return tf.switch_case(tf.clip_by_value(orientation - 1, 0, 7), branches)


def _header_uint(data, offset, length, little_endian):
    raw = tf.cast(tf.io.decode_raw(tf.strings.substr(data, offset, length), tf.uint8), tf.int64)
    weights = tf.constant([256 ** i for i in range(length)], tf.int64)
    return tf.reduce_sum(raw * (weights if little_endian else tf.reverse(weights, [0])))


def encoded_image_pixels(data):
    """Pixel count read from a JPEG/PNG/GIF/BMP header without decoding; -1 if unknown."""
    head = tf.strings.substr(data, 0, 8)

    def png():
        return _header_uint(data, 16, 4, False) * _header_uint(data, 20, 4, False)

    def gif():
        return _header_uint(data, 6, 2, True) * _header_uint(data, 8, 2, True)

    def bmp():
        height = _header_uint(data, 22, 4, True)
        height = tf.where(height >= 2 ** 31, 2 ** 32 - height, height)  # top-down BMPs store -height
        return _header_uint(data, 18, 4, True) * height

    def jpeg():
        return tf.reduce_prod(tf.cast(tf.io.extract_jpeg_shape(data)[:2], tf.int64))

    length = tf.strings.length(data)
    return tf.case([
        (tf.logical_and(tf.io.is_jpeg(data), length > 4), jpeg),
        (tf.logical_and(tf.equal(head, b"\x89PNG\r\n\x1a\n"), length >= 24), png),
        (tf.logical_and(tf.equal(tf.strings.substr(head, 0, 3), b"GIF"), length >= 10), gif),
        (tf.logical_and(tf.equal(tf.strings.substr(head, 0, 2), b"BM"), length >= 26), bmp),
    ], default=lambda: tf.constant(-1, tf.int64))


def decode_bytes(data, max_pixels=None):
    """Encoded JPEG/PNG/BMP/GIF/WebP bytes -> HxWx3 uint8 in-graph (first frame of animations).

    With max_pixels, an image whose header announces more pixels is refused before decoding
    (InvalidArgumentError naming the size), so a decompression bomb never allocates.
    JPEG uses the accurate IDCT (as PIL and libjpeg default to): TF's default fast one shifts colors
    by up to ~10 levels, which is exactly the signal a colorizer learns from.
    """
    checks = []
    if max_pixels:
        pixels = encoded_image_pixels(data)
        checks.append(tf.debugging.assert_less_equal(
            pixels, tf.constant(max_pixels, tf.int64),
            message=f"image refused: its header announces more pixels than the limit of {max_pixels}"))
    with tf.control_dependencies(checks):
        image = tf.cond(
            tf.io.is_jpeg(data),
            lambda: tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE"),
            lambda: tf.io.decode_image(data, channels=3, expand_animations=False, dtype=tf.uint8))
    return tf.ensure_shape(image, [None, None, 3])


def decode_upright(data, orientation, native):
    """Encoded bytes -> HxWx3 uint8, upright. TF-native formats decode in-graph, others via PIL."""
    def pil_decode():
        image = tf.numpy_function(decode_rgb_for_tf, [data], tf.uint8, stateful=False)
        return tf.ensure_shape(image, [None, None, 3])

    image = tf.cond(native, lambda: decode_bytes(data), pil_decode)
    return apply_exif_orientation(image, orientation)


def decode_file(path, orientation, native):
    """Decodes one file to HxWx3 uint8, upright."""
    return decode_upright(tf.io.read_file(path), orientation, native)


def letterbox_box(height, width, size):
    """(top, left, rows, cols) of an HxW image scaled into a size x size letterbox; never empty."""
    h, w = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
    ratio = tf.maximum(h, w) / size
    rows = tf.clip_by_value(tf.cast(tf.round(h / ratio), tf.int32), 1, size)
    cols = tf.clip_by_value(tf.cast(tf.round(w / ratio), tf.int32), 1, size)
    return (size - rows) // 2, (size - cols) // 2, rows, cols


def resize_image(image, size, mode="squash"):
    """HxWx3 -> size x size x 3 float32 in [0, 255].

    squash: stretch to a square (what the papers do); crop: the central square, scaled;
    letterbox: keep the aspect ratio, pad with black (report 001). Any size works, 1x1 and
    1x10000 strips included.
    """
    image = tf.cast(image, tf.float32)
    if mode == "crop":
        side = tf.reduce_min(tf.shape(image)[:2])
        image = tf.image.resize_with_crop_or_pad(image, side, side)  # crop before scaling: cheap
        mode = "squash"
    if mode == "squash":
        out = tf.image.resize(image, [size, size], method="bilinear", antialias=True)
    elif mode == "letterbox":
        top, left, rows, cols = letterbox_box(tf.shape(image)[0], tf.shape(image)[1], size)
        out = tf.image.resize(image, tf.stack([rows, cols]), method="bilinear", antialias=True)
        out = tf.image.pad_to_bounding_box(out, top, left, size, size)
    else:
        raise ValueError(f"unknown resize mode {mode!r}; use one of {RESIZE_MODES}")
    return tf.clip_by_value(out, 0.0, 255.0)


def pixels_to_uint8(image):
    """Float pixel values in [0, 255] -> uint8 (inference.to_uint8 takes [0, 1] instead)."""
    return tf.cast(tf.round(tf.clip_by_value(image, 0.0, 255.0)), tf.uint8)


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
        out = tuple(pixels_to_uint8(resize_image(image, s, resize)) for s in sizes)
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
                     seed=0, cache=True, repeat=False, skip_batches=0, encode=True, augment=False):
    """Batches of (gray input [B,S,S,1], target [B,S,S,C]) as float32.

    encode=False yields (rgb, rgb) uint8 batches instead, for color conversion on the device
    (see deepcolor/device_colors.py). augment=True: a random crop and flip per image (see
    random_crop_flip).

    With repeat=True the stream is endless and epoch k's order depends only on (seed, k), so
    skipping the batches of finished epochs resumes exactly where an interrupted run stopped.
    """
    if not infos:
        raise ValueError("no usable images for this split")
    stored_size = round(image_size * AUGMENT_CACHE_SCALE) if augment else image_size
    ds = resized_images(infos, (stored_size,), resize)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(len(infos), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    if repeat:
        ds = ds.repeat()
    ds = ds.enumerate()  # the batch's index in the stream: augmentation's seed
    if skip_batches:
        ds = ds.skip(skip_batches)

    def prepare(index, rgb_uint8):
        if augment:
            rgb_uint8 = pixels_to_uint8(random_crop_flip(rgb_uint8, image_size, tf.stack([tf.cast(seed, tf.int64), index])))
        if not encode:
            return rgb_uint8, rgb_uint8
        return encode_batch(encoding)(rgb_uint8)

    ds = ds.map(prepare, num_parallel_calls=_parallelism())
    return ds.prefetch(2).with_options(_options())
