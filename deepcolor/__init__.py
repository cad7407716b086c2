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


def load(source=None, which="best"):
    """See deepcolor.api.load."""
    from deepcolor.api import load as _load
    return _load(source, which)


def __getattr__(name):
    # `deepcolor.colorize` is the command's module, made callable (deepcolor/colorize.py): it is the
    # one-liner deepcolor.colorize("in.jpg", "out.png") too. A plain function of that name here would
    # be replaced by the module the moment anything imports it.
    if name == "colorize":
        import importlib
        return importlib.import_module("deepcolor.colorize")
    raise AttributeError(f"module 'deepcolor' has no attribute {name!r}")


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


# Command lines (`python -m deepcolor.X`, the `deepcolor` command) import TensorFlow now, quietly;
# library use (`import deepcolor` in a notebook) stays fast and imports it on first need.
if os.path.basename(sys.argv[0] if sys.argv else "") in ("-m", "deepcolor"):
    import_tensorflow_quietly()
