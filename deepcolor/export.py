"""Export a run as a SavedModel:  python -m deepcolor.export --run runs/NAME --out DIR

Uses Keras's ExportArchive (the machinery behind `model.export`) with two endpoints whose
pre- and post-processing run inside the graph, so serving needs no DeepColor code:
- ``serve`` (also ``serving_default``): one uint8 image [H, W, C], C = 1 (gray), 3 (RGB) or 2/4
  (alpha is dropped), any H and W -> colorized uint8 RGB [H, W, 3] of the same size.
- ``serve_encoded``: the bytes of a JPEG/PNG/BMP/GIF/WebP file -> colorized uint8 RGB [H, W, 3],
  upright: a JPEG's EXIF orientation is applied in the graph, as `deepcolor.colorize` applies it
  (other formats' rare EXIF tags are not read in-graph). Files whose JPEG/PNG/
  GIF/BMP header announces more than --max-pixels are refused before decoding (an error naming
  the limit), so a decompression bomb never allocates.

    loaded = tf.saved_model.load(DIR)
    rgb = loaded.serve(tf.constant(uint8_image))
"""

import argparse
import os
import sys

from deepcolor.files import atomic_path
from deepcolor.runs import add_debug_flag, run_cli
from deepcolor.cli import prog_name
from deepcolor.data.images import DEFAULT_MAX_PIXELS


def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.export"), description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True,
                   help="run directory written by deepcolor.train, or a preset name such as `default` (the shipped model)")
    p.add_argument("--out", required=True, help="SavedModel directory to write (replaced if it exists)")
    p.add_argument("--which", default="best", choices=("best", "last"),
                   help="checkpoint to export (default: best)")
    p.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS,
                   help="serve_encoded refuses images whose header announces more pixels, before "
                        f"decoding (default: {DEFAULT_MAX_PIXELS:,})")
    add_debug_flag(p)
    return p


def export_run(run_dir, out, which="best", max_pixels=DEFAULT_MAX_PIXELS):
    import keras
    import tensorflow as tf
    from deepcolor import runs
    from deepcolor.color.encodings import get_encoding
    from deepcolor.data.image_ops import decode_upright
    from deepcolor.inference.colorizer import as_rgb, colorize_uint8

    from deepcolor.api import load
    loaded = load(run_dir, which)  # the one place a run directory (or preset) becomes a model
    s, model, model_path = loaded.settings, loaded.keras_model, loaded.source
    encoding = get_encoding(loaded.encoding)
    size, resize, border, decoding = loaded.image_size, loaded.resize, loaded.border, loaded.decoding

    @tf.function(input_signature=[tf.TensorSpec([None, None, None], tf.uint8, name="image")])
    def serve(image):
        return colorize_uint8(model, encoding, as_rgb(image), size, resize, border, decoding)

    @tf.function(input_signature=[tf.TensorSpec([], tf.string, name="encoded_image")])
    def serve_encoded(data):
        return colorize_uint8(model, encoding, decode_upright(data, max_pixels=max_pixels), size, resize, border, decoding)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", serve)
    archive.add_endpoint("serve_encoded", serve_encoded)

    out = os.path.abspath(out)
    with atomic_path(out) as tmp:
        archive.write_out(tmp, verbose=False)
        os.makedirs(os.path.join(tmp, "assets.extra"), exist_ok=True)
        runs.write_json(os.path.join(tmp, "assets.extra", "deepcolor.json"),
                        {"run": os.path.abspath(run_dir), "checkpoint": model_path,
                         "arch": s.get("arch") or type(model).__name__, "encoding": loaded.encoding, "image_size": size,
                         "resize": resize, "max_pixels": max_pixels, "versions": runs.package_versions()})
    return out


def main(argv=None):
    args = build_parser().parse_args(argv)
    out = export_run(args.run, args.out, args.which, args.max_pixels)
    print(f"exported {args.run} ({args.which}) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
