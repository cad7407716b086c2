"""The colorize page (Gradio, deepcolor/web/colorize_page.py): what it does with each upload, the
limits it states and enforces, and that `deepcolor serve`'s app serves it. The page in a real
Chromium: tests/test_study.py::test_both_pages_in_a_real_browser."""

import json

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("gradio")
from fastapi.testclient import TestClient  # noqa: E402

import deepcolor  # noqa: E402
from deepcolor.color import rgb_to_lab  # noqa: E402
from deepcolor.web import colorize_page  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return deepcolor.load()


def _photo(path, shape=(123, 77, 3), seed=0):
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, shape, dtype=np.uint8)).save(path)
    return str(path)


def test_each_photo_keeps_its_size_name_and_lightness_and_variants_are_captioned(model, tmp_path):
    small = _photo(tmp_path / "small.png")
    result = colorize_page.colorize_uploads(model, [small], variants=3, out_root=str(tmp_path))
    assert result["problems"] == []
    (photo,) = result["photos"]
    color = np.asarray(Image.open(photo["color"]))
    assert color.shape == (123, 77, 3) and photo["color"].endswith("/small_colorized.png")
    gray = np.asarray(Image.open(small).convert("L"), np.float32)
    lightness = rgb_to_lab(color.astype(np.float32) / 255)[..., 0]
    assert np.abs(lightness - rgb_to_lab(np.repeat(gray[..., None], 3, -1) / 255)[..., 0]).mean() < 1.5
    assert model.can_sample and len(photo["variants"]) == 3
    assert [caption for _, caption in colorize_page._comparison(photo)] == [
        "gray input", "colorized", "variant 1", "variant 2", "variant 3"]


def test_bad_uploads_are_named_and_nothing_past_the_limits_is_dropped_silently(model, tmp_path):
    bomb = tmp_path / "bomb.png"
    Image.new("L", (9000, 9000)).save(bomb)  # 81 MP: refused from the header, before decoding
    text = tmp_path / "text.jpg"
    text.write_bytes(b"hello")
    big = tmp_path / "big.tif"
    big.write_bytes(b"\0" * ((colorize_page.MAX_FILE_MB << 20) + 1))
    good = [_photo(tmp_path / f"p{k}.png", (20, 30, 3), k) for k in range(21)]
    result = colorize_page.colorize_uploads(model, [str(bomb), str(text), str(big)] + good, out_root=str(tmp_path))
    assert [p["name"] for p in result["photos"]] == [f"p{k}.png" for k in range(17)]  # 20 per run, 3 of them bad
    problems = result["problems"]
    assert problems[0].startswith("bomb.png: ") and "pixel limit" in problems[0]
    assert problems[1].startswith("text.jpg: not a readable image")
    assert problems[2] == "big.tif: larger than the 25 MB limit"
    assert problems[3:] == [f"p{k}.png: not colorized: at most 20 photos per run" for k in range(17, 21)]
    assert not any("BytesIO" in p or " at 0x" in p or str(tmp_path) in p for p in problems)  # no objects, no temp paths
    status = colorize_page._status(result)
    assert "Colorized 17 photos" in status and "Not colorized (7)" in status


def test_serve_app_mounts_the_page_with_its_limits_stated(tmp_path):
    from deepcolor.study.app import make_app
    with TestClient(make_app(model="v1")) as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/colorize"
        assert client.get("/colorize/").status_code == 200
        config = json.dumps(client.get("/colorize/config").json())
        assert colorize_page.limits_text() in config and "Before / after" in config
        assert client.get("/health").text == "ok"


def test_without_gradio_the_page_names_the_extra(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "gradio", None)  # as if not installed
    with pytest.raises(deepcolor.errors.MissingExtraError, match=r"deepcolor\[web\]"):
        colorize_page.build_page()
