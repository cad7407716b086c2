"""`python -m deepcolor.bench --quick`: the CI-sized run. Asserts correctness only, never timings."""

import json

from tests.conftest import run_module


def test_quick_bench_runs_and_both_loaders_give_the_same_tensors(tmp_path):
    proc = run_module("deepcolor.bench", "--quick", "--data", "sample", "--out", tmp_path, "--machine", "ci")
    report = json.load(open(tmp_path / "ci.json"))
    check = report["results"]["loader_check"]
    assert check["same_tensors"] and check["max_abs_difference"] <= 1 / 255 + 1e-6 and check["images"] == 16
    results = report["results"]
    assert set(results["pipeline"]) == {"ours", "report002_code", "ours_rss_mb", "report002_code_rss_mb"}
    assert set(results["train"]) == {"ours_jit_off", "report002_code"}  # --quick skips the slow XLA run
    assert results["train"]["ours_jit_off"]["result"]["64"]["jit_compile"] is False
    assert results["colorize"]["result"]["folder"]["failed"] == 0
    for section in ("pipeline", "train", "colorize"):
        assert section in (tmp_path / "ci.md").read_text().lower()
    assert report["quick"] and "timings below mean nothing" in (tmp_path / "ci.md").read_text()
    assert report["command"].startswith("python -m deepcolor.bench --quick")
    assert "Loaders agree: True" in proc.stdout


def test_classification_step_bench_measures_the_three_steps(tmp_path):
    run_module("deepcolor.bench", "--only", "classification", "--quick", "--out", tmp_path, "--machine", "ci")
    rows = json.load(open(tmp_path / "classification-ci.json"))["rows"]["64"]
    assert len(rows) == 3 and all(ms > 0 for ms in rows.values())
    assert "now / regression" in (tmp_path / "classification-ci.md").read_text()
