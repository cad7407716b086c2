"""What training needs besides the linear script (deepcolor/train.py): callbacks (checkpoints, the
history, NaN guard), optimizers (per-variable learning rates), distribution strategies, colours
computed on the device, and ensemble runs (report 001's combined models: built, not trained)."""
