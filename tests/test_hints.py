"""Colour hints: parsing, the hint map, simulated training hints, the hint model, API, command line, page."""

import json
import os

import keras
import numpy as np
import pytest
from PIL import Image

from tests.conftest import run_command
from deepcolor.color import hints as H
from deepcolor.color.hints import HintError
from deepcolor.errors import UnsupportedOptionError
from deepcolor.models import build_model

SIZE = 64


def hint_unet(hints=True, **options):
    keras.utils.set_random_seed(0)
    return build_model("unet", SIZE, "ab_bins", weights="none", head="half", encoder="efficientnet_lite0",
                       hints=hints, **options)


@pytest.fixture(scope="module")
def hint_model_file(tmp_path_factory):
    """A small untrained hint model (the default's architecture at 64 x 64), as a .keras file."""
    path = str(tmp_path_factory.mktemp("hints") / "hints.keras")
    hint_unet().save(path)
    return path


@pytest.mark.parametrize("text, rgb", [("#2050c0", (32, 80, 192)), ("2050C0", (32, 80, 192)), ("#fff", (255, 255, 255)),
                                       ("32,80,192", (32, 80, 192))])
def test_colours_parse(text, rgb):
    assert H.parse_color(text) == rgb


@pytest.mark.parametrize("text, words", [("#zz0000", "#RRGGBB"), ("300,0,0", "0-255"), ("blue", "#RRGGBB")])
def test_bad_colours_name_the_string_and_the_forms(text, words):
    with pytest.raises(HintError, match=words) as info:
        H.parse_color(text)
    assert repr(text) in str(info.value)


def test_hints_parse_and_bad_ones_say_what_is_expected():
    assert H.parse_hint("120,80,#2050c0") == (120.0, 80.0, (32, 80, 192))
    assert H.parse_hint("1.5,2,10,20,30") == (1.5, 2.0, (10, 20, 30))
    for bad, words in [("120,#2050c0", "X,Y,COLOUR"), ("a,b,#2050c0", "must be numbers")]:
        with pytest.raises(HintError, match=words):
            H.parse_hint(bad)
    with pytest.raises(HintError, match="colour must be"):
        H.as_point((1, 2, (300, 0, 0)))


def test_hints_file_reads_both_forms_and_names_the_bad_entry(tmp_path):
    good = tmp_path / "h.json"
    good.write_text(json.dumps([{"x": 3, "y": 4, "color": "#102030"}, [5, 6, [1, 2, 3]]]))
    assert H.read_hints_file(str(good)) == [(3.0, 4.0, (16, 32, 48)), (5.0, 6.0, (1, 2, 3))]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"x": 3, "y": 4, "color": "#102030"}, {"x": 1, "y": 1, "color": "nope"}]))
    with pytest.raises(HintError, match=r"bad.json: hint 2: colour 'nope'"):
        H.read_hints_file(str(bad))
    (tmp_path / "text.json").write_text("not json")
    with pytest.raises(HintError, match="not a JSON file of hints"):
        H.read_hints_file(str(tmp_path / "text.json"))


def test_a_point_lands_at_its_place_with_its_chroma():
    # A 100 x 200 photo squashed to 64: pixel (x=100, y=50) is the model's (32, 32).
    hint = H.hint_map([(100, 50, "#2050c0")], None, height=100, width=200, image_size=SIZE)
    painted = np.argwhere(hint[..., 2] > 0)
    assert painted.min(0).tolist() == [31, 31] and painted.max(0).tolist() == [33, 33]
    from deepcolor import color
    ab = np.asarray(color.rgb_to_lab(np.array([32, 80, 192], np.float32) / 255))[1:] / 128
    np.testing.assert_allclose(hint[32, 32, :2], ab, atol=1e-5)
    assert not hint[0, 0].any()


def test_points_outside_the_photo_and_bad_masks_are_refused_with_the_reason():
    with pytest.raises(HintError, match=r"outside the photo \(200 x 100 pixels"):
        H.hint_map([(200, 10, "#fff")], None, height=100, width=200, image_size=SIZE)
    with pytest.raises(HintError, match="the photo 200 x 100"):
        H.hint_map((), np.zeros((10, 10, 4), np.uint8), height=100, width=200, image_size=SIZE)
    with pytest.raises(HintError, match="no transparency"):
        H.hint_map((), np.zeros((100, 200, 3), np.uint8), height=100, width=200, image_size=SIZE)


def test_scribbles_average_down_to_the_model_size():
    mask = np.zeros((100, 200, 4), np.uint8)
    mask[40:60, 20:60] = (200, 30, 30, 255)  # a red stroke
    hint = H.hint_map((), mask, height=100, width=200, image_size=SIZE)
    covered = hint[..., 2] > 0
    assert covered[int(50 * 0.64), int(40 * 0.32)] and covered.sum() < 0.05 * SIZE * SIZE
    assert (hint[covered][:, 0] > 0.3).all()  # red: a strongly positive


def test_simulated_hints_reveal_patch_means_and_leave_some_images_bare():
    import tensorflow as tf
    rng = np.random.default_rng(0)
    rgb = tf.constant(rng.random((64, 32, 32, 3)), tf.float32)
    hints = np.asarray(H.simulate_hints(rgb, tf.constant([3, 4], tf.int64)))
    assert hints.shape == (64, 32, 32, 3)
    bare = (hints[..., 2].reshape(64, -1).sum(1) == 0).mean()
    assert 0.1 < bare < 0.45  # P_NO_HINTS = 0.25 (plus the rare draws that land nowhere)
    assert set(np.unique(hints[..., 2])) <= {0.0, 1.0} and np.abs(hints[..., :2]).max() <= 1.0
    again = np.asarray(H.simulate_hints(rgb, tf.constant([3, 4], tf.int64)))
    np.testing.assert_array_equal(hints, again)  # seeded: a resumed run sees the same hints


@pytest.mark.parametrize("design", ["gated", "add"])
def test_hint_model_without_hints_is_exactly_its_automatic_model(tmp_path, design):
    from deepcolor.train import warm_start
    automatic = hint_unet(hints=False)
    path = str(tmp_path / "automatic.keras")
    automatic.save(path)
    model = hint_unet(hint_design=design)
    assert model.input_shape == [(None, SIZE, SIZE, 1), (None, SIZE, SIZE, 3)]
    warm_start(model, path)
    gray = np.random.default_rng(1).random((2, SIZE, SIZE, 1), dtype=np.float32)
    no_hints = np.zeros((2, SIZE, SIZE, 3), np.float32)
    np.testing.assert_allclose(np.asarray(model([gray, no_hints])), np.asarray(automatic(gray)), atol=1e-6)
    some = no_hints.copy()
    some[:, 30:33, 30:33] = (0.5, -0.3, 1.0)
    assert np.abs(np.asarray(model([gray, some])) - np.asarray(automatic(gray))).max() > 1e-4
    # and the hint model's config round-trips through .keras
    model.save(str(tmp_path / "hinted.keras"))
    loaded = keras.saving.load_model(str(tmp_path / "hinted.keras"))
    assert loaded.get_config()["hints"] is True
    np.testing.assert_array_equal(np.asarray(loaded([gray, some])), np.asarray(model([gray, some])))


def test_gated_hints_on_a_frozen_decoder_train_only_the_hint_layers(tmp_path):
    """hint_design="gated", decoder_trainable=False (the preset's recipe): only the hint branch learns, so
    without hints the model stays its donor exactly, however long it trains."""
    from deepcolor.train import warm_start
    automatic = hint_unet(hints=False)
    path = str(tmp_path / "automatic.keras")
    automatic.save(path)
    model = hint_unet(hint_design="gated", decoder_trainable=False, encoder_trainable=False)
    warm_start(model, path)
    trained = {w.path.split("/")[0] for w in model.trainable_weights}
    assert trained and all(name.startswith("hint") or name.endswith(("_hints", "_gate")) for name in trained)
    assert {"dec4_gate", "dec0_hints", "hint_up1_conv"} <= trained
    gray = np.random.default_rng(2).random((2, SIZE, SIZE, 1), dtype=np.float32)
    no_hints = np.zeros((2, SIZE, SIZE, 3), np.float32)
    np.testing.assert_allclose(np.asarray(model([gray, no_hints], training=True)), np.asarray(automatic(gray)),
                               atol=1e-6)  # in training mode too: the decoder's BatchNorm is frozen
    model.save(str(tmp_path / "gated.keras"))
    loaded = keras.saving.load_model(str(tmp_path / "gated.keras"))
    assert (loaded.get_config()["hint_design"], loaded.get_config()["decoder_trainable"]) == ("gated", False)
    assert len(loaded.trainable_weights) == len(model.trainable_weights)


def test_a_hint_spreads_over_its_surface_and_stops_at_an_edge():
    from deepcolor import color
    photo = np.full((100, 100, 3), 200, np.uint8)
    photo[:, 50:] = 40  # a light surface left of x = 50, a dark one right of it
    out = H.apply_hints(photo, [(45, 50, (150, 190, 250))], image_size=64, reach=0.1, lightness=10)
    chroma = np.hypot(*np.moveaxis(np.asarray(color.rgb_to_lab(out.astype(np.float32) / 255))[..., 1:], -1, 0))
    assert chroma[50, 38] > 10 and chroma[50, 30] > 5  # 7 and 15 pixels away on the same surface (sigma 10)
    assert chroma[:, 50:].max() < 1  # across the edge, from 5 pixels away: nothing
    assert chroma[50, 45] > 25  # and at the hint itself, its own colour


def test_hints_are_pinned_at_their_pixels_and_spread_only_near_them(hint_model_file, real_photos):
    import deepcolor
    from skimage.color import rgb2lab
    model = deepcolor.load(hint_model_file)
    photo = real_photos[1][:300, :400]
    asked = (96, 128, 160)
    network = model.colorizer()(photo, [(200, 150, asked)], network_only=True)
    pinned = model.colorize(photo, hints=[(200, 150, asked)])
    asked_ab = rgb2lab(np.array([[asked]], np.uint8))[0, 0, 1:]

    def shown(y, x):  # the asked chroma on the photo's lightness there, as far as sRGB can show it
        from deepcolor.color import fit_chroma_to_gamut
        lab = np.array([[rgb2lab(photo[y:y + 1, x:x + 1])[0, 0, 0], *asked_ab]], np.float32)
        return np.asarray(fit_chroma_to_gamut(lab))[0, 1:]
    assert np.abs(rgb2lab(pinned)[150, 200, 1:] - shown(150, 200)).max() < 2.0
    changed = np.argwhere((pinned != network).any(-1))
    assert len(changed) and np.hypot(*(changed - (150, 200)).T).max() <= 3 * H.SPREAD_REACH * 400 + 1
    pinned_only = H.apply_hints(network, [(200, 150, asked)], image_size=model.image_size, reach=0)
    changed = np.argwhere((pinned_only != network).any(-1))
    assert np.hypot(*(changed - (150, 200)).T).max() <= H._pin_radius(300, 400, model.image_size) + 1
    mask = np.zeros((300, 400, 4), np.uint8)
    mask[20:30, 40:60] = (*asked, 255)
    painted = model.colorize(photo, hints=mask)
    assert np.abs(rgb2lab(painted)[25, 50, 1:] - shown(25, 50)).max() < 2.0
    assert np.abs(rgb2lab(painted)[..., 0] - rgb2lab(photo)[..., 0]).max() < 1.0


def test_training_a_hint_model_feeds_it_simulated_hints(tmp_path):
    from deepcolor.train import main as train_main
    out = tmp_path / "run"
    proc = run_command(train_main, "--arch", "unet", "--data", "sample", "--image-size", "64", "--batch-size", "4",
                      "--epochs", "1", "--steps-per-epoch", "2", "--encoding", "ab_bins", "--loss", "cross_entropy",
                      "--rebalance", "none", "--weights", "none", "--model-option", "head=half",
                      "--model-option", "encoder=efficientnet_lite0", "--model-option", "hints=true", "--out", out)
    assert "training unet (" in proc.stdout and (out / "best.keras").exists()
    import deepcolor
    model = deepcolor.load(str(out))
    assert model.takes_hints


def test_api_follows_points_and_masks_and_refuses_bad_hints(hint_model_file, real_photos):
    import deepcolor
    model = deepcolor.load(hint_model_file)
    photo = real_photos[1][:300, :400]  # coffee, 400 x 300
    plain = model.colorize(photo)
    hinted = model.colorize(photo, hints=[(200, 150, "#2050c0"), (10, 10, (200, 30, 30))])
    assert hinted.shape == photo.shape and not np.array_equal(hinted, plain)
    from skimage.color import rgb2lab
    assert np.abs(rgb2lab(hinted)[..., 0] - rgb2lab(photo)[..., 0]).max() < 1.0  # the photo's own lightness
    mask = np.zeros((300, 400, 4), np.uint8)
    mask[100:140, 150:250] = (32, 80, 192, 255)
    assert model.colorize(photo, hints=mask).shape == photo.shape
    assert np.array_equal(model.colorize(photo, hints=[]), plain)
    with pytest.raises(HintError, match="outside the photo"):
        model.colorize(photo, hints=[(400, 10, "#fff")])
    with pytest.raises(HintError, match="colour 'bleu'"):
        model.colorize(photo, hints=[(4, 10, "bleu")])
    with pytest.raises(HintError, match="the photo 400 x 300"):
        model.colorize(photo, hints=np.zeros((30, 40, 4), np.uint8))
    with pytest.raises(UnsupportedOptionError, match="one photo at a time"):
        model.colorize([photo, photo], hints=[(1, 1, "#fff")])


def test_a_model_without_hint_inputs_says_which_one_has_them(run_dir, real_photos):
    import deepcolor
    with pytest.raises(UnsupportedOptionError, match=r'takes no colour hints.*load\("hints"\)'):
        deepcolor.load(run_dir).colorize(real_photos[1], hints=[(1, 1, "#fff")])


def test_command_line_hints(hint_model_file, tmp_path, real_photos):
    from deepcolor.inference.colorize_files import main as colorize_main

    def colorize(*args, check=True):  # `deepcolor colorize ARGS`, in this process
        proc = run_command(colorize_main, *args)
        assert not check or proc.returncode == 0, proc.stderr
        return proc

    photo = tmp_path / "coffee.png"
    Image.fromarray(real_photos[1]).save(photo)  # 600 x 400
    out = tmp_path / "out.png"
    (tmp_path / "h.json").write_text(json.dumps([{"x": 300, "y": 200, "color": "#2050c0"}]))
    proc = colorize(photo, "--model", hint_model_file, "--hint", "100,50,#c83228",
                      "--hints", tmp_path / "h.json", "--out", out)
    assert "colorized 1" in proc.stdout and Image.open(out).size == (600, 400)
    mask = np.zeros((400, 600, 4), np.uint8)
    mask[10:30, 10:50] = (32, 80, 192, 255)
    Image.fromarray(mask).save(tmp_path / "mask.png")
    proc = colorize(photo, "--model", hint_model_file, "--hints", tmp_path / "mask.png",
                      "--out", tmp_path / "masked.png")
    assert "colorized 1" in proc.stdout
    bad = colorize(photo, "--model", hint_model_file, "--hint", "1,2,#zz", "--out",
                     tmp_path / "x.png", check=False)
    assert bad.returncode == 2 and "colour '#zz'" in bad.stderr and "Traceback" not in bad.stderr
    outside = colorize(photo, "--model", hint_model_file, "--hint", "900,2,#fff", "--out",
                         tmp_path / "y.png", check=False)
    assert outside.returncode == 1 and f"failed {photo}: hint at (900, 2) is outside the photo" in outside.stderr
    wrong = Image.fromarray(np.zeros((10, 10, 4), np.uint8))
    wrong.save(tmp_path / "small.png")
    small = colorize(photo, "--model", hint_model_file, "--hints", tmp_path / "small.png",
                       "--out", tmp_path / "z.png", check=False)
    assert small.returncode == 1 and "hint mask is 10 x 10 pixels, the photo 600 x 400" in small.stderr
    two = colorize(photo, photo, "--model", hint_model_file, "--hint", "1,2,#fff",
                     "--out", tmp_path / "folder", check=False)
    assert two.returncode == 2 and "exactly one photo" in two.stderr
    assert not any(name.startswith(("x.", "y.", "z.")) for name in os.listdir(tmp_path))


def test_page_colorizes_the_editor_photo_with_its_brushed_layers(hint_model_file, real_photos, tmp_path):
    pytest.importorskip("gradio")
    import deepcolor
    from deepcolor.web.colorize_page import build_page, colorize_with_hints
    model = deepcolor.load(hint_model_file)
    photo = real_photos[1][:200, :300]
    stroke = np.zeros((200, 300, 4), np.uint8)
    stroke[50:70, 100:200] = (32, 80, 192, 255)
    value = {"background": np.dstack([photo, np.full((200, 300), 255, np.uint8)]), "layers": [stroke], "composite": None}
    entry = colorize_with_hints(model, value, str(tmp_path))
    assert entry["hints"] == 20 * 100 and Image.open(entry["color"]).size == (300, 200)
    assert os.path.basename(entry["color"]) == "photo_colorized.png"
    bare = colorize_with_hints(model, {**value, "layers": []}, str(tmp_path))
    assert bare["hints"] == 0
    with pytest.raises(HintError, match="open a photo"):
        colorize_with_hints(model, {"background": None, "layers": []}, str(tmp_path))
    page = build_page(model)
    assert any(getattr(block, "elem_id", None) == "hint-editor" for block in page.blocks.values())
