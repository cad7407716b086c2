"""The colorize page (Gradio): drop photos in a browser, compare before and after, download them
colorized at full resolution. Needs `pip install "deepcolor[web]"`.

    deepcolor serve                       # the shipped default model, http://127.0.0.1:8000/colorize
    deepcolor serve --model runs/mine --port 8080
"""

import argparse
import sys

from deepcolor.runs import add_debug_flag, run_cli
from deepcolor.cli import prog_name


def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.serve"), description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None,
                   help="preset, run directory, .keras file or SavedModel (default: the shipped default model)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    add_debug_flag(p)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    from deepcolor.api import load
    from deepcolor.study.app import make_app, serve
    model = load(args.model)  # a bad --model fails now, not at the first upload
    serve(make_app(model=model), args.host, args.port, path="/colorize")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
