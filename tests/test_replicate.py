"""The replication runner at smoke scale, for every report: each row trains and is evaluated, the
page has one table with the paper's figure beside ours, the claims section, loss curves and a sample
grid; re-running resumes (nothing retrained); one export per architecture still works."""

import json
import os
import sys

import pytest

from deepcolor.experiments import REPORTS, protocol
from tests.conftest import ROOT, run_module


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("report", sorted(REPORTS))
def test_every_report_replicates_at_smoke_scale_and_writes_its_page(report, tmp_path):
    out, runs_dir = tmp_path / "results", tmp_path / "runs"
    proc = run_module("deepcolor.replicate", report, "--scale", "smoke", "--out", out, "--runs", runs_dir,
                      "--grid-photos", "2", timeout=1700, check=False)
    failed = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert proc.returncode == 0 and not failed, "\n".join(failed) or proc.stderr[-3000:]
    proto, experiments = protocol(report)
    page = (out / "README.md").read_text()
    assert f"python -m deepcolor.replicate {report} --scale smoke" in page
    assert f"| paper: {proto.metric_label} | ours: {proto.metric_label} |" in page
    for e in experiments:
        row = next(line for line in page.splitlines() if line.startswith(f"| {e.name} |"))
        assert "not run yet" not in row
        if proto.figure in e.figures:  # the paper's own figure, as printed, beside ours
            assert f"| {e.figures[proto.figure]} | **" in row
        metrics = json.loads((out / "rows" / e.name / "metrics.json").read_text())
        assert metrics["model"][proto.metric]["mean"] >= 0 and (out / "rows" / e.name / "config.json").exists()
    assert "| gray baseline |" in page and "## The paper's claims, checked" in page
    assert all(f"| {c.text} |" in page for c in proto.claims)
    assert (out / "loss_curves.png").stat().st_size > 5000 and (out / "samples.png").stat().st_size > 5000
    # Row-level resume: a second run trains nothing and rewrites the same page.
    again = run_module("deepcolor.replicate", report, "--scale", "smoke", "--out", out, "--runs", runs_dir,
                       "--grid-photos", "2", timeout=600)
    assert "ok  " not in again.stdout and "0 rows done this time, 0 failed" in again.stdout
    # One SavedModel export per architecture of the report (a SavedModel must trace its graph).
    by_arch = {}
    for name in sorted(os.listdir(runs_dir)):
        settings = json.loads((runs_dir / name / "config.json").read_text())["settings"]
        if not settings.get("ensemble"):
            by_arch.setdefault(settings["arch"], str(runs_dir / name))
    script = ("import sys\nfrom deepcolor.export import export_run\n"
              "for run in sys.argv[1:]:\n    export_run(run, run + '/saved')\n")
    import subprocess
    subprocess.run([sys.executable, "-c", script, *by_arch.values()], check=True, cwd=ROOT, timeout=900,
                   env=dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2"))
    for run in by_arch.values():
        assert os.path.exists(os.path.join(run, "saved", "saved_model.pb"))


def test_rows_with_the_same_settings_train_once():
    from deepcolor.replicate import plan
    proto, experiments = protocol("003")
    groups = {names[0]: names for _, _, names in plan(experiments, proto, "cpu")}
    assert sorted(groups["mlp003_best"]) == ["mlp003_act_sigmoid", "mlp003_batchnorm", "mlp003_best",
                                             "mlp003_last_tanh", "mlp003_opt_adam"]
    assert len(groups) == 19
