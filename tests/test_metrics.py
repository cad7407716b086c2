import numpy as np
import pytest
import tensorflow as tf

from deepcolor import color
from deepcolor.color.metrics import ColorizationMetrics, ab_error_histogram, auc_from_histogram, colorfulness


def test_colorfulness_of_gray_is_zero_and_of_a_known_image():
    gray = np.full((1, 8, 8, 3), 120, np.uint8)
    assert float(colorfulness(gray)[0]) == 0.0
    # Half pure red, half pure blue: rg = 255|0, yb = 127.5|255 -> computed by hand below.
    image = np.zeros((1, 2, 2, 3), np.uint8)
    image[0, 0, :, 0] = 255
    image[0, 1, :, 2] = 255
    rg, yb = np.array([255, 255, 0, 0.0]), np.array([127.5, 127.5, 255, 255])
    expected = np.sqrt(rg.var() + yb.var()) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    assert float(colorfulness(image)[0]) == pytest.approx(expected, rel=1e-5)


def test_auc_is_one_for_a_perfect_prediction_and_exact_for_a_constant_error():
    rgb = (np.random.default_rng(0).random((1, 16, 16, 3)) * 255).astype(np.uint8)
    assert auc_from_histogram(ab_error_histogram(rgb, rgb)) == 1.0
    # Every pixel off by exactly 10 ab units -> accuracy 0 for t < 10, 1 from t = 10: AuC = 141/151.
    hist = np.zeros(152, np.int64)
    hist[10] = 256
    assert auc_from_histogram(hist) == pytest.approx(141 / 151)
    hist = np.zeros(152, np.int64)
    hist[151] = 5  # all errors above 150
    assert auc_from_histogram(hist) == 0.0


def test_table_row_values():
    truth = (np.random.default_rng(1).random((2, 32, 32, 3)) * 255).astype(np.uint8)
    m = ColorizationMetrics()
    m.update_target(tf.constant([[0.5, 0.5]]), tf.constant([[0.0, 1.0]]))
    m.update_srgb(truth, truth)
    m.update_raw(truth, truth)
    row = m.result()
    assert row["mse_target"] == pytest.approx(0.25)
    assert row["images"] == 2 and row["psnr"] == 100.0 and row["ssim"] == pytest.approx(1.0)
    assert row["delta_colorfulness"] == 0.0 and row["auc_ab"] == 1.0


def test_psnr_matches_the_textbook_formula():
    a = np.full((1, 16, 16, 3), 100, np.uint8)
    b = np.full((1, 16, 16, 3), 110, np.uint8)
    m = ColorizationMetrics()
    m.update_srgb(b, a)
    assert m.result()["psnr"] == pytest.approx(10 * np.log10(255 ** 2 / 100), rel=1e-5)
