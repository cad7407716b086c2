"""deepcolor.color against scikit-image: < 1e-3 of each channel's range, round trips < 1/255."""

import numpy as np
import pytest
from skimage import color as skcolor

from deepcolor import color

# Extent of each channel over the sRGB gamut (the "range" the tolerance is a fraction of).
RANGES = {"lab": (100.0, 184.4, 202.3), "luv": (100.0, 258.1, 241.5), "yuv": (1.0, 0.872, 1.230)}
FORWARD = {"lab": (color.rgb_to_lab, skcolor.rgb2lab), "luv": (color.rgb_to_luv, skcolor.rgb2luv),
           "yuv": (color.rgb_to_yuv, skcolor.rgb2yuv)}
BACKWARD = {"lab": (color.lab_to_rgb, skcolor.lab2rgb), "luv": (color.luv_to_rgb, skcolor.luv2rgb),
            "yuv": (color.yuv_to_rgb, skcolor.yuv2rgb)}


def random_colors(n=200_000, seed=0):
    rng = np.random.default_rng(seed)
    colors = rng.random((n, 3))
    # Include the cube's corners, edges and near-black values where the formulas switch branches.
    corners = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], float)
    dark = rng.random((2000, 3)) * 0.01
    return np.concatenate([colors, corners, dark]).reshape(1, -1, 3)


@pytest.mark.parametrize("space", ["lab", "luv", "yuv"])
def test_forward_matches_skimage_on_random_colors(space):
    ours, theirs = FORWARD[space]
    rgb = random_colors()
    error = np.abs(ours(rgb.astype(np.float32)).numpy() - theirs(rgb)).reshape(-1, 3).max(axis=0)
    assert np.all(error < 1e-3 * np.array(RANGES[space])), (space, error)


@pytest.mark.parametrize("space", ["lab", "luv", "yuv"])
def test_backward_matches_skimage_on_in_gamut_colors(space):
    ours, theirs = BACKWARD[space]
    values = theirs and FORWARD[space][1](random_colors(50_000, seed=1))
    expected = np.clip(theirs(values), 0, 1)
    got = np.clip(ours(values.astype(np.float32)).numpy(), 0, 1)
    assert np.abs(got - expected).max() < 1e-3


@pytest.mark.parametrize("space", ["lab", "luv", "yuv"])
def test_forward_matches_skimage_on_real_photos(space, real_photos):
    ours, theirs = FORWARD[space]
    for photo in real_photos:
        rgb = photo.astype(np.float64) / 255.0
        error = np.abs(ours(rgb.astype(np.float32)).numpy() - theirs(rgb)).reshape(-1, 3).max(axis=0)
        assert np.all(error < 1e-3 * np.array(RANGES[space])), (space, photo.shape, error)


@pytest.mark.parametrize("space", ["lab", "luv", "yuv"])
def test_round_trip_within_one_level(space, real_photos):
    forward, backward = FORWARD[space][0], BACKWARD[space][0]
    samples = [random_colors(100_000, seed=2).astype(np.float32)]
    samples += [p[None].astype(np.float32) / 255.0 if p.ndim == 3 else p for p in real_photos]
    for rgb in samples:
        back = backward(forward(rgb)).numpy()
        assert np.abs(back - rgb).max() < 1.0 / 255.0, space


def test_conversions_are_batched_and_run_in_a_graph():
    import tensorflow as tf
    batch = tf.random.uniform([4, 8, 8, 3], seed=3)
    lab = tf.function(color.rgb_to_lab)(batch)
    assert lab.shape == (4, 8, 8, 3) and lab.dtype == tf.float32
    np.testing.assert_allclose(lab.numpy()[2], color.rgb_to_lab(batch[2]).numpy(), atol=1e-4)


def test_lightness_and_luma_helpers_agree_with_full_conversions(real_photos):
    rgb = real_photos[0].astype(np.float32) / 255.0
    np.testing.assert_allclose(color.lab_lightness(rgb).numpy()[..., 0], color.rgb_to_lab(rgb).numpy()[..., 0],
                               atol=1e-3)
    np.testing.assert_allclose(color.rgb_to_luma(rgb).numpy()[..., 0], skcolor.rgb2yuv(rgb)[..., 0], atol=1e-5)


def test_gray_has_zero_chroma():
    gray = np.linspace(0, 1, 256, dtype=np.float32)[:, None].repeat(3, axis=1)
    lab = color.rgb_to_lab(gray).numpy()
    luv = color.rgb_to_luv(gray).numpy()
    assert np.abs(lab[:, 1:]).max() < 1e-2 and np.abs(luv[:, 1:]).max() < 1e-2


def test_uint8_fast_paths_match_the_exact_conversions():
    """The look-up-table paths used at full resolution: exact from uint8, at most one level to uint8."""
    import tensorflow as tf
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (1, 300, 300, 3), dtype=np.uint8)
    exact_l = color.lab_lightness(image.astype(np.float32) / 255.0).numpy()
    np.testing.assert_allclose(color.lab_lightness_from_uint8(image).numpy(), exact_l, atol=1e-2)
    lab = color.rgb_to_lab(rng.random((200_000, 3)).astype(np.float32)).numpy()
    lab[:, 1:] += rng.normal(0, 20, (200_000, 2))  # include out-of-gamut chroma, as predictions have
    xyz = color.lab_to_xyz(lab)
    exact = np.round(color.xyz_to_rgb(xyz).numpy() * 255.0)
    for fast in (color.xyz_to_uint8(xyz), color.lab_to_uint8(lab)):
        difference = np.abs(fast.numpy().astype(np.float64) - exact)
        assert difference.max() <= 1 and (difference > 0).mean() < 0.02


def test_gamut_fit_searches_only_the_outside_pixels_with_the_same_result():
    """The bisection over the out-of-gamut pixels alone equals the bisection over every pixel
    (every pixel's search is independent), and the one-pass uint8 conversion equals the two-step one."""
    import tensorflow as tf
    rng = np.random.default_rng(0)
    lab = np.stack([rng.uniform(0, 100, 4000), rng.uniform(-110, 110, 4000), rng.uniform(-110, 110, 4000)], -1)
    lab = lab.reshape(2, 40, 50, 3).astype(np.float32)

    def every_pixel(lab, iterations=8, tolerance=1e-3):  # the search as first written: all pixels
        lightness, chroma = lab[..., :1], lab[..., 1:]

        def inside(scale):
            linear = color._linear_from_lab(tf.concat([lightness, chroma * scale], -1))
            return tf.reduce_all((linear >= -tolerance) & (linear <= 1.0 + tolerance), axis=-1, keepdims=True)
        fits = inside(1.0)
        low, high = tf.zeros_like(lightness), tf.ones_like(lightness)
        for _ in range(iterations):
            middle = 0.5 * (low + high)
            ok = inside(middle)
            low, high = tf.where(ok, middle, low), tf.where(ok, high, middle)
        return tf.concat([lightness, chroma * tf.where(fits, 1.0, low)], -1)

    expected = every_pixel(tf.constant(lab)).numpy()
    fitted = color.fit_chroma_to_gamut(lab).numpy()
    outside = np.abs(fitted - lab).max(-1) > 0
    assert 0.2 < outside.mean() < 0.95  # the test really has both kinds
    np.testing.assert_allclose(fitted, expected, atol=1e-5)
    np.testing.assert_array_equal(fitted[..., 0], lab[..., 0])  # lightness kept
    np.testing.assert_array_equal(color.lab_to_uint8_in_gamut(lab).numpy(), color.lab_to_uint8(fitted).numpy())
