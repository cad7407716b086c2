"""Every awkward input, through colorize (folder and files), train, evaluate and the SavedModel.

Each bad file must give one line naming it and the problem (no traceback), the batch must go on,
the summary must count it and the exit code must say that something failed. The child processes
run without root's permission override, so "permission denied" and "not writable" are real.
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from tests import images
from deepcolor.data.images import OUTPUT_FORMATS, format_of
from tests.bad_inputs import DEFAULT_SHAPE, EXPECTED_SHAPES, make_bad_input_folder
from tests.conftest import ROOT, drop_file_permission_override, run_module


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("bad") / "inputs")
    return root, make_bad_input_folder(root)


def failure_lines(stderr):
    return {line for line in stderr.splitlines() if line.startswith("failed ")}


def check_colorize_result(proc, root, out, expected):
    good = [n for n, why in expected.items() if why is None]
    bad = {n: why for n, why in expected.items() if why is not None}
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = failure_lines(proc.stderr)
    assert len(lines) == len(bad), sorted(lines)
    for name, why in bad.items():
        assert any(line.startswith(f"failed {os.path.join(root, name)}: {why}") for line in lines), (name, lines)
    assert proc.stdout.strip().splitlines()[-1] == (
        f"colorized {len(good)}, skipped 0 (already done), failed {len(bad)} -> {out}")
    for name in good:
        output = os.path.splitext(name)[0] + OUTPUT_FORMATS[format_of(name)][1]  # the input's format family
        result = np.asarray(Image.open(os.path.join(out, output)))
        assert result.shape == EXPECTED_SHAPES.get(name, DEFAULT_SHAPE), name
    rgba = np.asarray(Image.open(os.path.join(out, "rgba.png")))
    from tests.bad_inputs import RGBA_ALPHA
    np.testing.assert_array_equal(rgba[..., 3], RGBA_ALPHA.astype(np.uint8))  # alpha carried over
    assert not [n for n in os.listdir(out) if ".tmp" in n]  # no temp files left behind


def test_colorize_folder_reports_each_bad_file_and_finishes_the_rest(bad_folder, exported, tmp_path):
    root, expected = bad_folder
    out = str(tmp_path / "out")
    proc = run_module("deepcolor.colorize", root, "--model", exported, "--out", out, check=False,
                      unprivileged=True)
    check_colorize_result(proc, root, out, expected)
    # A re-run skips what is done, reports the same failures, and rewrites nothing.
    stamps = {n: os.stat(os.path.join(out, n)).st_mtime_ns for n in os.listdir(out)}
    again = run_module("deepcolor.colorize", root, "--model", exported, "--out", out, check=False,
                       unprivileged=True)
    good = sum(why is None for why in expected.values())
    assert again.returncode == 1 and f"colorized 0, skipped {good} (already done)" in again.stdout
    assert stamps == {n: os.stat(os.path.join(out, n)).st_mtime_ns for n in os.listdir(out)}


def test_colorize_files_given_one_by_one(bad_folder, run_dir, tmp_path):
    root, expected = bad_folder
    out = str(tmp_path / "out")
    paths = [os.path.join(root, name) for name in sorted(expected)]
    proc = run_module("deepcolor.colorize", *paths, "--model", run_dir, "--out", out, check=False,
                      unprivileged=True)
    check_colorize_result(proc, root, out, expected)


def test_unwritable_output_folder_is_one_line_and_exit_2(bad_folder, exported, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o555)
    proc = run_module("deepcolor.colorize", bad_folder[0], "--model", exported, "--out", locked, check=False,
                      unprivileged=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: output folder {locked} is not writable (Permission denied)"


def test_train_and_evaluate_skip_and_count_bad_files(bad_folder, tmp_path):
    import shutil
    root, expected = bad_folder
    data = tmp_path / "data"
    shutil.copytree(root, data, symlinks=True)
    os.chmod(data / "unreadable.jpg", 0)
    for i in range(12):  # enough good photos for both splits
        images.write(str(data / f"good_{i:02d}.png"), images.photo(50, 70, seed=100 + i))
    run = tmp_path / "run"
    proc = run_module("deepcolor.train", "--data", f"folder:{data}", "--image-size", "32", "--epochs", "1",
                      "--batch-size", "4", "--split", "0.5,0.5,0", "--out", run, unprivileged=True)
    assert "Traceback" not in proc.stderr
    config = json.load(open(run / "config.json"))
    skipped = {os.path.basename(s["file"]): s["problem"] for s in config["skipped_files"]}
    bad = {n: why for n, why in expected.items() if why is not None}
    assert set(skipped) == set(bad)
    for name, why in bad.items():
        assert skipped[name].startswith(why), (name, skipped[name])
        assert f"skipped {data / name}: {why}" in proc.stderr
    assert sum(config["images"].values()) == 12 + sum(why is None for why in expected.values())
    proc = run_module("deepcolor.evaluate", "--run", run, "--split", "all", "--out", tmp_path / "eval",
                      unprivileged=True)
    result = json.load(open(tmp_path / "eval" / "metrics.json"))
    assert result["images"] == 12 + sum(why is None for why in expected.values())
    assert {os.path.basename(s["file"]) for s in result["skipped_files"]} == set(bad)


def test_savedmodel_signatures_on_odd_shapes_and_refused_bytes(bad_folder, exported):
    import tensorflow as tf
    root, _ = bad_folder
    model = tf.saved_model.load(exported)
    for shape in [(1, 1, 3), (2, 3, 3), (1, 10_000, 3), (40, 60, 1), (40, 60, 2), (40, 60, 4)]:
        image = (np.random.default_rng(0).random(shape) * 255).astype(np.uint8)
        assert model.serve(tf.constant(image)).shape == shape[:2] + (3,)
    for name, message in [("bomb_30000x30000.png", "more pixels than the limit"),
                          ("truncated.jpg", None), ("text.jpg", None), ("empty.jpg", None)]:
        data = open(os.path.join(root, name), "rb").read()
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            model.serve_encoded(tf.constant(data))
    ok = open(os.path.join(root, "animated.gif"), "rb").read()
    assert model.serve_encoded(tf.constant(ok)).shape == (40, 60, 3)
    # EXIF orientation is applied in the graph, as colorize applies it: a 40x60 photo tagged 6 stands up.
    rotated = open(os.path.join(root, "rotated_exif6.jpg"), "rb").read()
    assert model.serve_encoded(tf.constant(rotated)).shape == (60, 40, 3)


@pytest.mark.heavy
def test_killed_colorize_leaves_only_complete_outputs(exported, tmp_path):
    src = tmp_path / "many"
    for i in range(120):
        images.write(str(src / f"{i:03d}.png"), images.photo(300, 400, seed=i))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "deepcolor.colorize", str(src), "--model", exported, "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if out.exists() and len([n for n in os.listdir(out) if n.endswith(".png")]) >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "colorize finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = [n for n in os.listdir(out) if n.endswith(".png") and not n.startswith(".")]
    assert 3 <= len(finished) < 120
    for name in finished:  # every file under a final name is a complete image
        with Image.open(out / name) as im:
            im.load()
            assert im.size == (400, 300)
    resumed = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0
    assert f"colorized {120 - len(finished)}, skipped {len(finished)} (already done), failed 0" in resumed.stdout
    assert sorted(os.listdir(out)) == [f"{i:03d}.png" for i in range(120)]  # temp files cleaned up
