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
import contextlib
import json
import math
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time

from deepcolor.errors import UsageError
from deepcolor.runs import add_debug_flag, run_cli, prog_name

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


# ----------------------------------------------------------------------------- classification step

def measure_classification_step(size, batch_size, steps, repeats):
    """ms per U-Net training step (random data, Adam, the compiled step without Keras's fit loop):
    rgb01 regression; ab_bins as first built (full-
    size 313-channel transposed-conv head, dense soft-encoding over all bins); ab_bins now (half-size
    1x1 head, table-lookup soft-encoding). Variants alternate within each repeat; medians reported."""
    import keras
    import numpy as np
    import tensorflow as tf
    from deepcolor.classification import SoftEncodedCrossEntropy, prior_rebalancing_weights, soft_encode, zhang_bins
    from deepcolor.models import build_model

    class DenseSoftEncodedCrossEntropy(keras.losses.Loss):  # the loss as it was: a [pixels, 313] search
        def call(self, y_true, y_pred):
            target = soft_encode(tf.cast(y_true, tf.float32) * 128.0, zhang_bins())
            loss = -tf.reduce_sum(target * tf.math.log(tf.maximum(y_pred, 1e-7)), -1)
            return loss * tf.gather(prior_rebalancing_weights(), tf.argmax(target, -1))

    rng = np.random.default_rng(0)
    x = rng.random((batch_size, size, size, 1), np.float32)
    rgb = rng.random((batch_size, size, size, 3), np.float32)
    ab = (rng.random((batch_size, size, size, 2), np.float32) - 0.5) * 0.6
    variants = {
        "regression (rgb01, MSE)": ("rgb01", {}, "mse", rgb),
        "ab_bins before (full-size head, dense soft-encoding)": ("ab_bins", {}, DenseSoftEncodedCrossEntropy(), ab),
        "ab_bins now (half-size head, table lookup)": (
            "ab_bins", {"head": "half"}, SoftEncodedCrossEntropy(zhang_bins(), prior_rebalancing_weights()), ab),
    }
    steps_fns = {}
    for name, (encoding, options, loss, y) in variants.items():
        model = build_model("unet", size, encoding, **options)
        optimizer = keras.optimizers.Adam(1e-4)
        loss_fn = keras.losses.get(loss) if isinstance(loss, str) else loss

        @tf.function
        def step(model=model, optimizer=optimizer, loss_fn=loss_fn, y=tf.constant(y)):
            with tf.GradientTape() as tape:
                value = tf.reduce_mean(loss_fn(y, model(x, training=True)))
            optimizer.apply_gradients(zip(tape.gradient(value, model.trainable_variables), model.trainable_variables))
            return value
        step()  # trace
        steps_fns[name] = step
    times = {name: [] for name in variants}
    for _ in range(repeats):
        for name, step in steps_fns.items():
            started = time.perf_counter()
            for _ in range(steps):
                value = step()
            float(value)  # wait for the last step
            times[name].append((time.perf_counter() - started) / steps * 1000)
    return {name: float(np.median(t)) for name, t in times.items()}


def classification_report(args):
    from deepcolor import runs
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = {}
    for size in sizes:
        rows[size], _ = in_child(measure_classification_step, size, args.batch_size, args.train_steps, args.repeats)
        print(f"{size}: {rows[size]}", flush=True)
    name = args.machine or platform.node() or "machine"
    lines = [f"# Classification training step: regression vs Zhang's 313 bins ({name})", "",
             f"`{runs.command_line('deepcolor.bench')}` on {machine_info().get('cpu', '')}, "
             f"{time.strftime('%Y-%m-%d')}: report 002's U-Net, batch {args.batch_size}, Adam, random data; ms per "
             f"training step, median of {args.repeats} interleaved repeats of {args.train_steps} steps.", "",
             "| size | " + " | ".join(rows[sizes[0]]) + " | now / regression |", "|---|" + "---|" * (len(rows[sizes[0]]) + 1)]
    for size, r in rows.items():
        values = list(r.values())
        lines.append(f"| {size}² | " + " | ".join(f"{v:.0f}" for v in values) + f" | {values[2] / values[0]:.2f}× |")
    os.makedirs(args.out, exist_ok=True)
    runs.write_json(os.path.join(args.out, f"classification-{name}.json"), {"rows": rows, "machine": machine_info()})
    runs.atomic_write_text(os.path.join(args.out, f"classification-{name}.md"), "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


# ----------------------------------------------------------------------------- report 002's original loader

def report002_loader(paths, size, batch_size):
    """Report 002's loader, re-created: a Keras Sequence that opens every file with PIL on each
    batch (keras.utils.load_img), converts to float arrays in [0,1] and makes gray with NumPy."""
    import keras
    import numpy as np

    class Report002Loader(keras.utils.PyDataset):  # keras.utils.Sequence is this class in Keras 3
        def __len__(self):
            return math.ceil(len(paths) / batch_size)

        def __getitem__(self, index):
            batch = paths[index * batch_size:(index + 1) * batch_size]
            rgb = np.stack([keras.utils.img_to_array(keras.utils.load_img(
                p, target_size=(size, size), interpolation="bilinear")) for p in batch]) / 255.0
            gray = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
            return gray[..., None].astype(np.float32), rgb.astype(np.float32)

    return Report002Loader()


# ----------------------------------------------------------------------------- measurements (children)

def _peak_rss_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _infos(paths):
    from deepcolor.data import scan_image
    return [scan_image(p) for p in paths]


def measure_pipeline(kind, paths, sizes, batch_size, repeats):
    """Images/s of one full pass (nothing cached), per size."""
    from deepcolor.data.pipeline import training_dataset
    from deepcolor.encodings import get_encoding
    result = {}
    infos = _infos(paths)
    for size in sizes:
        # Each loader is built once (tf.data traces its functions once, as in training) and then
        # read in full, nothing cached, so every pass decodes every file again.
        if kind == "ours":
            dataset = training_dataset(infos, get_encoding("rgb01"), size, batch_size, shuffle=False, cache=False)
            batches = lambda: iter(dataset)  # noqa: E731
        else:
            sequence = report002_loader(paths, size, batch_size)
            batches = lambda: (sequence[i] for i in range(len(sequence)))  # noqa: E731

        def one_pass():
            start = time.perf_counter()
            for gray, target in batches():
                pass
            return len(paths) / (time.perf_counter() - start)
        one_pass()  # warm-up: graph tracing, OS file cache
        runs = [one_pass() for _ in range(repeats)]
        result[str(size)] = {"images_per_s": statistics.median(runs), "runs": runs}
    return result


def measure_training(kind, paths, sizes, batch_size, steps):
    """Steady-state U-Net training images/s (median step time after warm-up), per size. The U-Net
    run as report 002's original code ran it is built and traced with Keras' own BatchNormalization and
    Dropout."""
    from deepcolor.models.fast_layers import stock_keras_layers
    result = {}
    for size in sizes:
        with stock_keras_layers() if kind == "report002_code" else contextlib.nullcontext():
            result[str(size)] = _time_training(kind, paths, size, batch_size, steps)
    return result


def _time_training(kind, paths, size, batch_size, steps):
    import keras
    from deepcolor.data.pipeline import training_dataset
    from deepcolor.encodings import get_encoding
    from deepcolor.models import build_model

    class StepTimer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    keras.utils.set_random_seed(0)
    model = build_model("unet", size)
    warmup = math.ceil(len(paths) / batch_size) + 1  # one full pass fills our cache, plus tracing
    timer = StepTimer()
    timer.times = []
    if kind == "report002_code":
        model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mse")  # the default fit
        data = report002_loader(paths, size, batch_size)
        epochs = math.ceil((warmup + steps) / len(data))
        model.fit(data, epochs=epochs, callbacks=[timer], verbose=0)
    else:
        model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mse", jit_compile=kind == "ours_jit_on")
        data = training_dataset(_infos(paths), get_encoding("rgb01"), size, batch_size, repeat=True)
        model.fit(data, steps_per_epoch=warmup + steps, epochs=1, callbacks=[timer], verbose=0)
    timed = timer.times[warmup:warmup + steps] if len(timer.times) > warmup else timer.times[-steps:]
    step = statistics.median(timed)
    return {"images_per_s": batch_size / step, "step_s": step, "steps_timed": len(timed),
            "jit_compile": bool(model.jit_compile), "train_flops": training_flops(model, batch_size)}


def training_flops(model, batch_size):
    """Multiply-add FLOPs of one training step's convolutions (forward, and the two backward
    products: input and kernel gradients, each as large as the forward); the rest is memory-bound."""
    import keras
    macs = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2DTranspose):
            pixels = math.prod(layer.input.shape[1:3])  # each input pixel meets the whole kernel
        elif isinstance(layer, keras.layers.Conv2D):
            pixels = math.prod(layer.output.shape[1:3])
        else:
            continue
        macs += pixels * math.prod(layer.kernel.shape)
    return 2 * 3 * macs * batch_size


def measure_matmul_peak(repeats, n=2048):
    """FLOP/s of a large float32 matrix product: what this machine's convolutions could reach."""
    import tensorflow as tf
    a, b = tf.random.normal((n, n)), tf.random.normal((n, n))
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))
    product()
    runs = []
    for _ in range(max(repeats, 3) * 3):
        start = time.perf_counter()
        product().numpy()
        runs.append(2 * n ** 3 / (time.perf_counter() - start))
    return {"n": n, "flops_per_s": max(runs), "median_flops_per_s": statistics.median(runs)}


def measure_colorize(photo_paths, folder_paths, repeats, work):
    """File -> file latency per photo size (read, colorize, write PNG), and folder throughput."""
    import numpy as np
    from PIL import Image
    from deepcolor.colorize_command import colorize_files
    from deepcolor.image_files import save_image
    from deepcolor.data.images import read_image
    from deepcolor.encodings import get_encoding
    from deepcolor.inference import Colorizer
    from deepcolor.models import build_model

    colorizer = Colorizer(build_model("unet", 256), get_encoding("rgb01"), 256)
    result = {}
    for label, path in photo_paths.items():
        out = os.path.join(work, f"out_{label}.png")
        parts = []
        for i in range(repeats + 1):
            t0 = time.perf_counter()
            rgb, alpha = read_image(path)
            t1 = time.perf_counter()
            colored = colorizer(rgb)
            t2 = time.perf_counter()
            save_image(colored, alpha, out, "png")
            t3 = time.perf_counter()
            if i:  # the first call traces the graph for this shape
                parts.append((t3 - t0, t1 - t0, t2 - t1, t3 - t2))
        with Image.open(path) as im:
            size = im.size
        result[label] = {"size": f"{size[0]}x{size[1]}", "seconds": statistics.median(p[0] for p in parts),
                         "read_s": statistics.median(p[1] for p in parts),
                         "colorize_s": statistics.median(p[2] for p in parts),
                         "write_s": statistics.median(p[3] for p in parts)}
    out_dir = os.path.join(work, "folder_out")
    jobs = [(p, os.path.join(out_dir, f"{i:04d}.png"), "png") for i, p in enumerate(folder_paths)]
    colorize_files(jobs[:2], colorizer, overwrite=True)  # warm-up
    start = time.perf_counter()
    counts = colorize_files(jobs, colorizer, overwrite=True)
    result["folder"] = {"images": len(jobs), "failed": counts["failed"],
                        "images_per_s": len(jobs) / (time.perf_counter() - start)}
    return result


def profile_training_step(size, batch_size, repeats, report002_code=False):
    """Where a U-Net training step's time goes: each layer's forward + backward pass, timed alone
    at the shapes it sees inside the model (a per-layer profile; the sum is close to a real step).
    report002_code: the model with Keras' own BatchNormalization and Dropout, as report 002's original
    code built it."""
    from deepcolor.models.fast_layers import stock_keras_layers
    with stock_keras_layers() if report002_code else contextlib.nullcontext():
        return _profile_layers(size, batch_size, repeats)


def _profile_layers(size, batch_size, repeats):
    import keras
    import tensorflow as tf
    from deepcolor.models import build_model

    model = build_model("unet", size)
    by_kind, total = {}, 0.0
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        inputs = layer.input if isinstance(layer.input, list) else [layer.input]
        xs = [tf.random.uniform((batch_size,) + tuple(t.shape[1:])) for t in inputs]

        @tf.function
        def step(xs=xs, layer=layer):
            with tf.GradientTape() as tape:
                tape.watch(xs)
                y = layer(xs if len(xs) > 1 else xs[0], training=True)
                loss = tf.reduce_sum(tf.cast(y, tf.float32))
            return tape.gradient(loss, xs + layer.trainable_variables)

        step()
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            runs.append(time.perf_counter() - start)
        seconds = statistics.median(runs)
        kind = type(layer).__name__
        by_kind[kind] = by_kind.get(kind, 0.0) + seconds
        total += seconds
    return {"size": size, "batch_size": batch_size, "sum_s": total,
            "by_layer_type": dict(sorted(by_kind.items(), key=lambda kv: -kv[1]))}


def photo_mosaic(paths, size, tile=400):
    """A photo of `size` (width, height) tiled from real photos, each cropped to a `tile`-pixel
    square (about their own resolution: the photos of this project are 300-500 pixels on their
    short side), so the whole has a real photo's texture and noise, which compress and write like
    a camera photo's (an upscaled small photo is smooth, and flatters the decoder and PNG writer)."""
    from PIL import Image, ImageOps
    width, height = size
    side = min(tile, width, height)
    canvas = Image.new("RGB", size)
    for n, (top, left) in enumerate((y, x) for y in range(0, height, side) for x in range(0, width, side)):
        with Image.open(paths[n % len(paths)]) as im:
            canvas.paste(ImageOps.fit(im.convert("RGB"), (side, side), Image.BICUBIC), (left, top))
    return canvas


def check_loaders_agree(paths, size, batch_size):
    """Both loaders give the same (gray, target) tensors, within one 8-bit level."""
    import numpy as np
    from deepcolor.data.pipeline import training_dataset
    from deepcolor.encodings import get_encoding
    ours = list(training_dataset(_infos(paths), get_encoding("rgb01"), size, batch_size, shuffle=False, cache=False))
    theirs = report002_loader(paths, size, batch_size)
    worst = 0.0
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    for (gray, target), i in zip(ours, range(len(theirs))):
        their_gray, their_target = theirs[i]
        assert gray.shape == their_gray.shape and target.shape == their_target.shape
        assert gray.dtype.name == their_gray.dtype.name == "float32"
        worst = max(worst, float(np.abs(target.numpy() - their_target).max()),
                    float(np.abs(gray.numpy() - their_gray).max()))
    return {"images": len(paths), "size": size, "max_abs_difference": worst,
            "same_tensors": worst <= 1.0 / 255.0 + 1e-6}


def _child(queue, function, args):
    import deepcolor  # noqa: F401  (quiet TensorFlow start-up)
    try:
        value = function(*args)
        queue.put(("ok", value, _peak_rss_mb()))
    except BaseException as e:  # reported by the parent
        queue.put(("error", f"{type(e).__name__}: {e}", _peak_rss_mb()))


def in_child(function, *args):
    """Runs one measurement in a fresh process: clean timings and its own peak memory."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, function, args))
    process.start()
    status, value, rss = queue.get()
    process.join()
    if status != "ok":
        raise RuntimeError(f"{function.__name__} failed: {value}")
    return value, rss


# ----------------------------------------------------------------------------- report

def machine_info():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory_gb = None
    import tensorflow as tf
    gpus = [tf.config.experimental.get_device_details(g).get("device_name", g.name)
            for g in tf.config.list_physical_devices("GPU")]
    return {"host": platform.node(), "cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory_gb, "gpus": gpus}


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
    import numpy as np
    from PIL import Image
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
