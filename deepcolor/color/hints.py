"""Colour hints: points or scribbles of known colour that a hint-aware model follows and spreads.

After Zhang et al., "Real-Time User-Guided Image Colorization with Learned Deep Priors" (SIGGRAPH
2017): beside the gray input the model takes a hint map at its own size, [S, S, 3] = (a / 128,
b / 128, mask), zero where nothing is known. A user's hint is a photo pixel and an sRGB colour; only
the colour's chroma (a, b) goes in, the lightness stays the photo's own.

- `parse_hint("120,80,#2050c0")`, `read_hints_file(path)`: the command line's hints.
- `hint_map(points, scribbles, height, width, image_size, resize, margin)`: a photo's hints at the
  model's size (points paint a (2r+1)^2 patch there; scribbles, an RGBA image of the photo's size
  whose painted pixels are hints, are averaged down to it).
- `apply_hints(colorized, points, scribbles, image_size)`: the network's output with the hints put on it
  at the photo's own resolution: each point's remaining correction spread over nearby pixels of like
  lightness, and every hint's chroma pinned exactly at its own pixels.
- `simulate_hints(rgb, seed)`: training's hints, revealed from the true colours (as the paper's).
- `ground_truth_points(rgb, count, seed)`: the evaluation's random points, with their true colours.
"""

import json
import math
import re

import numpy as np

from deepcolor.errors import DeepColorError

HINT_RADIUS = 1        # a point paints a 3 x 3 patch of the model's input (1.6 % of its width at 192)
P_NO_HINTS = 0.25      # training: share of images with no hints (the automatic case stays trained)
P_GEOMETRIC = 1 / 8    # training: the number of points is geometric with this p (mean 8), as the paper's
MAX_POINTS = 50        # training: at most this many points per image
PATCH_RADII = 3        # training: each point reveals the mean of a 1x1, 3x3 or 5x5 patch (the paper: 1-9 px)
# apply_hints: how far a point's correction spreads (Gaussian sigma / the photo's longer side) and across how
# much lightness (Gaussian sigma, L*): chosen on the val split by scripts/hints/tune_spread.py
# (results/hints/val/spread/spread.md: the best mean PSNR over 2, 10 and 50 hints).
SPREAD_REACH = 0.2
SPREAD_LIGHTNESS = 10.0


class HintError(DeepColorError):
    """A hint that cannot be used: a bad colour string, a point outside the photo, a mask of the wrong size."""


def parse_color(text):
    """'#2050c0', '2050c0', '#25c' or 'R,G,B' (0-255) -> (r, g, b) ints."""
    value = str(text).strip()
    match = re.fullmatch(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})", value)
    if match:
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return tuple(int(digits[k:k + 2], 16) for k in (0, 2, 4))
    parts = value.split(",")
    if len(parts) == 3 and all(p.strip().isdigit() and int(p) <= 255 for p in parts):
        return tuple(int(p) for p in parts)
    raise HintError(f"colour {text!r}: expected #RRGGBB (e.g. #2050c0) or R,G,B with values 0-255")


def parse_hint(text):
    """'X,Y,COLOUR' (the command line's --hint) -> (x, y, (r, g, b)); x, y in the photo's pixels."""
    parts = str(text).split(",", 2)
    if len(parts) != 3:
        raise HintError(f"hint {text!r}: expected X,Y,COLOUR, e.g. 120,80,#2050c0")
    try:
        x, y = float(parts[0]), float(parts[1])
    except ValueError:
        raise HintError(f"hint {text!r}: X and Y must be numbers (pixels of the photo)") from None
    return x, y, parse_color(parts[2])


def as_point(hint):
    """(x, y, colour) with colour an (r, g, b) triple or a string -> (x, y, (r, g, b))."""
    try:
        x, y, colour = hint
        x, y = float(x), float(y)
    except (TypeError, ValueError):
        raise HintError(f"hint {hint!r}: expected (x, y, colour), e.g. (120, 80, '#2050c0')") from None
    if isinstance(colour, str):
        return x, y, parse_color(colour)
    try:
        rgb = tuple(int(c) for c in colour)
    except (TypeError, ValueError):
        rgb = ()
    if len(rgb) != 3 or any(not 0 <= c <= 255 for c in rgb):
        raise HintError(f"hint {hint!r}: the colour must be (r, g, b) with values 0-255 or a '#RRGGBB' string")
    return x, y, rgb


def split_hints(hints):
    """The API's `hints=`: a list of points -> (points, None); a scribble mask (a path, PIL image or
    array) -> ((), mask)."""
    if isinstance(hints, (list, tuple)):
        return [as_point(h) for h in hints], None
    return (), hints


def read_hints_file(path):
    """A JSON file of points: [{"x": 120, "y": 80, "color": "#2050c0"}, ...] or [[120, 80, "#2050c0"], ...]."""
    try:
        with open(path, encoding="utf-8") as f:
            entries = json.load(f)
    except OSError as e:
        raise HintError(f"{path}: cannot read the hints file ({e.strerror or e})") from None
    except ValueError as e:
        raise HintError(f"{path}: not a JSON file of hints ({e})") from None
    if isinstance(entries, dict):
        entries = entries.get("hints", None)
    if not isinstance(entries, list):
        raise HintError(f"{path}: expected a list of hints, e.g. [{{\"x\": 120, \"y\": 80, \"color\": \"#2050c0\"}}]")
    points = []
    for k, entry in enumerate(entries):
        if isinstance(entry, dict):
            entry = (entry.get("x"), entry.get("y"), entry.get("color", entry.get("colour")))
        try:
            points.append(as_point(entry))
        except HintError as e:
            raise HintError(f"{path}: hint {k + 1}: {e}") from None
    return points


def check_points(points, height, width):
    """Every point inside a height x width photo, else HintError naming it."""
    checked = [as_point(p) for p in points]
    for x, y, rgb in checked:
        if not (0 <= x < width and 0 <= y < height):
            raise HintError(f"hint at ({x:g}, {y:g}) is outside the photo ({width} x {height} pixels; "
                            f"x from 0 to {width - 1}, y from 0 to {height - 1})")
    return checked


def _ab_of(rgb_uint8):
    """sRGB uint8 [..., 3] -> Lab a, b [..., 2] (numpy, float32)."""
    from deepcolor import color
    return np.asarray(color.rgb_to_lab(np.asarray(rgb_uint8, np.float32) / 255.0))[..., 1:]


def _photo_to_model(height, width, image_size, resize, margin):
    """(scale_y, scale_x, top, left): model pixel = top + (photo pixel + 0.5) * scale - 0.5."""
    inner = image_size - 2 * margin
    if resize == "letterbox":
        ratio = max(height, width) / inner
        rows, cols = max(1, min(inner, round(height / ratio))), max(1, min(inner, round(width / ratio)))
        return rows / height, cols / width, margin + (inner - rows) // 2, margin + (inner - cols) // 2
    return inner / height, inner / width, margin, margin


def scribble_points(scribbles, height, width):
    """An RGBA scribble image (array, PIL image or path) of the photo's size -> (ys, xs, rgb, alpha) of
    its painted pixels (alpha > 0; alpha in (0, 1])."""
    from deepcolor.data.images import BadImageError, read_any_image
    try:
        rgb, alpha = read_any_image(scribbles)
    except BadImageError as e:
        raise HintError(f"hint mask: {e}") from None
    if alpha is None and rgb.shape[-1] in (2, 4):  # an array with its alpha channel attached (LA or RGBA)
        rgb, alpha = rgb[..., :-1], rgb[..., -1]
    if rgb.shape[-1] == 1:
        rgb = np.repeat(rgb, 3, axis=-1)
    if rgb.shape[:2] != (height, width):
        raise HintError(f"hint mask is {rgb.shape[1]} x {rgb.shape[0]} pixels, the photo {width} x {height}: "
                        f"draw the hints on an image of the photo's size")
    if alpha is None:
        raise HintError("hint mask has no transparency: paint the hints on a transparent image "
                        "(PNG with alpha); its painted pixels are the hints")
    alpha = np.asarray(alpha)
    if alpha.ndim == 3:
        alpha = alpha[..., 0]
    ys, xs = np.nonzero(alpha > 0)
    return ys, xs, rgb[ys, xs], alpha[ys, xs] / 255.0


def hint_map(points=(), scribbles=None, height=1, width=1, image_size=192, resize="squash", margin=0):
    """A photo's hints as the model's [S, S, 3] input (float32): points (x, y, (r, g, b)) in photo pixels,
    and/or an RGBA scribble image of the photo's size. Where both fall, the point wins."""
    size = image_size
    scale_y, scale_x, top, left = _photo_to_model(height, width, size, resize, margin)
    value, weight = np.zeros((size, size, 2), np.float64), np.zeros((size, size), np.float64)
    if scribbles is not None:
        ys, xs, rgb, _ = scribble_points(scribbles, height, width)
        if len(ys):
            my = np.clip(np.floor(top + ys * scale_y).astype(int), 0, size - 1)
            mx = np.clip(np.floor(left + xs * scale_x).astype(int), 0, size - 1)
            np.add.at(value, (my, mx), _ab_of(rgb))
            np.add.at(weight, (my, mx), 1.0)
    points = check_points(points, height, width)
    if points:
        value_points, weight_points = np.zeros_like(value), np.zeros_like(weight)
        for x, y, rgb in points:
            cy = int(round(top + (y + 0.5) * scale_y - 0.5))
            cx = int(round(left + (x + 0.5) * scale_x - 0.5))
            rows = slice(max(0, cy - HINT_RADIUS), min(size, cy + HINT_RADIUS + 1))
            cols = slice(max(0, cx - HINT_RADIUS), min(size, cx + HINT_RADIUS + 1))
            value_points[rows, cols] += _ab_of(rgb)
            weight_points[rows, cols] += 1.0
        painted = weight_points > 0
        value[painted], weight[painted] = value_points[painted], weight_points[painted]
    mask = weight > 0
    ab = np.where(mask[..., None], value / np.maximum(weight, 1.0)[..., None], 0.0) / 128.0
    return np.concatenate([ab, mask[..., None]], axis=-1).astype(np.float32)


def _pin_radius(height, width, image_size):
    """A point's pinned disk in photo pixels: the half-width of its patch in the model's input."""
    return max(1.0, (HINT_RADIUS + 0.5) * max(height, width) / image_size)


def apply_hints(colorized, points=(), scribbles=None, image_size=192, reach=SPREAD_REACH,
                lightness=SPREAD_LIGHTNESS):
    """The network's colorized photo (uint8 [H, W, 3]) -> what the user gets: the hints put on it, the
    lightness kept.

    1. Spread: each point's correction (its asked chroma minus the network's chroma at its pixel) is added
       around it, weighted by a Gaussian of the distance (sigma `reach` x the photo's longer side) times a
       Gaussian of the difference in lightness from the hinted pixel (sigma `lightness`, L* units), so it
       fades across an edge between a light and a dark surface; where several reach, their weighted mean
       (a weight sum below 1 is not raised). The network spreads hints at its 192 x 192 and falls short of
       them (ΔE_ab 6.7 on average at the hinted pixels); this carries the asked colour over the surface
       at the photo's own resolution. `reach=0` turns it off.
    2. Pin: a disk around each point, as wide as the patch the point paints in the model's input (full
       weight in its inner half, fading at its edge), and every painted pixel of a scribble image (weighted
       by its alpha) get exactly the asked chroma: what the user asked for stays where it was asked.
    Both constants were chosen on the validation split (results/hints/val/spread.md)."""
    import tensorflow as tf
    from deepcolor import color
    colorized = np.asarray(colorized)
    height, width = colorized.shape[:2]
    points = check_points(points, height, width)
    painted = scribble_points(scribbles, height, width) if scribbles is not None else None
    radius, sigma = _pin_radius(height, width, image_size), reach * max(height, width)
    half = int(np.ceil(max(radius, 3 * sigma)))
    # The rectangle anything touches; everything below works inside it.
    boxes = [(int(y) - half, int(y) + half + 1, int(x) - half, int(x) + half + 1) for x, y, _ in points]
    if painted is not None and len(painted[0]):
        boxes.append((painted[0].min(), painted[0].max() + 1, painted[1].min(), painted[1].max() + 1))
    if not boxes:
        return colorized.copy()
    top, bottom = max(0, min(b[0] for b in boxes)), min(height, max(b[1] for b in boxes))
    left, right = max(0, min(b[2] for b in boxes)), min(width, max(b[3] for b in boxes))
    crop = colorized[top:bottom, left:right]
    lab = np.array(color.rgb_to_lab(crop.astype(np.float32) / 255.0))
    lab[..., 0] = np.asarray(color.lab_lightness_from_uint8(tf.constant(crop)))[..., 0]
    yy, xx = np.mgrid[top:bottom, left:right]
    asked = [_ab_of(rgb) for _, _, rgb in points]
    if points and sigma > 0:
        correction, total = np.zeros(lab.shape[:2] + (2,), np.float32), np.zeros(lab.shape[:2], np.float32)
        for (x, y, _), ab in zip(points, asked):
            py, px = int(y) - top, int(x) - left
            w = np.exp(-((yy - int(y)) ** 2 + (xx - int(x)) ** 2) / (2 * sigma ** 2)
                       - (lab[..., 0] - lab[py, px, 0]) ** 2 / (2 * lightness ** 2)).astype(np.float32)
            correction += w[..., None] * (ab - lab[py, px, 1:])
            total += w
        lab[..., 1:] += correction / np.maximum(total, 1.0)[..., None]
    value, weight = np.zeros_like(lab[..., 1:]), np.zeros(lab.shape[:2], np.float32)
    if painted is not None and len(painted[0]):
        ys, xs, rgb, alpha = painted
        value[ys - top, xs - left], weight[ys - top, xs - left] = _ab_of(rgb), alpha
    for (x, y, _), ab in zip(points, asked):
        w = np.clip((radius + 0.5 - np.hypot(yy - int(y), xx - int(x))) / (radius / 2 + 0.5), 0.0, 1.0)
        stronger = w >= weight  # where disks overlap, the nearer point wins
        value = np.where(stronger[..., None], ab, value)
        weight = np.maximum(weight, w).astype(np.float32)
    lab[..., 1:] = (1.0 - weight[..., None]) * lab[..., 1:] + weight[..., None] * value
    out = colorized.copy()
    out[top:bottom, left:right] = np.asarray(color.lab_to_uint8_in_gamut(lab))
    return out


def ground_truth_points(rgb_uint8, count, seed):
    """`count` random points of a photo [H, W, 3] with their true colours (the evaluation's hints),
    drawn with `seed`: [(x, y, (r, g, b)), ...]."""
    height, width = rgb_uint8.shape[:2]
    rng = np.random.default_rng(seed)
    ys, xs = rng.integers(0, height, count), rng.integers(0, width, count)
    return [(int(x), int(y), tuple(int(c) for c in rgb_uint8[y, x])) for y, x in zip(ys, xs)]


def simulate_hints(rgb, seed):
    """Training's hints for a batch rgb [B, S, S, 3] in [0, 1] (a tf op; `seed` a stateless seed pair):
    per image no points with probability P_NO_HINTS, else a geometric number of points (mean 8, at most
    MAX_POINTS) at uniform places, each revealing the mean true a, b of a 1x1, 3x3 or 5x5 patch there."""
    import tensorflow as tf
    from deepcolor import color
    batch, size = tf.shape(rgb)[0], tf.shape(rgb)[1]
    ab = color.rgb_to_lab(rgb)[..., 1:] / 128.0
    # The mean over each patch size (SAME pooling averages only the pixels inside the image).
    means = tf.stack([tf.nn.avg_pool2d(ab, 2 * r + 1, 1, "SAME") for r in range(PATCH_RADII)], axis=1)
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 5)
    none = tf.random.stateless_uniform([batch], seeds[0]) < P_NO_HINTS
    u = tf.random.stateless_uniform([batch], seeds[1], minval=1e-7, maxval=1.0)
    count = tf.floor(tf.math.log(u) / math.log(1.0 - P_GEOMETRIC)) + 1.0
    count = tf.where(none, 0.0, tf.minimum(count, MAX_POINTS))
    ys = tf.random.stateless_uniform([batch, MAX_POINTS], seeds[2], maxval=size, dtype=tf.int32)
    xs = tf.random.stateless_uniform([batch, MAX_POINTS], seeds[3], maxval=size, dtype=tf.int32)
    radius = tf.random.stateless_uniform([batch, MAX_POINTS], seeds[4], maxval=PATCH_RADII, dtype=tf.int32)
    active = tf.cast(tf.range(MAX_POINTS, dtype=tf.float32)[None] < count[:, None], tf.float32)  # [B, K]
    index = tf.stack([tf.repeat(tf.range(batch)[:, None], MAX_POINTS, axis=1), radius, ys, xs], axis=-1)
    values = tf.gather_nd(means, index)  # [B, K, 2]
    grid = tf.range(size)[None, None]
    rows = tf.cast(tf.abs(grid - ys[..., None]) <= radius[..., None], tf.float32) * active[..., None]  # [B, K, S]
    cols = tf.cast(tf.abs(grid - xs[..., None]) <= radius[..., None], tf.float32)
    weight = tf.einsum("bky,bkx->byx", rows, cols)
    value = tf.einsum("bkyc,bkx->byxc", rows[..., None] * values[:, :, None, :], cols)
    mask = tf.cast(weight > 0, tf.float32)
    return tf.concat([value / tf.maximum(weight, 1.0)[..., None], mask[..., None]], axis=-1)

