"""A generic ensemble of saved colorizers (report 001's "combined" models): the weighted mean of the
members' predictions. Members keep their own weights; the ensemble has none to train."""

import keras
from keras import layers, ops

from deepcolor.errors import UsageError


@keras.saving.register_keras_serializable(package="deepcolor")
class WeightedMean(layers.Layer):
    def __init__(self, weights=None, **kwargs):
        super().__init__(**kwargs)
        self.member_weights = list(weights) if weights else None

    def call(self, inputs):
        weights = self.member_weights or [1.0] * len(inputs)
        total = sum(weights)
        return sum(ops.cast(x, "float32") * (w / total) for x, w in zip(inputs, weights))

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self):
        return {**super().get_config(), "weights": self.member_weights}


def build_ensemble(members, weights=None, name="ensemble"):
    """members: loaded Keras models with the same input and output shapes."""
    shapes = {(m.input_shape, m.output_shape) for m in members}
    if len(shapes) != 1:
        raise UsageError(f"ensemble members differ in input/output shapes: {sorted(map(str, shapes))}")
    if weights is not None and len(weights) != len(members):
        raise UsageError(f"{len(weights)} ensemble weights for {len(members)} members")
    inputs = keras.Input(shape=members[0].input_shape[1:], name="gray")
    for i, member in enumerate(members):
        member.name = f"member{i + 1}_{member.name}"  # unique layer names inside the ensemble
    outputs = WeightedMean(weights, name="weighted_mean", dtype="float32")([m(inputs) for m in members])
    return keras.Model(inputs, outputs, name=name)
