"""Target encodings: what a model sees as input and what it is asked to predict.

Every encoding turns a batch of sRGB images in [0, 1] into ``(gray_input, target)`` and
knows how to turn a prediction back into chroma that can be recombined with any
lightness (that is how full-resolution colorization works: predict chroma at the model's
size, upsample it, recombine it with the original L).

Names:
- ``rgb01``   RGB in [0, 1] (sigmoid); input is the BT.601 luma in [0, 1].
- ``rgb_pm1`` RGB in [-1, 1] (tanh); input is the luma in [-1, 1].
- ``ab_pm1``  Lab a, b / 128 (tanh); input is L / 100.
- ``uv01``    LUV u, v scaled into [0, 1] by the fixed sRGB-gamut bounds below (sigmoid);
              input is L / 100.
The gray input is always one channel; models apply their own normalization in-graph
(e.g. Deep Koalarization's L/50-1), so one pipeline serves every model.
"""

import tensorflow as tf

from deepcolor import color
from deepcolor.errors import UsageError

# Range of u and v over the whole 8-bit sRGB cube (computed by
# tests/test_encodings.py::test_uv_bounds_cover_the_srgb_gamut, which also checks they are tight).
U_RANGE = (-83.08, 175.02)
V_RANGE = (-134.12, 107.40)


class Encoding:
    """One encoding: its model input, its target, how a prediction decodes, and what it trains with
    (`loss`, `class_weights`). Everything that depends on the encoding asks it, never its name."""
    name = ""
    channels = 0
    chroma_space = "lab"  # the space whose chroma `chroma()` returns: "lab" or "luv"
    output_activation = ""
    is_classification = False  # a softmax over colour bins, trained with cross-entropy
    can_sample = False  # draws several plausible colourings (a distribution over ab bins)
    decoding_options = ()  # chroma() keyword options (colorize --temperature, --prior-exponent)
    input_range = "01"  # the gray input's range: "01" or "pm1"
    losses = ("mse", "mae", "huber")

    def loss(self, name, class_weights=None):
        """The Keras loss `name` for this encoding (UsageError if they do not fit)."""
        if name not in self.losses:
            raise UsageError(f"--loss {name} does not fit --encoding {self.name}: it trains with "
                             f"{' or '.join(self.losses)}")
        return self.make_loss(name, class_weights)

    def make_loss(self, name, class_weights):
        """The loss itself, `name` one of `losses` (classification encodings override it)."""
        import keras
        return {"mse": keras.losses.MeanSquaredError(), "mae": keras.losses.MeanAbsoluteError(),
                "huber": keras.losses.Huber(delta=1.0)}[name]

    def class_weights(self, rebalance, from_training_split):
        """Per-class loss weights (classification encodings with --rebalance), or None.
        `from_training_split(centers)` computes Zhang's weights from the training split's pixels."""
        return None

    def model_input(self, rgb):
        raise NotImplementedError

    def target(self, rgb):
        raise NotImplementedError

    def chroma(self, prediction):
        """Two chroma channels (a,b or u,v) of a prediction, in `chroma_space` units."""
        raise NotImplementedError

    def lightness(self, rgb):
        """L* of sRGB in [0,1] (the same L for Lab and LUV), shape [..., 1]."""
        return color.lab_lightness(rgb)

    def compose(self, lightness, chroma):
        """sRGB [0,1] from L [...,1] and this encoding's chroma [...,2]."""
        to_rgb = color.luv_to_rgb if self.chroma_space == "luv" else color.lab_to_rgb
        return to_rgb(tf.concat([lightness, chroma], axis=-1))

    def compose_uint8(self, lightness, chroma):
        """As compose(), straight to uint8 through the 8-bit fast path (full-resolution output).
        Lab colours outside sRGB are brought in by lowering their chroma, so L stays the input's."""
        values = tf.concat([lightness, chroma], axis=-1)
        if self.chroma_space == "luv":
            return color.xyz_to_uint8(color.luv_to_xyz(values))
        return color.lab_to_uint8_in_gamut(values)

    def in_target_space(self, prediction):
        """The prediction where target() lives (classification heads decode their bins first)."""
        return prediction

    def prediction_to_rgb(self, prediction, rgb_for_lightness):
        """The model's own colorization at its size: its chroma on the input's L."""
        return self.compose(self.lightness(rgb_for_lightness), self.chroma(prediction))

    def __repr__(self):
        return f"Encoding({self.name!r})"


class Rgb01(Encoding):
    name, channels, output_activation = "rgb01", 3, "sigmoid"

    def model_input(self, rgb):
        return color.rgb_to_luma(rgb)

    def target(self, rgb):
        return tf.convert_to_tensor(rgb, tf.float32)

    def to_rgb01(self, prediction):
        return tf.clip_by_value(tf.cast(prediction, tf.float32), 0.0, 1.0)

    def chroma(self, prediction):
        return color.rgb_to_lab(self.to_rgb01(prediction))[..., 1:]


class RgbPm1(Rgb01):
    name, channels, output_activation = "rgb_pm1", 3, "tanh"
    input_range = "pm1"

    def model_input(self, rgb):
        return color.rgb_to_luma(rgb) * 2.0 - 1.0

    def target(self, rgb):
        return tf.convert_to_tensor(rgb, tf.float32) * 2.0 - 1.0

    def to_rgb01(self, prediction):
        return tf.clip_by_value((tf.cast(prediction, tf.float32) + 1.0) / 2.0, 0.0, 1.0)


class AbPm1(Encoding):
    name, channels, output_activation = "ab_pm1", 2, "tanh"

    def model_input(self, rgb):
        return color.lab_lightness(rgb) / 100.0

    def target(self, rgb):
        return color.rgb_to_lab(rgb)[..., 1:] / 128.0

    def chroma(self, prediction):
        return tf.cast(prediction, tf.float32) * 128.0


class Uv01(Encoding):
    name, channels, output_activation = "uv01", 2, "sigmoid"
    chroma_space = "luv"

    def model_input(self, rgb):
        return color.lab_lightness(rgb) / 100.0

    def target(self, rgb):
        uv = color.rgb_to_luv(rgb)[..., 1:]
        low = tf.constant([U_RANGE[0], V_RANGE[0]], tf.float32)
        high = tf.constant([U_RANGE[1], V_RANGE[1]], tf.float32)
        return (uv - low) / (high - low)

    def chroma(self, prediction):
        low = tf.constant([U_RANGE[0], V_RANGE[0]], tf.float32)
        high = tf.constant([U_RANGE[1], V_RANGE[1]], tf.float32)
        return tf.cast(prediction, tf.float32) * (high - low) + low


class AbBins(AbPm1):
    """Zhang et al.'s classification over their 313 in-gamut ab bins (deepcolor/color/classification.py).
    The target stays a, b / 128; the model outputs bin probabilities; chroma is their annealed mean.
    Decoding picks the bin set by the prediction's channel count, so runs made with the 261
    computed bins (`ab_bins_gamut`, and `ab_bins` before it used Zhang's) decode right too."""
    name, output_activation = "ab_bins", "softmax"
    chroma_space = "lab"
    is_classification = can_sample = True
    decoding_options = ("temperature", "prior_exponent")
    losses = ("cross_entropy",)

    def make_loss(self, name, class_weights):
        from deepcolor.color.classification import SoftEncodedCrossEntropy
        return SoftEncodedCrossEntropy(self.centers(), class_weights)

    def class_weights(self, rebalance, from_training_split):
        """--rebalance: None, Zhang's ImageNet prior (313 bins), or the training split's histogram."""
        if rebalance == "none":
            return None
        if rebalance == "prior":
            from deepcolor.color.classification import prior_rebalancing_weights
            if len(self.centers()) != 313:
                raise UsageError("--rebalance prior needs Zhang's 313 bins (--encoding ab_bins)")
            return prior_rebalancing_weights()
        return from_training_split(self.centers())

    def centers(self):
        from deepcolor.color.classification import zhang_bins
        return zhang_bins()

    @property
    def channels(self):
        return len(self.centers())

    def chroma(self, prediction, temperature=None, prior_exponent=0.0):
        """The annealed mean at `temperature` (default 0.38). prior_exponent E multiplies the
        probabilities by Zhang's ImageNet-prior class weights to the power E first (313 bins): E > 0
        favours rarer, more colourful bins; E < 0 takes back part of a rebalanced model's bias."""
        from deepcolor.color.classification import TEMPERATURE, annealed_mean, bins_for, reweight_by_prior
        centers = bins_for(prediction.shape[-1])
        return annealed_mean(reweight_by_prior(prediction, prior_exponent), centers, temperature or TEMPERATURE)

    def in_target_space(self, prediction):
        return self.chroma(prediction) / 128.0


class AbBinsGamut(AbBins):
    """As ab_bins, over the 261 grid-10 bins that 8-bit sRGB reaches (computed here)."""
    name = "ab_bins_gamut"

    def centers(self):
        from deepcolor.color.classification import ab_gamut_bins
        return ab_gamut_bins()


class UvBins50(Uv01):
    """Hwang & Zhou's classification network: u and v each in 50 bins (two softmaxes)."""
    name, channels, output_activation = "uv_bins50", 100, "softmax_per_channel"
    is_classification = True
    losses = ("cross_entropy",)

    def make_loss(self, name, class_weights):
        from deepcolor.color.classification import PerChannelBinsCrossEntropy
        return PerChannelBinsCrossEntropy()

    def chroma(self, prediction):
        from deepcolor.color.classification import decode_per_channel
        return super().chroma(decode_per_channel(prediction))

    def in_target_space(self, prediction):
        from deepcolor.color.classification import decode_per_channel
        return decode_per_channel(prediction)


ENCODINGS = {e.name: e for e in (Rgb01(), RgbPm1(), AbPm1(), Uv01(), AbBins(), AbBinsGamut(), UvBins50())}


def get_encoding(name):
    try:
        return ENCODINGS[name]
    except KeyError:
        raise ValueError(f"unknown encoding {name!r}; known: {', '.join(ENCODINGS)}") from None


def encoding_of_output(channels, activation):
    """The encoding whose head has `channels` outputs and `activation` (a bare .keras file knows no
    encoding), or None. Bin counts are unique, so classification heads match on channels alone."""
    for encoding in ENCODINGS.values():
        if channels == encoding.channels and (encoding.is_classification or activation == encoding.output_activation):
            return encoding
    return None
