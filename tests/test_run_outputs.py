"""A run writes the figures, the report, the headline and municipality tables, and prints the
same headline the report shows."""

from __future__ import annotations

import json
import re

import matplotlib.image as mpimg
import openpyxl
import pandas as pd
from rich.console import Console

from frivilligsim.output import aggregates, i18n, tables
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.workflow.experiment import run_experiment


def test_run_writes_figures_tables_and_report(tmp_path):
    run = validate(load_config(["experiment=smoke", "output.report=true", "output.progress=false"]))
    console = Console(record=True, width=220)
    run_experiment(run, tmp_path, console=console)
    figures = tmp_path / "figures"
    for name in (
        "population_pyramid_MMMM",
        "share_70plus",
        "fan_volunteers",
        "policy_difference",
        "demand_supply",
        "coverage_2027_distribution",  # named by the run's real end year
    ):
        png = figures / f"{name}.png"
        assert png.exists() and (figures / f"{name}.svg").exists(), name
        height, width = mpimg.imread(png).shape[:2]
        assert width >= 600 and height >= 300, (name, width, height)
    assert not list(figures.glob("*2050*"))
    ages = pd.read_parquet(tmp_path / "population_by_age.parquet")
    assert set(ages["year"]) == set(range(2024, 2028)) and set(ages["sex"]) == {"male", "female"}
    results = pd.read_parquet(tmp_path / "results.parquet")
    first = results[(results["year"] == 2024) & (results["seed"] == results["seed"].iloc[0])]
    first = first[first["policy"] == first["policy"].iloc[0]]
    assert ages[ages["year"] == 2024]["residents"].sum() == first["residents"].sum()
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 5
    assert json.loads((tmp_path / "manifest.json").read_text())["status"] == "complete"

    # the municipality table: one row per municipality x policy x demography, from the parquet
    munis = tables.read_csv(tmp_path / "municipalities.csv", "en")
    n = results["municipality"].nunique()
    assert len(munis) == n * results["policy"].nunique() * results["demography"].nunique()
    assert munis["name"].notna().all() and munis["centrality_class"].isin([5, 6]).all()
    code = munis["municipality"].iloc[0]
    last = results[
        (results["municipality"] == code)
        & (results["year"] == 2027)
        & (results["policy"] == "cocreation")
    ]
    row = munis[(munis["municipality"] == code) & (munis["policy"] == "Co-creation")].iloc[0]
    assert row["volunteers_2027"] == round(last["volunteers"].median(), 1)
    book = openpyxl.load_workbook(tmp_path / "municipalities.xlsx", read_only=True)
    assert book["municipalities"].max_row == len(munis) + 1

    # the terminal shows the report's headline: median and band, 2027 beside 2024
    head = aggregates.headline(aggregates.regional_series(results))
    cell = head[
        (head["policy"] == "cocreation") & (head["metric"] == "volunteers") & (head["year"] == 2027)
    ].iloc[0]
    text = console.export_text()
    assert "Headline results, 2027, beside 2024" in text
    band = [i18n.fmt_number(cell[q], "en", 0) for q in ("median", "q05", "q95")]
    assert re.search(rf"volunteers .*{band[0]}\s*\n.*\({band[1]}–{band[2]}\)", text), text
    assert f"<strong>{band[0]}</strong>" in html
    headline_csv = pd.read_csv(tmp_path / "headline.csv")
    assert set(headline_csv["year"]) == {2024, 2027}
