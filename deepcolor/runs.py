"""A run directory: what `train` writes and `evaluate` / `export` / `colorize` read back.

runs/NAME/
  config.json   every resolved setting, package versions, command line
  splits.json   the train/val/test ids (deterministic; see data/split.py)
  best.keras    the best-validation-loss model;  best.json its epoch and val_loss
  last.keras    the model after the last finished epoch
  history.csv   one row per epoch (loss, val_loss, lr, seconds, images/s)
  backup/       Keras BackupAndRestore state while a run is unfinished (resume point)
  tensorboard/  TensorBoard logs
  summary.json  counts (images per split, skipped files), time, status
"""

import csv
import importlib.metadata
import json
import os
import platform
import sys
import tempfile

from deepcolor.files import atomic_path, atomic_write_text  # noqa: F401 (atomic_write_text: used as runs.atomic_write_text)

PACKAGES = ("tensorflow", "keras", "numpy", "pillow", "scikit-image", "tensorflow-datasets",
            "datasets", "fiftyone", "matplotlib")



def package_versions():
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def write_json(path, payload):
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")


def read_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def save_model(model, path):
    """Atomic `.keras` save (Keras needs the suffix, so the temp file keeps it)."""
    with atomic_path(path, suffix=".keras") as tmp:
        model.save(tmp)


def read_table(run_dir, name):
    """A run's CSV table (history.csv, steps.csv) as dicts of floats; its first column is an int."""
    path = os.path.join(run_dir, name)
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        index = reader.fieldnames[0] if reader.fieldnames else None
        return [{k: (float(v) if k != index else int(v)) for k, v in row.items() if v != ""} for row in reader]


def write_table(run_dir, name, rows):
    keys = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    lines = [",".join(keys)] + [",".join(_fmt(row.get(k, "")) for k in keys) for row in rows]
    atomic_write_text(os.path.join(run_dir, name), "\n".join(lines) + "\n")


def read_history(run_dir):
    """history.csv: one row per finished epoch."""
    return read_table(run_dir, "history.csv")


def write_history(run_dir, rows):
    write_table(run_dir, "history.csv", rows)


def _fmt(value):
    return f"{value:.8g}" if isinstance(value, float) else str(value)


def load_config(run_dir):
    config = read_json(os.path.join(run_dir, "config.json"))
    if config is None:
        from deepcolor.errors import ModelNotFoundError
        raise ModelNotFoundError(f"{run_dir} is not a run directory (no config.json)")
    return config


def load_model(run_dir, which="best", compile=False):
    """The run's best (or last) model; falls back to the other if one is missing."""
    import keras
    import deepcolor.models  # noqa: F401  (registers the custom layers/models for loading)
    order = ("best", "last") if which == "best" else ("last", "best")
    for name in order:
        path = os.path.join(run_dir, f"{name}.keras")
        if os.path.exists(path):
            return keras.saving.load_model(path, compile=compile), path
    from deepcolor.errors import ModelNotFoundError
    raise ModelNotFoundError(f"{run_dir} has no best.keras or last.keras yet (has training run?)")


def command_line(module):
    """The command as a user would retype it, e.g. 'python -m deepcolor.train --arch unet'."""
    import shlex
    return " ".join(["python", "-m", module] + [shlex.quote(a) for a in sys.argv[1:]])



def add_decoding_flags(parser):
    """--temperature and --prior-exponent: how a classification model's bin probabilities become colour."""
    parser.add_argument("--temperature", type=float, default=None,
                        help="annealed-mean temperature of classification models: lower is more saturated "
                             "(default: the model's own, else Zhang et al.'s 0.38)")
    parser.add_argument("--prior-exponent", type=float, default=None,
                        help="classification models: multiply the bin probabilities by Zhang's prior class "
                             "weights to this power before decoding, > 0 more colourful, < 0 less (default: "
                             "the model's own, else 0)")


def add_debug_flag(parser):
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an unexpected error (default: one line)")


def import_tensorflow_quietly():
    """Imports TensorFlow with file descriptor 2 parked, since its C++ code logs before absl is
    initialized (where TF_CPP_MIN_LOG_LEVEL cannot reach). If the import fails, what it wrote is
    shown with the error, so nothing useful is lost. DEEPCOLOR_VERBOSE_IMPORT=1 turns this off."""
    if "tensorflow" in sys.modules or os.environ.get("DEEPCOLOR_VERBOSE_IMPORT"):
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable fd 2 (some notebooks): import normally
        import tensorflow  # noqa: F401
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow
            # The first device query probes CUDA, which logs "failed call to cuInit" on machines
            # without a GPU; `train` prints the devices it found instead.
            tensorflow.config.list_physical_devices("GPU")
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


HELP_FLAGS = frozenset(("-h", "--help"))


def run_cli(main, argv=None):
    """Runs a command's main(): an unexpected error becomes one line (the traceback with --debug).

    Library errors (DeepColorError) become `error: MESSAGE` and exit code 2; older code paths
    that exit through SystemExit carry their own one-line message.
    """
    from deepcolor.errors import DeepColorError
    argv = sys.argv[1:] if argv is None else argv
    if not HELP_FLAGS.intersection(argv):
        # Real work needs TensorFlow: import it now with its C++ start-up chatter parked (--help
        # needs no TensorFlow, so it answers at once).
        import_tensorflow_quietly()
    try:
        return main(argv)
    except DeepColorError as e:
        if "--debug" in argv:
            raise
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if "--debug" in argv:
            raise
        text = str(e).strip().splitlines()[0] if str(e).strip() else ""
        print(f"error: {type(e).__name__}: {text[:300]} (re-run with --debug for the traceback)",
              file=sys.stderr)
        return 1
