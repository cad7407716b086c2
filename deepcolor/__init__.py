"""DeepColor: a Keras/TensorFlow replication suite for automatic image colorization.

    import deepcolor
    model = deepcolor.load()                    # the shipped default model
    rgb = model.colorize("old.jpg")             # uint8 [H, W, 3], same size and lightness
    deepcolor.colorize("old.jpg", "out.png")    # the one-liner
"""

import os

# TensorFlow's C++ start-up chatter (CUDA probing, CPU feature notes) hides our own messages.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

from deepcolor.errors import DeepColorError, ModelNotFoundError, UnsupportedOptionError  # noqa: E402,F401
from deepcolor.api import colorize, load  # noqa: E402,F401  (imports no TensorFlow until used)
