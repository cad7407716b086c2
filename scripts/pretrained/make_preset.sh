#!/usr/bin/env bash
# The test split, once, with the decoding tune_default.sh chose on val (decoding.json); then the default
# preset and its model card from the trained run and these committed evaluations.
set -euo pipefail
PY=${PY:-.venv/bin/python}
RUN=${RUN:-runs/default_ft}
# the photo folders, as train_default.sh names them (the card writes them as $DEEPCOLOR_PHOTOS, ...)
export DEEPCOLOR_PHOTOS=${DEEPCOLOR_PHOTOS:-../shared/data/photos} DEEPCOLOR_ADE20K=${DEEPCOLOR_ADE20K:-../shared/data/ade20k_val1500}
read -r T E < <($PY -c "
import json; d = json.load(open('results/pretrained/decoding.json'))
assert d['render_size'] == d['image_size'], 'a preset predicts at its own size: choose a decoding at it'
print(d['temperature'], d['prior_exponent'])")

$PY -m deepcolor.evaluate --run "$RUN" --split test --temperature "$T" --prior-exponent "$E" --samples 16 \
    --out results/pretrained/test
$PY -m deepcolor.pretrained --run "$RUN" --name v1 --temperature "$T" --prior-exponent "$E" \
    --eval results/pretrained/test/metrics.json \
    --compare results/pretrained/reasoning.md results/pretrained/compare.md results/pretrained/tuning_header.md results/pretrained/tuning.md \
    --notes results/pretrained/failure_modes.md --samples-image ../../../results/pretrained/test/samples.png
