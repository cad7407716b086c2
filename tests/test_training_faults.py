"""Training faults: NaN/Inf loss, a disk too small for the checkpoints."""

import json
import os
import subprocess

import numpy as np
import pytest

from tests.conftest import TRAIN_ARGS, run_module


def test_non_finite_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch, capsys):
    import keras
    import tensorflow as tf
    from deepcolor import train

    calls = tf.Variable(0)

    def poisoned(self, name, class_weights=None):
        """MSE that turns NaN from the 11th call on: epoch 1 (8 train + 2 val batches) stays finite."""
        mse = keras.losses.MeanSquaredError()

        def loss(y_true, y_pred):
            calls.assign_add(1)
            return mse(y_true, y_pred) * tf.where(calls > 10, float("nan"), 1.0)
        return loss

    from deepcolor.color.encodings import get_encoding
    monkeypatch.setattr(type(get_encoding("rgb01")), "loss", poisoned)  # the U-Net's own encoding
    out = str(tmp_path / "run")
    assert train.main([*TRAIN_ARGS, "--epochs", "4", "--out", out]) == 3
    err = capsys.readouterr().err
    assert "error: loss became nan at epoch 2, batch 1; training stopped." in err
    assert "best.keras (epoch 1)" in err
    best = json.load(open(os.path.join(out, "best.json")))
    assert best["epoch"] == 1 and np.isfinite(best["val_loss"])
    assert json.load(open(os.path.join(out, "summary.json")))["status"] == "stopped: non-finite loss"
    assert len(open(os.path.join(out, "history.csv")).read().strip().splitlines()) == 2  # header + epoch 1
    assert not os.path.exists(os.path.join(out, "last.keras"))
    import deepcolor.models  # noqa: F401
    model = keras.saving.load_model(os.path.join(out, "best.keras"), compile=False)
    assert all(np.isfinite(w).all() for w in model.get_weights())
    # The resume point kept is epoch 1's, with finite weights: no NaN was ever backed up.
    backup = json.load(open(os.path.join(out, "backup", "training_metadata.json")))
    assert backup["epoch"] == 1
    model.load_weights(os.path.join(out, "backup", "latest.weights.h5"))
    assert all(np.isfinite(w).all() for w in model.get_weights())


@pytest.fixture
def small_disk(tmp_path):
    """A real 24 MB filesystem (tmpfs); needs root, which CI and the dev machines have."""
    mount_point = tmp_path / "small_disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


def test_a_disk_too_small_for_the_checkpoints_is_refused_before_training(small_disk):
    proc = run_module("deepcolor.train", *TRAIN_ARGS, "--epochs", "1", "--out", small_disk / "run", check=False)
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: {small_disk / 'run'} has 2") and "need about 175 MB" in last
    assert "Traceback" not in proc.stderr and "Epoch 1" not in proc.stdout


def test_mixed_precision_trains_with_float32_outputs(tmp_path):
    """bf16 mixed precision (what --mixed-precision auto picks on recent GPUs), here on the CPU."""
    out = tmp_path / "bf16"
    proc = run_module("deepcolor.train", *TRAIN_ARGS, "--epochs", "1", "--mixed-precision", "bf16", "--out", out)
    assert "policy=mixed_bfloat16" in proc.stdout
    config = json.load(open(out / "config.json"))
    assert config["devices"]["dtype_policy"] == "mixed_bfloat16"
    history = open(out / "history.csv").read().strip().splitlines()
    assert len(history) == 2 and all(np.isfinite(float(v)) for v in history[1].split(",")[1:3])
    # Under the policy the layers compute in bf16 with float32 weights and a float32 output; a saved
    # model reloads under the loading process's policy (float32 for inference, bf16 when resuming).
    import keras
    from deepcolor.models import build_model
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = build_model("unet", 32)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert model.get_layer("enc1_conv").compute_dtype == "bfloat16"
    assert model.get_layer("enc1_conv").kernel.dtype == "float32"
    x = np.random.default_rng(0).random((1, 32, 32, 1), dtype=np.float32)
    assert model.predict(x, verbose=0).dtype == np.float32  # the loss is computed in float32
    reloaded = keras.saving.load_model(out / "best.keras", compile=False)
    assert reloaded.predict(x, verbose=0).dtype == np.float32
