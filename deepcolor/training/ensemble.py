"""Ensembles of trained runs (report 001's "combined" models): no training; the members' best
checkpoints are averaged (optionally weighted) and saved as a run directory that evaluate, export
and colorize use like any other. `deepcolor train --ensemble A,B --out DIR` makes one.
"""

import os

from deepcolor.errors import UsageError


def member_run_dirs(config):
    """--ensemble items -> run directories: a path as given, or an experiment name whose run sits
    beside this one with the same suffix (runs/smoke/<name>, runs/<name>_smoke, ...)."""
    out = os.path.normpath(config.run.out)
    base, experiment = os.path.basename(out), config.run.experiment
    suffix = base[len(experiment):] if experiment and base.startswith(experiment) else ""
    dirs = []
    for item in config.model.ensemble:
        path = item if os.path.isdir(item) else os.path.join(os.path.dirname(out), item + suffix)
        if not os.path.exists(os.path.join(path, "config.json")):
            raise UsageError(f"ensemble member {item!r}: no finished run at {path} (train it first)")
        dirs.append(path)
    return dirs


def build_ensemble_run(config):
    """Report 001's combined models: no training; the members' best checkpoints averaged, saved as a
    run that evaluate, export and colorize use like any other."""
    from deepcolor import runs
    from deepcolor.models.ensemble import build_ensemble
    out = config.run.out
    members, configs = [], []
    for path in member_run_dirs(config):
        configs.append(runs.load_config(path)["settings"])
        members.append(runs.load_model(path, "best")[0])
    if len({(c["encoding"], c["image_size"]) for c in configs}) != 1:
        raise UsageError("ensemble members must share --encoding and --image-size")
    weights = list(config.model.ensemble_weights) or None
    model = build_ensemble(members, weights, name="ensemble")
    config = config.replace(model={"encoding": configs[0]["encoding"]}, data={"image_size": configs[0]["image_size"]})
    runs.write_json(os.path.join(out, "config.json"), {
        "settings": config.flags(), "config": config.sections(), "members": [c["out"] for c in configs], "member_weights": weights,
        "versions": runs.package_versions(), "command": runs.command_line("deepcolor.train")})
    runs.save_model(model, os.path.join(out, "best.keras"))
    runs.save_model(model, os.path.join(out, "last.keras"))
    print(f"done: {out} (ensemble of {len(members)}: {', '.join(c['out'] for c in configs)})")
    return 0
