"""Report 001's colorizer: the ResNet-18 stem up to layer2 and an upsampling decoder (Lab, `ab_pm1`).

gray S x S x 1 (L/100) -> conv1 7x7/2 64 -> BN -> ReLU -> maxpool 3x3/2 -> layer1 (2 basic blocks, 64)
-> layer2 (2 basic blocks, 128, the first with stride 2) -> S/8 x S/8 x 128 -> Conv 128 -> BN -> ReLU
-> Up x2 (nearest) -> Conv 64 -> BN -> ReLU -> Conv 64 -> BN -> ReLU -> Up x2 -> Conv 32 -> BN -> ReLU
-> Conv 2 -> tanh -> Up x2 -> S x S x 2 (a, b / 128). Decoder convs are 3x3 (the report's code).
Keras has no ResNet-18, so it is built here, torchvision's layout (no conv biases before BN).
Parameters (Keras count, BatchNorm moving statistics included): stem 678,720 (conv1 3,136 + BN 256,
layer1 148,480, layer2 230,912 + 295,936) + decoder 278,498 (148,096 + 74,048 + 37,184 + 18,592 + 578)
= 957,218.
"""

import keras
from keras import layers

from deepcolor.errors import UsageError
from deepcolor.models import fast_layers
from deepcolor.models.base import ColorizerModel

from deepcolor.models.heads import output_activation as output_activation_layer


def apply_basic_block(x, filters, stride, name, synchronized_bn=False):
    shortcut = x
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv1")(x)
    y = fast_layers.BatchNormalization(epsilon=1e-5, synchronized=synchronized_bn, name=f"{name}_bn1")(y)
    y = layers.ReLU(name=f"{name}_relu1")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2")(y)
    y = fast_layers.BatchNormalization(epsilon=1e-5, synchronized=synchronized_bn, name=f"{name}_bn2")(y)
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=f"{name}_down_conv")(x)
        shortcut = fast_layers.BatchNormalization(epsilon=1e-5, synchronized=synchronized_bn, name=f"{name}_down_bn")(shortcut)
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.ReLU(name=f"{name}_out")(y)


def apply_conv_bn_relu(x, filters, name, synchronized_bn=False):
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv")(x)
    x = fast_layers.BatchNormalization(synchronized=synchronized_bn, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


@keras.saving.register_keras_serializable(package="deepcolor")
class ResNet18Colorizer(ColorizerModel):
    CONFIG_KEYS = ("image_size", "output_channels", "output_activation", "synchronized_bn")

    def __init__(self, image_size=256, output_channels=2, output_activation="tanh", synchronized_bn=False,
                 **kwargs):
        if image_size is not None and image_size % 8:
            raise ValueError(f"ResNet18Colorizer: image_size {image_size} must be divisible by 8")
        sbn = synchronized_bn
        inputs = keras.Input(shape=(image_size, image_size, 1), name="gray")
        x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
        x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1")(x)
        x = fast_layers.BatchNormalization(epsilon=1e-5, synchronized=sbn, name="bn1")(x)
        x = layers.ReLU(name="relu1")(x)
        x = layers.ZeroPadding2D(1, name="pool_pad")(x)
        x = layers.MaxPooling2D(3, strides=2, name="maxpool")(x)
        x = apply_basic_block(x, 64, 1, "layer1_0", sbn)
        x = apply_basic_block(x, 64, 1, "layer1_1", sbn)
        x = apply_basic_block(x, 128, 2, "layer2_0", sbn)
        x = apply_basic_block(x, 128, 1, "layer2_1", sbn)
        x = apply_conv_bn_relu(x, 128, "dec1", sbn)
        x = layers.UpSampling2D(2, interpolation="nearest", name="up1")(x)
        x = apply_conv_bn_relu(x, 64, "dec2", sbn)
        x = apply_conv_bn_relu(x, 64, "dec3", sbn)
        x = layers.UpSampling2D(2, interpolation="nearest", name="up2")(x)
        x = apply_conv_bn_relu(x, 32, "dec4", sbn)
        x = layers.Conv2D(output_channels, 3, padding="same", name="out_conv")(x)
        x = output_activation_layer(output_activation)(x)
        outputs = layers.UpSampling2D(2, interpolation="nearest", dtype="float32", name="out_up")(x)
        kwargs.setdefault("name", "resnet18_colorizer")
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._remember(image_size=image_size, output_channels=output_channels,
                       output_activation=output_activation, synchronized_bn=synchronized_bn)


# torchvision's resnet18 state_dict names for the layers this stem keeps.
def _torch_names():
    names = {"conv1": "conv1", "bn1": "bn1"}
    for layer, blocks in (("layer1", 2), ("layer2", 2)):
        for b in range(blocks):
            ours = f"{layer}_{b}"
            names.update({f"{ours}_conv1": f"{layer}.{b}.conv1", f"{ours}_bn1": f"{layer}.{b}.bn1",
                          f"{ours}_conv2": f"{layer}.{b}.conv2", f"{ours}_bn2": f"{layer}.{b}.bn2"})
    names.update({"layer2_0_down_conv": "layer2.0.downsample.0", "layer2_0_down_bn": "layer2.0.downsample.1"})
    return names


def load_torchvision_stem(model, path):
    """Loads ImageNet ResNet-18 weights into the stem from an .npz of torchvision's state_dict:

        np.savez("resnet18.npz", **{k: v.numpy() for k, v in
                 torchvision.models.resnet18(weights="IMAGENET1K_V1").state_dict().items()})

    conv1 is summed over its RGB input channels, so one gray channel gets the response the
    network would give to a gray RGB image. The decoder keeps its fresh initialization.
    """
    import numpy as np
    try:
        arrays = np.load(path)
    except (OSError, ValueError) as e:
        raise UsageError(f"--weights {path}: not an .npz of torchvision's resnet18 state_dict ({e})") from None
    for ours, theirs in _torch_names().items():
        layer = model.get_layer(ours)
        try:
            if ours.endswith(("conv", "conv1", "conv2")) or ours == "conv1":
                kernel = arrays[f"{theirs}.weight"].transpose(2, 3, 1, 0)  # OIHW -> HWIO
                if ours == "conv1":
                    kernel = kernel.sum(axis=2, keepdims=True)
                layer.set_weights([kernel])
            else:
                layer.set_weights([arrays[f"{theirs}.weight"], arrays[f"{theirs}.bias"],
                                   arrays[f"{theirs}.running_mean"], arrays[f"{theirs}.running_var"]])
        except KeyError as e:
            raise UsageError(f"--weights {path}: missing {e.args[0]} (not a torchvision resnet18 state_dict)") from None
        except ValueError as e:
            raise UsageError(f"--weights {path}: {theirs} has the wrong shape ({e})") from None
    return model
