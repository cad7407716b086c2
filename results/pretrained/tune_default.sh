#!/usr/bin/env bash
# Chooses the default model's decoding on the VALIDATION split (the test split is only used once,
# for the model card): the prior exponent E (see encodings.AbBins.chroma) at Zhang et al.'s temperature
# T = 0.38 (in the comparison, T moved the figures far less than E).
# Rule: among the settings whose colourfulness gap to the real photos (ΔCF) is at most 12, the one
# with the highest AuC; the card then reports the test split with that setting.
set -euo pipefail
PY=${PY:-.venv/bin/python}
RUN=${RUN:-runs/default}
for t in 0.38; do
  for e in 0 -0.1 -0.15 -0.2 -0.25 -0.3; do
    out="$RUN/eval_val_T${t}_E${e}"
    [ -f "$out/metrics.json" ] || $PY -m deepcolor.evaluate --run "$RUN" --split val --temperature "$t" \
        --prior-exponent "$e" --out "$out" --samples 0
  done
done
$PY results/pretrained/summarize.py "$RUN/.." default > results/pretrained/tuning.md
