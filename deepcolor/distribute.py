"""tf.distribute strategies for `train --strategy`.

- auto:        all GPUs mirrored when there are several, else the default (one device) strategy
- one_device:  the first GPU, or the CPU
- mirrored:    synchronous data parallelism over all GPUs (or all logical CPUs, see --cpu-devices)
- multiworker: MultiWorkerMirroredStrategy across machines (cluster from the TF_CONFIG variable)
- tpu:         TPUStrategy (Colab/Cloud TPU); a clear error where no TPU is reachable

--batch-size is the global batch: Keras `fit` splits each batch across the replicas, so the
learning dynamics match single-device training on the same batch (tests/test_distribute.py).
"""

import tensorflow as tf

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
        raise SystemExit("error: --cpu-devices must be set before TensorFlow starts; "
                         "use it from the command line, not after other TensorFlow work") from None


def make_strategy(name):
    gpus = tf.config.list_logical_devices("GPU")
    cpus = tf.config.list_logical_devices("CPU")
    if name == "auto":
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy((gpus or cpus)[0].name)
    if name == "mirrored":
        return tf.distribute.MirroredStrategy([d.name for d in (gpus or cpus)])
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, RuntimeError, tf.errors.OpError) as e:
            raise SystemExit(f"error: --strategy tpu: no TPU reachable ({str(e).splitlines()[0][:200]})") from None
        return tf.distribute.TPUStrategy(resolver)
    raise SystemExit(f"error: unknown --strategy {name!r}; use one of {', '.join(STRATEGIES)}")
