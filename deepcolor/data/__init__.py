"""Data sources, deterministic splits and the tf.data pipeline.

The names below are re-exported lazily, so importing one light module of this package (e.g.
`deepcolor.data.records`) does not import TensorFlow through the pipeline.
"""

import importlib

_EXPORTS = {
    "deepcolor.data.images": ("DEFAULT_MAX_PIXELS", "BadImageError", "ImageInfo", "read_image", "scan_image"),
    "deepcolor.data.pipeline": ("RESIZE_MODES", "resize_image", "resized_images", "scan_records", "training_dataset"),
    "deepcolor.data.sources": ("resolve_source",),
    "deepcolor.data.records": ("Record", "subsample"),
    "deepcolor.data.split": ("parse_fractions", "split_records", "write_splits"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'deepcolor.data' has no attribute {name!r}")
