"""The replication runner's planning and claim checking. Its smoke run of every report, end to end,
is tests/test_notebooks.py: each report's notebook runs the runner, and the test checks the page."""

import json
import os
import sys

import pytest

from deepcolor.experiments import REPORTS, protocol
from tests.conftest import ROOT, run_module


def test_rows_with_the_same_settings_train_once():
    from deepcolor.replicate import plan
    proto, experiments = protocol("003")
    groups = {names[0]: names for _, _, names in plan(experiments, proto, "cpu")}
    assert sorted(groups["mlp003_best"]) == ["mlp003_act_sigmoid", "mlp003_batchnorm", "mlp003_best",
                                             "mlp003_last_tanh", "mlp003_opt_adam"]
    assert len(groups) == 19


def test_seeds_per_row_and_claims_judged_against_the_pooled_seed_spread():
    from deepcolor.experiments import Claim, seeds_for
    from deepcolor.replicate import plan
    from deepcolor.replication_page import check_claim, pooled_spread
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
