"""Report 001's color-biased training sets, picked reproducibly from any source instead of by eye.

    --data colorbias:SUBSET:INNER_SPEC     e.g. colorbias:blue:folder:$DEEPCOLOR_PHOTOS
    deepcolor data --data folder:$DEEPCOLOR_PHOTOS --colorbias-sheet sheet.png   (the picks, drawn)

The statistic: each image is shrunk to 64x64 and converted to HSV; a pixel is "colored" when its
saturation is >= 0.25 and its value >= 0.2; an image's score for a color is the share of all its
pixels that are colored with a hue inside that color's band (degrees): blue 190-250, yellow 40-70,
green 75-160. Each image counts for its highest-scoring color only.

Selection (seeded by --seed, deterministic): first the 32-image mixed validation set (lowest seeded
hash), then per color the 24 highest-scoring images whose best color it is, then the baseline:
864 images by seeded hash from everything but the validation set. SUBSET is one of blue, yellow,
green, BY (blue + yellow), BGY (blue + green + yellow), baseline; the validation set is the same for
all of them, so their val MSEs compare (001's Table I). Smaller sources give smaller subsets.
"""

import dataclasses
import sys

import numpy as np

from deepcolor.errors import UsageError
from deepcolor.data.split import hash_unit

HUE_BANDS = {"blue": (190.0, 250.0), "yellow": (40.0, 70.0), "green": (75.0, 160.0)}
MIN_SATURATION, MIN_VALUE = 0.25, 0.2
SUBSET_SIZE, BASELINE_SIZE, VAL_SIZE = 24, 864, 32
SUBSETS = {"blue": ("blue",), "yellow": ("yellow",), "green": ("green",), "BY": ("blue", "yellow"),
           "BGY": ("blue", "green", "yellow"), "baseline": ()}


def color_scores(rgb):
    """HxWx3 uint8 -> {color: share of pixels that are saturated and in the color's hue band}."""
    from PIL import Image
    small = np.asarray(Image.fromarray(rgb).resize((64, 64), Image.BILINEAR).convert("HSV"), np.float32) / 255.0
    hue, saturation, value = small[..., 0] * 360.0, small[..., 1], small[..., 2]
    colored = (saturation >= MIN_SATURATION) & (value >= MIN_VALUE)
    return {name: float(np.mean(colored & (hue >= low) & (hue <= high))) for name, (low, high) in HUE_BANDS.items()}


def score_records(records, log=None):
    """[(record, scores)] for every readable record; unreadable ones are reported and left out."""
    from deepcolor.data.images import BadImageError, read_image
    log = log or (lambda line: print(line, file=sys.stderr))
    out = []
    for record in records:
        try:
            rgb, _ = read_image(record.path, data=record.data)
        except BadImageError as e:
            log(f"skipped {record.path}: {e}")
            continue
        out.append((record, color_scores(rgb)))
    return out


def select(scored, seed):
    """{'val': [...], 'blue': [...], 'yellow': [...], 'green': [...], 'baseline': [...]} of (record, scores)."""
    ranked = sorted(scored, key=lambda item: hash_unit(f"{seed}|colorbias", item[0].id))
    picks = {"val": ranked[:VAL_SIZE]}
    rest = ranked[VAL_SIZE:]
    for color in HUE_BANDS:
        mine = [item for item in rest if max(item[1], key=item[1].get) == color and item[1][color] > 0]
        mine.sort(key=lambda item: (-item[1][color], hash_unit(seed, item[0].id)))
        picks[color] = mine[:SUBSET_SIZE]
    picks["baseline"] = rest[:BASELINE_SIZE]
    return picks


def colorbias_records(subset, inner_records, seed):
    """Records of one subset (split 'train') plus the shared validation set (split 'val'), picked
    from the records of the inner source."""
    if subset not in SUBSETS:
        raise UsageError(f"colorbias subset {subset!r}: use one of {', '.join(SUBSETS)}")
    picks = select(score_records(inner_records), seed)
    colors = SUBSETS[subset] or ("baseline",)
    train = [record for color in colors for record, _ in picks[color]]
    out = [dataclasses.replace(r, split="train") for r in train]
    out += [dataclasses.replace(r, split="val") for r, _ in picks["val"]]
    return sorted(out, key=lambda r: r.id)


def contact_sheet(picks, path, thumb=72):
    """One row per subset (val, blue, yellow, green): thumbnails with each image's score."""
    from PIL import Image, ImageDraw

    from deepcolor.data.images import read_image
    rows = [("val", None), ("blue", "blue"), ("yellow", "yellow"), ("green", "green")]
    columns = max(SUBSET_SIZE, VAL_SIZE)
    label_width = 70
    sheet = Image.new("RGB", (label_width + columns * (thumb + 2), len(rows) * (thumb + 16)), "white")
    draw = ImageDraw.Draw(sheet)
    for r, (name, color) in enumerate(rows):
        top = r * (thumb + 16)
        draw.text((4, top + thumb // 2), f"{name} ({len(picks[name])})", fill="black")
        for c, (record, scores) in enumerate(picks[name]):
            rgb, _ = read_image(record.path, data=record.data)
            image = Image.fromarray(rgb)
            image.thumbnail((thumb, thumb))
            left = label_width + c * (thumb + 2)
            sheet.paste(image, (left, top))
            if color:
                draw.text((left + 2, top + thumb + 2), f"{scores[color]:.2f}", fill="black")
    sheet.save(path)
    return path
