"""Data sources, deterministic splits and the tf.data pipeline."""

from deepcolor.data.images import DEFAULT_MAX_PIXELS, BadImageError, ImageInfo, read_image, scan_image
from deepcolor.data.pipeline import (RESIZE_MODES, resize_image, resized_images, scan_records,
                                     training_dataset)
from deepcolor.data.sources import Record, resolve_source, subsample
from deepcolor.data.split import parse_fractions, split_records, write_splits
