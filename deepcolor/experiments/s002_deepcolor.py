"""Report 002 (DeepColor): U-Net from scratch vs DenseNet121 and MobileNet v1 decoders, 10 and 30 epochs.

Table 1 of the report: MSE and PSNR on RGB [0, 1] for each model after 10 and 30 epochs.
Choices left open (ours):
- Data: `deepcolor_mix` (5,000 each of COCO-2017 val, Places365, ADE20K; 4,000 / 1,000 per source);
  the report does not say which COCO split or which Places365/ADE20K subset.
- Split 80/10/10 per source: each row's checkpoint is the one with the lowest val loss, and it is
  measured on the test split, which no choice has seen (the report chose and reported on its val split).
- Batch 383 as reported (it needs a large GPU; override with --batch-size).
- MobileNet gets the gray image (x3), not RGB as the seed's code did (a defect: it leaks the answer).
- No augmentation, squash-resize to 256x256, as reported.
"""

from deepcolor.experiments import Claim, Protocol, config, local_folders, make

PAPER = "002 DeepColor"
# The user study ("public acceptance": share of colorized images 30 people judged real).
ACCEPTANCE = {"unet": 0.53, "densenet": 0.46, "koalarization": 0.4587}
FIGURES = {  # Table 1: (MSE, PSNR) on RGB [0,1]
    ("unet", 10): (0.006, 23.229), ("unet", 30): (0.006, 23.799),
    ("densenet", 10): (0.014, 19.073), ("densenet", 30): (0.013, 19.468),
    ("mobilenet", 10): (0.049, 13.366), ("mobilenet", 30): (0.053, 13.102),
}
BASE = config(data=dict(source="deepcolor_mix", image_size=256, split="0.8,0.1,0.1"),
              model=dict(encoding="rgb01", loss="mse", weights="imagenet"),
              optimizer=dict(name="adam", lr=1e-4), run=dict(batch_size=383))


def standin(init, epochs):
    return f"deepcolor_standin_lite0_{init}_{epochs}ep"


STANDINS = tuple(standin(init, epochs) for init in ("imagenet", "random") for epochs in (10, 30))


def experiments():
    rows = []
    for (arch, epochs), (mse, psnr) in FIGURES.items():
        rows.append(make(PAPER, f"deepcolor_{arch}_{epochs}ep", f"Table 1: {arch}, {epochs} epochs",
                         BASE.replace(model={"arch": arch}, run={"epochs": epochs}), {"MSE": mse, "PSNR": psnr}))
    # Stand-ins (ours): the U-Net's decoder on the one ImageNet encoder whose weights can be had offline,
    # in the place of DenseNet121's and MobileNet's; the same network with random weights beside it. A
    # pretrained encoder keeps its ImageNet BatchNorm statistics; a random one must learn its own.
    for init in ("imagenet", "random"):
        options = {"encoder": "efficientnet_lite0", "encoder_batchnorm": "frozen" if init == "imagenet" else "train"}
        for epochs in (10, 30):
            rows.append(make(PAPER, standin(init, epochs), f"Stand-in: U-Net decoder on EfficientNet-Lite0, {init} "
                             f"weights, {epochs} epochs",
                             BASE.replace(model={"arch": "unet", "options": options,
                                                 "weights": "imagenet" if init == "imagenet" else "none"},
                                          run={"epochs": epochs})))
    return rows


def _rows(*pairs):
    return tuple((f"deepcolor_{a}", f"deepcolor_{b}") for a, b in pairs)


# --scale cpu: local folders stand in for the three hub sources (deepcolor_mix:coco:DIR+places365:DIR+...).
LOCAL_MIX = local_folders(coco="DEEPCOLOR_COCO", places365="DEEPCOLOR_PLACES365", ade20k="DEEPCOLOR_ADE20K")
CPU_STEPS_PER_EPOCH = 30
CPU_IMAGE_SIZE = 96

PROTOCOL = Protocol(
    metric="mse_target", metric_label="test MSE (RGB in [0, 1])", figure="MSE", split="test", metric_size=256,
    decimals=4, seeds={"smoke": 1, "cpu": 3, "paper": 1},
    overrides={"cpu": {"data": LOCAL_MIX, "image_size": CPU_IMAGE_SIZE, "batch_size": 16, "weights": "none",
                       "steps_per_epoch": CPU_STEPS_PER_EPOCH}, "paper": {}},
    env={"cpu": ("DEEPCOLOR_COCO", "DEEPCOLOR_PLACES365", "DEEPCOLOR_ADE20K")},
    continues={"cpu": {**{f"deepcolor_{arch}_30ep": f"deepcolor_{arch}_10ep" for arch in ("unet", "densenet", "mobilenet")},
                       **{standin(init, 30): standin(init, 10) for init in ("imagenet", "random")}}},
    row_overrides={"cpu": {standin("imagenet", epochs): {"weights": "imagenet"} for epochs in (10, 30)}},
    standin_rows=STANDINS,
    standin_notes=("Here Lite0 stands in for DenseNet121's and MobileNet's ImageNet encoders: the U-Net's "
                   "decoder (its skip connections, which the report credits for U-Net's lead) on Lite0's feature "
                   "maps at strides 2-32, fine-tuned with the rest at the report's learning rate.",),
    other_figures=(("PSNR", "PSNR dB"),),
    notes={"cpu": [
        "Data: the report's mix of three sources, each split exactly 80/10/10 train/val/test, with local folders in "
        "their place: `DEEPCOLOR_ADE20K` holds real ADE20K validation photos (read through the `ade20k:DIR` "
        "path, Hugging Face `datasets`' imagefolder), and `DEEPCOLOR_COCO` / `DEEPCOLOR_PLACES365` name two "
        "disjoint photo folders standing in for the COCO and Places365 thirds (here an ImageNet sample, object "
        "photos like COCO's, read through FiftyOne, and the BSDS500 scenes, through `datasets`). Every image "
        "of each folder is used (the report: 5,000 per source).",
        f"{CPU_IMAGE_SIZE}×{CPU_IMAGE_SIZE} instead of 256×256, batch 16 instead of 383, and an “epoch” of "
        f"{CPU_STEPS_PER_EPOCH} steps (a fifth of a pass over the training split): the 10- and 30-epoch rows train "
        f"{10 * CPU_STEPS_PER_EPOCH} and {30 * CPU_STEPS_PER_EPOCH} steps, keeping the report's 1 : 3 ratio "
        "(the report: about 310 and 940 steps of 383 images). A 30-epoch row continues its 10-epoch row's run "
        "(same seed, constant learning rate: exactly the longer run), so the shared first 10 epochs train once.",
        "DenseNet121 and MobileNet start from random weights (no ImageNet weights can be fetched here): this "
        "tests the architectures as this machine can train them, not the report's pretrained encoders, which "
        "is what its DenseNet and MobileNet rows mostly measure.",
        "Each row's checkpoint is chosen on the val split (lowest val loss) and measured once on the test split, "
        "at 256×256 as the report measured; the report chose and reported on the same val split. Three seeds per "
        "row: the scale was cut from 128×128 and 50-step epochs (one seed of every row took 2.3 CPU hours) "
        "so that three fit in the same time.",
        f"The report's user study (30 people judging colorized photos real or not; not replicable without "
        f"people): acceptance U-Net {ACCEPTANCE['unet']:.0%}, DenseNet {ACCEPTANCE['densenet']:.0%}, the original "
        f"paper's {ACCEPTANCE['koalarization']:.2%}. `deepcolor study` runs such a study.",
    ]},
    at_paper_scale=(
        "With ImageNet weights the DenseNet121 and MobileNet encoders start from features learnt on 1.2 M "
        "photos; our random-init rows cannot say whether pretrained encoders beat the U-Net, only how the "
        "three architectures compare when all learn from the same few thousand photos.",
        "The full data is 15,000 photos (5,000 from each hub source) at 256×256 and batch 383 for 10 and 30 "
        "epochs; on a GPU: `python datasets_prep/make_shards.py --data deepcolor_mix --out shards/002` once, "
        "then `python -m deepcolor.replicate 002 --scale paper --set data=shards:shards/002` (or without "
        "`--set`, streaming from the hubs).",
    ),
    claims=(
        Claim("unet_beats_densenet_beats_mobilenet", "U-Net beats DenseNet121, which beats MobileNet (MSE).",
              _rows(("unet_10ep", "densenet_10ep"), ("densenet_10ep", "mobilenet_10ep"), ("unet_30ep", "densenet_30ep"),
                    ("densenet_30ep", "mobilenet_30ep")), "U-Net 0.006, DenseNet 0.014, MobileNet 0.049"),
        Claim("ten_and_thirty_epochs_similar", "10 and 30 epochs give similar results (every model).",
              _rows(("unet_10ep", "unet_30ep"), ("densenet_10ep", "densenet_30ep"), ("mobilenet_10ep", "mobilenet_30ep")),
              "the models have similar levels of performance", kind="similar"),
        Claim("mobilenet_worse_at_30", "MobileNet ends worse after 30 epochs than after 10.",
              _rows(("mobilenet_10ep", "mobilenet_30ep")), "MobileNet 0.049 (10 epochs), 0.053 (30 epochs)"),
        Claim("standin_pretraining_not_needed", "(Stand-in.) A pre-trained encoder is not necessary: the U-Net "
              "trained from scratch is no worse than the U-Net decoder on an ImageNet encoder.",
              (("deepcolor_unet_10ep", standin("imagenet", 10)), ("deepcolor_unet_30ep", standin("imagenet", 30))),
              "a pre-trained feature extraction model is not necessary to achieve a high degree of accuracy"),
        Claim("standin_imagenet_beats_random", "(Stand-in.) ImageNet weights help the same encoder: Lite0 with "
              "ImageNet weights beats Lite0 with random ones.",
              ((standin("imagenet", 10), standin("random", 10)), (standin("imagenet", 30), standin("random", 30))),
              "the benefits of a pre-trained base model within DenseNet and MobileNet (planned, not run)"),
    ),
)
