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
from deepcolor.errors import DeepColorError

RESIZE_MODES = ("squash", "crop", "letterbox")  # how photos become squares (deepcolor.image_ops.resize_image)


class ConfigError(DeepColorError):
    """A config value that cannot be used (the message names the flag)."""


@dataclasses.dataclass(frozen=True)
class DataConfig:
    source: str = "sample"              # --data: an image source (deepcolor/data/sources.py)
    max_samples: int = 0                # seeded subset of at most this many images (0 = all)
    split: str = "0.8,0.1,0.1"          # train,val,test fractions or exact counts
    train_fraction: float = 1.0         # seeded subset of the train split
    image_size: int = 256
    resize: str = "squash"              # squash, crop, letterbox
    augment: str = "none"               # none, crop_flip
    max_pixels: int = DEFAULT_MAX_PIXELS
    cache: str = "memory"


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    arch: str = "unet"
    encoding: str = ""                  # "" = the arch's own
    loss: str = "mse"                   # belongs to the encoding: cross_entropy for the bins
    rebalance: str = "train"            # class rebalancing of ab_bins
    options: dict = dataclasses.field(default_factory=dict)  # --model-option KEY=VALUE
    weights: str = "auto"
    init_from: str = ""
    ensemble: tuple = ()                # members (run directories or experiment names): no training
    ensemble_weights: tuple = ()


@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    name: str = "adam"                  # --optimizer
    lr: float = 1e-4
    lr_schedule: str = "constant"
    weight_decay: float = 0.0
    lr_multipliers: dict = dataclasses.field(default_factory=dict)  # variable-path prefix -> factor


@dataclasses.dataclass(frozen=True)
class RunConfig:
    epochs: int = 10
    batch_size: int = 16
    steps_per_epoch: int = 0
    steps_per_execution: int = 1
    seed: int = 0
    deterministic: bool = False
    jit: str = "auto"
    mixed_precision: str = "off"
    strategy: str = "auto"
    cpu_devices: int = 1
    color_on: str = "auto"
    cache_embeddings: bool = False      # a frozen extractor's vector computed once per image
    out: str = ""                       # "" = runs/<arch>
    experiment: str = ""                # the named experiment this run came from, if any


SECTIONS = {"data": DataConfig, "model": ModelConfig, "optimizer": OptimizerConfig, "run": RunConfig}
# Flags whose name is not their field's name.
RENAMED = {"data": ("data", "source"), "model_option": ("model", "options"), "optimizer": ("optimizer", "name")}


def _flag_table():
    table = {}
    for section, cls in SECTIONS.items():
        for field in dataclasses.fields(cls):
            table[field.name] = (section, field.name)
    for flag, where in RENAMED.items():
        table.pop(where[1], None)
        table[flag] = where
    return table


FLAGS = _flag_table()  # flag name -> (section, field)


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
