"""The metrics every experiment reports (docs/conventions.md), in one place.

- MSE in the experiment's own target space at the model's size (the number the papers report), and
  the Huber loss (delta 1) there too (report 000 tabulates its test Huber loss).
- PSNR and SSIM on sRGB uint8 (max value 255), as DDColor / CT2 compute them.
- Colorfulness (Hasler & Suesstrunk 2003) with absolute opponent differences, on 0-255 RGB, as
  DDColor / CT2 compute it; dCF = |mean CF of the colorized set - mean CF of the ground truth|.
- AuC of the per-pixel ab error (Zhang et al. 2016): the share of pixels whose Euclidean ab error
  is <= t, for integer t in 0..150, averaged over t (so 1.0 is perfect).
- Neutral chroma (ours): the mean Lab chroma sqrt(a² + b²) a colorization puts on the pixels whose true
  chroma is below 5 (white walls, gray roads, clouds): how much colour is invented where there is none.
"""

import numpy as np
import tensorflow as tf

from deepcolor import color

AUC_MAX_THRESHOLD = 150
NEUTRAL_CHROMA = 5.0  # Lab chroma below which a true pixel counts as neutral (about one JND is 2.3)


def lab_chroma(rgb_uint8):
    lab = color.rgb_to_lab(tf.cast(rgb_uint8, tf.float32) / 255.0)
    return tf.sqrt(tf.reduce_sum(tf.square(lab[..., 1:]), -1))


def neutral_chroma_sum(pred_uint8, true_uint8):
    """(sum of the predicted chroma over the truly neutral pixels, their count)."""
    neutral = lab_chroma(true_uint8) < NEUTRAL_CHROMA
    predicted = tf.boolean_mask(lab_chroma(pred_uint8), neutral)
    return float(tf.reduce_sum(tf.cast(predicted, tf.float64))), int(tf.size(predicted))


def colorfulness(rgb_uint8):
    """Per-image colorfulness of [B,H,W,3] uint8 -> [B]."""
    rgb = tf.cast(rgb_uint8, tf.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    rg = tf.abs(r - g)
    yb = tf.abs(0.5 * (r + g) - b)
    std = tf.sqrt(tf.math.reduce_variance(rg, [1, 2]) + tf.math.reduce_variance(yb, [1, 2]))
    mean = tf.sqrt(tf.reduce_mean(rg, [1, 2]) ** 2 + tf.reduce_mean(yb, [1, 2]) ** 2)
    return std + 0.3 * mean


def ab_error_histogram(pred_uint8, true_uint8):
    """Counts of pixels by ceil(ab error), bins 0..150 plus one overflow bin -> [152] int64."""
    pred_ab = color.rgb_to_lab(tf.cast(pred_uint8, tf.float32) / 255.0)[..., 1:]
    true_ab = color.rgb_to_lab(tf.cast(true_uint8, tf.float32) / 255.0)[..., 1:]
    error = tf.norm(pred_ab - true_ab, axis=-1)
    bins = tf.cast(tf.minimum(tf.math.ceil(error), AUC_MAX_THRESHOLD + 1), tf.int32)
    return tf.math.bincount(tf.reshape(bins, [-1]), minlength=AUC_MAX_THRESHOLD + 2,
                            maxlength=AUC_MAX_THRESHOLD + 2, dtype=tf.int64)


def auc_from_histogram(histogram):
    """AuC in [0,1]: error <= t  <=>  ceil(error) <= t, so the cumulative counts give the curve."""
    histogram = np.asarray(histogram, dtype=np.float64)
    accuracy = np.cumsum(histogram)[:AUC_MAX_THRESHOLD + 1] / max(histogram.sum(), 1.0)
    return float(accuracy.mean())


class ColorizationMetrics:
    """Accumulates one row of the metrics table over batches."""

    def __init__(self):
        self.squared_error_sum = 0.0
        self.huber_sum = 0.0
        self.values = 0
        self.psnr, self.ssim, self.cf_pred, self.cf_true, self.psnr_raw = [], [], [], [], []
        self.histogram = np.zeros(AUC_MAX_THRESHOLD + 2, np.int64)
        self.neutral_sum, self.neutral_pixels = 0.0, 0

    def update_target(self, prediction, target):
        diff = tf.cast(prediction, tf.float64) - tf.cast(target, tf.float64)
        self.squared_error_sum += float(tf.reduce_sum(diff * diff))
        absolute = tf.abs(diff)
        self.huber_sum += float(tf.reduce_sum(tf.where(absolute <= 1.0, 0.5 * diff * diff, absolute - 0.5)))
        self.values += int(tf.size(diff))

    def update_srgb(self, pred_uint8, true_uint8):
        self.psnr += list(tf.image.psnr(pred_uint8, true_uint8, max_val=255).numpy())
        self.ssim += list(tf.image.ssim(tf.cast(pred_uint8, tf.float32), tf.cast(true_uint8, tf.float32),
                                        max_val=255.0).numpy())
        self.cf_pred += list(colorfulness(pred_uint8).numpy())
        self.cf_true += list(colorfulness(true_uint8).numpy())
        self.histogram += ab_error_histogram(pred_uint8, true_uint8).numpy()
        total, count = neutral_chroma_sum(pred_uint8, true_uint8)
        self.neutral_sum, self.neutral_pixels = self.neutral_sum + total, self.neutral_pixels + count

    def update_raw(self, raw_uint8, true_uint8):
        """PSNR of a model's raw RGB output (the way report 002 measured it), when it has one."""
        self.psnr_raw += list(tf.image.psnr(raw_uint8, true_uint8, max_val=255).numpy())

    def result(self):
        def mean(values):
            # PSNR is inf for a perfect image; cap it so averages stay finite and comparable.
            return float(np.mean(np.minimum(values, 100.0))) if values else None
        cf_pred, cf_true = mean(self.cf_pred), mean(self.cf_true)
        return {
            "images": len(self.psnr),
            "mse_target": self.squared_error_sum / self.values if self.values else None,
            "huber_target": self.huber_sum / self.values if self.values else None,
            "psnr": mean(self.psnr), "ssim": mean(self.ssim),
            "colorfulness": cf_pred, "colorfulness_truth": cf_true,
            "delta_colorfulness": abs(cf_pred - cf_true) if self.psnr else None,
            "auc_ab": auc_from_histogram(self.histogram) if self.psnr else None,
            "psnr_raw_output": mean(self.psnr_raw),
            "neutral_chroma": self.neutral_sum / self.neutral_pixels if self.neutral_pixels else None,
        }
