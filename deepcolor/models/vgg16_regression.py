"""Report 000's regression network (Hwang & Zhou): VGG16 blocks 1-4 and Dahl's "residual encoder".

gray S x S x 1 (L/100) -> standardized with the training set's mean 0.4697 and std 0.2610 -> x3 ->
VGG16 blocks 1-4 (conv1_2, conv2_2, conv3_3, conv4_3 taps). Decoder: BN(conv4_3) -> Conv 1x1 256 ->
up x2 -> + BN(conv3_3) -> Conv 3x3 128 -> up x2 -> + BN(conv2_2) -> Conv 3x3 64 -> up x2 ->
+ BN(conv1_2) -> Conv 3x3 3 -> + BN(input x3) -> Conv 3x3 3 -> Conv 3x3 2 -> sigmoid (`uv01`).
Each decoder conv but the last is Conv -> BatchNorm -> ReLU.

Choices the report left open: "up" is Conv2DTranspose 3x3 stride 2 with as many filters as its
input (`upsampling="transpose"`, the report's best) or bilinear UpSampling2D (`"bilinear"`, its
ablation); `last_activation` "relu" reproduces the "ReLU last layer" ablation row.
`encoder="efficientnet_lite0"` (or lite1, lite2; ours, the stand-in rows of report 000): an ImageNet
EfficientNet-Lite in VGG16's place, on the gray input as 0-255 gray RGB. Its stride-2/4/8/16 maps, each
brought to the width of the VGG16 tap it replaces (64/128/256/512) by a 1x1 convolution and upsampled
x2 (VGG16's taps are at strides 1-8), feed the same decoder. `encoder_batchnorm="frozen"` keeps its
ImageNet BatchNorm statistics (for pretrained weights); a random one needs "train". Its layers are
named `lite_...` (a per-layer rate: `--lr-multipliers lite_=0.003`).

Parameters at 224x224: VGG16 blocks 1-4 7,635,264 + decoder 1,282,291 (BNs on the taps 3,852, convs
and transposed convs 1,277,843, their BNs 1,816... counted by layer in the test) = 8,917,555.
"""

import keras
from keras import layers

from deepcolor.models import fast_layers
from deepcolor.models.base import ColorizerModel

from deepcolor.models.backbones import build_backbone
from deepcolor.models.heads import output_activation as output_activation_layer

VGG_TAPS = ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3")
TAP_WIDTHS = (64, 128, 256, 512)  # their channels, which a stand-in encoder's maps are projected to
L_MEAN, L_STD = 0.4697, 0.2610  # the report's statistics of L/100


def apply_conv_block(x, filters, kernel, name, synchronized_bn=False):
    x = layers.Conv2D(filters, kernel, padding="same", name=f"{name}_conv")(x)
    x = fast_layers.BatchNormalization(synchronized=synchronized_bn, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def apply_up(x, upsampling, name):
    if upsampling == "transpose":
        return layers.Conv2DTranspose(x.shape[-1], 3, strides=2, padding="same", name=f"{name}_upconv")(x)
    if upsampling == "bilinear":
        return layers.UpSampling2D(2, interpolation="bilinear", name=f"{name}_up")(x)
    raise ValueError(f"upsampling must be 'transpose' or 'bilinear', not {upsampling!r}")


def apply_standin_encoder(gray, image_size, encoder, weights, batchnorm):
    """gray (L/100) -> an EfficientNet-Lite's stride-2/4/8/16 maps as VGG16's four taps (see the module
    docstring)."""
    from deepcolor.models.backbones import LITE_NAMES, GrayToBackbone
    if encoder not in LITE_NAMES:
        raise ValueError(f"VGG16Regression: encoder must be 'vgg16' or one of {', '.join(LITE_NAMES)}, not {encoder!r}")
    if batchnorm not in ("frozen", "train"):
        raise ValueError(f"VGG16Regression: encoder_batchnorm must be 'frozen' or 'train', not {batchnorm!r}")
    backbone = build_backbone(encoder, (image_size, image_size, 3), weights, include_top=False)
    if batchnorm == "frozen":  # inference mode: ImageNet's statistics (see unet.py for why per layer)
        for layer in backbone.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.trainable = False
    features = backbone(GrayToBackbone(encoder, "01", name="to_encoder")(gray))
    taps = []
    for i, (width, feature) in enumerate(zip(TAP_WIDTHS, features[:4])):
        t = layers.Conv2D(width, 1, name=f"tap{i + 1}_project")(feature)
        taps.append(layers.UpSampling2D(2, interpolation="bilinear", name=f"tap{i + 1}_up")(t))
    return taps


@keras.saving.register_keras_serializable(package="deepcolor")
class VGG16Regression(ColorizerModel):
    CONFIG_KEYS = ("image_size", "upsampling", "output_channels", "output_activation", "synchronized_bn",
                   "encoder", "encoder_batchnorm")

    def __init__(self, image_size=224, weights=None, upsampling="transpose", output_channels=2,
                 output_activation="sigmoid", synchronized_bn=False, encoder="vgg16", encoder_batchnorm="frozen",
                 **kwargs):
        if image_size is not None and image_size % 8:
            raise ValueError(f"VGG16Regression: image_size {image_size} must be divisible by 8")
        sbn = synchronized_bn
        inputs = keras.Input(shape=(image_size, image_size, 1), name="gray")
        x = layers.Normalization(mean=L_MEAN, variance=L_STD ** 2, name="standardize")(inputs)
        x3 = layers.Concatenate(name="gray_x3")([x, x, x])
        if encoder == "vgg16":
            vgg = build_backbone("vgg16", (image_size, image_size, 3), weights, include_top=False)
            taps = keras.Model(vgg.input, [vgg.get_layer(n).output for n in VGG_TAPS], name="vgg16")(x3)
        else:
            taps = apply_standin_encoder(inputs, image_size, encoder, weights, encoder_batchnorm)
        conv1_2, conv2_2, conv3_3, conv4_3 = taps

        def bn(t, name):
            return fast_layers.BatchNormalization(synchronized=sbn, name=name)(t)

        y = apply_conv_block(bn(conv4_3, "bn_conv4_3"), 256, 1, "dec4", sbn)
        y = layers.Add(name="add3")([apply_up(y, upsampling, "up3"), bn(conv3_3, "bn_conv3_3")])
        y = apply_conv_block(y, 128, 3, "dec3", sbn)
        y = layers.Add(name="add2")([apply_up(y, upsampling, "up2"), bn(conv2_2, "bn_conv2_2")])
        y = apply_conv_block(y, 64, 3, "dec2", sbn)
        y = layers.Add(name="add1")([apply_up(y, upsampling, "up1"), bn(conv1_2, "bn_conv1_2")])
        y = apply_conv_block(y, 3, 3, "dec1", sbn)
        y = layers.Add(name="add0")([y, bn(x3, "bn_input")])
        y = apply_conv_block(y, 3, 3, "dec0", sbn)
        y = layers.Conv2D(output_channels, 3, padding="same", name="out_conv")(y)
        outputs = output_activation_layer(output_activation)(y)
        kwargs.setdefault("name", "vgg16_regression")
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._remember(image_size=image_size, upsampling=upsampling, output_channels=output_channels,
                       output_activation=output_activation, synchronized_bn=synchronized_bn, encoder=encoder,
                       encoder_batchnorm=encoder_batchnorm)
