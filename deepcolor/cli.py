"""The `deepcolor` command: one entry point for every tool (`deepcolor COMMAND --help` for each).

Each command is also `python -m deepcolor.COMMAND` (e.g. `python -m deepcolor.train`); both run the
same main().
"""

import importlib
import sys

# name -> (module whose main(argv) runs it, one line for the listing); in the order a user meets them
COMMANDS = {
    "colorize": ("deepcolor.colorize", "colorize photos (the shipped default model, or any trained one)"),
    "demo": ("deepcolor.demo", "colorize a few bundled photos with the default model"),
    "train": ("deepcolor.train", "train a model (any architecture, data source, encoding; resumable)"),
    "evaluate": ("deepcolor.evaluate", "metrics of a model beside the gray baseline, sample grids"),
    "export": ("deepcolor.export", "export a model as a TensorFlow SavedModel (any image size)"),
    "replicate": ("deepcolor.replicate", "re-run a report's table and write its results page"),
    "experiments": ("deepcolor.experiments.__main__", "list the reports' experiments, smoke-run them"),
    "data": ("deepcolor.data.__main__", "what a --data source yields: counts per split, bad files"),
    "serve": ("deepcolor.serve", "the colorize web page (upload photos, download results)"),
    "study": ("deepcolor.study.__main__", "public-acceptance study: create, serve, report (which one is fake?)"),
    "bench": ("deepcolor.bench", "speed benchmarks (training steps, colorize, data pipeline)"),
    "preset": ("deepcolor.pretrained.__main__", "make a shippable preset with a model card from a run"),
}


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
