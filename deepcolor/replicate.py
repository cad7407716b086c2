"""Re-run a report's table:  python -m deepcolor.replicate REPORT [--scale smoke|cpu|paper] [--rows ...]

Trains every row of the report's table (rows with identical settings are trained once and reported
under each name), evaluates each on the same split, builds the ensembles of combined rows, and
(re)writes the report's page: REPORT's README.md with ONE table (the paper's figure beside ours in
the paper's own metric and units, our other metrics, the gray baseline), the report's claims checked
against our numbers, loss curves of every row and a sample grid. Per row: rows/ROW/metrics.json,
history.csv and config.json.

A row is done when its rows/ROW/metrics.json exists: re-running the command skips it (row-level
resume; an interrupted training run resumes by itself). A row that fails is reported and the
others go on.

Scales: `smoke` (seconds per row, bundled photos: checks the machinery), `cpu` (the protocol that
fits a 2-core machine, stated on the page), `paper` (exactly the paper's settings, for a GPU).
"""

from deepcolor.errors import DeepColorError, UsageError
import argparse
import hashlib
import json
import os
import platform
import sys
import time

from deepcolor.runs import add_debug_flag, run_cli
from deepcolor.cli import prog_name

SCALES = ("smoke", "cpu", "paper")


def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.replicate"), description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("report", help="report number: 000, 001, 002, 003 or 004")
    p.add_argument("--scale", default="smoke", choices=SCALES,
                   help="smoke (seconds per row), cpu (this machine's protocol), paper (the paper's own "
                        "settings; a GPU) (default: smoke)")
    p.add_argument("--rows", nargs="+", default=None, metavar="ROW",
                   help="only these rows (experiment names; default: every row of the report's table)")
    p.add_argument("--seeds", type=int, default=None,
                   help="seeds for every row (default: the report's protocol for the scale, which may give "
                        "more seeds to the rows where the paper's own gap is small)")
    p.add_argument("--out", default=None, help="the report's results folder (default: results/REPORT[_SCALE])")
    p.add_argument("--runs", default=None, help="where the training runs go (default: runs/replicate/REPORT_SCALE)")
    p.add_argument("--grid-photos", type=int, default=6, help="test photos in the sample grid (default: 6)")
    p.add_argument("--set", action="append", default=[], metavar="FLAG=VALUE",
                   help="a train flag for every row, e.g. --set data=shards:/content/drive/shards/002 (repeatable; "
                        "recorded in each row's config.json; default: none)")
    p.add_argument("--jobs", type=int, default=None,
                   help="trainings run at once, each in its own process with an equal share of the CPU cores "
                        "(rows that continue another row, and ensembles, run after them). Small models whose "
                        "steps are bound by per-step overhead and memory traffic (report 003's) finish sooner "
                        "side by side; large convolutional ones gain nothing (default: the report's protocol "
                        "for the scale: 2 for 003 at cpu scale, else 1)")
    p.add_argument("--page-only", action="store_true", help="rewrite the page from the finished rows; train nothing")
    add_debug_flag(p)
    return p


# ---------------------------------------------------------------------------------------------
# Planning: rows -> unique training configs


def scale_overrides(protocol, scale, extra=None, row=None):
    """Train flags of a row at this scale: the protocol's for every row, then the row's own exceptions
    (`row_overrides`, e.g. a stand-in row that keeps its ImageNet weights), then --set's. Later values
    replace earlier ones; model options add up (a later option of the same name wins)."""
    merged = dict(protocol.overrides.get(scale, {}))
    for layer in (protocol.row_overrides.get(scale, {}).get(row, {}), extra or {}):
        for key, value in layer.items():
            if key == "model_option" and key in merged:
                value = [*_as_list(merged[key]), *_as_list(value)]
            merged[key] = value
    return merged


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def row_config(experiment, protocol, scale, extra=None):
    """The row's training config at this scale (what identifies its training run)."""
    config = experiment.smoke_config() if scale == "smoke" else experiment.config
    return config.override(scale_overrides(protocol, scale, extra, experiment.name))


def config_key(config):
    body = json.dumps({k: v for k, v in sorted(config.flags().items()) if k != "ensemble"}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:10]


def plan(experiments, protocol, scale, extra=None):
    """[(run_name, config, [row names])]: one entry per distinct training config (ensembles apart)."""
    groups = {}
    for experiment in experiments:
        config = row_config(experiment, protocol, scale, extra)
        key = "ensemble:" + experiment.name if config.model.ensemble else config_key(config)
        if key not in groups:
            groups[key] = (experiment.name, config, [])
        groups[key][2].append(experiment.name)
    # Trained rows first: ensembles need their members.
    return sorted(groups.values(), key=lambda g: bool(g[1].model.ensemble))


def train_argv(name, scale, overrides, run_dir, seed, member_dirs=None):
    """The train command line of one row (the page shows it): its experiment (shrunk by --smoke) and
    the scale's overrides; `seed_config` is the same config, which replicate trains directly."""
    argv = ["--experiment", name, "--out", run_dir, "--seed", str(seed)] + (["--smoke"] if scale == "smoke" else [])
    for key, value in overrides.items():
        flag = f"--{key.replace('_', '-')}"
        if isinstance(value, bool):  # an on/off flag: present or absent
            argv += [flag] if value else []
        else:
            for item in _as_list(value):  # a repeatable flag (--model-option) once per value
                argv += [flag, str(item)]
    if member_dirs:
        argv += ["--ensemble", ",".join(member_dirs)]
    return argv


# ---------------------------------------------------------------------------------------------
# Running


def run_step(call, eager):
    """Runs one step (a zero-argument call) in this process; returns an error string or None."""
    import tensorflow as tf
    tf.config.run_functions_eagerly(eager)
    try:
        code = call()
        return None if not code else f"exit code {code}"
    except DeepColorError as e:
        return f"error: {e}"
    except Exception as e:  # one broken row must not end the report
        return f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300] if str(e).strip() else ''}"
    finally:
        tf.config.run_functions_eagerly(False)


def seed_config(name, protocol, scale, run_dir, seed, member_dirs=None, extra=None):
    """The resolved training config of one seed of one row: the row's config at this scale (what
    `train_argv` writes as a command line), its run directory and seed."""
    from deepcolor import train
    from deepcolor.experiments import get_experiment
    config = row_config(get_experiment(name), protocol, scale, extra).replace(
        run={"out": run_dir, "seed": seed, "experiment": name})
    if member_dirs:
        config = config.replace(model={"ensemble": tuple(member_dirs)})
    return train.resolve_config(config)


def train_and_evaluate(name, scale, run_dir, seed, protocol, member_dirs=None, log=print, extra=None):
    """One seed of one config: train (or build the ensemble), then evaluate. Returns (metrics, error)."""
    import keras
    from deepcolor import evaluate as evaluate_cli, runs, train
    eval_dir = os.path.join(run_dir, "eval")
    done = runs.read_json(os.path.join(eval_dir, "metrics.json"))
    if done is not None:
        return done, None
    eager = scale == "smoke"  # two steps: running eagerly beats tracing (see experiments/__main__.py)
    started = time.time()
    try:
        config = seed_config(name, protocol, scale, run_dir, seed, member_dirs, extra)
        error = run_step(lambda: train.train(config), eager)
    except DeepColorError as e:  # a config that cannot run (e.g. an offline download): this row fails
        error = f"error: {e}"
    if error is None:
        eval_argv = ["--run", run_dir, "--split", protocol.split if scale != "smoke" else "auto",
                     "--metric-size", str(protocol.metric_size if scale != "smoke" else 32), "--out", eval_dir,
                     "--samples", "0"]
        error = run_step(lambda: evaluate_cli.main(eval_argv), eager)
    keras.backend.clear_session()
    log(f"{'ok  ' if error is None else 'FAIL'} {name} seed {seed} ({time.time() - started:.0f} s)"
        + ("" if error is None else f": {error}"))
    return runs.read_json(os.path.join(eval_dir, "metrics.json")), error


def row_commands(experiments, protocol, scale, extra=None):
    """{row: its training command for seed SEED}: what `replicate` trains for that row (the page shows it)."""
    import shlex
    out = {}
    for e in experiments:
        source = protocol.continues.get(scale, {}).get(e.name)
        argv = train_argv(e.name, scale, scale_overrides(protocol, scale, extra, e.name), f"runs/{e.name}_sSEED", "SEED")
        out[e.name] = ((f"cp -r runs/{source}_sSEED runs/{e.name}_sSEED  # it continues {source}'s finished run\n"
                        if source else "") + "python -m deepcolor.train " + " ".join(shlex.quote(str(a)) for a in argv))
    return out


def summarize(per_seed, protocol):
    """Mean and standard deviation over seeds of every metric of the model row and the gray row."""
    import numpy as np
    out = {"seeds": len(per_seed)}
    for which in ("model", "gray"):
        rows = [list(m["rows"].values())[0 if which == "model" else 1] for m in per_seed]
        values = {}
        for key in rows[0]:
            numbers = [r[key] for r in rows if isinstance(r.get(key), (int, float))]
            if numbers and len(numbers) == len(rows):
                values[key] = {"mean": float(np.mean(numbers)), "std": float(np.std(numbers, ddof=1)) if len(numbers) > 1 else 0.0,
                               "values": numbers}
        out[which] = values
    return out


def _pending_seeds(out, names, n_seeds):
    """The seeds of a training config still to run: those past the ones its rows' files already
    hold (finished earlier, maybe in another session; the range is empty when only a row name's
    files are missing), or None when every row name has its files and every seed is done."""
    from deepcolor import runs
    kept = len(runs.read_json(os.path.join(out, "rows", names[0], "metrics.json"), {}).get("per_seed", [])[:n_seeds])
    if kept >= n_seeds and all(os.path.exists(os.path.join(out, "rows", n, "metrics.json")) for n in names):
        return None
    return range(kept, n_seeds)


def train_side_by_side(tasks, jobs, report, scale, runs_dir, extra, log):
    """--jobs: trains and evaluates (run_name, seed) tasks in `jobs` processes at once, each given
    cores / jobs threads; each one's output goes to RUNS/RUN_sSEED.log. A task that fails here is
    simply not done: the sequential pass after it runs it again in-process and reports its error."""
    import subprocess
    threads = max(1, (os.cpu_count() or 1) // jobs)
    queue, running = list(tasks), []
    os.makedirs(runs_dir, exist_ok=True)
    log(f"{len(tasks)} trainings, {jobs} at a time ({threads} thread{'s' if threads > 1 else ''} each)")
    while queue or running:
        while queue and len(running) < jobs:
            run_name, seed = queue.pop(0)
            logfile = open(os.path.join(runs_dir, f"{run_name}_s{seed}.log"), "w")
            task = json.dumps({"report": report, "scale": scale, "run_name": run_name, "seed": seed,
                               "run_dir": os.path.join(runs_dir, f"{run_name}_s{seed}"), "extra": extra or {},
                               "threads": threads})
            process = subprocess.Popen([sys.executable, "-c", "import sys; from deepcolor.replicate import run_task; "
                                        "sys.exit(run_task(sys.argv[1]))", task], stdout=logfile,
                                       stderr=subprocess.STDOUT, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
            running.append((process, logfile, run_name, seed, time.time()))
        time.sleep(1)
        for item in [r for r in running if r[0].poll() is not None]:
            process, logfile, run_name, seed, began = item
            logfile.close()
            running.remove(item)
            log(f"{'done' if process.returncode == 0 else 'FAIL'} {run_name} seed {seed} in its own process "
                f"({time.time() - began:.0f} s{'' if process.returncode == 0 else '; retried below'})")


def run_task(task_json):
    """One --jobs task, in its own process: train and evaluate one seed of one training config."""
    task = json.loads(task_json)
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(task["threads"])
    tf.config.threading.set_inter_op_parallelism_threads(task["threads"])
    from deepcolor.experiments import protocol as get_protocol
    protocol, _ = get_protocol(task["report"])
    _, error = train_and_evaluate(task["run_name"], task["scale"], task["run_dir"], task["seed"], protocol,
                                  extra=task["extra"])
    return 1 if error else 0


def replicate(report, scale="smoke", rows=None, seeds=None, out=None, runs_dir=None, grid_photos=6,
              page_only=False, log=print, extra=None, jobs=None):
    """Runs (or resumes) the report's rows and writes its page; returns {row: error or None}.
    extra: train flags for every row (--set). jobs: trainings at once (see train_side_by_side)."""
    from deepcolor import runs
    from deepcolor.experiments import REPORTS, protocol as get_protocol, seeds_for
    if report not in REPORTS:
        raise UsageError(f"unknown report {report!r}; known: {', '.join(REPORTS)}")
    protocol, experiments = get_protocol(report)
    if scale not in protocol.seeds:
        raise UsageError(f"report {report} has no {scale!r} protocol yet (scales: {', '.join(protocol.seeds)})")
    if rows:
        unknown = sorted(set(rows) - {e.name for e in experiments})
        if unknown:
            raise UsageError(f"not rows of report {report}: {', '.join(unknown)}")
    if scale == "paper" and protocol.needs_paper_data and "data" not in (extra or {}) and not page_only:
        raise UsageError(f"report {report} at paper scale needs the paper's own data, which no hub serves: "
                         f"{protocol.paper_data}")
    missing = [v for v in protocol.env.get(scale, ()) if not os.path.isdir(os.environ.get(v, ""))]
    if missing and not page_only:
        raise UsageError(f"report {report} at {scale} scale reads its photos from folders named by "
                         f"{', '.join(protocol.env[scale])}; not set to a folder: {', '.join(missing)}")
    out = out or os.path.join("results", report if scale == "cpu" else f"{report}_{scale}")
    runs_dir = runs_dir or os.path.join("runs", "replicate", f"{report}_{scale}")
    os.makedirs(os.path.join(out, "rows"), exist_ok=True)
    selected = [e for e in experiments if not rows or e.name in rows]
    # Members of a selected ensemble row are needed too, and the row a selected row continues.
    continues = protocol.continues.get(scale, {})
    needed = {m for e in selected for m in e.config.model.ensemble} | {continues[e.name] for e in selected if e.name in continues}
    selected = [e for e in experiments if e in selected or e.name in needed]  # table order: sources first
    errors, started = {}, time.time()
    if scale == "paper" and protocol.paper_data:
        log(f"the paper's data: {protocol.paper_data}")
    jobs = jobs or protocol.jobs.get(scale, 1)
    if jobs > 1 and not page_only:
        tasks = [(run_name, seed) for run_name, config, names in plan(selected, protocol, scale, extra)
                 if not config.model.ensemble and not any(n in continues for n in names)
                 for seed in _pending_seeds(out, names, seeds or seeds_for(protocol, scale, names)) or ()
                 if not os.path.exists(os.path.join(runs_dir, f"{run_name}_s{seed}", "eval", "metrics.json"))]
        train_side_by_side(tasks, jobs, report, scale, runs_dir, extra, log)
    for run_name, config, names in ([] if page_only else plan(selected, protocol, scale, extra)):
        n_seeds = seeds or seeds_for(protocol, scale, names)
        pending = _pending_seeds(out, names, n_seeds)
        if pending is None:
            continue
        stored = runs.read_json(os.path.join(out, "rows", names[0], "metrics.json"), {})
        per_seed, error = stored.get("per_seed", [])[:pending.start], None  # seeds finished earlier
        run_dirs = stored.get("runs", [])[:pending.start]
        for seed in pending:
            run_dir = os.path.join(runs_dir, f"{run_name}_s{seed}")
            members = None
            if config.model.ensemble:
                members = [_trained_run_of(m, runs_dir, seed, selected, protocol, scale, extra)
                           for m in config.model.ensemble]
            source = next((continues[n] for n in names if continues.get(n, n) not in names), None)
            if source and not os.path.exists(run_dir):
                error = start_from(_trained_run_of(source, runs_dir, seed, selected, protocol, scale, extra), run_dir)
                if error:
                    log(f"FAIL {run_name} seed {seed}: {error}")
                    break
            metrics, error = train_and_evaluate(run_name, scale, run_dir, seed, protocol, members, log, extra)
            if error:
                break
            per_seed.append({k: metrics[k] for k in ("rows", "split", "images", "checkpoint")})
            run_dirs.append(run_dir)
        for name in names:
            errors[name] = error
        if error or not per_seed:
            continue
        write_rows(out, report, scale, run_name, names, config, per_seed, run_dirs, protocol)
    from deepcolor.pages.replication import write_page
    write_page(report, scale, out, runs_dir, grid_photos, wall_seconds=None if page_only else time.time() - started,
               jobs=jobs, row_commands=row_commands(experiments, protocol, scale, extra))
    failed = {k: v for k, v in errors.items() if v}
    log(f"report {report} ({scale}): {len(errors) - len(failed)} rows done this time, {len(failed)} failed -> {out}")
    return errors


def write_rows(out, report, scale, run_name, names, row_config, per_seed, run_dirs, protocol):
    """rows/ROW/{metrics.json, history.csv, steps.csv, config.json} for every row name of one training config
    (the curves are seed 0's, steps.csv the first seed's that has one)."""
    from deepcolor import runs
    summary = summarize(per_seed, protocol)
    history = runs.read_history(run_dirs[0]) if os.path.isdir(run_dirs[0]) else []
    # The first seed whose run has step losses (runs from before steps.csv, or from another machine, lack them).
    steps = next((t for t in (runs.read_table(d, "steps.csv") for d in run_dirs) if t), [])
    config = runs.read_json(os.path.join(run_dirs[0], "config.json"))
    seconds = []
    for d in run_dirs:  # wall time as measured (the page reports epochs x the median epoch instead)
        rows = runs.read_history(d)
        seconds.append(sum(r.get("seconds", 0.0) for r in rows) if rows else None)
    for name in names:
        folder = os.path.join(out, "rows", name)
        os.makedirs(folder, exist_ok=True)
        previous = runs.read_json(os.path.join(folder, "metrics.json"), {})
        if history:
            runs.write_history(folder, history)
        if steps:
            runs.write_table(folder, "steps.csv", steps)
        if config or not os.path.exists(os.path.join(folder, "config.json")):
            runs.write_json(os.path.join(folder, "config.json"), {
                "row": name, "trained_as": run_name, "rows_sharing_this_training": names, "scale": scale,
                "settings": config["settings"] if config else row_config.flags(),
                "command": f"python -m deepcolor.replicate {report} --scale {scale}"})
        old_seconds = previous.get("train_seconds", [])
        seconds = [s if s is not None else (old_seconds[k] if k < len(old_seconds) else None)
                   for k, s in enumerate(seconds)]
        trained_on = (runs.read_json(os.path.join(run_dirs[0], "summary.json"), {}).get("images")
                      or previous.get("trained_on"))  # seed 0's train and val photos
        runs.write_json(os.path.join(folder, "metrics.json"), {
            **summary, "row": name, "runs": run_dirs, "train_seconds": seconds, "machine": machine(),
            "split": per_seed[0]["split"], "images": per_seed[0]["images"], "trained_on": trained_on,
            "per_seed": per_seed})


def start_from(source, run_dir):
    """A continued row's run begins as a copy of the earlier row's finished run (its evaluation
    apart); training then extends it to the row's own epochs. Returns an error string or None."""
    import shutil
    from deepcolor.files import atomic_path
    if not os.path.exists(os.path.join(source, "last.keras")):
        return f"it continues {source}, which has not finished"
    with atomic_path(run_dir) as tmp:
        shutil.copytree(source, tmp, ignore=shutil.ignore_patterns("eval", "tensorboard"))
    return None


def _trained_run_of(row, runs_dir, seed, experiments, protocol, scale, extra=None):
    """The run directory that trained `row` (it may have been trained under another row's name)."""
    for run_name, _, names in plan(experiments, protocol, scale, extra):
        if row in names:
            return os.path.join(runs_dir, f"{run_name}_s{seed}")
    raise UsageError(f"ensemble member {row} is not a row of this report")


def machine():
    import os as _os
    return {"cpu": platform.processor() or platform.machine(), "cores": _os.cpu_count(),
            "gpu": _gpu_name(), "python": platform.python_version()}


def _gpu_name():
    import tensorflow as tf
    gpus = tf.config.list_physical_devices("GPU")
    return gpus[0].name if gpus else None


def main(argv=None):
    args = build_parser().parse_args(argv)
    from deepcolor.config import parse_set
    extra = parse_set(args.set)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be 1 or more, not {args.jobs}")
    errors = replicate(args.report, args.scale, args.rows, args.seeds, args.out, args.runs, args.grid_photos,
                       args.page_only, extra=extra, jobs=args.jobs)
    return 1 if any(errors.values()) else 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
