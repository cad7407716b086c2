"""The measurements of `deepcolor bench` (deepcolor/bench/__init__.py runs them, each in its own
process, and writes the report)."""

import contextlib
import math
import multiprocessing
import os
import platform
import statistics
import time


# ----------------------------------------------------------------------------- classification step

def measure_classification_step(size, batch_size, steps, repeats):
    """ms per U-Net training step (random data, Adam, the compiled step without Keras's fit loop):
    rgb01 regression; ab_bins as first built (full-
    size 313-channel transposed-conv head, dense soft-encoding over all bins); ab_bins now (half-size
    1x1 head, table-lookup soft-encoding). Variants alternate within each repeat; medians reported."""
    import keras
    import numpy as np
    import tensorflow as tf
    from deepcolor.color.classification import SoftEncodedCrossEntropy, prior_rebalancing_weights, soft_encode, zhang_bins
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
    from deepcolor.color.encodings import get_encoding
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
    from deepcolor.color.encodings import get_encoding
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
    from PIL import Image
    from deepcolor.inference.colorize_files import colorize_files
    from deepcolor.data.images import save_image
    from deepcolor.data.images import read_image
    from deepcolor.color.encodings import get_encoding
    from deepcolor.inference.colorizer import Colorizer
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
    from deepcolor.color.encodings import get_encoding
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
