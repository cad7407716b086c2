"""Collects validation metrics into a markdown table:
    python results/pretrained/summarize.py runs/compare > results/pretrained/compare.md   (the recipes)
    python results/pretrained/summarize.py runs default > results/pretrained/tuning.md    (one run's decodings)"""

import glob
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "runs/compare"
only = sys.argv[2] if len(sys.argv) > 2 else "*"
lines = ["| run | decoding | PSNR dB | AuC | CF | ΔCF | train min |", "|---|---|---|---|---|---|---|"]
gray = None
for path in sorted(glob.glob(os.path.join(root, only, "eval_val*", "metrics.json"))):
    m = json.load(open(path))
    run = os.path.dirname(os.path.dirname(path))
    history = [line.split(",") for line in open(os.path.join(run, "history.csv")).read().split()[1:]]
    minutes = sum(float(row[4]) for row in history) / 60
    ours, gray = list(m["rows"].values())
    decoding = "regression" if m["encoding"] == "ab_pm1" else f"annealed mean T={m.get('temperature') or 0.38}"
    if m.get("prior_exponent"):
        decoding += f", prior exponent {m['prior_exponent']:+g}"
    lines.append(f"| {os.path.basename(run)} | {decoding} | {ours['psnr']:.2f} | {ours['auc_ab']:.4f} | "
                 f"{ours['colorfulness']:.2f} | {ours['delta_colorfulness']:.2f} | {minutes:.1f} |")
if gray:
    lines.append(f"| gray baseline | – | {gray['psnr']:.2f} | {gray['auc_ab']:.4f} | {gray['colorfulness']:.2f} | "
                 f"{gray['delta_colorfulness']:.2f} | – |")
print("\n".join(lines))
