"""Report 002 (DeepColor): U-Net from scratch vs DenseNet121 and MobileNet v1 decoders, 10 and 30 epochs.

Table 1 of the report: MSE and PSNR on RGB [0, 1] for each model after 10 and 30 epochs.
Choices left open (ours):
- Data: `deepcolor_mix` (5,000 each of COCO-2017 val, Places365, ADE20K; 4,000 / 1,000 per source);
  the report does not say which COCO split or which Places365/ADE20K subset; metrics on its val split.
- Batch 383 as reported (it needs a large GPU; override with --batch-size).
- MobileNet gets the gray image (x3), not RGB as the seed's code did (a defect: it leaks the answer).
- No augmentation, squash-resize to 256x256, as reported.
"""

from deepcolor.experiments import Claim, Protocol, config, make

PAPER = "002 DeepColor"
# The user study ("public acceptance": share of colorized images 30 people judged real).
ACCEPTANCE = {"unet": 0.53, "densenet": 0.46, "koalarization": 0.4587}
FIGURES = {  # Table 1: (MSE, PSNR) on RGB [0,1]
    ("unet", 10): (0.006, 23.229), ("unet", 30): (0.006, 23.799),
    ("densenet", 10): (0.014, 19.073), ("densenet", 30): (0.013, 19.468),
    ("mobilenet", 10): (0.049, 13.366), ("mobilenet", 30): (0.053, 13.102),
}
BASE = config(data=dict(source="deepcolor_mix", image_size=256, split="0.8,0.2,0"),
              model=dict(encoding="rgb01", loss="mse", weights="imagenet"),
              optimizer=dict(name="adam", lr=1e-4), run=dict(batch_size=383))


def experiments():
    rows = []
    for (arch, epochs), (mse, psnr) in FIGURES.items():
        rows.append(make(PAPER, f"deepcolor_{arch}_{epochs}ep", f"Table 1: {arch}, {epochs} epochs",
                         BASE.replace(model={"arch": arch}, run={"epochs": epochs}), {"MSE": mse, "PSNR": psnr}))
    return rows


def _rows(*pairs):
    return tuple((f"deepcolor_{a}", f"deepcolor_{b}") for a, b in pairs)


PROTOCOL = Protocol(
    metric="mse_target", metric_label="MSE (RGB in [0, 1])", figure="MSE", split="val", metric_size=256,
    decimals=4, overrides={"paper": {}}, seeds={"smoke": 1, "paper": 1},
    claims=(
        Claim("unet_beats_densenet_beats_mobilenet", "U-Net beats DenseNet121, which beats MobileNet (MSE).",
              _rows(("unet_10ep", "densenet_10ep"), ("densenet_10ep", "mobilenet_10ep"), ("unet_30ep", "densenet_30ep"),
                    ("densenet_30ep", "mobilenet_30ep")), "U-Net 0.006, DenseNet 0.014, MobileNet 0.049"),
        Claim("thirty_epochs_help", "30 epochs are at least as good as 10 (U-Net, DenseNet).",
              _rows(("unet_30ep", "unet_10ep"), ("densenet_30ep", "densenet_10ep")), "(Table 1)"),
    ),
)
