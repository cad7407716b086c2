"""Colorize speed of default model v2 beside v1, in one run on this machine (file -> file, as users run it):
    python scripts/pretrained/v2/speed.py > results/pretrained/v2/speed.md
- one 12 MP photo (4000x3000 JPEG: a real photo upscaled), the median of 3 runs after a warm-up;
- a folder of 100 photos of 0.5 MP (816x612 JPEGs: real photos resized), one pass after a warm-up.
The photos come from $DEEPCOLOR_PHOTOS (BSDS500); both models colorize the same files into fresh folders.
"""

import os
import statistics
import sys
import tempfile
import time

from PIL import Image

from deepcolor.api import load
from deepcolor.inference.colorize_files import colorize_files, plan_outputs

PHOTOS = os.path.join(os.environ.get("DEEPCOLOR_PHOTOS", "../shared/data/photos"), "bsds500")
MODELS = {"v1": "v1", "v2 (default)": "default"}


def make_inputs(work):
    names = sorted(n for n in os.listdir(PHOTOS) if n.endswith(".jpg"))
    big = os.path.join(work, "big", "photo_12mp.jpg")
    os.makedirs(os.path.dirname(big))
    Image.open(os.path.join(PHOTOS, names[0])).convert("RGB").resize((4000, 3000), Image.BICUBIC).save(big, quality=92)
    folder = os.path.join(work, "folder")
    os.makedirs(folder)
    for k, name in enumerate(names[1:101]):
        image = Image.open(os.path.join(PHOTOS, name)).convert("RGB")
        size = (816, 612) if image.width >= image.height else (612, 816)
        image.resize(size, Image.BICUBIC).save(os.path.join(folder, f"{k:03d}.jpg"), quality=92)
    return big, folder


def main():
    work = tempfile.mkdtemp(prefix="deepcolor_speed_")
    big, folder = make_inputs(work)
    rows = []
    for label, source in MODELS.items():
        colorizer = load(source).colorizer()
        out = os.path.join(work, "out_" + source)
        jobs, _ = plan_outputs([big], os.path.join(out, "big"))
        colorize_files(jobs, colorizer, overwrite=True)  # warm-up: traces the graph for this size
        times = []
        for _ in range(3):
            started = time.perf_counter()
            colorize_files(jobs, colorizer, overwrite=True)
            times.append(time.perf_counter() - started)
        jobs, _ = plan_outputs([folder], os.path.join(out, "folder"))
        colorize_files(jobs[:3], colorizer, overwrite=True)
        started = time.perf_counter()
        counts = colorize_files(jobs, colorizer, overwrite=True)
        folder_seconds = time.perf_counter() - started
        assert counts["failed"] == 0, counts
        rows.append((label, statistics.median(times), folder_seconds, len(jobs)))
    base = rows[0]
    print("| model | 12 MP photo, file -> file (s) | 100 photos of 0.5 MP (s) | photos/s | vs v1 (12 MP / folder) |")
    print("|---|---|---|---|---|")
    for label, big_s, folder_s, count in rows:
        print(f"| {label} | {big_s:.2f} | {folder_s:.1f} | {count / folder_s:.1f} | "
              f"{big_s / base[1]:.2f}× / {folder_s / base[2]:.2f}× |")
    print(f"\nMachine: {os.cpu_count()} CPU cores, no GPU. "
          f"Command: `python scripts/pretrained/v2/speed.py` (same run, same files).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
