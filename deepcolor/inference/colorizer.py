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


def takes_hints(model):
    """Whether the model takes a hint map beside the gray input (a hint model, color/hints.py)."""
    return bool(getattr(model, "hints", False))


def run_model(model, gray, hints=None):
    """The model's prediction for a gray batch; a hint model without hints gets an empty hint map."""
    if takes_hints(model):
        if hints is None:
            hints = tf.zeros(tf.concat([tf.shape(gray)[:-1], [3]], 0), gray.dtype)
        return model([gray, hints], training=False)
    if hints is not None:
        raise no_hints_error()
    return model(gray, training=False)


def no_hints_error():
    from deepcolor.errors import UnsupportedOptionError
    return UnsupportedOptionError("this model takes no colour hints: use the hint model, "
                                  "deepcolor.load(\"hints\") (--model hints)")


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


def predict_chroma(model, encoding, rgb, image_size, resize="squash", border=0.0, decoding=None, hints=None):
    """rgb [B,H,W,3] float in [0,1] -> the model's chroma [B,h,w,2] (for letterbox: the image part).
    hints: a hint model's hint maps [B,S,S,3] at the model's size (color/hints.py: hint_map)."""
    margin = border_pixels(image_size, border)
    prediction = run_model(model, _model_input(encoding, rgb, image_size, resize, margin), hints)
    return _crop_prediction_chroma(decode(encoding, prediction, decoding), rgb, image_size, resize, margin)


def sample_chromas(model, encoding, rgb, image_size, count, seed=0, resize="squash", border=0.0,
                   decoding=None):
    """`count` plausible chroma maps [count,B,h,w,2] drawn from a classification model's predicted
    colour distribution (classification.sample_chroma)."""
    from deepcolor.color.classification import TEMPERATURE, bins_for, reweight_by_prior, sample_chroma
    margin = border_pixels(image_size, border)
    prediction = run_model(model, _model_input(encoding, rgb, image_size, resize, margin))
    decoding = decoding or {}
    prediction = reweight_by_prior(prediction, decoding.get("prior_exponent"))
    centers = bins_for(prediction.shape[-1])
    chroma = sample_chroma(prediction, centers, count, seed, decoding.get("temperature") or TEMPERATURE)
    return tf.stack([_crop_prediction_chroma(c, rgb, image_size, resize, margin) for c in tf.unstack(chroma)])


def recombine_uint8(encoding, image, chroma):
    """Upsamples chroma to the uint8 image's size and puts it on the image's own lightness."""
    chroma = tf.image.resize(chroma, tf.shape(image)[1:3], method="bilinear")
    return encoding.compose_uint8(color.lab_lightness_from_uint8(image), chroma)


def colorize_uint8(model, encoding, image, image_size, resize="squash", border=0.0, decoding=None, hints=None):
    """image [B,H,W,3] uint8 (or [H,W,3]) -> colorized uint8 of the same shape; hints: hint maps
    [B,S,S,3] (or [S,S,3]) for a hint model."""
    single = image.shape.rank == 3
    batch = image[None] if single else image
    if hints is not None and hints.shape.rank == 3:
        hints = hints[None]
    rgb = tf.cast(batch, tf.float32) / 255.0
    chroma = predict_chroma(model, encoding, rgb, image_size, resize, border, decoding, hints)
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
        self._hinted_fn = tf.function(self._colorize, reduce_retracing=True)
        self._sample_fns = {}

    def _colorize(self, image, hints=None):
        return colorize_uint8(self.model, self.encoding, as_rgb(image), self.image_size, self.resize,
                              self.border, self.decoding, hints)

    @property
    def takes_hints(self):
        return takes_hints(self.model)

    def hint_map(self, image_shape, points=(), scribbles=None):
        """Hints for a photo of image_shape ([H, W, ...]) as this model's input (color/hints.py)."""
        from deepcolor.color.hints import hint_map
        return hint_map(points, scribbles, image_shape[0], image_shape[1], self.image_size, self.resize,
                        border_pixels(self.image_size, self.border))

    def __call__(self, image, points=(), scribbles=None, network_only=False):
        """uint8 [H,W,C] (numpy or tensor) -> colorized uint8 [H,W,3] numpy array; a batch [N,H,W,C]
        of same-size images -> [N,H,W,3] in one pass through the network. points [(x, y, (r, g, b))]
        and/or scribbles (an RGBA image of the photo's size): colour hints for a hint model, which
        spreads them; then they are put on its output at the photo's resolution (color/hints.py:
        apply_hints; network_only=True gives the network's colours alone, for measuring it)."""
        image = tf.convert_to_tensor(image, tf.uint8)
        if points or scribbles is not None:
            if not self.takes_hints:
                raise no_hints_error()
            if image.shape.rank != 3:
                from deepcolor.errors import UnsupportedOptionError
                raise UnsupportedOptionError("colour hints are for one photo at a time")
            hints = self.hint_map(image.shape, points, scribbles)
            colorized = self._hinted_fn(image, tf.constant(hints)).numpy()
            if network_only:
                return colorized
            from deepcolor.color.hints import apply_hints
            return apply_hints(colorized, points, scribbles, self.image_size)
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
