"""Show what a `--data` spec yields, without training: counts per split and skipped samples.

    python -m deepcolor.data --data coco:~/fiftyone/coco-2017/validation --max-samples 100
"""

import argparse
import sys

from deepcolor.data.images import DEFAULT_MAX_PIXELS
from deepcolor.data.sources import SOURCES_HELP
from deepcolor.runs import add_debug_flag, run_cli
from deepcolor.cli import prog_name


def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.data"), description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", required=True, help=f"source: {SOURCES_HELP}")
    p.add_argument("--max-samples", type=int, default=0, help="seeded subset size (0 = all; hub sources: 5000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the subset and the split")
    p.add_argument("--split", default="0.8,0.1,0.1", help="train,val,test fractions for the hash split")
    p.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, help="pixel limit per image")
    p.add_argument("--list", metavar="FILE", help="also write every id with its split as JSON to FILE (default: none)")
    p.add_argument("--colorbias-sheet", metavar="PNG", default=None,
                   help="also draw report 001's colour-biased picks from this source (validation set, blue, "
                        "yellow, green; deepcolor/data/colorbias.py) as a contact sheet (default: none)")
    add_debug_flag(p)
    return p


def parse_args(argv):
    return build_parser().parse_args(argv)


def main(argv):
    from deepcolor.data import resolve_source, scan_records, split_records, write_splits
    from deepcolor.data.split import parse_fractions

    args = parse_args(argv)
    fractions = parse_fractions(args.split)
    records = resolve_source(args.data, args.max_samples, args.seed)
    usable, skipped = scan_records(records, args.max_pixels)
    ok = {record.id for record, _ in usable}
    splits = split_records([r for r in records if r.id in ok], fractions, args.seed)
    if args.list:
        write_splits(args.list, splits, fractions, args.seed)
    counts = ", ".join(f"{name} {len(part)}" for name, part in splits.items())
    print(f"{args.data}: {len(records)} listed, {len(usable)} usable ({counts}), {len(skipped)} skipped")
    if args.colorbias_sheet:
        from deepcolor.data.colorbias import contact_sheet, score_records, select
        picks = select(score_records(records), args.seed)
        contact_sheet(picks, args.colorbias_sheet)
        print(f"wrote {args.colorbias_sheet} (" + ", ".join(f"{k} {len(v)}" for k, v in picks.items()) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
