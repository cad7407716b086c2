"""deepcolor.models.fast_layers: the fused BatchNormalization and the bit-mask Dropout compute what
Keras' own layers compute (forward, backward, moving statistics, saving), only faster."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from deepcolor.models import fast_layers  # noqa: E402
from deepcolor.models.fast_layers import stock_keras_layers  # noqa: E402

TOLERANCE = 1e-5


def forward_and_backward(layer, x, training):
    # A loss whose gradient is not uniform, so the backward pass is really exercised.
    weights = tf.constant((np.arange(x.size) % 7).reshape(x.shape), "float32")
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=training)
        loss = tf.reduce_sum(y * weights)
    grads = tape.gradient(loss, [x] + layer.trainable_variables)
    return y.numpy(), [g.numpy() for g in grads]


def pair(config, shape):
    """Keras' layer and ours, built with the same config and the same (random) variables."""
    rng = np.random.default_rng(0)
    theirs, ours = keras.layers.BatchNormalization(**config), fast_layers.BatchNormalization(**config)
    theirs.build(shape)
    ours.build(shape)
    values = [rng.normal(size=v.shape).astype("float32") for v in theirs.weights]
    values = [np.abs(v) + 0.5 if "variance" in w.path else v for v, w in zip(values, theirs.weights)]
    theirs.set_weights(values)
    ours.set_weights(values)
    return theirs, ours


@pytest.mark.parametrize("config, shape", [({}, (4, 6, 5, 8)), ({"epsilon": 1e-5, "momentum": 0.9}, (4, 6, 5, 8)),
                                           ({"center": False, "scale": False}, (4, 6, 5, 8)), ({}, (16, 12))])
def test_batchnorm_matches_keras_forward_backward_and_moving_statistics(config, shape):
    x = np.random.default_rng(1).normal(2.0, 3.0, size=shape).astype("float32")
    theirs, ours = pair(config, shape)
    assert ours._fused
    for training in (True, False, True):  # moving statistics move twice, then are used
        (y1, g1), (y2, g2) = forward_and_backward(theirs, x, training), forward_and_backward(ours, x, training)
        np.testing.assert_allclose(y2, y1, atol=TOLERANCE, rtol=TOLERANCE)
        for a, b in zip(g1, g2):
            np.testing.assert_allclose(b, a, atol=TOLERANCE * np.abs(a).max(), rtol=TOLERANCE)
        for a, b in zip(theirs.weights, ours.weights):
            np.testing.assert_allclose(b.numpy(), a.numpy(), atol=TOLERANCE, rtol=TOLERANCE)


def test_batchnorm_falls_back_to_keras_where_the_kernel_does_not_apply():
    for shape, config in (((4, 3, 8), {}), ((2, 3, 4, 5), {"axis": 1}), ((2, 3, 4, 5), {"synchronized": True}),
                          ((2, 3, 4, 5), {"renorm": True})):
        layer = fast_layers.BatchNormalization(**config)
        layer.build(shape)
        assert not layer._fused, (shape, config)
        theirs = keras.layers.BatchNormalization(**config)
        theirs.build(shape)
        x = np.random.default_rng(0).normal(size=shape).astype("float32")
        np.testing.assert_allclose(layer(x, training=True), theirs(x, training=True), atol=TOLERANCE)


def test_batchnorm_under_mixed_precision_keeps_float32_statistics():
    shape = (4, 6, 5, 8)
    x = np.random.default_rng(1).normal(2.0, 3.0, size=shape).astype("float32")
    outputs = []
    for cls in (keras.layers.BatchNormalization, fast_layers.BatchNormalization):
        layer = cls(dtype="mixed_float16")
        y = layer(tf.constant(x, "float16"), training=True)
        assert y.dtype == tf.float16 and layer.moving_mean.dtype == "float32"
        outputs.append((y.numpy().astype("float32"), layer.moving_mean.numpy(), layer.moving_variance.numpy()))
    for a, b in zip(*outputs):
        np.testing.assert_allclose(b, a, atol=2e-3, rtol=2e-3)  # float16 outputs: 3 decimal digits


def test_synchronized_batchnorm_under_mirrored_strategy_runs_keras_cross_replica_statistics():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        layer = fast_layers.BatchNormalization(synchronized=True)
        layer.build((4, 3, 3, 2))
    x = np.random.default_rng(0).normal(size=(4, 3, 3, 2)).astype("float32")
    y = strategy.run(lambda: layer(tf.constant(x), training=True))
    expected = (x - x.mean((0, 1, 2))) / np.sqrt(x.var((0, 1, 2)) + 1e-3)
    np.testing.assert_allclose(strategy.experimental_local_results(y)[0], expected, atol=1e-4)


@pytest.mark.parametrize("rate", [0.5, 0.25])
def test_dropout_mask_is_bernoulli_scaled_and_its_gradient_follows_it(rate):
    layer = fast_layers.Dropout(rate, seed=3)
    x = tf.constant(np.random.default_rng(0).uniform(1.0, 2.0, size=(8, 32, 32, 16)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
    grad = tape.gradient(y, x).numpy()
    y, x = y.numpy(), x.numpy()
    kept = y != 0
    n = kept.size
    assert abs(kept.mean() - (1 - rate)) < 4 * np.sqrt(rate * (1 - rate) / n)  # within 4 sigma
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)
    np.testing.assert_allclose(grad, kept / (1 - rate), rtol=1e-6)  # the same mask, the same scale
    # Independent draws: neighbouring channels and successive calls are uncorrelated.
    assert abs(np.corrcoef(kept[..., 0].ravel(), kept[..., 1].ravel())[0, 1]) < 0.05
    assert abs(np.corrcoef(kept.ravel(), (layer(x, training=True).numpy() != 0).ravel())[0, 1]) < 0.05
    np.testing.assert_array_equal(layer(x, training=False), x)


def test_dropout_rates_not_multiple_of_1_256_run_keras_dropout():
    layer = fast_layers.Dropout(0.3, seed=1)
    x = np.ones((4, 64, 64, 8), "float32")
    y = layer(x, training=True).numpy()
    assert abs((y == 0).mean() - 0.3) < 0.02


def test_unet_trains_to_the_same_losses_as_with_keras_layers_and_old_files_load(tmp_path):
    """Same weights, same batches, dropout off: the losses of 5 Adam steps agree; a model saved with
    Keras' own layers loads into the fast ones with the same outputs (and the reverse)."""
    from deepcolor.models.unet import UNet

    rng = np.random.default_rng(0)
    x = rng.random((8, 32, 32, 1), dtype=np.float32)
    y = np.concatenate([x, 1 - x, x * x], -1)

    def losses(model):
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
        return [float(model.train_on_batch(x, y)) for _ in range(5)]

    keras.utils.set_random_seed(0)
    with stock_keras_layers():
        stock = UNet(image_size=32, filters=(8, 16, 32), dropout=0.0)
        start = stock.get_weights()
        stock_losses = losses(stock)
        stock_prediction = stock.predict(x, verbose=0)
        stock.save(tmp_path / "stock.keras")
    fast = UNet(image_size=32, filters=(8, 16, 32), dropout=0.0)
    fast.set_weights(start)
    np.testing.assert_allclose(losses(fast), stock_losses, rtol=1e-4)
    loaded = keras.models.load_model(tmp_path / "stock.keras")
    assert all(layer._fused for layer in loaded.layers if isinstance(layer, fast_layers.BatchNormalization))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), stock_prediction, atol=TOLERANCE)


def test_a_file_written_with_keras_layers_before_fast_layers_existed_loads(tmp_path):
    """The committed fixture was saved by the U-Net of the previous release, whose layers were
    keras.layers.BatchNormalization and keras.layers.Dropout; it loads and predicts what it did."""
    import os
    here = os.path.join(os.path.dirname(__file__), "data")
    model = keras.models.load_model(os.path.join(here, "unet_keras_layers.keras"))
    expected = np.load(os.path.join(here, "unet_keras_layers_expected.npz"))
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["y"], atol=TOLERANCE)
