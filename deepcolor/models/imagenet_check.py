"""Checks that converted ImageNet weights are the real thing: top-1 accuracy of the EfficientNet-Lite
classifiers on a folder of ImageNet photos whose file names start with their WordNet id
("n01440764_tench.JPEG"), in colour and on gray copies (what a colorizer's encoder sees).

    python -m deepcolor.models.imagenet_check --folder PATH [--variants efficientnet_lite0,...] [--out DIR]

Preprocessing is the usual ImageNet evaluation: EXIF orientation applied, the short side resized
(bicubic) to resolution / 0.875, a centre crop of the variant's resolution. Gray copies are PIL's
"L" (ITU-R 601 luma) repeated to three channels. A random or mis-mapped network scores about 0.1 %.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from deepcolor.errors import DeepColorError

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")


def labelled_files(folder):
    """[(path, class index)] of the photos in folder named WNID_*.ext, or DeepColorError."""
    from deepcolor.models.efficientnet_lite import imagenet_class_ids
    index = {wnid: i for i, wnid in enumerate(imagenet_class_ids())}
    if not os.path.isdir(folder):
        raise DeepColorError(f"{folder}: no such folder")
    files = []
    for name in sorted(os.listdir(folder)):
        if name.lower().endswith(IMAGE_SUFFIXES) and name.split("_")[0] in index:
            files.append((os.path.join(folder, name), index[name.split("_")[0]]))
    if not files:
        raise DeepColorError(f"{folder}: no photos named WNID_*.jpg (e.g. n01440764_tench.JPEG)")
    return files


def center_crop(path, resolution, gray=False):
    from PIL import Image, ImageOps
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
    if gray:
        image = image.convert("L").convert("RGB")
    short = int(round(resolution / 0.875))
    width, height = image.size
    scale = short / min(width, height)
    image = image.resize((max(short, round(width * scale)), max(short, round(height * scale))), Image.BICUBIC)
    left, top = (image.size[0] - resolution) // 2, (image.size[1] - resolution) // 2
    return np.asarray(image.crop((left, top, left + resolution, top + resolution)), np.float32)


def top1_accuracy(model, files, resolution, gray=False, batch_size=64):
    """Fraction of files whose most probable class is their own."""
    correct = 0
    for start in range(0, len(files), batch_size):
        chunk = files[start:start + batch_size]
        images = np.stack([center_crop(path, resolution, gray) for path, _ in chunk])
        predicted = np.asarray(model.predict_on_batch(images)).argmax(-1)
        correct += int(sum(p == label for p, (_, label) in zip(predicted, chunk)))
    return correct / len(files)


def measure(folder, variants, gray=True):
    """{variant: {"color": top-1, "gray": top-1, "images": n, "seconds": s}}."""
    from deepcolor.models.efficientnet_lite import VARIANTS, imagenet_backbone
    files = labelled_files(folder)
    results = {}
    for variant in variants:
        start = time.time()
        model = imagenet_backbone(variant, include_top=True)
        resolution = VARIANTS[variant][2]
        row = {"resolution": resolution, "images": len(files), "color": top1_accuracy(model, files, resolution)}
        if gray:
            row["gray"] = top1_accuracy(model, files, resolution, gray=True)
        row["seconds"] = round(time.time() - start, 1)
        results[variant] = row
    return results


# The published ImageNet val top-1 of Google's EfficientNet-Lite models (their README), for the table.
PUBLISHED_TOP1 = {"efficientnet_lite0": 75.1, "efficientnet_lite1": 76.7, "efficientnet_lite2": 77.6}


def table(results, folder_label):
    lines = [f"Top-1 on {folder_label} ({next(iter(results.values()))['images']} photos, one per class):", "",
             "| model | input | colour photos | gray copies | published (ImageNet val, colour) |",
             "|---|---|---|---|---|"]
    for variant, row in results.items():
        gray = f"{100 * row['gray']:.1f} %" if "gray" in row else "–"
        lines.append(f"| {variant} | {row['resolution']}² | {100 * row['color']:.1f} % | {gray} | "
                     f"{PUBLISHED_TOP1[variant]} % |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    from deepcolor.models.efficientnet_lite import VARIANTS
    parser = argparse.ArgumentParser(prog="python -m deepcolor.models.imagenet_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", required=True, help="photos named WNID_*.JPEG")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated (default: %(default)s)")
    parser.add_argument("--no-gray", action="store_true", help="skip the gray copies")
    parser.add_argument("--out", default="", help="write top1.md and top1.json here (default: print only)")
    args = parser.parse_args(argv)
    results = measure(args.folder, [v for v in args.variants.split(",") if v], gray=not args.no_gray)
    text = table(results, os.path.basename(os.path.normpath(args.folder)))
    print(text, end="")
    if args.out:
        from deepcolor import runs
        os.makedirs(args.out, exist_ok=True)
        command = runs.command_line("deepcolor.models.imagenet_check")
        runs.atomic_write_text(os.path.join(args.out, "top1.md"), text + f"\nCommand: `{command}`\n")
        runs.write_json(os.path.join(args.out, "top1.json"), {"results": results, "command": command})
    return 0


if __name__ == "__main__":
    from deepcolor.runs import run_cli
    sys.exit(run_cli(main))
