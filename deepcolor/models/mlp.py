"""Report 003's fully connected colorizers: an MLP and an autoencoder on 32x32 images.

gray 32 x 32 x 1 -> flatten (1,024) -> hidden Dense layers, each [BatchNorm] -> activation ->
Dense(32*32*C) -> [BatchNorm] -> last activation -> 32 x 32 x C (`rgb_pm1`: RGB in [-1, 1]).

Choices the report left open (see deepcolor/experiments/s003_mlp.py):
- hidden widths: the MLP halves from 512 (1: 512; 2: 512, 256 as in the report's code; 3: 512, 256,
  128); the autoencoder narrows to a code and widens back (1: 512 as the report states; 2: 512, 256;
  3: 512, 256, 512; 5: 512, 256, 128, 256, 512).
- BatchNorm comes before the activation (the report's code: Linear -> BatchNorm1d).
Best model (report): 1 hidden layer, BatchNorm, sigmoid, BatchNorm after the output layer:
524,800 (dense) + 2,048 (BN) + 1,575,936 (dense) + 12,288 (BN) = 2,115,072 params.
"""

import keras
from keras import layers

from deepcolor.models import fast_layers
from deepcolor.models.base import ColorizerModel

from deepcolor.models.heads import output_activation as output_activation_layer

MLP_WIDTHS = {1: (512,), 2: (512, 256), 3: (512, 256, 128)}
AUTOENCODER_WIDTHS = {1: (512,), 2: (512, 256), 3: (512, 256, 512), 5: (512, 256, 128, 256, 512)}


def apply_dense_block(x, units, batchnorm, activation, name, synchronized_bn=False):
    x = layers.Dense(units, name=f"{name}_dense")(x)
    if batchnorm:
        x = fast_layers.BatchNormalization(synchronized=synchronized_bn, name=f"{name}_bn")(x)
    return layers.Activation(activation or "linear", name=f"{name}_act")(x)


@keras.saving.register_keras_serializable(package="deepcolor")
class DenseColorizer(ColorizerModel):
    CONFIG_KEYS = ("image_size", "hidden", "batchnorm", "hidden_activation", "output_batchnorm",
                   "output_channels", "output_activation", "synchronized_bn")

    def __init__(self, image_size=32, hidden=(512,), batchnorm=True, hidden_activation="sigmoid",
                 output_batchnorm=True, output_channels=3, output_activation="tanh", synchronized_bn=False,
                 **kwargs):
        inputs = keras.Input(shape=(image_size, image_size, 1), name="gray")
        x = layers.Flatten(name="flatten")(inputs)
        for i, units in enumerate(hidden):
            x = apply_dense_block(x, units, batchnorm, hidden_activation, f"hidden{i + 1}", synchronized_bn)
        x = layers.Dense(image_size * image_size * output_channels, name="out_dense")(x)
        if output_batchnorm:
            x = fast_layers.BatchNormalization(synchronized=synchronized_bn, name="out_bn")(x)
        x = output_activation_layer(output_activation)(x)
        outputs = layers.Reshape((image_size, image_size, output_channels), name="to_image")(x)
        kwargs.setdefault("name", "dense_colorizer")
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._remember(image_size=image_size, hidden=hidden, batchnorm=batchnorm,
                       hidden_activation=hidden_activation, output_batchnorm=output_batchnorm,
                       output_channels=output_channels, output_activation=output_activation,
                       synchronized_bn=synchronized_bn)
