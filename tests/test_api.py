"""The Python API and the colorize CLI with the shipped default model: load paths, any-size round
trips that keep the lightness, samples, render size, and typed exceptions (never SystemExit)."""

import os

import numpy as np
import pytest
from PIL import Image

import deepcolor
from deepcolor.errors import DeepColorError, ModelNotFoundError, UnsupportedOptionError
from tests.conftest import run_module


def lab(rgb_uint8):
    from skimage.color import rgb2lab
    return rgb2lab(np.asarray(rgb_uint8)[..., :3])


@pytest.fixture(scope="module")
def model():
    return deepcolor.load()


@pytest.fixture(scope="module")
def photo():
    from skimage import data
    return data.coffee()[50:287, 30:413]  # 237 x 383: no size the model knows


def test_the_default_model_ships_inside_the_package_small_with_its_card(model):
    folder = os.path.join(os.path.dirname(deepcolor.__file__), "pretrained", "default")
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    assert size < 20 * 2**20
    card = open(os.path.join(folder, "README.md"), encoding="utf-8").read()
    for needed in ("gray baseline", "Command", "Training time", "Known failure modes", "Licen",
                   "EfficientNet-Lite", "v1"):
        assert needed in card, needed
    assert model.encoding == "ab_bins" and model.can_sample
    # The first default model stays loadable by name, so figures made with it reproduce.
    v1 = deepcolor.load("v1")
    assert v1.encoding == "ab_bins" and v1.keras_model.count_params() != model.keras_model.count_params()


def test_colorize_keeps_any_size_and_the_lightness_and_adds_colour(model, photo):
    for image in (photo, photo[:1, :1], photo[:7, :300], photo[..., 0]):  # 1x1, a strip, gray [H, W]
        out = model.colorize(image)
        assert out.shape == image.shape[:2] + (3,) and out.dtype == np.uint8
        source = image if image.ndim == 3 else np.repeat(image[..., None], 3, -1)
        assert np.abs(lab(out)[..., 0] - lab(source)[..., 0]).max() < 1.0  # L kept (8-bit rounding)
    chroma = np.hypot(*np.moveaxis(lab(model.colorize(photo))[..., 1:], -1, 0))
    assert chroma.mean() > 5  # not a gray or sepia wash


def test_paths_pil_images_and_arrays_give_the_same_result_and_the_one_liner_writes_a_file(model, photo, tmp_path):
    path = tmp_path / "in.png"
    Image.fromarray(photo).save(path)
    by_array = model.colorize(photo)
    np.testing.assert_array_equal(model.colorize(str(path)), by_array)
    np.testing.assert_array_equal(model.colorize(Image.open(path)), by_array)
    result = deepcolor.colorize(str(path), str(tmp_path / "out.png"))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out.png")), result)
    rgba = np.dstack([photo, np.full(photo.shape[:2], 100, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "alpha.png")
    deepcolor.colorize(str(tmp_path / "alpha.png"), str(tmp_path / "alpha_out.png"))
    assert np.asarray(Image.open(tmp_path / "alpha_out.png")).shape == rgba.shape  # alpha kept


def test_no_coloured_frame_along_the_borders(model):
    from skimage import data
    photo = data.astronaut()
    chroma = np.hypot(*np.moveaxis(lab(model.colorize(photo))[..., 1:], -1, 0))
    inner = chroma[16:-16, 16:-16].mean()
    for edge in (chroma[:3], chroma[-3:], chroma[:, :3], chroma[:, -3:]):
        # The outermost pixels are no more colourful than the picture inside: no tinted frame.
        assert edge.mean() < 1.5 * inner + 3


def test_samples_differ_in_hue_keep_the_lightness_and_are_seeded(model, photo):
    samples = model.colorize(photo, samples=3, seed=4)
    assert len(samples) == 3
    for s in samples:
        assert s.shape == photo.shape and s.dtype == np.uint8
        assert np.abs(lab(s)[..., 0] - lab(photo)[..., 0]).max() < 1.0
    hues = [np.angle(np.mean(np.exp(1j * np.arctan2(lab(s)[..., 2], lab(s)[..., 1])))) for s in samples]
    ab = [lab(s)[..., 1:] for s in samples]
    assert max(np.abs(ab[i] - ab[j]).mean() for i in range(3) for j in range(i)) > 1.0, hues
    again = model.colorize(photo, samples=3, seed=4)
    for a, b in zip(samples, again):
        np.testing.assert_array_equal(a, b)


def test_temperature_and_render_size_change_the_colours_not_the_size(model, photo):
    base = model.colorize(photo)
    sharper = model.colorize(photo, temperature=0.2)
    larger = model.colorize(photo, render_size=2 * model.image_size)
    for out in (sharper, larger):
        assert out.shape == base.shape and not np.array_equal(out, base)


def test_every_load_path_gives_a_colorizer(run_dir, exported, tmp_path, photo):
    from deepcolor import pretrained
    small = photo[:40, :50]
    by_run = deepcolor.load(run_dir)
    by_keras = deepcolor.load(os.path.join(run_dir, "best.keras"))
    by_saved = deepcolor.load(exported)
    expected = by_run.colorize(small)
    np.testing.assert_array_equal(by_keras.colorize(small), expected)
    assert np.abs(by_saved.colorize(small).astype(int) - expected.astype(int)).max() <= 1
    pretrained.save_preset(by_run.keras_model, str(tmp_path / "preset"), by_run.encoding, by_run.image_size)
    by_preset = deepcolor.load(str(tmp_path / "preset"))
    assert np.abs(by_preset.colorize(small).astype(int) - expected.astype(int)).max() <= 2  # float16 weights
    assert by_keras.encoding == "rgb01" and by_keras.image_size == 32


def test_library_errors_are_typed_never_system_exit(run_dir, tmp_path, photo):
    with pytest.raises(ModelNotFoundError, match="not found"):
        deepcolor.load(str(tmp_path / "nothing"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelNotFoundError, match="no config.json"):
        deepcolor.load(str(empty))
    (tmp_path / "bad.jpg").write_bytes(b"not an image")
    model = deepcolor.load(run_dir)
    with pytest.raises(DeepColorError, match="cannot|not"):
        model.colorize(str(tmp_path / "bad.jpg"))
    with pytest.raises(DeepColorError, match="uint8"):
        model.colorize(photo.astype(np.float32))
    with pytest.raises(UnsupportedOptionError, match="samples"):
        model.colorize(photo, samples=2)  # a regression model predicts one colour per pixel


def test_colorize_cli_uses_the_default_model_and_writes_samples(tmp_path, photo):
    Image.fromarray(photo).save(tmp_path / "old.jpg")
    out = tmp_path / "out"
    proc = run_module("deepcolor.colorize", tmp_path / "old.jpg", "--out", out, "--samples", "2", "--seed", "1")
    assert "colorized 1, skipped 0 (already done), failed 0" in proc.stdout
    names = sorted(os.listdir(out))
    assert names == ["old_sample1.jpg", "old_sample2.jpg"]  # the input's format family
    assert Image.open(out / names[0]).size == (photo.shape[1], photo.shape[0])
    proc = run_module("deepcolor.colorize", tmp_path / "old.jpg", "--out", out, "--model", tmp_path / "missing",
                      check=False)
    assert proc.returncode == 2 and "error: --model" in proc.stderr and "Traceback" not in proc.stderr
