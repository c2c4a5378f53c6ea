"""Validation table: rows with report lines, model spread across seeds, visible misses."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from frivilligsim.analysis.validation import (
    CATEGORIES,
    COLUMNS,
    markdown,
    ownership_groups,
    simulate_for_validation,
    validation_table,
)
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import world_for
from frivilligsim.workflow.tasks import run_task

REDUCED = [
    "experiment=validate",
    "region.max_municipalities=24",
    "end_year=2032",
    "replicates=2",
    "output.progress=false",
]


@pytest.fixture(scope="module")
def reduced():
    run = validate(load_config(REDUCED))
    results, ages = simulate_for_validation(run)
    table = validation_table(run, results=results, ages=ages, docking=False)
    return run, results, ages, table


def test_table_has_at_least_five_rows_with_report_lines(reduced):
    _, _, _, table = reduced
    assert list(table.columns) == list(COLUMNS)
    assert len(table) >= 5
    assert table["row"].is_unique
    assert table["source"].str.match(r"^L\d+").all()
    assert set(table["result"]) <= {"pass", "miss", "not run"}
    measured = table[table["result"] != "not run"]
    assert (measured["seeds"] == 2).all()
    assert measured["model_mean"].notna().all()
    assert (measured["model_min"] <= measured["model_mean"] + 1e-12).all()
    assert (measured["model_mean"] <= measured["model_max"] + 1e-12).all()
    # the report's own figures not used in calibration are there
    for row in (
        "cooperation_municipal",
        "cooperation_others",
        "orders_erode_motivation",
        "young_retirees_volunteer_most",
        "most_municipalities_more_elderly",
        "share_70plus_2024",
    ):
        assert row in set(table["row"]), row
    assert set(table["category"]) <= set(CATEGORIES)
    independent = table[table["category"] == "independent pattern"]
    assert len(independent) >= 3  # patterns nothing was fitted to (issue 15)
    assert {"calibration target", "consistency check", "independent pattern"} <= set(
        table["category"]
    )
    # rows come grouped by kind, in the order of CATEGORIES
    ranks = table["category"].map({c: i for i, c in enumerate(CATEGORIES)})
    assert ranks.is_monotonic_increasing
    assert "share_70plus_2050" not in set(table["row"])  # the horizon ends in 2032 here


def test_rows_recompute_from_the_results(reduced):
    run, results, _, table = reduced
    rows = table.set_index("row")
    plan = results[results["policy"] == "as_planned"]
    first, last = run.start_year, run.end_year
    seeds = sorted(plan["seed"].unique())
    more = []
    for s in seeds:
        t = plan[plan["seed"] == s].set_index(["year", "municipality"])["residents_70plus"]
        more.append((t.loc[last] > t.loc[first]).mean())
    assert rows.loc["most_municipalities_more_elderly", "model_mean"] == pytest.approx(
        np.mean(more)
    )
    # the ordered share of joint hours, recomputed from the table
    window = plan[plan["year"].between(*run.calibration.share_years)]
    shares = [
        window.loc[window["seed"] == s, "hours_ordered"].sum()
        / (window.loc[window["seed"] == s, ["hours_ordered", "hours_cocreated"]].sum().sum())
        for s in seeds
    ]
    row = rows.loc["cooperation_not_experienced_as_mobilisation"]
    assert row["model_mean"] == pytest.approx(np.mean(shares))
    assert (row["result"] == "pass") == (np.mean(shares) < 0.5)
    # every row's result follows its own criterion
    coop = rows.loc["cooperation_municipal"]
    assert (coop["result"] == "pass") == (abs(coop["model_mean"] - 0.89) <= 0.05)
    motivation = rows.loc["orders_erode_motivation"]
    assert (motivation["result"] == "pass") == (motivation["model_max"] < 0)


def test_ownership_groups_split_municipalities_by_centre_ownership():
    run = validate(load_config([]))
    region = world_for(run.region).region
    groups = ownership_groups(region)
    assert not set(groups["municipal"]) & set(groups["others"])
    owners = region.centres.groupby("municipality")["ownership"].agg(set)
    only_municipal = owners.apply(lambda o: o == {"municipal"})
    no_municipal = owners.apply(lambda o: "municipal" not in o)
    assert sorted(groups["municipal"]) == sorted(owners.index[only_municipal])
    assert sorted(groups["others"]) == sorted(owners.index[no_municipal])
    assert len(groups["municipal"]) > len(groups["others"])  # 60 % municipal (L1093-1094)


def test_markdown_shows_every_row_and_its_result(reduced):
    *_, table = reduced
    text = markdown(table)
    assert text.count("\n") == len(table) + 2
    for r in table.itertuples():
        assert r.row in text and f"**{r.result}**" in text


def test_task_writes_csv_markdown_and_docking_row(tmp_path):
    run = validate(
        load_config(
            [
                "experiment=validate",
                "region.max_municipalities=6",
                "end_year=2027",
                "replicates=2",
                "output.progress=false",
            ]
        )
    )
    table, _ = run_task(run, tmp_path, {})
    written = pd.read_csv(tmp_path / "validation_table.csv")
    assert len(written) == len(table) >= 5
    assert (tmp_path / "validation_table.md").read_text().startswith("| kind | row |")
    assert json.loads((tmp_path / "manifest.json").read_text())["status"] == "complete"
    docking = table.set_index("row").loc["engine_docking"]
    assert docking["result"] in {"pass", "miss", "not run"}
