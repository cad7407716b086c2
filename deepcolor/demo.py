"""The offline demo behind `make demo`: the shipped default model colorizes photos in seconds.

Gray versions of the color photos that ship inside scikit-image (no network; none of them was used
in training) are colorized at full resolution, three different plausible colorizations are drawn
for one of them, and a grid (gray / ours / truth) is drawn. Everything goes to --out.

`--train` instead runs the whole pipeline on those photos in about a minute: train -> evaluate ->
export -> colorize (a smoke test of the path, not a good model); the run goes to --run.
"""

import argparse
import os
import sys
import numpy as np

from deepcolor.runs import add_debug_flag, run_cli
from deepcolor.cli import prog_name


def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.demo"), description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", default="results/demo", help="where the results go")
    p.add_argument("--train", action="store_true", help="train a small U-Net first (the one-minute pipeline demo)")
    p.add_argument("--run", default="runs/demo", help="run directory (retrained from scratch)")
    p.add_argument("--image-size", type=int, default=64, help="training size (small, so it is quick on a CPU)")
    p.add_argument("--epochs", type=int, default=20, help="training epochs")
    p.add_argument("--lr", type=float, default=1e-3,
                   help="learning rate (above the paper's 1e-4 so a one-minute run learns something)")
    add_debug_flag(p)
    return p


DEMO_PHOTOS = ("coffee", "astronaut", "chelsea", "rocket")


def demo_photos(folder, gray=True):
    """Writes the demo photos (scikit-image's bundled colour photos, gray by default: what an old
    photo gives us) to `folder` as PNG files; returns their paths."""
    from PIL import Image
    from skimage import data
    os.makedirs(folder, exist_ok=True)
    paths = []
    for name in DEMO_PHOTOS:
        image = Image.fromarray(np.asarray(getattr(data, name)())[..., :3])
        paths.append(os.path.join(folder, f"{name}.png"))
        (image.convert("L") if gray else image).save(paths[-1])
    return paths


def colorize_demo(out):
    """Gray photos -> the default model's colorizations, samples and a grid, in --out."""
    import time
    from PIL import Image
    from skimage import data
    import deepcolor
    from deepcolor.pages import plots
    from deepcolor import runs
    os.makedirs(out, exist_ok=True)
    started = time.time()
    model = deepcolor.load()
    grays, ours, truths = [], [], []
    for name in DEMO_PHOTOS:
        truth = np.asarray(getattr(data, name)())[..., :3]
        gray = np.asarray(Image.fromarray(truth).convert("L"))  # what an old photo gives us
        colorized = deepcolor.colorize(gray, os.path.join(out, f"colorized_{name}.png"), model=model)
        grays.append(np.repeat(gray[..., None], 3, -1)), ours.append(colorized), truths.append(truth)
        print(f"colorized {name} ({gray.shape[1]}x{gray.shape[0]})", flush=True)
    samples = deepcolor.colorize(grays[0][..., 0], os.path.join(out, "samples_coffee.png"), model=model, samples=3)
    seconds = time.time() - started
    plots.sample_grid([grays, ours, truths], os.path.join(out, "side_by_side.png"),
                      titles=("gray input", "DeepColor default model", "original"))
    plots.comparison_grid([("gray input", [grays[0]]), *[(f"sample {k}", [s]) for k, s in enumerate(samples, 1)],
                           ("original", [truths[0]])], os.path.join(out, "samples_grid.png"))
    runs.atomic_write_text(os.path.join(out, "README.md"), "\n".join([
        "# Demo: the shipped default model on photos it never saw", "",
        "Made by `make demo` (that is, `python -m deepcolor.demo`), offline, in "
        f"{seconds:.0f} s on a CPU (model loading included). The photos ship with scikit-image; "
        "each was turned gray and colorized at full resolution:", "",
        "```python", "import deepcolor", "deepcolor.colorize(gray, \"colorized_coffee.png\")", "```", "",
        "![gray / ours / original](side_by_side.png)", "",
        "Three plausible colorizations of one photo (`samples=3`), drawn from the predicted colour distribution:", "",
        "![samples](samples_grid.png)", ""]))
    print(f"demo done in {seconds:.0f} s: see {out}/")
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    if not args.train:
        return colorize_demo(args.out)
    from deepcolor import evaluate, export, runs, train
    from deepcolor.pages import plots
    from deepcolor.api import load
    from deepcolor.inference.colorize_files import colorize_files
    from deepcolor.data.sources import sample_records

    os.makedirs(args.out, exist_ok=True)
    train_args = ["--arch", "unet", "--data", "sample", "--image-size", str(args.image_size),
                  "--epochs", str(args.epochs), "--batch-size", "8", "--lr", str(args.lr),
                  "--out", args.run, "--overwrite"]
    print("[1/4] train: python -m deepcolor.train " + " ".join(train_args), flush=True)
    if train.main(train_args):
        return 1
    print(f"[2/4] evaluate: python -m deepcolor.evaluate --run {args.run} --out {args.out}", flush=True)
    _, table = evaluate.evaluate(args.run, out=args.out)
    print(table)
    saved = os.path.join(args.run, "savedmodel")
    print(f"[3/4] export: python -m deepcolor.export --run {args.run} --out {saved}", flush=True)
    export.export_run(args.run, saved)

    test_photo = next(r.path for r in sample_records() if r.split == "test" and r.path.endswith("_0.png"))
    colorized = os.path.join(args.out, "colorized_coffee.png")
    print(f"[4/4] colorize: python -m deepcolor.colorize {test_photo} --model {saved} --out {args.out}",
          flush=True)
    jobs = [(test_photo, colorized, "png")]
    counts = colorize_files(jobs, load(saved).colorizer(), overwrite=True)
    if counts["failed"]:
        return 1
    from PIL import Image
    truth = np.asarray(Image.open(test_photo).convert("RGB"))
    gray = np.repeat(np.asarray(Image.open(test_photo).convert("L"))[..., None], 3, -1)
    plots.sample_grid([[gray], [np.asarray(Image.open(colorized))], [truth]],
                      os.path.join(args.out, "colorized_coffee_side_by_side.png"),
                      titles=("gray input", "colorized (full resolution)", "ground truth"))
    config = runs.load_config(args.run)
    runs.atomic_write_text(os.path.join(args.out, "README.md"), "\n".join([
        "# Demo: report 002's U-Net on scikit-image's bundled photos", "",
        "Made by `make demo` (that is, `python -m deepcolor.demo`), offline, on "
        f"{config['devices']['gpus'] and 'a GPU' or 'a CPU'}. A one-minute training at "
        f"{args.image_size}x{args.image_size} on tiles of six photos: a smoke test of the whole path, "
        "not a replication result (see `results/` for those).", "",
        "Steps (each is a command you can run yourself):",
        f"1. `python -m deepcolor.train {' '.join(train_args)}`",
        f"2. `python -m deepcolor.evaluate --run {args.run} --out {args.out}` -> `metrics.md`, "
        "`samples.png`, `loss_curve.png`",
        f"3. `python -m deepcolor.export --run {args.run} --out {saved}`",
        f"4. `python -m deepcolor.colorize <coffee.png> --model {saved} --out {args.out}` -> "
        "`colorized_coffee.png`, `colorized_coffee_side_by_side.png`", "",
        "Test split (the held-out `coffee` photo and its tiles):", "", table, ""]))
    print(f"demo done: see {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
