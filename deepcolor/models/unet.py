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

`encoder="efficientnet_lite0"` (or lite1, lite2; ours, for the default model and the stand-in rows):
the encoder is an EfficientNet-Lite (ImageNet weights with `weights="imagenet"`) on the gray input
repeated to 3 channels at 0-255; its stride-2/4/8/16/32 feature maps are the skips. The decoder goes
up from stride 32 (after a 1x1 convolution to `decoder_filters[0]` channels): bilinear x2 -> concat skip -> Conv2D 3x3 -> BatchNorm -> ReLU, with
`decoder_filters` (256/128/64/32) at strides 16/8/4/2, then the same heads as above.
`encoder_trainable=False` freezes it; `encoder_batchnorm="frozen"` (the default) freezes its BatchNorm layers
(inference mode, even when the rest is fine-tuned: small CPU batches would wreck ImageNet statistics);
a randomly initialised encoder needs "train". A per-rate fine-tune uses `--lr-multipliers
lite_=0.1` (every encoder layer's name starts with `lite_`).

`hints=True` (lite encoders only; ours, for colour hints, see deepcolor/color/hints.py): a second
input, the hint map S x S x 3 (a/128, b/128, mask), goes through its own small strided convolutions
(32/64/128/256/256 filters at strides 2-32, then two more 3x3 at stride 32 that reach across the
photo) and is added to the decoder at every stride through 1x1 convolutions. The branch has no biases,
so an empty hint map adds exactly nothing: a hint model warm-started from an automatic one gives that
model's colours until it is trained. (Injections that started at zero, ControlNet-style, had not
learnt to follow hints after an epoch: +0.04 dB with 50 hints.)
- `hint_design="add"` (the first hint model, kept for comparison): the features at each stride are
  those of the hint branch going down, added as they are; it was trained with the decoder, so with no
  hints that model was the automatic one with a retrained decoder (0.28 dB behind it on val).
- `hint_design="gated"` (the default; the preset `hints`): the hint features also go back up (bias-free), so those at fine strides carry
  what the coarse ones spread; each injection is multiplied by a gate computed from the decoder's view
  of the photo, so the photo's edges can stop a spreading colour. With `decoder_trainable=False`
  (decoder and head frozen, the hint layers trained) the model without hints stays exactly the model
  it was warm-started from: one network serves automatic and hinted use.

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


HINT_FILTERS = (32, 64, 128, 256, 256)  # the hint branch's widths at strides 2, 4, 8, 16, 32
HINT_DESIGNS = ("add", "gated")
DECODER_PREFIXES = ("dec", "out_")  # decoder_trainable=False freezes these layers ...
HINT_SUFFIXES = ("_hints", "_gate")  # ... but not the hint layers among them (dec0_hints, dec0_gate)


def apply_hint_branch(hints, design="gated"):
    """hint map -> its features at strides 2, 4, 8, 16, 32 (the last also spread across the photo).
    design "gated" also takes them back up (bias-free, like everything here), so that the features at
    each stride carry what was spread at the coarser ones, not only the hints near each pixel."""
    features, h = [], hints
    for i, filters in enumerate(HINT_FILTERS):
        h = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu", use_bias=False,
                          name=f"hint{i + 1}_conv")(h)
        features.append(h)
    for k in range(2):
        h = layers.Conv2D(HINT_FILTERS[-1], 3, padding="same", activation="relu", use_bias=False,
                          name=f"hint_spread{k + 1}_conv")(h)
    if design == "add":
        return features[:-1] + [h]
    spread = [h]
    for i in reversed(range(len(HINT_FILTERS) - 1)):  # strides 16, 8, 4, 2
        h = layers.UpSampling2D(2, interpolation="bilinear", name=f"hint_up{i + 1}")(h)
        h = layers.Concatenate(name=f"hint_up{i + 1}_concat")([h, features[i]])
        h = layers.Conv2D(HINT_FILTERS[i], 3, padding="same", activation="relu", use_bias=False,
                          name=f"hint_up{i + 1}_conv")(h)
        spread.insert(0, h)
    return spread


def add_hints(x, hint_features, name, design="gated"):
    """x + a 1x1 convolution of the hint features (no bias: no hints add exactly nothing). design
    "gated" multiplies that by a gate in (0, 1) computed from x (the decoder's view of the photo) and
    the hint features, so the photo's edges can stop a colour that the hint features spread."""
    injected = layers.Conv2D(x.shape[-1], 1, use_bias=False, name=f"{name}_hints")(hint_features)
    if design == "gated":
        gate = layers.Concatenate(name=f"{name}_gate_concat")([x, hint_features])
        gate = layers.Conv2D(x.shape[-1], 1, activation="sigmoid", name=f"{name}_gate")(gate)
        injected = layers.Multiply(name=f"{name}_gated_hints")([injected, gate])
    return layers.Add(name=f"{name}_with_hints")([x, injected])


def apply_pretrained_encoder_decoder(gray, image_size, encoder, weights, decoder_filters, trainable, batchnorm,
                                     input_range, synchronized_bn=False, hints=None, hint_design="gated"):
    """gray (and the hint map) -> EfficientNet-Lite feature maps -> the decoder's stride-2 output (see the
    module docstring)."""
    from deepcolor.models.backbones import LITE_NAMES, GrayToBackbone, build_backbone
    if encoder not in LITE_NAMES:
        raise ValueError(f"UNet: encoder must be 'conv' or one of {', '.join(LITE_NAMES)}, not {encoder!r}")
    if batchnorm not in ("frozen", "train"):
        raise ValueError(f"UNet: encoder_batchnorm must be 'frozen' or 'train', not {batchnorm!r}")
    if len(decoder_filters) != 4:
        raise ValueError("UNet: decoder_filters needs 4 values (strides 16, 8, 4, 2)")
    rgb = GrayToBackbone(encoder, input_range, name="to_encoder")(gray)
    backbone = build_backbone(encoder, (image_size, image_size, 3), weights, include_top=False)
    backbone.trainable = bool(trainable)
    if batchnorm == "frozen":
        # A Keras 3 functional model passes its own `training` to every layer, overriding a
        # training=False given here, so the BatchNorm layers themselves are frozen (a frozen Keras
        # BatchNorm runs in inference mode: ImageNet's statistics, its scale and offset kept).
        for layer in backbone.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.trainable = False
    features = backbone(rgb)
    hint_features = apply_hint_branch(hints, hint_design) if hints is not None else None  # strides 2 ... 32
    # A 1x1 convolution first brings the 1280 head channels down to the decoder's width.
    x = layers.Conv2D(decoder_filters[0], 1, name="dec0_reduce")(features[-1])
    if hints is not None:
        x = add_hints(x, hint_features[-1], "dec0", hint_design)
    for i, (skip, f) in enumerate(zip(reversed(features[:-1]), decoder_filters)):
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"dec{i + 1}_up")(x)
        x = layers.Concatenate(name=f"dec{i + 1}_concat")([x, skip])
        x = layers.Conv2D(f, 3, padding="same", use_bias=False, name=f"dec{i + 1}_conv")(x)
        x = fast_layers.BatchNormalization(synchronized=synchronized_bn, name=f"dec{i + 1}_bn")(x)
        x = layers.ReLU(name=f"dec{i + 1}_act")(x)
        if hints is not None:
            x = add_hints(x, hint_features[-2 - i], f"dec{i + 1}", hint_design)
    return x


@keras.saving.register_keras_serializable(package="deepcolor")
class UNet(ColorizerModel):
    CONFIG_KEYS = ("image_size", "filters", "leaky_alpha", "dropout", "output_channels", "output_activation",
                   "synchronized_bn", "head", "encoder", "decoder_filters", "encoder_trainable",
                   "encoder_batchnorm", "input_range", "hints", "hint_design", "decoder_trainable")

    """Report 002's U-Net colorizer. `image_size` must be divisible by 2**len(filters) (or None).

    synchronized_bn: BatchNorm statistics over the global batch under a multi-replica
    tf.distribute strategy (what single-device training computes), instead of per replica.
    """

    def __init__(self, image_size=256, filters=(64, 128, 256, 512), leaky_alpha=0.01,
                 dropout=0.5, output_channels=3, output_activation="sigmoid", synchronized_bn=False,
                 head="transpose", encoder="conv", decoder_filters=(256, 128, 64, 32), encoder_trainable=True,
                 encoder_batchnorm="frozen", input_range="01", hints=False, hint_design="gated", decoder_trainable=True,
                 weights=None, **kwargs):
        depth = len(filters) if encoder == "conv" else 5
        if image_size is not None and image_size % (2 ** depth):
            raise ValueError(f"UNet: image_size {image_size} must be divisible by {2 ** depth}")
        inputs = keras.Input(shape=(image_size, image_size, 1), name="gray")
        hint_input = keras.Input(shape=(image_size, image_size, 3), name="hints") if hints else None
        if hints and encoder == "conv":
            raise ValueError("UNet: hints=True needs a pretrained encoder (encoder=efficientnet_lite0, ...)")
        if hint_design not in HINT_DESIGNS:
            raise ValueError(f"UNet: hint_design must be one of {', '.join(HINT_DESIGNS)}, not {hint_design!r}")
        if encoder == "conv":
            skips, x = [], inputs
            for i, f in enumerate(filters):
                x = apply_encoder_block(x, f, leaky_alpha, name=f"enc{i + 1}", synchronized_bn=synchronized_bn)
                skips.append(x)
            for i, f in enumerate(reversed(filters[:-1])):
                x = apply_decoder_block(x, skips[depth - 2 - i], f, dropout, name=f"dec{i + 1}",
                                        synchronized_bn=synchronized_bn)
        else:
            x = apply_pretrained_encoder_decoder(inputs, image_size, encoder, weights, decoder_filters,
                                                 encoder_trainable, encoder_batchnorm, input_range,
                                                 synchronized_bn, hint_input, hint_design)
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
        super().__init__(inputs=[inputs, hint_input] if hints else inputs, outputs=outputs, **kwargs)
        if not decoder_trainable:
            # Decoder and head frozen (their BatchNorm in inference mode too), the hint branch trained:
            # with no hints such a model is exactly the model it was warm-started from.
            for layer in self.layers:
                if layer.name.startswith(DECODER_PREFIXES) and not layer.name.endswith(HINT_SUFFIXES):
                    layer.trainable = False
        self._remember(image_size=image_size, filters=filters, leaky_alpha=leaky_alpha, dropout=dropout,
                       output_channels=output_channels, output_activation=output_activation,
                       synchronized_bn=synchronized_bn, head=head, encoder=encoder,
                       decoder_filters=decoder_filters, encoder_trainable=encoder_trainable,
                       encoder_batchnorm=encoder_batchnorm, input_range=input_range, hints=bool(hints),
                       hint_design=hint_design, decoder_trainable=bool(decoder_trainable))
