"""The exceptions DeepColor's library code raises. str() of each is the one-line message a command
prints; only the command-line entry points turn them into that line and an exit code."""


class DeepColorError(Exception):
    """Base of every expected DeepColor failure (bad input, missing model, unsupported option)."""


class ModelNotFoundError(DeepColorError):
    """A model source (run directory, .keras file, SavedModel, preset name) that cannot be loaded."""


class UnsupportedOptionError(DeepColorError):
    """An option the chosen model cannot honour (e.g. samples from a regression model)."""
