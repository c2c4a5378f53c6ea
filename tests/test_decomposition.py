"""The policy gap split by lever: Shapley arithmetic, levers read from the presets, the task."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from frivilligsim.analysis import decomposition as dec
from frivilligsim.errors import ConfigError
from frivilligsim.scenario.config import load_config, load_policy, validate
from frivilligsim.workflow.tasks import run_task


def brute_force_shapley(v, n):
    """Shapley values as the mean marginal effect over all n! orders."""
    phi = np.zeros(n)
    orders = list(itertools.permutations(range(n)))
    for order in orders:
        mask = 0
        for i in order:
            phi[i] += v[mask | (1 << i)] - v[mask]
            mask |= 1 << i
    return phi / len(orders)


def test_exact_shapley_is_the_mean_over_every_order_and_sums_to_the_total():
    rng = np.random.default_rng(3)
    n = 4
    v = {mask: float(rng.normal()) for mask in range(2**n)}
    phi = dec.exact_shapley(v, n)
    np.testing.assert_allclose(phi, brute_force_shapley(v, n), atol=1e-12)
    assert phi.sum() == pytest.approx(v[2**n - 1] - v[0])
    every = list(itertools.permutations(range(n)))
    np.testing.assert_allclose(dec.permutation_shapley(v, n, every), phi, atol=1e-12)


def test_shapley_splits_an_interaction_evenly_and_gives_a_dummy_nothing():
    # lever 0 adds 10, levers 1 and 2 only act together (+6), lever 3 does nothing
    def value(mask):
        return 10.0 * bool(mask & 1) + 6.0 * (bool(mask & 2) and bool(mask & 4))

    v = {mask: value(mask) for mask in range(16)}
    np.testing.assert_allclose(dec.exact_shapley(v, 4), [10, 3, 3, 0])


def test_sampled_orders_also_sum_to_the_total_exactly():
    rng = np.random.default_rng(5)
    n = 6
    v = {mask: float(rng.normal()) for mask in range(2**n)}
    orders = dec.permutation_orders(n, 10, seed=1)
    assert len(orders) == 10 and orders[1] == orders[0][::-1]
    assert dec.permutation_shapley(v, n, orders).sum() == pytest.approx(v[2**n - 1] - v[0])
    assert len(dec.masks_needed(n, "permutations", orders)) < 2**n
    assert math.isclose(len(dec.masks_needed(n, "exact", None)), 2**n)


def test_levers_are_read_from_the_preset_files():
    a, b = load_policy("mobilisation"), load_policy("cocreation")
    levers = dec.differing_levers(a, b)
    assert "name" not in levers and "regime" not in levers
    for name in dec.lever_names():
        assert (name in levers) == (getattr(a, name) != getattr(b, name))
    # a preset that differs in one lever only is split into that one lever
    assert dec.differing_levers(a, replace(a, decline_penalty=0.33)) == ["decline_penalty"]


SMALL = [
    "experiment=decomposition",
    "region.max_municipalities=3",
    "end_year=2027",
    "decomposition.seeds=2",
    "decomposition.levers=[order_intensity,influence_on_orders,municipal_backup]",
    "output.progress=false",
]


def test_contributions_sum_to_the_simulated_gap_within_one_percent(tmp_path):
    run = validate(load_config(SMALL))
    _, info = run_task(run, tmp_path, {})
    table = pd.read_csv(tmp_path / "policy_gap_decomposition.csv")
    assert list(table.columns) == ["lever", "contribution"]
    assert list(table["lever"]) == [
        "order_intensity",
        "influence_on_orders",
        "municipal_backup",
        "total",
    ]
    total = table.set_index("lever").loc["total", "contribution"]
    # the total is the simulated gap: all levers switched minus none, same seeds
    combos = pd.read_csv(tmp_path / "policy_gap_combinations.csv")
    assert len(combos) == 2**3 * 2
    means = combos.groupby("combination")["volunteers"].mean()
    assert total == pytest.approx(means[7] - means[0])
    assert total != 0
    parts = table["contribution"].iloc[:-1].sum()
    assert abs(parts - total) <= 0.01 * abs(total)
    detail = pd.read_csv(tmp_path / "policy_gap_decomposition_detail.csv")
    assert (detail["contribution_seed_min"] <= detail["contribution_seed_max"]).all()
    assert json.loads((tmp_path / "manifest.json").read_text())["status"] == "complete"
    assert info["combinations"] == 8


def test_all_levers_switched_is_the_to_preset():
    """Switching every differing lever of the from preset gives the to preset's run."""
    run = validate(load_config(SMALL[:3] + ["end_year=2025", "output.progress=false"]))
    from frivilligsim.analysis.outcomes import Evaluator

    ev = Evaluator(run)
    a, b = load_policy("mobilisation"), load_policy("cocreation")
    every = dec.switched(a, b, dec.differing_levers(a, b))
    pd.testing.assert_frame_equal(
        ev.totals(7, "mobilisation", levers=every).drop(columns="policy"),
        ev.totals(7, "cocreation").drop(columns="policy"),
    )


def test_ageing_split_runs_when_the_counterfactual_exists(tmp_path):
    # demography=static: the no-ageing counterfactual
    run = validate(
        load_config(
            [
                *SMALL,
                "decomposition.levers=[municipal_backup]",
                "decomposition.no_ageing_demography=static",
            ]
        )
    )
    run_task(run, tmp_path, {})
    split = pd.read_csv(tmp_path / "ageing_and_policy.csv").set_index(["effect", "under"])
    with_ageing = split.loc[("policy", run.demography.name), "contribution"]
    without = split.loc[("policy", "static"), "contribution"]
    assert split.loc[("interaction", "both"), "contribution"] == pytest.approx(
        with_ageing - without
    )
    # the policy effect compares the presets themselves (every lever), on the same seeds
    from frivilligsim.analysis.outcomes import Evaluator

    ev = Evaluator(run)
    gap = [
        ev.totals(seed, "cocreation")["volunteers"].iloc[-1]
        - ev.totals(seed, "mobilisation")["volunteers"].iloc[-1]
        for seed in dec.seeds_of(run)
    ]
    assert with_ageing == pytest.approx(np.mean(gap))


@pytest.mark.parametrize(
    "override, message",
    [
        ("decomposition.to_policy=mobilisation", "same"),
        ("decomposition.from_policy=as_planned", "mixes presets"),
        ("decomposition.levers=[labour_shortage]", "does not differ"),
        ("decomposition.method=random", "decomposition.method"),
        ("decomposition.outcome=happiness", "decomposition.outcome"),
        ("decomposition.no_ageing_demography=XXXX", "no_ageing_demography"),
    ],
)
def test_bad_settings_are_refused_with_one_line(override, message):
    with pytest.raises(ConfigError, match=message):
        dec.check_settings(validate(load_config([*SMALL, override])))


def test_command_line_refuses_a_bad_lever_in_one_line(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "frivilligsim",
            *SMALL,
            "decomposition.levers=[labour_shortage]",
            f"hydra.run.dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "does not differ" in proc.stderr
    assert "Traceback" not in proc.stderr
