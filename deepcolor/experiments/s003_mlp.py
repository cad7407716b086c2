"""Report 003: MLP and fully connected autoencoder on CIFAR-10 (32x32), losses reported as MSE x 100.

Best model (report's Table 3): MLP, 1 hidden layer (512) with BatchNorm and sigmoid, BatchNorm after
the output layer, MSE, Adam lr 2e-4, 80 epochs, batch 16; RGB in [-1, 1] (`rgb_pm1`), gray input.
Each table varies one thing from that model; figures are MSE x 100 ("%") on the test photos, and for
Tables 1, 2, 4 and 5 on the training and validation photos too, quoted as printed.
Choices left open (ours):
- Hidden widths beyond the first (see deepcolor/models/mlp.py). The 1- and 2-hidden-layer autoencoders
  are the same networks as the MLPs of that depth (the report gives 1,024 -> 512 -> 3,072 for both).
- The last activation of the best model: tanh (the report found none and tanh both fine; `rgb_pm1`).
- The learning-rate and last-layer tables give no numbers in the report; SGD rows neither ("could not
  solve the task"), nor §5.3.2's ablation of the output BatchNorm (a curve only): those rows have no
  paper figure.
- The report's code mixed RGB->BGR when making gray; we use luma (docs/conventions.md).
"""

from deepcolor.experiments import Claim, Protocol, config, make

PAPER = "003 MLP/AE on CIFAR-10"
BASE = config(data=dict(source="cifar10", image_size=32, split="5000,500,1000", resize="squash"),
              model=dict(arch="mlp", encoding="rgb_pm1", loss="mse"), optimizer=dict(name="adam", lr=2e-4),
              run=dict(epochs=80, batch_size=16))


def _row(name, row, test=None, train=None, valid=None, arch="mlp", optimizer=None, **options):
    """One row: the best model with its model options, arch, or optimizer fields changed; `test`, `train`
    and `valid` are the report's MSE x 100 on each split, as printed."""
    row_config = BASE.replace(model={"arch": arch, "options": options}, optimizer=optimizer or {})
    figures = {key: figure for key, figure in (("test MSE x100", test), ("train MSE x100", train),
                                               ("valid MSE x100", valid)) if figure is not None}
    return make(PAPER, f"mlp003_{name}", row, row_config, figures)


def experiments():
    return [
        _row("best", "Best: MLP 1 hidden, BatchNorm, sigmoid, output BatchNorm", "3.2", "3.5", "3.4"),
        _row("hidden2", "Table 1: MLP, 2 hidden layers", "3.8", "3.2", "3.8", hidden_layers=2),
        _row("hidden3", "Table 1: MLP, 3 hidden layers", "4.1", "3.7", "4.1", hidden_layers=3),
        _row("ae1", "Table 2: autoencoder, 1 hidden layer", "3.408", "4.2", "3.5", arch="autoencoder"),
        _row("ae2", "Table 2: autoencoder, 2 hidden layers", "4.1", "4.0", "4.1", hidden_layers=2, arch="autoencoder"),
        _row("ae3", "Table 2: autoencoder, 3 hidden layers", "5.1", "5.4", "5.1", hidden_layers=3, arch="autoencoder"),
        _row("ae5", "Table 2: autoencoder, 5 hidden layers", "5.870", "5.7", "5.9", hidden_layers=5, arch="autoencoder"),
        _row("batchnorm", "Table 4: with BatchNorm", "3.298", "3.5", "3.4"),
        _row("no_batchnorm", "Table 4: without BatchNorm", "3.356", "1.7", "3.5", batchnorm=False),
        _row("no_output_batchnorm", "Output BatchNorm: none (§5.3.2)", output_batchnorm=False),
        _row("act_sigmoid", "Table 5: hidden activation sigmoid", "3.298", "3.5", "3.4"),
        _row("act_relu", "Table 5: hidden activation ReLU", "3.899", "2.9", "3.9", hidden_activation="relu"),
        _row("act_tanh", "Table 5: hidden activation tanh", "3.745", "3.0", "3.8", hidden_activation="tanh"),
        _row("opt_sgd", "Optimizers: SGD", optimizer={"name": "sgd"}),
        _row("opt_sgd_momentum", "Optimizers: SGD + momentum", "around 27", optimizer={"name": "sgd_momentum"}),
        _row("opt_rmsprop", "Optimizers: RMSprop", "3.5", optimizer={"name": "rmsprop"}),
        _row("opt_adam", "Optimizers: Adam", "3.2"),
        _row("lr_0.01", "Learning rate 0.01", optimizer={"lr": 0.01}),
        _row("lr_0.001", "Learning rate 0.001", optimizer={"lr": 0.001}),
        _row("lr_0.0001", "Learning rate 0.0001", optimizer={"lr": 0.0001}),
        _row("last_relu", "Last layer ReLU (washed out)", output_activation="relu"),
        _row("last_sigmoid", "Last layer sigmoid (washed out)", output_activation="sigmoid"),
        _row("last_none", "Last layer none", output_activation="linear"),
        _row("last_tanh", "Last layer tanh (= the best model's)"),
    ]


def smoke(row, shrunk):
    """Smoke runs stay at the models' 32x32 (their dense layers are sized by it)."""
    return shrunk.replace(data={"image_size": row.data.image_size})


def _pairs(*names):
    """(a, b), (b, c), ...: a chain of 'lower test MSE than' as row names."""
    rows = [f"mlp003_{n}" for n in names]
    return tuple(zip(rows, rows[1:]))


PROTOCOL = Protocol(
    metric="mse_target", metric_label="test MSE ×100 (%)", figure="test MSE x100", split="test",
    metric_size=32, scale=100.0, decimals=3,
    # Every row trains on the MSE of its `rgb_pm1` target and nothing else (no regularizer), so its
    # train and val loss are the test figure's metric on the other splits.
    history_figures=(("train MSE x100", "loss", "train"), ("valid MSE x100", "val_loss", "valid")),
    overrides={"cpu": {"steps_per_execution": 50, "jit": "on"}, "paper": {}},
    seeds={"smoke": 1, "cpu": 1, "paper": 1}, jobs={"cpu": 2},
    # Three seeds where the paper's own gap is small or "similar" (MLP vs AE 3.2 vs 3.408, BatchNorm
    # 3.298 vs 3.356, the three learning rates, tanh vs no last activation): there seed noise could
    # decide the verdict. Elsewhere the gaps are several times the seed-to-seed spread these rows measure.
    seeded_rows={"cpu": (3, ("mlp003_best", "mlp003_ae1", "mlp003_no_batchnorm", "mlp003_lr_0.01",
                             "mlp003_lr_0.001", "mlp003_lr_0.0001", "mlp003_last_none"))},
    notes={"cpu": [
        "SGD and SGD with momentum run at the best model's rate (2e-4, as every other row): the report's "
        "optimizer comparison does not give their rate, and its first SGD trials used about 0.01. Its loss "
        "for SGD with momentum is quoted as it wrote it (“a loss around 27%”).",
        "The paper's whole protocol (5,000 / 500 / 1,000 images drawn by seed, 80 epochs, batch 16). Three "
        "seeds (each draws its own subset, split and initial weights; figures are the mean ± standard "
        "deviation) for the rows whose claims the paper itself calls close: the best model, AE 1 hidden, "
        "without BatchNorm, the three learning rates and no last activation; one seed elsewhere, where the "
        "paper's gaps are several times the seed-to-seed spread. A row with one seed borrows the pooled "
        "spread of the three-seed rows when a claim is tested (see below). All rows on three seeds: "
        "`--seeds 3` (about 2.5 h here).",
        "Data: the CIFAR-10 images as JPEG files (quality ≈75, 4:2:0 chroma), read through TFDS's `ImageFolder` "
        "(`DEEPCOLOR_CIFAR10=<folder of train/ and test/>`). JPEG smooths the chroma, so absolute MSEs are "
        "not bit-comparable with the paper's (official uint8 pixels); comparisons between rows are.",
        "Keras `steps_per_execution 50` (50 training steps per call into the graph) and XLA (`--jit on`): the "
        "same math with less per-step overhead; together 1.7 times faster for this MLP on this CPU than "
        "neither (XLA slows the convolutional models down on a CPU, so `--jit auto` leaves it off there).",
        "Two trainings at a time (the protocol's `--jobs 2`), each in its own process with one thread: a step "
        "of this MLP is too small to split across two cores, so two one-thread trainings side by side finish "
        "sooner than the same two one after the other on two threads.",
        "Gray input is the BT.601 luma (the report's code mixed RGB and BGR channels).",
        "Not checked as a claim: Table 4's overfitting without BatchNorm (train 1.7 % against valid 3.5 %; "
        "with BatchNorm 3.5 % and 3.4 %). The table of the loss on each split below puts ours beside it, but a "
        "gap between two losses of one run has no seed spread to judge it by (the rows keep seed 0's curves "
        "only). And a BatchNorm layer takes the train loss on each batch's own statistics and the valid loss "
        "on its moving averages. Our row with BatchNorm has one after the hidden layer and one after the "
        "output layer, our row without it drops the hidden layer's only (the output's is §5.3.2's row, "
        "`mlp003_no_output_batchnorm`), so part of a difference in their gaps is BatchNorm's own, not "
        "overfitting (in the report's figures too).",
        "The report gives its 1-hidden-layer autoencoder as 1,024 → 512 → 3,072, the same network as its "
        "1-hidden-layer MLP, and says every other training detail was kept the same; our 2-hidden-layer "
        "autoencoder (widths ours) is also the 2-hidden-layer MLP. Each row is trained on its own, yet a "
        "one-thread training is deterministic, so `mlp003_ae1` gives exactly `mlp003_best`'s figures and "
        "`mlp003_ae2` exactly `mlp003_hidden2`'s. The paper's 3.2 vs 3.408 cannot come from the networks "
        "it describes; something it does not describe, or seed noise, made the gap.",
    ]},
    claims=(
        Claim("mlp_1_hidden_best", "An MLP with 1 hidden layer beats 2 and 3 hidden layers.",
              _pairs("best", "hidden2", "hidden3"), "one hidden layer is enough to get good results"),
        Claim("ae_more_layers_worse", "For the autoencoder, more hidden layers give a higher loss.",
              _pairs("ae1", "ae2", "ae3", "ae5"), "the more hidden layers we add the higher the losses are"),
        Claim("mlp_slightly_beats_ae", "The 1-layer MLP is slightly better than the 1-layer autoencoder.",
              _pairs("best", "ae1"), "Since MLP is slightly better"),
        Claim("batchnorm_helps", "BatchNorm lowers the test loss.", _pairs("batchnorm", "no_batchnorm"),
              "Batch Normalization here overcomes overfitting."),
        Claim("output_batchnorm_helps", "BatchNorm after the output layer beats none.",
              _pairs("best", "no_output_batchnorm"), "really unstable and the different losses are higher"),
        Claim("sigmoid_hidden_best", "A sigmoid hidden activation beats tanh, which beats ReLU.",
              _pairs("act_sigmoid", "act_tanh", "act_relu"), "Sigmoid function gives lower validation and testing loss"),
        Claim("adaptive_optimizers_beat_sgd", "Adam beats RMSprop, and both beat SGD and SGD with momentum.",
              _pairs("opt_adam", "opt_rmsprop", "opt_sgd_momentum") + _pairs("opt_rmsprop", "opt_sgd"),
              "SGD and SGD with momentum couldn't really solve our regression task"),
        Claim("lr_0.001_chosen", "Learning rate 0.001 was chosen over 0.01 and 0.0001 (the report calls "
              "them similar, differing in convergence speed).", _pairs("lr_0.001", "lr_0.01") + _pairs("lr_0.001", "lr_0.0001"),
              "we decide to choose 0.001"),
        Claim("last_layer_tanh_or_none", "A tanh or no last-layer activation beats ReLU and sigmoid, which "
              "lose the negative values (washed-out colours).",
              _pairs("last_tanh", "last_relu") + _pairs("last_tanh", "last_sigmoid") + _pairs("last_none", "last_relu")
              + _pairs("last_none", "last_sigmoid"),
              "Sigmoid and ReLU cannot be used as the activation function after the last layer"),
    ),
)
