"""A run with figures on writes the scenario and demography figures and the report."""

from __future__ import annotations

import json

import matplotlib.image as mpimg
import pandas as pd

from frivilligsim.scenario.config import load_config, validate
from frivilligsim.workflow.experiment import run_experiment


def test_run_writes_demography_and_scenario_figures_and_report(tmp_path):
    run = validate(load_config(["experiment=smoke", "output.report=true", "output.progress=false"]))
    run_experiment(run, tmp_path)
    figures = tmp_path / "figures"
    for name in (
        "population_pyramid_MMMM",
        "share_70plus",
        "fan_volunteers",
        "policy_difference",
        "demand_supply",
    ):
        png = figures / f"{name}.png"
        assert png.exists() and (figures / f"{name}.svg").exists(), name
        height, width = mpimg.imread(png).shape[:2]
        assert width >= 600 and height >= 300, (name, width, height)
    ages = pd.read_parquet(tmp_path / "population_by_age.parquet")
    assert set(ages["year"]) == set(range(2024, 2028)) and set(ages["sex"]) == {"male", "female"}
    results = pd.read_parquet(tmp_path / "results.parquet")
    first = results[(results["year"] == 2024) & (results["seed"] == results["seed"].iloc[0])]
    first = first[first["policy"] == first["policy"].iloc[0]]
    assert ages[ages["year"] == 2024]["residents"].sum() == first["residents"].sum()
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 5
    assert json.loads((tmp_path / "manifest.json").read_text())["status"] == "complete"
