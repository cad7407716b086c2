"""Materialize any `--data` source into sharded TFRecords with a manifest and checksums.

    python datasets_prep/make_shards.py --data coco --max-samples 5000 --out shards/coco

Rerunning the same command after an interruption verifies the shards already written and
writes only the rest. Read the result back with `--data shards:shards/coco`.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import deepcolor.runs  # noqa: E402

deepcolor.runs.import_tensorflow_quietly()  # a command line: TensorFlow's start-up chatter stays hidden

from deepcolor.data.images import DEFAULT_MAX_PIXELS  # noqa: E402
from deepcolor.data.image_ops import RESIZE_MODES  # noqa: E402
from deepcolor.data.sources import SOURCES_HELP  # noqa: E402
from deepcolor.runs import add_debug_flag, run_cli  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python datasets_prep/make_shards.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", required=True, help=f"source to materialize: {SOURCES_HELP}")
    p.add_argument("--max-samples", type=int, default=0,
                   help="seeded random subset of at most this many images (0 = all; hub sources: 5000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the subset (and of hub streaming shuffles)")
    p.add_argument("--image-size", type=int, default=256,
                   help="store images resized to this square size as JPEG; 0 keeps the original bytes")
    p.add_argument("--resize", choices=RESIZE_MODES, default="squash", help="how to make images square")
    p.add_argument("--quality", type=int, default=95, help="JPEG quality of resized images (4:4:4 chroma)")
    p.add_argument("--shard-size", type=int, default=1000, help="images per shard file")
    p.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS,
                   help="skip images whose header announces more pixels (decompression bombs)")
    p.add_argument("--out", required=True, help="folder for the shards and manifest.json")
    p.add_argument("--overwrite", action="store_true",
                   help="delete shards made with other settings in --out instead of refusing")
    add_debug_flag(p)
    args = p.parse_args(argv)
    if args.shard_size < 1 or args.image_size < 0 or not 1 <= args.quality <= 100:
        p.error("--shard-size must be >= 1, --image-size >= 0, --quality 1..100")
    return args


def main(argv):
    from deepcolor.data.shard_writer import write_shards
    from deepcolor.runs import command_line

    args = parse_args(argv)
    settings = {key: getattr(args, key) for key in ("data", "max_samples", "seed", "image_size", "resize",
                                                     "quality", "shard_size", "max_pixels")}
    command = command_line("x").replace("python -m x", "python datasets_prep/make_shards.py", 1)
    manifest = write_shards(args.out, settings, command=command, overwrite=args.overwrite)
    size = sum(s["bytes"] for s in manifest["shards"])
    print(f"{args.out}: {manifest['images']} images in {manifest['shard_count']} shards "
          f"({size / 2**20:.1f} MiB), {len(manifest['skipped'])} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
