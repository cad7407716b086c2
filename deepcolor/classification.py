"""Colorization as classification, usable as the head and loss of any model.

Zhang et al. 2016 (`ab_bins`): the ab plane quantized on a grid of 10; targets soft-encoded over the
5 nearest bins with a Gaussian (sigma 5); class rebalancing with lambda 0.5 from the training set's
ab histogram (smoothed with sigma 5); decoding by the annealed mean at T = 0.38.
Hwang & Zhou (`uv_bins50`): u and v each quantized into 50 bins over their sRGB range, two
softmaxes, cross-entropy on each, annealed-mean decoding per channel.

The bins: Zhang et al. keep "the Q = 313 values which are in gamut"; their list (pts_in_hull.npy)
came from their own gamut test and cannot be downloaded here. We compute the in-gamut bins ourselves
(every grid-10 bin that some 8-bit sRGB color falls into: ab_gamut_bins(), 261 bins with scikit-image's
Lab, spanning exactly their a range -90..100 and b range -110..90); DEEPCOLOR_AB_BINS=path/to/pts_in_hull.npy uses their 313 instead.
Targets stay a, b / 128 in the pipeline (2 channels); the loss soft-encodes them in-graph, so a
batch never holds a 313-channel target tensor beside the prediction.
"""

import functools
import os

import keras
import numpy as np
from keras import ops

GRID = 10
SIGMA = 5.0
NEIGHBORS = 5
LAMBDA = 0.5
TEMPERATURE = 0.38
UV_BINS = 50


@functools.lru_cache(maxsize=None)
def ab_gamut_bins(grid=GRID):
    """(Q, 2) float32 bin centers (multiples of `grid`) that 8-bit sRGB colors reach."""
    path = os.environ.get("DEEPCOLOR_AB_BINS")
    if path:
        return np.asarray(np.load(path), np.float32).reshape(-1, 2)
    from skimage import color
    # Every other 8-bit level plus 255 reaches the same bins as all 16.7 M colors (checked: 261
    # either way) in a tenth of the time.
    levels = np.unique(np.r_[0:256:2, 255]).astype(np.float64)
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    rgb = np.stack([r, g, b], -1).reshape(1, -1, 3) / 255.0
    ab = color.rgb2lab(rgb).reshape(-1, 3)[:, 1:]
    centers = np.unique(np.round(ab / grid).astype(np.int64), axis=0) * grid
    return centers.astype(np.float32)


def soft_encode(ab, centers, sigma=SIGMA, neighbors=NEIGHBORS):
    """ab [..., 2] (Lab units) -> [..., Q]: Gaussian weights on the `neighbors` nearest bins, sum 1."""
    centers = ops.convert_to_tensor(centers, "float32")
    distance2 = ops.sum((ops.expand_dims(ab, -2) - centers) ** 2, axis=-1)  # [..., Q]
    nearest, index = ops.top_k(-distance2, k=neighbors)
    weights = ops.softmax(nearest / (2.0 * sigma ** 2), axis=-1)  # exp(-d^2/2s^2), normalized
    return ops.sum(ops.one_hot(index, centers.shape[0]) * ops.expand_dims(weights, -1), axis=-2)


def annealed_mean(probabilities, centers, temperature=TEMPERATURE):
    """[..., Q] class probabilities -> [..., 2]: the mean of exp(log p / T) renormalized (Zhang's
    compromise between the mean (desaturated) and the mode (patchy)). T -> 0 gives the mode."""
    logits = ops.log(ops.maximum(ops.cast(probabilities, "float32"), 1e-12)) / temperature
    sharpened = ops.softmax(logits, axis=-1)
    return ops.matmul(sharpened, ops.convert_to_tensor(centers, "float32"))


def rebalancing_weights(ab_samples, centers, lam=LAMBDA, sigma=SIGMA):
    """Zhang's class weights from ab samples [N, 2] of the training set: w ∝ ((1-λ) p̃ + λ/Q)^-1 with
    p̃ the bin histogram smoothed by a Gaussian (sigma in ab units), normalized so E_p̃[w] = 1."""
    centers = np.asarray(centers, np.float64)
    q = len(centers)
    nearest = np.argmin(((ab_samples[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)
    histogram = np.bincount(nearest, minlength=q).astype(np.float64)
    histogram /= max(histogram.sum(), 1.0)
    kernel = np.exp(-((centers[:, None, :] - centers[None]) ** 2).sum(-1) / (2 * sigma ** 2))
    smoothed = kernel @ histogram
    smoothed /= smoothed.sum()
    weights = 1.0 / ((1 - lam) * smoothed + lam / q)
    weights /= (smoothed * weights).sum()
    return weights.astype(np.float32)


@keras.saving.register_keras_serializable(package="deepcolor")
class SoftEncodedCrossEntropy(keras.losses.Loss):
    """y_true: a, b / 128 [B, H, W, 2]; y_pred: bin probabilities [B, H, W, Q]. Each pixel's
    cross-entropy against its soft-encoded target, times the rebalancing weight of its nearest bin."""

    def __init__(self, centers=None, class_weights=None, name="soft_encoded_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.centers = np.asarray(ab_gamut_bins() if centers is None else centers, np.float32)
        self.class_weights = None if class_weights is None else np.asarray(class_weights, np.float32)

    def call(self, y_true, y_pred):
        ab = ops.cast(y_true, "float32") * 128.0
        target = soft_encode(ab, self.centers)
        log_p = ops.log(ops.maximum(ops.cast(y_pred, "float32"), 1e-7))
        loss = -ops.sum(target * log_p, axis=-1)
        if self.class_weights is not None:
            loss = loss * ops.take(ops.convert_to_tensor(self.class_weights), ops.argmax(target, axis=-1))
        return loss

    def get_config(self):
        return {**super().get_config(), "centers": self.centers.tolist(),
                "class_weights": None if self.class_weights is None else self.class_weights.tolist()}


@keras.saving.register_keras_serializable(package="deepcolor")
def softmax_per_channel(x):
    """[..., 2 * bins] -> two softmaxes over the halves (u bins, v bins)."""
    shape = ops.shape(x)
    pairs = ops.reshape(x, (*shape[:-1], 2, x.shape[-1] // 2))
    return ops.reshape(ops.softmax(pairs, axis=-1), shape)


def uv_bin_centers(bins=UV_BINS):
    """Centers of `bins` equal bins over [0, 1] (the uv01 scaling of each channel)."""
    return ((np.arange(bins) + 0.5) / bins).astype(np.float32)


@keras.saving.register_keras_serializable(package="deepcolor")
class PerChannelBinsCrossEntropy(keras.losses.Loss):
    """y_true: uv01 [B, H, W, 2]; y_pred: [B, H, W, 2 * bins] (two softmaxes): the sum of the two
    channels' cross-entropies against each value's bin (Hwang & Zhou's classification network)."""

    def __init__(self, bins=UV_BINS, name="per_channel_bins_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.bins = bins

    def call(self, y_true, y_pred):
        index = ops.cast(ops.clip(ops.floor(ops.cast(y_true, "float32") * self.bins), 0, self.bins - 1), "int32")
        shape = ops.shape(y_pred)
        probabilities = ops.reshape(ops.cast(y_pred, "float32"), (*shape[:-1], 2, self.bins))
        log_p = ops.log(ops.maximum(probabilities, 1e-7))
        return -ops.sum(ops.sum(ops.one_hot(index, self.bins) * log_p, axis=-1), axis=-1)

    def get_config(self):
        return {**super().get_config(), "bins": self.bins}


def decode_per_channel(probabilities, bins=UV_BINS, temperature=TEMPERATURE):
    """[..., 2 * bins] -> [..., 2] in [0, 1] (annealed mean of each channel's bins)."""
    shape = ops.shape(probabilities)
    pairs = ops.reshape(ops.cast(probabilities, "float32"), (*shape[:-1], 2, bins))
    centers = ops.reshape(ops.convert_to_tensor(uv_bin_centers(bins)), (bins, 1))
    return ops.squeeze(annealed_mean(pairs, centers, temperature), -1)
