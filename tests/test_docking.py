"""Docking the two engines (issue 5): the same configurations through both, over many seeds.

For volunteers, mean motivation, coverage and orders declined in 2030 and 2050 the two engines'
means must agree within 3 joint standard errors (plus a tiny absolute tolerance) and a
two-sample Kolmogorov-Smirnov test must not reject at alpha = 0.01. Both engines use the same
rules and the same keyed draws, so their results are in fact identical; a separate test says so.

A rule changed in one engine only makes :func:`docking_failures` report failures (docs/ODD.md
section 8: with the Mesa agents' motivation decay changed, all four configurations fail).

Default: four configurations x 10 seeds on small municipalities (S004, about 1 800 residents;
S005, about 1 750, shrinking). ``-m slow``: 40 seeds, plus a two-centre municipality.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from frivilligsim.engines.mesa.model import FrivilligModel, config_overrides
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import Scenario, prepare
from frivilligsim.simulation.runner import simulate

# name: (municipality, policy, overrides)
CONFIGS = {
    "cocreation": ("S004", "cocreation", ()),
    "mobilisation": ("S004", "mobilisation", ()),
    # a leader leaves about every 20 months and the post stays empty for a year
    "leader_vacancy": (
        "S004",
        "mobilisation",
        ("model.turnover_base=0.05", "model.vacancy_months=12"),
    ),
    # out-migration raised: about 1 750 residents in 2024, about 600 in 2050
    "shrinking": ("S005", "cocreation", ("demography.internal_out_scale=2.5",)),
}
SLOW_CONFIGS = {
    **CONFIGS,
    "two_centres": ("S071", "mobilisation", ()),  # about 5 500 residents, two centres
}
METRICS = ("volunteers", "mean_motivation", "coverage", "orders_declined")
YEARS = (2030, 2050)
SEEDS = tuple(range(1, 11))
SLOW_SEEDS = tuple(range(1, 41))


@lru_cache(maxsize=32)
def engine_runs(name: str, seeds: tuple[int, ...], configs_key: str = "default"):
    """``(fast tables, mesa tables)``, one yearly table per seed, for configuration ``name``."""
    municipality, policy, overrides = (CONFIGS if configs_key == "default" else SLOW_CONFIGS)[name]
    items = config_overrides(
        policy, "MMMM", 2024, 2050, [municipality], None, None, ("region=synthetic", *overrides)
    )
    run = validate(load_config(items))
    setup = prepare(run)
    fast_tables, mesa_tables = [], []
    for seed in seeds:
        table, _ = simulate(run, Scenario(policy, "MMMM", 0, seed), setup.world)
        fast_tables.append(table)
        model = FrivilligModel(seed=seed, setup=setup)
        model.run_model()
        mesa_tables.append(model.results_table())
    return fast_tables, mesa_tables


def outcome(tables: list[pd.DataFrame], year: int, metric: str) -> np.ndarray:
    return np.array([float(t.loc[t["year"] == year, metric].iloc[0]) for t in tables])


def docking_failures(fast_tables, mesa_tables, alpha: float = 0.01, n_se: float = 3.0):
    """The (year, metric) comparisons on which the engines disagree, as readable lines."""
    failures = []
    for year in YEARS:
        for metric in METRICS:
            f = outcome(fast_tables, year, metric)
            m = outcome(mesa_tables, year, metric)
            se = np.sqrt(f.var(ddof=1) / len(f) + m.var(ddof=1) / len(m))
            diff = abs(f.mean() - m.mean())
            tolerance = n_se * se + 1e-9 * (1.0 + abs(f.mean()))
            if diff > tolerance:
                failures.append(
                    f"{year} {metric}: means fast {f.mean():.6g} mesa {m.mean():.6g} differ by "
                    f"{diff:.3g} > {n_se:g} SE ({se:.3g})"
                )
            p = ks_2samp(f, m).pvalue
            if p < alpha:
                failures.append(f"{year} {metric}: KS test rejects, p = {p:.3g} < {alpha}")
    return failures


@pytest.mark.parametrize("name", list(CONFIGS))
def test_engines_agree_statistically(name):
    fast_tables, mesa_tables = engine_runs(name, SEEDS)
    failures = docking_failures(fast_tables, mesa_tables)
    assert not failures, f"{name}: " + "; ".join(failures)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_engines_give_identical_tables(name):
    fast_tables, mesa_tables = engine_runs(name, SEEDS)
    for f, m in zip(fast_tables, mesa_tables, strict=True):
        pd.testing.assert_frame_equal(f, m, check_exact=True)


def test_configurations_exercise_what_they_name():
    """The vacancy config has vacancies, the shrinking one shrinks, mobilisation declines."""
    vacancy = pd.concat(engine_runs("leader_vacancy", SEEDS)[1])
    assert vacancy["vacant_centre_months"].sum() > len(SEEDS) * 24  # about 3 years empty a run
    shrinking = engine_runs("shrinking", SEEDS)[1]
    for t in shrinking:
        assert t["residents"].iloc[-1] < 0.5 * t["residents"].iloc[0]
    mobilisation = pd.concat(engine_runs("mobilisation", SEEDS)[1])
    assert mobilisation["orders_declined"].sum() > 0
    for metric in METRICS:  # the compared outcomes vary across seeds: the tests have power
        assert outcome(engine_runs("mobilisation", SEEDS)[1], 2030, metric).std() > 0


def test_docking_check_catches_a_shifted_outcome():
    """The statistical check has power: a shifted outcome is caught (synthetic shift)."""
    fast_tables, mesa_tables = engine_runs("cocreation", SEEDS)
    shifted = []
    for t in mesa_tables:
        t = t.copy()
        t["mean_motivation"] = t["mean_motivation"] - 0.05
        shifted.append(t)
    failures = docking_failures(fast_tables, shifted)
    assert any("mean_motivation" in f for f in failures)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SLOW_CONFIGS))
def test_engines_agree_over_40_seeds(name, request):
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow (about 1 minute per configuration): run with -m slow")
    fast_tables, mesa_tables = engine_runs(name, SLOW_SEEDS, "slow")
    failures = docking_failures(fast_tables, mesa_tables)
    assert not failures, f"{name}: " + "; ".join(failures)
    for f, m in zip(fast_tables, mesa_tables, strict=True):
        pd.testing.assert_frame_equal(f, m, check_exact=True)
