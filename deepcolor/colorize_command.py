"""Colorize photos:  python -m deepcolor.colorize PATH... --out DIR [--model MODEL]

MODEL is the shipped default model unless given: a preset name, a run directory, a .keras file or an
exported SavedModel. --samples N writes N different plausible colorizations of each photo
(NAME_sample1.png, ...; models that predict a colour distribution, such as the default one).

PATH may be files or folders (searched recursively). Each output has exactly its input's size and
lightness: the model predicts chroma at its own size, which is upsampled and recombined with the
original full-resolution L. EXIF orientation is applied; an alpha channel is carried over to the
output (PNG). Inputs are never overwritten; outputs are written atomically (temp file + rename),
and outputs that already exist are skipped unless --overwrite, so an interrupted batch can simply
be re-run. A bad file gets one line naming it and the problem; the batch goes on. Exit code: 0 if
nothing failed, 1 if some file failed, 2 if the job could not start.
"""

import argparse
import os
import sys

from deepcolor.runs import add_debug_flag, add_decoding_flags, run_cli, prog_name
from deepcolor.data.images import DEFAULT_MAX_PIXELS, IMAGE_EXTENSIONS
from deepcolor.data.records import list_folder
from deepcolor.image_files import remove_stale_temp_files, save_image


def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.colorize"), description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files and/or folders")
    p.add_argument("--model", default="default",
                   help="a preset name (default: the shipped default model), a run directory (its best.keras), "
                        "a .keras file or an exported SavedModel directory")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--samples", type=int, default=0,
                   help="write this many different plausible colorizations of each photo, drawn from the "
                        "model's predicted colour distribution (default: 0 = the single usual one)")
    p.add_argument("--seed", type=int, default=0, help="seed of --samples (default: 0)")
    add_decoding_flags(p)
    p.add_argument("--render-size", type=int, default=None,
                   help="predict colour at this square size (default: the model's own); larger keeps "
                        "more detail in colour edges, smaller is faster")
    p.add_argument("--format", default="png", choices=("png", "jpg"),
                   help="output format (default: png, lossless, keeps alpha; jpg: quality 95)")
    p.add_argument("--png-compression", type=int, default=1, choices=range(10), metavar="0-9",
                   help="PNG zlib level (default: 1, fast; PIL's usual 6 makes files ~20%% smaller "
                        "but writes a 12 MP photo ~5x slower)")
    p.add_argument("--overwrite", action="store_true", help="redo outputs that already exist (default: skip)")
    p.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS,
                   help=f"refuse images larger than this many pixels (default: {DEFAULT_MAX_PIXELS:,})")
    add_debug_flag(p)
    return p


def plan_outputs(paths, out_dir, fmt):
    """[(input, output)] for every image found; folder inputs keep their relative layout."""
    jobs, problems = [], []
    for path in paths:
        if os.path.isdir(path) and not path.lower().endswith(IMAGE_EXTENSIONS):
            for record in list_folder(path):
                jobs.append((record.path, os.path.join(out_dir, os.path.splitext(record.id)[0] + "." + fmt)))
        elif os.path.lexists(path):
            name = os.path.splitext(os.path.basename(os.path.normpath(path)))[0]
            jobs.append((path, os.path.join(out_dir, name + "." + fmt)))
        else:
            problems.append((path, "no such file or folder"))
    # Two inputs that would land on one output (a.jpg, a.png) keep their extension in the name.
    counts = {}
    for _, output in jobs:
        counts[output] = counts.get(output, 0) + 1
    jobs = [(src, dst if counts[dst] == 1 else f"{os.path.splitext(dst)[0]}_{src.rsplit('.', 1)[-1].lower()}.{fmt}")
            for src, dst in jobs]
    return jobs, problems


def sample_paths(path, count):
    stem, ext = os.path.splitext(path)
    return [f"{stem}_sample{k}{ext}" for k in range(1, count + 1)]


class SampleColorizer:
    """A callable image -> list of `count` samples, for colorize_files."""

    def __init__(self, model, count, seed=0, render_size=None, **decoding):
        self.model, self.samples_per_image, self.seed = model, count, seed
        self.render_size, self.decoding = render_size, decoding

    def __call__(self, rgb):
        return self.model.colorize(rgb, samples=self.samples_per_image, seed=self.seed,
                                   render_size=self.render_size, **self.decoding)


def colorize_files(jobs, colorizer, fmt="png", overwrite=False, max_pixels=DEFAULT_MAX_PIXELS,
                   debug=False, log=None, png_compression=1):
    """Runs the batch; returns counts {'done', 'skipped', 'failed'}."""
    import traceback
    from tqdm import tqdm
    from deepcolor.data.images import BadImageError, read_image

    counts = {"done": 0, "skipped": 0, "failed": 0}
    try:
        remove_stale_temp_files([dst for _, dst in jobs])
    except OSError:
        pass  # an unreadable output folder is reported per file below
    # disable=None: a bar on a terminal only, so logs and pipes get clean one-line messages.
    bar = tqdm(jobs, unit="img", disable=True if len(jobs) < 2 else None, file=sys.stderr)
    log = log or (lambda line: tqdm.write(line, file=sys.stderr))
    for src, dst in bar:
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
            for target, image in zip(targets, result if samples else [result]):
                save_image(image, alpha, target, fmt, png_compression)
            counts["done"] += 1
        except BadImageError as e:
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
    try:
        os.makedirs(args.out, exist_ok=True)
        probe = os.path.join(args.out, f".write-test-{os.getpid()}")
        open(probe, "wb").close()
        os.remove(probe)
    except OSError as e:
        print(f"error: output folder {args.out} is not writable ({e.strerror or e})", file=sys.stderr)
        return 2
    from deepcolor.api import load
    from deepcolor.errors import DeepColorError
    try:
        model = load(args.model)
        if args.samples:
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
    counts = colorize_files(jobs, colorizer, args.format, args.overwrite, args.max_pixels, args.debug,
                            png_compression=args.png_compression)
    counts["failed"] += len(problems)
    print(f"colorized {counts['done']}, skipped {counts['skipped']} (already done), "
          f"failed {counts['failed']} -> {args.out}")
    return 1 if counts["failed"] else 0
