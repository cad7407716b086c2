"""Report 001's color-biased subsets: picked by the documented statistic, reproducibly, disjointly."""

import os

import numpy as np
from PIL import Image

from deepcolor.data import resolve_source
from deepcolor.data.colorbias import HUE_BANDS, color_scores, contact_sheet, score_records, select
from tests.images import photo


def tinted(hue_degrees, seed):
    """A photo-like image pushed towards one hue (HSV), so its dominant color is known."""
    base = Image.fromarray(photo(40, 40, seed=seed)).convert("HSV")
    h, s, v = [np.asarray(c, np.float32) for c in base.split()]
    h = np.full_like(h, hue_degrees / 360 * 255) + (h - 128) * 0.05
    s = np.clip(s * 0.3 + 150, 0, 255)
    v = np.clip(v * 0.5 + 100, 0, 255)
    return np.asarray(Image.merge("HSV", [Image.fromarray(c.astype(np.uint8)) for c in (h, s, v)]).convert("RGB"))


def test_scores_follow_the_hue_bands():
    assert max(color_scores(tinted(220, 0)).items(), key=lambda kv: kv[1])[0] == "blue"
    assert max(color_scores(tinted(55, 1)).items(), key=lambda kv: kv[1])[0] == "yellow"
    assert max(color_scores(tinted(120, 2)).items(), key=lambda kv: kv[1])[0] == "green"
    gray = np.repeat(photo(40, 40, seed=3).mean(-1, keepdims=True), 3, -1).astype(np.uint8)
    assert max(color_scores(gray).values()) == 0.0
    assert set(HUE_BANDS) == {"blue", "yellow", "green"}


def test_subsets_are_reproducible_disjoint_and_sized(tmp_path):
    hues = {"blue": 220, "yellow": 55, "green": 120, "gray": None}
    for k in range(160):
        name = list(hues)[k % 4]
        image = tinted(hues[name], k) if hues[name] else np.full((40, 40, 3), 90 + k % 50, np.uint8)
        Image.fromarray(image).save(tmp_path / f"{name}_{k:03d}.png")
    spec = f"folder:{tmp_path}"
    picks = select(score_records(resolve_source(spec)), seed=0)
    again = select(score_records(resolve_source(spec)), seed=0)
    ids = {name: [r.id for r, _ in items] for name, items in picks.items()}
    assert ids == {name: [r.id for r, _ in items] for name, items in again.items()}
    assert len(ids["val"]) == 32 and all(len(ids[c]) == 24 for c in HUE_BANDS)
    for color in HUE_BANDS:  # each subset holds images of its own tint, none of the val set
        assert all(i.startswith(color) for i in ids[color]) and not set(ids[color]) & set(ids["val"])
    assert not set(ids["blue"]) & set(ids["yellow"]) and not set(ids["baseline"]) & set(ids["val"])
    by = resolve_source(f"colorbias:BY:{spec}")
    assert sorted(r.id for r in by if r.split == "train") == sorted(ids["blue"] + ids["yellow"])
    assert sorted(r.id for r in by if r.split == "val") == sorted(ids["val"])
    sheet = contact_sheet(picks, str(tmp_path / "sheet.png"))
    assert os.path.getsize(sheet) > 1000 and Image.open(sheet).size[1] == 4 * (72 + 16)
