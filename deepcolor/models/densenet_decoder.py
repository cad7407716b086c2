"""Report 002's DenseNet121 colorizer: an ImageNet DenseNet121 (fine-tuned) with an upsampling decoder.

gray S x S x 1 -> x3 -> densenet.preprocess_input -> DenseNet121 without top (S/32 x S/32 x 1024)
-> 5 decoder blocks, each UpSampling2D x2 -> Conv2D 3x3 -> activation -> BatchNorm; blocks 1-4
ReLU with 256/128/64/32 filters, block 5 Conv2D(C) with the encoding's activation, no BatchNorm.
Parameters at 256x256 with 3 outputs: 7,037,504 (DenseNet121) + 2,749,635 (decoder: convs
2,359,552 + 295,040 + 73,792 + 18,464 + 867, BatchNorms 1,920) = 9,787,139.
"""

import keras
from keras import layers

from deepcolor.models import fast_layers
from deepcolor.models.base import ColorizerModel
from deepcolor.models.backbones import GrayToBackbone, build_backbone
from deepcolor.models.heads import output_activation as output_activation_layer


def apply_upsample_block(x, filters, activation, name, batchnorm=True, synchronized_bn=False):
    x = layers.UpSampling2D(2, name=f"{name}_up")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv")(x)
    if batchnorm:
        x = layers.Activation(activation, name=f"{name}_act")(x)
    else:  # the output block
        x = output_activation_layer(activation, layer_name=f"{name}_act")(x)
    if batchnorm:
        x = fast_layers.BatchNormalization(synchronized=synchronized_bn, name=f"{name}_bn")(x)
    return x


@keras.saving.register_keras_serializable(package="deepcolor")
class DenseNetDecoder(ColorizerModel):
    CONFIG_KEYS = ("image_size", "decoder_filters", "output_channels", "output_activation", "input_range",
                   "synchronized_bn")

    def __init__(self, image_size=256, weights=None, decoder_filters=(256, 128, 64, 32), output_channels=3,
                 output_activation="sigmoid", input_range="01", synchronized_bn=False, **kwargs):
        if image_size is not None and image_size % 32:
            raise ValueError(f"DenseNetDecoder: image_size {image_size} must be divisible by 32")
        inputs = keras.Input(shape=(image_size, image_size, 1), name="gray")
        x = GrayToBackbone("densenet121", input_range, name="to_densenet")(inputs)
        backbone = build_backbone("densenet121", (image_size, image_size, 3), weights, include_top=False)
        x = backbone(x)
        for i, filters in enumerate(decoder_filters):
            x = apply_upsample_block(x, filters, "relu", f"dec{i + 1}", synchronized_bn=synchronized_bn)
        outputs = apply_upsample_block(x, output_channels, output_activation, "out", batchnorm=False)
        kwargs.setdefault("name", "densenet_decoder")
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._remember(image_size=image_size, decoder_filters=decoder_filters, output_channels=output_channels,
                       output_activation=output_activation, input_range=input_range,
                       synchronized_bn=synchronized_bn)
