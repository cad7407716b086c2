#!/usr/bin/env bash
# The test split, once, with the decoding tune_v2.sh chose on val (decoding.json), v1 beside v2 on the same
# photos in one command (per source folder too, with the neutral-chroma column); the `default` preset (v2);
# the speed of both presets in one run (speed.py); then v2's model card with all of it.
# v1 stays loadable as the preset `v1`.
set -euo pipefail
PY=${PY:-.venv/bin/python}
RUN=${RUN:-runs/v2_ft}
export DEEPCOLOR_PHOTOS=${DEEPCOLOR_PHOTOS:-../shared/data/photos} DEEPCOLOR_ADE20K=${DEEPCOLOR_ADE20K:-../shared/data/ade20k_val1500}
read -r T E < <($PY -c "
import json; d = json.load(open('results/pretrained/v2/decoding.json')); print(d['temperature'], d['prior_exponent'])")
$PY -m deepcolor.evaluate --run "$RUN" --split test --temperature "$T" --prior-exponent "$E" --compare v1=v1 \
    --label "v2 (default)" --per-source --samples 24 --out results/pretrained/v2/test
preset() {
  $PY -m deepcolor.pretrained --run "$RUN" --name default --temperature "$T" --prior-exponent "$E" \
      --eval results/pretrained/v2/test/metrics.json --compare "$@" \
      --notes results/pretrained/v2/failure_modes.md --samples-image ../../../results/pretrained/v2/test/samples.png
}
preset results/pretrained/v2/tuning.md
PYTHONPATH=. $PY scripts/pretrained/v2/speed.py > results/pretrained/v2/speed.md
preset results/pretrained/v2/tuning.md results/pretrained/v2/speed.md
