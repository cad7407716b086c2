#!/usr/bin/env bash
# Writes the default preset and its model card from the trained run and the committed evaluations.
# The decoding (prior exponent -0.2) is the one tune_default.sh's rule picks on the validation split.
set -euo pipefail
PY=${PY:-.venv/bin/python}
$PY -m deepcolor.pretrained --run "${RUN:-runs/default}" --name default --prior-exponent -0.2 \
    --eval results/pretrained/test/metrics.json \
    --compare results/pretrained/reasoning.md results/pretrained/compare.md results/pretrained/tuning_header.md results/pretrained/tuning.md \
    --notes results/pretrained/failure_modes.md --samples-image ../../../results/pretrained/test/samples.png
