"""Named experiments, big_vision style: one small config module per paper, one entry per table row.

    python -m deepcolor.train --experiment deepcolor_unet_10ep            # the row as the paper ran it
    python -m deepcolor.train --experiment deepcolor_unet_10ep --epochs 3 # any field overridden
    python -m deepcolor.train --experiment deepcolor_unet_10ep --smoke    # seconds: tiny, --weights none
    python -m deepcolor.train --list-experiments

A config is the train flags it sets (names as in `--help`, underscores), plus `paper` (the report),
`row` (its table row) and `figures` (the paper's own numbers for that row, quoted as the paper's).
Every choice a report left open is written in its module's docstring.
"""

import dataclasses
import importlib

MODULES = ("s002_deepcolor", "s004_koalarization", "s000_hwang_zhou", "s001_color_biased", "s003_mlp")

# --smoke: any experiment in seconds (tests, notebooks). Sizes divide every model's stride.
SMOKE = {"image_size": 32, "epochs": 1, "steps_per_epoch": 2, "batch_size": 4, "max_samples": 40,
         "data": "sample", "split": "0.6,0.2,0.2", "weights": "none", "cache": "memory"}


@dataclasses.dataclass(frozen=True)
class Experiment:
    name: str
    paper: str
    row: str
    settings: dict
    figures: dict
    module: str

    def smoke_settings(self):
        settings = {**self.settings, **SMOKE}
        if self.settings.get("data", "").startswith("colorbias:"):  # keep the subset, shrink the source
            subset = self.settings["data"].split(":")[1]
            settings["data"] = f"colorbias:{subset}:sample"
            settings.pop("max_samples")
        if self.settings.get("image_size", 256) <= 32:  # 32x32 models (003) stay at their size
            settings["image_size"] = self.settings.get("image_size", 32)
        return settings


def all_experiments():
    out = {}
    for name in MODULES:
        module = importlib.import_module(f"deepcolor.experiments.{name}")
        for experiment in module.experiments():
            if experiment.name in out:
                raise ValueError(f"duplicate experiment name {experiment.name}")
            out[experiment.name] = dataclasses.replace(experiment, module=name)
    return out


def get_experiment(name):
    experiments = all_experiments()
    if name not in experiments:
        close = [n for n in experiments if name.lower() in n.lower()]
        hint = f"; did you mean {', '.join(close[:5])}?" if close else "; see --list-experiments"
        raise SystemExit(f"error: unknown --experiment {name!r}{hint}")
    return experiments[name]


def make(paper, name, row, figures=None, **settings):
    return Experiment(name=name, paper=paper, row=row, settings=settings, figures=figures or {}, module="")


def listing():
    lines = []
    for experiment in all_experiments().values():
        figures = ", ".join(f"{k} {v}" for k, v in experiment.figures.items()) or "-"
        lines.append(f"{experiment.name:<40} {experiment.paper:<24} {experiment.row:<42} paper: {figures}")
    return "\n".join(lines)
