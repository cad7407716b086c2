"""`deepcolor colorize` as a photo tool: metadata kept, file or folder output, globs, the input's format
family, side-by-side images, contact sheets, JPEG quality, and batches through the Python API."""

import os
import time

import numpy as np
import pytest
from PIL import Image

import deepcolor
from tests import images
from tests.conftest import run_command


DATE_TAKEN, CAMERA = "2001:02:03 04:05:06", "Brownie Box"


def colorize(*args, check=True):
    """`deepcolor colorize ARGS` in this process (the entry point itself runs as a process in test_api)."""
    from deepcolor.inference.colorize_files import main
    proc = run_command(main, *args)
    assert not check or proc.returncode == 0, proc.stderr
    return proc


def exif_photo(path, rgb, orientation=6, icc=b"", fmt="JPEG"):
    """Writes rgb with EXIF (date taken, camera model, orientation) and optionally an ICC profile."""
    exif = Image.Exif()
    exif[0x0132], exif[0x0110], exif[0x0112] = DATE_TAKEN, CAMERA, orientation
    options = {"exif": exif.tobytes()}
    if icc:
        options["icc_profile"] = icc
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(rgb).save(path, format=fmt, **options)


@pytest.fixture(scope="module")
def srgb_profile():
    from PIL import ImageCms
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def test_metadata_format_family_and_single_file_output(tmp_path, srgb_profile):
    src = tmp_path / "in"
    exif_photo(str(src / "scan.jpg"), images.photo(40, 60), orientation=6, icc=srgb_profile)
    exif_photo(str(src / "print.tif"), images.photo(32, 48), orientation=1, icc=srgb_profile, fmt="TIFF")
    images.write(str(src / "plain.png"), images.photo(20, 30))
    out = tmp_path / "out"
    proc = colorize(src, "--out", out, "--quality", "80")
    assert "colorized 3, skipped 0 (already done), failed 0" in proc.stdout
    assert sorted(os.listdir(out)) == ["plain.png", "print.tif", "scan.jpg"]  # each keeps its family
    with Image.open(out / "scan.jpg") as jpg:
        assert jpg.format == "JPEG" and jpg.size == (40, 60)  # EXIF orientation 6 applied to the pixels
        exif = jpg.getexif()
        assert (exif[0x0132], exif[0x0110], exif[0x0112]) == (DATE_TAKEN, CAMERA, 1)
        assert jpg.info["icc_profile"] == srgb_profile
    with Image.open(out / "print.tif") as tif:
        assert tif.format == "TIFF" and tif.getexif()[0x0110] == CAMERA and tif.info["icc_profile"] == srgb_profile
    # One input and an output with an image extension: that file, not a folder named like it.
    restored = tmp_path / "restored.jpg"
    colorize(src / "plain.png", "--out", restored)
    with Image.open(restored) as image:
        assert restored.is_file() and image.format == "JPEG" and image.size == (30, 20)
    as_png = tmp_path / "named.png"
    colorize(src / "scan.jpg", "--out", as_png)
    with Image.open(as_png) as image:
        assert image.format == "PNG" and image.getexif()[0x0132] == DATE_TAKEN
    # Several inputs cannot go to one file name.
    proc = colorize(src / "plain.png", src / "scan.jpg", "--out", tmp_path / "two.jpg",
                      check=False)
    assert proc.returncode == 2 and "names an image file, but 2 inputs were given" in proc.stderr
    assert not (tmp_path / "two.jpg").exists()
    # The one-liner keeps metadata as well.
    deepcolor.colorize(str(src / "scan.jpg"), str(tmp_path / "api.jpg"))
    with Image.open(tmp_path / "api.jpg") as image:
        assert image.getexif()[0x0110] == CAMERA and image.info["icc_profile"] == srgb_profile


def test_quoted_globs_side_by_side_contact_sheet_and_quality(tmp_path):
    src = tmp_path / "scans"
    for k in range(3):
        images.write(str(src / f"page{k}.png"), images.photo(24 + 4 * k, 36))
    images.write(str(src / "notes.png"), images.photo(16, 16))
    out = tmp_path / "out"
    proc = colorize(str(src / "page*.png"), str(tmp_path / "nothing*.tif"), "--out", out,
                      "--side-by-side", "--format", "jpg", "--quality", "70", "--contact-sheet",
                      tmp_path / "sheet.jpg", check=False)
    assert proc.returncode == 1  # the pattern that matches nothing is reported, the rest is done
    assert f"failed {tmp_path / 'nothing*.tif'}: no file matches this pattern" in proc.stderr
    assert "colorized 3, skipped 0 (already done), failed 1" in proc.stdout
    assert sorted(os.listdir(out)) == ["page0.jpg", "page1.jpg", "page2.jpg"]
    with Image.open(out / "page1.jpg") as image:
        assert image.size == (2 * 36, 28)  # gray | colour
        pixels = np.asarray(image.convert("RGB")).astype(int)
    chroma = np.abs(pixels - pixels.mean(-1, keepdims=True)).mean(-1)
    # JPEG's chroma subsampling bleeds a few columns across the seam: compare away from it.
    assert chroma[:, :30].mean() < 1.0 < chroma[:, 42:].mean()
    with Image.open(tmp_path / "sheet.jpg") as sheet:
        assert sheet.format == "JPEG" and sheet.width > 3 * 36
    assert "contact sheet of 3 images" in proc.stdout
    low = tmp_path / "low.jpg"
    colorize(src / "page0.png", "--out", low, "--quality", "5")
    assert low.stat().st_size < (out / "page0.jpg").stat().st_size


def test_python_api_takes_lists_and_batches_and_batching_is_faster_per_photo():
    model = deepcolor.load()
    rng = np.random.default_rng(0)
    batch = np.stack([images.photo(96, 128, seed=k) for k in range(8)])
    one_by_one = [model.colorize(image) for image in batch]
    as_batch = model.colorize(batch)
    assert isinstance(as_batch, np.ndarray) and as_batch.shape == (8, 96, 128, 3)
    for a, b in zip(as_batch, one_by_one):
        assert np.abs(a.astype(int) - b).max() <= 1  # the same network, batched
    mixed = model.colorize([batch[0], images.photo(50, 70), batch[1]])
    assert [m.shape for m in mixed] == [(96, 128, 3), (50, 70, 3), (96, 128, 3)]
    assert np.abs(mixed[2].astype(int) - one_by_one[1]).max() <= 1
    with pytest.raises(deepcolor.DeepColorError, match=r"image 1 \(array\)"):
        model.colorize([batch[0], rng.random((4, 4))])
    small = np.stack([images.photo(64, 64, seed=k) for k in range(16)])
    runs = {"single": lambda: [model.colorize(image) for image in small], "batch": lambda: model.colorize(small)}
    repeats = {label: [] for label in runs}
    for run in runs.values():
        run()  # traced once
    for _ in range(5):  # interleaved, so both see the same load; the fastest of five: a busy machine only adds time
        for label, run in runs.items():
            started = time.perf_counter()
            run()
            repeats[label].append(time.perf_counter() - started)
    timings = {label: min(values) for label, values in repeats.items()}
    print(f"\n16 photos 64x64: one at a time {timings['single']:.3f} s, one batch {timings['batch']:.3f} s")
    assert timings["batch"] < timings["single"], timings
