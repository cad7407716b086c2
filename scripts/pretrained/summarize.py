"""Collects validation metrics into a markdown table:
    python scripts/pretrained/summarize.py runs/compare > results/pretrained/compare.md   (the recipes)
    python scripts/pretrained/summarize.py runs default_ft --choose > results/pretrained/tuning.md
        (one run's decodings; --choose applies the rule of tune_default.sh and writes decoding.json)"""

import glob
import json
import os
import sys

choose = "--choose" in sys.argv
args = [a for a in sys.argv[1:] if a != "--choose"]
root = args[0] if args else "runs/compare"
only = args[1] if len(args) > 1 else "*"
candidates = []
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
    if m.get("render_size") and m["render_size"] != m.get("image_size"):
        decoding += f", rendered at {m['render_size']}²"
    candidates.append((m, ours, gray))
    lines.append(f"| {os.path.basename(run)} | {decoding} | {ours['psnr']:.2f} | {ours['auc_ab']:.4f} | "
                 f"{ours['colorfulness']:.2f} | {ours['delta_colorfulness']:.2f} | {minutes:.1f} |")
if gray:
    lines.append(f"| gray baseline | – | {gray['psnr']:.2f} | {gray['auc_ab']:.4f} | {gray['colorfulness']:.2f} | "
                 f"{gray['delta_colorfulness']:.2f} | – |")
if choose and candidates:
    # The targets, on the validation split: colourful (ΔCF <= 12) and still right (PSNR and AuC
    # above the gray baseline's). Among the settings meeting all three, the highest AuC; if none meets
    # all three, the highest AuC among those with ΔCF <= 12 (and the card says which targets fail).
    def meets_all(c):
        _, ours, gray = c
        return ours["delta_colorfulness"] <= 12 and ours["psnr"] > gray["psnr"] and ours["auc_ab"] > gray["auc_ab"]
    pool = [c for c in candidates if meets_all(c)] or [c for c in candidates if c[1]["delta_colorfulness"] <= 12]
    m, ours, gray = max(pool, key=lambda c: c[1]["auc_ab"])
    chosen = {"temperature": m.get("temperature") or 0.38, "prior_exponent": m.get("prior_exponent") or 0.0,
              "render_size": m.get("render_size") or m["image_size"], "image_size": m["image_size"],
              "meets_all_targets_on_val": meets_all((m, ours, gray))}
    json.dump(chosen, open(os.path.join("results", "pretrained", "decoding.json"), "w"), indent=1)  # run from the repository root
    lines += ["", f"Chosen by the rule: temperature {chosen['temperature']:g}, prior exponent "
              f"{chosen['prior_exponent']:+g} (all three targets met on val: "
              f"{'yes' if chosen['meets_all_targets_on_val'] else 'no'}); written to decoding.json."]
print("\n".join(lines))
