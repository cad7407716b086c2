"""`python -m deepcolor.colorize`: the `deepcolor colorize` command, whose code is
deepcolor/inference/colorize_files.py. This file is only run, never imported: the package's attribute
`deepcolor.colorize` is the one-line function (deepcolor.api.colorize), which importing a submodule of
the same name would replace."""

import sys

if __name__ == "__main__":
    from deepcolor.inference.colorize_files import main
    from deepcolor.runs import run_cli
    sys.exit(run_cli(main))
