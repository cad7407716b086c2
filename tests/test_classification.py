"""Classification colorization (Zhang et al.'s ab bins, Hwang & Zhou's per-channel bins)."""

import numpy as np
import keras

from deepcolor.color.classification import NeighborTable, PerChannelBinsCrossEntropy, SoftEncodedCrossEntropy, ab_gamut_bins, annealed_mean, decode_per_channel, imagenet_prior, prior_rebalancing_weights, rebalancing_weights, sample_chroma, soft_encode, uv_bin_centers, zhang_bins
from deepcolor.color.encodings import get_encoding


def test_ab_bins_are_zhangs_313_and_the_computed_gamut_stays_an_option():
    centers = zhang_bins()
    assert centers.shape == (313, 2) and not (centers % 10).any()
    assert get_encoding("ab_bins").channels == 313
    prior = imagenet_prior()
    assert prior.shape == (313,) and abs(prior.sum() - 1) < 1e-9
    assert tuple(centers[prior.argmax()]) == (0, 0)  # the ImageNet prior peaks at gray
    # Ours: every grid-10 bin an 8-bit sRGB color falls into (their a range, b up to 90).
    gamut = ab_gamut_bins()
    assert gamut.shape == (261, 2) and get_encoding("ab_bins_gamut").channels == 261
    assert (gamut[:, 0].min(), gamut[:, 0].max(), gamut[:, 1].min(), gamut[:, 1].max()) == (-90, 100, -110, 90)
    assert {tuple(c) for c in gamut} <= {tuple(c) for c in centers}


def test_the_neighbor_table_gives_the_same_soft_targets_as_the_search_over_all_bins():
    rng = np.random.default_rng(7)
    from skimage.color import rgb2lab
    ab = rgb2lab(rng.random((1, 20000, 3)))[0, :, 1:].astype(np.float32)  # every kind of in-gamut colour
    ab = np.concatenate([ab, [[0, 0], [0.0, 5.0], [100, -110], [-90, 100]]]).astype(np.float32)
    for centers in (zhang_bins(), ab_gamut_bins()):
        table = NeighborTable(centers)
        assert table.k <= 40  # instead of 313 (or 261) distances per pixel
        index, weights = (np.asarray(t) for t in table.nearest(ab))
        dense = np.asarray(soft_encode(ab, centers))
        fast = np.zeros_like(dense)
        np.put_along_axis(fast, index, weights, axis=-1)
        # Where the 5th and 6th nearest bins tie, either is right: compare the rest exactly.
        d2 = np.sort(((ab[:, None] - centers[None]) ** 2).sum(-1), axis=1)
        untied = d2[:, 5] - d2[:, 4] > 1e-3
        assert untied.mean() > 0.99
        np.testing.assert_allclose(fast[untied], dense[untied], atol=1e-6)
        np.testing.assert_allclose(fast.sum(-1), 1.0, atol=1e-5)


def test_the_loss_equals_the_dense_cross_entropy_and_handles_a_half_size_head():
    rng = np.random.default_rng(3)
    centers = zhang_bins()
    weights = prior_rebalancing_weights()
    y_true = (rng.random((2, 8, 8, 2), dtype=np.float32) - 0.5) * 0.8
    y_pred = rng.random((2, 8, 8, 313)).astype(np.float32) + 0.01
    y_pred /= y_pred.sum(-1, keepdims=True)
    target = np.asarray(soft_encode(y_true * 128, centers))
    expected = -(target * np.log(y_pred)).sum(-1) * weights[target.argmax(-1)]
    loss = SoftEncodedCrossEntropy(centers, weights, reduction=None)
    np.testing.assert_allclose(np.asarray(loss(y_true, y_pred)), expected, rtol=1e-5)
    # A head at half size: the target is averaged down to its size first.
    small = np.asarray(loss(y_true, y_pred[:, :4, :4]))
    pooled = y_true.reshape(2, 4, 2, 4, 2, 2).mean((2, 4))
    target = np.asarray(soft_encode(pooled * 128, centers))
    np.testing.assert_allclose(small, -(target * np.log(y_pred[:, :4, :4])).sum(-1) * weights[target.argmax(-1)], rtol=1e-5)


def test_prior_rebalancing_follows_zhangs_formula():
    w = prior_rebalancing_weights()
    p = imagenet_prior()
    expected = 1.0 / (0.5 * p + 0.5 / 313)
    np.testing.assert_allclose(w / w[0], expected / expected[0], rtol=1e-5)
    assert abs(float((p * w).sum()) - 1.0) < 1e-4 and w[p.argmax()] == w.min()


def test_samples_are_coherent_draws_that_differ_in_hue():
    centers = zhang_bins()
    # Every pixel equally sure of two colours (a blue and an orange mode): samples must pick one
    # mode per region (a few pixels between two regions mix them), differ between samples, and be
    # smooth (no per-pixel noise).
    blue, orange = np.argmin(((centers - [0, -40]) ** 2).sum(-1)), np.argmin(((centers - [30, 50]) ** 2).sum(-1))
    p = np.full((1, 32, 32, 313), 1e-6, np.float32)
    p[..., blue] = p[..., orange] = 0.5
    samples = np.asarray(sample_chroma(p, centers, 4, seed=1))
    assert samples.shape == (4, 1, 32, 32, 2)
    hue = np.arctan2(samples[..., 1], samples[..., 0])
    is_blue = np.abs(hue - np.arctan2(-40, 0)) < 0.3
    is_orange = np.abs(hue - np.arctan2(50, 30)) < 0.3
    assert (is_blue | is_orange).mean() > 0.7  # most pixels land on one of the modes, not between them
    assert 0.1 < is_blue.mean() < 0.9 and len({round(float(b.mean()), 2) for b in is_blue}) == 4  # both, varied ...
    changes = (is_blue[..., 1:, :] != is_blue[..., :-1, :]).mean()
    assert changes < 0.1  # ... in regions, not per pixel
    assert not np.array_equal(samples[0], samples[1])
    np.testing.assert_array_equal(samples, np.asarray(sample_chroma(p, centers, 4, seed=1)))  # seeded


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
    centers = zhang_bins()
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
    for encoding, channels in (("ab_bins", 313), ("ab_bins_gamut", 261), ("uv_bins50", 100)):
        model = build_model("resnet18", 32, encoding)
        out = np.asarray(model(np.random.default_rng(2).random((2, 32, 32, 1), dtype=np.float32)))
        assert out.shape == (2, 32, 32, channels)
        sums = out.reshape(2, 32, 32, -1, channels // (2 if encoding == "uv_bins50" else 1)).sum(-1)
        np.testing.assert_allclose(sums, 1.0, atol=1e-4)
        path = str(tmp_path / f"{encoding}.keras")
        model.save(path)
        np.testing.assert_array_equal(np.asarray(keras.saving.load_model(path)(out[..., :1] * 0 + 0.5)),
                                      np.asarray(model(out[..., :1] * 0 + 0.5)))

