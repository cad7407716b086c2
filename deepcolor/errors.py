"""The exceptions DeepColor's library code raises. str() of each is the one-line message a command
prints; only the command-line entry points turn them into that line and an exit code."""


class DeepColorError(Exception):
    """Base of every expected DeepColor failure (bad input, missing model, unsupported option)."""


class ModelNotFoundError(DeepColorError):
    """A model source (run directory, .keras file, SavedModel, preset name) that cannot be loaded."""


class UnsupportedOptionError(DeepColorError):
    """An option the chosen model cannot honour (e.g. samples from a regression model)."""


class MissingExtraError(DeepColorError):
    """An optional dependency (the `hub` extra) that a data source needs is not installed."""


def import_extra(module, needed_for, extra="hub"):
    """Imports an optional dependency, or raises MissingExtraError naming the pip command."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as e:
        if e.name and module.split(".")[0] != e.name.split(".")[0]:
            raise  # the package is there but broken inside: show the real error
        raise MissingExtraError(f"{needed_for} needs {module.split('.')[0]}, which is not installed: "
                                f"pip install 'deepcolor[{extra}]'") from None


class UsageError(DeepColorError):
    """A command that cannot start as asked: a bad option value, a missing data folder or weights file,
    options that do not go together. Commands print it as one line and exit with code 2, as argparse
    does for a malformed command line."""
