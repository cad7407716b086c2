#!/usr/bin/env bash
# Trains the default model (deepcolor/pretrained/default) in two phases. Re-running resumes either phase.
# Recipe from compare.sh (see compare.md): Zhang's 313-bin classification with ImageNet-prior
# rebalancing, report 002's U-Net one level deeper (twice the receptive field at 128x128), its 313-bin
# head at half size, random crops and flips.
#   phase 1: 20 epochs at a constant lr 3e-4 (runs/default); its val loss flattened after ~15 epochs
#   phase 2: from phase 1's best checkpoint, FT_EPOCHS more at lr 1e-4 decayed to 0 by a cosine (runs/default_ft)
set -euo pipefail
PY=${PY:-.venv/bin/python}
DATA="folder:${DEEPCOLOR_PHOTOS:-../shared/data/photos}+folder:${DEEPCOLOR_ADE20K:-../shared/data/ade20k_val1500}"
COMMON=(--arch unet --data "$DATA" --image-size 128 --batch-size 16 --augment crop_flip --seed 0
        --encoding ab_bins --loss cross_entropy --rebalance prior
        --model-option head=half --model-option 'filters=[64,128,256,256,256]')
PHASE1=${OUT:-runs/default}
$PY -m deepcolor.train "${COMMON[@]}" --epochs "${EPOCHS:-20}" --lr 3e-4 --out "$PHASE1"
$PY -m deepcolor.train "${COMMON[@]}" --epochs "${FT_EPOCHS:-12}" --lr 1e-4 --lr-schedule cosine \
    --init-from "$PHASE1" --out "${FT_OUT:-runs/default_ft}"
