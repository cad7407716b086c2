"""Full-resolution colorization, shared by `evaluate`, `colorize`, the Python API and the SavedModel.

Predict chroma at the model's size, upsample it bilinearly to the original size, and recombine it
with the original full-resolution lightness. The output therefore has exactly the input's size
and the input's L channel (up to 8-bit rounding), whatever the model's training size.

`border` (a fraction of the model's size) shrinks the photo into the middle of the model's input
and fills the margin by mirroring the photo, then keeps only the middle of the prediction: the
photo's edges are then never next to the zero padding of the first convolutions, which otherwise
tints a thin frame along them.
"""

import tensorflow as tf

from deepcolor import color
from deepcolor.data.image_ops import letterbox_box, resize_image, to_uint8


def _model_input(encoding, rgb, image_size, resize, margin):
    """rgb [B,H,W,3] in [0,1] -> the model's input at image_size, the photo inside `margin` pixels."""
    mode = "letterbox" if resize == "letterbox" else "squash"  # a crop would lose borders at inference
    inner = image_size - 2 * margin
    small = tf.map_fn(lambda im: resize_image(im * 255.0, inner, mode) / 255.0, rgb,
                      fn_output_signature=tf.TensorSpec([inner, inner, 3], tf.float32))
    if margin:
        small = tf.pad(small, [[0, 0], [margin, margin], [margin, margin], [0, 0]], mode="REFLECT")
    return encoding.model_input(small)


def _crop_prediction_chroma(chroma, rgb, image_size, resize, margin):
    """Chroma of the model's prediction -> the photo's part of it, at the photo's aspect."""
    if chroma.shape[1] != image_size:  # a head that predicts below the input size
        chroma = tf.image.resize(chroma, [image_size, image_size], method="bilinear")
    if margin:
        chroma = chroma[..., margin:image_size - margin, margin:image_size - margin, :]
    if resize == "letterbox":
        top, left, rows, cols = letterbox_box(tf.shape(rgb)[1], tf.shape(rgb)[2], image_size - 2 * margin)
        chroma = chroma[..., top:top + rows, left:left + cols, :]
    return chroma


def border_pixels(image_size, border):
    return int(round(image_size * border)) if border else 0


def decode(encoding, prediction, decoding=None):
    """A prediction's chroma; `decoding` options (temperature, prior_exponent) for classification heads."""
    decoding = {k: v for k, v in (decoding or {}).items() if v}
    unsupported = [k for k in decoding if k not in encoding.decoding_options]
    if unsupported:
        from deepcolor.errors import UnsupportedOptionError
        raise UnsupportedOptionError(f"{', '.join(unsupported)}: only for models that predict ab bins, not {encoding.name}")
    return encoding.chroma(prediction, **decoding)


def predict_chroma(model, encoding, rgb, image_size, resize="squash", border=0.0, decoding=None):
    """rgb [B,H,W,3] float in [0,1] -> the model's chroma [B,h,w,2] (for letterbox: the image part)."""
    margin = border_pixels(image_size, border)
    prediction = model(_model_input(encoding, rgb, image_size, resize, margin), training=False)
    return _crop_prediction_chroma(decode(encoding, prediction, decoding), rgb, image_size, resize, margin)


def sample_chromas(model, encoding, rgb, image_size, count, seed=0, resize="squash", border=0.0,
                   decoding=None):
    """`count` plausible chroma maps [count,B,h,w,2] drawn from a classification model's predicted
    colour distribution (classification.sample_chroma)."""
    from deepcolor.color.classification import TEMPERATURE, bins_for, reweight_by_prior, sample_chroma
    margin = border_pixels(image_size, border)
    prediction = model(_model_input(encoding, rgb, image_size, resize, margin), training=False)
    decoding = decoding or {}
    prediction = reweight_by_prior(prediction, decoding.get("prior_exponent"))
    centers = bins_for(prediction.shape[-1])
    chroma = sample_chroma(prediction, centers, count, seed, decoding.get("temperature") or TEMPERATURE)
    return tf.stack([_crop_prediction_chroma(c, rgb, image_size, resize, margin) for c in tf.unstack(chroma)])


def recombine_uint8(encoding, image, chroma):
    """Upsamples chroma to the uint8 image's size and puts it on the image's own lightness."""
    chroma = tf.image.resize(chroma, tf.shape(image)[1:3], method="bilinear")
    return encoding.compose_uint8(color.lab_lightness_from_uint8(image), chroma)


def colorize_uint8(model, encoding, image, image_size, resize="squash", border=0.0, decoding=None):
    """image [B,H,W,3] uint8 (or [H,W,3]) -> colorized uint8 of the same shape."""
    single = image.shape.rank == 3
    batch = image[None] if single else image
    rgb = tf.cast(batch, tf.float32) / 255.0
    chroma = predict_chroma(model, encoding, rgb, image_size, resize, border, decoding)
    out = recombine_uint8(encoding, batch, chroma)
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
    """A trained model plus what it needs to colorize any image: encoding, size, resize mode, and
    the decoding options (border margin; for classification models `decoding`: temperature,
    prior_exponent, see encodings.AbBins.chroma)."""

    def __init__(self, model, encoding, image_size, resize="squash", border=0.0, decoding=None):
        self.model, self.encoding = model, encoding
        self.image_size, self.resize = image_size, resize
        self.border, self.decoding = border, dict(decoding or {})
        # One traced function per rank: retracing relaxes shapes, and a rank-free trace cannot index channels.
        self._fn = tf.function(self._colorize, reduce_retracing=True)
        self._batch_fn = tf.function(self._colorize, reduce_retracing=True)
        self._sample_fns = {}

    def _colorize(self, image):
        return colorize_uint8(self.model, self.encoding, as_rgb(image), self.image_size, self.resize,
                              self.border, self.decoding)

    def __call__(self, image):
        """uint8 [H,W,C] (numpy or tensor) -> colorized uint8 [H,W,3] numpy array; a batch [N,H,W,C]
        of same-size images -> [N,H,W,3] in one pass through the network."""
        image = tf.convert_to_tensor(image, tf.uint8)
        return (self._batch_fn if image.shape.rank == 4 else self._fn)(image).numpy()

    @property
    def can_sample(self):
        return self.encoding.can_sample

    def samples(self, image, count, seed=0):
        """uint8 [H,W,C] -> `count` different colorized uint8 [H,W,3] arrays (classification models)."""
        if count not in self._sample_fns:
            def draw(im, seed):
                rgb_uint8 = as_rgb(im)[None]
                chromas = sample_chromas(self.model, self.encoding, tf.cast(rgb_uint8, tf.float32) / 255.0,
                                         self.image_size, count, seed, self.resize, self.border, self.decoding)
                return tf.stack([recombine_uint8(self.encoding, rgb_uint8, c)[0] for c in tf.unstack(chromas)])
            self._sample_fns[count] = tf.function(draw, reduce_retracing=True)
        draw = self._sample_fns[count]
        return list(draw(tf.convert_to_tensor(image, tf.uint8), tf.constant(seed, tf.int64)).numpy())
