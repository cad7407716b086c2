"""Named experiments, big_vision style: one small config module per paper, one entry per table row.

    python -m deepcolor.train --experiment deepcolor_unet_10ep            # the row as the paper ran it
    python -m deepcolor.train --experiment deepcolor_unet_10ep --epochs 3 # any field overridden
    python -m deepcolor.train --experiment deepcolor_unet_10ep --smoke    # seconds: tiny, --weights none
    python -m deepcolor.train --list-experiments

An experiment is a typed training config (deepcolor/config.py: sections data, model, optimizer, run)
plus `paper` (the report), `row` (its table row) and `figures` (the paper's own numbers for that row,
quoted as the paper's). Every choice a report left open is written in its module's docstring; a
module's `smoke(row_config, config)` says how its rows shrink for --smoke (big_vision's runlocal).
"""

import dataclasses
import importlib

from deepcolor.errors import UsageError
from deepcolor.config import TrainConfig

MODULES = ("s002_deepcolor", "s004_koalarization", "s000_hwang_zhou", "s001_color_biased", "s003_mlp")

# The five reports, by number: the one place their titles and authors are written.
REPORTS = {
    "000": ("s000_hwang_zhou", "Pathak, Image Colorization (Hwang & Zhou's regression network)"),
    "001": ("s001_color_biased", "Klefbom & Mjöberg, colour-biased models and their ensembles"),
    "002": ("s002_deepcolor", "Tsvetkov, Walhout & Wang, DeepColor"),
    "003": ("s003_mlp", "Xia & Salhi, MLP and autoencoder colorization on CIFAR-10"),
    "004": ("s004_koalarization", "Adlukhi, Franic & Shirkhanyan, Coloring is all you need (Deep Koalarization)"),
}


def local_folders(**parts):
    """`deepcolor_mix:` parts from environment variables naming folders: local_folders(coco="DEEPCOLOR_COCO",
    ...) -> "deepcolor_mix:coco:DIR+..." (the parts whose variable names a folder)."""
    import os
    found = [f"{name}:{os.environ[v]}" for name, v in parts.items() if os.path.isdir(os.environ.get(v, ""))]
    return "deepcolor_mix:" + "+".join(found) if found else "deepcolor_mix"


def local_photos(*variables):
    """`--data` for the photo folders named by these environment variables (those that exist, joined
    with +), else the photos bundled with scikit-image (`sample`)."""
    import os
    return "+".join(f"folder:{os.environ[v]}" for v in variables if os.path.isdir(os.environ.get(v, ""))) or "sample"


def report_title(key):
    return f"report {key} ({REPORTS[key][1]})"


@dataclasses.dataclass(frozen=True)
class Claim:
    """A conclusion of a report, checkable on our table. kind "better": each (better, worse) pair of
    rows says the first has the lower metric; kind "similar": each pair's two rows end alike (no gap
    beyond the seeds' noise). `quote` is the report's own words."""
    id: str
    text: str
    pairs: tuple
    quote: str = ""
    kind: str = "better"


@dataclasses.dataclass(frozen=True)
class Protocol:
    """How `python -m deepcolor.replicate` runs a report's table at each scale.

    metric: the key of our metrics (deepcolor/color/metrics.py) that is the paper's figure, times `scale`
    to be in the paper's units; figure: the key of the rows' `figures` holding the paper's number.
    overrides: per scale, train flags set on every row (smoke also applies --smoke); seeds: per scale;
    seeded_rows: per scale, (n, row names) trained with n seeds instead (where the paper's own gap is
    small enough for seed noise to matter). notes: per scale, what differs from the paper and why.
    env: per scale, the environment variables (folders) it reads; the runner refuses to start without
    them. continues: per scale, {row: earlier row}: the row's run starts as a copy of the earlier row's
    finished run and trains on to its own epochs (with the same seed and a constant learning rate,
    exactly the longer run). at_paper_scale: what would change with the paper's data and weights.
    jobs: per scale, trainings run at once (replicate --jobs; default 1). row_overrides: per scale,
    {row: flags} applied over `overrides` for that row only (a stand-in row keeping ImageNet weights
    where the scale sets --weights none). standin_rows: rows that put a network we have in place of one
    the paper used but we cannot get (the page shows them in their own section, with `standin_notes`)."""
    metric: str
    metric_label: str
    figure: str
    split: str
    metric_size: int
    scale: float = 1.0
    overrides: dict = dataclasses.field(default_factory=dict)
    seeds: dict = dataclasses.field(default_factory=dict)
    seeded_rows: dict = dataclasses.field(default_factory=dict)
    notes: dict = dataclasses.field(default_factory=dict)
    claims: tuple = ()
    decimals: int = 4
    env: dict = dataclasses.field(default_factory=dict)
    continues: dict = dataclasses.field(default_factory=dict)
    at_paper_scale: tuple = ()
    jobs: dict = dataclasses.field(default_factory=dict)
    row_overrides: dict = dataclasses.field(default_factory=dict)
    other_figures: tuple = ()  # (key of the rows' figures, label): more of the paper's columns, shown as printed
    # (key of the rows' figures, history.csv column, label): the paper's metric on the training and
    # validation photos, beside ours from seed 0's history at its checkpoint's epoch (x scale), in a table
    # of their own with the test figure. Only where the training loss is the paper's metric and nothing else.
    history_figures: tuple = ()
    standin_rows: tuple = ()
    standin_notes: tuple = ()
    # The paper's own data, as --scale paper needs it; with needs_paper_data that scale stops unless
    # `--set data=...` names it (a photo folder the paper's data cannot be swapped for silently).
    paper_data: str = ""
    needs_paper_data: bool = False


def seeds_for(protocol, scale, names):
    """Seeds of one training config (shared by the row `names`) at `scale`."""
    n, rows = protocol.seeded_rows.get(scale, (0, ()))
    return max(protocol.seeds[scale], n if set(names) & set(rows) else 0)


def protocol(key):
    """The replication Protocol of a report ("003") and its experiments, in table order."""
    module_name = REPORTS[key][0]
    module = importlib.import_module(f"deepcolor.experiments.{module_name}")
    return module.PROTOCOL, [e for e in all_experiments().values() if e.module == module_name]

# --smoke: any experiment in seconds (tests, notebooks), as flags over the row's config. Sizes divide
# every model's stride.
SMOKE = {"image_size": 32, "epochs": 1, "steps_per_epoch": 2, "batch_size": 4, "max_samples": 40,
         "data": "sample", "split": "0.6,0.2,0.2", "weights": "none", "cache": "memory"}


def config(**sections):
    """A TrainConfig from section dicts: config(data={...}, model={...}, optimizer={...}, run={...})."""
    return TrainConfig().replace(**sections)


@dataclasses.dataclass(frozen=True)
class Experiment:
    name: str
    paper: str
    row: str
    config: TrainConfig
    figures: dict
    module: str

    def smoke_config(self):
        """SMOKE over the row's config, then the report module's own `smoke(row_config, config)`
        shrink where it has one (like big_vision's runlocal)."""
        shrunk = self.config.override(SMOKE)
        module = importlib.import_module(f"deepcolor.experiments.{self.module}") if self.module else None
        return module.smoke(self.config, shrunk) if hasattr(module, "smoke") else shrunk


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
        raise UsageError(f"unknown --experiment {name!r}{hint}")
    return experiments[name]


def make(paper, name, row, config, figures=None):
    return Experiment(name=name, paper=paper, row=row, config=config, figures=figures or {}, module="")


def listing():
    lines = []
    for experiment in all_experiments().values():
        figures = ", ".join(f"{k} {v}" for k, v in experiment.figures.items()) or "-"
        lines.append(f"{experiment.name:<40} {experiment.paper:<24} {experiment.row:<42} paper: {figures}")
    return "\n".join(lines)


def paper_line(experiment_name, model_metrics):
    """'paper (report 003 ..., row): 3.2; ours: 3.31 (test MSE ×100 (%))' for an experiment's run, or ''."""
    experiments = all_experiments()
    experiment = experiments.get(experiment_name)
    if experiment is None:
        return ""
    key = next(k for k, (module, _) in REPORTS.items() if module == experiment.module)
    proto = protocol(key)[0]
    value = model_metrics.get(proto.metric)
    ours = "–" if value is None else f"{value * proto.scale:.{proto.decimals}f}"
    return (f"{report_title(key)}, row \"{experiment.row}\": paper {experiment.figures.get(proto.figure, '–')}, "
            f"ours {ours} ({proto.metric_label})")
