"""Seed 003: MLP and fully connected autoencoder on CIFAR-10 (32x32), losses reported as MSE x 100.

Best model (report's Table 3): MLP, 1 hidden layer (512) with BatchNorm and sigmoid, BatchNorm after
the output layer, MSE, Adam lr 2e-4, 80 epochs, batch 16; RGB in [-1, 1] (`rgb_pm1`), gray input.
Each table varies one thing from that model; figures are test MSE x 100 ("%").
Choices left open (ours):
- Hidden widths beyond the first (see deepcolor/models/mlp.py).
- The last activation of the best model: tanh (the report found none and tanh both fine; `rgb_pm1`).
- The learning-rate and last-layer tables give no numbers in SPEC; SGD rows neither ("could not
  solve the task"): those rows have no paper figure.
- The seed's code mixed RGB->BGR when making gray; we use luma (SPEC conventions).
"""

from deepcolor.experiments import make

PAPER = "003 MLP/AE on CIFAR-10"
BASE = dict(arch="mlp", encoding="rgb_pm1", data="cifar10", image_size=32, split="5000,500,1000",
            loss="mse", optimizer="adam", lr=2e-4, epochs=80, batch_size=16, resize="squash")


def _row(name, row, figure=None, options=(), **overrides):
    settings = {**BASE, **overrides}
    if options:
        settings["model_option"] = list(options)
    return make(PAPER, f"mlp003_{name}", row, {"test MSE x100": figure} if figure is not None else {}, **settings)


def experiments():
    return [
        _row("best", "Best: MLP 1 hidden, BatchNorm, sigmoid, output BatchNorm", 3.2),
        _row("hidden2", "Table 1: MLP, 2 hidden layers", 3.8, ["hidden_layers=2"]),
        _row("hidden3", "Table 1: MLP, 3 hidden layers", 4.1, ["hidden_layers=3"]),
        _row("ae1", "Table 2: autoencoder, 1 hidden layer", 3.408, arch="autoencoder"),
        _row("ae2", "Table 2: autoencoder, 2 hidden layers", 4.1, ["hidden_layers=2"], arch="autoencoder"),
        _row("ae3", "Table 2: autoencoder, 3 hidden layers", 5.1, ["hidden_layers=3"], arch="autoencoder"),
        _row("ae5", "Table 2: autoencoder, 5 hidden layers", 5.870, ["hidden_layers=5"], arch="autoencoder"),
        _row("batchnorm", "Table 4: with BatchNorm", 3.298),
        _row("no_batchnorm", "Table 4: without BatchNorm", 3.356, ["batchnorm=false"]),
        _row("act_sigmoid", "Table 5: hidden activation sigmoid", 3.298),
        _row("act_relu", "Table 5: hidden activation ReLU", 3.899, ["hidden_activation=relu"]),
        _row("act_tanh", "Table 5: hidden activation tanh", 3.745, ["hidden_activation=tanh"]),
        _row("opt_sgd", "Optimizers: SGD", optimizer="sgd"),
        _row("opt_sgd_momentum", "Optimizers: SGD + momentum", optimizer="sgd_momentum"),
        _row("opt_rmsprop", "Optimizers: RMSprop", 3.5, optimizer="rmsprop"),
        _row("opt_adam", "Optimizers: Adam", 3.2),
        _row("lr_0.01", "Learning rate 0.01", lr=0.01),
        _row("lr_0.001", "Learning rate 0.001", lr=0.001),
        _row("lr_0.0001", "Learning rate 0.0001", lr=0.0001),
        _row("last_relu", "Last layer ReLU (washed out)", options=["output_activation=relu"]),
        _row("last_sigmoid", "Last layer sigmoid (washed out)", options=["output_activation=sigmoid"]),
        _row("last_none", "Last layer none", options=["output_activation=linear"]),
        _row("last_tanh", "Last layer tanh", options=["output_activation=tanh"]),
    ]
