#!/usr/bin/env bash
# Chooses default model v2's decoding on the VALIDATION split (the test split is used once, by
# make_preset_v2.sh): Zhang et al.'s annealed mean at temperature T, after reweighting the 313 bin
# probabilities by the ImageNet prior to the power E (E > 0: rarer, more colourful colours).
# Rule (choose_decoding.py): the setting that meets the most of the four targets on val (PSNR >= gray
# + 1 dB, AuC >= gray + 0.025, ΔCF <= 10, SSIM >= gray's), ties broken by the higher AuC.
set -euo pipefail
PY=${PY:-.venv/bin/python}
RUN=${RUN:-runs/v2_ft}
for t in 0.38 0.6; do
  for e in 0 0.25 0.5 0.75 1; do
    out="$RUN/eval_val_T${t}_E${e}"
    [ -f "$out/metrics.json" ] || $PY -m deepcolor.evaluate --run "$RUN" --split val --temperature "$t" \
        --prior-exponent "$e" --out "$out" --samples 0
  done
done
$PY scripts/pretrained/v2/choose_decoding.py "$RUN" > results/pretrained/v2/tuning.md
cat results/pretrained/v2/tuning.md
