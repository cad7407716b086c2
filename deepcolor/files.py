"""Files: DeepColor's cache folder, and the one way it writes anything that must never be seen half
written (a checkpoint, a page, a photo, a SavedModel folder): into a temp name beside the final one,
renamed onto it only when complete. A leaf: it imports nothing of DeepColor's, so every layer may use it."""

import contextlib
import os
import shutil


def cache_folder():
    """DeepColor's cache ($DEEPCOLOR_CACHE, else ~/.cache/deepcolor): converted weights, sample photos,
    the colorize page's examples."""
    return os.environ.get("DEEPCOLOR_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "deepcolor")


def temp_path(path, suffix="", pid=None):
    """The hidden temp name beside `path` that atomic_path writes: `.NAME.tmpPID[SUFFIX]` (the pid
    tells a killed process's leftovers; `suffix` keeps an extension a writer needs, e.g. ".keras")."""
    folder, name = os.path.split(path)
    return os.path.join(folder or ".", f".{name}.tmp{os.getpid() if pid is None else pid}{suffix}")


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """`with atomic_path(path) as tmp:` write a file or a folder at `tmp`; when the block ends without
    an error it replaces `path` (a folder replaces the old folder), else it is removed."""
    tmp = temp_path(path, suffix)
    _remove(tmp)
    try:
        yield tmp
        if os.path.isdir(tmp) and os.path.isdir(path):
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        _remove(tmp)


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)


def atomic_write_text(path, text):
    """Writes `text` (UTF-8) through atomic_path, flushed to disk before the rename."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())


def remove_stale_temp_files(outputs):
    """Deletes the temp files a killed process left for these outputs (final names are never half written)."""
    by_folder = {}
    for path in outputs:
        by_folder.setdefault(os.path.dirname(path) or ".", set()).add(os.path.basename(path))
    for folder, names in by_folder.items():
        if not os.path.isdir(folder):
            continue
        for entry in os.listdir(folder):
            base, _, pid = entry[1:].rpartition(".tmp")
            if entry.startswith(".") and pid.isdigit() and base in names:
                _remove(os.path.join(folder, entry))
