"""Report 002's two backbone colorizers: an ImageNet backbone (fine-tuned) with an upsampling decoder.

gray S x S x 1 -> x3 -> the backbone's preprocess_input -> the backbone without top (S/32 x S/32 x 1024)
-> five x2 upsamplings back to S x S -> C channels with the encoding's activation. What differs between
the two backbones is data (DECODERS), not code:

- `densenet121` (`--arch densenet`): 5 upsample blocks, each UpSampling2D x2 -> Conv2D 3x3 -> activation
  -> BatchNorm; blocks 1-4 ReLU with 256/128/64/32 filters, block 5 Conv2D(C) with the encoding's
  activation, no BatchNorm. Parameters at 256x256 with 3 outputs: 7,037,504 (DenseNet121) + 2,749,635
  (decoder: convs 2,359,552 + 295,040 + 73,792 + 18,464 + 867, BatchNorms 1,920) = 9,787,139.
- `mobilenet` (`--arch mobilenet`, MobileNet v1, alpha 1.0): 5 x (UpSampling2D x2 -> Conv2D 3x3 ReLU)
  with 512/256/128/64/32 filters, no BatchNorm -> a sixth Conv2D(C) (no upsampling) with the encoding's
  activation. (The report's code fed the RGB image in: a defect; gray goes in here.) Parameters at
  256x256 with 3 outputs: 3,228,864 (MobileNet) + 6,287,171 (decoder: convs 4,719,104 + 1,179,904
  + 295,040 + 73,792 + 18,464 + 867) = 9,516,035.

Layer names are those of the two classes this one replaced (DenseNetDecoder, MobileNetDecoder), and
`.keras` files saved under those names still load (as BackboneDecoder).
"""

import dataclasses

import keras
from keras import layers

from deepcolor.models import fast_layers
from deepcolor.models.base import ColorizerModel
from deepcolor.models.backbones import GrayToBackbone, build_backbone
from deepcolor.models.heads import output_activation as output_activation_layer


@dataclasses.dataclass(frozen=True)
class Decoder:
    short_name: str           # "to_{short_name}" input layer, "{short_name}_decoder" model name
    decoder_filters: tuple    # default widths of the ReLU blocks
    batchnorm: bool           # True: Conv2D -> Activation -> BatchNorm blocks; False: Conv2D(ReLU) blocks
    upsample_output: bool     # whether the output conv has its own x2 upsampling (the fifth)


DECODERS = {
    "densenet121": Decoder("densenet", (256, 128, 64, 32), batchnorm=True, upsample_output=True),
    "mobilenet": Decoder("mobilenet", (512, 256, 128, 64, 32), batchnorm=False, upsample_output=False),
}


def apply_decoder_block(x, filters, name, batchnorm, synchronized_bn=False):
    x = layers.UpSampling2D(2, name=f"{name}_up")(x)
    if not batchnorm:
        return layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_conv")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv")(x)
    x = layers.Activation("relu", name=f"{name}_act")(x)
    return fast_layers.BatchNormalization(synchronized=synchronized_bn, name=f"{name}_bn")(x)


@keras.saving.register_keras_serializable(package="deepcolor")
class BackboneDecoder(ColorizerModel):
    """backbone: a key of DECODERS. decoder_filters: None for the backbone's (report 002's) widths.

    synchronized_bn: statistics over the global batch under a multi-replica tf.distribute strategy for
    the decoder's BatchNorm layers. Training passes it to every model; only the densenet121 decoder has
    BatchNorm layers, so for mobilenet it changes nothing (the keras.applications backbones' own
    BatchNorms are never synchronized).
    """

    CONFIG_KEYS = ("backbone", "image_size", "decoder_filters", "output_channels", "output_activation",
                   "input_range", "synchronized_bn")

    def __init__(self, backbone="densenet121", image_size=256, weights=None, decoder_filters=None,
                 output_channels=3, output_activation="sigmoid", input_range="01", synchronized_bn=False, **kwargs):
        if backbone not in DECODERS:
            raise ValueError(f"BackboneDecoder: unknown backbone {backbone!r}; known: {', '.join(DECODERS)}")
        if image_size is not None and image_size % 32:
            raise ValueError(f"BackboneDecoder({backbone}): image_size {image_size} must be divisible by 32")
        spec = DECODERS[backbone]
        decoder_filters = tuple(spec.decoder_filters if decoder_filters is None else decoder_filters)
        inputs = keras.Input(shape=(image_size, image_size, 1), name="gray")
        x = GrayToBackbone(backbone, input_range, name=f"to_{spec.short_name}")(inputs)
        x = build_backbone(backbone, (image_size, image_size, 3), weights, include_top=False)(x)
        for i, filters in enumerate(decoder_filters):
            x = apply_decoder_block(x, filters, f"dec{i + 1}", spec.batchnorm, synchronized_bn)
        if spec.upsample_output:
            x = layers.UpSampling2D(2, name="out_up")(x)
        x = layers.Conv2D(output_channels, 3, padding="same", name="out_conv")(x)
        outputs = output_activation_layer(output_activation)(x)
        kwargs.setdefault("name", f"{spec.short_name}_decoder")
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._remember(backbone=backbone, image_size=image_size, decoder_filters=decoder_filters,
                       output_channels=output_channels, output_activation=output_activation,
                       input_range=input_range, synchronized_bn=synchronized_bn)


def _load_under_old_name(class_name, backbone):
    """A registered name that `.keras` files saved before the merge refer to; they load as BackboneDecoder."""

    class OldName(BackboneDecoder):
        @classmethod
        def from_config(cls, config):
            return BackboneDecoder(backbone=backbone, **config)

    OldName.__name__ = OldName.__qualname__ = class_name
    return keras.saving.register_keras_serializable(package="deepcolor", name=class_name)(OldName)


_load_under_old_name("DenseNetDecoder", "densenet121")
_load_under_old_name("MobileNetDecoder", "mobilenet")
