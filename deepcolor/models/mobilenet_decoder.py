"""Report 002's MobileNet v1 colorizer: ImageNet MobileNet (alpha 1.0) with an upsampling decoder.

gray S x S x 1 -> x3 -> mobilenet.preprocess_input -> MobileNet without top (S/32 x S/32 x 1024)
-> 5 x (UpSampling2D x2 -> Conv2D 3x3 ReLU) with 512/256/128/64/32 filters -> Conv2D(C) with the
encoding's activation. (The report's code fed the RGB image in: a defect; gray goes in here.)
Parameters at 256x256 with 3 outputs: 3,228,864 (MobileNet) + 6,287,171 (decoder: convs 4,719,104
+ 1,179,904 + 295,040 + 73,792 + 18,464 + 867) = 9,516,035.
"""

import keras
from keras import layers

from deepcolor.models.base import ColorizerModel
from deepcolor.models.backbones import GrayToBackbone, build_backbone
from deepcolor.models.heads import output_activation as output_activation_layer


@keras.saving.register_keras_serializable(package="deepcolor")
class MobileNetDecoder(ColorizerModel):
    CONFIG_KEYS = ("image_size", "decoder_filters", "output_channels", "output_activation", "input_range",
                   "synchronized_bn")

    def __init__(self, image_size=256, weights=None, decoder_filters=(512, 256, 128, 64, 32), output_channels=3,
                 output_activation="sigmoid", input_range="01", synchronized_bn=False, **kwargs):
        if image_size is not None and image_size % 32:
            raise ValueError(f"MobileNetDecoder: image_size {image_size} must be divisible by 32")
        inputs = keras.Input(shape=(image_size, image_size, 1), name="gray")
        x = GrayToBackbone("mobilenet", input_range, name="to_mobilenet")(inputs)
        backbone = build_backbone("mobilenet", (image_size, image_size, 3), weights, include_top=False)
        x = backbone(x)
        for i, filters in enumerate(decoder_filters):
            x = layers.UpSampling2D(2, name=f"dec{i + 1}_up")(x)
            x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"dec{i + 1}_conv")(x)
        x = layers.Conv2D(output_channels, 3, padding="same", name="out_conv")(x)
        outputs = output_activation_layer(output_activation)(x)
        kwargs.setdefault("name", "mobilenet_decoder")
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._remember(image_size=image_size, decoder_filters=decoder_filters, output_channels=output_channels,
                       output_activation=output_activation, input_range=input_range,
                       synchronized_bn=synchronized_bn)
