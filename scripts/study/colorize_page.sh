#!/usr/bin/env bash
# The colorize page's screenshot (colorize_page.png): the shipped default model, the first three photos
# (by name) of its test split, two variants of the first.
set -euo pipefail
PY=${PY:-.venv/bin/python}
ADE=${DEEPCOLOR_ADE20K:-../shared/data/ade20k_val1500}
PYTHONPATH=. $PY scripts/study/screenshots.py --colorize-page results/study \
    "$ADE/images/ADE_val_00000005.jpg" "$ADE/images/ADE_val_00000039.jpg" "$ADE/images/ADE_val_00000047.jpg"
