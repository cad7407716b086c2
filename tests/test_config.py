"""Typed training configs: the command line only overrides fields, and the flat form that run
directories record reads back into the same config (old runs keep loading and resuming)."""

import json

import pytest

from deepcolor.errors import DeepColorError

from deepcolor.config import FLAGS, ConfigError, TrainConfig
from deepcolor.experiments import all_experiments, get_experiment
from deepcolor.train import build_parser, given_flags, parse_config


def test_every_train_flag_is_a_config_field_or_a_command_line_action():
    flags = set(vars(build_parser().parse_args([])))
    assert flags - set(FLAGS) == {"list_experiments", "smoke", "overwrite", "debug"}
    assert set(FLAGS) <= flags
    # --help shows the default config's values.
    defaults = vars(build_parser().parse_args([]))
    for flag, value in TrainConfig().flags().items():
        assert defaults[flag] in (value, None, []) or (flag, defaults[flag]) == ("experiment", None), flag


def test_flags_round_trip_and_real_values():
    config = TrainConfig().override({"model_option": ["hidden_layers=2", "batchnorm=false", "extractor=inception_v3"],
                                     "lr_multipliers": "block=0.003,head=2", "ensemble": "a,b",
                                     "ensemble_weights": "0.25,0.75", "lr": 0.01, "data": "folder:x"})
    assert config.model.options == {"hidden_layers": 2, "batchnorm": False, "extractor": "inception_v3"}
    assert config.optimizer.lr_multipliers == {"block": 0.003, "head": 2.0}
    assert config.model.ensemble == ("a", "b") and config.model.ensemble_weights == (0.25, 0.75)
    assert config.optimizer.lr == 0.01 and config.data.source == "folder:x"
    flat = json.loads(json.dumps(config.flags()))  # what config.json holds
    assert flat["model_option"] == ["batchnorm=false", "extractor=inception_v3", "hidden_layers=2"]
    assert flat["lr_multipliers"] == "block=0.003,head=2.0"
    assert TrainConfig.from_flags(flat) == config
    # Every experiment's config survives the trip through config.json.
    for experiment in all_experiments().values():
        assert TrainConfig.from_flags(json.loads(json.dumps(experiment.config.flags()))) == experiment.config


def test_command_line_overrides_only_the_fields_given():
    config, _ = parse_config(["--experiment", "mlp003_hidden2", "--lr", "0.001", "--model-option", "batchnorm=false"])
    row = get_experiment("mlp003_hidden2").config
    assert config.optimizer.lr == 0.001 and config.run.epochs == row.run.epochs == 80
    assert config.model.options == {"hidden_layers": 2, "batchnorm": False}  # added to the row's options
    assert config.data == row.data and config.run.experiment == "mlp003_hidden2"
    assert given_flags(["--lr", "0.5", "--deterministic"]) == {"lr": 0.5, "deterministic": True}
    assert given_flags([]) == {}
    # A value equal to the default still overrides an experiment's field.
    config, _ = parse_config(["--experiment", "hwang_zhou_best", "--lr-multipliers", "", "--weights", "none"])
    assert config.optimizer.lr_multipliers == {}


def test_bad_values_name_the_flag():
    with pytest.raises(ConfigError, match="--model-option 'oops': expected KEY=VALUE"):
        TrainConfig().override({"model_option": ["oops"]})
    with pytest.raises(ConfigError, match="--lr-multipliers 'block=x'.*not a number"):
        TrainConfig().override({"lr_multipliers": "block=x"})
    with pytest.raises(ConfigError, match="unknown setting"):
        TrainConfig().override({"learning_rate": 1})
    with pytest.raises(ConfigError, match="unknown config sections"):
        TrainConfig().replace(training={"lr": 1})


def test_a_run_made_before_typed_configs_resumes(tmp_path):
    """config.json as runs wrote it before the typed config (flat settings only, every argparse
    field, options as typed): raising --epochs continues the run; a changed setting is still refused."""
    from deepcolor import train
    out = tmp_path / "old"
    argv = ["--experiment", "mlp003_hidden2", "--smoke", "--out", str(out), "--model-option", "batchnorm=false"]
    assert train.main(argv) == 0
    path = out / "config.json"
    record = json.loads(path.read_text())
    old = dict(record["settings"], list_experiments=False, overwrite=False, debug=False, smoke=True,
               model_option=["hidden_layers=2", "batchnorm=false"], ensemble="", ensemble_weights="")
    path.write_text(json.dumps({k: v for k, v in record.items() if k != "config"} | {"settings": old}))
    assert train.main(argv + ["--epochs", "2"]) == 0
    history = (out / "history.csv").read_text().strip().splitlines()
    assert len(history) == 3  # header + epochs 1 and 2: continued, not restarted
    with pytest.raises(DeepColorError, match="holds a run with other settings.*lr"):
        train.main(argv + ["--epochs", "3", "--lr", "0.5"])
