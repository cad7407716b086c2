"""DeepColor: a Keras/TensorFlow replication suite for automatic image colorization.

    import deepcolor
    model = deepcolor.load()                    # the shipped default model
    rgb = model.colorize("old.jpg")             # uint8 [H, W, 3], same size and lightness
    deepcolor.colorize("old.jpg", "out.png")    # the one-liner
"""

import os
import sys
import tempfile

# TensorFlow's C++ start-up chatter (CUDA probing, CPU feature notes) hides our own messages.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

from deepcolor.errors import DeepColorError, ModelNotFoundError, UnsupportedOptionError  # noqa: E402,F401


def import_tensorflow_quietly():
    """Imports TensorFlow with file descriptor 2 parked, since its C++ code logs before absl is
    initialized (where TF_CPP_MIN_LOG_LEVEL cannot reach). If the import fails, what it wrote is
    shown with the error, so nothing useful is lost. DEEPCOLOR_VERBOSE_IMPORT=1 turns this off."""
    if "tensorflow" in sys.modules or os.environ.get("DEEPCOLOR_VERBOSE_IMPORT"):
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable fd 2 (some notebooks): import normally
        import tensorflow  # noqa: F401
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow
            # The first device query probes CUDA, which logs "failed call to cuInit" on machines
            # without a GPU; `train` prints the devices it found instead.
            tensorflow.config.list_physical_devices("GPU")
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


from deepcolor.api import colorize, load  # noqa: E402,F401  (imports no TensorFlow until used)
