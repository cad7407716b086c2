#!/usr/bin/env bash
# The example study of results/study/: 40 held-out test photos of the default model's split (never
# trained on), three methods, 20 scripted participants (not people), the report, and screenshots.
set -euo pipefail
PY=${PY:-.venv/bin/python}
DATA_ROOT=${DEEPCOLOR_DATA_ROOT:-../shared/data}  # the folder holding photos/ and ade20k_val1500/
STUDY=${STUDY:-runs/study_example}
REAL="$STUDY-real"
rm -rf "$STUDY" "$REAL"
mkdir -p "$REAL"
$PY - "$DATA_ROOT" "$REAL" <<'PYTHON'
import json, os, random, sys
root, real = sys.argv[1:]
test = json.load(open("runs/default/splits.json"))["test"]  # the default model's held-out photos
for ident in sorted(random.Random(0).sample(test, 40)):
    os.symlink(os.path.abspath(os.path.join(root, ident)), os.path.join(real, ident.replace("/", "__")))
PYTHON
$PY -m deepcolor.study create --name "$STUDY" --real "$REAL" --assignment interleaved \
    --method gray=gray --method deepcolor_default=default --method regression_unet=runs/compare/regression_ab
$PY -m deepcolor.study simulate "$STUDY" --participants 20 --policy colourfulness
$PY -m deepcolor.study report "$STUDY" --out results/study/example
PYTHONPATH=. $PY scripts/study/screenshots.py "$STUDY" results/study
PY=$PY bash scripts/study/colorize_page.sh
