"""Colorize photos:  python -m deepcolor.colorize PATH... --out DIR|FILE [--model MODEL]

MODEL is the shipped default model unless given: a preset name, a run directory, a .keras file or an
exported SavedModel. --hint X,Y,COLOUR (repeatable) and --hints FILE give one photo colours it is known to
have (the hint model, `--model hints`, which they select by default): points in the photo's pixels, or a
JSON list of them, or a transparent PNG of the photo's size with the hints painted on it. --samples N writes N different plausible colorizations of each photo
(NAME_sample1.png, ...; models that predict a colour distribution, such as the default one).

PATH may be files, folders (searched recursively) or quoted patterns ("scans/*.tif", "**/*.jpg"). With
one input file, --out may name the output file itself (restored.jpg); otherwise it is a folder. Outputs
keep the input's format family (JPEG -> .jpg, PNG -> .png, TIFF -> .tif, WebP -> .webp, others -> .png)
unless --format says otherwise, and its EXIF (date taken, camera; orientation reset to 1 because the
pixels are written upright) and ICC colour profile. Each output has exactly its input's size and
lightness: the model predicts chroma at its own size, which is upsampled and recombined with the
original full-resolution L. EXIF orientation is applied; an alpha channel is carried over to
outputs that hold one (PNG, TIFF, WebP). Inputs are never overwritten; outputs are written atomically (temp file + rename),
and outputs that already exist are skipped unless --overwrite, so an interrupted batch can simply
be re-run. A bad file gets one line naming it and the problem; the batch goes on. Exit code: 0 if
nothing failed, 1 if some file failed, 2 if the job could not start.
"""

import argparse
import glob
import os
import sys

from deepcolor.runs import add_debug_flag, add_decoding_flags, run_cli
from deepcolor.cli import prog_name
from deepcolor.data.images import DEFAULT_MAX_PIXELS, IMAGE_EXTENSIONS
from deepcolor.data.records import list_folder
from deepcolor.data.images import FAMILY, OUTPUT_FORMATS, format_of, read_metadata, save_image
from deepcolor.files import remove_stale_temp_files


def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.colorize"), description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files and/or folders")
    p.add_argument("--model", default=None,
                   help="a preset name (default: the shipped default model, or the hint model `hints` with "
                        "--hint/--hints), a run directory (its best.keras), a .keras file or an exported "
                        "SavedModel directory")
    p.add_argument("--hint", action="append", default=[], metavar="X,Y,COLOUR",
                   help="a colour the photo has at pixel X,Y (from its top left), e.g. 120,80,#2050c0 or "
                        "120,80,32,80,192; repeatable; one photo only (default: none)")
    p.add_argument("--hints", default=None, metavar="FILE",
                   help="hints from a file: a .json list such as [{\"x\": 120, \"y\": 80, \"color\": \"#2050c0\"}], "
                        "or a transparent PNG of the photo's size whose painted pixels are hints (scribbles) "
                        "(default: none)")
    p.add_argument("--out", required=True,
                   help="output folder (created if missing); for a single input file also an output file "
                        "name with an image extension (e.g. restored.jpg)")
    p.add_argument("--samples", type=int, default=0,
                   help="write this many different plausible colorizations of each photo, drawn from the "
                        "model's predicted colour distribution (default: 0 = the single usual one)")
    p.add_argument("--seed", type=int, default=0, help="seed of --samples (default: 0)")
    add_decoding_flags(p)
    p.add_argument("--render-size", type=int, default=None,
                   help="predict colour at this square size (default: the model's own); larger keeps "
                        "more detail in colour edges, smaller is faster")
    p.add_argument("--format", default="auto", choices=("auto", *OUTPUT_FORMATS),
                   help="output format (default: auto = the input's own family; png is lossless and keeps "
                        "alpha)")
    p.add_argument("--quality", type=int, default=95, choices=range(1, 101), metavar="1-100",
                   help="JPEG and WebP quality (default: 95)")
    p.add_argument("--side-by-side", action="store_true",
                   help="write the gray input and the colorization side by side in one image")
    p.add_argument("--contact-sheet", default="", metavar="FILE",
                   help="also write one image of every output as thumbnails with their names (e.g. sheet.jpg; "
                        "default: none)")
    p.add_argument("--png-compression", type=int, default=1, choices=range(10), metavar="0-9",
                   help="PNG zlib level (default: 1, fast; PIL's usual 6 makes files ~20%% smaller "
                        "but writes a 12 MP photo ~5x slower)")
    p.add_argument("--overwrite", action="store_true", help="redo outputs that already exist (default: skip)")
    p.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS,
                   help=f"refuse images larger than this many pixels (default: {DEFAULT_MAX_PIXELS:,})")
    add_debug_flag(p)
    return p


def expand_patterns(paths):
    """The paths, with patterns the shell left alone (quoted: "scans/*.tif") expanded by us.
    Returns (paths, problems)."""
    expanded, problems = [], []
    for path in paths:
        if not os.path.lexists(path) and any(c in path for c in "*?["):
            matches = sorted(glob.glob(path, recursive=True))
            expanded += matches
            if not matches:
                problems.append((path, "no file matches this pattern"))
        else:
            expanded.append(path)
    return expanded, problems


def output_is_a_file(paths, out):
    """--out names the output file itself: one input file and an image extension on --out."""
    return len(paths) == 1 and os.path.isfile(paths[0]) and os.path.splitext(out)[1].lower() in FAMILY


def plan_outputs(paths, out, fmt="auto"):
    """[(input, output, format)] for every image found, and [(path, problem)]. Folder inputs keep their
    relative layout under the output folder; fmt "auto" keeps each input's format family."""
    paths, problems = expand_patterns(paths)
    if output_is_a_file(paths, out):
        return [(paths[0], out, format_of(out) if fmt == "auto" else fmt)], problems
    jobs = []
    for path in paths:
        if os.path.isdir(path) and not path.lower().endswith(IMAGE_EXTENSIONS):
            for record in list_folder(path):
                jobs.append((record.path, os.path.join(out, os.path.splitext(record.id)[0])))
        elif os.path.lexists(path):
            jobs.append((path, os.path.join(out, os.path.splitext(os.path.basename(os.path.normpath(path)))[0])))
        else:
            problems.append((path, "no such file or folder"))
    formats = [format_of(src) if fmt == "auto" else fmt for src, _ in jobs]
    jobs = [(src, stem + OUTPUT_FORMATS[f][1], f) for (src, stem), f in zip(jobs, formats)]
    # Two inputs that would land on one output (a.jpg, a.jpeg) keep their extension in the name.
    counts = {}
    for _, output, _ in jobs:
        counts[output] = counts.get(output, 0) + 1
    jobs = [(src, dst if counts[dst] == 1 else
             f"{os.path.splitext(dst)[0]}_{src.rsplit('.', 1)[-1].lower()}{os.path.splitext(dst)[1]}", f)
            for src, dst, f in jobs]
    return jobs, problems


def side_by_side(rgb, colorized):
    """[gray input | colorization], one image (the gray is the input's ITU-R 601 luma)."""
    import numpy as np
    gray = np.round(rgb[..., :3].astype(np.float32) @ np.float32([0.299, 0.587, 0.114])).astype(np.uint8)
    return np.concatenate([np.repeat(gray[..., None], 3, axis=-1), colorized], axis=1)


def contact_sheet(items, path, quality=95, thumb=256, columns=6):
    """items [(caption, image file)] -> one image of thumbnails with captions, written to path."""
    import math
    import numpy as np
    from PIL import Image, ImageDraw
    columns = max(1, min(columns, math.ceil(math.sqrt(len(items)))))
    rows = math.ceil(len(items) / columns)
    caption_height = 18
    sheet = Image.new("RGB", (columns * (thumb + 8) + 8, rows * (thumb + caption_height + 8) + 8), "white")
    draw = ImageDraw.Draw(sheet)
    for k, (caption, file) in enumerate(items):
        with Image.open(file) as image:
            image = image.convert("RGB")
            image.thumbnail((thumb, thumb))
        x = 8 + (k % columns) * (thumb + 8)
        y = 8 + (k // columns) * (thumb + caption_height + 8)
        sheet.paste(image, (x + (thumb - image.width) // 2, y + (thumb - image.height) // 2))
        draw.text((x, y + thumb + 3), caption[:40], fill="black")
    save_image(np.asarray(sheet), None, path, format_of(path), quality=quality)


def sample_paths(path, count):
    stem, ext = os.path.splitext(path)
    return [f"{stem}_sample{k}{ext}" for k in range(1, count + 1)]


class HintedColorizer:
    """A callable image -> the colorization that follows the given hints (one photo)."""

    def __init__(self, colorizer, points, scribbles):
        self.colorizer, self.points, self.scribbles = colorizer, points, scribbles

    def __call__(self, rgb):
        return self.colorizer(rgb, self.points, self.scribbles)


def read_hint_flags(hint_flags, hints_file):
    """(points, scribble mask path or None) from --hint and --hints; HintError for a bad one."""
    from deepcolor.color.hints import HintError, parse_hint, read_hints_file
    points = [parse_hint(text) for text in hint_flags]
    if not hints_file:
        return points, None
    if hints_file.lower().endswith(".json"):
        return points + read_hints_file(hints_file), None
    if not os.path.isfile(hints_file):
        raise HintError(f"--hints {hints_file}: no such file (a .json list of points, or a PNG mask)")
    return points, hints_file


class SampleColorizer:
    """A callable image -> list of `count` samples, for colorize_files."""

    def __init__(self, model, count, seed=0, render_size=None, **decoding):
        self.model, self.samples_per_image, self.seed = model, count, seed
        self.render_size, self.decoding = render_size, decoding

    def __call__(self, rgb):
        return self.model.colorize(rgb, samples=self.samples_per_image, seed=self.seed,
                                   render_size=self.render_size, **self.decoding)


def colorize_files(jobs, colorizer, overwrite=False, max_pixels=DEFAULT_MAX_PIXELS, debug=False, log=None,
                   png_compression=1, quality=95, sides=False):
    """Runs the batch of (input, output, format) jobs; returns counts {'done', 'skipped', 'failed'}.
    Each output keeps its input's EXIF and ICC profile; sides=True writes [gray | colour]."""
    import traceback
    from tqdm import tqdm
    from deepcolor.data.images import BadImageError, read_image
    from deepcolor.errors import DeepColorError

    counts = {"done": 0, "skipped": 0, "failed": 0}
    try:
        remove_stale_temp_files([dst for _, dst, _ in jobs])
    except OSError:
        pass  # an unreadable output folder is reported per file below
    # disable=None: a bar on a terminal only, so logs and pipes get clean one-line messages.
    bar = tqdm(jobs, unit="img", disable=True if len(jobs) < 2 else None, file=sys.stderr)
    log = log or (lambda line: tqdm.write(line, file=sys.stderr))
    for src, dst, fmt in bar:
        try:
            # realpath, not samefile: it does not fail on symlink loops or missing files.
            if os.path.realpath(src) == os.path.realpath(dst):
                raise BadImageError(f"output {dst} is the input itself; choose another --out")
            samples = getattr(colorizer, "samples_per_image", 0)
            targets = sample_paths(dst, samples) if samples else [dst]
            if all(os.path.exists(t) for t in targets) and not overwrite:
                counts["skipped"] += 1
                continue
            rgb, alpha = read_image(src, max_pixels)
            result = colorizer(rgb)
            metadata = read_metadata(src)
            for target, image in zip(targets, result if samples else [result]):
                if sides:
                    image, alpha = side_by_side(rgb, image), None
                save_image(image, alpha, target, fmt, png_compression, quality, metadata)
            counts["done"] += 1
        except (BadImageError, DeepColorError) as e:  # a bad file, or a hint that does not fit this photo
            counts["failed"] += 1
            log(f"failed {src}: {e}")
        except OSError as e:
            counts["failed"] += 1
            log(f"failed {src}: cannot write {dst} ({e.strerror or e})")
        except Exception as e:  # one broken file must not end the batch
            counts["failed"] += 1
            log(f"failed {src}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            if debug:
                log(traceback.format_exc())
    return counts


def main(argv=None):
    args = build_parser().parse_args(argv)
    jobs, problems = plan_outputs(args.paths, args.out, args.format)
    for path, problem in problems:
        print(f"failed {path}: {problem}", file=sys.stderr)
    single = len(jobs) == 1 and jobs[0][1] == args.out
    folder = os.path.dirname(os.path.abspath(args.out)) if single else args.out
    if not single and os.path.splitext(args.out)[1].lower() in FAMILY and not os.path.isdir(args.out):
        print(f"error: --out {args.out} names an image file, but {len(jobs) + len(problems)} inputs were given: "
              f"give a folder", file=sys.stderr)
        return 2
    try:
        os.makedirs(folder, exist_ok=True)
        probe = os.path.join(folder, f".write-test-{os.getpid()}")
        open(probe, "wb").close()
        os.remove(probe)
    except OSError as e:
        print(f"error: output folder {folder} is not writable ({e.strerror or e})", file=sys.stderr)
        return 2
    from deepcolor.api import load
    from deepcolor.errors import DeepColorError
    hinted = bool(args.hint or args.hints)
    try:
        points, scribbles = read_hint_flags(args.hint, args.hints)
    except DeepColorError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if hinted and (len(jobs) + len(problems) != 1 or args.samples):
        print(f"error: --hint/--hints are in one photo's pixels: give exactly one photo (got "
              f"{len(jobs) + len(problems)}){' and no --samples' if args.samples else ''}", file=sys.stderr)
        return 2
    args.model = args.model or ("hints" if hinted else "default")
    try:
        model = load(args.model)
        if hinted:
            if not model.takes_hints:
                raise DeepColorError("this model takes no colour hints; leave --model out (the hint model "
                                     "`hints` is then used) or give a hint model")
            colorizer = HintedColorizer(model.colorizer(args.render_size, temperature=args.temperature,
                                                        prior_exponent=args.prior_exponent), points, scribbles)
        elif args.samples:
            if not model.can_sample:
                raise DeepColorError(f"--samples: {args.model} predicts one colour per pixel (encoding "
                                     f"{model.encoding or 'unknown'}); use a classification model such as the default")
            colorizer = SampleColorizer(model, args.samples, args.seed, args.render_size,
                                        temperature=args.temperature, prior_exponent=args.prior_exponent)
        else:
            colorizer = model.colorizer(args.render_size, temperature=args.temperature,
                                        prior_exponent=args.prior_exponent)
    except DeepColorError as e:
        print(f"error: --model {args.model}: {e}", file=sys.stderr)
        return 2
    counts = colorize_files(jobs, colorizer, args.overwrite, args.max_pixels, args.debug,
                            png_compression=args.png_compression, quality=args.quality, sides=args.side_by_side)
    counts["failed"] += len(problems)
    if args.contact_sheet:
        items = [(os.path.basename(src), target) for src, dst, _ in jobs
                 for target in (sample_paths(dst, args.samples) if args.samples else [dst]) if os.path.exists(target)]
        if items:
            contact_sheet(items, args.contact_sheet, args.quality)
            print(f"contact sheet of {len(items)} images -> {args.contact_sheet}")
    print(f"colorized {counts['done']}, skipped {counts['skipped']} (already done), "
          f"failed {counts['failed']} -> {args.out}")
    return 1 if counts["failed"] else 0
