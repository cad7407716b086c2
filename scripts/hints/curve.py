"""PSNR against the number of colour hints, as Zhang et al. (2017) measured it, beside the automatic model:
    PYTHONPATH=. python scripts/hints/curve.py --run runs/hints --split test --out results/hints/test

For every photo of the split (the hint model's own seeded split, squashed to 256 x 256 as `deepcolor evaluate`
measures), N random pixels (N = 0, 1, 2, 5, 10, 20, 50; the same pixels for every model, seeded by the photo)
are given with their true colours as hints; the photo is colorized on the `colorize` path (chroma predicted
at the model's size, on the photo's own lightness) and scored with deepcolor.color.metrics. Also measured:
ΔE_ab (CIE 1976) between the colorized photo and the asked colour at each hinted pixel. Both as the user gets
it (the hints then put on the network's output at the photo's resolution, color/hints.py: apply_hints: each
point's remaining correction spread over nearby pixels of like lightness, every hint pinned at its own pixels)
and from the network alone (network_only=True). The automatic model (default: the `default` preset) colorizes the same photos without hints.

Writes OUT/curve.json, OUT/curve.md, OUT/curve.png and OUT/example.png (gray / automatic / 10 hints, marked /
truth for a few photos).
"""

import argparse
import os
import sys
import time

import numpy as np

COUNTS = (0, 1, 2, 5, 10, 20, 50)
METRIC_SIZE = 256  # photos are squashed to this size, as `deepcolor evaluate` measures


def split_photos(run, split, limit=0, evenly=0):
    """The photos of a run's seeded split as uint8 METRIC_SIZE² arrays (tune_spread.py and
    one_hint_figure.py use them too): the first `limit` (0: all), or `evenly` of them spread through
    the split. -> (how many, an iterator over them)."""
    from deepcolor import runs
    from deepcolor.data import scan_records
    from deepcolor.data.pipeline import resized_images
    from deepcolor.data.sources import run_splits
    settings = runs.load_config(run)["settings"]
    records = run_splits(run, settings)[split]
    if evenly:
        records = [records[round(k)] for k in np.linspace(0, len(records) - 1, evenly)]
    usable, _ = scan_records(records)
    infos = [info for _, info in usable][: limit or None]
    return len(infos), resized_images(infos, (METRIC_SIZE,), settings["resize"]).as_numpy_iterator()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="the hint model's run directory (its split is used)")
    p.add_argument("--model", default=None, help="the hint model to score (default: the run's best checkpoint); "
                                                 "a preset name or folder also works")
    p.add_argument("--automatic", default="default", help="the automatic model beside it (default: default)")
    p.add_argument("--split", default="test", choices=("val", "test"), help="split of the run's data (default: test)")
    p.add_argument("--temperature", type=float, default=None,
                   help="the hint model's annealed-mean temperature (default: the model's own)")
    p.add_argument("--counts", default=",".join(map(str, COUNTS)), help="hint counts (default: %(default)s)")
    p.add_argument("--limit", type=int, default=0, help="score only the first N photos (0 = all; default: 0)")
    p.add_argument("--examples", type=int, default=4, help="photos in example.png (default: 4)")
    p.add_argument("--out", required=True, help="output folder")
    return p.parse_args(argv)


def delta_e(colorized, truth, points):
    """ΔE_ab (CIE 1976) at each hinted pixel between the colorized photo and the asked (true) colour."""
    from deepcolor import color
    if not points:
        return []
    ys, xs = [y for _, y, _ in points], [x for x, _, _ in points]
    got = np.asarray(color.rgb_to_lab(colorized[ys, xs].astype(np.float32) / 255.0))
    asked = np.asarray(color.rgb_to_lab(np.array([rgb for _, _, rgb in points], np.float32) / 255.0))
    return list(np.sqrt(((got - asked) ** 2).sum(-1)))


def main(argv=None):
    args = parse_args(argv)
    import tensorflow as tf
    from deepcolor import runs
    from deepcolor.api import load
    from deepcolor.color.hints import apply_hints, ground_truth_points
    from deepcolor.color.metrics import ColorizationMetrics

    counts = [int(c) for c in args.counts.split(",")]
    hinted = load(args.model or args.run)
    automatic = load(args.automatic)
    if not hinted.takes_hints:
        raise SystemExit(f"{args.model or args.run}: not a hint model")
    count, photos = split_photos(args.run, args.split, args.limit)
    colorize_hinted = hinted.colorizer(temperature=args.temperature)
    colorize_automatic = automatic.colorizer()
    rows = {n: ColorizationMetrics() for n in counts}
    network_rows = {n: ColorizationMetrics() for n in counts}
    auto_row, errors, network_errors = ColorizationMetrics(), {n: [] for n in counts}, {n: [] for n in counts}
    examples, started = [], time.time()
    for k, truth in enumerate(photos):
        auto = colorize_automatic(truth)
        auto_row.update_srgb(tf.constant(auto[None]), tf.constant(truth[None]))
        for n in counts:
            points = ground_truth_points(truth, n, seed=k)
            network = colorize_hinted(truth, points, network_only=True)
            out = apply_hints(network, points, image_size=colorize_hinted.image_size)
            rows[n].update_srgb(tf.constant(out[None]), tf.constant(truth[None]))
            network_rows[n].update_srgb(tf.constant(network[None]), tf.constant(truth[None]))
            errors[n] += delta_e(out, truth, points)
            network_errors[n] += delta_e(network, truth, points)
            if n == 10 and len(examples) < args.examples:
                examples.append((truth, auto, out, points))
        print(f"\r{k + 1}/{count} photos", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    auto_metrics = auto_row.result()
    result = {
        "run": args.run, "model": args.model or hinted.source, "automatic": args.automatic, "split": args.split,
        "images": count, "temperature": args.temperature, "metric_size": METRIC_SIZE,
        "automatic_psnr": auto_metrics["psnr"], "automatic_metrics": auto_metrics,
        "rows": {str(n): {**rows[n].result(), **delta_e_summary(errors[n])} for n in counts},
        "network_rows": {str(n): {**network_rows[n].result(), **delta_e_summary(network_errors[n])} for n in counts},
        "seconds": time.time() - started,
        "command": "PYTHONPATH=. python scripts/hints/curve.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    os.makedirs(args.out, exist_ok=True)
    runs.write_json(os.path.join(args.out, "curve.json"), result)
    lines = [f"# PSNR against the number of hints ({args.split} split, {count} photos at {METRIC_SIZE} x {METRIC_SIZE})", "",
             f"Automatic model ({args.automatic}), no hints: PSNR {auto_metrics['psnr']:.2f} dB, "
             f"SSIM {auto_metrics['ssim']:.4f}, AuC {auto_metrics['auc_ab']:.4f}.", "",
             "As delivered: what `colorize(..., hints=)` returns, the hints put on the network's output at the "
             "photo's resolution (each point's remaining correction spread over nearby pixels of like lightness, "
             "every hint pinned at its own pixels: color/hints.py, apply_hints). Network alone: its colours before that.", "",
             "| hints | PSNR dB | vs automatic dB | SSIM | AuC ab | ΔE_ab at the hinted pixels (mean / median) "
             "| hints within ΔE 10 | network alone: PSNR dB | ΔE_ab (mean / median) | within ΔE 10 |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for n in counts:
        r, raw = result["rows"][str(n)], result["network_rows"][str(n)]
        lines.append(f"| {n} | {r['psnr']:.2f} | {r['psnr'] - auto_metrics['psnr']:+.2f} | {r['ssim']:.4f} | "
                     f"{r['auc_ab']:.4f} | {format_delta_e(r)} | {raw['psnr']:.2f} | {format_delta_e(raw)} |")
    lines += ["", f"Command: `{result['command']}` ({result['seconds'] / 60:.0f} min on a 2-core CPU)", ""]
    runs.atomic_write_text(os.path.join(args.out, "curve.md"), "\n".join(lines))
    plot(result, counts, os.path.join(args.out, "curve.png"))
    example_grid(examples, os.path.join(args.out, "example.png"))
    print("\n".join(lines))


def delta_e_summary(errors):
    if not errors:
        return {"delta_e_at_hints_mean": None, "delta_e_at_hints_median": None, "share_of_hints_within_delta_e_10": None}
    return {"delta_e_at_hints_mean": float(np.mean(errors)), "delta_e_at_hints_median": float(np.median(errors)),
            "share_of_hints_within_delta_e_10": float(np.mean(np.array(errors) <= 10))}


def format_delta_e(row):
    """'mean / median | share within 10' table cells ('|' for no hints)."""
    if row["delta_e_at_hints_mean"] is None:
        return " | "
    return (f"{row['delta_e_at_hints_mean']:.2f} / {row['delta_e_at_hints_median']:.2f} | "
            f"{row['share_of_hints_within_delta_e_10']:.0%}")


def plot(result, counts, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    xs = [max(n, 0.5) for n in counts]  # log axis: 0 hints drawn at 0.5
    ax.plot(xs, [result["rows"][str(n)]["psnr"] for n in counts], "o-", label="hint model, true-colour hints")
    ax.axhline(result["automatic_psnr"], color="gray", ls="--", label=f"automatic ({result['automatic']})")
    ax.set_xscale("log")
    ax.set_xticks(xs, [str(n) for n in counts])
    ax.set_xlabel("hinted pixels (random, their true colours)")
    ax.set_ylabel("PSNR dB (256 x 256)")
    ax.set_title(f"{result['split']} split, {result['images']} photos")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def example_grid(examples, path):
    """Rows: gray / automatic / 10 hints (marked with rings) / truth."""
    from PIL import Image, ImageDraw
    from deepcolor.pages import plots
    if not examples:
        return
    columns = [[], [], [], []]
    for truth, auto, out, points in examples:
        gray = np.repeat(np.asarray(Image.fromarray(truth).convert("L"))[..., None], 3, axis=-1)
        marked = Image.fromarray(out)
        draw = ImageDraw.Draw(marked)
        for x, y, rgb in points:
            draw.ellipse([x - 5, y - 5, x + 5, y + 5], outline=(255, 255, 255), width=2)
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=tuple(rgb))
        for column, image in zip(columns, (gray, auto, np.asarray(marked), truth)):
            column.append(image)
    plots.sample_grid([np.stack(c) for c in columns], path,
                      titles=("gray input", "automatic", "10 true-colour hints (dots)", "ground truth"))


if __name__ == "__main__":
    main()
