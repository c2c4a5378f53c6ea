"""The fast engine: reproducibility on any thread count, common random numbers, conservation."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import frivilligsim
from frivilligsim.core import rng

SMALL = ["region=synthetic", "region.max_municipalities=12", "end_year=2035"]


def test_policy_switched_on_in_2030_leaves_earlier_years_untouched():
    """The 'worlds' test: an intervention must not change results before it starts."""
    baseline = frivilligsim.run(SMALL + ["policy=as_planned"], seed=5)
    switched = frivilligsim.run(SMALL + ["policy=mobilisation", "policy.start_year=2030"], seed=5)
    value_columns = [c for c in baseline.columns if c not in ("policy",)]
    before = baseline["year"] < 2030
    pd.testing.assert_frame_equal(
        baseline.loc[before, value_columns].reset_index(drop=True),
        switched.loc[before, value_columns].reset_index(drop=True),
        check_exact=True,
    )
    after = baseline["year"] >= 2031
    assert not np.array_equal(
        baseline.loc[after, "orders_issued"].to_numpy(),
        switched.loc[after, "orders_issued"].to_numpy(),
    ), "the switched-on policy must change something after it starts"


def test_policies_share_random_numbers_so_the_initial_state_is_identical():
    co = frivilligsim.run(SMALL + ["policy=cocreation"], seed=9)
    mob = frivilligsim.run(SMALL + ["policy=mobilisation"], seed=9)
    # demography does not depend on policy: residents are identical in every year
    assert (co["residents"].to_numpy() == mob["residents"].to_numpy()).all()
    assert (co["residents_80plus"].to_numpy() == mob["residents_80plus"].to_numpy()).all()


def test_different_replicates_differ_and_seeds_are_recorded():
    results = frivilligsim.run(SMALL + ["replicates=2"], seed=3)
    seeds = sorted(results["seed"].unique())
    assert seeds == sorted([rng.replicate_seed(3, 0), rng.replicate_seed(3, 1)])
    a, b = (results[results["seed"] == s] for s in seeds)
    assert not np.array_equal(a["volunteers"].to_numpy(), b["volunteers"].to_numpy())


def test_replicate_seed_depends_only_on_base_seed_and_index():
    assert rng.replicate_seed(2024, 3) == rng.replicate_seed(2024, 3)
    assert len({rng.replicate_seed(2024, r) for r in range(100)}) == 100
    assert rng.replicate_seed(2024, 0) != rng.replicate_seed(2025, 0)


def test_keyed_draws_do_not_depend_on_other_entities():
    """Adding an entity changes no other entity's draws: a draw is a function of its key."""
    stream = rng.stream_key(7, 12, rng.DROPOUT)
    ids = np.arange(1000, 1100)
    alone = [rng.draw(stream, i) for i in ids]
    with_more = [rng.draw(stream, i) for i in np.concatenate([[5], ids, [99999]])][1:-1]
    assert alone == with_more
    assert rng.uniform(7, 1000, 12, rng.DROPOUT) == alone[0]
    values = np.array([rng.uniform(1, i, 0, rng.RECRUIT) for i in range(20000)])
    assert abs(values.mean() - 0.5) < 0.01 and abs(values.var() - 1 / 12) < 0.005


def test_people_and_volunteers_are_conserved_every_year():
    results = frivilligsim.run(SMALL, seed=4).sort_values(["municipality", "year"])
    for _, rows in results.groupby("municipality"):
        prev = rows.iloc[:-1]
        nxt = rows.iloc[1:]
        people = prev["residents"].to_numpy() + nxt["births"].to_numpy() - nxt["deaths"].to_numpy()
        people += nxt["in_migrants"].to_numpy() - nxt["out_migrants"].to_numpy()
        assert (people == nxt["residents"].to_numpy()).all()
        vols = (
            prev["volunteers"].to_numpy() + nxt["recruits"].to_numpy() - nxt["dropouts"].to_numpy()
        )
        vols -= nxt["volunteer_deaths"].to_numpy() + nxt["volunteer_outmigrants"].to_numpy()
        assert (vols == nxt["volunteers"].to_numpy()).all()


def _run_in_subprocess(threads: int, out_path) -> None:
    code = textwrap.dedent(
        f"""
        import frivilligsim
        frivilligsim.run(["region.max_municipalities=30", "end_year=2030", "replicates=2",
                          "compare.policies=[cocreation,mobilisation]"], seed=21
                        ).to_parquet({str(out_path)!r})
        """
    )
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=600)


def test_results_identical_on_one_and_two_threads(tmp_path):
    _run_in_subprocess(1, tmp_path / "one.parquet")
    _run_in_subprocess(2, tmp_path / "two.parquet")
    one = pd.read_parquet(tmp_path / "one.parquet")
    two = pd.read_parquet(tmp_path / "two.parquet")
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_invariant_violation_names_entity_and_month(monkeypatch):
    from frivilligsim.engines import fast, layout
    from frivilligsim.errors import InvariantError
    from frivilligsim.scenario.world import build_world

    err = np.zeros((3, 3), dtype=np.int64)
    err[1] = (layout.ERR_MOTIVATION, 17, 123456)

    class FakeWorld:
        codes = np.array(["S001", "S002", "S003"])

    with pytest.raises(
        InvariantError,
        match=r"municipality S002, 2025-06: a volunteer's motivation left \[0, 1\] \(entity 123456\)",
    ):
        fast._raise_on_error(err, FakeWorld(), 2024)
    assert build_world  # the real world builder is importable alongside


def test_a_municipality_keeps_its_results_whatever_else_is_in_the_run():
    """Draws are keyed by municipality and centre, not by position in the run."""
    alone = frivilligsim.run(
        ["region=synthetic", "region.municipalities=[S004]", "end_year=2030"], seed=2
    )
    among = frivilligsim.run(
        ["region=synthetic", "region.max_municipalities=6", "end_year=2030"], seed=2
    )
    among = among[among["municipality"] == "S004"].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone.reset_index(drop=True), among, check_exact=True)


def test_a_batch_of_replicates_gives_each_replicate_exactly_as_alone():
    """simulate_batch shares only the threads: replicate r equals simulate(seed r) bit for bit."""
    from frivilligsim.engines import fast
    from frivilligsim.scenario.config import load_config, validate
    from frivilligsim.scenario.setup import prepare

    setup = prepare(validate(load_config(SMALL)))
    args = (setup.world, setup.params, setup.lever_base, setup.lever_policy, setup.start_month)
    seeds = [11, 12, 13]
    outs, pyramids = fast.simulate_batch(*args, setup.rates, seeds, setup.n_months, threads=2)
    assert outs.shape[0] == pyramids.shape[0] == 3
    for r, seed in enumerate(seeds):
        out, pyramid = fast.simulate(*args, setup.rates, seed, setup.n_months, threads=1)
        np.testing.assert_array_equal(outs[r], out)
        np.testing.assert_array_equal(pyramids[r], pyramid)
    assert not np.array_equal(outs[0], outs[1])


def test_batched_runner_equals_scenarios_run_one_by_one(monkeypatch):
    """run_scenarios runs replicates in batches; the tables are those of one-by-one runs."""
    from frivilligsim.scenario.config import load_config, validate
    from frivilligsim.scenario.setup import scenarios
    from frivilligsim.simulation import runner

    monkeypatch.setattr(runner, "REPLICATE_BATCH", 2)  # 3 replicates: a batch of 2, then 1
    cfg = validate(
        load_config(SMALL + ["replicates=3", "compare.policies=[as_planned,cocreation]"])
    )
    batched = list(runner.run_scenarios(cfg))
    assert [s for s, _, _ in batched] == scenarios(cfg)
    for scenario, table, ages in batched:
        alone, alone_ages = runner.simulate(cfg, scenario)
        pd.testing.assert_frame_equal(table, alone, check_exact=True)
        pd.testing.assert_frame_equal(ages, alone_ages, check_exact=True)
