#!/usr/bin/env bash
# The small comparison behind the default model's recipe: four U-Net recipes trained the same way
# (64x64, 6 epochs, batch 16, Adam 3e-4, crop+flip augmentation, seed 0) on the same photos, then
# evaluated on the same validation split (the test split is kept for the chosen model's card).
# Usage: bash scripts/pretrained/compare.sh   (DEEPCOLOR_PHOTOS / DEEPCOLOR_ADE20K: the two folders)
set -euo pipefail
PY=${PY:-.venv/bin/python}
DATA="folder:${DEEPCOLOR_PHOTOS:-../shared/data/photos}+folder:${DEEPCOLOR_ADE20K_DIR:-../shared/data/ade20k_val1500}"
COMMON=(--arch unet --data "$DATA" --image-size 64 --epochs 6 --batch-size 16 --lr 3e-4 --augment crop_flip --seed 0)
OUT=${OUT:-runs/compare}
run() {
  local name=$1; shift
  $PY -m deepcolor.train "${COMMON[@]}" --out "$OUT/$name" "$@"
  $PY -m deepcolor.evaluate --run "$OUT/$name" --split val --out "$OUT/$name/eval_val"
}
run regression_ab --encoding ab_pm1 --loss mse
run bins_rebalance_train --encoding ab_bins --loss cross_entropy --rebalance train --model-option head=half
run bins_rebalance_prior --encoding ab_bins --loss cross_entropy --rebalance prior --model-option head=half
run bins_no_rebalance --encoding ab_bins --loss cross_entropy --rebalance none --model-option head=half
run bins_prior_unet5 --encoding ab_bins --loss cross_entropy --rebalance prior --model-option head=half \
    --model-option 'filters=[64,128,256,256,256]'
