import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_PHOTOS = os.path.join(ROOT, "..", "shared", "data", "photos")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, ROOT)


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Sample photos are written to a per-session cache so tests never depend on ~/.cache."""
    os.environ["DEEPCOLOR_CACHE"] = str(tmp_path_factory.mktemp("deepcolor_cache"))


@pytest.fixture(scope="session")
def real_photos():
    """A few real photos: scikit-image's bundled ones, plus shared/ photos when that folder exists."""
    from skimage import data
    photos = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    if os.path.isdir(SHARED_PHOTOS):
        from PIL import Image
        for name in sorted(os.listdir(os.path.join(SHARED_PHOTOS, "bsds500")))[:4]:
            if name.endswith(".jpg"):
                photos.append(np.asarray(Image.open(os.path.join(SHARED_PHOTOS, "bsds500", name)).convert("RGB")))
    return photos


def run_module(module, *args, timeout=600, cwd=ROOT, check=True):
    """Runs `python -m module args` in a fresh process; returns CompletedProcess (text)."""
    import subprocess
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{module} {args} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc
