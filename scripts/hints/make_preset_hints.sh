#!/usr/bin/env bash
# After train_hints.sh: the constants of spreading hints at full resolution chosen on the validation split, the
# test split once, the preset `hints` and its model card.
#   1. val: apply_hints' spread constants (tune_spread.py; they were chosen with phase 1's checkpoint,
#      runs/hints_gated, while phase 2 trained; the chosen pair is written into deepcolor/color/hints.py by hand)
#      and the curve at 0 and 10 hints, which shows that without hints the model is v2 exactly -> results/hints/val/
#      The decoding is v2's (annealed mean, T = 0.6): without hints this model is v2, so it decodes as v2.
#   2. test: the curve (PSNR against 0-50 true-colour hints, v2 beside it, as delivered and the network alone)
#      -> results/hints/test/ (curve.md/json/png, example.png), where one hint of an unlikely colour goes
#      (one_hint.png), and `deepcolor evaluate` without hints, v2
#      beside it, for the card's table -> results/hints/test/automatic/
#   3. the preset deepcolor/pretrained/hints/ and its card (notes.md, its failure modes, written from 1-2;
#      card_figure.md puts the curve in it).
set -euo pipefail
PY=${PY:-.venv/bin/python}
RUN=${RUN:-runs/hints_gated_more}
T=0.6
export DEEPCOLOR_PHOTOS=${DEEPCOLOR_PHOTOS:-../shared/data/photos} DEEPCOLOR_ADE20K=${DEEPCOLOR_ADE20K:-../shared/data/ade20k_val1500}
if [ ! -f results/hints/val/spread/spread.json ]; then
  PYTHONPATH=. $PY scripts/hints/tune_spread.py --run "${SPREAD_RUN:-runs/hints_gated}" --temperature "$T" --limit 60 \
      --out results/hints/val/spread
fi
PYTHONPATH=. $PY scripts/hints/curve.py --run "$RUN" --split val --temperature "$T" --counts 0,10 --examples 0 \
    --out results/hints/val/curve
PYTHONPATH=. $PY scripts/hints/curve.py --run "$RUN" --split test --temperature "$T" --out results/hints/test
PYTHONPATH=. $PY scripts/hints/one_hint_figure.py --run "$RUN" --temperature "$T" --out results/hints/test/one_hint.png
$PY -m deepcolor.evaluate --run "$RUN" --split test --temperature "$T" --compare v2=default \
    --label "hint model, no hints" --per-source --samples 8 --out results/hints/test/automatic
$PY -m deepcolor.pretrained --run "$RUN" --name hints --temperature "$T" --eval results/hints/test/automatic/metrics.json \
    --compare results/hints/val/spread/spread.md results/hints/val/curve/curve.md results/hints/card_figure.md \
    results/hints/test/curve.md --notes results/hints/notes.md --samples-image ../../../results/hints/test/example.png \
    --samples-caption "gray / v2 / the hint model with 10 random true-colour hints (dots) / truth, test photos"
