"""Presets: trained models shipped inside the package, as data (keras-hub style).

A preset is a folder holding `preset.json` (the model class and its constructor arguments, the
encoding, the size it predicts at, decoding options, and how it was trained) and `weights.npz` (the
weights, stored as float16 to halve the download; they are float32 again once loaded), next to a
model card (`README.md`). `deepcolor.load()` loads the "default" preset.
"""

import json
import os

import numpy as np

from deepcolor.files import atomic_path
from deepcolor.errors import ModelNotFoundError

HERE = os.path.dirname(os.path.abspath(__file__))
PRESET_FILE = "preset.json"
WEIGHTS_FILE = "weights.npz"


def preset_names():
    return sorted(d for d in os.listdir(HERE) if os.path.exists(os.path.join(HERE, d, PRESET_FILE)))


def is_preset_dir(path):
    return os.path.isdir(path) and os.path.exists(os.path.join(path, PRESET_FILE))


def save_preset(model, out_dir, encoding, image_size, resize="squash", border=0.0, decoding=None, training=None):
    """Writes `model` as a preset folder (preset.json + float16 weights.npz)."""
    from deepcolor import runs
    os.makedirs(out_dir, exist_ok=True)
    weights = {f"w{k:03d}": w.astype(np.float16) if w.dtype == np.float32 else w
               for k, w in enumerate(model.get_weights())}
    with atomic_path(os.path.join(out_dir, WEIGHTS_FILE), suffix=".npz") as tmp:  # savez would add .npz
        np.savez_compressed(tmp, **weights)
    config = {k: v for k, v in model.get_config().items() if k not in ("trainable",)}
    runs.write_json(os.path.join(out_dir, PRESET_FILE), {
        "class": type(model).__name__, "config": config, "encoding": encoding, "image_size": image_size,
        "resize": resize, "border": border, "decoding": decoding or {}, "training": training or {}})


def read_preset(name_or_dir):
    """(Keras model with its weights, preset settings, folder) of a preset name or folder;
    deepcolor.load wraps them in a ColorizationModel."""
    import deepcolor.models  # noqa: F401  (registers the model classes)
    import keras
    folder = name_or_dir if os.path.isdir(name_or_dir) else os.path.join(HERE, name_or_dir)
    path = os.path.join(folder, PRESET_FILE)
    if not os.path.exists(path):
        raise ModelNotFoundError(f"no preset {name_or_dir!r} (known: {', '.join(preset_names()) or 'none'})")
    with open(path, encoding="utf-8") as f:
        preset = json.load(f)
    cls = keras.saving.get_registered_object(f"deepcolor>{preset['class']}")
    if cls is None:
        raise ModelNotFoundError(f"{path}: unknown model class {preset['class']!r}")
    model = cls.from_config(preset["config"])
    with np.load(os.path.join(folder, WEIGHTS_FILE)) as stored:
        weights = [stored[k] for k in sorted(stored.files)]
    model.set_weights([w.astype(np.float32) if w.dtype == np.float16 else w for w in weights])
    return model, preset, folder
