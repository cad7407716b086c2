"""Full-resolution colorization, shared by `evaluate`, `colorize` and the exported SavedModel.

Predict chroma at the model's size, upsample it bilinearly to the original size, and recombine it
with the original full-resolution lightness. The output therefore has exactly the input's size
and the input's L channel (up to 8-bit rounding), whatever the model's training size.
"""

import tensorflow as tf

from deepcolor import color
from deepcolor.data.pipeline import letterbox_box, resize_image


def predict_chroma(model, encoding, rgb, image_size, resize="squash"):
    """rgb [B,H,W,3] float in [0,1] -> the model's chroma [B,S,S,2] (for letterbox: the image part)."""
    mode = "letterbox" if resize == "letterbox" else "squash"  # a crop would lose borders at inference
    small = tf.map_fn(lambda im: resize_image(im * 255.0, image_size, mode) / 255.0, rgb,
                      fn_output_signature=tf.TensorSpec([image_size, image_size, 3], tf.float32))
    prediction = model(encoding.model_input(small), training=False)
    chroma = encoding.chroma(prediction)
    if mode == "letterbox":
        top, left, rows, cols = letterbox_box(tf.shape(rgb)[1], tf.shape(rgb)[2], image_size)
        chroma = chroma[:, top:top + rows, left:left + cols, :]
    return chroma


def recombine_uint8(encoding, image, chroma):
    """Upsamples chroma to the uint8 image's size and puts it on the image's own lightness."""
    chroma = tf.image.resize(chroma, tf.shape(image)[1:3], method="bilinear")
    return encoding.compose_uint8(color.lab_lightness_from_uint8(image), chroma)


def to_uint8(rgb01):
    return tf.cast(tf.round(tf.clip_by_value(rgb01, 0.0, 1.0) * 255.0), tf.uint8)


def colorize_uint8(model, encoding, image, image_size, resize="squash"):
    """image [B,H,W,3] uint8 (or [H,W,3]) -> colorized uint8 of the same shape."""
    single = image.shape.rank == 3
    batch = image[None] if single else image
    rgb = tf.cast(batch, tf.float32) / 255.0
    out = recombine_uint8(encoding, batch, predict_chroma(model, encoding, rgb, image_size, resize))
    return out[0] if single else out


def gray_uint8(encoding, image):
    """The zero-chroma baseline: the image's own L with a = b = 0 (u = v = 0)."""
    rgb = tf.cast(image, tf.float32) / 255.0
    lightness = encoding.lightness(rgb)
    zeros = tf.zeros(tf.concat([tf.shape(lightness)[:-1], [2]], 0))
    return to_uint8(color.lab_to_rgb(tf.concat([lightness, zeros], -1)))


def as_rgb(image):
    """Any uint8 [H,W,C] with C in 1..4 -> [H,W,3]: gray is repeated, alpha dropped."""
    channels = tf.shape(image)[-1]
    return tf.cond(channels < 3, lambda: tf.repeat(image[..., :1], 3, axis=-1),
                   lambda: image[..., :3])


class Colorizer:
    """A trained model plus what it needs to colorize any image: encoding, size, resize mode."""

    def __init__(self, model, encoding, image_size, resize="squash"):
        self.model, self.encoding = model, encoding
        self.image_size, self.resize = image_size, resize
        self._fn = tf.function(self._colorize, reduce_retracing=True)

    def _colorize(self, image):
        return colorize_uint8(self.model, self.encoding, as_rgb(image), self.image_size, self.resize)

    def __call__(self, image):
        """uint8 [H,W,C] (numpy or tensor) -> colorized uint8 [H,W,3] numpy array."""
        return self._fn(tf.convert_to_tensor(image, tf.uint8)).numpy()
