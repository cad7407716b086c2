"""Color conversion on the accelerator (`train --color-on device`).

The tf.data pipeline then only decodes, resizes and batches uint8 RGB (a quarter of the bytes of
float32 to move to the device); the gray input and the target are computed inside the training
step, on the GPU/TPU, by `EncodeInput` and `EncodedTargetLoss`. The saved checkpoints are the plain
model (gray in, prediction out), exactly as with `--color-on pipeline`.
"""

import keras

from deepcolor.color.encodings import get_encoding

BASE_LOSSES = {"mse": keras.losses.mean_squared_error, "mae": keras.losses.mean_absolute_error,
               "huber": keras.losses.huber}


@keras.saving.register_keras_serializable(package="deepcolor")
class EncodeInput(keras.layers.Layer):
    """uint8 RGB batch -> the encoding's gray model input, in-graph."""

    def __init__(self, encoding, **kwargs):
        super().__init__(**kwargs)
        self.encoding = encoding

    def call(self, rgb_uint8):
        return get_encoding(self.encoding).model_input(keras.ops.cast(rgb_uint8, "float32") / 255.0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (1,)

    def get_config(self):
        return {**super().get_config(), "encoding": self.encoding}


@keras.saving.register_keras_serializable(package="deepcolor")
class EncodedTargetLoss(keras.losses.Loss):
    """The training loss on targets encoded in-graph from the uint8 RGB batch."""

    def __init__(self, encoding, base="mse", name=None, **kwargs):
        super().__init__(name=name or f"{base}_on_{encoding}", **kwargs)
        self.encoding, self.base = encoding, base

    def call(self, rgb_uint8, prediction):
        target = get_encoding(self.encoding).target(keras.ops.cast(rgb_uint8, "float32") / 255.0)
        return BASE_LOSSES[self.base](target, prediction)

    def get_config(self):
        return {**super().get_config(), "encoding": self.encoding, "base": self.base}


def on_device_model(model, encoding):
    """Wraps a gray-input model so that it takes the uint8 RGB batch (shares all its variables)."""
    size = model.input_shape[1]
    rgb = keras.Input(shape=(size, size, 3), dtype="uint8", name="rgb_uint8")
    return keras.Model(rgb, model(EncodeInput(encoding, name="encode_input")(rgb)), name=f"{model.name}_device_colors")
