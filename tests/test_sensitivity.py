"""Sensitivity: parameters from provenance, the evaluator, Morris, and the staged Sobol."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import frivilligsim
from frivilligsim.analysis import sensitivity as sa
from frivilligsim.analysis.outcomes import Evaluator, add_measures, outcomes, regional_totals
from frivilligsim.core.rng import replicate_seed
from frivilligsim.errors import ConfigError, FrivilligsimError
from frivilligsim.scenario.config import CONF_DIR, load_config, validate
from frivilligsim.scenario.provenance import read_sources
from frivilligsim.scenario.setup import world_for
from frivilligsim.workflow.tasks import run_task


def test_assumption_parameters_come_from_the_provenance_comments():
    names = sa.assumption_parameters()
    sources = read_sources(CONF_DIR / "model" / "default.yaml")
    assert "leader_hours_per_month" not in names  # L36, L1104: data
    assert "initial_volunteers_per_centre" not in names  # L192: data
    assert "dropout_base" in names and "motivation_loss_orders" in names
    assert "max_orders_per_month" in names  # calibrated assumptions stay uncertain
    for name in names:
        assert sources[name].startswith(("assumption", "calibrated")), name
    assert len(names) >= 40


def test_problem_bounds_stay_in_each_valid_range():
    run = validate(load_config([]))
    names = sa.assumption_parameters()
    problem = sa.problem_for(names, run.model, 0.5)
    ranges = {f: run.model.__dataclass_fields__[f].metadata["range"] for f in names}
    for name, (lo, hi) in zip(problem["names"], problem["bounds"], strict=True):
        assert lo < hi
        assert ranges[name][0] <= lo and hi <= ranges[name][1]
        assert lo <= getattr(run.model, name) <= hi


def test_row_overrides_round_integers_and_renormalise_cohort_shares():
    run = validate(load_config([]))
    names = ["vacancy_months", "initial_share_youth", "dropout_base"]
    out = sa.overrides_for_row(names, [4.6, 0.3, 0.01], run.model)
    assert out["vacancy_months"] == 5 and isinstance(out["vacancy_months"], int)
    shares = [out[n] for n in sa.SHARE_FIELDS]
    assert sum(shares) == pytest.approx(1.0)
    assert out["initial_share_youth"] > run.model.initial_share_youth


def test_evaluator_gives_the_runner_s_numbers():
    """The fast evaluator is runner.simulate without the table: same seed, same totals."""
    overrides = ["region.max_municipalities=5", "end_year=2027", "policy=mobilisation"]
    cfg = validate(load_config(overrides))
    from_runner = regional_totals(frivilligsim.run(overrides, seed=cfg.seed))
    ours = Evaluator(cfg).totals(replicate_seed(cfg.seed, 0), "mobilisation")
    columns = [c for c in ours.columns if c not in ("policy", "seed")]
    np.testing.assert_allclose(
        from_runner[columns].to_numpy(float), ours[columns].to_numpy(float), rtol=1e-9, atol=1e-6
    )


def test_outcomes_helper_returns_scalars_and_the_paired_difference():
    results = frivilligsim.run(
        [
            "region.max_municipalities=4",
            "end_year=2026",
            "replicates=2",
            "compare.policies=[cocreation,mobilisation]",
        ]
    )
    out = outcomes(results)
    assert out["volunteers_2026_cocreation"] > 0
    table = add_measures(regional_totals(results))
    last = table[table["year"] == 2026].pivot_table(
        index="seed", columns="policy", values="volunteers"
    )
    assert out["volunteer_difference_2026"] == pytest.approx(
        (last["cocreation"] - last["mobilisation"]).mean()
    )
    single = outcomes(results[results["policy"] == "cocreation"], year=2025)
    assert set(single) >= {"volunteers_2025", "coverage_2025", "mean_motivation_2025"}
    assert all(np.isfinite(v) for v in single.values())


def test_representative_subset_keeps_the_discourse_mix():
    run = validate(load_config([]))
    region = world_for(run.region).region
    codes = sa.representative_subset(region, 24)
    assert len(codes) == 24 and len(set(codes)) == 24
    assert set(codes) <= set(region.centres["municipality"].astype(str))
    chosen = region.municipalities.set_index("municipality").loc[codes, "discourse"]
    assert chosen.value_counts().index[0] == "cocreation"  # 62 % of plans (L796)


@pytest.fixture(scope="module")
def tiny_run():
    return validate(
        load_config(
            [
                "experiment=sensitivity",
                "end_year=2026",
                "sensitivity.municipalities=2",
                "sensitivity.trajectories=2",
                "sensitivity.seeds=1",
                "sensitivity.levers=false",
                "sensitivity.mechanisms=false",
                "output.progress=false",
            ]
        )
    )


def test_morris_gives_mu_star_for_every_assumption_parameter(tiny_run, tmp_path):
    run = sa.prepare(tiny_run)
    indices = sa.morris(run, tmp_path)
    names = sa.assumption_parameters()
    for outcome in sa.outcome_names(run.end_year):
        sub = indices[indices["outcome"] == outcome]
        assert sorted(sub["parameter"]) == sorted(names)
        assert sub["mu_star"].notna().all() and (sub["mu_star"] >= 0).all()
    # The pressure threshold only labels the output: it cannot move volunteers or coverage.
    vol = indices[indices["outcome"] == f"volunteers_{run.end_year}"].set_index("parameter")
    assert vol.loc["pressure_orders_per_year", "mu_star"] == 0
    assert vol["mu_star"].max() > 0
    assert (tmp_path / "morris.png").is_file()


def test_staged_sobol_over_chunks_equals_one_process(tiny_run, tmp_path):
    base = ["dropout_base", "word_of_mouth", "order_hours"]
    run = sa.prepare(tiny_run)
    from dataclasses import replace

    run = replace(
        run,
        sensitivity=replace(run.sensitivity, parameters=base, sobol_top=2, sobol_samples=8),
    )
    folder = tmp_path / "stages"
    folder.mkdir()
    sa.morris(run, folder)
    samples = sa.sobol_sample(run, folder)
    assert len(samples) == 8 * (2 + 2)
    sa.sobol_evaluate(run, folder, 0, 2)
    with pytest.raises(FrivilligsimError, match="have no outcome"):
        sa.sobol_analyse(run, folder)  # chunk 1 is missing: refused, not silently partial
    sa.sobol_evaluate(run, folder, 1, 2)
    staged = sa.sobol_analyse(run, folder)
    one = tmp_path / "one"
    one.mkdir()
    sa.morris(run, one)
    sa.sobol_sample(run, one)
    sa.sobol_evaluate(run, one, 0, 1)
    single = sa.sobol_analyse(run, one)
    pd.testing.assert_frame_equal(staged.reset_index(drop=True), single.reset_index(drop=True))
    assert set(staged.columns) >= {"parameter", "outcome", "S1", "ST", "S1_conf", "ST_conf"}
    # a stage run with another config is refused
    other = replace(run, seed=run.seed + 1)
    with pytest.raises(ConfigError, match="different config"):
        sa.sobol_evaluate(other, folder, 0, 2)


def test_task_all_stages_writes_indices_and_manifest(tmp_path):
    run = validate(
        load_config(
            [
                "experiment=sensitivity",
                "end_year=2026",
                "sensitivity.municipalities=2",
                "sensitivity.trajectories=2",
                "sensitivity.parameters=[dropout_base,word_of_mouth,motivation_loss_orders]",
                "sensitivity.sobol_top=2",
                "sensitivity.sobol_samples=8",
                "sensitivity.seeds=1",
                "sensitivity.levers=false",
                "sensitivity.mechanisms=false",
                "output.progress=false",
            ]
        )
    )
    _, info = run_task(run, tmp_path, {})
    for name in (
        "morris_indices.csv",
        "sobol_indices.csv",
        "morris.png",
        "sobol.png",
        "results.parquet",
        "sensitivity.json",
    ):
        assert (tmp_path / name).is_file(), name
    assert json.loads((tmp_path / "manifest.json").read_text())["status"] == "complete"
    assert len(info["municipalities"]) == 2
    assert set(info["morris_top"]) == set(sa.outcome_names(2026))


def test_bad_stage_settings_are_clear_errors():
    with pytest.raises(ConfigError, match="sensitivity.stage"):
        sa.prepare(validate(load_config(["experiment=sensitivity", "sensitivity.stage=sobol"])))
    with pytest.raises(ConfigError, match="sensitivity.chunk"):
        sa.prepare(
            validate(
                load_config(
                    ["experiment=sensitivity", "sensitivity.chunk=3", "sensitivity.n_chunks=2"]
                )
            )
        )


def test_sobol_chunks_run_as_a_hydra_multirun(tmp_path):
    """The cluster path: one Hydra job per chunk (basic launcher here; SLURM on a cluster)."""
    import subprocess
    import sys

    folder = tmp_path / "stages"
    overrides = [
        "experiment=sensitivity",
        "end_year=2026",
        "sensitivity.municipalities=2",
        "sensitivity.trajectories=2",
        "sensitivity.parameters=[dropout_base,word_of_mouth]",
        "sensitivity.sobol_top=2",
        "sensitivity.sobol_samples=4",
        "sensitivity.mechanisms=false",
        f"sensitivity.dir={folder}",
        "output.progress=false",
    ]
    run = sa.prepare(validate(load_config(overrides)))
    folder.mkdir()
    sa.morris(run, folder)
    sa.sobol_sample(run, folder)
    done = subprocess.run(
        [sys.executable, "-m", "frivilligsim", "-m", *overrides]
        + [
            "sensitivity.stage=sobol_evaluate",
            "sensitivity.n_chunks=2",
            "sensitivity.chunk=0,1",
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list(folder.glob("sobol_outcomes_*_of_002.csv"))) == 2
    indices = sa.sobol_analyse(run, folder)
    assert set(indices["parameter"]) == {"dropout_base", "word_of_mouth"}


def _indices(s1, st, conf=0.01):
    names = [f"p{i}" for i in range(len(st))]
    return pd.DataFrame(
        {"parameter": names, "outcome": "y", "S1": s1, "S1_conf": conf, "ST": st, "ST_conf": conf}
    )


def test_convergence_check_fails_on_s1_above_st_and_on_a_changing_ranking():
    good = _indices([0.5, 0.2, 0.1], [0.6, 0.3, 0.1])
    assert sa.convergence(good, good)["converged"].all()
    # first order above total beyond both intervals: the 0.38 against 0.24
    bad = _indices([0.38, 0.2, 0.1], [0.24, 0.3, 0.1], conf=0.02)
    assert not sa.convergence(bad, bad)["s1_within_st"].iloc[0]
    # within the intervals it is noise, not a failure
    noisy = _indices([0.26, 0.2, 0.1], [0.24, 0.3, 0.1], conf=0.02)
    assert sa.convergence(noisy, noisy)["s1_within_st"].iloc[0]
    # the ranking by ST reverses between N/2 and N
    flipped = _indices([0.05, 0.2, 0.5], [0.1, 0.3, 0.6])
    check = sa.convergence(good, flipped).iloc[0]
    assert not check["ranking_stable"] and not check["converged"]
    assert check["reversals"] == 3 and check["reversals_beyond_intervals"] == 3


def test_a_reversal_within_the_intervals_is_counted_apart_and_still_fails_the_ranking():
    """Two inputs whose intervals overlap swap places: the strict ranking check fails (it is
    not loosened), and the table says the swap is one the intervals cannot tell apart."""
    full = _indices([0.2, 0.2, 0.0], [0.30, 0.28, 0.01], conf=0.05)
    half = _indices([0.2, 0.2, 0.0], [0.27, 0.31, 0.01], conf=0.05)
    check = sa.convergence(full, half).iloc[0]
    assert not check["ranking_stable"] and not check["converged"]  # the top input changed
    assert check["reversals"] == 1 and check["reversals_beyond_intervals"] == 0
    apart = _indices([0.2, 0.2, 0.0], [0.30, 0.28, 0.01], conf=0.005)
    assert sa.convergence(apart, half).iloc[0]["reversals_beyond_intervals"] == 1


def test_sobol_analyse_writes_the_convergence_table_and_averages_seeds(tiny_run, tmp_path):
    from dataclasses import replace

    run = sa.prepare(tiny_run)
    run = replace(
        run,
        sensitivity=replace(
            run.sensitivity,
            parameters=["dropout_base", "word_of_mouth", "order_hours"],
            sobol_top=3,
            sobol_samples=8,
            seeds=2,
        ),
    )
    sa.morris(run, tmp_path)
    sa.sobol_sample(run, tmp_path)
    sa.sobol_evaluate(run, tmp_path, 0, 1)
    sa.sobol_analyse(run, tmp_path)
    table = pd.read_csv(tmp_path / "sobol_convergence.csv")
    assert set(table["outcome"]) == set(sa.outcome_names(run.end_year))
    assert {"s1_within_st", "ranking_stable", "converged"} <= set(table.columns)
    # an outcome with two seeds is their mean
    runner = sa.SampleRunner(run, ["dropout_base"], sa.analysis_seeds(run))
    both = runner.row([0.006])
    singles = [sa.SampleRunner(run, ["dropout_base"], [s]).row([0.006]) for s in runner.seeds]
    vol = f"volunteers_{run.end_year}"
    assert both[vol] == pytest.approx(np.mean([r[vol] for r in singles]))


def test_levers_come_from_the_presets_and_act_only_on_the_lever_outcome(tiny_run):
    from dataclasses import replace

    from frivilligsim.scenario.config import group_options, load_policy

    levers = sa.lever_parameters()
    presets = [load_policy(n) for n in group_options("policy")]
    assert "policy.order_intensity" in levers and "policy.municipal_backup" in levers
    assert "policy.labour_shortage" not in levers  # the same in every preset
    lo, hi = levers["policy.order_intensity"]
    assert lo == min(p.order_intensity for p in presets)
    assert hi == max(p.order_intensity for p in presets)
    # six municipalities: the two of tiny_run have no unmet demand, so no orders to steer
    wider = replace(tiny_run.sensitivity, levers=True, municipalities=6)
    run = sa.prepare(replace(tiny_run, sensitivity=wider))
    names = ["dropout_base", "policy.order_intensity", "policy.municipal_backup"]
    problem = sa.problem_for(names, run.model, 0.5)
    assert problem["bounds"][2] == [0.0, 1.0]
    runner = sa.SampleRunner(run, names, sa.analysis_seeds(run))
    low, high = runner.row([0.006, 0.05, 0.0]), runner.row([0.006, 0.6, 1.0])
    # the levers move the level outcome, not the difference between the fixed presets
    difference = f"volunteer_difference_{run.end_year}"
    assert low[difference] == high[difference]
    assert low[f"volunteers_{run.end_year}"] != high[f"volunteers_{run.end_year}"]
    assert sa.lever_overrides(names, [0.006, 0.3, 0.7]) == {
        "order_intensity": 0.3,
        "municipal_backup": True,
    }
    with pytest.raises(ConfigError, match="not a lever that differs"):
        sa.problem_for(["policy.labour_shortage"], run.model, 0.5)


def test_mechanism_switches_zero_their_parameters_and_change_the_outcomes(tiny_run):
    from dataclasses import fields, replace

    from frivilligsim.analysis.mechanisms import MECHANISMS, switched_off
    from frivilligsim.core.parameters import BehaviourParams

    ranges = {f.name: f.metadata["range"] for f in fields(BehaviourParams)}
    for name, (_, parameters) in MECHANISMS.items():
        assert parameters, name
        for parameter in parameters:  # off is a valid value and really a change
            assert ranges[parameter][0] <= 0.0, parameter
            assert getattr(tiny_run.model, parameter) != 0.0, parameter
    names = ["word_of_mouth", "mechanism.word_of_mouth", "mechanism.order_wear"]
    on = sa.overrides_for_row(names, [0.7, 0.9, 0.5], tiny_run.model)
    off = sa.overrides_for_row(names, [0.7, 0.1, 0.2], tiny_run.model)
    assert on == {"word_of_mouth": 0.7}
    assert off == {"word_of_mouth": 0.0, "motivation_loss_orders": 0.0, "order_loss_tolerant": 0.0}
    assert switched_off(names, [0.7, 0.5, 0.49]) == {
        "motivation_loss_orders": 0.0,
        "order_loss_tolerant": 0.0,
    }
    wider = replace(tiny_run.sensitivity, mechanisms=True, municipalities=6)
    run = sa.prepare(replace(tiny_run, sensitivity=wider))
    assert set(sa.mechanism_names()) <= set(sa.parameters_for(run))
    problem = sa.problem_for(["mechanism.back_off"], run.model, 0.5)
    assert problem["bounds"] == [[0.0, 1.0]]
    runner = sa.SampleRunner(run, names, sa.analysis_seeds(run))
    assert runner.row([0.5, 1.0, 1.0]) != runner.row([0.5, 0.0, 0.0])
    with pytest.raises(ConfigError, match="not a mechanism"):
        sa.problem_for(["mechanism.telepathy"], run.model, 0.5)


@pytest.mark.parametrize("n", [100, 2, 0])
def test_sobol_samples_must_be_a_power_of_two(n):
    run = validate(load_config(["experiment=sensitivity", f"sensitivity.sobol_samples={n}"]))
    with pytest.raises(ConfigError, match="sobol_samples=.* power of 2"):
        sa.prepare(run)
