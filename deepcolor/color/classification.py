"""Colorization as classification, usable as the head and loss of any model.

Zhang et al. 2016 (`ab_bins`): the ab plane quantized on a grid of 10 into their Q = 313 in-gamut
bins (shipped in deepcolor/resources/, see its README); targets soft-encoded over the 5 nearest bins
with a Gaussian (sigma 5); class rebalancing with lambda 0.5, from the training set's smoothed ab
histogram or from Zhang's ImageNet prior; decoding by the annealed mean at T = 0.38.
`ab_bins_gamut` uses bins computed here instead (every grid-10 bin an 8-bit sRGB color falls into:
261 with scikit-image's Lab).
Hwang & Zhou (`uv_bins50`): u and v each quantized into 50 bins over their sRGB range, two
softmaxes, cross-entropy on each, annealed-mean decoding per channel.

Targets stay a, b / 128 in the pipeline (2 channels). The loss finds each pixel's 5 nearest bins by
table lookup (`NeighborTable`: the grid cell a pixel falls in lists the few bins that can be among
its 5 nearest), so a batch never holds a [pixels, Q] distance or target tensor; `soft_encode` is the
dense reference it is tested against.
"""

import functools
import os

import keras
import numpy as np
import tensorflow as tf
from keras import ops

GRID = 10
SIGMA = 5.0
NEIGHBORS = 5
LAMBDA = 0.5
TEMPERATURE = 0.38
UV_BINS = 50
RESOURCES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "resources")  # deepcolor/resources


@functools.lru_cache(maxsize=None)
def zhang_bins():
    """(313, 2) float32: Zhang et al.'s in-gamut ab bin centres, in their order (pts_in_hull.npy)."""
    return np.load(os.path.join(RESOURCES, "pts_in_hull.npy")).astype(np.float32)


@functools.lru_cache(maxsize=None)
def imagenet_prior():
    """(313,) float64: Zhang et al.'s empirical ImageNet distribution over zhang_bins()."""
    return np.load(os.path.join(RESOURCES, "prior_probs.npy")).astype(np.float64)


@functools.lru_cache(maxsize=None)
def ab_gamut_bins(grid=GRID):
    """(Q, 2) float32 bin centers (multiples of `grid`) that 8-bit sRGB colors reach (261 for grid 10)."""
    from skimage import color
    # Every other 8-bit level plus 255 reaches the same bins as all 16.7 M colors (checked: 261
    # either way) in a tenth of the time.
    levels = np.unique(np.r_[0:256:2, 255]).astype(np.float64)
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    rgb = np.stack([r, g, b], -1).reshape(1, -1, 3) / 255.0
    ab = color.rgb2lab(rgb).reshape(-1, 3)[:, 1:]
    centers = np.unique(np.round(ab / grid).astype(np.int64), axis=0) * grid
    return centers.astype(np.float32)


def bins_for(channels):
    """The bin centres of a model with this many output channels: 313 Zhang's, 261 our gamut's."""
    for centers in (zhang_bins(), ab_gamut_bins()):
        if len(centers) == channels:
            return centers
    raise ValueError(f"no ab bin set has {channels} bins (known: 313 Zhang et al., 261 computed gamut)")


def soft_encode(ab, centers, sigma=SIGMA, neighbors=NEIGHBORS):
    """ab [..., 2] (Lab units) -> [..., Q]: Gaussian weights on the `neighbors` nearest bins, sum 1.
    Dense reference (a [..., Q] distance tensor); training uses NeighborTable instead."""
    centers = ops.convert_to_tensor(centers, "float32")
    distance2 = ops.sum((ops.expand_dims(ab, -2) - centers) ** 2, axis=-1)  # [..., Q]
    nearest, index = ops.top_k(-distance2, k=neighbors)
    weights = ops.softmax(nearest / (2.0 * sigma ** 2), axis=-1)  # exp(-d^2/2s^2), normalized
    return ops.sum(ops.one_hot(index, centers.shape[0]) * ops.expand_dims(weights, -1), axis=-2)


class NeighborTable:
    """The `neighbors` nearest bins of any ab value by table lookup instead of a search over all Q.

    The ab plane is cut into grid x grid cells. For each cell, R = the `neighbors`-th smallest
    distance from a bin to the cell's farthest point: every point of the cell has at least that
    many bins within R, so only bins whose nearest distance to the cell is <= R can be among its
    nearest. Those candidates (at most K, padded with a far-away dummy bin) are all a pixel is
    compared with: K is ~30 for Zhang's 313 bins. Exact for ab inside the table's range, which
    covers all of sRGB's gamut with a margin (values outside are clipped to the edge cells).
    """

    def __init__(self, centers, grid=GRID, neighbors=NEIGHBORS):
        centers = np.asarray(centers, np.float64)
        self.grid, self.neighbors = float(grid), neighbors
        self.low = np.floor(centers.min(0) / grid) * grid - 3 * grid
        high = np.ceil(centers.max(0) / grid) * grid + 3 * grid
        self.cells = ((high - self.low) / grid).astype(np.int64)  # per axis
        ia, ib = np.meshgrid(np.arange(self.cells[0]), np.arange(self.cells[1]), indexing="ij")
        box_low = self.low + np.stack([ia, ib], -1).reshape(-1, 1, 2) * grid   # [cells, 1, 2]
        box_high = box_low + grid
        nearest = np.clip(centers[None], box_low, box_high)
        min_distance = np.sqrt(((centers[None] - nearest) ** 2).sum(-1))              # [cells, Q]
        farthest = np.maximum(np.abs(centers[None] - box_low), np.abs(centers[None] - box_high))
        max_distance = np.sqrt((farthest ** 2).sum(-1))                                # [cells, Q]
        radius = np.sort(max_distance, axis=1)[:, neighbors - 1:neighbors]
        candidates = min_distance <= radius + 1e-6
        self.k = int(candidates.sum(1).max())
        q = len(centers)
        table = np.full((len(candidates), self.k), q, np.int32)  # q: the dummy bin
        for cell, row in enumerate(candidates):
            index = np.nonzero(row)[0]
            table[cell, :len(index)] = index
        self.table = table
        self.centers = np.concatenate([centers, [[1e4, 1e4]]]).astype(np.float32)  # + the dummy

    def nearest(self, ab, sigma=SIGMA):
        """ab [..., 2] -> (bin indices [..., n], Gaussian weights [..., n] summing to 1), nearest first."""
        ab = ops.cast(ab, "float32")
        cell = ops.cast(ops.floor((ab - self.low.astype(np.float32)) / self.grid), "int32")
        cell = ops.clip(cell, 0, np.asarray(self.cells - 1, np.int32))
        flat = cell[..., 0] * int(self.cells[1]) + cell[..., 1]
        candidates = ops.take(ops.convert_to_tensor(self.table), flat, axis=0)           # [..., K]
        points = ops.take(ops.convert_to_tensor(self.centers), candidates, axis=0)       # [..., K, 2]
        distance2 = ops.sum((ops.expand_dims(ab, -2) - points) ** 2, axis=-1)
        closest, position = ops.top_k(-distance2, k=self.neighbors)
        index = ops.take_along_axis(candidates, position, axis=-1)
        return index, ops.softmax(closest / (2.0 * sigma ** 2), axis=-1)


@functools.lru_cache(maxsize=4)
def _neighbor_table(centers_bytes, q):
    return NeighborTable(np.frombuffer(centers_bytes, np.float32).reshape(q, 2))


def neighbor_table(centers):
    centers = np.ascontiguousarray(centers, np.float32)
    return _neighbor_table(centers.tobytes(), len(centers))


def annealed_mean(probabilities, centers, temperature=TEMPERATURE):
    """[..., Q] class probabilities -> [..., 2]: the mean of exp(log p / T) renormalized (Zhang's
    compromise between the mean (desaturated) and the mode (patchy)). T -> 0 gives the mode."""
    logits = ops.log(ops.maximum(ops.cast(probabilities, "float32"), 1e-12)) / temperature
    sharpened = ops.softmax(logits, axis=-1)
    return ops.matmul(sharpened, ops.convert_to_tensor(centers, "float32"))


def sample_chroma(probabilities, centers, count, seed=0, temperature=TEMPERATURE, cells=2, strength=1.5):
    """`count` plausible chroma maps [count, B, h, w, 2] from per-pixel bin probabilities [B, h, w, Q],
    spatially coherent and seeded.

    Each sample draws a random colour direction field g (Gaussian noise on a cells x cells grid,
    smoothly upsampled: it turns slowly across the picture) and re-weights every pixel's predicted
    distribution towards it, p'(q) ∝ p(q) exp(strength * <c_q, g> / 100) for bin centre c_q, then
    decodes p' by the annealed mean. Where the model is sure (a peaked p) the colour barely moves;
    where it saw several plausible colours (a sweater that may be red or blue) each sample picks
    one of them, and neighbouring pixels pick alike because g is smooth: no per-pixel noise.
    """
    p = tf.cast(probabilities, tf.float32)
    shape = tf.shape(p)
    log_p = tf.math.log(tf.maximum(p, 1e-12))
    centers_t = tf.constant(np.asarray(centers, np.float32))
    out = []
    for k in range(count):
        noise = tf.random.stateless_normal(tf.stack([shape[0], cells, cells, 2]),
                                           seed=tf.stack([tf.cast(seed, tf.int64), tf.constant(k, tf.int64)]))
        field = tf.image.resize(noise, shape[1:3], method="bicubic")                     # [B, h, w, 2]
        tilt = strength * tf.einsum("bhwc,qc->bhwq", field, centers_t) / 100.0
        out.append(annealed_mean(tf.nn.softmax(log_p + tilt, axis=-1), centers, temperature))
    return tf.stack(out)


def reweight_by_prior(probabilities, exponent):
    """Bin probabilities times Zhang's prior class weights to the power `exponent`, renormalized."""
    if not exponent:
        return probabilities
    p = tf.cast(probabilities, tf.float32) * tf.constant(prior_rebalancing_weights() ** exponent, tf.float32)
    return p / tf.reduce_sum(p, -1, keepdims=True)


def weights_from_distribution(p, lam=LAMBDA):
    """Zhang's class weights w ∝ ((1-λ) p + λ/Q)^-1 for a distribution p over the bins, normalized
    so that E_p[w] = 1."""
    p = np.asarray(p, np.float64)
    p = p / p.sum()
    weights = 1.0 / ((1 - lam) * p + lam / len(p))
    weights /= (p * weights).sum()
    return weights.astype(np.float32)


def smoothed_histogram(ab_samples, centers, sigma=SIGMA):
    """The bins' empirical distribution from ab samples [N, 2], smoothed by a Gaussian (sigma in ab)."""
    centers = np.asarray(centers, np.float64)
    nearest = np.argmin(((ab_samples[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)
    histogram = np.bincount(nearest, minlength=len(centers)).astype(np.float64)
    histogram /= max(histogram.sum(), 1.0)
    kernel = np.exp(-((centers[:, None, :] - centers[None]) ** 2).sum(-1) / (2 * sigma ** 2))
    smoothed = kernel @ histogram
    return smoothed / smoothed.sum()


def rebalancing_weights(ab_samples, centers, lam=LAMBDA, sigma=SIGMA):
    """Zhang's class weights from ab samples [N, 2] of the training set (E_p̃[w] = 1 under the
    smoothed histogram p̃)."""
    return weights_from_distribution(smoothed_histogram(ab_samples, centers, sigma), lam)


def prior_rebalancing_weights(lam=LAMBDA):
    """Zhang's class weights from their ImageNet prior over the 313 bins (what their model used)."""
    return weights_from_distribution(imagenet_prior(), lam)


@keras.saving.register_keras_serializable(package="deepcolor")
class SoftEncodedCrossEntropy(keras.losses.Loss):
    """y_true: a, b / 128 [B, H, W, 2]; y_pred: bin probabilities [B, H, W, Q]. Each pixel's
    cross-entropy against its soft-encoded target (5 nearest bins, Gaussian weights), times the
    rebalancing weight of its nearest bin. Only the 5 target bins' probabilities are gathered.
    A prediction smaller than the target (a head at 1/2 or 1/4 size) is compared with the target's
    ab averaged down to its size, as Zhang et al. did."""

    def __init__(self, centers=None, class_weights=None, name="soft_encoded_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.centers = np.asarray(zhang_bins() if centers is None else centers, np.float32)
        self.class_weights = None if class_weights is None else np.asarray(class_weights, np.float32)

    def call(self, y_true, y_pred):
        if y_pred.shape[-1] is not None and y_pred.shape[-1] != len(self.centers):
            raise ValueError(f"the prediction has {y_pred.shape[-1]} bins, the loss {len(self.centers)}")
        ab = tf.cast(y_true, tf.float32) * 128.0
        factor = ab.shape[1] // y_pred.shape[1] if ab.shape[1] and y_pred.shape[1] else 1
        if factor > 1:  # a head that predicts at 1/factor of the input size: average the target down
            ab = tf.nn.avg_pool2d(ab, factor, factor, "VALID")
        index, weights = neighbor_table(self.centers).nearest(ab)
        picked = tf.gather(tf.cast(y_pred, tf.float32), index, batch_dims=index.shape.rank - 1)
        loss = -tf.reduce_sum(weights * tf.math.log(tf.maximum(picked, 1e-7)), axis=-1)
        if self.class_weights is not None:
            loss = loss * tf.gather(tf.convert_to_tensor(self.class_weights), index[..., 0])
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
