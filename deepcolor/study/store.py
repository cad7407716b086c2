"""A study folder: settings, images at one display size, and the SQLite database of trials.

Every participant gets a random token and a trial plan drawn when they start (practice pairs with
feedback, then test pairs, about a tenth of them catch trials). Answers must arrive in order, once:
an answer is written only if it is the participant's next unanswered trial, in one transaction, so
concurrent participants, a replayed request or a double click can never overwrite or skip a trial.
"""

import dataclasses
import json
import os
import random
import re
import secrets
import sqlite3
import threading
import time

import numpy as np

from deepcolor.files import atomic_path, atomic_write_text
from deepcolor.errors import DeepColorError

DISPLAY_SIZE = 512  # longest side of every image shown to participants
GRAY = "gray"  # a --method source: the photo's own lightness, no colour


class StudyError(DeepColorError):
    """A study that cannot be created, opened or answered as asked."""


class NotFoundError(StudyError):
    """An unknown session token, or a trial the participant has not reached."""


class AnswerRejected(StudyError):
    """An answer that is not the participant's next one (replayed, out of order, or after the end)."""


@dataclasses.dataclass
class StudySettings:
    name: str
    methods: list  # method names, in the order given
    images: list  # image ids (file stems shared by the real photo and each method's version)
    exposure_ms: int = 1000
    practice: int = 3
    trials: int = 40
    catch_fraction: float = 0.1
    min_catch_accuracy: float = 0.75
    assignment: str = "one"  # "one": a single method per participant; "interleaved": all methods mixed
    sources: dict = dataclasses.field(default_factory=dict)  # method -> where its images came from


SCHEMA = """
CREATE TABLE IF NOT EXISTS participants (
    token TEXT PRIMARY KEY, created REAL NOT NULL, method TEXT, finished REAL, trials INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
    token TEXT NOT NULL REFERENCES participants(token), idx INTEGER NOT NULL, phase TEXT NOT NULL,
    image TEXT NOT NULL, method TEXT NOT NULL, fake_side TEXT NOT NULL,
    choice TEXT, rt_ms REAL, answered REAL, PRIMARY KEY (token, idx));
"""


def safe_id(stem, taken):
    """A file stem as an id of letters, digits, - and _ (unique among `taken`)."""
    base = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") or "image"
    ident, k = base, 1
    while ident in taken:
        k += 1
        ident = f"{base}_{k}"
    return ident


def _display(rgb):
    """uint8 RGB at the display size (longest side DISPLAY_SIZE, never enlarged)."""
    from PIL import Image
    image = Image.fromarray(rgb)
    scale = DISPLAY_SIZE / max(image.size)
    if scale < 1:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.Resampling.LANCZOS)
    return np.asarray(image)


def catch_version(rgb):
    """An obviously wrong recolouring for catch trials: hue turned half way round, chroma doubled."""
    import warnings
    from skimage import color
    lab = color.rgb2lab(rgb)
    lab[..., 1:] *= -2.0
    with warnings.catch_warnings():  # out-of-gamut colours are clipped, which is the point here
        warnings.simplefilter("ignore")
        return (np.clip(color.lab2rgb(lab), 0, 1) * 255 + 0.5).astype(np.uint8)


def _save(rgb, path):
    from PIL import Image
    with atomic_path(path) as tmp:
        Image.fromarray(rgb).save(tmp, format="PNG")


def _listing(folder):
    from deepcolor.data.images import IMAGE_EXTENSIONS
    if not os.path.isdir(folder):
        raise StudyError(f"{folder}: not a folder")
    return {os.path.splitext(f)[0]: os.path.join(folder, f) for f in sorted(os.listdir(folder))
            if f.lower().endswith(IMAGE_EXTENSIONS) and not f.startswith(".")}


def _is_model_folder(path):
    """A run directory, SavedModel or preset folder (a model to colorize with), not a folder of images."""
    return any(os.path.exists(os.path.join(path, f)) for f in ("config.json", "saved_model.pb", "preset.json"))


def create_study(folder, real, methods, exposure_ms=1000, practice=3, trials=40, catch_fraction=0.1,
                 assignment="one", max_images=0, seed=0, log=print):
    """Makes a study folder. `real`: a folder of real colour photos. `methods`: {name: source}, a
    source being a folder of colorized photos with the real ones' file names (any image extension),
    "gray", or a model (preset name, run directory, .keras file, SavedModel) that colorizes the gray
    version of each real photo here. Bad or missing files are named; nothing half-made is left."""
    from deepcolor.data.images import BadImageError, read_image, scan_image
    if os.path.exists(os.path.join(folder, "study.json")):
        raise StudyError(f"{folder} already holds a study; choose another --name or remove it")
    if not methods:
        raise StudyError("a study needs at least one --method NAME=SOURCE")
    for name in methods:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise StudyError(f"method name {name!r}: use letters, digits, - and _ only")
    if assignment not in ("one", "interleaved"):
        raise StudyError(f"assignment {assignment!r}: one or interleaved")
    reals, skipped = {}, []
    for stem, path in _listing(real).items():
        try:
            scan_image(path)
            reals[stem] = path
        except BadImageError as e:
            skipped.append(f"{path}: {e}")
            log(f"skipped {path}: {e}")
    if max_images:
        reals = dict(sorted(random.Random(seed).sample(sorted(reals.items()), min(max_images, len(reals)))))
    folders = {name: _listing(source) for name, source in methods.items()
               if os.path.isdir(source) and not _is_model_folder(source)}
    for name, listing in folders.items():
        missing = sorted(set(reals) - set(listing))
        if missing:
            raise StudyError(f"method {name} ({methods[name]}) lacks {len(missing)} of the real photos, e.g. "
                             f"{', '.join(missing[:3])}: it needs a colorized file with each real photo's name")
    models = {}
    for name, source in methods.items():
        if source != GRAY and name not in folders:
            from deepcolor.api import load
            models[name] = load(source)
    os.makedirs(os.path.join(folder, "images", "real"), exist_ok=True)
    for sub in [*methods, "_catch"]:
        os.makedirs(os.path.join(folder, "images", sub), exist_ok=True)
    ids = []
    for stem, path in reals.items():
        try:
            rgb = _display(read_image(path)[0])
            versions = {}
            for name, source in methods.items():
                if name in folders:
                    fake = read_image(folders[name][stem])[0]
                    if fake.shape[:2] != rgb.shape[:2]:
                        from PIL import Image
                        fake = np.asarray(Image.fromarray(fake).resize(rgb.shape[1::-1], Image.Resampling.LANCZOS))
                    versions[name] = fake
                elif source == GRAY:
                    from PIL import Image
                    versions[name] = np.repeat(np.asarray(Image.fromarray(rgb).convert("L"))[..., None], 3, -1)
                else:
                    from PIL import Image
                    versions[name] = models[name].colorize(np.asarray(Image.fromarray(rgb).convert("L")))
        except BadImageError as e:
            skipped.append(f"{path}: {e}")
            log(f"skipped {path}: {e}")
            continue
        ident = safe_id(stem, set(ids))
        _save(rgb, os.path.join(folder, "images", "real", ident + ".png"))
        for name, fake in versions.items():
            _save(fake, os.path.join(folder, "images", name, ident + ".png"))
        _save(catch_version(rgb), os.path.join(folder, "images", "_catch", ident + ".png"))
        ids.append(ident)
        log(f"[{len(ids)}/{len(reals)}] {ident}")
    if not ids:
        raise StudyError(f"{real}: no usable photos ({len(skipped)} skipped)")
    settings = StudySettings(name=os.path.basename(os.path.normpath(folder)), methods=list(methods), images=ids,
                             exposure_ms=exposure_ms, practice=practice, trials=trials,
                             catch_fraction=catch_fraction, assignment=assignment,
                             sources={k: str(v) for k, v in methods.items()})
    atomic_write_text(os.path.join(folder, "study.json"),
                      json.dumps({**dataclasses.asdict(settings), "skipped": skipped}, indent=1))
    Study(folder).close()  # creates the database
    return settings


class Study:
    """An open study folder: its settings and a database connection (one per thread)."""

    def __init__(self, folder):
        self.folder = os.path.abspath(folder)
        path = os.path.join(self.folder, "study.json")
        if not os.path.exists(path):
            raise StudyError(f"{folder}: no study here (make one with `deepcolor study create`)")
        with open(path) as f:
            raw = json.load(f)
        raw.pop("skipped", None)
        self.settings = StudySettings(**raw)
        self.db_path = os.path.join(self.folder, "study.sqlite")
        self._local = threading.local()
        self._connections = []
        self.db.executescript(SCHEMA)

    @property
    def db(self):
        """This thread's connection: a web server answers on many threads, and a transaction must
        not be shared between them. Writers are serialized by SQLite itself (BEGIN IMMEDIATE)."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA busy_timeout=30000")
            self._local.connection = connection
            self._connections.append(connection)
        return connection

    def close(self):
        for connection in self._connections:
            connection.close()
        self._connections.clear()
        self._local = threading.local()

    # -- participants ---------------------------------------------------------------------------
    def plan(self, method, rng):
        """[(phase, image, method, fake_side)] for one participant."""
        s = self.settings
        n_catch = round(s.trials * s.catch_fraction)
        methods = [method] if method else s.methods
        images = list(s.images)
        draws = []

        def draw():
            if not draws:
                draws.extend(rng.sample(images, len(images)))
            return draws.pop()

        practice = [("practice", draw(), methods[k % len(methods)]) for k in range(s.practice)]
        test = [("test", draw(), methods[k % len(methods)]) for k in range(s.trials - n_catch)]
        test += [("catch", draw(), "_catch") for _ in range(n_catch)]
        rng.shuffle(test)
        return [(phase, image, m, rng.choice(("left", "right"))) for phase, image, m in practice + test]

    def start(self):
        """A new participant: returns their token."""
        token = secrets.token_urlsafe(16)
        rng = random.Random(token)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            method = None
            if self.settings.assignment == "one":  # the method with the fewest participants so far
                counts = dict(self.db.execute("SELECT method, COUNT(*) FROM participants GROUP BY method").fetchall())
                method = min(self.settings.methods, key=lambda m: (counts.get(m, 0), self.settings.methods.index(m)))
            plan = self.plan(method, rng)
            self.db.execute("INSERT INTO participants VALUES (?, ?, ?, NULL, ?)", (token, time.time(), method, len(plan)))
            self.db.executemany("INSERT INTO trials (token, idx, phase, image, method, fake_side) VALUES (?, ?, ?, ?, ?, ?)",
                                [(token, k, *row) for k, row in enumerate(plan)])
        return token

    def _participant(self, token):
        row = self.db.execute("SELECT trials, finished FROM participants WHERE token = ?", (token,)).fetchone()
        if row is None:
            raise NotFoundError("unknown session token")
        return row

    def next_trial(self, token):
        """The participant's next unanswered trial as a dict, or None when they are done."""
        total, _ = self._participant(token)
        row = self.db.execute("SELECT idx, phase FROM trials WHERE token = ? AND choice IS NULL ORDER BY idx LIMIT 1",
                              (token,)).fetchone()
        if row is None:
            return None
        return {"index": row[0], "total": total, "practice": self.settings.practice,
                "phase": "practice" if row[1] == "practice" else "test", "exposure_ms": self.settings.exposure_ms}

    def image_path(self, token, index, side):
        """The file shown on `side` of trial `index` (a trial not yet reached is not served)."""
        if side not in ("left", "right"):
            raise StudyError("side must be left or right")
        row = self.db.execute("SELECT image, method, fake_side FROM trials WHERE token = ? AND idx = ?",
                              (token, index)).fetchone()
        nxt = self.next_trial(token)
        if row is None or (nxt is not None and index > nxt["index"]):
            raise NotFoundError("no such trial")
        image, method, fake_side = row
        folder = method if side == fake_side else "real"
        return os.path.join(self.folder, "images", folder, image + ".png")

    def answer(self, token, index, choice, rt_ms):
        """Records "the fake one is on `choice`" for trial `index`; returns (correct, phase).
        Raises AnswerRejected unless `index` is the participant's next unanswered trial."""
        if choice not in ("left", "right"):
            raise StudyError("choice must be left or right")
        if not (0 <= float(rt_ms) < 3.6e6):
            raise StudyError("rt_ms must be a response time in milliseconds")
        self._participant(token)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            nxt = self.db.execute("SELECT idx, phase, fake_side FROM trials WHERE token = ? AND choice IS NULL "
                                  "ORDER BY idx LIMIT 1", (token,)).fetchone()
            if nxt is None:
                raise AnswerRejected("this session is finished; every answer is recorded")
            if nxt[0] != index:
                raise AnswerRejected(f"trial {index} is not the next one (expected {nxt[0]}): "
                                     "answers are taken once, in order")
            self.db.execute("UPDATE trials SET choice = ?, rt_ms = ?, answered = ? WHERE token = ? AND idx = ?",
                            (choice, float(rt_ms), time.time(), token, index))
            remaining = self.db.execute("SELECT COUNT(*) FROM trials WHERE token = ? AND choice IS NULL",
                                        (token,)).fetchone()[0]
            if remaining == 0:
                self.db.execute("UPDATE participants SET finished = ? WHERE token = ?", (time.time(), token))
        return choice == nxt[2], ("practice" if nxt[1] == "practice" else "test")

    def trials(self):
        """Every answered trial with its participant's method and finished flag (for the report)."""
        return self.db.execute(
            "SELECT t.token, t.idx, t.phase, t.image, t.method, t.fake_side, t.choice, t.rt_ms, "
            "p.finished IS NOT NULL FROM trials t JOIN participants p USING (token) "
            "WHERE t.choice IS NOT NULL ORDER BY t.token, t.idx").fetchall()

    def participant_count(self):
        return self.db.execute("SELECT COUNT(*), COUNT(finished) FROM participants").fetchone()
