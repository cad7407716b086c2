#!/usr/bin/env bash
# Decoding options of each classification recipe, swept on the validation split: the annealed-mean
# temperature T, and the prior exponent E (bin probabilities times Zhang's prior class weights^E):
# E > 0 for the unbalanced model (adds colour), E < 0 for the prior-rebalanced ones (takes some back).
set -euo pipefail
PY=${PY:-.venv/bin/python}
OUT=${OUT:-runs/compare}
declare -A EXPONENTS=([bins_no_rebalance]="0.5 1" [bins_rebalance_prior]="-0.5 -0.25" [bins_prior_unet5]="-0.5 -0.25")
for run in "$OUT"/bins_*; do
  name=$(basename "$run")
  for t in 0.3 0.5 0.7; do
    $PY -m deepcolor.evaluate --run "$run" --split val --temperature "$t" --out "$run/eval_val_T$t" --samples 0
  done
  for e in ${EXPONENTS[$name]:-}; do
    $PY -m deepcolor.evaluate --run "$run" --split val --prior-exponent "$e" --out "$run/eval_val_E$e" --samples 0
  done
done
