"""Chooses apply_hints' two constants (color/hints.py: SPREAD_REACH, SPREAD_LIGHTNESS) on the validation split:
    PYTHONPATH=. python scripts/hints/tune_spread.py --run runs/hints_gated --limit 60 --out results/hints/val/spread

For every photo of the split (256 x 256, as curve.py), the hint model colorizes it once per hint count with
random true-colour points (the same points as curve.py: seeded by the photo), and every (reach, lightness)
pair of the grid then puts those hints on that one network output; PSNR per pair and count. The rule: the
highest mean PSNR over the counts 2, 10 and 50 (a few hints, the target's ten, many), among the pairs that
lower no count's PSNR below pinning alone (reach 0). Writes OUT/spread.json and OUT/spread.md.
"""

import argparse
import itertools
import json
import os
import sys
import time

import numpy as np

REACHES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)
LIGHTNESSES = (10.0, 20.0, 40.0)
FLUSH = 25  # photos scored together (the metrics run faster on a batch)
COUNTS = (2, 10, 50)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="the hint model's run directory (its val split is used)")
    p.add_argument("--temperature", type=float, default=None, help="annealed-mean temperature (default: the model's)")
    p.add_argument("--limit", type=int, default=0, help="only the first N photos (0 = all; default: 0)")
    p.add_argument("--out", required=True, help="output folder")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import tensorflow as tf
    from deepcolor import runs
    from deepcolor.api import load
    from deepcolor.color.hints import apply_hints, ground_truth_points
    from deepcolor.color.metrics import ColorizationMetrics
    from curve import split_photos  # this folder's curve.py: the same photos, the same points

    model = load(args.run)
    colorize = model.colorizer(temperature=args.temperature)
    count, photos = split_photos(args.run, "val", args.limit)
    grid = list(itertools.product(REACHES, LIGHTNESSES))
    grid = [(r, l) for r, l in grid if r > 0 or l == LIGHTNESSES[0]]  # reach 0: pinning alone, lightness unused
    scores = {(r, l, n): ColorizationMetrics() for r, l in grid for n in COUNTS}
    pending = {key: [] for key in scores}  # (output, truth) pairs not yet scored

    def flush():
        for key, pairs in pending.items():
            if pairs:
                scores[key].update_srgb(tf.constant(np.stack([o for o, _ in pairs])), tf.constant(np.stack([t for _, t in pairs])))
                pairs.clear()
    started = time.time()
    for k, truth in enumerate(photos):
        for n in COUNTS:
            points = ground_truth_points(truth, n, seed=k)  # curve.py's points
            network = colorize(truth, points, network_only=True)
            for reach, lightness in grid:
                out = apply_hints(network, points, image_size=colorize.image_size, reach=reach, lightness=lightness)
                pending[(reach, lightness, n)].append((out, truth))
        if (k + 1) % FLUSH == 0:
            flush()
        print(f"\r{k + 1}/{count} photos", end="", file=sys.stderr, flush=True)
    flush()
    print(file=sys.stderr)
    psnr = {key: metrics.result()["psnr"] for key, metrics in scores.items()}
    pin_only = {n: psnr[(0.0, LIGHTNESSES[0], n)] for n in COUNTS}
    allowed = [(r, l) for r, l in grid if all(psnr[(r, l, n)] >= pin_only[n] for n in COUNTS)]
    chosen = max(allowed, key=lambda rl: sum(psnr[(*rl, n)] for n in COUNTS))
    command = "PYTHONPATH=. python scripts/hints/tune_spread.py " + " ".join(argv if argv is not None else sys.argv[1:])
    result = {"run": args.run, "split": "val", "images": count, "temperature": args.temperature,
              "counts": list(COUNTS), "psnr": {f"{r}/{l}/{n}": v for (r, l, n), v in psnr.items()},
              "chosen": {"reach": chosen[0], "lightness": chosen[1]}, "seconds": time.time() - started,
              "command": command}
    os.makedirs(args.out, exist_ok=True)
    runs.write_json(os.path.join(args.out, "spread.json"), result)
    lines = [f"# Spreading hints at the photo's resolution: the constants, chosen on the val split ({count} photos)",
             "", "PSNR dB at 256 x 256 with N random true-colour hints, for each (reach, lightness) of "
             "`apply_hints` (color/hints.py). Reach 0: the hints only pinned at their pixels. The rule: the highest "
             f"mean over N = {', '.join(map(str, COUNTS))}, among the pairs that lower no N below pinning alone.", "",
             "| reach (sigma / longer side) | lightness (sigma, L*) | " + " | ".join(f"N = {n}" for n in COUNTS)
             + " | mean |", "|---|---|" + "---|" * (len(COUNTS) + 1)]
    for r, l in grid:
        values = [psnr[(r, l, n)] for n in COUNTS]
        mark = "**" if (r, l) == chosen else ""
        lines.append(f"| {mark}{r:g}{mark} | {mark}{l:g}{mark} | " + " | ".join(f"{v:.3f}" for v in values)
                     + f" | {sum(values) / len(values):.3f} |")
    lines += ["", f"Chosen: reach {chosen[0]:g}, lightness {chosen[1]:g} (the constants SPREAD_REACH and "
              "SPREAD_LIGHTNESS in deepcolor/color/hints.py).", "",
              f"Command: `{command}` ({result['seconds'] / 60:.0f} min on a 2-core CPU)", ""]
    runs.atomic_write_text(os.path.join(args.out, "spread.md"), "\n".join(lines))
    print("\n".join(lines))
    print(json.dumps(result["chosen"]))


if __name__ == "__main__":
    main()
