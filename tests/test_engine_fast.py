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


def _batch_jobs():
    """Jobs that differ in policy, demography, seed, parameters and policy start (one world)."""
    from dataclasses import replace

    from frivilligsim.core.parameters import as_record
    from frivilligsim.engines import fast
    from frivilligsim.scenario.config import load_config, validate
    from frivilligsim.scenario.setup import prepare

    run = validate(load_config(SMALL[:2] + ["end_year=2027", "model.spinup_years=3"]))
    jobs = []
    for policy, demography in (
        ("cocreation", "MMMM"),
        ("mobilisation", "LLML"),
        ("as_planned", "MMMM"),
    ):
        setup = prepare(run, policy, demography)
        jobs += [fast.job_of_setup(setup, seed) for seed in (11, 12)]
    model = run.model
    other = as_record(replace(model, recruit_base_adult=model.recruit_base_adult * 2))
    jobs.append(jobs[0]._replace(params=other))
    jobs.append(jobs[1]._replace(policy_start_month=24))
    return jobs


def test_a_batch_gives_each_job_what_it_gives_alone_and_shares_spinups():
    from frivilligsim.engines import fast

    jobs = _batch_jobs()
    keys = {fast.spinup_key(job) for job in jobs}
    # policies and demographies of one seed share a spin-up; other parameters do not
    assert len(keys) == 3
    batch = fast.simulate_batch(jobs, threads=2, keep_spinup=True)
    alone = [fast.simulate(*job, threads=1, keep_spinup=True) for job in jobs]
    for (out_b, pyr_b), (out_a, pyr_a) in zip(batch, alone, strict=True):
        np.testing.assert_array_equal(out_b, out_a)
        np.testing.assert_array_equal(pyr_b, pyr_a)
    assert not np.array_equal(batch[0][0], batch[2][0]), "policies must differ"
    assert not np.array_equal(batch[0][0], batch[6][0]), "parameters must matter"
    # the shared spin-up rows are equal across the jobs of a seed
    np.testing.assert_array_equal(batch[0][0][:, :3], batch[2][0][:, :3])
    one_thread = fast.simulate_batch(list(reversed(jobs)), threads=1)
    for (out_b, _), (out_1, _) in zip(batch, reversed(one_thread), strict=True):
        np.testing.assert_array_equal(out_b[:, 3:], out_1)


@pytest.mark.parametrize("ahead", [True, False])
def test_batched_runner_yields_what_each_scenario_gives_alone_in_order(monkeypatch, ahead):
    from frivilligsim.scenario.config import load_config, validate
    from frivilligsim.scenario.setup import scenarios
    from frivilligsim.simulation import runner

    cfg = validate(
        load_config(
            SMALL[:2]
            + ["end_year=2026", "model.spinup_years=2", "replicates=3"]
            + ["compare.policies=[cocreation,mobilisation]", "compare.demographies=[MMMM,LLML]"]
        )
    )
    if not ahead:  # batches in the scenarios' order (no spin-ups shared across policies)
        monkeypatch.setattr(runner, "BUFFER_BUDGET", 0)
    got = list(runner.run_scenarios(cfg))
    assert [s for s, _, _ in got] == scenarios(cfg)
    for scenario, table, ages in got:
        table_alone, ages_alone = runner.simulate(cfg, scenario)
        pd.testing.assert_frame_equal(table, table_alone, check_exact=True)
        pd.testing.assert_frame_equal(ages, ages_alone, check_exact=True)


def test_a_batch_refuses_jobs_of_different_worlds_or_years():
    from copy import copy
    from dataclasses import replace

    from frivilligsim.engines import fast

    job = _batch_jobs()[0]
    with pytest.raises(ValueError, match="same world"):
        fast.simulate_batch([job, job._replace(world=copy(job.world))])
    shorter = replace(job.rates, death=job.rates.death[:-1])
    with pytest.raises(ValueError, match="different years"):
        fast.simulate_batch([job, job._replace(rates=shorter)])


def test_lanes_hold_every_task_once_and_balance_the_work():
    """numba gives each thread an equal block of a prange's iterations whatever they cost, so
    the engine balances the work itself: one lane per thread, longest task first to the lane
    with the least work. Every task runs exactly once, and no lane ends more than one task's
    cost above another."""
    from frivilligsim.engines import fast

    draws = np.random.default_rng(3)
    tasks = np.stack([np.repeat(np.arange(6), 50), np.tile(np.arange(50), 6)], axis=1)
    cost = np.sort(draws.pareto(1.5, len(tasks)) + 1.0)[::-1].copy()  # largest first, skewed
    of = {tuple(t): c for t, c in zip(tasks.tolist(), cost, strict=True)}
    for n_lanes in (1, 2, 3, 16):
        lanes, start = fast._lanes(tasks, cost, n_lanes)
        assert start[0] == 0 and start[-1] == len(tasks) and np.all(np.diff(start) > 0)
        assert sorted(map(tuple, lanes.tolist())) == sorted(map(tuple, tasks.tolist()))
        loads = [
            sum(of[tuple(t)] for t in lanes[a:b].tolist())
            for a, b in zip(start[:-1], start[1:], strict=True)
        ]
        assert max(loads) - min(loads) <= cost.max() + 1e-9
        if n_lanes == 2:  # equal halves of the largest-first order: one thread got most work
            half = len(cost) // 2
            assert cost[:half].sum() > 1.5 * cost[half:].sum()
            assert max(loads) < 1.05 * min(loads)
