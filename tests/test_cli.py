"""Every command's --help explains every flag (with its default), and start-up errors are one line."""

import os
import re

import pytest

import importlib

from deepcolor.cli import COMMANDS, main as cli_main, usage
from tests.conftest import run_command, run_module

PARSERS = {name: importlib.import_module(module).build_parser for name, (module, _) in COMMANDS.items()}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_flag_has_help_and_a_stated_default(name):
    parser = PARSERS[name]()
    formatter = parser._get_formatter()
    for action in parser._actions:
        if not action.option_strings or action.dest == "help":
            continue
        assert action.help, f"{name}: {action.option_strings} has no help"
        text = formatter._expand_help(action)  # the help line as --help prints it
        if not action.required and action.nargs != 0 and action.default is not None:
            assert "default" in text, f"{name}: {action.option_strings[-1]} does not state its default"


def test_the_deepcolor_command_lists_and_dispatches_every_command(capsys):
    assert cli_main(["--help"]) == 0
    listing = capsys.readouterr().out
    assert listing == usage() + "\n" and all(f"  {name} " in listing for name in COMMANDS)
    assert cli_main(["paint"]) == 2 and "unknown command 'paint'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:  # argparse's own --help of the dispatched command
        cli_main(["evaluate", "--help"])
    assert exit_.value.code == 0 and "--prior-exponent" in capsys.readouterr().out


def test_help_runs_as_a_module():
    proc = run_module("deepcolor.train", "--help")
    assert "--mixed-precision" in proc.stdout and "--jit" in proc.stdout and "default: auto" in proc.stdout


def test_unknown_source_and_unwritable_run_dir_are_one_line_errors(tmp_path):
    proc = run_module("deepcolor.train", "--data", "imagenet21k", "--out", tmp_path / "r", check=False)
    assert proc.returncode != 0 and proc.stderr.strip().splitlines()[-1].startswith("error: unknown --data")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    proc = run_module("deepcolor.train", "--out", locked / "run", check=False, unprivileged=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: run directory {locked / 'run'} is not writable (Permission denied)"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_module("deepcolor.train", "--out", blocker / "run", check=False)
    assert proc.returncode != 0 and re.search(r"error: run directory .* is not writable", proc.stderr)
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("flag, value", [("--lr", "-1"), ("--epochs", "0"), ("--batch-size", "-4")])
def test_a_bad_flag_value_is_refused_before_any_work_with_exit_code_2(tmp_path, flag, value):
    from deepcolor.train import main
    proc = run_command(main, "--data", "sample", flag, value, "--out", tmp_path / "r")
    assert proc.returncode == 2 and proc.stderr.strip() == f"error: {flag} must be positive"
    assert not (tmp_path / "r").exists()


def test_colorize_reports_an_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_module("deepcolor.colorize", tmp_path, "--model", tmp_path, "--out", blocker / "out", check=False)
    assert proc.returncode == 2 and "is not writable" in proc.stderr and "Traceback" not in proc.stderr


def test_unexpected_errors_are_one_line_unless_debug(tmp_path):
    """A failure with no dedicated message still gives one line; --debug shows the traceback."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{ not json")
    proc = run_module("deepcolor.evaluate", "--run", run, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: JSONDecodeError: ")
    assert proc.stderr.strip().endswith("(re-run with --debug for the traceback)")
    proc = run_module("deepcolor.evaluate", "--run", run, "--debug", check=False)
    assert proc.returncode == 1 and "Traceback" in proc.stderr
