"""Where one hint of an unlikely colour goes: the network's spread against what the user gets.
    PYTHONPATH=. python scripts/hints/one_hint_figure.py --run runs/hints_gated_more --out results/hints/test/one_hint.png

For a few test photos (evenly spaced through the run's test split), one saturated blue hint at the photo's
centre; the columns: the automatic colours (no hint), the network alone with the hint, and as delivered
(color/hints.py: apply_hints, the hint pinned and its correction spread over nearby pixels of like
lightness). The hint is marked with a ring. This is the case the PSNR curve cannot show: true-colour
hints pull towards the truth however far they spread; a colour the photo never had shows how far it goes.
"""

import argparse

import numpy as np

HINT_COLOUR = (40, 90, 220)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="the hint model's run directory (its test split is used)")
    p.add_argument("--temperature", type=float, default=None, help="annealed-mean temperature (default: the model's)")
    p.add_argument("--photos", type=int, default=4, help="rows of the figure (default: 4)")
    p.add_argument("--out", required=True, help="the PNG to write")
    args = p.parse_args(argv)
    from PIL import Image, ImageDraw
    from curve import split_photos  # this folder's curve.py
    from deepcolor.api import load
    from deepcolor.color.hints import apply_hints
    from deepcolor.pages import plots

    colorize = load(args.run).colorizer(temperature=args.temperature)
    columns = [[], [], []]
    for photo in split_photos(args.run, "test", evenly=args.photos)[1]:
        point = [(128, 128, HINT_COLOUR)]
        network = colorize(photo, point, network_only=True)
        for column, image in zip(columns, (colorize(photo), network, apply_hints(network, point, image_size=colorize.image_size))):
            marked = Image.fromarray(image)
            ImageDraw.Draw(marked).ellipse([122, 122, 134, 134], outline=(255, 255, 255), width=2)
            column.append(np.asarray(marked))
    plots.sample_grid([np.stack(c) for c in columns], args.out,
                      titles=("no hint (v2)", "blue hint: network", "blue hint: delivered"))


if __name__ == "__main__":
    main()
