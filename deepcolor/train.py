"""Train a colorization model:  python -m deepcolor.train --arch unet --data folder:PATH --out runs/NAME

Re-running the same command resumes an interrupted run from its last finished epoch (or extends a
finished one if --epochs grew); --overwrite starts over. See deepcolor/runs.py for what a run
directory holds.
"""

import argparse
import math
import os
import shutil
import sys
import time

from deepcolor.errors import UsageError
from deepcolor.config import FLAGS, RUN_IDENTITY, TrainConfig, add_setting_flags
from deepcolor.runs import add_debug_flag, run_cli
from deepcolor.cli import prog_name

def build_parser():
    """train's flags: the config's settings (deepcolor/config.py declares each once: its help, choices
    and default), and what only the command has."""
    p = argparse.ArgumentParser(
        prog=prog_name("deepcolor.train"), description=__doc__,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--experiment", default=None,
                   help="a named experiment (a paper's table row) whose settings become the defaults; "
                        "any flag given as well overrides them (see --list-experiments)")
    p.add_argument("--list-experiments", action="store_true", help="print every experiment and exit")
    p.add_argument("--smoke", action="store_true",
                   help="shrink the run to seconds (32px, 1 epoch of 2 steps, 40 sample photos, "
                        "--weights none) to check that it works end to end")
    add_setting_flags(p)
    p.add_argument("--overwrite", action="store_true",
                   help="delete an existing run in --out and start over instead of resuming")
    add_debug_flag(p)
    return p


def given_flags(argv):
    """The flags typed on the command line (not their defaults), by flag name. argparse leaves a
    value already on the namespace alone unless the flag is given; repeatable flags start empty."""
    parser, unset = build_parser(), object()
    start = {name: [] if isinstance(value, list) else unset for name, value in vars(parser.parse_args([])).items()}
    parsed = vars(parser.parse_args(argv, namespace=argparse.Namespace(**start)))
    return {k: v for k, v in parsed.items() if k in FLAGS and v is not unset and v != []}


def parse_config(argv):
    """(config, args): a named experiment's config (or --smoke's, or the defaults) with the flags
    given on the command line applied over it."""
    from deepcolor.experiments import SMOKE, get_experiment, listing
    args = build_parser().parse_args(argv)
    if args.list_experiments:
        return None, args
    config = TrainConfig()
    if args.experiment:
        experiment = get_experiment(args.experiment)
        config = (experiment.smoke_config() if args.smoke else experiment.config).replace(run={
            "experiment": experiment.name, "out": os.path.join("runs", experiment.name + ("_smoke" if args.smoke else ""))})
    elif args.smoke:
        config = config.override(SMOKE)
    return resolve_config(config.override(given_flags(argv))), args


def resolve_config(config):
    """Fills what depends on the arch (encoding, weights, run directory) and checks values now,
    before any data is read."""
    from deepcolor.models import get_arch, pretrained_part
    from deepcolor.data.split import parse_fractions
    m = config.model
    arch = get_arch(m.arch)
    backbone = pretrained_part(m.arch, m.options)
    weights = ("imagenet" if backbone else "none") if m.weights == "auto" else m.weights
    config = config.replace(model={"encoding": m.encoding or arch.encoding, "weights": weights},
                            run={"out": config.run.out or os.path.join("runs", m.arch)})
    parse_fractions(config.data.split)
    if backbone and not m.ensemble:  # an unreachable download fails now, not after the data
        from deepcolor.models.backbones import keras_weights_argument
        keras_weights_argument(weights, backbone)
    if config.optimizer.lr_multipliers and config.optimizer.name != "adam":
        raise UsageError("--lr-multipliers works with --optimizer adam only")
    if config.run.cache_embeddings and config.data.augment != "none":
        raise UsageError("--cache-embeddings needs --augment none (a random crop changes the image's vector)")
    if not 0.0 < config.data.train_fraction <= 1.0:
        raise UsageError("--train-fraction must be in (0, 1]")
    for flag, value in (("epochs", config.run.epochs), ("batch-size", config.run.batch_size),
                        ("image-size", config.data.image_size), ("lr", config.optimizer.lr)):
        if value <= 0:
            raise UsageError(f"--{flag} must be positive")
    return config


def make_optimizer(opt):
    """The optimizer section -> a Keras optimizer (LayerwiseAdam for per-variable rates)."""
    import keras
    from deepcolor.training.optimizers import LayerwiseAdam
    decay = {"weight_decay": opt.weight_decay} if opt.weight_decay else {}
    if opt.name == "adam":
        if opt.lr_multipliers:
            return LayerwiseAdam(opt.lr, lr_multipliers=dict(opt.lr_multipliers), **decay)
        return keras.optimizers.Adam(opt.lr, **decay)
    if opt.name == "sgd":
        return keras.optimizers.SGD(opt.lr, **decay)
    if opt.name == "sgd_momentum":
        return keras.optimizers.SGD(opt.lr, momentum=0.9, **decay)
    return keras.optimizers.RMSprop(opt.lr, **decay)


def schedule_callbacks(opt, epochs):
    import keras
    if opt.lr_schedule == "halve_every_2":
        base = opt.lr  # a function of the epoch alone, so a resumed run gets the same rate
        return [keras.callbacks.LearningRateScheduler(lambda epoch, lr: base * 0.5 ** (epoch // 2))]
    if opt.lr_schedule == "cosine":
        base = opt.lr
        return [keras.callbacks.LearningRateScheduler(
            lambda epoch, lr: base * 0.5 * (1 + math.cos(math.pi * min(epoch, epochs) / epochs)))]
    if opt.lr_schedule == "plateau":
        return [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=1, verbose=1)]
    return []


def initial_epoch_from_backup(backup_dir):
    from deepcolor import runs
    return runs.read_json(os.path.join(backup_dir, "training_metadata.json"), {}).get("epoch", 0)


def warm_start(model, source):
    """--init-from: copies the weights of a model of the same architecture into `model`. A model that
    adds layers to it (a hint model from its automatic one: the same layers plus the hint branch) takes
    every layer the source has, by name, and its own new layers start as built."""
    from deepcolor import api
    donor = api.load(source).keras_model
    if donor is None:
        raise UsageError(f"--init-from {source}: a SavedModel has no trainable weights; give a "
                         f"preset, run directory or .keras file")
    mine, theirs = model.get_weights(), donor.get_weights()
    if len(mine) == len(theirs) and all(a.shape == b.shape for a, b in zip(mine, theirs)):
        model.set_weights(theirs)
        print(f"weights initialised from {source}")
        return
    layers = {layer.name: layer for layer in model.layers}
    donor_layers = [layer for layer in donor.layers if layer.weights]
    if not all(layer.name in layers and [w.shape for w in layers[layer.name].weights] == [w.shape for w in layer.weights]
               for layer in donor_layers):
        raise UsageError(f"--init-from {source}: its architecture differs from this run's "
                         f"(--arch and --model-option must match the model it was trained as)")
    for layer in donor_layers:
        layers[layer.name].set_weights(layer.get_weights())
    new = [name for name, layer in layers.items() if layer.weights and name not in {d.name for d in donor_layers}]
    print(f"weights initialised from {source}; new layers starting as built: {', '.join(new)}")


def prepare_run_dir(config, overwrite=False):
    """Creates (or checks, for a resume) the run directory; returns the previous config.json or None."""
    from deepcolor import runs
    out = config.run.out
    if overwrite and os.path.exists(out):
        shutil.rmtree(out)
    previous = runs.read_json(os.path.join(out, "config.json"))
    if previous is not None:
        # Both sides in one form (old runs spelled some values differently); a flag a run's config
        # lacks did not exist when it was made, so it cannot have differed.
        before, now = TrainConfig.from_flags(previous["settings"]).flags(), config.flags()
        changed = [k for k in RUN_IDENTITY if k in previous["settings"] and before[k] != now[k]]
        if changed:
            detail = ", ".join(f"{k}: {before[k]!r} -> {now[k]!r}" for k in changed)
            raise UsageError(f"{out} holds a run with other settings ({detail}); "
                             f"use --overwrite or another --out")
    try:
        os.makedirs(out, exist_ok=True)
        probe = os.path.join(out, f".write-test-{os.getpid()}")
        with open(probe, "wb") as f:
            f.write(b"\0" * (1 << 20))  # a checkpoint needs room: fail now, not after an epoch
        os.remove(probe)
    except OSError as e:
        raise UsageError(f"run directory {out} is not writable ({e.strerror})") from None
    return previous


# A float32 .keras file with Adam holds ~3 copies of the weights; best + last + the double backup
# (weights and optimizer) and one temp file during an atomic replace make about 12 copies.
CHECKPOINT_BYTES_PER_PARAM = 4 * 12


def check_free_space(out, params):
    """Refuses to start when the run directory cannot hold the checkpoints (fail now, not at epoch 7)."""
    need = CHECKPOINT_BYTES_PER_PARAM * params + (16 << 20)
    reusable = 0  # files a resumed run overwrites give their space back
    for folder, _, files in os.walk(out):
        reusable += sum(os.path.getsize(os.path.join(folder, f)) for f in files
                        if f.endswith((".keras", ".h5", ".bkp")))
    free = shutil.disk_usage(out).free
    if free + reusable < need:
        raise UsageError(f"{out} has {free / 2**20:.0f} MB free, but this model's checkpoints "
                         f"(best.keras, last.keras, backup/) need about {need / 2**20:.0f} MB; free some "
                         f"space or choose another --out")


def select_devices(config):
    """Resolves --jit and --mixed-precision against the hardware actually present."""
    import keras
    import tensorflow as tf
    run = config.run
    gpus = tf.config.list_physical_devices("GPU")
    jit = {"on": True, "off": False, "auto": bool(gpus)}[run.jit]
    policy = "float32"
    mode = run.mixed_precision
    if mode == "auto" and gpus:
        capability = tf.config.experimental.get_device_details(gpus[0]).get("compute_capability", (0, 0))
        mode = "bf16" if capability >= (8, 0) else "fp16"
    if mode == "bf16":
        policy = "mixed_bfloat16"
    elif mode == "fp16":
        policy = "mixed_float16"
    keras.mixed_precision.set_global_policy(policy)
    color_on = run.color_on
    if color_on == "auto":
        color_on = "device" if gpus or run.strategy == "tpu" else "pipeline"
    from deepcolor.color.encodings import get_encoding
    if get_encoding(config.model.encoding).is_classification or run.cache_embeddings or config.model.options.get("hints"):
        color_on = "pipeline"  # the encoded target / the cached vectors / the hints come with the pipeline's batches
    return {"gpus": [g.name for g in gpus], "jit_compile": jit, "dtype_policy": policy, "color_on": color_on}


# ---------------------------------------------------------------------------------------- runtime
def setup_runtime(config):
    """Seeds, determinism, devices (XLA, mixed precision, where colours are computed) and the
    tf.distribute strategy; returns (devices, strategy)."""
    import keras
    import tensorflow as tf
    from deepcolor.training.distribute import make_strategy, split_cpu
    run = config.run
    split_cpu(run.cpu_devices)  # before anything makes TensorFlow start its devices
    strategy = make_strategy(run.strategy)  # multiworker sets up its collective ops before any op runs
    keras.utils.set_random_seed(run.seed)
    if run.deterministic:
        tf.config.experimental.enable_op_determinism()
    devices = select_devices(config)
    replicas = strategy.num_replicas_in_sync
    if run.batch_size % replicas:
        raise UsageError(f"--batch-size {run.batch_size} must be a multiple of the "
                         f"{replicas} replicas of --strategy {run.strategy}")
    devices.update(strategy=type(strategy).__name__, replicas=replicas)
    return devices, strategy


# ------------------------------------------------------------------------------------------- data
def load_data(config):
    """List -> subset -> split -> scan (bad files are reported and skipped, never fatal). Returns
    {"train": infos, "val": infos, "skipped": [...], "steps": steps per epoch}."""
    from deepcolor.data import scan_records, write_splits
    from deepcolor.data.sources import splits_of
    from deepcolor.data.split import hash_unit, parse_fractions
    data, seed = config.data, config.run.seed
    records, splits = splits_of(data.source, data.max_samples, data.split, seed)
    write_splits(os.path.join(config.run.out, "splits.json"), splits, parse_fractions(data.split), seed)
    usable, skipped = {}, []
    for name in ("train", "val"):
        usable[name], bad = scan_records(splits[name], data.max_pixels)
        skipped += [{"file": r.path, "split": name, "problem": p} for r, p in bad]
    if data.train_fraction < 1.0:  # a seeded subset of the train split (000's "half training set")
        usable["train"] = [(r, i) for r, i in usable["train"]
                           if hash_unit(f"{seed}|train_fraction", r.group) < data.train_fraction]
    for name in ("train", "val"):
        if not usable[name]:
            raise UsageError(f"the {name} split has no usable images "
                             f"({len(splits[name])} listed); add images or change --split")
    steps = config.run.steps_per_epoch or math.ceil(len(usable["train"]) / config.run.batch_size)
    return {"train": [info for _, info in usable["train"]], "val": [info for _, info in usable["val"]],
            "skipped": skipped, "steps": steps}


def write_config(config, devices, data, previous):
    """config.json: the flat settings (the command-line form every run holds) and the typed sections."""
    from deepcolor import runs
    record = {"settings": config.flags(), "config": config.sections(),
              "devices": devices, "versions": runs.package_versions(),
              "command": runs.command_line("deepcolor.train"),
              "started": previous["started"] if previous else time.strftime("%Y-%m-%dT%H:%M:%S"),
              "images": {"train": len(data["train"]), "val": len(data["val"])}, "skipped_files": data["skipped"]}
    runs.write_json(os.path.join(config.run.out, "config.json"), record)
    return record


def datasets(config, data, devices, initial_epoch, model):
    """The training and validation tf.data pipelines. The data order depends only on (seed, epoch):
    a resumed run sees what an uninterrupted one would."""
    from deepcolor.data.pipeline import training_dataset
    from deepcolor.color.encodings import get_encoding
    d, run = config.data, config.run
    encoding, encode = get_encoding(config.model.encoding), devices["color_on"] == "pipeline"
    from deepcolor.inference.colorizer import takes_hints
    common = dict(resize=d.resize, cache=d.cache == "memory", encode=encode, hints=takes_hints(model))
    features = {name: None for name in ("train", "val")}
    if run.cache_embeddings:
        features = {name: cached_embeddings(model, data[name], encoding, config) for name in features}
    train = training_dataset(data["train"], encoding, d.image_size, run.batch_size, shuffle=True, seed=run.seed,
                             repeat=True, skip_batches=initial_epoch * data["steps"],
                             augment=d.augment == "crop_flip", features=features["train"], **common)
    val = training_dataset(data["val"], encoding, d.image_size, run.batch_size, shuffle=False,
                           features=features["val"], **common)
    return train, val


def cached_embeddings(model, infos, encoding, config):
    """--cache-embeddings: the frozen extractor's vector of every image, in `infos` order, computed
    once from the same model input the training step would give it."""
    from deepcolor.data.pipeline import training_dataset
    started = time.time()
    inputs = training_dataset(infos, encoding, config.data.image_size, config.run.batch_size, resize=config.data.resize,
                              shuffle=False, cache=False).map(lambda gray, target: gray)
    vectors = model.embedding_model().predict(inputs, verbose=0)
    print(f"embeddings of {len(infos)} images computed once in {time.time() - started:.0f} s", flush=True)
    return vectors


# ---------------------------------------------------------------------------- model and optimizer
def compile_model(model, optimizer, config, devices, class_weights):
    """The one compile: the loss belongs to the encoding; colours on the device wrap the model in
    a graph that computes the input and target from uint8 batches (what fit() drives)."""
    from deepcolor.training.device_colors import EncodedTargetLoss, on_device_model
    from deepcolor.color.encodings import get_encoding
    m = config.model
    options = dict(jit_compile=devices["jit_compile"], steps_per_execution=config.run.steps_per_execution)
    model.compile(optimizer=optimizer, loss=get_encoding(m.encoding).loss(m.loss, class_weights), **options)
    if config.run.cache_embeddings:  # the same layers trained, the extractor's vector given
        if not hasattr(model, "with_embedding_input"):
            raise UsageError(f"--cache-embeddings: {m.arch} has no frozen feature extractor (koalarization has)")
        fitted = model.with_embedding_input()
        fitted.compile(optimizer=model.optimizer, loss=model.loss, **options)
        return fitted
    if devices["color_on"] != "device":
        return model
    trainable = on_device_model(model, m.encoding)
    trainable.compile(optimizer=model.optimizer, loss=EncodedTargetLoss(m.encoding, m.loss), **options)
    return trainable


def model_and_optimizer(config, devices, strategy, data, done_epochs):
    """(model, what fit() drives, initial epoch): a finished run is extended from last.keras (its
    optimizer state included); a fresh or interrupted one is built (optionally warm-started from
    --init-from), and an interrupted one is then restored from its backup by fit()."""
    from deepcolor import runs
    from deepcolor.color.encodings import get_encoding
    from deepcolor.models import build_model
    m, out = config.model, config.run.out
    backup_dir = os.path.join(out, "backup")
    encoding = get_encoding(m.encoding)
    encoding.loss(m.loss)  # a loss that does not fit the encoding fails now
    class_weights = encoding.class_weights(
        m.rebalance, lambda centers: ab_rebalancing_weights(data["train"], config.run.out, centers))
    with strategy.scope():  # variables live on every replica
        if done_epochs and not os.path.exists(backup_dir) and os.path.exists(os.path.join(out, "last.keras")):
            model, _ = runs.load_model(out, "last", compile=True)
            optimizer, initial_epoch = model.optimizer, done_epochs
        else:
            options = dict(m.options)
            if strategy.num_replicas_in_sync > 1:
                options["synchronized_bn"] = True  # BatchNorm over the global batch
            model = build_model(m.arch, config.data.image_size, m.encoding, weights=m.weights, **options)
            initial_epoch = initial_epoch_from_backup(backup_dir)
            if m.init_from and not initial_epoch:
                warm_start(model, m.init_from)
            optimizer = make_optimizer(config.optimizer)
        trainable = compile_model(model, optimizer, config, devices, class_weights)
    check_free_space(out, model.count_params())
    return model, trainable, initial_epoch


# ------------------------------------------------------------------------------------------ train
def callbacks(config, data, model):
    import keras
    from deepcolor.training.callbacks import (BestCheckpoint, EpochHistory, EpochSeeds, NonFiniteLossGuard,
                                              RunBackup, StepLoss)
    out, guard = config.run.out, NonFiniteLossGuard()
    return guard, [EpochSeeds(), guard, RunBackup(os.path.join(out, "backup"), guard),
                   EpochHistory(out, config.run.batch_size * data["steps"], guard), StepLoss(out, data["steps"], guard),
                   BestCheckpoint(out, guard, model_to_save=model),
                   keras.callbacks.TensorBoard(os.path.join(out, "tensorboard"), write_graph=False),
                   *schedule_callbacks(config.optimizer, config.run.epochs)]


def fit(trainable, train_ds, val_ds, config, data, initial_epoch, callback_list):
    out = config.run.out
    try:
        trainable.fit(train_ds, validation_data=val_ds, epochs=config.run.epochs, steps_per_epoch=data["steps"],
                      initial_epoch=initial_epoch, callbacks=callback_list, verbose=1 if sys.stdout.isatty() else 2)
    except OSError as e:  # disk full or the directory vanished mid-run: checkpoints are atomic
        raise UsageError(f"writing to {out} failed ({e.strerror or e}); the last complete "
                         f"checkpoint is intact: free space, then re-run the same command to resume") from None


def announce(config, devices, data, model, initial_epoch):
    m, run = config.model, config.run
    if initial_epoch:
        print(f"resuming {run.out} at epoch {initial_epoch + 1}/{run.epochs}")
    print(f"training {m.arch} ({model.count_params():,} params, {m.encoding}) on "
          f"{len(data['train'])} images ({len(data['val'])} val, {len(data['skipped'])} skipped) at "
          f"{config.data.image_size}px, batch {run.batch_size}, {data['steps']} steps/epoch; "
          f"GPUs: {', '.join(devices['gpus']) or 'none'}, {devices['strategy']} x{devices['replicas']}, "
          f"colors on {devices['color_on']}, jit={devices['jit_compile']}, "
          f"policy={devices['dtype_policy']}", flush=True)


def summarize(out, record, model, guard, elapsed):
    """summary.json and last.keras; exit code 3 if the loss became non-finite."""
    from deepcolor import runs
    summary = {"status": "complete", "epochs": len(runs.read_history(out)), "seconds_this_session": elapsed,
               "best": runs.read_json(os.path.join(out, "best.json")), "images": record["images"],
               "skipped_files": len(record["skipped_files"])}
    if guard.failed:
        summary["status"] = "stopped: non-finite loss"
        runs.write_json(os.path.join(out, "summary.json"), summary)
        print(f"error: {guard.failed}; training stopped. The last good model is "
              f"{os.path.join(out, 'best.keras')} (epoch {summary['best'] and summary['best']['epoch']}); "
              f"try a lower --lr", file=sys.stderr)
        return 3
    runs.save_model(model, os.path.join(out, "last.keras"))
    runs.write_json(os.path.join(out, "summary.json"), summary)
    print(f"done: {out} ({elapsed:.0f} s; best val_loss {summary['best']['val_loss']:.5f} "
          f"at epoch {summary['best']['epoch']})")
    return 0


def main(argv=None):
    config, args = parse_config(argv)
    if config is None:  # --list-experiments
        from deepcolor.experiments import listing
        print(listing())
        return 0
    return train(config, overwrite=args.overwrite)


def train(config, overwrite=False):
    """Trains one resolved config (`resolve_config`): prepares or resumes its run directory, trains,
    saves and summarizes; returns 0. What `main`, `deepcolor.replicate` and the tests call. A
    multi-worker run writes only from the chief; the other workers train into scratch folders."""
    if config.run.strategy != "multiworker":
        return _train(config, overwrite)
    from deepcolor.training.distribute import worker_run_dir
    out, scratch = worker_run_dir(config.run.out)
    try:
        return _train(config.replace(run={"out": out}), overwrite)
    finally:
        if scratch:
            shutil.rmtree(out, ignore_errors=True)


def _train(config, overwrite):
    previous = prepare_run_dir(config, overwrite)
    if config.model.ensemble:  # report 001's combined models: nothing to train
        from deepcolor.training.ensemble import build_ensemble_run
        return build_ensemble_run(config)
    from deepcolor import runs

    devices, strategy = setup_runtime(config)
    data = load_data(config)
    record = write_config(config, devices, data, previous)

    out, done_epochs = config.run.out, len(runs.read_history(config.run.out))
    if done_epochs >= config.run.epochs and not os.path.exists(os.path.join(out, "backup")):
        print(f"{out}: already trained for {done_epochs} epochs; nothing to do "
              f"(raise --epochs to continue, or --overwrite to start over)")
        return 0
    model, trainable, initial_epoch = model_and_optimizer(config, devices, strategy, data, done_epochs)
    train_ds, val_ds = datasets(config, data, devices, initial_epoch, model)

    guard, callback_list = callbacks(config, data, model)
    announce(config, devices, data, model, initial_epoch)
    started = time.time()
    fit(trainable, train_ds, val_ds, config, data, initial_epoch, callback_list)
    return summarize(out, record, model, guard, time.time() - started)


def ab_rebalancing_weights(infos, out, centers, limit=2000, size=64):
    """Zhang's class weights from the training split's ab histogram (at most `limit` images at
    size x size), saved to the run directory; reused when the run resumes."""
    import numpy as np
    import tensorflow as tf
    from deepcolor import color, runs
    from deepcolor.color.classification import rebalancing_weights
    from deepcolor.data.pipeline import resized_images
    path = os.path.join(out, "ab_rebalancing.json")
    saved = runs.read_json(path)
    if saved and len(saved["weights"]) == len(centers):
        return np.asarray(saved["weights"], np.float32)
    samples = []
    for batch in resized_images(infos[:limit], (size,)).batch(64):
        ab = color.rgb_to_lab(tf.cast(batch, tf.float32) / 255.0)[..., 1:]
        samples.append(tf.reshape(ab, [-1, 2])[::7].numpy())  # every 7th pixel: plenty for 313 bins
    weights = rebalancing_weights(np.concatenate(samples), centers)
    runs.write_json(path, {"lambda": 0.5, "sigma": 5, "images": min(limit, len(infos)), "weights": weights.tolist()})
    return weights


if __name__ == "__main__":
    sys.exit(run_cli(main))
