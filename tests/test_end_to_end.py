"""train -> evaluate -> export -> colorize through the command lines users type, in fresh processes
(resuming and warm starts run train's main in this process: `run_command`, the same entry point
without starting TensorFlow again)."""

import csv
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
from tests.conftest import ROOT, TRAIN_ARGS, run_command, run_module


def history(run):
    with open(os.path.join(run, "history.csv")) as f:
        return list(csv.DictReader(f))


def test_training_writes_a_complete_run_directory(run_dir):
    for name in ("config.json", "splits.json", "best.keras", "last.keras", "best.json", "history.csv",
                 "summary.json"):
        assert os.path.exists(os.path.join(run_dir, name)), name
    assert not os.path.exists(os.path.join(run_dir, "backup"))  # removed once the run finished
    assert os.listdir(os.path.join(run_dir, "tensorboard"))
    config = json.load(open(os.path.join(run_dir, "config.json")))
    s = config["settings"]
    assert (s["arch"], s["encoding"], s["image_size"], s["epochs"], s["jit"]) == ("unet", "rgb01", 32, 3, "auto")
    assert config["devices"]["jit_compile"] is False  # auto = off on a CPU-only machine
    assert config["versions"]["tensorflow"] and config["versions"]["keras"]
    assert config["command"].startswith("python -m deepcolor.train --arch unet")
    splits = json.load(open(os.path.join(run_dir, "splits.json")))
    train, val, test = (set(splits[k]) for k in ("train", "val", "test"))
    assert train and val and test and not (train & val or train & test or val & test)
    rows = history(run_dir)
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert all(float(r["train_images_per_s"]) > 0 for r in rows)
    from deepcolor.runs import read_table  # the training loss per stretch of steps, every step here
    steps = read_table(run_dir, "steps.csv")
    assert [r["step"] for r in steps] == list(range(1, len(steps) + 1)) and len(steps) % 3 == 0  # 3 epochs
    assert all(np.isfinite(r["loss"]) for r in steps)
    best = json.load(open(os.path.join(run_dir, "best.json")))
    assert best["val_loss"] == pytest.approx(min(float(r["val_loss"]) for r in rows), rel=1e-6)


def train(*args, check=True):
    from deepcolor.train import main
    proc = run_command(main, *args)
    assert not check or proc.returncode == 0, proc.stderr
    return proc


def test_rerun_does_nothing_and_more_epochs_extend_the_run(run_dir, tmp_path):
    import shutil
    copy = str(tmp_path / "copy")
    shutil.copytree(run_dir, copy)
    proc = train(*TRAIN_ARGS, "--epochs", "3", "--out", copy)
    assert "already trained for 3 epochs" in proc.stdout
    proc = train(*TRAIN_ARGS, "--epochs", "4", "--out", copy)
    assert "resuming" in proc.stdout and [int(r["epoch"]) for r in history(copy)] == [1, 2, 3, 4]
    proc = train(*TRAIN_ARGS[:-2], "--lr", "0.5", "--epochs", "5", "--out", copy,
                      check=False)
    assert proc.returncode != 0 and "holds a run with other settings (lr: 0.001 -> 0.5)" in proc.stderr


def test_init_from_warm_starts_a_new_run_with_a_cosine_rate(run_dir, tmp_path):
    out = str(tmp_path / "finetuned")
    proc = train(*TRAIN_ARGS, "--epochs", "2", "--lr-schedule", "cosine",
                      "--init-from", run_dir, "--out", out)
    assert f"weights initialised from {run_dir}" in proc.stdout
    rates = [float(r["lr"]) for r in history(out)]
    assert rates == pytest.approx([1e-3, 0.5e-3])  # cos schedule: full rate, then half way down
    # a donor of another shape is refused in one line, before any training
    proc = train(*TRAIN_ARGS, "--epochs", "1", "--model-option", "filters=[8,16]",
                      "--init-from", run_dir, "--out", str(tmp_path / "mismatch"), check=False)
    assert proc.returncode != 0 and "its architecture differs" in proc.stderr


@pytest.mark.heavy
def test_killed_training_resumes_instead_of_restarting(tmp_path):
    out = str(tmp_path / "killed")
    cmd = [sys.executable, "-m", "deepcolor.train", *TRAIN_ARGS, "--epochs", "10", "--out", out]
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if os.path.exists(os.path.join(out, "history.csv")) and len(history(out)) >= 2:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "training finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished_before_kill = len(history(out))
    resumed = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    line = next(l for l in resumed.stdout.splitlines() if l.startswith("resuming"))
    resumed_at = int(line.split("at epoch ")[1].split("/")[0])
    assert resumed_at >= finished_before_kill  # at most one epoch lost
    assert [int(r["epoch"]) for r in history(out)] == list(range(1, 11))
    best = json.load(open(os.path.join(out, "best.json")))
    assert best["val_loss"] == pytest.approx(min(float(r["val_loss"]) for r in history(out)), rel=1e-6)


def test_evaluate_writes_table_with_gray_baseline_grid_and_curve(run_dir, tmp_path):
    out = str(tmp_path / "eval")
    proc = run_module("deepcolor.evaluate", "--run", run_dir, "--out", out)
    assert "gray baseline (zero chroma)" in proc.stdout
    result = json.load(open(os.path.join(out, "metrics.json")))
    assert result["split"] == "test" and result["images"] == 10  # the held-out sample photo's tiles
    ours, gray = result["rows"].values()
    for row in (ours, gray):
        for key in ("mse_target", "psnr", "ssim", "colorfulness", "delta_colorfulness", "auc_ab", "psnr_raw_output"):
            assert np.isfinite(row[key]), key
        assert row["images"] == 10 and 0 < row["auc_ab"] <= 1 and -1 <= row["ssim"] <= 1
    assert gray["colorfulness"] < 0.5  # zero chroma is (up to 8-bit rounding) colorless
    assert gray["delta_colorfulness"] == pytest.approx(gray["colorfulness_truth"] - gray["colorfulness"])
    table = open(os.path.join(out, "metrics.md")).read()
    assert "| gray baseline (zero chroma) | 10 |" in table and "Command: `python -m deepcolor.evaluate" in table
    for png in ("samples.png", "loss_curve.png"):
        assert Image.open(os.path.join(out, png)).size[0] > 200


def test_evaluate_compares_models_on_the_same_images_per_source_folder(run_dir, tmp_path):
    from skimage import data
    for folder, photos in (("first", (data.coffee(), data.chelsea())), ("second", (data.astronaut(),))):
        for k, photo in enumerate(photos):
            images.write(str(tmp_path / folder / f"{k}.png"), photo)
    out = tmp_path / "eval"
    spec = f"folder:{tmp_path / 'first'}+folder:{tmp_path / 'second'}"
    proc = run_module("deepcolor.evaluate", "--run", run_dir, "--data", spec, "--split", "all", "--compare",
                      "shipped=default", "--per-source", "--samples", "2", "--out", out)
    result = json.load(open(out / "metrics.json"))
    assert list(result["rows"]) == ["shipped", "unet (best.keras)", "gray baseline (zero chroma)"]
    assert {k: v["shipped"]["images"] for k, v in result["per_source"].items()} == {"first": 2, "second": 1}
    gray = result["rows"]["gray baseline (zero chroma)"]
    assert gray["neutral_chroma"] < 0.5 < result["rows"]["shipped"]["neutral_chroma"]
    assert "first (2 images):" in proc.stdout and "| shipped | 3 |" in proc.stdout
    assert Image.open(out / "samples.png").size[0] > 400  # gray, shipped, unet, truth
    bad = run_module("deepcolor.evaluate", "--run", run_dir, "--compare", "nomodel", check=False)
    assert bad.returncode == 2 and "expected NAME=MODEL" in bad.stderr


def test_savedmodel_in_a_fresh_process_matches_the_python_path(run_dir, exported, tmp_path):
    from deepcolor.api import load
    inputs = {"rgb": images.photo(37, 53, seed=3), "gray": images.photo(64, 40, seed=4)[..., :1],
              "rgba": np.dstack([images.photo(20, 30, seed=5), np.full((20, 30), 9, np.uint8)])}
    np.savez(tmp_path / "in.npz", **inputs)
    script = ("import sys, numpy as np, tensorflow as tf\n"
              f"m = tf.saved_model.load({exported!r})\n"
              f"x = np.load({str(tmp_path / 'in.npz')!r})\n"
              "out = {k: m.serve(tf.constant(x[k])).numpy() for k in x.files}\n"
              "out['encoded'] = m.serve_encoded(tf.io.encode_png(x['rgb'])).numpy()\n"
              f"np.savez({str(tmp_path / 'out.npz')!r}, **out)\n")
    subprocess.run([sys.executable, "-c", script], check=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    served = np.load(tmp_path / "out.npz")
    python_path = load(run_dir).colorizer()
    for name, image in inputs.items():
        expected = python_path(image)
        assert served[name].shape == image.shape[:2] + (3,) and served[name].dtype == np.uint8
        assert np.abs(served[name].astype(int) - expected.astype(int)).max() <= 1, name
    assert np.abs(served["encoded"].astype(int) - python_path(inputs["rgb"]).astype(int)).max() <= 1


def lightness(rgb_uint8):
    from skimage.color import rgb2lab
    return rgb2lab(rgb_uint8[..., :3])[..., 0]


@pytest.mark.parametrize("model_kind", ["run", "savedmodel"])
def test_colorize_keeps_size_and_lightness_and_never_overwrites(run_dir, exported, tmp_path, model_kind):
    from skimage import data, transform
    model = run_dir if model_kind == "run" else exported
    src = tmp_path / "in"
    photo = (transform.resize(data.astronaut(), (512, 768), anti_aliasing=True) * 255).round().astype(np.uint8)
    images.write(str(src / "photo.png"), photo)
    images.write_exif_rotated(str(src / "nested" / "rotated.jpg"), images.photo(30, 50), 6)
    images.write(str(src / "alpha.png"), np.dstack([images.photo(24, 24), np.arange(576, dtype=np.uint8).reshape(24, 24)]))
    (src / "broken.jpg").write_text("not an image")
    out = tmp_path / "out"
    proc = run_module("deepcolor.colorize", src, "--model", model, "--out", out, check=False)
    assert proc.returncode == 1  # one file failed
    assert proc.stdout.strip().endswith(f"colorized 3, skipped 0 (already done), failed 1 -> {out}")
    failed = [l for l in proc.stderr.splitlines() if l.startswith("failed ")]
    assert failed == [f"failed {src / 'broken.jpg'}: not a readable image (cannot identify image file "
                      f"'{src / 'broken.jpg'}')"]
    assert "Traceback" not in proc.stderr
    result = np.asarray(Image.open(out / "photo.png"))
    assert result.shape == (512, 768, 3)
    assert np.abs(lightness(result) - lightness(photo)).mean() < 0.5
    assert np.asarray(Image.open(out / "nested" / "rotated.jpg")).shape == (50, 30, 3)  # EXIF 6 honored, JPEG kept
    alpha_out = np.asarray(Image.open(out / "alpha.png"))
    assert alpha_out.shape == (24, 24, 4) and np.array_equal(alpha_out[..., 3], np.arange(576, dtype=np.uint8).reshape(24, 24))
    # A second run skips finished outputs; writing into the input folder never replaces an input.
    before = (src / "photo.png").read_bytes()
    proc = run_module("deepcolor.colorize", src / "photo.png", "--model", model, "--out", out)
    assert "colorized 0, skipped 1" in proc.stdout
    proc = run_module("deepcolor.colorize", src / "photo.png", "--model", model, "--out", src, "--overwrite",
                      check=False)
    assert proc.returncode == 1 and "is the input itself" in proc.stderr
    assert (src / "photo.png").read_bytes() == before


@pytest.mark.heavy
def test_deterministic_run_killed_at_a_random_point_ends_identical(tmp_path):
    """--deterministic + seed: uninterrupted and killed-then-resumed runs give identical results.

    Tolerance: none. Per-epoch losses and the final weights must be bit-identical.
    """
    import random
    args = [*TRAIN_ARGS, "--epochs", "5", "--deterministic", "--seed", "3"]
    straight = str(tmp_path / "straight")
    run_module("deepcolor.train", *args, "--out", straight)

    killed = str(tmp_path / "killed")
    cmd = [sys.executable, "-m", "deepcolor.train", *args, "--out", killed]
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and not (os.path.exists(os.path.join(killed, "history.csv"))
                                       and len(history(killed)) >= 1):
        time.sleep(0.05)
    time.sleep(random.Random().uniform(0.0, 1.5))  # somewhere inside a later epoch
    assert proc.poll() is None, "training finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    run_module("deepcolor.train", *args, "--out", killed)

    a, b = history(straight), history(killed)
    assert [(r["epoch"], r["loss"], r["val_loss"]) for r in a] == [(r["epoch"], r["loss"], r["val_loss"]) for r in b]
    import keras
    import deepcolor.models  # noqa: F401  (registers UNet for loading)
    wa = keras.saving.load_model(os.path.join(straight, "last.keras")).get_weights()
    wb = keras.saving.load_model(os.path.join(killed, "last.keras")).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(wa, wb))
