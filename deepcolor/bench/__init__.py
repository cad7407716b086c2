"""Benchmarks, measured side by side in one run:
    python -m deepcolor.bench --data folder:$DEEPCOLOR_PHOTOS --out results/bench

1. input pipeline images/s (decode -> resize -> color conversion -> batch), ours (tf.data) versus a
   re-creation of report 002's loader (a keras.utils.Sequence that loads each file with PIL per batch),
   on the same files, checked to give the same tensors (within one 8-bit level: the resamplers round
   differently);
2. U-Net training images/s (batch 16), ours with --jit off and on, versus report 002's original
   code (its Sequence + default `fit`, the same model built with Keras' own BatchNormalization and Dropout
   where ours uses the fused kernels of deepcolor.models.fast_layers), with the FLOP/s reached as a
   share of a same-run matmul peak, and a per-layer profile of both;
3. colorize latency file -> file (256x256, 768x512, 12 MP photos tiled from the real photos of
   --data) and folder throughput;
4. peak resident memory of each (every measurement runs in its own process).
Medians over repeats after warm-up. --quick shrinks everything to a CI-sized correctness run (its
timings mean nothing); it asserts only that both loaders give the same tensors.
"""

import argparse
import os
import platform
import sys
import tempfile
import time

from deepcolor.errors import UsageError
from deepcolor.bench.measure import (check_loaders_agree, classification_report, in_child, machine_info, measure_colorize,
                                     measure_matmul_peak, measure_pipeline, measure_training, photo_mosaic,
                                     profile_training_step)
from deepcolor.runs import add_debug_flag, run_cli
from deepcolor.cli import prog_name

def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.bench"), description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=None,
                   help="photos to read (default: folder:$DEEPCOLOR_PHOTOS if set, else 'sample', the photos "
                        "bundled with scikit-image)")
    p.add_argument("--out", default="results/bench", help="folder for <machine>.json and .md (default: results/bench)")
    p.add_argument("--machine", default=None, help="machine name in the file names (default: the host name)")
    p.add_argument("--images", type=int, default=256, help="photos used by the pipeline benchmark (default: 256)")
    p.add_argument("--sizes", default="128,256", help="square sizes to measure (default: 128,256)")
    p.add_argument("--batch-size", type=int, default=16, help="batch size (default: 16)")
    p.add_argument("--repeats", type=int, default=3, help="timed repeats per measurement (default: 3)")
    p.add_argument("--train-steps", type=int, default=6, help="timed training steps (default: 6)")
    p.add_argument("--skip-jit", action="store_true", help="skip the --jit on training runs (default: run them)")
    p.add_argument("--only", default="all", choices=("all", "classification"),
                   help="all (pipeline, training, colorize) or classification: the U-Net training step with "
                        "regression vs Zhang's 313-bin classification, before and after the table-lookup "
                        "loss and the half-size head, interleaved in one process (default: all)")
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes and counts for CI: checks correctness, timings are not meaningful")
    add_debug_flag(p)
    return p


# ----------------------------------------------------------------------------- report

def markdown(report):
    r = report["results"]
    lines = [f"# Benchmark: {report['machine']['name']}", "",
             f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
             f"{report['machine']['memory_gb']:.0f} GiB, GPUs: {', '.join(report['machine']['gpus']) or 'none'}.",
             f"Versions: TensorFlow {report['versions']['tensorflow']}, Keras {report['versions']['keras']}, "
             f"Python {report['versions']['python']}. Date: {report['date']}.", "",
             f"Command: `{report['command']}`", ""]
    if report["quick"]:
        lines += ["**--quick run: tiny sizes and counts; the timings below mean nothing.**", ""]
    check = r["loader_check"]
    lines += [f"Loaders agree: {check['same_tensors']} (max |difference| {check['max_abs_difference'] * 255:.2f} "
              f"levels of 255 over {check['images']} photos at {check['size']}²).", "",
              "## 1. Input pipeline, one uncached pass (images/s)", "",
              "| size | ours (tf.data) | report 002's loader (Sequence + PIL) | ours / report 002's | "
              "peak RSS ours / report 002's (MB) |",
              "|---|---|---|---|---|"]
    for size in report["sizes"]:
        o, s = r["pipeline"]["ours"][str(size)], r["pipeline"]["report002_code"][str(size)]
        lines.append(f"| {size}² | {o['images_per_s']:.1f} | {s['images_per_s']:.1f} | "
                     f"{o['images_per_s'] / s['images_per_s']:.2f}× | {r['pipeline']['ours_rss_mb']:.0f} / "
                     f"{r['pipeline']['report002_code_rss_mb']:.0f} |")
    lines += ["", f"## 2. U-Net training, batch {report['batch_size']} (images/s, median step)", "",
              "| size | " + " | ".join(r["train"]) + " | ours jit off / report 002's | pipeline / training (jit off) |",
              "|---|" + "---|" * (len(r["train"]) + 2)]
    for size in report["sizes"]:
        cells = [f"{r['train'][k]['result'][str(size)]['images_per_s']:.2f}" for k in r["train"]]
        ours = r["train"]["ours_jit_off"]["result"][str(size)]["images_per_s"]
        theirs = r["train"]["report002_code"]["result"][str(size)]["images_per_s"]
        pipe = r["pipeline"]["ours"][str(size)]["images_per_s"]
        lines.append(f"| {size}² | " + " | ".join(cells) + f" | {ours / theirs:.2f}× | {pipe / ours:.1f}× |")
    lines += ["", "Peak RSS (MB): " + ", ".join(f"{k} {v['rss_mb']:.0f}" for k, v in r["train"].items())]
    if "matmul_peak" in r:
        peak = r["matmul_peak"]["flops_per_s"]
        lines += ["", f"Share of this machine's peak (a {r['matmul_peak']['n']}² float32 matmul in the same run: "
                  f"{peak / 1e9:.1f} GFLOP/s). A step's FLOPs are its convolutions' (forward and both "
                  f"gradients); everything else is memory traffic:", "",
                  "| size | GFLOP per step | " + " | ".join(f"{k} GFLOP/s (share)" for k in r["train"]) + " |",
                  "|---|---|" + "---|" * len(r["train"])]
        for size in report["sizes"]:
            runs_ = [r["train"][k]["result"][str(size)] for k in r["train"]]
            flops = runs_[0]["train_flops"]
            lines.append(f"| {size}² | {flops / 1e9:.1f} | " + " | ".join(
                f"{flops / v['step_s'] / 1e9:.1f} ({flops / v['step_s'] / peak:.0%})" for v in runs_) + " |")
    for key, title in (("profile", "ours"), ("profile_report002_code",
                                             "report 002's original code (Keras' own BatchNormalization and Dropout)")):
        if key not in r:
            continue
        prof = r[key]
        kind = "ours_jit_off" if key == "profile" else "report002_code"
        step = r["train"][kind]["result"][str(prof["size"])]["step_s"]
        lines += ["", f"Where a training step goes, {title} ({prof['size']}², batch {prof['batch_size']}, each "
                  f"layer's forward + backward timed alone; sum {prof['sum_s']:.2f} s against a measured step of "
                  f"{step:.2f} s):", "", "| layer type | seconds | share |", "|---|---|---|"]
        lines += [f"| {k} | {sec:.3f} | {sec / prof['sum_s']:.0%} |" for k, sec in prof["by_layer_type"].items()]
    lines += ["", "## 3. Colorize, file to file (seconds, median; PNG output)", "",
              "| photo | size | total | read | colorize | write |", "|---|---|---|---|---|---|"]
    for label, v in r["colorize"]["result"].items():
        if label != "folder":
            lines.append(f"| {label} | {v['size']} | {v['seconds']:.3f} | {v['read_s']:.3f} | "
                         f"{v['colorize_s']:.3f} | {v['write_s']:.3f} |")
    folder = r["colorize"]["result"]["folder"]
    lines += ["", f"Folder of {folder['images']} photos: {folder['images_per_s']:.2f} images/s. "
              f"Peak RSS {r['colorize']['rss_mb']:.0f} MB.", ""]
    return "\n".join(lines)


def main(argv=None):
    args = build_parser().parse_args(argv)
    from deepcolor import runs
    from deepcolor.data import resolve_source, scan_records

    if args.quick:
        args.images, args.sizes, args.batch_size, args.repeats, args.train_steps = 16, "64", 8, 1, 2
        args.skip_jit = True
    if args.only == "classification":
        return classification_report(args)
    if args.data is None:
        from deepcolor.experiments import local_photos
        args.data = local_photos("DEEPCOLOR_PHOTOS")
    sizes = [int(s) for s in args.sizes.split(",")]
    usable, _ = scan_records(resolve_source(args.data, args.images * 2, seed=0), log=lambda line: None)
    # Upright photos only: report 002's loader ignores EXIF orientation, ours applies it.
    paths = [info.path for _, info in usable if info.orientation == 1][:args.images]
    if len(paths) < args.batch_size:
        raise UsageError(f"{args.data} has only {len(paths)} usable photos; need {args.batch_size}")
    print(f"benchmarking on {len(paths)} photos from {args.data}, sizes {sizes}, batch {args.batch_size}", flush=True)

    results = {}
    results["loader_check"], _ = in_child(check_loaders_agree, paths[:args.batch_size * 2], sizes[0], args.batch_size)
    print(f"loaders agree: {results['loader_check']}", flush=True)
    pipeline = {}
    for kind in ("ours", "report002_code"):
        pipeline[kind], pipeline[f"{kind}_rss_mb"] = in_child(measure_pipeline, kind, paths, sizes,
                                                              args.batch_size, args.repeats)
        print(f"pipeline {kind}: {pipeline[kind]}", flush=True)
    results["pipeline"] = pipeline
    train_paths = paths[:max(args.batch_size * 4, 16)]
    results["train"] = {}
    for kind in ("ours_jit_off", "ours_jit_on", "report002_code"):
        if kind == "ours_jit_on" and args.skip_jit:
            continue
        value, rss = in_child(measure_training, kind, train_paths, sizes, args.batch_size, args.train_steps)
        results["train"][kind] = {"result": value, "rss_mb": rss}
        print(f"train {kind}: {value}", flush=True)

    results["matmul_peak"], _ = in_child(measure_matmul_peak, args.repeats)
    print(f"matmul peak: {results['matmul_peak']['flops_per_s'] / 1e9:.1f} GFLOP/s", flush=True)
    if not args.quick:
        for key, report002_code in (("profile", False), ("profile_report002_code", True)):
            results[key], _ = in_child(profile_training_step, sizes[-1], args.batch_size, args.repeats,
                                       report002_code)
            print(f"{key}: {results[key]}", flush=True)

    with tempfile.TemporaryDirectory() as work:
        photos = {"256x256": (256, 256), "768x512": (768, 512)}
        if not args.quick:
            photos["12MP"] = (4000, 3000)
        photo_paths = {}
        for label, size in photos.items():
            photo_paths[label] = os.path.join(work, f"{label}.jpg")
            photo_mosaic(paths, size).save(photo_paths[label], quality=95)
        folder = paths[:8 if args.quick else 64]
        value, rss = in_child(measure_colorize, photo_paths, folder, args.repeats, work)
        results["colorize"] = {"result": value, "rss_mb": rss}
        print(f"colorize: {value}", flush=True)

    name = args.machine or platform.node() or "machine"
    report = {"machine": {"name": name, **machine_info()}, "versions": runs.package_versions(),
              "date": time.strftime("%Y-%m-%d %H:%M"), "command": runs.command_line("deepcolor.bench"),
              "quick": args.quick, "sizes": sizes, "batch_size": args.batch_size, "photos": len(paths),
              "repeats": args.repeats, "results": results}
    os.makedirs(args.out, exist_ok=True)
    runs.write_json(os.path.join(args.out, f"{name}.json"), report)
    text = markdown(report)
    runs.atomic_write_text(os.path.join(args.out, f"{name}.md"), text)
    print(text)
    if not results["loader_check"]["same_tensors"]:
        print("error: the two loaders gave different tensors", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
