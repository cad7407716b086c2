"""Drop-in replacements for Keras layers whose CPU cost is memory traffic, not arithmetic.

On a CPU a U-Net training step spent a third of its time in Keras' BatchNormalization (composed
of a dozen elementwise and reduction kernels, each a pass over the activations) and a tenth in
Dropout (a float uniform random number per element). These classes compute the same function
with fewer passes:

- `BatchNormalization` calls TensorFlow's fused batch-norm kernel (one op forward, one backward;
  oneDNN on x86 CPUs, cuDNN on GPUs). Same variables, same moving-average update (Keras keeps the
  biased batch variance; the kernel returns the unbiased one, so it is scaled back), same config.
  Anything the fused kernel does not cover (masks, renorm, synchronized statistics across
  replicas, inputs that are not channels-last 4-D or (batch, features), other backends) runs
  Keras' own code.
- `Dropout` draws its keep mask from random bits when the rate is a multiple of 1/256 (0.5 uses
  one bit per element): the same Bernoulli(1 - rate) mask and 1 / (1 - rate) scale as Keras,
  from a cheaper generator. Other rates run Keras' own code.

`stock_keras_layers()` switches both back to Keras' code paths (the benchmark's model as report
002's original code built it). Files saved with Keras' own layers still load: the models rebuild
from their constructors, and the variables are the same.
"""

import contextlib
import threading

import keras

_state = threading.local()


def fast_layers_enabled():
    return getattr(_state, "enabled", True)


@contextlib.contextmanager
def stock_keras_layers():
    """Models built *and traced* inside this block run Keras' own BatchNormalization and Dropout."""
    before = fast_layers_enabled()
    _state.enabled = False
    try:
        yield
    finally:
        _state.enabled = before


def _tensorflow_backend():
    return keras.backend.backend() == "tensorflow"


@keras.saving.register_keras_serializable(package="deepcolor")
class BatchNormalization(keras.layers.BatchNormalization):
    """keras.layers.BatchNormalization computed by the fused kernel (see the module docstring)."""

    def build(self, input_shape):
        super().build(input_shape)
        rank = len(input_shape)
        self._fused = (fast_layers_enabled() and _tensorflow_backend() and rank in (2, 4)
                       and self.axis in (rank - 1, -1) and not getattr(self, "renorm", False)
                       and not getattr(self, "synchronized", False))  # renorm: Keras >= 3.14 only

    def call(self, inputs, training=None, mask=None):
        if not (self._fused and mask is None and fast_layers_enabled()):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        channels = inputs.shape[-1]
        gamma = tf.cast(self.gamma, "float32") if self.scale else tf.ones([channels], "float32")
        beta = tf.cast(self.beta, "float32") if self.center else tf.zeros([channels], "float32")
        # The kernel takes float16/bfloat16 activations with float32 statistics, as Keras computes them.
        x = inputs if inputs.dtype in (tf.float16, tf.bfloat16, tf.float32) else tf.cast(inputs, "float32")
        if len(inputs.shape) == 2:  # (batch, features) is (batch, 1, 1, channels) to the kernel
            x = x[:, None, None, :]
        if training and self.trainable:
            # An empty mean/variance asks the kernel for batch statistics (exponential_avg_factor 1).
            y, mean, unbiased_variance, _, _, _ = tf.raw_ops.FusedBatchNormV3(
                x=x, scale=gamma, offset=beta, mean=tf.constant([], "float32"),
                variance=tf.constant([], "float32"), epsilon=self.epsilon, exponential_avg_factor=1.0,
                data_format="NHWC", is_training=True)
            count = tf.cast(tf.size(x) // channels, "float32")
            variance = unbiased_variance * tf.maximum(count - 1.0, 0.0) / count  # Keras keeps the biased one
            self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        else:
            y, _, _, _, _, _ = tf.raw_ops.FusedBatchNormV3(
                x=x, scale=gamma, offset=beta, mean=tf.cast(self.moving_mean, "float32"),
                variance=tf.cast(self.moving_variance, "float32"), epsilon=self.epsilon,
                exponential_avg_factor=1.0, data_format="NHWC", is_training=False)
        if len(inputs.shape) == 2:
            y = y[:, 0, 0, :]
        return tf.cast(y, self.compute_dtype)


@keras.saving.register_keras_serializable(package="deepcolor")
class Dropout(keras.layers.Dropout):
    """keras.layers.Dropout with its mask drawn from random bits (see the module docstring)."""

    def call(self, inputs, training=False):
        levels = self.rate * 256.0
        if not (training and 0.0 < self.rate < 1.0 and self.noise_shape is None and levels == int(levels)
                and fast_layers_enabled() and _tensorflow_backend()):
            return super().call(inputs, training=training)
        import tensorflow as tf

        keep = keep_mask(tf.shape(inputs), self.rate, self.seed_generator.next())
        return tf.where(keep, inputs * tf.cast(1.0 / (1.0 - self.rate), inputs.dtype), tf.zeros_like(inputs))


def keep_mask(shape, rate, seed):
    """A boolean tensor of `shape` whose entries are True with probability 1 - rate, independently.

    `rate` must be a multiple of 1/256. Each random 32-bit word gives 32 one-bit draws (rate 1/2),
    or 4 byte draws compared with rate * 256 (other rates): 32 or 4 times fewer random words than
    a float uniform per element.
    """
    import tensorflow as tf

    seed = tf.cast(seed, "int32")
    total = tf.reduce_prod(shape)
    if rate == 0.5:
        bits_per_draw, threshold = 1, 1
    else:
        bits_per_draw, threshold = 8, int(rate * 256)
    draws_per_word = 32 // bits_per_draw
    words = tf.random.stateless_uniform([(total + draws_per_word - 1) // draws_per_word], seed=seed,
                                        minval=None, maxval=None, dtype="int32")
    shifts = tf.range(0, 32, bits_per_draw, dtype="int32")
    draws = tf.bitwise.bitwise_and(tf.bitwise.right_shift(words[:, None], shifts), (1 << bits_per_draw) - 1)
    keep = tf.reshape(draws, [-1])[:total] >= threshold
    return tf.reshape(keep, shape)
