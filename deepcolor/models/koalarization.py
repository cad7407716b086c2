"""Deep Koalarization (Baldassarre et al.; report 004 and 002's baseline): a conv encoder on L fused
with a frozen classifier's class vector.

L 224 x 224 x 1 (L/50 - 1) -> 8 x Conv2D 3x3 ReLU (64 s2, 128, 128 s2, 256, 256 s2, 512, 512, 256)
-> 28 x 28 x 256. Extractor: a frozen ImageNet classifier on gray x3 resized to its own input size
with its own preprocessing -> class vector (1000-d, or a fixed seeded random subset of its dims).
Fusion: the vector tiled to 28 x 28, concatenated (256 + d channels), Conv 1x1 256 ReLU. Decoder:
Conv 128 -> Up x2 -> Conv 64 -> Conv 64 -> Up x2 -> Conv 32 -> Conv 2 tanh -> Up x2 -> 224 x 224 x 2.

Extractors: inception_resnet_v2 (the original, 299x299), inception_v3 (004 Model 1, 299x299),
convnext_tiny (004 Model 2, 224x224), inception_v3 with `feature_subset=256` (004 Model 3), and
`none`: a zero vector of the same 1000 dims (ours: the control that says how much any extractor adds).

The extractor is frozen, so its vector is a fixed function of the input: `embedding_model()` computes it
and `with_embedding_input()` is the same network taking it as a second input (the same layers and
weights), which is how `train --cache-embeddings` computes each image's vector once, not every epoch.
Unlike the original code, the fusion works with any batch size (the tiling uses the runtime batch).
Decoder convs are 3x3 ReLU (the paper's Table 1); "Up" is nearest-neighbour UpSampling2D.
"""

import keras

from deepcolor.models.base import ColorizerModel
import numpy as np
from keras import layers, ops

from deepcolor.models.backbones import GrayToBackbone, build_backbone
from deepcolor.models.heads import output_activation as output_activation_layer

EXTRACTOR_SIZES = {"inception_resnet_v2": 299, "inception_v3": 299, "convnext_tiny": 224, "none": 0,
                   # ImageNet EfficientNet-Lite: the offline stand-in for the paper's Inception networks
                   "efficientnet_lite0": 224, "efficientnet_lite1": 240, "efficientnet_lite2": 260}
CLASSES = 1000  # the ImageNet class vector every extractor gives (and `none`'s zeros)
ENCODER = ((64, 2), (128, 1), (128, 2), (256, 1), (256, 2), (512, 1), (512, 1), (256, 1))


@keras.saving.register_keras_serializable(package="deepcolor")
class TileToFeatureMap(layers.Layer):
    """(features [B, H, W, C], vector [B, D]) -> [B, H, W, C + D] with the vector at every pixel.
    Shapes come from the tensors at run time, so any batch size works."""

    def call(self, inputs):
        features, vector = inputs
        shape = ops.shape(features)
        tiled = ops.broadcast_to(vector[:, None, None, :], (shape[0], shape[1], shape[2], ops.shape(vector)[-1]))
        return ops.concatenate([features, ops.cast(tiled, features.dtype)], axis=-1)

    def compute_output_shape(self, input_shapes):
        features, vector = input_shapes
        return (*features[:-1], features[-1] + vector[-1])


@keras.saving.register_keras_serializable(package="deepcolor")
class StopGradient(layers.Layer):
    """The frozen extractor gets no gradient at all: nothing in it trains, and backpropagating
    through it would cost a full backward pass (and fails on CPU for ConvNeXt's grouped convs)."""

    def call(self, x):
        return ops.stop_gradient(x)


@keras.saving.register_keras_serializable(package="deepcolor")
class ZeroFeatures(layers.Layer):
    """extractor="none": a zero class vector per image, so the fusion layer's shape is unchanged."""

    def __init__(self, dims=CLASSES, **kwargs):
        super().__init__(**kwargs)
        self.dims = dims

    def call(self, images):
        return ops.zeros((ops.shape(images)[0], self.dims), dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


@keras.saving.register_keras_serializable(package="deepcolor")
class SelectFeatures(layers.Layer):
    """A fixed, seeded random subset of a feature vector's dimensions (004's Model 3)."""

    def __init__(self, count, total, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.count, self.total, self.seed = count, total, seed
        self.indices = np.sort(np.random.default_rng(seed).choice(total, count, replace=False)).astype("int32")

    def call(self, vector):
        return ops.take(vector, self.indices, axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.count)

    def get_config(self):
        return {**super().get_config(), "count": self.count, "total": self.total, "seed": self.seed}


@keras.saving.register_keras_serializable(package="deepcolor")
class Koalarization(ColorizerModel):
    CONFIG_KEYS = ("image_size", "extractor", "feature_subset", "feature_seed", "output_channels",
                   "output_activation", "synchronized_bn", "extractor_size")

    def __init__(self, image_size=224, extractor="inception_resnet_v2", weights=None, feature_subset=0,
                 feature_seed=0, output_channels=2, output_activation="tanh", synchronized_bn=False,
                 extractor_size=None, **kwargs):
        """extractor_size: the classifier's input side (default its ImageNet size); smaller only
        without ImageNet weights (smoke runs: Inception's smallest is 75)."""
        if extractor not in EXTRACTOR_SIZES:
            raise ValueError(f"unknown extractor {extractor!r}; known: {', '.join(EXTRACTOR_SIZES)}")
        if extractor_size and extractor != "none" and extractor_size != EXTRACTOR_SIZES[extractor] and weights == "imagenet":
            raise ValueError(f"Koalarization: ImageNet weights need the {extractor} input size "
                             f"{EXTRACTOR_SIZES[extractor]}, not extractor_size {extractor_size}")
        if image_size is not None and image_size % 8:
            raise ValueError(f"Koalarization: image_size {image_size} must be divisible by 8")
        inputs = keras.Input(shape=(image_size, image_size, 1), name="gray")  # L/100 in [0, 1]
        x = layers.Rescaling(2.0, offset=-1.0, name="l_over_50_minus_1")(inputs)
        for i, (filters, stride) in enumerate(ENCODER):
            x = layers.Conv2D(filters, 3, strides=stride, padding="same", activation="relu", name=f"enc{i + 1}")(x)

        if extractor == "none":
            vector = StopGradient(name="frozen_features")(ZeroFeatures(CLASSES, name="no_extractor")(inputs))
        else:
            side = extractor_size or EXTRACTOR_SIZES[extractor]
            g = layers.Resizing(side, side, interpolation="bilinear", name="to_extractor_size")(inputs)
            g = GrayToBackbone(extractor, name=f"to_{extractor}")(g)
            classifier = build_backbone(extractor, (side, side, 3), weights, include_top=True)
            classifier.trainable = False  # frozen, as in the paper
            vector = StopGradient(name="frozen_features")(classifier(g, training=False))
        if feature_subset:
            vector = SelectFeatures(feature_subset, vector.shape[-1], feature_seed, name="feature_subset")(vector)

        x = TileToFeatureMap(name="fusion_tile")([x, vector])
        x = layers.Conv2D(256, 1, activation="relu", name="fusion_conv")(x)
        x = layers.Conv2D(128, 3, padding="same", activation="relu", name="dec1")(x)
        x = layers.UpSampling2D(2, name="up1")(x)
        x = layers.Conv2D(64, 3, padding="same", activation="relu", name="dec2")(x)
        x = layers.Conv2D(64, 3, padding="same", activation="relu", name="dec3")(x)
        x = layers.UpSampling2D(2, name="up2")(x)
        x = layers.Conv2D(32, 3, padding="same", activation="relu", name="dec4")(x)
        x = layers.Conv2D(output_channels, 3, padding="same", name="out_conv")(x)
        x = output_activation_layer(output_activation)(x)
        outputs = layers.UpSampling2D(2, dtype="float32", name="out_up")(x)
        kwargs.setdefault("name", f"koalarization_{extractor}")
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._remember(extractor_size=extractor_size, image_size=image_size, extractor=extractor,
                       feature_subset=feature_subset,
                       feature_seed=feature_seed, output_channels=output_channels,
                       output_activation=output_activation, synchronized_bn=synchronized_bn)

    def embedding_model(self):
        """gray -> the frozen extractor's vector (before any feature subset): fixed, so cacheable."""
        return keras.Model(self.input, self.get_layer("frozen_features").output, name="embedding")

    def with_embedding_input(self):
        """[gray, embedding] -> the colours: this network with the extractor's vector given, through
        the same layers and weights (training it trains this model)."""
        return keras.Model([self.input, self.get_layer("frozen_features").output], self.output, name="from_embedding")

