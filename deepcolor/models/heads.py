"""The output activation every model ends with, by the name the encoding gives."""

from keras import layers


def output_activation(name, layer_name="out_act", **kwargs):
    """Activation layer in float32 (mixed precision keeps the loss in full precision). Names Keras
    does not know (the per-channel softmax of `uv_bins50`) come from deepcolor.color.classification."""
    function = name or "linear"
    if name == "softmax_per_channel":
        from deepcolor.color.classification import softmax_per_channel
        function = softmax_per_channel
    return layers.Activation(function, dtype="float32", name=layer_name, **kwargs)
