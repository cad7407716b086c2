"""Seed 001: color-biased models and their ensembles (Table I, validation MSE on a, b / 128).

Landscape photos letterboxed to 256x256 (aspect kept, black padding), Lab, input L/100, target
`ab_pm1` (tanh), MSE, Adam 1e-3, no weight decay, batch 4, 2,000 batches per model; ResNet-18 stem
to layer2 + upsampling decoder. Subsets of 24 images (blue, yellow, green), their unions BY and BGY,
and an 864-image random baseline; one shared 32-image validation set disjoint from all of them.
Combined models: the mean of the blue and yellow models' predictions (BY-combined), of all three
(BGY-combined).
Choices left open (ours):
- The authors picked the subsets by eye from their landscape photos; we pick them from any folder
  by a documented, seeded hue/saturation statistic (deepcolor/data/colorbias.py; see its contact
  sheet with `python -m deepcolor.data.colorbias`). Default source: ../shared/data/photos.
- "2,000 batches per model": one epoch of 2,000 steps (the small subsets repeat, reshuffled).
- ResNet-18 starts from random weights by default (keras.applications has no ResNet-18); pass
  `--weights resnet18.npz` (torchvision's ImageNet state_dict, conv1 summed over RGB) to start from
  ImageNet as the report's pretrained stem did.
"""

from deepcolor.experiments import make

PAPER = "001 Color-biased"
SOURCE = "folder:../shared/data/photos"
BASE = dict(arch="resnet18", encoding="ab_pm1", image_size=256, resize="letterbox", loss="mse",
            optimizer="adam", lr=1e-3, batch_size=4, epochs=1, steps_per_epoch=2000, weights="none")
TABLE = {"blue": 0.2780, "yellow": 0.0353, "green": 0.0260, "BY": 0.0238, "BGY": 0.0198, "baseline": 0.1371}
COMBINED = {"BY": (("blue", "yellow"), 0.0156), "BGY": (("blue", "green", "yellow"), 0.0146)}


def experiments():
    rows = [make(PAPER, f"colorbias_{subset}", f"Table I: {subset}", {"val MSE": mse},
                 **BASE, data=f"colorbias:{subset}:{SOURCE}") for subset, mse in TABLE.items()]
    for name, (members, mse) in COMBINED.items():
        rows.append(make(PAPER, f"colorbias_{name}_combined", f"Table I: {name}-combined (mean of models)",
                         {"val MSE": mse}, **BASE, data=f"colorbias:{name}:{SOURCE}",
                         ensemble=",".join(f"colorbias_{m}" for m in members)))
    return rows
