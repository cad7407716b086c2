"""DeepColor: a Keras/TensorFlow replication suite for automatic image colorization."""

import os

# TensorFlow's C++ start-up chatter (CUDA probing, CPU feature notes) hides our own messages.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
