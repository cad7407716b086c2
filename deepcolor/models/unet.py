"""The U-Net of report 002 (DeepColor), as the report states it.

gray S x S x 1 -> 4 encoder blocks (Conv2D 3x3 stride 2 -> BatchNorm -> LeakyReLU 0.01) with
64/128/256/512 filters -> 3 decoder blocks (Conv2DTranspose 3x3 stride 2 -> concat skip ->
BatchNorm -> Dropout 0.5 -> ReLU) with 256/128/64 filters -> Conv2DTranspose(3, 3x3, stride 2)
-> sigmoid -> S x S x 3 RGB. 3,478,083 parameters.

`head="half"` (ours, for the many-channel classification heads): a 1x1 Conv2D on the last decoder
block's output, so the prediction is S/2 x S/2 (the loss compares it with the target averaged down
to that size; inference upsamples the decoded chroma, as it does to any photo's size). Zhang et al.
predict their 313 bins at a quarter of the input size for the same reason: a 313-channel 3x3
transposed conv at full size costs 2.4 times the rest of this U-Net, and the loss 4 times more.

The report's code used LeakyReLU 0.1, a linear output and trained on color->color (an identity
map); the report's text is followed here instead.
"""

import keras
from keras import layers

from deepcolor.models import fast_layers
from deepcolor.models.base import ColorizerModel

from deepcolor.models.heads import output_activation as output_activation_layer


def apply_encoder_block(x, filters, leaky_alpha, name, synchronized_bn=False):
    x = layers.Conv2D(filters, 3, strides=2, padding="same", name=f"{name}_conv")(x)
    x = fast_layers.BatchNormalization(synchronized=synchronized_bn, name=f"{name}_bn")(x)
    return layers.LeakyReLU(negative_slope=leaky_alpha, name=f"{name}_act")(x)


def apply_decoder_block(x, skip, filters, dropout, name, synchronized_bn=False):
    x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", name=f"{name}_upconv")(x)
    x = layers.Concatenate(name=f"{name}_concat")([x, skip])
    x = fast_layers.BatchNormalization(synchronized=synchronized_bn, name=f"{name}_bn")(x)
    x = fast_layers.Dropout(dropout, name=f"{name}_dropout")(x)
    return layers.ReLU(name=f"{name}_act")(x)


@keras.saving.register_keras_serializable(package="deepcolor")
class UNet(ColorizerModel):
    CONFIG_KEYS = ("image_size", "filters", "leaky_alpha", "dropout", "output_channels", "output_activation",
                   "synchronized_bn", "head")

    """Seed-002 U-Net colorizer. `image_size` must be divisible by 2**len(filters) (or None).

    synchronized_bn: BatchNorm statistics over the global batch under a multi-replica
    tf.distribute strategy (what single-device training computes), instead of per replica.
    """

    def __init__(self, image_size=256, filters=(64, 128, 256, 512), leaky_alpha=0.01,
                 dropout=0.5, output_channels=3, output_activation="sigmoid", synchronized_bn=False,
                 head="transpose", **kwargs):
        depth = len(filters)
        if image_size is not None and image_size % (2 ** depth):
            raise ValueError(f"UNet: image_size {image_size} must be divisible by {2 ** depth}")
        inputs = keras.Input(shape=(image_size, image_size, 1), name="gray")
        skips, x = [], inputs
        for i, f in enumerate(filters):
            x = apply_encoder_block(x, f, leaky_alpha, name=f"enc{i + 1}", synchronized_bn=synchronized_bn)
            skips.append(x)
        for i, f in enumerate(reversed(filters[:-1])):
            x = apply_decoder_block(x, skips[depth - 2 - i], f, dropout, name=f"dec{i + 1}",
                                    synchronized_bn=synchronized_bn)
        # float32 output so mixed-precision training computes its loss in full precision.
        if head == "transpose":
            x = layers.Conv2DTranspose(output_channels, 3, strides=2, padding="same", name="out_upconv")(x)
            outputs = output_activation_layer(output_activation)(x)
        elif head == "half":
            x = layers.Conv2D(output_channels, 1, name="out_conv")(x)
            outputs = output_activation_layer(output_activation)(x)
        else:
            raise ValueError(f"UNet: head must be 'transpose' or 'half', not {head!r}")
        kwargs.setdefault("name", "unet")
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._remember(image_size=image_size, filters=filters, leaky_alpha=leaky_alpha, dropout=dropout,
                       output_channels=output_channels, output_activation=output_activation,
                       synchronized_bn=synchronized_bn, head=head)
