"""Classification colorization (Zhang et al.'s ab bins, Hwang & Zhou's per-channel bins)."""

import numpy as np
import keras

from deepcolor.classification import (PerChannelBinsCrossEntropy, SoftEncodedCrossEntropy, ab_gamut_bins,
                                      annealed_mean, decode_per_channel, rebalancing_weights, soft_encode,
                                      uv_bin_centers)
from deepcolor.encodings import get_encoding


def test_in_gamut_bins_span_zhangs_range():
    centers = ab_gamut_bins()
    # Zhang et al.'s 313 come from their own gamut test (pts_in_hull.npy); ours: every grid-10 bin an
    # 8-bit sRGB color falls into, over exactly their a and b ranges.
    assert centers.shape == (261, 2) and not (centers % 10).any()
    assert (centers[:, 0].min(), centers[:, 0].max(), centers[:, 1].min(), centers[:, 1].max()) == (-90, 100, -110, 90)
    assert get_encoding("ab_bins").channels == 261


def test_decoding_a_one_hot_returns_that_bins_ab_and_t_to_zero_gives_the_mode():
    centers = ab_gamut_bins()
    for k in (0, 57, 260):
        one_hot = np.eye(len(centers), dtype=np.float32)[k]
        np.testing.assert_allclose(np.asarray(annealed_mean(one_hot, centers)), centers[k], atol=1e-3)
    rng = np.random.default_rng(0)
    p = rng.random((5, len(centers))).astype(np.float32)
    p /= p.sum(-1, keepdims=True)
    mode = centers[p.argmax(-1)]
    np.testing.assert_allclose(np.asarray(annealed_mean(p, centers, temperature=1e-6)), mode, atol=1e-3)
    mean = p @ centers  # T = 1 is the plain mean
    np.testing.assert_allclose(np.asarray(annealed_mean(p, centers, temperature=1.0)), mean, rtol=1e-4, atol=1e-3)


def test_soft_encoding_uses_five_nearest_bins_with_gaussian_weights():
    centers = ab_gamut_bins()
    ab = np.array([[12.0, -33.0], [0.0, 0.0]], np.float32)
    target = np.asarray(soft_encode(ab, centers))
    assert target.shape == (2, len(centers))
    np.testing.assert_allclose(target.sum(-1), 1.0, atol=1e-5)
    assert ((target > 0).sum(-1) == 5).all()
    d2 = ((ab[0] - centers) ** 2).sum(-1)
    nearest = np.argsort(d2)[:5]
    expected = np.exp(-d2[nearest] / (2 * 5.0 ** 2))
    np.testing.assert_allclose(target[0, nearest], expected / expected.sum(), rtol=1e-4)


def test_rebalancing_weights_have_unit_mean_under_the_data_and_favour_rare_colors():
    centers = ab_gamut_bins()
    rng = np.random.default_rng(1)
    samples = np.concatenate([rng.normal(0, 3, (5000, 2)), rng.normal([60, 60], 3, (50, 2))])  # mostly gray
    w = rebalancing_weights(samples, centers)
    nearest = np.argmin(((centers[:, None] - np.array([[0, 0], [60, 60]])[None]) ** 2).sum(-1), axis=0)
    assert w[nearest[1]] > 5 * w[nearest[0]]
    # E_p~[w] = 1 with p~ the smoothed histogram (recomputed here).
    hist = np.bincount(np.argmin(((samples[:, None] - centers[None]) ** 2).sum(-1), 1), minlength=len(centers))
    kernel = np.exp(-((centers[:, None] - centers[None]) ** 2).sum(-1) / 50.0)
    smoothed = kernel @ (hist / hist.sum())
    smoothed /= smoothed.sum()
    assert abs(float((smoothed * w).sum()) - 1.0) < 1e-4


def test_losses_prefer_the_right_bins_and_survive_a_round_trip(tmp_path):
    centers = ab_gamut_bins()
    y_true = np.array([[[[20.0 / 128, -40.0 / 128]]]], np.float32)
    right = np.asarray(soft_encode(y_true * 128, centers))
    wrong = np.roll(right, 40, axis=-1)
    loss = SoftEncodedCrossEntropy(class_weights=np.ones(len(centers)))
    assert float(loss(y_true, right)) < float(loss(y_true, wrong))
    restored = SoftEncodedCrossEntropy.from_config(loss.get_config())
    assert float(restored(y_true, right)) == float(loss(y_true, right))
    uv = np.array([[[[0.31, 0.77]]]], np.float32)
    good = np.zeros((1, 1, 1, 100), np.float32)
    good[..., 15] = good[..., 50 + 38] = 1.0
    per_channel = PerChannelBinsCrossEntropy()
    assert float(per_channel(uv, good)) < 1e-5 < float(per_channel(uv, np.roll(good, 3, -1)))
    np.testing.assert_allclose(np.asarray(decode_per_channel(good)).ravel(), uv_bin_centers()[[15, 38]], atol=1e-4)


def test_any_model_takes_a_classification_head(tmp_path):
    from deepcolor.models import build_model
    for encoding, channels in (("ab_bins", 261), ("uv_bins50", 100)):
        model = build_model("resnet18", 32, encoding)
        out = np.asarray(model(np.random.default_rng(2).random((2, 32, 32, 1), dtype=np.float32)))
        assert out.shape == (2, 32, 32, channels)
        sums = out.reshape(2, 32, 32, -1, channels // (2 if encoding == "uv_bins50" else 1)).sum(-1)
        np.testing.assert_allclose(sums, 1.0, atol=1e-4)
        path = str(tmp_path / f"{encoding}.keras")
        model.save(path)
        np.testing.assert_array_equal(np.asarray(keras.saving.load_model(path)(out[..., :1] * 0 + 0.5)),
                                      np.asarray(model(out[..., :1] * 0 + 0.5)))

