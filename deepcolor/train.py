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
from deepcolor.config import FLAGS, RESIZE_MODES, TrainConfig
from deepcolor.runs import add_debug_flag, run_cli, prog_name
from deepcolor.data.sources import SOURCES_HELP
from deepcolor.experiments import report_title

# Flags that must not change when a run resumes (changing them would silently mix two runs).
RUN_IDENTITY = ("arch", "encoding", "data", "image_size", "batch_size", "lr", "loss", "split", "seed",
                "max_samples", "resize", "weights", "model_option", "optimizer", "lr_schedule", "lr_multipliers",
                "weight_decay", "train_fraction", "rebalance", "augment", "init_from", "cache_embeddings")
OPTIMIZERS = ("adam", "sgd", "sgd_momentum", "rmsprop")
LR_SCHEDULES = ("constant", "halve_every_2", "plateau", "cosine")


def build_parser():
    D = TrainConfig().flags()  # the defaults are the default config's
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
    p.add_argument("--arch", default=D["arch"], help="model architecture (see deepcolor/models)")
    p.add_argument("--ensemble", default=D["ensemble"],
                   help="instead of training, average these finished runs (comma-separated run "
                        f"directories or experiment names): {report_title('001')}'s combined models")
    p.add_argument("--ensemble-weights", default=D["ensemble_weights"], help="weights of the --ensemble members (default: equal)")
    p.add_argument("--encoding", default=None,
                   help="target encoding: rgb01, rgb_pm1, ab_pm1, uv01 (default: the arch's own)")
    p.add_argument("--data", default=D["data"],
                   help="image source (default: sample, photos bundled with scikit-image); one of "
                        f"{SOURCES_HELP} (README: Data)")
    p.add_argument("--max-samples", type=int, default=D["max_samples"],
                   help="use a seeded random subset of at most this many images (0 = all; hub sources: "
                        "5000, and per source for deepcolor_mix)")
    p.add_argument("--split", default=D["split"],
                   help="train,val,test fractions, or exact counts like 5000,500,1000; images are "
                        "assigned by a seeded hash of their id")
    p.add_argument("--train-fraction", type=float, default=D["train_fraction"],
                   help="train on a seeded subset of this fraction of the train split (000: half)")
    p.add_argument("--image-size", type=int, default=D["image_size"], help="training resolution (square)")
    p.add_argument("--resize", default=D["resize"], choices=RESIZE_MODES,
                   help="how photos become squares: squash (as the papers), crop, letterbox")
    p.add_argument("--augment", default=D["augment"], choices=("none", "crop_flip"),
                   help="training augmentation: none (as the papers), or crop_flip (a random square crop of "
                        "64-100%% of each image's side, mirrored half the time; seeded per batch)")
    p.add_argument("--max-pixels", type=int, default=D["max_pixels"],
                   help="skip images with more pixels than this (decompression-bomb guard)")
    p.add_argument("--epochs", type=int, default=D["epochs"], help="total epochs of the run")
    p.add_argument("--batch-size", type=int, default=D["batch_size"],
                   help=f"batch size ({report_title('002')} used 383, which needs a large GPU)")
    p.add_argument("--lr", type=float, default=D["lr"], help=f"learning rate ({report_title('002')}: 1e-4)")
    p.add_argument("--loss", default=D["loss"], choices=("mse", "mae", "huber", "cross_entropy"),
                   help="training loss (huber: delta 1); cross_entropy for the classification encodings "
                        "ab_bins (soft-encoded, class-rebalanced) and uv_bins50")
    p.add_argument("--rebalance", default=D["rebalance"], choices=("train", "prior", "none"),
                   help="class rebalancing of ab_bins (Zhang et al., lambda 0.5): from the training split's "
                        "ab histogram, from Zhang's ImageNet prior (313 bins only), or none")
    p.add_argument("--optimizer", default=D["optimizer"], choices=OPTIMIZERS,
                   help=f"optimizer (sgd_momentum: momentum 0.9); {report_title('003')} compares them all")
    p.add_argument("--lr-schedule", default=D["lr_schedule"], choices=LR_SCHEDULES,
                   help="constant; halve_every_2 (004: lr halved every 2 epochs); plateau (000: "
                        "ReduceLROnPlateau on val_loss, patience 1, factor 0.1); cosine (per epoch, from "
                        "--lr down to 0 at --epochs)")
    p.add_argument("--weight-decay", type=float, default=D["weight_decay"],
                   help="decoupled weight decay of the optimizer (0 = none, as 000's best model)")
    p.add_argument("--lr-multipliers", default=D["lr_multipliers"],
                   help="per-variable learning rates as PREFIX=FACTOR,... on variable paths (000: "
                        "block=0.003 gives VGG16 3e-6 next to 1e-3); Adam only")
    p.add_argument("--weights", default=D["weights"],
                   help="pretrained weights: auto (= imagenet for the keras.applications backbones of "
                        "densenet, mobilenet, vgg16_regression, koalarization; none otherwise), imagenet "
                        "(Keras download, cached in ~/.keras; fails in seconds offline), none, or a local "
                        "file (a Keras weights file; for resnet18 an .npz of torchvision's state_dict)")
    p.add_argument("--init-from", default=D["init_from"],
                   help="start from these weights (warm start; a fresh optimizer): a preset name such as "
                        "default, a preset folder, a run directory or a .keras file of the same --arch and "
                        "--model-option, e.g. to fine-tune the default model on your own photos")
    p.add_argument("--model-option", action="append", default=[], metavar="KEY=VALUE",
                   help="model constructor option, repeatable, e.g. extractor=inception_v3, "
                        "hidden_layers=2, upsampling=bilinear, output_activation=relu")
    p.add_argument("--steps-per-epoch", type=int, default=D["steps_per_epoch"],
                   help="train steps per epoch (0 = one pass over the training split)")
    p.add_argument("--steps-per-execution", type=int, default=D["steps_per_execution"],
                   help="train steps run per call into the compiled graph (Keras steps_per_execution): "
                        "large values cut the per-step overhead of small models such as 003's MLP")
    p.add_argument("--seed", type=int, default=D["seed"], help="seed for the split, shuffling and weights")
    p.add_argument("--deterministic", action="store_true",
                   help="enable TensorFlow op determinism (slower; bit-reproducible runs)")
    p.add_argument("--jit", default=D["jit"], choices=("auto", "on", "off"),
                   help="XLA compilation: auto = on with a GPU, off on CPU (where it made a U-Net step 2-6x slower)")
    p.add_argument("--mixed-precision", default=D["mixed_precision"], choices=("off", "auto", "bf16", "fp16"),
                   help="mixed precision: auto = bf16 on GPUs that support it, fp16 on older ones, "
                        "off on CPU; outputs and loss stay float32")
    p.add_argument("--strategy", default=D["strategy"], choices=("auto", "one_device", "mirrored", "multiworker", "tpu"),
                   help="tf.distribute strategy; --batch-size is the global batch, split across replicas "
                        "(auto = mirrored over several GPUs, else one device)")
    p.add_argument("--cpu-devices", type=int, default=D["cpu_devices"],
                   help="split the CPU into this many logical devices (multi-replica runs without GPUs)")
    p.add_argument("--color-on", default=D["color_on"], choices=("auto", "device", "pipeline"),
                   help="where the color conversion runs: in the tf.data pipeline (CPU) or inside the "
                        "training step on the accelerator (auto = device when a GPU is present)")
    p.add_argument("--cache-embeddings", action="store_true",
                   help="compute the frozen feature extractor's vector once per image instead of at every "
                        "step (koalarization: the same losses, the extractor's cost paid once)")
    p.add_argument("--cache", default=D["cache"], choices=("memory", "none"),
                   help="cache decoded, resized uint8 images in memory after the first epoch")
    p.add_argument("--out", default=None, help="run directory (default: runs/<arch>)")
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
    from deepcolor.optimizers import LayerwiseAdam
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
    """--init-from: copies the weights of a model of the same architecture into `model`."""
    from deepcolor import api
    donor = api.load(source).keras_model
    if donor is None:
        raise UsageError(f"--init-from {source}: a SavedModel has no trainable weights; give a "
                         f"preset, run directory or .keras file")
    mine, theirs = model.get_weights(), donor.get_weights()
    if len(mine) != len(theirs) or any(a.shape != b.shape for a, b in zip(mine, theirs)):
        raise UsageError(f"--init-from {source}: its architecture differs from this run's "
                         f"(--arch and --model-option must match the model it was trained as)")
    model.set_weights(theirs)
    print(f"weights initialised from {source}")


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
    if config.model.encoding in CLASSIFICATION_ENCODINGS or run.cache_embeddings:
        color_on = "pipeline"  # the encoded target / the cached vectors come with the pipeline's batches
    return {"gpus": [g.name for g in gpus], "jit_compile": jit, "dtype_policy": policy, "color_on": color_on}


# ---------------------------------------------------------------------------------------- runtime
def setup_runtime(config):
    """Seeds, determinism, devices (XLA, mixed precision, where colours are computed) and the
    tf.distribute strategy; returns (devices, strategy)."""
    import keras
    import tensorflow as tf
    from deepcolor.distribute import make_strategy, split_cpu
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
    from deepcolor.data import resolve_source, scan_records, split_records, write_splits
    from deepcolor.data.split import hash_unit, parse_fractions
    data, seed = config.data, config.run.seed
    fractions = parse_fractions(data.split)
    records = resolve_source(data.source, data.max_samples, seed)
    splits = split_records(records, fractions, seed)
    write_splits(os.path.join(config.run.out, "splits.json"), splits, fractions, seed)
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


def write_config(config, args, devices, data, previous):
    """config.json: the flat settings (the command-line form every run holds) and the typed sections."""
    from deepcolor import runs
    record = {"settings": {**config.flags(), "smoke": args.smoke}, "config": config.sections(),
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
    from deepcolor.encodings import get_encoding
    d, run = config.data, config.run
    encoding, encode = get_encoding(config.model.encoding), devices["color_on"] == "pipeline"
    common = dict(resize=d.resize, cache=d.cache == "memory", encode=encode)
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
    from deepcolor.device_colors import EncodedTargetLoss, on_device_model
    m = config.model
    options = dict(jit_compile=devices["jit_compile"], steps_per_execution=config.run.steps_per_execution)
    model.compile(optimizer=optimizer, loss=_loss(m.loss, m.encoding, class_weights), **options)
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
    from deepcolor.models import build_model
    m, out = config.model, config.run.out
    backup_dir = os.path.join(out, "backup")
    _loss(m.loss, m.encoding)  # a loss that does not fit the encoding fails now
    class_weights = ab_class_weights(config, data["train"]) if m.encoding.startswith("ab_bins") else None
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
    from deepcolor.callbacks import BestCheckpoint, EpochHistory, EpochSeeds, NonFiniteLossGuard, RunBackup
    out, guard = config.run.out, NonFiniteLossGuard()
    return guard, [EpochSeeds(), guard, RunBackup(os.path.join(out, "backup"), guard),
                   EpochHistory(out, config.run.batch_size * data["steps"], guard),
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
    if config.run.strategy != "multiworker":
        return train(config, args)
    from deepcolor.distribute import worker_run_dir
    out, scratch = worker_run_dir(config.run.out)  # only the chief writes the run directory
    try:
        return train(config.replace(run={"out": out}), args)
    finally:
        if scratch:
            shutil.rmtree(out, ignore_errors=True)


def train(config, args):
    """Everything `main` does for one process: prepare the run, train, save, summarize."""
    previous = prepare_run_dir(config, args.overwrite)
    if config.model.ensemble:  # report 001's combined models: nothing to train
        from deepcolor.ensemble import build_ensemble_run
        return build_ensemble_run(config)
    from deepcolor import runs

    devices, strategy = setup_runtime(config)
    data = load_data(config)
    record = write_config(config, args, devices, data, previous)

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


CLASSIFICATION_ENCODINGS = ("ab_bins", "ab_bins_gamut", "uv_bins50")


def _loss(name, encoding="rgb01", class_weights=None):
    import keras
    if (encoding in CLASSIFICATION_ENCODINGS) != (name == "cross_entropy"):
        raise UsageError(f"--loss {name} does not fit --encoding {encoding}: classification encodings "
                         f"({', '.join(CLASSIFICATION_ENCODINGS)}) train with --loss cross_entropy, the others "
                         f"with mse, mae or huber")
    if encoding.startswith("ab_bins"):
        from deepcolor.classification import SoftEncodedCrossEntropy
        from deepcolor.encodings import get_encoding
        return SoftEncodedCrossEntropy(get_encoding(encoding).centers(), class_weights)
    if encoding == "uv_bins50":
        from deepcolor.classification import PerChannelBinsCrossEntropy
        return PerChannelBinsCrossEntropy()
    return {"mse": keras.losses.MeanSquaredError(), "mae": keras.losses.MeanAbsoluteError(),
            "huber": keras.losses.Huber(delta=1.0)}[name]


def ab_class_weights(config, infos):
    """--rebalance for the ab_bins encodings: None, Zhang's ImageNet prior, or the training split's."""
    from deepcolor.encodings import get_encoding
    centers = get_encoding(config.model.encoding).centers()
    if config.model.rebalance == "none":
        return None
    if config.model.rebalance == "prior":
        from deepcolor.classification import prior_rebalancing_weights
        if len(centers) != 313:
            raise UsageError("--rebalance prior needs Zhang's 313 bins (--encoding ab_bins)")
        return prior_rebalancing_weights()
    return ab_rebalancing_weights(infos, config.run.out, centers)


def ab_rebalancing_weights(infos, out, centers, limit=2000, size=64):
    """Zhang's class weights from the training split's ab histogram (at most `limit` images at
    size x size), saved to the run directory; reused when the run resumes."""
    import numpy as np
    import tensorflow as tf
    from deepcolor import color, runs
    from deepcolor.classification import rebalancing_weights
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
