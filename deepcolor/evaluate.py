"""Evaluate a trained run:  python -m deepcolor.evaluate --run runs/NAME

Writes to --out (default RUN/eval): metrics.json, metrics.md (one table with the model row and the
gray baseline row, computed on the same images), samples.png (gray / colorized / truth) and
loss_curve.png. sRGB metrics use the same full-resolution path as `colorize`: chroma predicted at
the model's size, upsampled to --metric-size, recombined with that image's own L.
"""

import argparse
import os
import sys
import time

from deepcolor.errors import UsageError
from deepcolor.runs import add_debug_flag, add_decoding_flags, run_cli
from deepcolor.cli import prog_name
from deepcolor.data.images import DEFAULT_MAX_PIXELS

COLUMNS = [("mse_target", "MSE (target space)", "{:.5f}"), ("psnr", "PSNR dB", "{:.2f}"),
           ("ssim", "SSIM", "{:.4f}"), ("colorfulness", "CF", "{:.2f}"),
           ("delta_colorfulness", "ΔCF", "{:.2f}"), ("auc_ab", "AuC ab", "{:.4f}"),
           ("psnr_raw_output", "PSNR raw output dB", "{:.2f}"), ("neutral_chroma", "neutral chroma", "{:.2f}")]


def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.evaluate"), description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--run", required=True, help="run directory written by deepcolor.train")
    p.add_argument("--data", default=None, help="image source to evaluate on (default: the run's own); same specs as train --data")
    p.add_argument("--split", default="auto", choices=("auto", "train", "val", "test", "all"),
                   help="which split of the source (same seeded hash split as training); auto = test, "
                        "or val for sources without a test split (002's mix, 001's subsets)")
    p.add_argument("--which", default="best", choices=("best", "last"), help="checkpoint to evaluate")
    p.add_argument("--metric-size", type=int, default=256, help="resolution of the sRGB metrics")
    p.add_argument("--batch-size", type=int, default=16, help="evaluation batch size")
    p.add_argument("--samples", type=int, default=6, help="rows in the sample grid")
    p.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, help="skip larger images")
    add_decoding_flags(p)
    p.add_argument("--render-size", type=int, default=None,
                   help="square size colour is predicted at on the colorize path (default: the model's own)")
    p.add_argument("--border", type=float, default=None,
                   help="mirrored margin around the photo, as a fraction of the model's size (see "
                        "deepcolor/inference/colorizer.py; default: the run's setting, else 0)")
    p.add_argument("--compare", action="append", default=[], metavar="NAME=MODEL",
                   help="also colorize the same images with this model (a preset name, preset folder, run "
                        "directory or .keras file; its own size and decoding), one row NAME each, beside this "
                        "run's; repeat for more (default: none)")
    p.add_argument("--label", default=None,
                   help="this run's row name in the tables and grid (default: ARCH (CHECKPOINT))")
    p.add_argument("--per-source", action="store_true",
                   help="also one table per source folder of a SPEC+SPEC data source (default: off)")
    p.add_argument("--out", default=None, help="output folder (default: RUN/eval)")
    add_debug_flag(p)
    return p


def format_table(rows, columns=COLUMNS):
    """rows: {name: metrics dict} -> a markdown table (blank where a metric does not apply)."""
    header = "| model | images | " + " | ".join(title for _, title, _ in columns) + " |"
    lines = [header, "|" + "---|" * (len(columns) + 2)]
    for name, metrics in rows.items():
        cells = [fmt.format(metrics[key]) if metrics.get(key) is not None else "" for key, _, fmt in columns]
        lines.append(f"| {name} | {metrics['images']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def source_labels(data_spec, infos):
    """Each image's source folder name, for a SPEC+SPEC source of folders (else one label, "all")."""
    roots = [os.path.abspath(part[len("folder:"):]) for part in data_spec.split("+") if part.startswith("folder:")]
    labels = []
    for info in infos:
        path = os.path.abspath(info.path)
        labels.append(next((os.path.basename(r) for r in roots if path.startswith(r + os.sep)), "all"))
    return labels


def evaluate(run_dir, data=None, split="auto", which="best", metric_size=256, batch_size=16,
             samples=6, max_pixels=DEFAULT_MAX_PIXELS, out=None, temperature=None, border=None,
             prior_exponent=None, render_size=None, compare=(), per_source=False, label=None):
    """compare: [(name, model source)] colorized on the same images, a row each; per_source: a table
    per source folder too."""
    import numpy as np
    import tensorflow as tf
    from deepcolor.pages import plots
    from deepcolor import runs
    from deepcolor.data import resolve_source, scan_records
    from deepcolor.data.pipeline import resized_images
    from deepcolor.data.sources import run_splits
    from deepcolor.color.encodings import Rgb01, get_encoding
    from deepcolor.data.image_ops import to_uint8
    from deepcolor.inference.colorizer import colorize_uint8, decode, gray_uint8, run_model
    from deepcolor.color.metrics import ColorizationMetrics

    from deepcolor.api import load
    loaded = load(run_dir, which)  # the one place a run directory becomes a model
    s, model, model_path = loaded.settings, loaded.keras_model, loaded.source
    out = out or os.path.join(run_dir, "eval")
    os.makedirs(out, exist_ok=True)
    encoding = get_encoding(s["encoding"])
    size, resize = s["image_size"], s["resize"]
    border = loaded.border if border is None else border
    decoding = {k: v for k, v in (("temperature", temperature), ("prior_exponent", prior_exponent)) if v}
    render = render_size or size  # the colorize path may predict at another size (same weights)
    render_model = loaded.keras_model_at(render)

    if split == "all":
        records = resolve_source(data or s["data"], s["max_samples"] if data is None else 0, s["seed"])
    else:
        splits = run_splits(run_dir, s, data)  # the split training wrote, on the run's own data
        records = [r for part in splits.values() for r in part]
        if split == "auto":
            split = "test" if splits["test"] else "val"
        if records and not splits[split]:
            sizes = ", ".join(f"{name} {len(part)}" for name, part in splits.items())
            raise UsageError(f"the {split} split of {data or s['data']} is empty ({sizes}); "
                             f"pass --split with one that has images")
        records = splits[split]
    usable, skipped = scan_records(records, max_pixels)
    if not usable:
        raise UsageError(f"no usable images in the {split} split of {data or s['data']}")
    infos = [info for _, info in usable]

    @tf.function(reduce_retracing=True)
    def step(rgb_model, rgb_metric):
        rgb = tf.cast(rgb_model, tf.float32) / 255.0
        prediction = run_model(model, encoding.model_input(rgb))
        gray_rgb = tf.cast(gray_uint8(encoding, rgb_model), tf.float32) / 255.0
        decoded = decode(encoding, prediction, decoding) / 128.0 if decoding else encoding.in_target_space(prediction)
        if decoded.shape[1] != size:  # a head that predicts below the input size
            decoded = tf.image.resize(decoded, [size, size], method="bilinear")
        return (decoded, encoding.target(rgb), encoding.target(gray_rgb),
                colorize_uint8(render_model, encoding, rgb_metric, render, resize, border, decoding),
                gray_uint8(encoding, rgb_metric))

    others = {name: load(source).colorizer() for name, source in compare}  # each with its own decoding
    ours_name = label or f"{s['arch']} ({os.path.basename(model_path)})"
    names = [*others, ours_name, "gray baseline (zero chroma)"]
    labels = source_labels(data or s["data"], infos) if per_source else ["all"] * len(infos)
    metrics = {(name, label): ColorizationMetrics() for name in names for label in {"all", *labels}}
    grid = [[] for _ in range(len(others) + 3)]
    started, seen = time.time(), 0
    dataset = resized_images(infos, (size, metric_size), resize).batch(batch_size).prefetch(2)
    for rgb_model, rgb_metric in dataset:
        prediction, target, gray_target, colorized, grayed = step(rgb_model, rgb_metric)
        outputs = {**{name: tf.constant(c(rgb_metric.numpy())) for name, c in others.items()},
                   ours_name: colorized, names[-1]: grayed}
        batch_labels = labels[seen:seen + int(rgb_model.shape[0])]
        seen += len(batch_labels)
        for label in {"all", *batch_labels}:
            index = [k for k, l in enumerate(batch_labels) if label in ("all", l)]
            for name, images in outputs.items():
                metrics[name, label].update_srgb(tf.gather(images, index), tf.gather(rgb_metric, index))
        metrics[ours_name, "all"].update_target(prediction, target)
        metrics[names[-1], "all"].update_target(gray_target, target)
        if isinstance(encoding, Rgb01):  # RGB-output models: also report 002's raw-output PSNR
            metrics[ours_name, "all"].update_raw(to_uint8(encoding.to_rgb01(prediction)), rgb_model)
            metrics[names[-1], "all"].update_raw(gray_uint8(encoding, rgb_model), rgb_model)
        columns = (grayed, *[outputs[n] for n in others], colorized, rgb_metric)
        for column, images in zip(grid, columns):
            column.extend(list(np.asarray(images)[: max(0, samples - len(column))]))

    rows = {name: metrics[name, "all"].result() for name in names}
    result = {
        "run": run_dir, "checkpoint": model_path, "arch": s["arch"], "encoding": s["encoding"],
        "data": data or s["data"], "split": split, "image_size": size, "metric_size": metric_size,
        "temperature": temperature, "prior_exponent": prior_exponent, "border": border, "render_size": render,
        "images": len(infos), "skipped_files": [{"file": r.path, "problem": p} for r, p in skipped],
        "rows": rows, "seconds": time.time() - started,
        "command": runs.command_line("deepcolor.evaluate"),
    }
    table = format_table(rows)
    if per_source:
        result["per_source"] = {}
        for label in sorted(set(labels)):
            count = labels.count(label)
            result["per_source"][label] = {name: metrics[name, label].result() for name in names}
            table += (f"\n\n{label} ({count} images):\n\n"
                      + format_table(result["per_source"][label], [c for c in COLUMNS if c[0] != "mse_target"]))
    if compare:
        result["compare"] = dict(compare)
    if s.get("experiment"):
        from deepcolor.experiments import paper_line
        result["paper"] = paper_line(s["experiment"], list(rows.values())[0])
        table += "\n\n" + result["paper"]
    runs.write_json(os.path.join(out, "metrics.json"), result)
    runs.atomic_write_text(os.path.join(out, "metrics.md"), "\n".join([
        f"# {s['arch']} on {result['data']} ({split} split, {len(infos)} images)", "",
        f"Model trained at {size}x{size}; sRGB metrics at {metric_size}x{metric_size} on the full-resolution",
        "colorize path (predicted chroma upsampled onto the image's own L). `PSNR raw output` is the",
        "model's own RGB output against the truth at the model size, as report 002 measured it.", "",
        table, "", f"Command: `{result['command']}`", ""]))
    if grid[0]:
        plots.sample_grid([np.stack(c) for c in grid], os.path.join(out, "samples.png"),
                          titles=("gray input", *others, label or (s["arch"] if others else "colorized"),
                                  "ground truth"))
    history = runs.read_history(run_dir)
    if history:
        plots.loss_curves(history, os.path.join(out, "loss_curve.png"), title=f"{s['arch']}: {run_dir}")
    return result, table


def parse_compare(values):
    pairs = []
    for value in values:
        name, sep, source = value.partition("=")
        if not sep or not name or not source:
            raise UsageError(f"--compare {value!r}: expected NAME=MODEL, e.g. v1=default_v1")
        pairs.append((name, source))
    return pairs


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.batch_size <= 0 or args.metric_size <= 0:
        raise UsageError("--batch-size and --metric-size must be positive")
    result, table = evaluate(args.run, args.data, args.split, args.which, args.metric_size,
                             args.batch_size, args.samples, args.max_pixels, args.out, args.temperature, args.border,
                             args.prior_exponent, args.render_size, parse_compare(args.compare), args.per_source,
                             args.label)
    print(table)
    print(f"wrote {args.out or os.path.join(args.run, 'eval')} ({result['images']} images, "
          f"{len(result['skipped_files'])} skipped, {result['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
