"""The ensemble of plausible models (ABC-SMC with pyabc) and the headline uncertainty table."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from frivilligsim.analysis import calibration
from frivilligsim.analysis import ensemble as en
from frivilligsim.analysis.uncertainty import headline_uncertainty, weighted_quantile
from frivilligsim.errors import ConfigError, FrivilligsimError
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.workflow.tasks import run_task

# ---- the headline table on numbers we know --------------------------------------------------


def test_weighted_quantile_follows_the_weights():
    assert weighted_quantile([1, 2, 3], [1, 1, 1], 0.5) == pytest.approx(2)
    assert weighted_quantile([1, 2, 3], [0, 0, 1], 0.5) == pytest.approx(3)
    assert weighted_quantile([5, 1], [1, 1], 0.0) == 1  # sorted first


def known_results():
    """Two parameter sets x two seeds x two policies with chosen volunteers in 2050."""
    vols = {  # (set, policy) -> volunteers for seeds 1 and 2
        (0, "as_planned"): (100, 110),
        (0, "cocreation"): (130, 150),  # difference +30, +40
        (1, "as_planned"): (200, 220),
        (1, "cocreation"): (190, 200),  # difference -10, -20
    }
    rows = []
    for (k, policy), values in vols.items():
        for seed, v in zip((1, 2), values, strict=True):
            rows.append(
                {
                    "parameter_set": k,
                    "policy": policy,
                    "demography": "MMMM",
                    "seed": seed,
                    "year": 2050,
                    "volunteers": float(v),
                }
            )
    sets = pd.DataFrame({"parameter_set": [0, 1], "weight": [0.75, 0.25]})
    return pd.DataFrame(rows), sets


def test_headline_uncertainty_separates_ensemble_and_seed_ranges():
    results, sets = known_results()
    table = headline_uncertainty(results, sets, 2050, "as_planned", outcomes=("volunteers",))
    ref = table[table["policy"] == "as_planned"].iloc[0]
    # set means 105 and 210, weights 0.75 / 0.25
    assert ref["value"] == pytest.approx(0.75 * 105 + 0.25 * 210)
    assert ref["ensemble_min"] == 105 and ref["ensemble_max"] == 210
    # seeds spread 5 and 10 either side of each set's mean
    assert ref["seed_high"] - ref["value"] == pytest.approx(0.75 * 5 + 0.25 * 10)
    assert ref["seed_spread_max"] == 20
    assert np.isnan(ref["difference"])
    co = table[table["policy"] == "cocreation"].iloc[0]
    assert co["compared_with"] == "as_planned"
    # paired: set 0 +35, set 1 -15 -> weighted +22.5; the sign holds in set 0 only (weight 0.75)
    assert co["difference"] == pytest.approx(0.75 * 35 - 0.25 * 15)
    assert co["sign_holds_share"] == pytest.approx(0.75)
    assert co["difference_seed_high"] - co["difference"] == pytest.approx(0.75 * 5 + 0.25 * 5)


# ---- the ensemble task on a tiny region -----------------------------------------------------

TINY = [
    "experiment=ensemble",
    "end_year=2028",
    "ensemble.municipalities=4",
    "ensemble.parameters=[recruit_base_young_retiree,max_orders_per_month,cooperation_min_share]",
    "ensemble.population=8",
    "ensemble.generations=2",
    "ensemble.seeds=2",
    "ensemble.policies=[as_planned,cocreation]",
    "output.progress=false",
]


@pytest.fixture(scope="module")
def tiny_ensemble(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ensemble")
    run = validate(load_config(TINY))
    table, info = run_task(run, folder, {})
    return run, folder, table, info


def test_ensemble_writes_sets_results_and_a_reopenable_database(tiny_ensemble):
    import pyabc

    run, folder, table, info = tiny_ensemble
    for name in (
        "parameter_sets.csv",
        "abc_generations.csv",
        "ensemble.db",
        "ensemble_results.parquet",
        "headline_uncertainty.csv",
        "posterior_predictive.csv",
        "municipality_uncertainty.csv",
        "results.parquet",
        "manifest.json",
    ):
        assert (folder / name).is_file(), name
    sets = pd.read_csv(folder / "parameter_sets.csv")
    assert len(sets) == 8 and sets["weight"].sum() == pytest.approx(1.0)
    results = pd.read_parquet(folder / "results.parquet")
    assert "parameter_set" in results.columns
    assert set(results["parameter_set"]) == set(sets["parameter_set"])
    assert set(results["policy"]) == {"as_planned", "cocreation"}
    assert results.groupby(["parameter_set", "policy", "year"])["seed"].nunique().eq(2).all()
    # every set varies the named parameters inside the prior
    problem = en.prior_problem(en.prepare(run))
    for name, (lo, hi) in zip(problem["names"], problem["bounds"], strict=True):
        assert sets[name].between(lo, hi).all()
    assert sets["recruit_base_young_retiree"].nunique() > 1
    # the SQLite history reopens with pyabc and holds the generations we report
    history = pyabc.History(f"sqlite:///{folder / 'ensemble.db'}")
    generations = pd.read_csv(folder / "abc_generations.csv")
    assert history.max_t == generations["generation"].max() == info["generations"] - 1
    df, w = history.get_distribution(m=0, t=history.max_t)
    assert len(df) == 8
    assert generations["effective_sets"].iloc[-1] == pytest.approx(en.effective_sets(w))
    assert 1 <= info["effective_sets"] <= 8
    assert en.effective_sets([1, 1, 1, 1]) == pytest.approx(4)
    assert en.effective_sets([1, 0, 0, 0]) == pytest.approx(1)
    # each accepted set's distance is what its stored targets give
    for row in sets.itertuples(index=False):
        stats = {t.name: getattr(row, f"abc_{t.name}") for t in calibration.TARGETS}
        assert en.target_distance(stats) == pytest.approx(row.abc_distance)
    assert json.loads((folder / "manifest.json").read_text())["status"] == "complete"


def test_headline_table_has_a_row_per_policy_demography_outcome(tiny_ensemble):
    _, folder, _, _ = tiny_ensemble
    table = pd.read_csv(folder / "headline_uncertainty.csv")
    assert len(table) == 2 * 1 * 4
    vol = table[table["outcome"] == "volunteers"].set_index("policy")
    for policy in ("as_planned", "cocreation"):
        r = vol.loc[policy]
        assert r["ensemble_min"] <= r["ensemble_low"] <= r["value"] <= r["ensemble_high"]
        assert r["seed_low"] <= r["value"] <= r["seed_high"]
    assert 0 <= vol.loc["cocreation", "sign_holds_share"] <= 1


def test_municipality_table_sums_to_the_region(tiny_ensemble):
    run, folder, _, _ = tiny_ensemble
    munis = pd.read_csv(folder / "municipality_uncertainty.csv", dtype={"municipality": str})
    results = pd.read_parquet(folder / "results.parquet")
    assert munis["municipality"].nunique() == 4
    vol = munis[munis["outcome"] == "volunteers"].groupby(["policy", "demography"])["value"].sum()
    region = headline_uncertainty(
        results,
        pd.read_csv(folder / "parameter_sets.csv"),
        run.end_year,
        "as_planned",
        outcomes=("volunteers",),
    )
    for row in region.itertuples(index=False):
        assert vol[(row.policy, row.demography)] == pytest.approx(row.value)


def test_staged_chunks_equal_one_process_and_a_missing_chunk_is_refused(tiny_ensemble, tmp_path):
    run, folder, _, _ = tiny_ensemble
    run = en.prepare(run)
    for name in ("parameter_sets.csv", "ensemble_design.json"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    en.simulate(run, tmp_path, 0, 2)
    with pytest.raises(FrivilligsimError, match="have no results"):
        en.gather(run, tmp_path)
    en.simulate(run, tmp_path, 1, 2)
    staged = en.gather(run, tmp_path)
    one = pd.read_parquet(folder / "ensemble_results.parquet")
    pd.testing.assert_frame_equal(staged, one)
    with pytest.raises(ConfigError, match="different config"):
        en.simulate(replace(run, seed=run.seed + 1), tmp_path, 0, 2)


def test_the_fit_is_reproducible_with_one_worker(tiny_ensemble, tmp_path):
    run, folder, _, _ = tiny_ensemble
    en.fit(en.prepare(run), tmp_path)
    again = pd.read_csv(tmp_path / "parameter_sets.csv")
    pd.testing.assert_frame_equal(again, pd.read_csv(folder / "parameter_sets.csv"))


@pytest.mark.parametrize(
    "override, message",
    [
        ("ensemble.stage=everything", "ensemble.stage"),
        ("ensemble.coordinates=polar", "ensemble.coordinates"),
        ("ensemble.chunk=2", "ensemble.chunk"),
        ("ensemble.reference_policy=mobilisation", "reference_policy"),
        ("ensemble.policies=[as_planned,utopia]", "utopia is not a policy"),
        ("ensemble.fit_end_year=2025", "fit_end_year"),
        ("ensemble.population=0", "ensemble.population"),
        ("ensemble.parameters=[happiness]", "not a model parameter"),
    ],
)
def test_bad_settings_are_refused_with_one_line(override, message):
    with pytest.raises(ConfigError, match=message):
        run = en.prepare(validate(load_config([*TINY, override])))
        en.prior_problem(run)


@pytest.mark.slow
def test_ensemble_quick_runs_end_to_end_in_under_ten_minutes(tmp_path, request):
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow (about 4 minutes on 2 cores): run with -m slow")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "frivilligsim",
            "experiment=ensemble_quick",
            f"hydra.run.dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = pd.read_parquet(tmp_path / "results.parquet")
    assert "parameter_set" in results.columns and results["parameter_set"].nunique() == 30
    assert (tmp_path / "headline_uncertainty.csv").is_file()
    assert seconds < 600, f"ensemble_quick took {seconds:.0f} s"


def test_the_fit_runs_on_several_worker_processes(tmp_path):
    """``ensemble.workers=2`` (pyabc's multicore sampler, forked processes), as documented."""
    import subprocess
    import sys

    shared = tmp_path / "shared"
    command = [
        sys.executable,
        "-m",
        "frivilligsim",
        "experiment=ensemble",
        "ensemble.stage=fit",
        f"ensemble.dir={shared}",
        "ensemble.workers=2",
        "region.max_municipalities=2",
        "end_year=2027",
        "output.progress=false",
        "ensemble.parameters=[recruit_base_adult,dropout_base]",
        "ensemble.population=4",
        "ensemble.generations=1",
        "ensemble.fit_seeds=1",
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    sets = pd.read_csv(shared / "parameter_sets.csv")
    assert len(sets) == 4 and {"recruit_base_adult", "dropout_base"} <= set(sets.columns)


def test_the_other_assumptions_are_drawn_from_their_prior_for_every_set(tiny_ensemble):
    import pyabc

    run, folder, _, _ = tiny_ensemble
    run = en.prepare(run)
    assert not run.ensemble.draw_others and en.other_parameters(run) == []
    held = pd.read_csv(folder / "parameter_sets.csv")
    assert "motivation_loss_orders" not in held  # held at its default: not a column
    drawing = replace(run, ensemble=replace(run.ensemble, draw_others=True))
    others = en.other_parameters(drawing)
    assert len(others) > 40 and not set(others) & set(en.parameters_for(drawing))
    history = pyabc.History(f"sqlite:///{folder / en.DB}")
    sets = en.accepted_sets(history, en.prior_problem(drawing), drawing)
    fitted = en.parameters_for(drawing)
    pd.testing.assert_frame_equal(sets[fitted], held[fitted])  # the fit is the same
    bounds = dict(zip(others, en.problem_for(others, run.model, 0.5)["bounds"], strict=True))
    for name in ("dropout_base", "motivation_loss_orders", "word_of_mouth"):
        lo, hi = bounds[name]
        assert sets[name].between(lo, hi).all(), name
        assert sets[name].nunique() == len(sets), name  # a fresh draw per set
    names, values = en.drawn_values(drawing, 3)
    assert (names, values) == en.drawn_values(drawing, 3)  # keyed: the same on any stage
    assert values != en.drawn_values(drawing, 4)[1]


def test_both_coordinates_give_values_uniform_on_the_prior_interval():
    problem = {"names": ["a", "b"], "bounds": [[1.0, 3.0], [0.0, 0.5]]}
    assert en.from_unit(problem, {"a": 0.25, "b": 1.0}, "unit") == [1.5, 0.5]
    assert en.from_unit(problem, {"a": -0.1, "b": 0.5}, "unit") == [1.0, 0.25]  # kept inside
    assert en.from_unit(problem, {"a": 0.0, "b": 0.0}, "logistic") == [2.0, 0.25]
    rng = np.random.default_rng(1)
    z = rng.logistic(size=20_000)
    values = [en.from_unit(problem, {"a": x, "b": x}, "logistic")[0] for x in z]
    counts, _ = np.histogram(values, bins=4, range=(1.0, 3.0))
    assert np.all(np.abs(counts / len(values) - 0.25) < 0.02)


def test_a_fit_from_before_the_coordinates_key_still_matches_what_it_did(tiny_ensemble, tmp_path):
    run, folder, _, _ = tiny_ensemble
    for name in ("parameter_sets.csv", "ensemble_design.json"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    design = json.loads((tmp_path / "ensemble_design.json").read_text())
    assert design["key"]["ensemble"].pop("coordinates") == run.ensemble.coordinates
    (tmp_path / "ensemble_design.json").write_text(json.dumps(design))
    logistic = en.prepare(replace(run, ensemble=replace(run.ensemble, coordinates="logistic")))
    assert en._check_design(tmp_path, logistic)["key"]["ensemble"]["coordinates"] == "logistic"
    unit = replace(logistic, ensemble=replace(logistic.ensemble, coordinates="unit"))
    with pytest.raises(ConfigError, match="coordinates"):
        en._check_design(tmp_path, unit)
