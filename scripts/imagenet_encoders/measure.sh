#!/usr/bin/env bash
# Top-1 of the converted EfficientNet-Lite 0/1/2 on the ImageNet sample photos, colour and gray -> top1.md
set -euo pipefail
PY=${PY:-.venv/bin/python}
$PY -m deepcolor.models.imagenet_check --folder "${DEEPCOLOR_PHOTOS:-../shared/data/photos}/imagenet_sample1000" \
    --out results/imagenet_encoders
