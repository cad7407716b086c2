"""The replication runner's planning and claim checking. Its smoke run of every report, end to end,
is tests/test_notebooks.py: each report's notebook runs the runner, and the test checks the page."""

import json
import os
import sys

import pytest

from deepcolor.errors import DeepColorError

from deepcolor.experiments import REPORTS, protocol
from tests.conftest import ROOT, run_module


def test_rows_with_the_same_settings_train_once():
    from deepcolor.replicate import plan
    proto, experiments = protocol("003")
    groups = {names[0]: names for _, _, names in plan(experiments, proto, "cpu")}
    assert sorted(groups["mlp003_best"]) == ["mlp003_act_sigmoid", "mlp003_batchnorm", "mlp003_best",
                                             "mlp003_last_tanh", "mlp003_opt_adam"]
    assert len(groups) == 20


def test_seeds_per_row_and_claims_judged_against_the_pooled_seed_spread():
    from deepcolor.experiments import Claim, seeds_for
    from deepcolor.replicate import plan
    from deepcolor.pages.replication import check_claim, pooled_spread
    proto, experiments = protocol("003")
    seeds = {names[0]: seeds_for(proto, "cpu", names) for _, _, names in plan(experiments, proto, "cpu")}
    assert seeds["mlp003_best"] == 3 and seeds["mlp003_ae1"] == 3 and seeds["mlp003_hidden2"] == 1

    def row(mean, std, n):
        return {"seeds": n, "model": {proto.metric: {"mean": mean / proto.scale, "std": std / proto.scale}}}

    rows = {"a": row(3.30, 0.05, 3), "b": row(3.36, 0.05, 3), "c": row(3.42, 0.0, 1), "d": row(4.0, 0.0, 1)}
    assert pooled_spread(proto, rows) == pytest.approx(0.05)
    # 3 seeds each: 2 SE = 2 * sqrt(2 * 0.05^2 / 3) = 0.082 > 0.06
    assert check_claim(Claim("x", "", (("a", "b"),)), proto, rows)[0] == "agrees in direction, within noise"
    # one seed borrows the pooled spread: 2 * sqrt(0.05^2 / 3 + 0.05^2) = 0.115 < 0.12
    assert check_claim(Claim("x", "", (("a", "c"),)), proto, rows)[0] == "agrees"
    assert check_claim(Claim("x", "", (("d", "a"),)), proto, rows)[0] == "disagrees"
    # Within noise says nothing of direction by itself: a tie (two rows that are the same network, as
    # report 003's 1-hidden-layer MLP and autoencoder are) or a lean the other way is no agreement.
    rows["a_again"] = row(3.30, 0.05, 3)
    verdict, lines = check_claim(Claim("x", "", (("a", "a_again"),)), proto, rows)
    assert (verdict, lines[0]) == ("within noise, no direction", "a 3.300 vs a_again 3.300: within noise (identical figures)")
    verdict, lines = check_claim(Claim("x", "", (("b", "a"),)), proto, rows)
    assert (verdict, lines[0]) == ("within noise, no direction", "b 3.360 vs a 3.300: within noise, leaning the other way")
    assert check_claim(Claim("x", "", (("a", "d"), ("b", "a"))), proto, rows)[0] == "partly (1 agrees, 1 within noise)"
    assert check_claim(Claim("x", "", (("a", "d"), ("a", "b"))), proto, rows)[0] == "agrees in direction, partly within noise"
    # Rows both worse than the gray baseline: the verdict says it compares two failures.
    for m in rows.values():
        m["gray"] = {proto.metric: {"mean": 3.35 / proto.scale, "std": 0.0}}
    verdict, lines = check_claim(Claim("x", "", (("c", "d"),)), proto, rows)
    assert verdict == "agrees; compares rows worse than gray" and lines[0].endswith("both worse than gray (3.350)")
    # Rows with the same seeds are compared seed by seed: the split's noise, shared, cancels out.
    paired = {"x": {"seeds": 3, "model": {proto.metric: {"mean": 3.3 / proto.scale, "std": 0.1 / proto.scale,
                                                         "values": [v / proto.scale for v in (3.2, 3.3, 3.4)]}}},
              "y": {"seeds": 3, "model": {proto.metric: {"mean": 3.35 / proto.scale, "std": 0.1 / proto.scale,
                                                         "values": [v / proto.scale for v in (3.25, 3.36, 3.44)]}}}}
    assert check_claim(Claim("x", "", (("x", "y"),)), proto, paired)[0] == "agrees"  # unpaired: within noise
    # With one seed everywhere there is no spread: nothing is told from noise.
    single = {"c": rows["c"], "d": rows["d"]}
    assert check_claim(Claim("x", "", (("c", "d"),)), proto, single)[0].startswith("untested (one seed)")


def test_stand_in_rows_keep_their_imagenet_weights_at_cpu_scale():
    from deepcolor.replicate import row_config, scale_overrides, train_argv
    for key, imagenet, random in (("004", "koala004_standin_lite0_imagenet", "koala004_standin_lite0_random"),
                                  ("002", "deepcolor_standin_lite0_imagenet_10ep", "deepcolor_standin_lite0_random_10ep"),
                                  ("000", "hwang_zhou_standin_lite0_imagenet", "hwang_zhou_standin_lite0_random")):
        proto, experiments = protocol(key)
        by_name = {e.name: e for e in experiments}
        assert {imagenet, random} <= set(proto.standin_rows)
        for scale in ("cpu", "paper"):  # the random one stays random where the paper's rows get ImageNet's
            ours, theirs = row_config(by_name[imagenet], proto, scale), row_config(by_name[random], proto, scale)
            assert (ours.model.weights, theirs.model.weights) == ("imagenet", "none"), (key, scale)
            assert ours.data == theirs.data and ours.run == theirs.run  # the same data and protocol otherwise
        argv = train_argv(imagenet, "cpu", scale_overrides(proto, "cpu", None, imagenet), "runs/x", 0)
        assert argv[argv.index("--weights") + 1] == "imagenet"
    proto, experiments = protocol("004")
    by_name = {e.name: e for e in experiments}
    options = row_config(by_name["koala004_standin_lite0_imagenet"], proto, "cpu").model.options
    assert options["extractor_size"] == 224  # Lite0's ImageNet input, not the cpu scale's 75
    assert row_config(by_name["koala004_model1_inception_v3"], proto, "cpu").model.options["extractor_size"] == 75


def test_scaled_protocols_name_their_folders_and_flags_reach_train(monkeypatch, tmp_path):
    from deepcolor.replicate import replicate, scale_overrides, train_argv
    for key in ("002", "000", "004"):  # each report has a CPU protocol with its deviations written down
        proto, experiments = protocol(key)
        assert proto.overrides["cpu"] and proto.notes["cpu"] and proto.at_paper_scale and proto.env["cpu"]
    for variable in ("DEEPCOLOR_COCO", "DEEPCOLOR_PLACES365", "DEEPCOLOR_ADE20K"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(DeepColorError, match="DEEPCOLOR_COCO, DEEPCOLOR_PLACES365, DEEPCOLOR_ADE20K"):
        replicate("002", "cpu", out=str(tmp_path / "out"))
    proto, experiments = protocol("004")
    argv = train_argv("koala004_no_extractor", "cpu", scale_overrides(proto, "cpu", {"lr": "0.5"}), "runs/x", 0)
    assert "--cache-embeddings" in argv and argv[argv.index("--lr") + 1] == "0.5"
    assert argv[argv.index("--model-option") + 1] == "extractor_size=75"
    assert train_argv("a", "cpu", {"cache_embeddings": False}, "runs/x", 0) == ["--experiment", "a", "--out", "runs/x", "--seed", "0"]
    # --set: JSON values (on/off flags switch both ways), - or _ in names, model options add up.
    from deepcolor.config import ConfigError, parse_set
    extra = parse_set(["cache-embeddings=false", "model_option=extractor_seed=2", "batch_size=8"])
    assert extra == {"cache_embeddings": False, "model_option": "extractor_seed=2", "batch_size": 8}
    argv = train_argv("a", "cpu", scale_overrides(proto, "cpu", extra), "runs/x", 0)
    assert "--cache-embeddings" not in argv and argv[argv.index("--batch-size") + 1] == "8"
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--model-option"] == ["extractor_size=75", "extractor_seed=2"]
    with pytest.raises(ConfigError, match="not a train flag"):
        parse_set(["learning_rate=1"])
    # 002's 30-epoch rows continue their 10-epoch rows at cpu scale.
    assert protocol("002")[0].continues["cpu"]["deepcolor_unet_30ep"] == "deepcolor_unet_10ep"


def test_a_continued_row_is_exactly_the_longer_run(tmp_path):
    import numpy as np
    from deepcolor import runs, train
    from deepcolor.replicate import start_from
    common = ["--smoke", "--arch", "unet", "--seed", "1"]
    assert train.main(common + ["--epochs", "2", "--out", str(tmp_path / "long")]) == 0
    assert train.main(common + ["--epochs", "1", "--out", str(tmp_path / "short")]) == 0
    start_from(str(tmp_path / "short"), str(tmp_path / "continued"))
    assert train.main(common + ["--epochs", "2", "--out", str(tmp_path / "continued")]) == 0
    long, continued = runs.read_history(str(tmp_path / "long")), runs.read_history(str(tmp_path / "continued"))
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose([r[key] for r in continued], [r[key] for r in long], rtol=1e-5)


def test_jobs_train_side_by_side_in_their_own_processes_with_the_same_results(tmp_path):
    """--jobs 2: the trainings run as two processes of one thread each, then the sequential pass
    finds them done; the figures equal a one-process run's (within float reduction order)."""
    from deepcolor import runs
    from deepcolor.replicate import replicate
    rows = ["mlp003_hidden2", "mlp003_ae1", "mlp003_no_batchnorm"]
    lines = []
    replicate("003", "smoke", rows=rows, out=str(tmp_path / "side_by_side"), runs_dir=str(tmp_path / "runs2"),
              jobs=2, log=lines.append)
    assert lines[0].startswith("3 trainings, 2 at a time (")
    assert sum(line.startswith("done ") and "in its own process" in line for line in lines) == 3, lines
    assert not any(line.startswith("ok ") for line in lines)  # nothing left for the sequential pass
    replicate("003", "smoke", rows=rows, out=str(tmp_path / "one_by_one"), runs_dir=str(tmp_path / "runs1"),
              log=lines.append)
    for row in rows:
        a, b = (runs.read_json(str(tmp_path / out / "rows" / row / "metrics.json"))["model"]["mse_target"]["mean"]
                for out in ("side_by_side", "one_by_one"))
        assert a == pytest.approx(b, rel=1e-3)
    # A --page-only rewrite keeps what the training invocation measured; these RGB models' table has
    # the raw-output PSNR column.
    replicate("003", "smoke", rows=rows, out=str(tmp_path / "side_by_side"), runs_dir=str(tmp_path / "runs2"),
              page_only=True, log=lines.append)
    page = (tmp_path / "side_by_side" / "README.md").read_text()
    assert "this invocation took" in page and "2 trainings at a time" in page
    assert "| PSNR raw output dB |" in page


def test_the_raw_output_column_only_where_a_row_has_a_raw_output(tmp_path):
    from deepcolor.pages.replication import results_table
    proto, experiments = protocol("001")
    metrics = {"mse_target": {"mean": 0.02, "std": 0.0}, "psnr": {"mean": 22.0, "std": 0.0}}
    rows = {experiments[0].name: {"seeds": 1, "model": metrics, "gray": metrics}}
    table = results_table(proto, experiments, rows, str(tmp_path))
    assert "PSNR raw output" not in table and "| 22.00 |" in table
    rows[experiments[0].name]["model"] = {**metrics, "psnr_raw_output": {"mean": 17.5, "std": 0.0}}
    table = results_table(proto, experiments, rows, str(tmp_path))
    assert "| PSNR raw output dB |" in table and "| 17.50 |" in table
    assert all(line.count("|") == table.splitlines()[0].count("|") for line in table.splitlines())


def test_train_and_valid_loss_are_those_of_the_checkpoints_epoch_beside_the_papers(tmp_path):
    from deepcolor import runs
    from deepcolor.pages.replication import split_losses_table
    proto, experiments = protocol("003")
    by_name = {e.name: e for e in experiments}
    run, pending = by_name["mlp003_no_batchnorm"], by_name["mlp003_no_output_batchnorm"]
    os.makedirs(tmp_path / "rows" / run.name)
    # best.keras is the first epoch of lowest val_loss: epoch 2, not the tie at 3 nor the last epoch.
    runs.write_history(str(tmp_path / "rows" / run.name), [
        {"epoch": 1, "loss": 0.05, "val_loss": 0.04}, {"epoch": 2, "loss": 0.03, "val_loss": 0.035},
        {"epoch": 3, "loss": 0.02, "val_loss": 0.035}, {"epoch": 4, "loss": 0.01, "val_loss": 0.05}])
    rows = {run.name: {"seeds": 3, "model": {"mse_target": {"mean": 0.036, "std": 0.001,
                                                            "values": [0.0355, 0.036, 0.0365]}}}}
    table = split_losses_table(proto, [run, pending], rows, str(tmp_path))
    # the paper's train, valid and test as printed; ours x 100, the test figure seed 0's
    assert f"| {run.name} | {run.row} | 1.7 | 3.5 | 3.356 | 3.000 | 3.500 | 3.550 | 2 of 4 |" in table
    assert f"| {pending.name} | {pending.row} | – | – | – | not run yet |" in table
    assert all(line.count("|") == table.splitlines()[0].count("|") for line in table.splitlines())
    assert all(not protocol(key)[0].history_figures for key in REPORTS if key != "003")  # their pages as before


@pytest.mark.parametrize("report, names", [("000", "adityajn105/flickr8k"), ("001", "arnaud58/landscape-pictures")])
def test_paper_scale_without_the_papers_data_stops_and_names_it(report, names, tmp_path, monkeypatch):
    """Never the bundled sample photos (or whatever folder happens to be set) in the paper's place."""
    from deepcolor.replicate import main
    from tests.conftest import run_command
    monkeypatch.setenv("DEEPCOLOR_PHOTOS", str(tmp_path))
    proc = run_command(main, report, "--scale", "paper", "--out", tmp_path / "out")
    assert proc.returncode == 2 and names in proc.stderr and "--set data=folder:" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_report_004_names_places_extra69_at_paper_scale():
    proto, _ = protocol("004")
    assert "Places-Extra69" in proto.paper_data and not proto.needs_paper_data  # Places365 from the hub instead


def test_a_partial_rerun_keeps_the_full_sample_grid(tmp_path):
    """When only some rows' runs are on this machine (the rest trained in another session), the grid
    they made together is kept rather than redrawn with the few that are here."""
    from deepcolor.pages.replication import sample_grid
    here, gone = tmp_path / "runs" / "a_s0", tmp_path / "runs" / "b_s0"
    here.mkdir(parents=True)
    grid = tmp_path / "samples.png"
    grid.write_bytes(b"the grid of every row")
    _, experiments = protocol("004")
    a, b = experiments[0].name, experiments[1].name
    rows = {a: {"runs": [str(here)], "split": "test"}, b: {"runs": [str(gone)], "split": "test"}}
    assert sample_grid(experiments, rows, str(tmp_path / "runs"), str(grid)) is False
    assert grid.read_bytes() == b"the grid of every row"
