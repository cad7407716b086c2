#!/usr/bin/env bash
# Trains the hint model (the preset `hints`): default model v2 with a hint branch (deepcolor/models/unet.py,
# hints=True, hint_design=gated), warm-started from v2's weights, with everything of v2 frozen (the ImageNet
# encoder, the decoder and its head: decoder_trainable=false): only the hint branch learns, so without hints
# the model is v2 exactly (the branch has no biases), however long it trains. The branch is trained on hints
# revealed from the true colours (deepcolor/color/hints.py: simulate_hints; a quarter of the images get none).
# Same data, seed and 80/10/10 split as v1 and v2. Re-running resumes.
#   phase 1: 8 epochs, Adam 1e-3 falling to 0 by a cosine (runs/hints_gated)
#   phase 2: from phase 1's best checkpoint, 6 more epochs from 5e-4 by a cosine (runs/hints_gated_more): the
#            validation loss was still falling at the end of phase 1
set -euo pipefail
PY=${PY:-.venv/bin/python}
DATA="folder:${DEEPCOLOR_PHOTOS:-../shared/data/photos}+folder:${DEEPCOLOR_ADE20K:-../shared/data/ade20k_val1500}"
COMMON=(--arch unet --data "$DATA" --image-size 192 --batch-size 16 --augment crop_flip --seed 0
        --encoding ab_bins --loss cross_entropy --rebalance none --weights imagenet
        --model-option head=half --model-option encoder=efficientnet_lite0 --model-option encoder_trainable=false
        --model-option hints=true --lr-schedule cosine
        --model-option hint_design=gated --model-option decoder_trainable=false)
PHASE1=${OUT:-runs/hints_gated}
$PY -m deepcolor.train "${COMMON[@]}" --init-from default --epochs "${EPOCHS:-8}" --lr 1e-3 --out "$PHASE1"
$PY -m deepcolor.train "${COMMON[@]}" --init-from "$PHASE1" --epochs "${MORE_EPOCHS:-6}" --lr 5e-4 \
    --out "${MORE_OUT:-runs/hints_gated_more}"
