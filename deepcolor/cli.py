"""The `deepcolor` command: one entry point for every tool (`deepcolor COMMAND --help` for each), and
the one table of its subcommands.

Each command is also `python -m deepcolor.COMMAND` (e.g. `python -m deepcolor.train`); both run the
same main().
"""

import importlib
import os
import sys

# name -> (module whose main(argv) runs it, one line for the listing); in the order a user meets them
COMMANDS = {
    "colorize": ("deepcolor.inference.colorize_files", "colorize photos (the shipped default model, or any trained one)"),
    "demo": ("deepcolor.demo", "colorize a few bundled photos with the default model"),
    "train": ("deepcolor.train", "train a model (any architecture, data source, encoding; resumable)"),
    "evaluate": ("deepcolor.evaluate", "metrics of a model beside the gray baseline, sample grids"),
    "export": ("deepcolor.export", "export a model as a TensorFlow SavedModel (any image size)"),
    "replicate": ("deepcolor.replicate", "re-run a report's table and write its results page"),
    "experiments": ("deepcolor.experiments.__main__", "list the reports' experiments, smoke-run them"),
    "data": ("deepcolor.data.__main__", "what a --data source yields: counts per split, bad files"),
    "serve": ("deepcolor.serve", "the colorize page in a browser (Gradio: drop photos, compare, download)"),
    "study": ("deepcolor.study.__main__", "public-acceptance study: create, serve, report (which one is fake?)"),
    "bench": ("deepcolor.bench", "speed benchmarks (training steps, colorize, data pipeline)"),
    "preset": ("deepcolor.pretrained.__main__", "make a shippable preset with a model card from a run"),
}
# Commands whose code lives elsewhere than their `python -m` name (deepcolor.colorize is the colorize
# function, so its command's code cannot be the module deepcolor.colorize: see colorize.py).
RUN_AS = {"deepcolor.inference.colorize_files": "deepcolor.colorize"}


def prog_name(module):
    """A command's name in its usage line: `deepcolor train` when run through the `deepcolor` command,
    else `python -m deepcolor.train`."""
    if os.path.basename(sys.argv[0] or "") == "deepcolor":
        for name, (command_module, _) in COMMANDS.items():
            if RUN_AS.get(command_module, command_module.removesuffix(".__main__")) == module:
                return f"deepcolor {name}"
    return f"python -m {module}"


def usage():
    from deepcolor import __version__
    width = max(map(len, COMMANDS))
    lines = [f"usage: deepcolor COMMAND [options]   (deepcolor {__version__})", "",
             "Automatic image colorization: a shipped default model, training, evaluation and the "
             "replication of five colorization reports.", "", "commands:"]
    lines += [f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "`deepcolor COMMAND --help` lists a command's options with their defaults;",
              "every command is also `python -m deepcolor.COMMAND`."]
    return "\n".join(lines)


def main(argv=None):
    from deepcolor.runs import run_cli
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if argv[0] == "--version":
        from deepcolor import __version__
        print(f"deepcolor {__version__}")
        return 0
    if argv[0] not in COMMANDS:
        print(f"error: unknown command {argv[0]!r}; commands: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return run_cli(module.main, argv[1:])


if __name__ == "__main__":
    sys.exit(main())
