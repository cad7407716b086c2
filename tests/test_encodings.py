import numpy as np
import pytest
import tensorflow as tf

from deepcolor import color
from deepcolor.color import encodings
from deepcolor.color.encodings import ENCODINGS, get_encoding

TARGET_RANGES = {"rgb01": (0, 1), "rgb_pm1": (-1, 1), "ab_pm1": (-1, 1), "uv01": (0, 1)}


REGRESSION = sorted(n for n in ENCODINGS if "bins" not in n)


@pytest.mark.parametrize("name", REGRESSION)
def test_target_round_trips_to_the_image(name, real_photos):
    enc = get_encoding(name)
    rgb = tf.constant(real_photos[1][None].astype(np.float32) / 255.0)
    gray, target = enc.model_input(rgb), enc.target(rgb)
    assert gray.shape[-1] == 1 and target.shape[-1] == enc.channels
    low, high = TARGET_RANGES[name]
    assert target.numpy().min() >= low - 1e-6 and target.numpy().max() <= high + 1e-6
    # A perfect prediction, recombined with the image's own L, gives the image back.
    back = enc.prediction_to_rgb(target, rgb).numpy()
    assert np.abs(back - rgb.numpy()).max() < 1.0 / 255.0, name


@pytest.mark.parametrize("name, regression, classes", [("ab_bins", "ab_pm1", 313), ("ab_bins_gamut", "ab_pm1", 261),
                                                     ("uv_bins50", "uv01", 100)])
def test_classification_encodings_keep_their_regression_targets(name, regression, classes, real_photos):
    # The pipeline hands them a, b / 128 (or uv01); their losses encode the bins in-graph.
    rgb = tf.constant(real_photos[1][None].astype(np.float32) / 255.0)
    enc = get_encoding(name)
    np.testing.assert_array_equal(enc.target(rgb).numpy(), get_encoding(regression).target(rgb).numpy())
    assert enc.channels == classes


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_gray_input_is_in_unit_range_or_pm1(name):
    enc = get_encoding(name)
    rgb = tf.constant([[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]])
    gray = enc.model_input(rgb).numpy().ravel()
    if name == "rgb_pm1":
        np.testing.assert_allclose(gray, [-1, 1], atol=1e-4)
    else:
        np.testing.assert_allclose(gray, [0, 1], atol=1e-4)


def test_uv_bounds_cover_the_srgb_gamut():
    """The fixed uv01 bounds contain every 8-bit sRGB color and are tight (within 0.05)."""
    levels = np.arange(256, dtype=np.float32) / 255.0
    lo, hi = np.full(2, np.inf), np.full(2, -np.inf)
    for r in levels[::1]:
        g, b = np.meshgrid(levels, levels, indexing="ij")
        rgb = np.stack([np.full_like(g, r), g, b], axis=-1)
        uv = color.rgb_to_luv(rgb).numpy()[..., 1:].reshape(-1, 2)
        lo, hi = np.minimum(lo, uv.min(0)), np.maximum(hi, uv.max(0))
    bounds_lo = np.array([encodings.U_RANGE[0], encodings.V_RANGE[0]])
    bounds_hi = np.array([encodings.U_RANGE[1], encodings.V_RANGE[1]])
    assert np.all(bounds_lo <= lo) and np.all(hi <= bounds_hi), (lo, hi)
    assert np.all(lo - bounds_lo < 0.05) and np.all(bounds_hi - hi < 0.05), (lo, hi)


def test_unknown_encoding_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown encoding 'lab'"):
        get_encoding("lab")
