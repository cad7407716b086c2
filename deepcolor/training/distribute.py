"""tf.distribute strategies for `train --strategy`.

- auto:        all GPUs mirrored when there are several, else the default (one device) strategy
- one_device:  the first GPU, or the CPU
- mirrored:    synchronous data parallelism over all GPUs (or all logical CPUs, see --cpu-devices)
- multiworker: MultiWorkerMirroredStrategy across machines (cluster from the TF_CONFIG variable)
- tpu:         TPUStrategy (Colab/Cloud TPU); a clear error where no TPU is reachable

--batch-size is the global batch: Keras `fit` splits each batch across the replicas, so the
learning dynamics match single-device training on the same batch (tests/test_distribute.py).
"""

import json
import os
import shutil
import tempfile

import tensorflow as tf

from deepcolor.errors import UsageError

STRATEGIES = ("auto", "one_device", "mirrored", "multiworker", "tpu")


def split_cpu(devices):
    """Splits the CPU into `devices` logical devices (must run before TensorFlow starts executing).

    Lets multi-replica strategies run, and be tested, on machines without GPUs.
    """
    if devices <= 1:
        return
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
    except RuntimeError:
        raise UsageError("--cpu-devices must be set before TensorFlow starts; "
                         "use it from the command line, not after other TensorFlow work") from None


def make_strategy(name):
    if name == "multiworker":  # first: listing logical devices starts TensorFlow, too late for collectives
        fix_keras_multiworker_build()
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    cpus = tf.config.list_logical_devices("CPU")
    if name == "auto":
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy((gpus or cpus)[0].name)
    if name == "mirrored":
        return tf.distribute.MirroredStrategy([d.name for d in (gpus or cpus)])
    if name == "tpu":
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, RuntimeError, tf.errors.OpError) as e:
            raise UsageError(f"--strategy tpu: no TPU reachable ({str(e).splitlines()[0][:200]})") from None
        return tf.distribute.TPUStrategy(resolver)
    raise UsageError(f"unknown --strategy {name!r}; use one of {', '.join(STRATEGIES)}")


def this_worker():
    """(is_chief, task name) of this process in the TF_CONFIG cluster; (True, None) outside one.

    The chief is the task of type "chief", or worker 0 of a cluster that names no chief (the
    TensorFlow convention)."""
    try:
        tf_config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    except json.JSONDecodeError as e:
        raise UsageError(f"the TF_CONFIG variable is not valid JSON ({e})") from None
    task = tf_config.get("task") or {}
    if "type" not in task:
        return True, None
    kind, index = task["type"], int(task.get("index", 0))
    chief = kind == "chief" or (kind == "worker" and index == 0 and "chief" not in tf_config.get("cluster", {}))
    return chief, f"{kind}{index}"


def worker_run_dir(out):
    """The run directory this process writes under --strategy multiworker.

    Every worker runs the same callbacks, so every worker saves checkpoints; only the chief's go
    to the run directory. The others write to a scratch copy of it, made at start from the
    chief's files (the run directory must be on storage all workers see), so a resumed run
    restores the same epoch and weights on every worker. The caller deletes the copy at the end.
    Returns (directory, is_scratch)."""
    chief, task = this_worker()
    if chief:
        return out, False
    scratch = tempfile.mkdtemp(prefix=f"deepcolor-{task}-")
    if os.path.isdir(out):
        shutil.copytree(out, scratch, dirs_exist_ok=True, ignore=shutil.ignore_patterns("tensorboard", "*.tmp*"))
    return scratch, True


def fix_keras_multiworker_build():
    """Keras 3's fit() under MultiWorkerMirroredStrategy fails in two places (keras-team/keras#20585,
    open); both are mended here, and only under --strategy multiworker:

    - before the first step, to learn the input shapes, it averages a distributed batch across
      workers eagerly, which that strategy cannot do ("Attempt to convert a value (PerReplica...)").
      The shapes are those of any one replica's batch: this worker's first replica is used.
    - after each step it averages the scalar logs across workers along axis 0, which a scalar
      lacks ("Invalid reduction dimension 0"). The mean across workers is taken with no axis.
    """
    from keras.src.backend.tensorflow import trainer as keras_trainer
    from keras.src.backend.tensorflow.trainer import TensorFlowTrainer
    if getattr(TensorFlowTrainer, "_deepcolor_multiworker_fix", False):
        return
    original = TensorFlowTrainer._maybe_symbolic_build

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        if iterator is not None and data_batch is None and self._distribute_strategy is not None:
            for _, _, batches in iterator:
                data_batch = tf.nest.map_structure(
                    lambda v: (self._distribute_strategy.experimental_local_results(v)[0]
                               if isinstance(v, tf.distribute.DistributedValues) else v), next(batches))
                break
        return original(self, iterator=None, data_batch=data_batch)

    TensorFlowTrainer._maybe_symbolic_build = _maybe_symbolic_build
    original_reduce = keras_trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
            return tf.nest.map_structure(lambda v: strategy.reduce("MEAN", v, axis=None), values)
        return original_reduce(values, strategy, reduction)

    keras_trainer.reduce_per_replica = reduce_per_replica
    TensorFlowTrainer._deepcolor_multiworker_fix = True
