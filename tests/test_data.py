import json
import os

import numpy as np
import pytest

from deepcolor.errors import DeepColorError
import tensorflow as tf
from PIL import Image, ImageOps

from deepcolor.data import parse_fractions, resize_image, resized_images, resolve_source, scan_image, scan_records, split_records, subsample, training_dataset, write_splits
from deepcolor.data.images import BadImageError
from deepcolor.data.image_ops import apply_exif_orientation, decode_upright, exif_orientation
from deepcolor.data.sources import Record, sample_records
from deepcolor.color.encodings import get_encoding
from tests import images
from tests.conftest import SHARED_PHOTOS


def records_for(paths):
    return [Record(id=os.path.basename(p), path=p, group=os.path.basename(p)) for p in paths]


def decode_with_pipeline(paths, size=None):
    """Full-size decode through the tf.data path (size=None) -> list of uint8 arrays."""
    usable, skipped = scan_records(records_for(paths))
    assert not skipped, skipped
    return [decode_upright(tf.io.read_file(i.path), i.orientation, i.tf_native).numpy() for _, i in usable]


def test_folder_source_is_recursive_and_filters_extensions(tmp_path):
    for rel in ["a.jpg", "sub/b.PNG", "sub/deeper/c.webp", "d.tif", "e.bmp", "f.gif", "notes.txt",
                "manifest.csv", ".hidden.jpg"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    ids = [r.id for r in resolve_source(f"folder:{tmp_path}")]
    assert ids == ["a.jpg", "d.tif", "e.bmp", "f.gif", "sub/b.PNG", "sub/deeper/c.webp"]


def test_missing_folder_is_a_one_line_error(tmp_path):
    with pytest.raises(DeepColorError, match="data folder not found"):
        resolve_source(f"folder:{tmp_path}/nope")


def test_hash_split_is_deterministic_disjoint_and_close_to_fractions():
    records = [Record(id=f"img{i}.jpg", path="", group=f"img{i}.jpg") for i in range(5000)]
    a = split_records(records, (0.8, 0.1, 0.1), seed=0)
    b = split_records(list(reversed(records)), (0.8, 0.1, 0.1), seed=0)
    for name in a:
        assert sorted(r.id for r in a[name]) == sorted(r.id for r in b[name])
    ids = [set(r.id for r in a[n]) for n in ("train", "val", "test")]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert sum(len(s) for s in ids) == 5000
    assert abs(len(a["train"]) / 5000 - 0.8) < 0.02 and abs(len(a["val"]) / 5000 - 0.1) < 0.015
    c = split_records(records, (0.8, 0.1, 0.1), seed=1)
    assert set(r.id for r in c["test"]) != ids[2]  # the seed matters
    # Adding files never moves existing ones between splits (the hash is per file).
    more = split_records(records + [Record(id="new.jpg", path="", group="new.jpg")], (0.8, 0.1, 0.1), 0)
    assert set(r.id for r in more["test"]) - {"new.jpg"} == ids[2]


def test_split_file_is_written(tmp_path):
    records = [Record(id=f"{i}.png", path="", group=f"{i}.png") for i in range(50)]
    splits = split_records(records, (0.6, 0.2, 0.2), 7)
    write_splits(str(tmp_path / "splits.json"), splits, (0.6, 0.2, 0.2), 7)
    saved = json.loads((tmp_path / "splits.json").read_text())
    assert saved["seed"] == 7 and saved["fractions"] == [0.6, 0.2, 0.2]
    assert sorted(saved["train"] + saved["val"] + saved["test"]) == sorted(r.id for r in records)


def test_bad_fractions_are_rejected():
    with pytest.raises(DeepColorError, match="summing to 1"):
        parse_fractions("0.8,0.3,0.1")
    assert parse_fractions("0.75,0.15,0.1") == (0.75, 0.15, 0.1)


def test_subsample_is_deterministic_and_bounded():
    records = [Record(id=f"{i}", path="", group=f"{i}") for i in range(100)]
    a, b = subsample(records, 10, 3), subsample(records, 10, 3)
    assert len(a) == 10 and a == b and subsample(records, 10, 4) != a
    assert subsample(records, 0, 3) == records


def test_subsample_is_independent_of_the_split():
    # Regression: subset and split once used the same hash, so a subset fell entirely into train.
    records = [Record(id=f"img{i}.jpg", path=f"/x/img{i}.jpg", group=f"img{i}.jpg") for i in range(2000)]
    splits = split_records(subsample(records, 400, 0), (0.8, 0.1, 0.1), 0)
    assert 280 <= len(splits["train"]) <= 360 and 20 <= len(splits["val"]) <= 60 and 20 <= len(splits["test"]) <= 60


def test_sample_source_keeps_each_photo_in_one_split():
    records = sample_records()
    assert len(records) >= 60
    by_group = {}
    for r in records:
        by_group.setdefault(r.group, set()).add(r.split)
    assert all(len(s) == 1 for s in by_group.values())
    splits = split_records(records, (0.8, 0.1, 0.1), 0)
    assert splits["train"] and splits["val"] and splits["test"]
    assert {r.group for r in splits["train"]}.isdisjoint({r.group for r in splits["test"]})


LOSSLESS = [("png", "PNG", {}), ("bmp", "BMP", {}), ("tif", "TIFF", {}), ("webp", "WEBP", {"lossless": True})]


@pytest.mark.parametrize("ext,fmt,kwargs", LOSSLESS)
def test_lossless_formats_decode_to_the_exact_pixels(tmp_path, ext, fmt, kwargs):
    array = images.photo(40, 56, seed=1)
    path = images.write(str(tmp_path / f"x.{ext}"), array, fmt, **kwargs)
    (decoded,) = decode_with_pipeline([path])
    np.testing.assert_array_equal(decoded, array)


def test_jpeg_gray_palette_rgba_16bit_gif_and_cmyk(tmp_path):
    array = images.photo(40, 56, seed=2)
    jpg = images.write(str(tmp_path / "x.jpg"), array, "JPEG", quality=95)
    gray = images.write(str(tmp_path / "g.png"), array[..., 0])
    rgba = images.write(str(tmp_path / "a.png"), np.dstack([array, np.full(array.shape[:2], 128, np.uint8)]))
    pal = str(tmp_path / "p.png")
    Image.fromarray(array).quantize(64).save(pal)
    sixteen = str(tmp_path / "s.png")
    Image.fromarray((array[..., 1].astype(np.uint16) * 257)).save(sixteen)
    gif = str(tmp_path / "anim.gif")
    frames = [Image.fromarray(array).quantize(64), Image.fromarray(255 - array).quantize(64)]
    frames[0].save(gif, save_all=True, append_images=frames[1:])
    cmyk = str(tmp_path / "c.jpg")
    Image.fromarray(array).convert("CMYK").save(cmyk, quality=95)
    decoded = dict(zip(["jpg", "gray", "rgba", "pal", "sixteen", "gif", "cmyk"],
                       decode_with_pipeline([jpg, gray, rgba, pal, sixteen, gif, cmyk])))
    reference = lambda p: np.asarray(Image.open(p).convert("RGB"))  # noqa: E731
    assert np.abs(decoded["jpg"].astype(int) - reference(jpg).astype(int)).mean() < 1.0
    np.testing.assert_array_equal(decoded["gray"], np.repeat(array[..., :1], 3, -1))
    np.testing.assert_array_equal(decoded["rgba"], array)
    np.testing.assert_array_equal(decoded["pal"], reference(pal))
    np.testing.assert_array_equal(decoded["sixteen"], np.repeat(array[..., 1:2], 3, -1))
    np.testing.assert_array_equal(decoded["gif"], reference(gif))  # first frame
    assert np.abs(decoded["cmyk"].astype(int) - reference(cmyk).astype(int)).max() <= 1
    assert all(d.shape == (40, 56, 3) for d in decoded.values())


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pil(tmp_path, orientation):
    array = images.photo(30, 50, seed=orientation)
    path = images.write_exif_rotated(str(tmp_path / f"o{orientation}.jpg"), array, orientation)
    info = scan_image(path)
    assert info.orientation == orientation
    (decoded,) = decode_with_pipeline([path])
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    assert decoded.shape == expected.shape
    assert np.abs(decoded.astype(int) - expected.astype(int)).max() <= 2  # decoders differ slightly
    # The SavedModel's decode reads the orientation from the bytes in-graph: the same pixels.
    data = open(path, "rb").read()
    assert int(exif_orientation(tf.constant(data))) == orientation
    assert np.array_equal(decode_upright(tf.constant(data)).numpy(), decoded)


def test_in_graph_exif_orientation_reads_both_byte_orders_and_tolerates_junk():
    import struct

    def jpeg_with_app1(tiff):
        app1 = b"Exif\x00\x00" + tiff
        return b"\xff\xd8\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + b"\xff\xd9"

    for order, fmt in ((b"MM", ">"), (b"II", "<")):
        entries = struct.pack(fmt + "HHIHH", 0x010F, 2, 1, 0, 0) + struct.pack(fmt + "HHIHH", 0x0112, 3, 1, 7, 0)
        tiff = order + struct.pack(fmt + "HI", 42, 8) + struct.pack(fmt + "H", 2) + entries + b"\0\0\0\0"
        assert int(exif_orientation(tf.constant(jpeg_with_app1(tiff)))) == 7
    for junk in (b"", b"\xff\xd8", jpeg_with_app1(b"MM\x00*\xff\xff\xff\xff"), jpeg_with_app1(b"II"),
                 b"\x89PNG\r\n\x1a\nExif\x00\x00MM\x00*\x00\x00\x00\x08"):
        assert int(exif_orientation(tf.constant(junk))) == 1


def test_bad_files_are_skipped_with_one_line_each(tmp_path):
    good = images.write(str(tmp_path / "good.png"))
    jpg = images.write(str(tmp_path / "full.jpg"), fmt="JPEG")
    png = images.write(str(tmp_path / "full2.png"))
    bad = {
        "empty.jpg": lambda p: open(p, "wb").close(),
        "text.jpg": lambda p: open(p, "w").write("this is not an image"),
        "cut.jpg": lambda p: images.truncated_copy(jpg, p),
        "cut.png": lambda p: images.truncated_copy(png, p),
        "folder.jpg": lambda p: os.mkdir(p),
    }
    for name, make in bad.items():
        make(str(tmp_path / name))
    os.remove(jpg), os.remove(png)
    lines = []
    records = resolve_source(f"folder:{tmp_path}")
    usable, skipped = scan_records(records, log=lines.append)
    assert [r.id for r, _ in usable] == ["good.png"]
    reasons = {r.id: why for r, why in skipped}
    assert reasons["empty.jpg"] == "empty file (0 bytes)"
    assert reasons["text.jpg"].startswith("not a readable image")
    assert reasons["cut.jpg"] == "truncated JPEG file (no end marker)"
    assert reasons["cut.png"] == "truncated PNG file (no end marker)"
    assert reasons["folder.jpg"] == "is a directory, not an image file"
    assert len(lines) == 5 and all("\n" not in line and str(tmp_path) in line for line in lines)
    assert good


def test_pixel_limit_refuses_before_decoding(tmp_path):
    path = images.write(str(tmp_path / "big.png"), np.zeros((300, 400, 3), np.uint8))
    with pytest.raises(BadImageError, match="exceeds the pixel limit"):
        scan_image(path, max_pixels=100_000)
    assert scan_image(path, max_pixels=120_000).width == 400


def test_resize_modes():
    image = tf.constant(images.photo(60, 120), tf.uint8)
    for mode in ("squash", "crop", "letterbox"):
        out = resize_image(image, 32, mode).numpy()
        assert out.shape == (32, 32, 3) and 0 <= out.min() and out.max() <= 255
    letterbox = resize_image(image, 32, "letterbox").numpy()
    assert letterbox[:7].max() == 0 and letterbox[-7:].max() == 0 and letterbox[16].max() > 0
    uniform = tf.fill([50, 70, 3], tf.constant(77, tf.uint8))
    np.testing.assert_allclose(resize_image(uniform, 16, "squash").numpy(), 77, atol=1e-3)


def test_training_dataset_shapes_ranges_and_resumable_order(tmp_path):
    paths = [images.write(str(tmp_path / f"{i}.png"), images.photo(40 + i, 50, seed=i)) for i in range(10)]
    usable, _ = scan_records(records_for(paths))
    infos = [i for _, i in usable]
    enc = get_encoding("rgb01")
    ds = training_dataset(infos, enc, 16, 4, shuffle=True, seed=5, repeat=True)
    batches = [b for b in ds.take(9)]  # 3 epochs of ceil(10/4) = 3 batches
    gray, target = batches[0]
    assert gray.shape == (4, 16, 16, 1) and target.shape == (4, 16, 16, 3)
    assert 0 <= gray.numpy().min() and gray.numpy().max() <= 1 and target.numpy().max() <= 1
    assert [b[0].shape[0] for b in batches] == [4, 4, 2] * 3  # epochs never mix
    # Skipping the first epoch gives exactly what an uninterrupted stream gives from epoch 2 on.
    resumed = [b for b in training_dataset(infos, enc, 16, 4, shuffle=True, seed=5, repeat=True,
                                           skip_batches=3).take(6)]
    for a, b in zip(batches[3:], resumed):
        np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())
    epoch1 = np.concatenate([b[1].numpy() for b in batches[:3]])
    epoch2 = np.concatenate([b[1].numpy() for b in batches[3:6]])
    assert not np.array_equal(epoch1, epoch2)  # reshuffled each epoch
    assert np.allclose(np.sort(epoch1.ravel()), np.sort(epoch2.ravel()))  # same images


@pytest.mark.skipif(not (SHARED_PHOTOS and os.path.isdir(SHARED_PHOTOS)), reason="DEEPCOLOR_PHOTOS not set")
def test_pipeline_reads_real_photos_like_pil():
    records = resolve_source(f"folder:{SHARED_PHOTOS}")
    assert len(records) > 1400
    usable, skipped = scan_records(records[:40])
    assert len(usable) == 40 and not skipped
    infos = [i for _, i in usable]
    for (image,), info in zip(resized_images(infos, (64,)).batch(1).take(5), infos):
        ref = np.asarray(ImageOps.exif_transpose(Image.open(info.path)).convert("RGB").resize((64, 64)))
        assert image.shape == (64, 64, 3)
        assert np.abs(image.numpy().astype(int) - ref.astype(int)).mean() < 6  # resamplers differ


def test_crop_flip_augmentation_is_seeded_per_batch_and_resumes_exactly(tmp_path):
    paths = [images.write(str(tmp_path / f"{i}.png"), images.photo(40 + i, 50, seed=i)) for i in range(10)]
    infos = [i for _, i in scan_records(records_for(paths))[0]]
    enc = get_encoding("rgb01")

    def stream(**kw):
        ds = training_dataset(infos, enc, 16, 4, shuffle=True, seed=5, repeat=True, augment=True, **kw)
        return [b[1].numpy() for b in ds.take(6 - kw.get("skip_batches", 0) // 1)]
    full = stream()
    assert full[0].shape == (4, 16, 16, 3) and 0 <= full[0].min() and full[0].max() <= 1
    resumed = stream(skip_batches=3)
    for a, b in zip(full[3:], resumed):
        np.testing.assert_array_equal(a, b)  # a resumed run draws the same crops and flips
    plain = [b[1].numpy() for b in training_dataset(infos, enc, 16, 4, shuffle=True, seed=5, repeat=True).take(3)]
    assert not np.array_equal(np.sort(full[0].ravel()), np.sort(plain[0].ravel()))  # crops differ from the whole
    # Two epochs of the same images are cropped differently.
    assert not np.allclose(np.sort(np.concatenate(full[:3]).ravel()), np.sort(np.concatenate(full[3:6]).ravel()))


def test_evaluate_reads_the_split_training_wrote(tmp_path):
    import json
    from deepcolor.data.sources import run_splits, splits_of
    from deepcolor.errors import UsageError
    settings = {"data": "sample", "max_samples": 0, "split": "0.6,0.2,0.2", "seed": 0}
    _, fresh = splits_of("sample", 0, "0.6,0.2,0.2", 0)
    assert [r.id for r in run_splits(str(tmp_path), settings)["test"]] == [r.id for r in fresh["test"]]  # none written
    kept = [r.id for r in fresh["test"][:2]]
    (tmp_path / "splits.json").write_text(json.dumps({"train": [], "val": [], "test": kept}))
    assert [r.id for r in run_splits(str(tmp_path), settings)["test"]] == kept  # read, not recomputed
    assert [r.id for r in run_splits(str(tmp_path), settings, data="sample")["test"]] == [r.id for r in fresh["test"]]
    (tmp_path / "splits.json").write_text(json.dumps({"train": [], "val": [], "test": ["sample/gone.png"]}))
    with pytest.raises(UsageError, match="splits.json: 1 of the run's photos are no longer in sample"):
        run_splits(str(tmp_path), settings)
