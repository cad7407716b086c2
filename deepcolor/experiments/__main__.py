"""List experiments, or run any of them with --smoke end to end (train, evaluate, export) in one
process: the check CI runs on every config.

    python -m deepcolor.experiments --list
    python -m deepcolor.experiments --smoke all --out runs/smoke
    python -m deepcolor.experiments --smoke deepcolor_unet_10ep hwang_zhou_best
"""

import argparse

from deepcolor.errors import DeepColorError, UsageError
from deepcolor.cli import prog_name
from deepcolor.runs import run_cli
import os
import sys
import time


def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.experiments"), description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--list", action="store_true", help="print every experiment with its paper, row and figures")
    p.add_argument("--smoke", nargs="+", metavar="NAME", help="experiments to smoke-run ('all' for every one)")
    p.add_argument("--out", default="runs/smoke", help="folder for the smoke runs (one subfolder each)")
    p.add_argument("--skip-export", action="store_true", help="train and evaluate only")
    return p


def parse_args(argv):
    return build_parser().parse_args(argv)


def smoke(names, out, export=True, log=print):
    """Runs each experiment's smoke config: train, evaluate, export. Returns [(name, seconds, error)]."""
    import keras

    from deepcolor import evaluate as evaluate_cli, export as export_cli, train
    from deepcolor.experiments import all_experiments
    from deepcolor.replicate import run_step

    experiments = all_experiments()
    names = list(experiments) if names == ["all"] else names
    results = []
    for name in names:
        if name not in experiments:
            raise UsageError(f"unknown experiment {name!r} (see --list)")
        run = os.path.join(out, name)
        started = time.time()
        try:
            config = train.resolve_config(experiments[name].smoke_config().replace(run={"out": run, "experiment": name}))
            # Two steps and a handful of images: running the step functions eagerly beats tracing
            # a 400-layer backbone's graph (DenseNet121: 125 s traced, a few s eager). Export must
            # trace: that is what a SavedModel is.
            error = (run_step(lambda: train.train(config, overwrite=True), eager=True)
                     or run_step(lambda: evaluate_cli.main(["--run", run, "--metric-size", "64"]), eager=True)
                     or (export and run_step(lambda: export_cli.main(["--run", run, "--out", os.path.join(run, "saved")]),
                                             eager=False)) or None)
        except DeepColorError as e:
            error = f"error: {e}"
        keras.backend.clear_session()
        results.append((name, time.time() - started, error))
        log(f"{'ok  ' if error is None else 'FAIL'} {name} ({time.time() - started:.1f} s){'' if error is None else ': ' + error}")
    return results


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from deepcolor.experiments import listing
    if args.list or not args.smoke:
        print(listing())
        return 0
    results = smoke(args.smoke, args.out, export=not args.skip_export)
    failed = [r for r in results if r[2]]
    print(f"{len(results) - len(failed)} of {len(results)} experiments passed the smoke run "
          f"in {sum(r[1] for r in results):.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
