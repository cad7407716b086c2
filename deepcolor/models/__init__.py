"""Model registry: `--arch NAME` picks a builder; each knows its default encoding and native size.

Every model takes the gray input the encoding defines ([B, S, S, 1]) and returns [B, S, S, C]
in the encoding's range, so one pipeline, training loop, evaluation and export serve them all.
"""

import dataclasses

from deepcolor.errors import UsageError
from deepcolor.color.encodings import get_encoding
from deepcolor.experiments import report_title
# Imported eagerly: importing registers each model class, which `.keras` loading needs.
from deepcolor.models.backbone_decoder import BackboneDecoder
from deepcolor.models.efficientnet_lite import EfficientNetLite, imagenet_backbone  # noqa: F401
from deepcolor.models.ensemble import WeightedMean  # noqa: F401  (ensembles of saved runs load too)
from deepcolor.models.koalarization import Koalarization
from deepcolor.models.mlp import AUTOENCODER_WIDTHS, MLP_WIDTHS, DenseColorizer
from deepcolor.models.resnet18_stem import ResNet18Colorizer
from deepcolor.models.unet import UNet
from deepcolor.models.vgg16_regression import VGG16Regression


@dataclasses.dataclass(frozen=True)
class Arch:
    name: str
    encoding: str        # default target encoding (as its report used)
    native_size: int     # the paper's input size
    description: str
    build: callable      # build(image_size, encoding, **options) -> keras.Model
    backbone: str = ""   # keras.applications backbone whose weights --weights picks


def _head(encoding):
    enc = get_encoding(encoding)
    return {"output_channels": enc.channels, "output_activation": enc.output_activation}


def _input_range(encoding):
    return get_encoding(encoding).input_range


def _with_head(encoding, options):
    """The encoding's channels and activation, unless an option overrides them (ablations such as
    000's "ReLU last layer" or 003's last-layer activations)."""
    return {**_head(encoding), **options}


def _unet(size, encoding, **options):
    if options.get("encoder", "conv") != "conv":
        options.setdefault("input_range", _input_range(encoding))
    return UNet(image_size=size, **_with_head(encoding, options))


def _backbone_decoder(backbone):
    def build(size, encoding, **options):
        return BackboneDecoder(backbone, image_size=size, input_range=_input_range(encoding),
                               **_with_head(encoding, options))
    return build


def _vgg16(size, encoding, **options):
    return VGG16Regression(image_size=size, **_with_head(encoding, options))


def _resnet18(size, encoding, **options):
    return ResNet18Colorizer(image_size=size, **_with_head(encoding, options))


def _widths(table, hidden_layers, arch):
    if hidden_layers not in table:
        raise UsageError(f"{arch}: hidden_layers must be one of {sorted(table)}")
    return table[hidden_layers]


def _mlp(size, encoding, hidden_layers=1, **options):
    return DenseColorizer(image_size=size, hidden=_widths(MLP_WIDTHS, hidden_layers, "mlp"), name="mlp",
                          **_with_head(encoding, options))


def _autoencoder(size, encoding, hidden_layers=1, **options):
    return DenseColorizer(image_size=size, hidden=_widths(AUTOENCODER_WIDTHS, hidden_layers, "autoencoder"),
                          name="autoencoder", **_with_head(encoding, options))


def _koalarization(size, encoding, **options):
    return Koalarization(image_size=size, **_with_head(encoding, options))


ARCHS = {a.name: a for a in [
    Arch("unet", "rgb01", 256, f"{report_title('002')}: U-Net, from scratch (3.48 M params at 256x256)", _unet),
    Arch("densenet", "rgb01", 256, f"{report_title('002')}: DenseNet121 (ImageNet, fine-tuned) + upsampling decoder",
         _backbone_decoder("densenet121"), "densenet121"),
    Arch("mobilenet", "rgb01", 256, f"{report_title('002')}: MobileNet v1 (ImageNet) + upsampling decoder",
         _backbone_decoder("mobilenet"), "mobilenet"),
    Arch("vgg16_regression", "uv01", 224, f"{report_title('000')}: VGG16 blocks 1-4 + residual decoder (LUV)",
         _vgg16, "vgg16"),
    Arch("resnet18", "ab_pm1", 256, f"{report_title('001')}: ResNet-18 stem to layer2 + upsampling decoder (Lab)", _resnet18),
    Arch("mlp", "rgb_pm1", 32, f"{report_title('003')}: MLP on flattened 32x32 gray", _mlp),
    Arch("autoencoder", "rgb_pm1", 32, f"{report_title('003')}: fully connected autoencoder on 32x32", _autoencoder),
    Arch("koalarization", "ab_pm1", 224, f"{report_title('004')}: encoder + frozen classifier "
         "fusion (also report 002's baseline)", _koalarization, "inception_resnet_v2"),
]}


def get_arch(name):
    try:
        return ARCHS[name]
    except KeyError:
        raise UsageError(f"unknown --arch {name!r}; known: {', '.join(ARCHS)}") from None


def pretrained_part(arch, options):
    """The pretrained network `--weights` applies to: the arch's backbone, koalarization's
    `extractor` option or the U-Net's `encoder` option; "" when there is none."""
    spec = get_arch(arch)
    if spec.backbone:
        return options.get("extractor", spec.backbone)
    encoder = options.get("encoder", "conv")
    return "" if encoder == "conv" else encoder


def build_model(arch, image_size, encoding=None, weights="none", **options):
    """options go to the model's constructor (e.g. synchronized_bn=True under tf.distribute,
    extractor="inception_v3" for koalarization, encoder="efficientnet_lite0" for unet).
    weights: imagenet | none | PATH, for backbones."""
    from deepcolor.models.backbones import keras_weights_argument
    spec = get_arch(arch)
    backbone = pretrained_part(arch, options)
    if backbone:
        options["weights"] = keras_weights_argument(weights, backbone)
    model = spec.build(image_size, encoding or spec.encoding, **options)
    if arch == "resnet18" and weights not in (None, "none", "imagenet"):
        from deepcolor.models.resnet18_stem import load_torchvision_stem
        load_torchvision_stem(model, weights)
    elif arch == "resnet18" and weights == "imagenet":
        raise UsageError("resnet18: keras.applications has no ResNet-18, so --weights imagenet cannot be "
                         "downloaded; pass --weights resnet18.npz (torchvision's state_dict, see "
                         "deepcolor/models/resnet18_stem.py) or --weights none")
    return model
