"""tf.distribute: mirrored training on two logical CPUs matches single-device training."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, TRAIN_ARGS, run_module

STRICT = r'''
import json
import deepcolor
import keras, numpy as np, tensorflow as tf
from deepcolor.training.distribute import make_strategy, split_cpu
split_cpu(2)
from deepcolor.models.unet import UNet

rng = np.random.default_rng(0)
x = rng.random((32, 32, 32, 1), dtype=np.float32)
y = np.concatenate([x, 1 - x, x * x], -1)

def run(strategy):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = UNet(image_size=32, dropout=0.0, synchronized_bn=strategy.num_replicas_in_sync > 1)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    history = model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), epochs=4, verbose=0)
    return strategy.num_replicas_in_sync, history.history["loss"], model.predict(x[:4], verbose=0).tolist()

print(json.dumps({"single": run(tf.distribute.OneDeviceStrategy("/cpu:0")), "mirrored": run(make_strategy("mirrored"))}))
'''


def test_mirrored_on_two_cpus_matches_single_device_on_the_same_global_batch():
    """Tolerance: per-epoch losses within 0.1 % (relative), predictions within 1e-3.

    Dropout is off and BatchNorm synchronized, so the only difference left is the order of
    floating-point reductions across the two replicas.
    """
    proc = subprocess.run([sys.executable, "-c", STRICT], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    (n1, loss1, pred1), (n2, loss2, pred2) = result["single"], result["mirrored"]
    assert (n1, n2) == (1, 2)
    assert loss1[-1] < loss1[0]  # it learned
    for a, b in zip(loss1, loss2):
        assert b == pytest.approx(a, rel=1e-3)
    import numpy as np
    assert np.abs(np.array(pred1) - np.array(pred2)).max() < 1e-3


@pytest.mark.heavy
def test_train_cli_with_mirrored_strategy_checkpoints_resumes_and_evaluates(tmp_path):
    args = [*TRAIN_ARGS, "--cpu-devices", "2", "--seed", "1"]
    mirrored, single = tmp_path / "mirrored", tmp_path / "single"
    proc = run_module("deepcolor.train", *args, "--strategy", "mirrored", "--epochs", "2", "--out", mirrored)
    assert "MirroredStrategy x2" in proc.stdout
    proc = run_module("deepcolor.train", *args, "--strategy", "mirrored", "--epochs", "3", "--out", mirrored)
    assert "resuming" in proc.stdout  # a finished run extended under the strategy
    run_module("deepcolor.train", *args, "--strategy", "one_device", "--epochs", "3", "--out", single)
    config = json.load(open(mirrored / "config.json"))
    assert config["devices"]["replicas"] == 2 and config["devices"]["strategy"] == "MirroredStrategy"
    from deepcolor.runs import read_history
    m, s = read_history(str(mirrored)), read_history(str(single))
    assert [r["epoch"] for r in m] == [1, 2, 3]
    # Same global batch and seed; dropout masks differ between one and two replicas, so the
    # curves agree only statistically: within 15 % per epoch (seen: a few %).
    for a, b in zip(s, m):
        assert b["loss"] == pytest.approx(a["loss"], rel=0.15)
    out = tmp_path / "eval"
    run_module("deepcolor.evaluate", "--run", mirrored, "--out", out)
    assert json.load(open(out / "metrics.json"))["images"] == 10


def test_batch_must_split_evenly_across_replicas(tmp_path):
    proc = run_module("deepcolor.train", "--data", "sample", "--image-size", "32", "--batch-size", "5",
                      "--strategy", "mirrored", "--cpu-devices", "2", "--out", tmp_path / "r", check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("must be a multiple of the 2 replicas of --strategy mirrored")


def test_tpu_strategy_without_a_tpu_is_one_line(tmp_path):
    proc = run_module("deepcolor.train", "--data", "sample", "--image-size", "32", "--strategy", "tpu",
                      "--out", tmp_path / "r", check=False, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: --strategy tpu: no TPU reachable")


def free_ports(count):
    import socket
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_two_workers(args, out):
    """`deepcolor.train --strategy multiworker` as two processes on this machine, TF_CONFIG naming
    both (gRPC on loopback ports); returns their stdouts, chief first."""
    ports = free_ports(2)
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    procs = []
    for index in range(2):
        env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2",
                   TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        procs.append(subprocess.Popen([sys.executable, "-m", "deepcolor.train", *args, "--strategy", "multiworker",
                                       "--out", str(out)], cwd=ROOT, env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outputs = [p.communicate(timeout=600) for p in procs]
    for p, (stdout, stderr) in zip(procs, outputs):
        assert p.returncode == 0, stderr[-3000:]
    return [stdout for stdout, _ in outputs]


@pytest.mark.heavy
def test_multiworker_on_two_local_processes_matches_one_process_checkpoints_once_and_resumes(tmp_path):
    """Tolerance: per-epoch losses within 0.1 % (relative) of a one-process run on the same global
    batch. Dropout is off and BatchNorm synchronized across the workers, so what is left is the
    order of floating-point reductions (seen: about 2e-5)."""
    args = [*TRAIN_ARGS, "--model-option", "dropout=0", "--seed", "1"]
    multi, single = tmp_path / "multi", tmp_path / "single"
    chief, other = run_two_workers([*args, "--epochs", "2"], multi)
    assert "CollectiveAllReduceStrategy x2" in chief
    assert f"done: {multi}" in chief and f"done: {multi}" not in other  # the other wrote a scratch copy
    checkpoints = sorted(p.name for p in multi.iterdir() if p.suffix == ".keras")
    assert checkpoints == ["best.keras", "last.keras"]
    scratch = [line.split()[1] for line in other.splitlines() if line.startswith("done: ")]
    assert scratch and not os.path.exists(scratch[0].rstrip(":"))  # written once: the copy is gone
    chief, other = run_two_workers([*args, "--epochs", "3"], multi)  # a finished run, extended
    assert "resuming" in chief and "resuming" in other
    run_module("deepcolor.train", *args, "--strategy", "one_device", "--epochs", "3", "--out", single)
    from deepcolor.runs import read_history
    m, s = read_history(str(multi)), read_history(str(single))
    assert [r["epoch"] for r in m] == [1, 2, 3]
    assert m[-1]["loss"] < m[0]["loss"]
    for a, b in zip(s, m):
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-3)
        assert b["val_loss"] == pytest.approx(a["val_loss"], rel=1e-3)
