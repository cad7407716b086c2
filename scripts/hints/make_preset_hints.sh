#!/usr/bin/env bash
# After train_hints.sh: the hint model's decoding chosen on the validation split, the test split once, the
# preset `hints` and its model card.
#   1. val: the curve (PSNR against 0-50 true-colour hints, v2 beside it) at the two temperatures in question,
#      v2's 0.6 and the encoding's default 0.38; the rule: the higher PSNR with 10 hints, provided that with
#      none the hint model stays within 0.1 dB of v2 (then it can stand in for v2) -> results/hints/val/
#   2. test: the curve at that temperature -> results/hints/test/ (curve.md/json/png, example.png), and
#      `deepcolor evaluate` without hints, v2 beside it, for the card's table -> results/hints/test/automatic/
#   3. the preset deepcolor/pretrained/hints/ and its card (notes.md, its failure modes, written from 1-2;
#      card_figure.md puts the curve in it).
set -euo pipefail
PY=${PY:-.venv/bin/python}
RUN=${RUN:-runs/hints_more}
export DEEPCOLOR_PHOTOS=${DEEPCOLOR_PHOTOS:-../shared/data/photos} DEEPCOLOR_ADE20K=${DEEPCOLOR_ADE20K:-../shared/data/ade20k_val1500}
for T in 0.38 0.6; do
  PYTHONPATH=. $PY scripts/hints/curve.py --run "$RUN" --split val --temperature "$T" --counts 0,10 --examples 0 \
      --out "results/hints/val/t$T"
done
T=$($PY - <<'PY'
import json
rows = {t: json.load(open(f"results/hints/val/t{t}/curve.json")) for t in ("0.38", "0.6")}
fits = {t: r for t, r in rows.items() if r["rows"]["0"]["psnr"] >= r["automatic_psnr"] - 0.1} or rows
print(max(fits, key=lambda t: fits[t]["rows"]["10"]["psnr"]))
PY
)
echo "temperature chosen on val: $T"
PYTHONPATH=. $PY scripts/hints/curve.py --run "$RUN" --split test --temperature "$T" --out results/hints/test
$PY -m deepcolor.evaluate --run "$RUN" --split test --temperature "$T" --compare v2=default \
    --label "hint model, no hints" --per-source --samples 8 --out results/hints/test/automatic
$PY -m deepcolor.pretrained --run "$RUN" --name hints --temperature "$T" --eval results/hints/test/automatic/metrics.json \
    --compare results/hints/val/t0.38/curve.md results/hints/val/t0.6/curve.md results/hints/card_figure.md \
    results/hints/test/curve.md --notes results/hints/notes.md --samples-image ../../../results/hints/test/example.png \
    --samples-caption "gray / v2 / the hint model with 10 random true-colour hints (dots) / truth, test photos"
