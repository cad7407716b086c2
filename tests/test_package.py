"""Packaging: the wheel built from this checkout installs in a fresh venv outside the repository, with
the `deepcolor` command and the shipped default model inside; hub libraries are an optional extra."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.heavy
@pytest.mark.timeout(600)
def test_wheel_installs_outside_the_repository_with_command_and_default_model(tmp_path):
    wheels = tmp_path / "wheels"
    leftovers = [p for p in (os.path.join(ROOT, "build"), os.path.join(ROOT, "deepcolor.egg-info"))
                 if not os.path.exists(p)]  # setuptools builds inside the checkout; clean up after it
    try:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                        "-w", str(wheels), ROOT], check=True, cwd=tmp_path, capture_output=True)
    finally:
        import shutil
        for path in leftovers:
            shutil.rmtree(path, ignore_errors=True)
    (wheel,) = wheels.glob("deepcolor-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The dependencies (TensorFlow etc.) come from the test's own environment through a .pth file:
    # installing them again would only re-download what pip already resolved.
    site = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    ours = [p for p in sys.path if p.endswith("site-packages")]
    with open(os.path.join(site, "deps.pth"), "w") as f:
        f.write("\n".join(ours) + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True,
                   capture_output=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    import time
    timings = {}
    for args in (["--help"], ["--version"], ["colorize", "--help"], ["train", "--help"]):
        started = time.perf_counter()
        proc = subprocess.run([str(venv / "bin" / "deepcolor"), *args], cwd=outside, env=env,
                              capture_output=True, text=True, check=True)
        timings[" ".join(args)] = time.perf_counter() - started
        assert proc.stderr == "", proc.stderr  # no TensorFlow start-up lines
        if args == ["--help"]:
            assert "usage: deepcolor COMMAND" in proc.stdout and "replicate" in proc.stdout
        if args[0] in ("colorize", "train"):
            assert proc.stdout.startswith(f"usage: deepcolor {args[0]}")
    # The command answers before TensorFlow is imported (it took 6-8 s when it was imported first).
    assert max(timings.values()) < 1.5, timings
    assert (site_packages_of(python) / "deepcolor" / "py.typed").exists()
    code = ("import deepcolor, numpy as np; assert deepcolor.__file__.startswith(%r); m = deepcolor.load(); "
            "out = m.colorize(np.full((40, 60), 128, np.uint8)); print(m.encoding, out.shape)") % str(venv)
    proc = subprocess.run([str(python), "-c", code], cwd=outside, env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr[-2000:]  # quiet library use too
    assert proc.stdout.split()[-4:] == ["ab_bins", "(40,", "60,", "3)"]
    unknown = subprocess.run([str(venv / "bin" / "deepcolor"), "paint"], cwd=outside, env=env,
                             capture_output=True, text=True)
    assert unknown.returncode == 2 and "unknown command 'paint'" in unknown.stderr


def site_packages_of(python):
    import pathlib
    return pathlib.Path(subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                                       check=True, capture_output=True, text=True).stdout.strip())


def test_a_hub_source_without_its_library_names_the_extra(monkeypatch):
    from deepcolor.data import resolve_source
    from deepcolor.errors import MissingExtraError, import_extra
    for module in ("fiftyone", "datasets", "tensorflow_datasets"):
        monkeypatch.setitem(sys.modules, module, None)  # import of it now raises ImportError
    with pytest.raises(MissingExtraError, match=r"pip install 'deepcolor\[hub\]'"):
        import_extra("fiftyone", "--data coco (FiftyOne)")
    for spec in ("coco:coco-2017", "places365", "cifar10:/nonexistent"):
        with pytest.raises(MissingExtraError, match=r"needs \w+, which is not installed: pip install"):
            resolve_source(spec, 10, 0)
