"""The `deepcolor` command: one entry point for every tool (`deepcolor COMMAND --help` for each).

Each command is also `python -m deepcolor.COMMAND` (e.g. `python -m deepcolor.train`); both run the
same main().
"""

import importlib
import sys

from deepcolor.commands import COMMANDS

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
