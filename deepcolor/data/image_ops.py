"""Image operations shared by the training pipeline, inference and the SavedModel, in-graph:
decode (with EXIF orientation), resize to the model's square (squash, crop, letterbox geometry) and
float -> uint8. One implementation of each, so a photo is prepared the same way for training,
evaluation and serving.
"""

import tensorflow as tf

from deepcolor.config import RESIZE_MODES


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


def exif_orientation(data):
    """The EXIF orientation (1..8) of JPEG bytes, read in-graph from the APP1 segment's first IFD;
    1 when there is none or it cannot be read (as PIL's exif_transpose leaves such files alone)."""
    head = tf.strings.substr(data, 0, 1 << 16, unit="BYTE")  # APP1 comes first, within 64 KiB
    parts = tf.strings.split(head, sep="Exif\x00\x00", maxsplit=1)
    tiff = parts[-1]
    size = tf.cast(tf.strings.length(tiff), tf.int64)

    def read(offset, length, little):
        return tf.cond(little, lambda: _header_uint(tiff, offset, length, True),
                       lambda: _header_uint(tiff, offset, length, False))

    def orientation():
        little = tf.equal(tf.strings.substr(tiff, 0, 2), b"II")
        ifd = read(4, 4, little)
        readable = ifd + 2 <= size
        count = tf.cond(readable, lambda: read(tf.minimum(ifd, size - 2), 2, little), lambda: tf.constant(0, tf.int64))
        count = tf.clip_by_value(tf.minimum(count, (size - ifd - 2) // 12), 0, 256)
        entries = tf.reshape(tf.io.decode_raw(
            tf.strings.substr(tiff, tf.minimum(ifd + 2, size), 12 * count), tf.uint8), [-1, 12])
        entries = tf.cast(entries, tf.int64)
        tags = tf.where(little, entries[:, 0] + 256 * entries[:, 1], 256 * entries[:, 0] + entries[:, 1])
        values = tf.where(little, entries[:, 8] + 256 * entries[:, 9], 256 * entries[:, 8] + entries[:, 9])
        found = tf.boolean_mask(values, tf.equal(tags, 0x0112))
        value = tf.cond(tf.size(found) > 0, lambda: found[0], lambda: tf.constant(1, tf.int64))
        return tf.where((value >= 1) & (value <= 8), value, 1)

    has_exif = tf.logical_and(tf.io.is_jpeg(data), tf.size(parts) == 2)
    has_exif = tf.logical_and(has_exif, size >= 8)
    return tf.cast(tf.cond(has_exif, orientation, lambda: tf.constant(1, tf.int64)), tf.int32)


def decode_upright(data, orientation=None, native=True, max_pixels=None):
    """Encoded bytes -> HxWx3 uint8, upright: THE decode of DeepColor's graphs (training pipeline and
    SavedModel). TF-native formats decode in-graph, others via PIL (`native` False; not in a
    SavedModel). `orientation`: the EXIF orientation when the caller has read it (the pipeline's scan
    reads it for every format); None reads it from JPEG bytes in-graph."""
    def pil_decode():
        from deepcolor.data.images import decode_rgb_for_tf
        image = tf.numpy_function(decode_rgb_for_tf, [data], tf.uint8, stateful=False)
        return tf.ensure_shape(image, [None, None, 3])

    if native is True:
        image = decode_bytes(data, max_pixels)
    else:
        image = tf.cond(native, lambda: decode_bytes(data, max_pixels), pil_decode)
    return apply_exif_orientation(image, exif_orientation(data) if orientation is None else orientation)


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


def to_uint8(values, max_value=1.0):
    """Float pixels in [0, max_value] -> uint8, rounded and clipped (the one float -> uint8 of the graphs)."""
    return tf.cast(tf.round(tf.clip_by_value(values * (255.0 / max_value), 0.0, 255.0)), tf.uint8)
