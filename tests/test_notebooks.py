"""Every notebook in notebooks/ executed for real (nbclient, a Python kernel), at smoke scale.

The report notebooks are also the smoke test of the replication runner for every report: the
notebook runs each row (train -> evaluate -> ensembles) and shows the page's table; this test then
checks the page and its files, that a second run resumes (trains nothing), and that one SavedModel
export per architecture of the report works.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from deepcolor.experiments import REPORTS, protocol
from tests.conftest import ROOT, run_module

NOTEBOOKS = os.path.join(ROOT, "notebooks")
pytest.importorskip("nbclient")


def execute(name, work, monkeypatch, timeout=1500):
    """Runs notebooks/NAME top to bottom in a fresh kernel with WORK as its working folder; returns
    the executed notebook (cell errors raise CellExecutionError with the cell's traceback)."""
    import nbformat
    from nbclient import NotebookClient
    for key, value in {"DEEPCOLOR_WORK": str(work), "DEEPCOLOR_SCALE": "smoke", "PYTHONPATH": ROOT,
                       "TF_CPP_MIN_LOG_LEVEL": "2"}.items():
        monkeypatch.setenv(key, value)  # the kernel process inherits this environment
    notebook = nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells), f"{name}: outputs are not stripped"
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": NOTEBOOKS}}).execute()
    return notebook


def outputs_text(cell):
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.extend(str(v) for k, v in output.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


def test_notebooks_are_the_generated_ones():
    """notebooks/make_notebooks.py is the source of the notebooks; the committed files match it."""
    import nbformat
    sys.path.insert(0, NOTEBOOKS)
    try:
        import make_notebooks
    finally:
        sys.path.remove(NOTEBOOKS)
    made = [make_notebooks.quickstart_notebook()] + [make_notebooks.report_notebook(k) for k in REPORTS]
    assert sorted(n for n, _ in made) == sorted(f for f in os.listdir(NOTEBOOKS) if f.endswith(".ipynb"))
    for name, cells in made:
        committed = nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in cells], f"{name} is stale: re-run make_notebooks.py"


@pytest.mark.heavy
@pytest.mark.timeout(900)
def test_quickstart_notebook_colorizes_samples_and_trains(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPCOLOR_PHOTOS", raising=False)  # the bundled photos: seconds, not a folder scan
    notebook = execute("quickstart.ipynb", tmp_path, monkeypatch)
    text = "\n".join(outputs_text(c) for c in notebook.cells)
    assert "4 photos colorized" in text
    assert sorted(os.listdir(tmp_path / "colorized")) == ["astronaut.png", "chelsea.png", "coffee.png", "rocket.png"]
    assert (tmp_path / "samples.png").stat().st_size > 10000
    assert re.search(r"colorize page at http://127\.0\.0\.1:\d+/? answers 200", text)  # the Gradio page, inline
    assert "ColorizationModel(" in text and "(400, 600, 3)" in text  # coffee.png, colorized by the new run
    assert (tmp_path / "runs" / "my_unet" / "best.keras").exists()


@pytest.mark.heavy
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("report", sorted(REPORTS))
def test_report_notebook_replicates_at_smoke_scale_and_shows_the_table(report, tmp_path, monkeypatch):
    notebook = execute(next(n for n in os.listdir(NOTEBOOKS) if n.startswith(f"report_{report}_")),
                       tmp_path, monkeypatch)
    proto, experiments = protocol(report)
    text = "\n".join(outputs_text(c) for c in notebook.cells)
    assert "failed rows: none" in text
    # the table cell showed our figure beside the paper's
    assert f"| paper: {proto.metric_label} | " in text and f" ours: {proto.metric_label} |" in text
    out, runs_dir = tmp_path / "results" / f"{report}_smoke", tmp_path / "runs" / f"{report}_smoke"
    page = (out / "README.md").read_text()
    assert f"python -m deepcolor.replicate {report} --scale smoke" in page
    for e in experiments:
        row = next(line for line in page.splitlines() if line.startswith(f"| {e.name} |"))
        assert "not run yet" not in row
        if proto.figure in e.figures:  # the paper's own figures, as printed, beside ours
            printed = "".join(f"{e.figures.get(k, '–')} | " for k, _ in proto.other_figures)
            assert f"| {e.figures[proto.figure]} | {printed}**" in row
        metrics = json.loads((out / "rows" / e.name / "metrics.json").read_text())
        assert metrics["model"][proto.metric]["mean"] >= 0 and (out / "rows" / e.name / "config.json").exists()
    assert "| gray baseline |" in page and "## The paper's claims, checked" in page
    assert all(f"| {c.text} |" in page for c in proto.claims)
    assert (out / "loss_curves.png").stat().st_size > 5000 and (out / "samples.png").stat().st_size > 5000
    # Row-level resume: the command line on the same folders trains nothing and rewrites the page.
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
    subprocess.run([sys.executable, "-c", script, *by_arch.values()], check=True, cwd=ROOT, timeout=900,
                   env=dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2"))
    for run in by_arch.values():
        assert os.path.exists(os.path.join(run, "saved", "saved_model.pb"))
