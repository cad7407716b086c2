"""Every registered model, KerasHub style: size at its native input, one training step, output
shape and range, `.keras` round trip. Expected parameter counts are derived by hand in each
model's docstring (backbones: keras.applications' own counts)."""

import numpy as np
import pytest

from deepcolor.errors import DeepColorError
import keras

from deepcolor.models import ARCHS, build_model
from deepcolor.models.koalarization import Koalarization

# (arch, options) -> parameter count at the arch's native size, with its default encoding.
EXPECTED_PARAMS = {
    ("unet", ()): 3_478_083,
    ("densenet", ()): 9_787_139,           # DenseNet121 7,037,504 + decoder 2,749,635
    ("mobilenet", ()): 9_516_035,          # MobileNet 3,228,864 + decoder 6,287,171
    ("vgg16_regression", ()): 8_917_555,   # VGG16 blocks 1-4 7,635,264 + decoder 1,282,291
    # report 000's stand-in: Lite0 without top 3,413,024 + 1x1 projections to VGG16's tap widths
    # (16, 24, 40, 112 -> 64, 128, 256, 512: 1,088 + 3,200 + 10,496 + 57,856 = 72,640) + the same decoder
    ("vgg16_regression", (("encoder", "efficientnet_lite0"),)): 4_767_955,
    ("resnet18", ()): 957_218,             # stem 678,720 + decoder 278,498
    ("mlp", ()): 2_115_072,                # 1,024 -> 512 -> 3,072, BatchNorm on both
    # report 003's ablation: BatchNorm on the hidden layer only, 524,800 + 2,048 + 1,575,936
    ("mlp", (("output_batchnorm", False),)): 2_102_784,
    ("autoencoder", (("hidden_layers", 3),)): 2_381_056,   # 1,024 -> 512 -> 256 -> 512 -> 3,072
    ("koalarization", ()): 62_447_530,     # Inception-ResNet-v2 with top 55,873,736 + 6,573,794
    ("koalarization", (("extractor", "inception_v3"),)): 30_425_578,
    ("koalarization", (("extractor", "convnext_tiny"),)): 35_162_922,
    ("koalarization", (("extractor", "inception_v3"), ("feature_subset", 256))): 30_235_114,
    ("koalarization", (("extractor", "none"),)): 6_573_794,   # the encoder-decoder alone, zero vector
}
RANGES = {"rgb01": (0.0, 1.0), "uv01": (0.0, 1.0), "ab_pm1": (-1.0, 1.0), "rgb_pm1": (-1.0, 1.0)}
# Small sizes for the training-step and round-trip tests (they must divide each model's stride).
SMALL = {"unet": 32, "densenet": 32, "mobilenet": 32, "vgg16_regression": 32, "resnet18": 32, "mlp": 16,
         "autoencoder": 16, "koalarization": 32}


@pytest.mark.parametrize("arch, options", list(EXPECTED_PARAMS), ids=lambda v: str(v))
def test_parameter_count_shape_and_range_at_native_size(arch, options):
    spec = ARCHS[arch]
    model = build_model(arch, spec.native_size, **dict(options))
    assert model.count_params() == EXPECTED_PARAMS[(arch, options)]
    channels = 3 if spec.encoding.startswith("rgb") else 2
    size = spec.native_size
    assert model.input_shape == (None, size, size, 1) and model.output_shape == (None, size, size, channels)
    x = np.random.default_rng(0).random((2, size, size, 1), dtype=np.float32)
    if spec.encoding == "rgb_pm1":
        x = x * 2 - 1
    out = np.asarray(model(x, training=False))
    low, high = RANGES[spec.encoding]
    assert out.shape == (2, size, size, channels) and out.min() >= low and out.max() <= high


def test_koalarization_extractor_is_frozen_and_batch_is_dynamic():
    model = Koalarization(64, "inception_v3")
    trainable = sum(int(np.prod(v.shape)) for v in model.trainable_variables)
    assert trainable == 6_573_794  # encoder 5,827,200 + fusion 321,792 + decoder 424,802
    for batch in (1, 3, 5):  # the original code needed one static batch size
        assert model(np.zeros((batch, 64, 64, 1), np.float32)).shape == (batch, 64, 64, 2)


@pytest.mark.parametrize("encoding", ["ab_pm1"])
@pytest.mark.parametrize("arch", ["unet", "densenet", "mobilenet"])
def test_lab_variants_of_the_002_models(arch, encoding):
    model = build_model(arch, 32, encoding)
    out = np.asarray(model(np.random.default_rng(1).random((2, 32, 32, 1), dtype=np.float32)))
    assert out.shape == (2, 32, 32, 2) and -1 <= out.min() and out.max() <= 1


def fixed_batch(arch, size):
    rng = np.random.default_rng(1)
    x = rng.random((4, size, size, 1), dtype=np.float32)
    encoding = ARCHS[arch].encoding
    channels = 3 if encoding.startswith("rgb") else 2
    y = np.concatenate([x, 1 - x, x * 0.5][:channels], -1)
    if encoding in ("rgb_pm1", "ab_pm1"):
        x, y = x * 2 - 1, (y * 2 - 1) * 0.5
    return x, y


@pytest.mark.parametrize("arch", list(ARCHS))
def test_one_training_step_lowers_the_loss(arch):
    import tensorflow as tf
    keras.utils.set_random_seed(0)
    size = SMALL[arch]
    model = build_model(arch, size, **({"extractor": "inception_v3"} if arch == "koalarization" else {}))
    optimizer = keras.optimizers.Adam(1e-4)  # 002's rate; 1e-3 overshoots MobileNet's first step
    x, y = fixed_batch(arch, size)
    # The loss the step optimizes: training mode (BatchNorm on batch statistics, whose moving
    # averages barely move in one step). Models with Dropout are measured in inference mode so
    # that two random masks are not compared. Eager, because tracing DenseNet121's 400+ layers
    # for one step costs a minute on a CPU.
    training = not any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)

    def loss():
        return float(keras.losses.MeanSquaredError()(y, model(x, training=training)))

    before = loss()
    with tf.GradientTape() as tape:
        step_loss = keras.losses.MeanSquaredError()(y, model(x, training=True))
    optimizer.apply_gradients(zip(tape.gradient(step_loss, model.trainable_variables), model.trainable_variables))
    after = loss()
    assert after < before, (arch, before, after)


@pytest.mark.parametrize("arch", list(ARCHS))
def test_keras_round_trip_gives_identical_outputs(arch, tmp_path):
    size = SMALL[arch]
    model = build_model(arch, size, **({"extractor": "inception_v3", "feature_subset": 256}
                                       if arch == "koalarization" else {}))
    path = str(tmp_path / f"{arch}.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model) and loaded.get_config() == model.get_config()
    x = np.random.default_rng(2).random((2, size, size, 1), dtype=np.float32)
    np.testing.assert_array_equal(np.asarray(model(x, training=False)), np.asarray(loaded(x, training=False)))


@pytest.mark.parametrize("arch, old_name", [("densenet", "DenseNetDecoder"), ("mobilenet", "MobileNetDecoder")])
def test_backbone_decoders_saved_under_their_old_class_names_still_load(arch, old_name):
    # Before BackboneDecoder, report 002's two backbone models were two classes whose configs had no
    # `backbone`; `.keras` files name the class, so those names still resolve, to the same layers.
    model = build_model(arch, 32)
    config = keras.saving.serialize_keras_object(model)
    config["config"].pop("backbone")
    config.update(class_name=old_name, registered_name=f"deepcolor>{old_name}")
    loaded = keras.saving.deserialize_keras_object(config)
    assert type(loaded).__name__ == "BackboneDecoder" and loaded.get_config() == model.get_config()
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]


def test_per_variable_learning_rates_move_backbone_and_head_at_their_own_rates():
    # Report 000: VGG16 layers at 3e-6, new layers at 1e-3. Adam's first step moves each weight by
    # about its learning rate, so the two groups' largest moves tell the rates apart.
    import tensorflow as tf
    from deepcolor.training.optimizers import LayerwiseAdam
    keras.utils.set_random_seed(0)
    model = build_model("vgg16_regression", 32)
    optimizer = LayerwiseAdam(1e-3, lr_multipliers={"block": 3e-6 / 1e-3})
    x, y = fixed_batch("vgg16_regression", 32)
    before = {v.path: np.array(v) for v in model.trainable_variables}
    with tf.GradientTape() as tape:
        loss = keras.losses.Huber(1.0)(y, model(x, training=True))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    moved = {v.path: np.abs(np.array(v) - before[v.path]).max() for v in model.trainable_variables}
    vgg = max(m for p, m in moved.items() if p.startswith("block"))
    head = max(m for p, m in moved.items() if p.startswith("dec") or p.startswith("out"))
    assert 1e-6 < vgg <= 3.1e-6 and 0.5e-3 < head <= 1.01e-3, (vgg, head)
    config = keras.optimizers.serialize(optimizer)
    assert keras.optimizers.deserialize(config).lr_multipliers == {"block": 3e-3}


def test_imagenet_weights_offline_fail_fast_in_one_line(tmp_path):
    import os
    import subprocess
    import sys
    import time
    from tests.conftest import ROOT
    started = time.time()
    proc = subprocess.run(["unshare", "-n", "sh", "-c", f"ip link set lo up && exec {sys.executable} -m deepcolor.train "
                           f"--arch densenet --weights imagenet --out {tmp_path / 'run'}"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=ROOT, HOME=str(tmp_path), KERAS_HOME=str(tmp_path / "keras")))
    seconds = time.time() - started
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and seconds < 20 and len(lines) == 1, (seconds, proc.stderr)  # machines differ 4x
    assert lines[0].startswith("error: --weights imagenet") and "--weights PATH" in lines[0] and "--weights none" in lines[0]


def test_local_weights_file_is_loaded_into_the_backbone(tmp_path):
    source = keras.applications.MobileNet(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = str(tmp_path / "mobilenet.weights.h5")
    source.save_weights(path)
    model = build_model("mobilenet", 32, weights=path)
    backbone = [layer for layer in model.layers if isinstance(layer, keras.Model)][0]
    for a, b in zip(source.weights, backbone.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(DeepColorError, match="no such file"):
        build_model("mobilenet", 32, weights=str(tmp_path / "missing.h5"))


def test_resnet18_stem_loads_torchvision_weights_with_conv1_summed_over_rgb(tmp_path):
    from deepcolor.models.resnet18_stem import _torch_names
    rng = np.random.default_rng(3)
    model = build_model("resnet18", 32)
    arrays = {}
    for ours, theirs in _torch_names().items():
        layer = model.get_layer(ours)
        if isinstance(layer, keras.layers.Conv2D):
            h, w, i, o = layer.kernel.shape
            arrays[f"{theirs}.weight"] = rng.standard_normal((o, 3 if ours == "conv1" else i, h, w)).astype(np.float32)
        else:
            for name in ("weight", "bias", "running_mean", "running_var"):
                arrays[f"{theirs}.{name}"] = rng.random(layer.gamma.shape[0]).astype(np.float32) + 0.5
    path = str(tmp_path / "resnet18.npz")
    np.savez(path, **arrays)
    loaded = build_model("resnet18", 32, weights=path)
    np.testing.assert_allclose(np.asarray(loaded.get_layer("conv1").kernel),
                               arrays["conv1.weight"].transpose(2, 3, 1, 0).sum(2, keepdims=True), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(loaded.get_layer("layer2_0_down_conv").kernel),
                                  arrays["layer2.0.downsample.0.weight"].transpose(2, 3, 1, 0))
    np.testing.assert_array_equal(np.asarray(loaded.get_layer("layer1_1_bn2").moving_variance),
                                  arrays["layer1.1.bn2.running_var"])
    with pytest.raises(DeepColorError, match="keras.applications has no ResNet-18"):
        build_model("resnet18", 32, weights="imagenet")


def test_cached_embeddings_train_to_the_same_losses_and_resume(tmp_path):
    """--cache-embeddings (the frozen extractor's vector computed once per image) gives the losses
    of the uncached path; a cached run extended by an epoch continues it exactly."""
    import tensorflow as tf
    from deepcolor import runs, train
    common = ["--experiment", "koala004_model3_inception_v3_rand256", "--smoke", "--seed", "3"]
    tf.config.run_functions_eagerly(True)  # two steps: eager beats tracing Inception
    try:
        assert train.main(common + ["--epochs", "2", "--out", str(tmp_path / "plain")]) == 0
        assert train.main(common + ["--epochs", "1", "--out", str(tmp_path / "cached"), "--cache-embeddings"]) == 0
        assert train.main(common + ["--epochs", "2", "--out", str(tmp_path / "cached"), "--cache-embeddings"]) == 0
        with pytest.raises(DeepColorError, match="koalarization has"):
            train.main(["--smoke", "--arch", "unet", "--cache-embeddings", "--out", str(tmp_path / "unet")])
    finally:
        tf.config.run_functions_eagerly(False)
    plain, cached = runs.read_history(str(tmp_path / "plain")), runs.read_history(str(tmp_path / "cached"))
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose([r[key] for r in cached], [r[key] for r in plain], rtol=1e-5)
    # The saved model is the whole network (extractor included): it colorizes from gray alone.
    model, _ = runs.load_model(str(tmp_path / "cached"), "best")
    assert model.input_shape == (None, 32, 32, 1)
