import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Real photo folders, named by environment variables (CI sets them; tests that need them skip otherwise).
SHARED_PHOTOS = os.environ.get("DEEPCOLOR_PHOTOS", "")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, ROOT)


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Sample photos are written to a per-session cache so tests never depend on ~/.cache."""
    os.environ["DEEPCOLOR_CACHE"] = str(tmp_path_factory.mktemp("deepcolor_cache"))


@pytest.fixture(scope="session")
def real_photos():
    """A few real photos: scikit-image's bundled ones, plus $DEEPCOLOR_PHOTOS ones when it is set."""
    from skimage import data
    photos = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    if SHARED_PHOTOS and os.path.isdir(os.path.join(SHARED_PHOTOS, "bsds500")):
        from PIL import Image
        for name in sorted(os.listdir(os.path.join(SHARED_PHOTOS, "bsds500")))[:4]:
            if name.endswith(".jpg"):
                photos.append(np.asarray(Image.open(os.path.join(SHARED_PHOTOS, "bsds500", name)).convert("RGB")))
    return photos


def run_module(module, *args, timeout=600, cwd=ROOT, check=True, unprivileged=False):
    """Runs `python -m module args` in a fresh process; returns CompletedProcess (text).

    unprivileged=True makes file modes bind even when the tests run as root (see below).
    """
    import subprocess
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout,
                          preexec_fn=drop_file_permission_override if unprivileged else None)
    if check and proc.returncode != 0:
        raise AssertionError(f"{module} {args} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def run_command(main, *args):
    """Runs a command's main(argv) in this process, as its `python -m` entry point does (run_cli: one-line
    errors, exit codes), capturing what it prints. Returns CompletedProcess (text). For tests that run a
    command many times: they share this process's TensorFlow instead of starting it again each time (the
    entry points themselves are run as real processes by other tests)."""
    import contextlib
    import io
    import subprocess
    from deepcolor.runs import run_cli
    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_cli(main, argv)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


TRAIN_ARGS = ["--arch", "unet", "--data", "sample", "--image-size", "32", "--batch-size", "8", "--lr", "1e-3"]


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    """One tiny real training run (3 epochs at 32x32 on the bundled sample photos), shared by tests."""
    out = tmp_path_factory.mktemp("runs") / "unet"
    proc = run_module("deepcolor.train", *TRAIN_ARGS, "--epochs", "3", "--out", out)
    assert "training unet (3,478,083 params" in proc.stdout
    return str(out)


@pytest.fixture(scope="session")
def exported(run_dir, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("export") / "saved")
    run_module("deepcolor.export", "--run", run_dir, "--out", out)
    return out


def drop_file_permission_override():
    """preexec_fn: removes CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH from the child's bounding set.

    CI runs as root, which reads and writes regardless of file modes; without these two
    capabilities the kernel enforces the modes, so "permission denied" cases are real, not faked.
    """
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def pytest_collection_modifyitems(config, items):
    """The heavy tests (whole notebooks, multi-worker training: minutes each) run first, in their own
    order: `make test` shares them between two workers, and one started last would leave the other
    core idle until it ends."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)  # stable: the rest keep their order
