"""Report 002's U-Net: size, shapes, a training step, save/reload (KerasHub-style model test)."""

import numpy as np
import pytest

from deepcolor.errors import DeepColorError
import keras

from deepcolor.models import ARCHS, build_model
from deepcolor.models.unet import UNet

EXPECTED_PARAMS = 3_478_083  # SPEC: "≈3.48 M params" (counted by hand in deepcolor/models/unet.py's layout)


def test_parameter_count_and_output_at_native_size():
    model = build_model("unet", 256)
    assert model.count_params() == EXPECTED_PARAMS
    assert model.input_shape == (None, 256, 256, 1) and model.output_shape == (None, 256, 256, 3)
    out = model.predict(np.random.default_rng(0).random((2, 256, 256, 1), dtype=np.float32), verbose=0)
    assert out.shape == (2, 256, 256, 3) and out.min() >= 0.0 and out.max() <= 1.0


def test_layout_follows_spec():
    model = UNet(image_size=64)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") == 4 and kinds.count("Conv2DTranspose") == 4
    assert kinds.count("Concatenate") == 3 and kinds.count("Dropout") == 3
    leaky = [l for l in model.layers if isinstance(l, keras.layers.LeakyReLU)]
    assert len(leaky) == 4 and all(abs(l.negative_slope - 0.01) < 1e-9 for l in leaky)
    assert [l.filters for l in model.layers if type(l).__name__ == "Conv2D"] == [64, 128, 256, 512]
    assert model.get_layer("out_act").activation.__name__ == "sigmoid"
    assert all(l.rate == 0.5 for l in model.layers if isinstance(l, keras.layers.Dropout))


def test_one_training_step_lowers_the_loss():
    keras.utils.set_random_seed(0)
    model = build_model("unet", 32)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    rng = np.random.default_rng(1)
    x = rng.random((4, 32, 32, 1), dtype=np.float32)
    y = np.clip(np.concatenate([x, 1 - x, x * 0.5], -1), 0, 1)
    before = model.evaluate(x, y, verbose=0)
    model.train_on_batch(x, y)
    assert model.evaluate(x, y, verbose=0) < before


def test_keras_round_trip_gives_identical_outputs(tmp_path):
    model = UNet(image_size=32, output_channels=2, output_activation="tanh")
    path = str(tmp_path / "unet.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, UNet) and loaded.get_config() == model.get_config()
    x = np.random.default_rng(2).random((2, 32, 32, 1), dtype=np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_size_must_be_divisible_by_16():
    with pytest.raises(ValueError, match="divisible by 16"):
        UNet(image_size=100)


def test_registry_lists_unet_with_its_encoding():
    assert ARCHS["unet"].encoding == "rgb01"
    with pytest.raises(DeepColorError, match="unknown --arch"):
        build_model("resnet99", 32)
