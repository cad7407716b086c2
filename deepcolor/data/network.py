"""Fail fast without network.

The libraries behind the hub sources retry for a long time when offline (`tfds.load` ≈205 s,
HF `datasets` ≈25 s, FiftyOne's zoo until its download times out) and then raise tracebacks.
So every hub source first checks that its host answers, with a short timeout, and otherwise
stops with one line naming the dataset and the offline alternative.
"""

import socket
import threading
import urllib.parse

from deepcolor.errors import UsageError

TIMEOUT_S = 5.0
OFFLINE_ALTERNATIVE = ("offline, use a local copy instead: folder:PATH (any image folder) or shards:PATH "
                       "(made by datasets_prep/make_shards.py on a machine with network)")


def reachable(url, timeout=TIMEOUT_S):
    """True if a TCP connection to the URL's host and port opens within `timeout` seconds.

    Runs in a thread because name resolution itself has no timeout on some systems.
    """
    parts = urllib.parse.urlparse(url if "://" in url else "https://" + url)
    port = parts.port or (80 if parts.scheme == "http" else 443)
    result = []

    def connect():
        try:
            socket.create_connection((parts.hostname, port), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    return bool(result and result[0])


def require_network(url, dataset, local_hint=""):
    """Raises SystemExit with one line if `url` cannot be reached."""
    if reachable(url):
        return
    host = urllib.parse.urlparse(url if "://" in url else "https://" + url).hostname
    hint = f"{local_hint}; or " if local_hint else ""
    raise UsageError(f"{dataset}: cannot reach {host} (no network?); {hint}{OFFLINE_ALTERNATIVE}")
