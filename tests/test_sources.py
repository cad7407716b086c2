"""Every `--data` source through the real library (FiftyOne, HF `datasets`, TFDS, TFRecord shards)
on local data in that library's own format, plus the offline behaviour of the hub defaults."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from deepcolor.errors import DeepColorError
import tensorflow as tf
from PIL import Image

from deepcolor.data import resolve_source, scan_records, split_records
from deepcolor.data.image_ops import decode_upright
from deepcolor.data.shards import shard_records
from deepcolor.data.sources import Record
from tests import images, stand_ins
from tests.conftest import ROOT, run_module


def decoded(records):
    """{record id: full-size pixels read through our pipeline's decoder}; skipped ones left out."""
    usable, _ = scan_records(records, log=lambda line: None)
    out = {}
    for record, info in usable:
        data = info.data if info.data is not None else open(info.path, "rb").read()
        out[record.id] = decode_upright(tf.constant(data), info.orientation, info.tf_native).numpy()
    return out


def ids(records):
    return [r.id for r in records]


# ---------------------------------------------------------------------------------------------
# Hugging Face datasets: the hub's parquet layout and the imagefolder layout, streamed

@pytest.fixture(scope="module")
def hf_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    return {"parquet": (str(root / "parquet"), stand_ins.hf_parquet_dir(str(root / "parquet"))),
            "imagefolder": (str(root / "imagefolder"), stand_ins.hf_imagefolder_dir(str(root / "imagefolder")))}


@pytest.mark.parametrize("layout", ["parquet", "imagefolder"])
def test_hf_local_layouts_stream_deterministically_with_exact_pixels(hf_dirs, layout):
    folder, arrays = hf_dirs[layout]
    everything = resolve_source(f"places365:{folder}")
    assert len(everything) == len(arrays) + 1  # + the corrupt sample, listed then refused by the scan
    assert all(r.data is not None and r.id.startswith("places365/train/") for r in everything)
    usable, skipped = scan_records(everything, log=lambda line: None)
    assert len(usable) == len(arrays) and len(skipped) == 1
    # A seeded streaming shuffle picks the subset: same seed, same subset; another seed, another.
    a, b = resolve_source(f"ade20k:{folder}", 5, 7), resolve_source(f"ade20k:{folder}", 5, 7)
    assert ids(a) == ids(b) and len(a) == 5 and ids(resolve_source(f"ade20k:{folder}", 5, 8)) != ids(a)
    # Pixels through HF -> tf.data equal the PNG read directly with PIL.
    pixels = decoded(everything)
    assert len(pixels) == len(arrays)
    for record in everything:
        name = re.search(r"\((.+)\)$", record.path).group(1)
        if name in arrays:
            original = np.asarray(Image.open(os.path.join(folder, "train", name)).convert("RGB")) \
                if layout == "imagefolder" else arrays[name]
            np.testing.assert_array_equal(pixels[record.id], original)


def test_hf_split_suffix_and_errors(hf_dirs):
    folder, _ = hf_dirs["parquet"]
    with pytest.raises(DeepColorError, match=r"places365 .*split 'nope'"):
        resolve_source(f"places365:{folder}@nope")
    with pytest.raises(DeepColorError, match="unknown --data source"):
        resolve_source("imagenet")


# ---------------------------------------------------------------------------------------------
# TFDS: a prepared cifar10 in a local data_dir

@pytest.fixture(scope="module")
def cifar_dir(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("tfds"))
    return data_dir, stand_ins.tfds_cifar10(data_dir, n_train=40, n_test=10)


def test_cifar10_through_tfds_load(cifar_dir):
    data_dir, arrays = cifar_dir
    records = resolve_source(f"cifar10:{data_dir}", 0, 0)
    assert len(records) == 50 and ids(records) == ids(resolve_source(f"cifar10:{data_dir}", 0, 0))
    splits = split_records(records, (0.5, 0.3, 0.2), 0)
    # TFDS's test split is ours; its train split is divided between train and val only (5:3).
    assert sorted(r.id for r in splits["test"]) == sorted(f"cifar10/test_{k:05d}" for k in range(10))
    assert len(splits["train"]) + len(splits["val"]) == 40 and splits["val"] and splits["train"]
    assert not set(ids(splits["train"])) & set(ids(splits["val"]))
    for ident, pixels in decoded(records).items():
        np.testing.assert_array_equal(pixels, arrays[ident.split("/", 1)[1]])
    subset = resolve_source(f"cifar10:{data_dir}", 20, 3)
    assert len(subset) == 20 and ids(subset) == ids(resolve_source(f"cifar10:{data_dir}", 20, 3))


# ---------------------------------------------------------------------------------------------
# FiftyOne: a COCO-layout directory and a dataset in FiftyOne's own database. Each run is a fresh
# process with its own database folder, so the MongoDB it starts must be gone afterwards.

def mongod_processes(db_dir):
    found = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "mongod" in cmd and db_dir in cmd:
            found.append(cmd)
    return found


@pytest.fixture
def fiftyone_env(tmp_path, monkeypatch):
    db_dir = str(tmp_path / "fiftyone_db")
    monkeypatch.setenv("FIFTYONE_DATABASE_DIR", db_dir)
    monkeypatch.setenv("FIFTYONE_DO_NOT_TRACK", "true")
    monkeypatch.setenv("FIFTYONE_DATASET_ZOO_DIR", str(tmp_path / "zoo"))
    yield db_dir
    deadline = time.time() + 30
    while mongod_processes(db_dir) and time.time() < deadline:
        time.sleep(0.5)
    assert not mongod_processes(db_dir), "FiftyOne's mongod outlived the process that started it"


def test_coco_directory_and_fiftyone_dataset(tmp_path, fiftyone_env):
    arrays = stand_ins.coco_dir(str(tmp_path / "coco"))
    listing = tmp_path / "dir.json"
    proc = run_module("deepcolor.data", "--data", f"coco:{tmp_path / 'coco'}", "--list", listing)
    assert f"{len(arrays) + 1} listed, {len(arrays)} usable" in proc.stdout and "1 skipped" in proc.stdout
    assert "broken.png" in proc.stderr  # the bad sample is named, once
    by_dir = json.load(open(listing))
    # Determinism: a second process gives the same subset and split.
    run_module("deepcolor.data", "--data", f"coco:{tmp_path / 'coco'}", "--list", tmp_path / "again.json")
    assert json.load(open(tmp_path / "again.json")) == by_dir
    # The same images registered as a persistent FiftyOne dataset, read back by its name.
    files = sorted(str(tmp_path / "coco" / "data" / name) for name in arrays)
    register = ("import sys, fiftyone as fo; d = fo.Dataset('deepcolor-test-coco'); d.persistent = True; "
                "d.add_samples([fo.Sample(filepath=p) for p in sys.argv[1:]], progress=False)")
    subprocess.run([sys.executable, "-c", register, *files], check=True, capture_output=True, timeout=300,
                   env=dict(os.environ, FIFTYONE_DATABASE_VALIDATION="false"))
    proc = run_module("deepcolor.data", "--data", "coco:deepcolor-test-coco", "--max-samples", "5",
                      "--list", tmp_path / "named.json")
    assert "5 listed, 5 usable" in proc.stdout
    named = json.load(open(tmp_path / "named.json"))
    assert len(named["train"] + named["val"] + named["test"]) == 5
    # Pixels: FiftyOne hands over file paths; through the pipeline they equal the PNGs.
    pixels = decoded([Record(id=os.path.basename(p), path=p, group=p) for p in files])
    for name, array in arrays.items():
        np.testing.assert_array_equal(pixels[name], array)


# ---------------------------------------------------------------------------------------------
# Shards: write, read back at full fidelity, resume after damage and after a kill

def make_shards(*args, check=True):
    return subprocess.run([sys.executable, os.path.join(ROOT, "datasets_prep", "make_shards.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=600, check=check,
                          env=dict(os.environ, PYTHONPATH=ROOT))


def test_shards_roundtrip_exact_bytes_and_resume_after_damage(tmp_path, hf_dirs):
    folder, arrays = hf_dirs["parquet"]
    out = tmp_path / "shards"
    proc = make_shards("--data", f"places365:{folder}", "--image-size", "0", "--shard-size", "4", "--out", out)
    assert f"{len(arrays)} images in 3 shards" in proc.stdout and "1 skipped" in proc.stdout
    manifest = json.load(open(out / "manifest.json"))
    assert manifest["complete"] and manifest["skipped"][0]["problem"].startswith("truncated PNG")
    source = {r.id: r for r in resolve_source(f"places365:{folder}")}
    back = resolve_source(f"shards:{out}")
    assert len(back) == len(arrays)
    for record in back:  # image_size 0 keeps the original encoded bytes
        assert record.data == source[record.id].data and record.split == source[record.id].split
    # Damage: one shard deleted, one corrupted. Reading skips them with a message; a rerun of the
    # same command rewrites exactly those two and leaves the intact one alone.
    (out / "shard-00001-of-00003.tfrecord").unlink()
    with open(out / "shard-00002-of-00003.tfrecord", "r+b") as f:
        f.seek(40)
        f.write(b"\xff\xff")
    lines = []
    assert len(shard_records(str(out), log=lines.append)) == 4
    assert any("missing" in line for line in lines) and any("checksum mismatch" in line for line in lines)
    intact = os.stat(out / "shard-00000-of-00003.tfrecord").st_mtime_ns
    make_shards("--data", f"places365:{folder}", "--image-size", "0", "--shard-size", "4", "--out", out)
    assert os.stat(out / "shard-00000-of-00003.tfrecord").st_mtime_ns == intact
    assert json.load(open(out / "manifest.json"))["shards"] == manifest["shards"]
    assert len(resolve_source(f"shards:{out}")) == len(arrays)
    # Other settings into the same folder are refused in one line.
    proc = make_shards("--data", f"places365:{folder}", "--image-size", "32", "--out", out, check=False)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "other settings" in proc.stderr


def test_shards_resume_after_kill_matches_an_uninterrupted_run(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for k in range(300):
        Image.fromarray(stand_ins.photo(96, 128, seed=k)).save(photos / f"p{k:03d}.png")
    args = ["--data", f"folder:{photos}", "--image-size", "32", "--shard-size", "5"]
    make_shards(*args, "--out", tmp_path / "whole")
    whole = json.load(open(tmp_path / "whole" / "manifest.json"))
    assert whole["shard_count"] == 60 and whole["complete"]
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "datasets_prep", "make_shards.py"), *args,
                             "--out", killed], env=dict(os.environ, PYTHONPATH=ROOT),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            written = len(json.load(open(killed / "manifest.json"))["shards"])
        except (OSError, ValueError):
            written = 0
        if written >= 3:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = json.load(open(killed / "manifest.json"))
    assert not partial["complete"] and 3 <= len(partial["shards"]) < 60
    lines = []
    assert len(shard_records(str(killed), log=lines.append)) == sum(s["records"] for s in partial["shards"])
    assert any("incomplete" in line for line in lines)
    make_shards(*args, "--out", killed)
    resumed = json.load(open(killed / "manifest.json"))
    assert resumed["complete"] and [s["sha256"] for s in resumed["shards"]] == [s["sha256"] for s in whole["shards"]]
    assert not [name for name in os.listdir(killed) if name.endswith(".tmp")]
    back = resolve_source(f"shards:{killed}")
    pixels = decoded(back[:3])
    for record in back[:3]:  # resized JPEG (q95, 4:4:4) stays close to the resized original
        original = tf.image.resize(np.asarray(Image.open(photos / record.id), np.float32), [32, 32],
                                   antialias=True).numpy()
        assert pixels[record.id].shape == (32, 32, 3)
        assert np.abs(pixels[record.id].astype(np.float32) - original).mean() < 2.0


# ---------------------------------------------------------------------------------------------
# 002's mix: the documented command trains with a local stand-in for each source

def test_deepcolor_mix_trains_on_local_stand_ins(tmp_path, hf_dirs, fiftyone_env, monkeypatch):
    stand_ins.coco_dir(str(tmp_path / "coco"), count=12)
    stand_ins.hf_parquet_dir(str(tmp_path / "places"), count=12, seed=5)
    monkeypatch.setenv("DEEPCOLOR_COCO", str(tmp_path / "coco"))
    monkeypatch.setenv("DEEPCOLOR_PLACES365", str(tmp_path / "places"))
    monkeypatch.setenv("DEEPCOLOR_ADE20K", hf_dirs["imagefolder"][0])
    out = tmp_path / "run"
    proc = run_module("deepcolor.train", "--arch", "unet", "--data", "deepcolor_mix", "--max-samples", "10",
                      "--image-size", "32", "--batch-size", "8", "--epochs", "1", "--out", out)
    assert "done:" in proc.stdout
    splits = json.load(open(out / "splits.json"))
    for name in ("coco", "places365", "ade20k"):  # exactly 80/20 of each source's 10
        assert len([i for i in splits["train"] if i.startswith(name + "/")]) == 8
        assert len([i for i in splits["val"] if i.startswith(name + "/")]) == 2
    assert not set(splits["train"]) & set(splits["val"]) and not splits["test"]
    # Each stand-in holds one corrupt sample: whichever were drawn are skipped and counted.
    config = json.load(open(out / "config.json"))
    assert sum(config["images"].values()) + len(config["skipped_files"]) == 30
    # Parts named in the spec (what --scale cpu uses): the same code paths, plus plain folders.
    folder = tmp_path / "photos"
    for k in range(7):
        images.write(str(folder / f"p{k}.png"), images.photo(20, 30, seed=k))
    records = resolve_source(f"deepcolor_mix:ade20k:{hf_dirs['imagefolder'][0]}+folder:{folder}", 5, 0)
    by_part = {}
    for r in records:  # (in this process: HF datasets only, FiftyOne's database ran in the child above)
        by_part.setdefault((r.id.split("/")[0], r.split), []).append(r.id)
    assert {k: len(v) for k, v in by_part.items()} == {("ade20k", "train"): 4, ("ade20k", "val"): 1,
                                                       ("photos", "train"): 4, ("photos", "val"): 1}


# ---------------------------------------------------------------------------------------------
# Offline: every hub default fails fast with one line (network really blocked: empty net namespace)

def offline(*args, home):
    command = " ".join([sys.executable, "-m", "deepcolor.train", *map(str, args)])
    started = time.time()
    proc = subprocess.run(["unshare", "-n", "sh", "-c", f"ip link set lo up && exec {command}"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=ROOT, HOME=str(home),
                                   FIFTYONE_DATABASE_DIR=str(home / "db"), TFDS_DATA_DIR=str(home / "tfds")))
    return proc, time.time() - started


@pytest.mark.parametrize("spec, names", [("deepcolor_mix", ("coco", "images.cocodataset.org")),
                                         ("places365", ("places365", "huggingface.co")),
                                         ("ade20k", ("ade20k", "huggingface.co")),
                                         ("cifar10", ("cifar10", "www.cs.toronto.edu"))])
def test_hub_sources_fail_fast_offline_with_one_line(tmp_path, spec, names, monkeypatch):
    for key in ("DEEPCOLOR_COCO", "DEEPCOLOR_PLACES365", "DEEPCOLOR_ADE20K", "DEEPCOLOR_CIFAR10"):
        monkeypatch.delenv(key, raising=False)
    proc, seconds = offline("--arch", "unet", "--data", spec, "--out", tmp_path / "run", home=tmp_path)
    assert proc.returncode == 2 and seconds < 30, (seconds, proc.stderr[-2000:])
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("error: " + names[0]) and names[1] in lines[0]
    assert "folder:PATH" in lines[0] and "shards:PATH" in lines[0]
    assert not mongod_processes(str(tmp_path / "db"))


def test_cifar10_image_folder_layout_through_tfds_image_folder(tmp_path):
    # The split/label/image layout (train/cat/0001.jpg) read by tfds.folder_dataset.ImageFolder; exact
    # counts (report 003's 5,000 / 500 / 1,000, here scaled down) are drawn by seed.
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in (("train", 12), ("test", 6)):
        for k in range(n):
            label = ("cat", "dog")[k % 2]
            os.makedirs(tmp_path / split / label, exist_ok=True)
            pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / split / label / f"{k:04d}.png")
            arrays[f"cifar10/{split}/{label}/{k:04d}.png"] = pixels
    records = resolve_source(f"cifar10:{tmp_path}", 0, 0)
    assert sorted(ids(records)) == sorted(arrays)
    splits = split_records(records, (6, 3, 4), 1)
    assert [len(splits[s]) for s in ("train", "val", "test")] == [6, 3, 4]
    assert all(r.id.startswith("cifar10/test/") for r in splits["test"])
    assert all(r.id.startswith("cifar10/train/") for r in splits["train"] + splits["val"])
    for ident, pixels in decoded(records).items():
        np.testing.assert_array_equal(pixels, arrays[ident])


def test_several_sources_combine_with_unique_ids_and_a_stable_split(tmp_path):
    from tests import images
    for part in ("photos", "scenes"):
        os.makedirs(tmp_path / part)
        for k in range(6):
            images.write(str(tmp_path / part / f"{k}.png"), images.photo(20, 30, seed=k))
    spec = f"folder:{tmp_path / 'photos'}+folder:{tmp_path / 'scenes'}"
    records = resolve_source(spec)
    assert len(records) == 12 and len(set(ids(records))) == 12
    assert {r.id.split("/")[0] for r in records} == {"photos", "scenes"}
    os.makedirs(tmp_path / "other")
    images.write(str(tmp_path / "other" / "x.png"), images.photo(20, 30, seed=9))
    # Changing the other part never moves this part's photos between splits (a hash of each id).
    def where(spec):
        return {r.id: name for name, part in split_records(resolve_source(spec), (0.5, 0.25, 0.25), 0).items()
                for r in part if r.id.startswith("photos/")}
    assert where(spec) == where(f"folder:{tmp_path / 'photos'}+folder:{tmp_path / 'other'}")
    assert len(resolve_source(spec, 5, 0)) == 5
    with pytest.raises(DeepColorError, match="same name"):
        resolve_source(f"folder:{tmp_path / 'photos'}+folder:{tmp_path / 'photos'}")


def test_a_local_folder_holding_one_split_is_read_whole(tmp_path):
    # imagefolder infers the split from file names: ADE20K's ADE_val_*.jpg are all "validation".
    for k in range(4):
        images.write(str(tmp_path / "ade" / f"ADE_val_{k:08d}.jpg"), images.photo(20, 30, seed=k), fmt="JPEG")
    records = resolve_source(f"ade20k:{tmp_path / 'ade'}")
    assert len(records) == 4 and all(r.id.startswith("ade20k/validation/") for r in records)
