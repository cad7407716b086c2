"""Scripted participants: they take a study over HTTP exactly as the page does (start a session,
fetch each pair, answer in order), for tests, load checks and a demo of the whole loop.

They are not people. Policies:
- `colourfulness`: names as fake the photo whose colourfulness (Hasler & Süsstrunk) is further, in
  ratio, from that of typical photos (REFERENCE_CF); it sees what a hurried viewer sees, saturation,
  and nothing of content. It spots gray and over-coloured catch images, and judges a colorization by
  how colourful it is.
- `left`, `right`: always the same side. `random`: a seeded coin.
"""

import math
import random
import threading
import time

REFERENCE_CF = 36.0  # colourfulness of real photos: ~35 on this project's test photos (model card)


def _colourfulness(client, url):
    import io
    import numpy as np
    from PIL import Image
    from deepcolor.color.metrics import colorfulness
    image = np.asarray(Image.open(io.BytesIO(client.get(url).raise_for_status().content)).convert("RGB"))
    return float(colorfulness(image[None])[0])


def choose(policy, client, trial, rng):
    if policy in ("left", "right"):
        return policy
    if policy == "random":
        return rng.choice(("left", "right"))
    if policy == "colourfulness":
        distance = {side: abs(math.log((_colourfulness(client, trial[side]) + 1) / (REFERENCE_CF + 1)))
                    for side in ("left", "right")}
        return max(distance, key=distance.get)
    raise ValueError(f"unknown policy {policy!r}: colourfulness, left, right or random")


def take_part(base_url, policy="colourfulness", seed=0, client=None):
    """One participant from start to end; returns the number of answers recorded."""
    import httpx
    own = client is None
    client = client or httpx.Client(base_url=base_url, timeout=60)
    rng = random.Random(seed)
    try:
        token = client.post("/api/session").raise_for_status().json()["token"]
        answered = 0
        while True:
            trial = client.get(f"/api/trial/{token}").raise_for_status().json()
            if trial["done"]:
                return answered
            started = time.perf_counter()
            for side in ("left", "right"):  # fetch both, as the page does, even when the policy does not look
                client.get(trial[side]).raise_for_status()
            choice = choose(policy, client, trial, rng)
            rt = (time.perf_counter() - started) * 1000
            client.post("/api/answer", data={"token": token, "index": trial["index"], "choice": choice,
                                             "rt_ms": f"{rt:.1f}"}).raise_for_status()
            answered += 1
    finally:
        if own:
            client.close()


def crowd(base_url, participants, policy="colourfulness", seed=0):
    """`participants` scripted participants at once (one thread each); returns (answers per
    participant, errors, seconds)."""
    answers, errors = [None] * participants, []
    started = time.time()

    def one(k):
        try:
            answers[k] = take_part(base_url, policy, seed * 1000 + k)
        except Exception as e:  # a lost answer is what the caller checks for
            errors.append(f"participant {k}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=one, args=(k,)) for k in range(participants)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers, errors, time.time() - started


class BackgroundServer:
    """uvicorn serving `app` on a free localhost port in a thread (`with BackgroundServer(app) as url:`)."""

    def __init__(self, app, port=0):
        import socket
        self.app = app
        if not port:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.port = port

    def __enter__(self):
        import uvicorn
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.05)
        return self.url

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)
