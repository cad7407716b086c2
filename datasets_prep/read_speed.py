"""Time how fast `--data` specs feed the training pipeline, side by side in one run.

    python datasets_prep/read_speed.py folder:$DEEPCOLOR_PHOTOS shards:shards/photos256

For each spec: listing + header scan time, then images/s of one uncached pass through
training_dataset (decode, resize, batch, color encoding) at --image-size.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import deepcolor.runs  # noqa: E402

deepcolor.runs.import_tensorflow_quietly()  # a command line: TensorFlow's start-up chatter stays hidden


def main(argv):
    p = argparse.ArgumentParser(prog="python datasets_prep/read_speed.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("specs", nargs="+", help="--data specs to compare")
    p.add_argument("--image-size", type=int, default=256, help="training size")
    p.add_argument("--batch-size", type=int, default=16, help="batch size")
    p.add_argument("--passes", type=int, default=2, help="timed passes per spec (the best is reported)")
    args = p.parse_args(argv)

    from deepcolor.data import resolve_source, scan_records, training_dataset
    from deepcolor.color.encodings import get_encoding

    print(f"| --data | images | list+scan s | best pass s | images/s (decode+resize+encode, {args.image_size}²) |")
    print("|---|---|---|---|---|")
    for spec in args.specs:
        started = time.perf_counter()
        usable, _ = scan_records(resolve_source(spec), log=lambda line: None)
        listed = time.perf_counter() - started
        infos = [info for _, info in usable]
        best = float("inf")
        for _ in range(args.passes):
            dataset = training_dataset(infos, get_encoding("rgb01"), args.image_size, args.batch_size,
                                       shuffle=False, cache=False)
            started = time.perf_counter()
            for _ in dataset:
                pass
            best = min(best, time.perf_counter() - started)
        print(f"| {spec} | {len(infos)} | {listed:.1f} | {best:.1f} | {len(infos) / best:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
