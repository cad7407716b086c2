"""The Python API: load a colorizer, colorize images.

    import deepcolor
    model = deepcolor.load()                     # the shipped default model (deepcolor/pretrained)
    rgb = model.colorize("old.jpg")              # path, PIL image or uint8 array -> uint8 [H, W, 3]
    deepcolor.colorize("old.jpg", "out.png")     # the one-liner

`load(source)` takes a preset name ("default"), a preset folder, a run directory written by
`deepcolor.train`, a `.keras` file or an exported SavedModel folder: the one place where any of
them becomes a model (`colorize`, `evaluate` and `export` all come through here).
"""

import os

import numpy as np

from deepcolor.data.images import read_any_image
from deepcolor.errors import DeepColorError, ModelNotFoundError, UnsupportedOptionError

DEFAULT_MODEL = "default"


class ColorizationModel:
    """A loaded colorizer. `colorize` keeps each image's size and lightness.

    Attributes: `keras_model` (None for a SavedModel), `encoding` (name), `image_size` (the size
    the model predicts chroma at), `resize`, `border`, `decoding` (temperature, prior_exponent of
    classification models), `source` (what was loaded), `settings` (a run's training settings, or a
    preset's).
    """

    def __init__(self, keras_model, encoding, image_size, resize="squash", border=0.0, decoding=None,
                 source="", settings=None, serve=None):
        self.keras_model, self.encoding, self.image_size = keras_model, encoding, image_size
        self.resize, self.border, self.decoding = resize, border, dict(decoding or {})
        self.source, self.settings = source, settings or {}
        self._serve = serve  # a SavedModel's serving function instead of a Keras model
        self._colorizers = {}

    def __repr__(self):
        return (f"ColorizationModel({self.source!r}, encoding={self.encoding!r}, image_size={self.image_size}, "
                f"resize={self.resize!r})")

    @property
    def can_sample(self):
        from deepcolor.color.encodings import get_encoding
        return self.keras_model is not None and get_encoding(self.encoding).can_sample

    def colorizer(self, render_size=None, **decoding):
        """The inference.Colorizer for these options (cached): a callable uint8 image -> uint8 RGB.
        decoding: temperature, prior_exponent (classification models; None keeps the model's own)."""
        decoding = {k: v for k, v in decoding.items() if v is not None}
        from deepcolor.color.encodings import get_encoding
        from deepcolor.inference.colorizer import Colorizer
        if self.keras_model is None:
            if render_size or decoding:
                raise UnsupportedOptionError("an exported SavedModel has its size and decoding built in; load "
                                             "the run directory or .keras file for render_size or decoding options")
            return lambda image: self._serve(image)
        size = render_size or self.image_size
        decoding = {**self.decoding, **decoding}
        key = (size, tuple(sorted(decoding.items())))
        if key not in self._colorizers:
            self._colorizers[key] = Colorizer(self.keras_model_at(size), get_encoding(self.encoding), size,
                                              self.resize, self.border, decoding)
        return self._colorizers[key]

    def keras_model_at(self, size):
        """The Keras model with its input at size x size (same weights): --render-size."""
        if size == self.image_size:
            return self.keras_model
        config = self.keras_model.get_config()
        if "image_size" not in config:
            raise UnsupportedOptionError(f"{type(self.keras_model).__name__} cannot be rebuilt at another size")
        try:
            resized = type(self.keras_model).from_config({**config, "image_size": size})
        except ValueError as e:
            raise UnsupportedOptionError(f"render size {size}: {e}") from None
        resized.set_weights(self.keras_model.get_weights())
        return resized

    @property
    def takes_hints(self):
        """Whether this model follows colour hints (the preset "hints")."""
        from deepcolor.inference.colorizer import takes_hints
        return self.keras_model is not None and takes_hints(self.keras_model)

    def colorize(self, image, samples: "int | None" = None, seed: int = 0, temperature: "float | None" = None,
                 render_size: "int | None" = None, prior_exponent: "float | None" = None,
                 max_pixels: "int | None" = None, hints=None) -> "np.ndarray | list":
        """Colorizes one image: a path, a PIL image or a uint8 array ([H, W], [H, W, 1|2|3|4]).

        Returns uint8 [H, W, 3] with the input's size and lightness; with `samples=N`, a list of N
        different plausible colorizations (classification models only), drawn with `seed`.
        `temperature`: the annealed-mean temperature (lower: more saturated); `prior_exponent`: > 0
        favours rarer, more colourful colours, < 0 plainer ones; `render_size`: the square size chroma
        is predicted at (default: the model's own). None keeps the model's own setting.

        Several images at once: a list (of anything one image may be) gives a list of results, and a
        uint8 array [N, H, W, C] an array [N, H, W, 3]. Images of the same size go through the network
        as one batch, which is faster per photo than one call each.

        `hints` (a hint model, `load("hints")`): colours the photo is known to have, spread by the
        network over the object they fall on and then put back exactly at their own pixels (a small
        feathered disk per point, each painted pixel of a mask), the lightness still the photo's own. Either a
        list of points [(x, y, colour), ...] with x, y in the photo's pixels and colour "#2050c0" or
        (r, g, b), or a scribble mask: an RGBA image (path, PIL image or array) of the photo's size whose
        painted pixels (alpha > 0) are hints. Raises color.hints.HintError for a bad hint."""
        colorizer = self.colorizer(render_size, temperature=temperature, prior_exponent=prior_exponent)
        if hints is not None:
            from deepcolor.color.hints import split_hints
            from deepcolor.inference.colorizer import no_hints_error
            if not self.takes_hints:
                raise no_hints_error()
            if samples is not None or isinstance(image, (list, tuple)) or getattr(image, "ndim", 3) == 4:
                raise UnsupportedOptionError("hints are for one photo at a time, without samples")
            points, scribbles = split_hints(hints)
            return colorizer(read_any_image(image, max_pixels)[0], points, scribbles)
        if isinstance(image, (list, tuple)) or (isinstance(image, np.ndarray) and image.ndim == 4):
            if samples is not None:
                return [self.colorize(one, samples, seed, temperature, render_size, prior_exponent, max_pixels)
                        for one in image]
            return colorize_many(colorizer, image, max_pixels)
        rgb, _ = read_any_image(image, max_pixels)
        if samples is None:
            return colorizer(rgb)
        if not self.can_sample:
            raise UnsupportedOptionError(
                f"{self.source}: samples need a model that predicts a colour distribution (encoding ab_bins); "
                f"this one ({self.encoding}) predicts one colour per pixel")
        if int(samples) < 1:
            raise DeepColorError(f"samples must be at least 1, not {samples}")
        return colorizer.samples(rgb, int(samples), seed)


def colorize_many(colorizer, images, max_pixels=None):
    """A list of images (-> list) or a uint8 array [N, H, W, C] (-> [N, H, W, 3]), batched by size."""
    from deepcolor.data.images import BadImageError
    if isinstance(images, np.ndarray):
        if images.dtype != np.uint8 or not 1 <= images.shape[-1] <= 4:
            raise BadImageError(f"expected a uint8 batch [N, H, W, 1-4], got {images.dtype} {images.shape}")
        return colorizer(images) if len(images) else np.zeros((0, *images.shape[1:3], 3), np.uint8)
    arrays = []
    for k, image in enumerate(images):
        try:
            arrays.append(read_any_image(image, max_pixels)[0])
        except BadImageError as e:
            raise BadImageError(f"image {k} ({image if isinstance(image, (str, os.PathLike)) else 'array'}): {e}") from None
    by_shape = {}
    for k, array in enumerate(arrays):
        by_shape.setdefault(array.shape, []).append(k)
    results = [None] * len(arrays)
    for indices in by_shape.values():
        for k, out in zip(indices, colorizer(np.stack([arrays[k] for k in indices]))):
            results[k] = out
    return results


def _infer_encoding(model):
    """A bare .keras file knows no encoding: read it from the output channels and activation."""
    from deepcolor.color.encodings import encoding_of_output
    channels = model.output_shape[-1]
    name = getattr(getattr(model.layers[-1], "activation", None), "__name__", "")
    encoding = encoding_of_output(channels, name)
    if encoding is None:
        raise ModelNotFoundError(f"cannot tell this model's encoding ({channels} output channels, activation "
                                 f"{name or '?'}); load its run directory instead")
    return encoding.name


def load(source: "str | os.PathLike | None" = None, which: str = "best") -> "ColorizationModel":
    """A ColorizationModel from a preset name (default: "default"), a preset folder, a run directory,
    a `.keras` file or a SavedModel folder. `which`: a run's "best" or "last" checkpoint."""
    from deepcolor import pretrained, runs
    runs.import_tensorflow_quietly()  # its start-up chatter only with DEEPCOLOR_VERBOSE_IMPORT=1
    source = DEFAULT_MODEL if source is None else os.fspath(source)
    if source in pretrained.preset_names() or pretrained.is_preset_dir(source):
        keras_model, preset, folder = pretrained.read_preset(source)
        return ColorizationModel(keras_model, preset["encoding"], preset["image_size"], preset["resize"],
                                 border=preset.get("border", 0.0), decoding=preset.get("decoding"),
                                 source=folder, settings=preset)
    if not os.path.exists(source):
        raise ModelNotFoundError(f"model {source!r} not found: give a preset ({', '.join(pretrained.preset_names())}), "
                                 f"a run directory, a .keras file or a SavedModel folder")
    if os.path.isdir(source) and os.path.exists(os.path.join(source, "saved_model.pb")):
        import tensorflow as tf
        loaded = tf.saved_model.load(source)
        meta = runs.read_json(os.path.join(source, "assets.extra", "deepcolor.json"), {})
        serve = lambda image: loaded.serve(tf.convert_to_tensor(image, tf.uint8)).numpy()  # noqa: E731
        return ColorizationModel(None, meta.get("encoding", ""), meta.get("image_size"), meta.get("resize", "squash"),
                                 source=source, settings=meta, serve=serve)
    if os.path.isdir(source):
        settings = runs.load_config(source)["settings"]
        model, path = runs.load_model(source, which)
        return ColorizationModel(model, settings["encoding"], settings["image_size"], settings["resize"],
                                 border=settings.get("border", 0.0), source=path, settings=settings)
    if source.endswith(".keras"):
        import keras
        import deepcolor.models  # noqa: F401  (registers the custom layers and models)
        try:
            model = keras.saving.load_model(source, compile=False)
        except Exception as e:
            raise ModelNotFoundError(f"{source}: not a loadable .keras model ({type(e).__name__})") from None
        return ColorizationModel(model, _infer_encoding(model), model.inputs[0].shape[1], source=source)
    raise ModelNotFoundError(f"{source}: not a preset folder, run directory, .keras file or SavedModel")


_loaded = {}


def colorize(image, out: "str | os.PathLike | None" = None, model=None, **options) -> "np.ndarray | list":
    """One-liner: colorize `image` (path, PIL image or uint8 array) with `model` (default: the shipped
    model, loaded once) and save it to `out` if given (PNG, JPEG, TIFF or WebP by its extension; a
    photo read from a file keeps its EXIF and ICC profile). Returns the
    uint8 RGB array (a list of them with samples=N; `out` then gets _1, _2, ... before its extension)."""
    from deepcolor.data.images import format_of, read_metadata, save_image
    if model is None or isinstance(model, (str, os.PathLike)):
        key = DEFAULT_MODEL if model is None else os.fspath(model)
        if key not in _loaded:
            _loaded[key] = load(key)
        model = _loaded[key]
    result = model.colorize(image, **options)
    if out is not None:
        out = os.fspath(out)
        fmt = format_of(out)
        from_file = isinstance(image, (str, os.PathLike))
        alpha = read_any_image(image)[1] if from_file else None
        metadata = read_metadata(os.fspath(image)) if from_file else None
        if isinstance(result, list):
            stem, ext = os.path.splitext(out)
            for k, rgb in enumerate(result, 1):
                save_image(rgb, alpha, f"{stem}_{k}{ext}", fmt, metadata=metadata)
        else:
            save_image(result, alpha, out, fmt, metadata=metadata)
    return result
