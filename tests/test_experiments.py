"""Every named experiment: its config is complete and documented (their --smoke runs go end to end
in tests/test_replicate.py, through the replication runner)."""

import importlib
import re

import pytest

from deepcolor.errors import DeepColorError

from deepcolor.experiments import MODULES, all_experiments, get_experiment
from tests.conftest import run_module


def test_every_row_names_its_paper_row_and_figures_and_every_module_documents_its_choices():
    experiments = all_experiments()
    assert len(experiments) >= 40
    for module in MODULES:
        doc = importlib.import_module(f"deepcolor.experiments.{module}").__doc__
        assert "Choices left open" in doc, module
    for name, experiment in experiments.items():
        assert re.fullmatch(r"[a-z0-9_.A-Z]+", name) and experiment.row and experiment.paper
        c = experiment.config  # typed sections with real values, not command-line strings
        assert c.model.arch and c.data.source and c.data.image_size > 0 and c.run.epochs > 0 and c.optimizer.lr > 0, name
        assert isinstance(c.model.options, dict) and isinstance(c.optimizer.lr_multipliers, dict), name
    assert get_experiment("hwang_zhou_best").config.optimizer.lr_multipliers == {"block": 0.003}
    assert get_experiment("mlp003_no_batchnorm").config.model.options == {"batchnorm": False}
    assert get_experiment("colorbias_BY_combined").config.model.ensemble == ("colorbias_blue", "colorbias_yellow")
    # The papers' own numbers travel with the rows that have them.
    assert get_experiment("deepcolor_unet_10ep").figures == {"MSE": 0.006, "PSNR": 23.229}
    assert get_experiment("hwang_zhou_best").figures == {"test Huber": "0.001849"}  # as printed: 0.001930, not 0.00193
    assert get_experiment("colorbias_BGY_combined").figures == {"val MSE": "0.0146"}
    with pytest.raises(DeepColorError, match="did you mean deepcolor_unet_10ep"):
        get_experiment("deepcolor_unet_10")


def test_cli_lists_experiments_and_overrides_any_field(tmp_path):
    listing = run_module("deepcolor.train", "--list-experiments").stdout
    assert all(name in listing for name in all_experiments())
    out = tmp_path / "run"
    run_module("deepcolor.train", "--experiment", "mlp003_best", "--smoke", "--lr", "0.001", "--out", out)
    import json
    settings = json.load(open(out / "config.json"))["settings"]
    assert settings["lr"] == 0.001 and settings["arch"] == "mlp" and settings["encoding"] == "rgb_pm1"
    assert settings["image_size"] == 32 and settings["weights"] == "none" and settings["epochs"] == 1
    # evaluate puts the paper's figure beside ours, in the paper's metric and units.
    shown = run_module("deepcolor.evaluate", "--run", out, "--metric-size", "32", "--samples", "0").stdout
    assert re.search(r'report 003 \(Xia & Salhi.*row "Best: .*": paper 3\.2, ours \d+\.\d{3} \(test MSE ×100 \(%\)\)', shown)
