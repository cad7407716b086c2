#!/usr/bin/env bash
# Decoding options of each classification recipe, swept on the validation split: the annealed-mean
# temperature T, and the prior exponent E (bin probabilities times Zhang's prior class weights^E).
set -euo pipefail
PY=${PY:-.venv/bin/python}
OUT=${OUT:-runs/compare}
for run in "$OUT"/bins_*; do
  for t in ${TEMPERATURES:-0.3 0.5 0.7}; do
    $PY -m deepcolor.evaluate --run "$run" --split val --temperature "$t" --out "$run/eval_val_T$t" --samples 0
  done
  for e in ${EXPONENTS:--0.5 -0.25 0.5 1}; do
    $PY -m deepcolor.evaluate --run "$run" --split val --prior-exponent "$e" --out "$run/eval_val_E$e" --samples 0
  done
done
