"""Default model v2's decoding, chosen on the validation split by the rule in tune_v2.sh:
    python scripts/pretrained/v2/choose_decoding.py runs/v2_ft > results/pretrained/v2/tuning.md
Writes results/pretrained/v2/decoding.json."""

import glob
import json
import os
import sys

run = sys.argv[1] if len(sys.argv) > 1 else "runs/v2_ft"
TARGETS = {  # name -> test(ours, gray), the targets
    "PSNR >= gray + 1 dB": lambda o, g: o["psnr"] >= g["psnr"] + 1.0,
    "AuC >= gray + 2.5 points": lambda o, g: o["auc_ab"] >= g["auc_ab"] + 0.025,
    "ΔCF <= 10": lambda o, g: o["delta_colorfulness"] <= 10,
    "SSIM >= gray": lambda o, g: o["ssim"] >= g["ssim"],
}
rows, candidates = [], []
for path in sorted(glob.glob(os.path.join(run, "eval_val_*", "metrics.json"))):
    m = json.load(open(path))
    ours, gray = list(m["rows"].values())
    met = [name for name, test in TARGETS.items() if test(ours, gray)]
    candidates.append((len(met), ours["auc_ab"], m, met))
    rows.append(f"| T={m['temperature']:g}, E={m['prior_exponent'] or 0:+g} | {ours['psnr']:.2f} | {ours['auc_ab']:.4f} | "
                f"{ours['ssim']:.4f} | {ours['colorfulness']:.2f} | {ours['delta_colorfulness']:.2f} | "
                f"{ours['neutral_chroma']:.2f} | {len(met)} |")
lines = [f"Validation split of `{run}` ({candidates[0][2]['images']} photos), metrics at 256² on the colorize path.", "",
         "| decoding | PSNR dB | AuC | SSIM | CF | ΔCF | neutral chroma | targets met |",
         "|---|---|---|---|---|---|---|---|", *rows,
         f"| gray baseline | {gray['psnr']:.2f} | {gray['auc_ab']:.4f} | {gray['ssim']:.4f} | {gray['colorfulness']:.2f} | "
         f"{gray['delta_colorfulness']:.2f} | {gray['neutral_chroma']:.2f} | – |"]
count, _, m, met = max(candidates, key=lambda c: (c[0], c[1]))
chosen = {"temperature": m["temperature"], "prior_exponent": m["prior_exponent"] or 0.0,
          "image_size": m["image_size"], "targets_met_on_val": met}
json.dump(chosen, open(os.path.join("results", "pretrained", "v2", "decoding.json"), "w"), indent=1)  # run from the repository root
lines += ["", f"Chosen by the rule: temperature {chosen['temperature']:g}, prior exponent "
          f"{chosen['prior_exponent']:+g}; targets met on val: {count} of 4 ({', '.join(met) or 'none'}). "
          "Written to decoding.json."]
print("\n".join(lines))
