"""Training callbacks that survive being killed at any moment.

Keras's own CSVLogger and ModelCheckpoint forget state across a restart (a resumed run would
overwrite best.keras with its first epoch, and CSV rows can be duplicated); these keep their
state in the run directory and write it atomically.
"""

import math
import os
import time

import keras

from deepcolor import runs


class EpochSeeds(keras.callbacks.Callback):
    """Sets every random-seed state (Dropout's) to a function of the epoch at each epoch start.

    Keras keeps these states out of the weights that BackupAndRestore saves, so without this a
    resumed run would draw other dropout masks than an uninterrupted one. With it (and the
    epoch-keyed data order of the pipeline) epoch k is the same computation either way.
    """

    STEPS_PER_EPOCH_BOUND = 2 ** 20  # counter space reserved per epoch

    def on_epoch_begin(self, epoch, logs=None):
        for variable in self.model.non_trainable_variables:
            if variable.path.endswith("seed_generator_state"):
                seed = keras.ops.convert_to_numpy(variable.value)[0]
                variable.assign(keras.ops.convert_to_tensor(
                    [seed, epoch * self.STEPS_PER_EPOCH_BOUND], dtype=variable.dtype))


class NonFiniteLossGuard(keras.callbacks.Callback):
    """Stops training at the first NaN/Inf batch loss; other callbacks check `failed`."""

    def __init__(self):
        super().__init__()
        self.failed = ""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)) and not self.failed:
            self.failed = f"loss became {float(loss)} at epoch {self._epoch + 1}, batch {batch + 1}"
            self.model.stop_training = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch


class RunBackup(keras.callbacks.BackupAndRestore):
    """BackupAndRestore that never backs up non-finite weights and keeps the backup after a failure."""

    def __init__(self, backup_dir, guard):
        super().__init__(backup_dir, double_checkpoint=True)
        self.guard = guard

    def _save_model(self):
        if not self.guard.failed:
            super()._save_model()

    def on_train_end(self, logs=None):
        if not self.guard.failed:
            super().on_train_end(logs)


class EpochHistory(keras.callbacks.Callback):
    """history.csv with one row per finished epoch (a re-run epoch replaces its row)."""

    def __init__(self, run_dir, images_per_epoch, guard):
        super().__init__()
        self.run_dir, self.images_per_epoch, self.guard = run_dir, images_per_epoch, guard

    def on_epoch_begin(self, epoch, logs=None):
        self._start = self._train_end = time.time()

    def on_test_begin(self, logs=None):
        self._train_end = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if self.guard.failed:
            return
        now = time.time()
        train_seconds = (self._train_end if self._train_end > self._start else now) - self._start
        row = {"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()},
               "lr": float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)),
               "seconds": now - self._start,
               "train_images_per_s": self.images_per_epoch / max(train_seconds, 1e-9)}
        rows = [r for r in runs.read_history(self.run_dir) if r["epoch"] < epoch + 1]
        runs.write_history(self.run_dir, rows + [row])


class StepLoss(keras.callbacks.Callback):
    """steps.csv: the training loss averaged over each stretch of `every` steps (about 50 points an
    epoch), so a run of one long epoch still has a curve. A re-run epoch replaces its rows."""

    def __init__(self, run_dir, steps_per_epoch, guard, points_per_epoch=50):
        super().__init__()
        self.run_dir, self.steps, self.guard = run_dir, steps_per_epoch, guard
        self.every = max(1, steps_per_epoch // points_per_epoch)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._last = epoch, (0, 0.0)  # (batches, their summed loss) at the last point
        rows = runs.read_table(self.run_dir, "steps.csv")
        self._rows = [r for r in rows if r["step"] <= epoch * self.steps]

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")  # Keras' running mean over this epoch's batches so far
        done, summed = self._last
        # `batch` jumps by steps_per_execution between calls, so count the batches since the last point.
        if self.guard.failed or loss is None or batch + 1 - done < self.every:
            return
        total = float(loss) * (batch + 1)
        self._rows.append({"step": self._epoch * self.steps + batch + 1, "loss": (total - summed) / (batch + 1 - done)})
        self._last = (batch + 1, total)
        runs.write_table(self.run_dir, "steps.csv", self._rows)


class BestCheckpoint(keras.callbacks.Callback):
    """Saves best.keras whenever val_loss improves on the best so far, across restarts."""

    def __init__(self, run_dir, guard, monitor="val_loss", model_to_save=None):
        super().__init__()
        self.run_dir, self.guard, self.monitor = run_dir, guard, monitor
        self.model_to_save = model_to_save  # the plain model when fit() drives a wrapper of it
        best = runs.read_json(os.path.join(run_dir, "best.json"))
        self.best = best[monitor] if best else math.inf

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if self.guard.failed or value is None or not math.isfinite(value) or value >= self.best:
            return
        self.best = float(value)
        runs.save_model(self.model_to_save or self.model, os.path.join(self.run_dir, "best.keras"))
        runs.write_json(os.path.join(self.run_dir, "best.json"), {"epoch": epoch + 1, self.monitor: self.best})
