#!/usr/bin/env bash
# Trains the default model (deepcolor/pretrained/default). Re-running resumes; raise EPOCHS to go on.
# Recipe from compare.sh (see compare.md): Zhang's 313-bin classification with ImageNet-prior
# rebalancing, report 002's U-Net one level deeper (twice the receptive field at 128x128), its 313-bin
# head at half size, random crops and flips.
set -euo pipefail
PY=${PY:-.venv/bin/python}
DATA="folder:${DEEPCOLOR_PHOTOS:-../shared/data/photos}+folder:${DEEPCOLOR_ADE20K:-../shared/data/ade20k_val1500}"
$PY -m deepcolor.train --arch unet --data "$DATA" --image-size 128 --epochs "${EPOCHS:-20}" --batch-size 16 \
    --lr 3e-4 --augment crop_flip --seed 0 --encoding ab_bins --loss cross_entropy --rebalance prior \
    --model-option head=half --model-option 'filters=[64,128,256,256,256]' --out "${OUT:-runs/default}"
