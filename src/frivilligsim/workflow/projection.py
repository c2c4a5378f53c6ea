"""``task=projection``: the demography alone, for a planner, in about a second.

``python -m frivilligsim experiment=projection demography=MMMM`` (any region, any alternative,
``-m`` over several) projects every municipality's residents with the same rates
(:func:`frivilligsim.scenario.setup.rates_for`) and the same kernel
(:func:`frivilligsim.core.demography.step_year`) the engines use, and writes into its run folder:

- ``population_by_municipality.parquet``: ``municipality, year, sex, age, persons``, residents on
  1 January of each year by single year of age (105 = 105 or older);
- ``results.parquet`` (via the run-folder contract): one row per municipality and year with
  residents, 70+ and 80+, births, deaths, in- and out-migrants;
- ``projection_vs_ssb.csv``: per municipality, the model's and SSB's totals in 2034 and 2050;
- figures (``output.figures``): the pyramid of the first and last year, the 70+ share by
  centrality class, and the model against SSB's own projection.

``python -m frivilligsim.workflow.projection`` prints, for every alternative, the comparison
with SSB on the packaged real District Norway (the numbers in docs/demography.md).

Owns: that task and that command. The projection itself is :mod:`frivilligsim.core.demography`.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from frivilligsim.core.demography import (
    FIT_YEARS,
    build_rates,
    load_demography_config,
    project_population,
)
from frivilligsim.core.schema import DEMOGRAPHIES, N_AGES
from frivilligsim.inputs.projection import projection_targets
from frivilligsim.inputs.region import load_default_region
from frivilligsim.output.plots_demography import projection_figures
from frivilligsim.output.results import write_json
from frivilligsim.scenario.config import RunConfig
from frivilligsim.scenario.setup import demography_for, rates_for, world_for

POPULATION_FILE = "population_by_municipality.parquet"
SEXES = ("male", "female")


def population_frame(codes, years, age_sex: np.ndarray) -> pd.DataFrame:
    """Long table ``municipality, year, sex, age, persons`` from ``[n_muni, n_years, 2, 106]``."""
    n_muni, n_years = age_sex.shape[:2]
    cells = 2 * N_AGES
    return pd.DataFrame(
        {
            "municipality": pd.Categorical.from_codes(
                np.repeat(np.arange(n_muni, dtype=np.int32), n_years * cells),
                pd.Index(np.asarray(codes, dtype=str)),
            ),
            "year": np.tile(np.repeat(np.asarray(years, dtype=np.int16), cells), n_muni),
            "sex": pd.Categorical.from_codes(
                np.tile(np.repeat(np.arange(2, dtype=np.int8), N_AGES), n_muni * n_years), SEXES
            ),
            "age": np.tile(np.arange(N_AGES, dtype=np.int16), n_muni * n_years * 2),
            "persons": age_sex.reshape(-1).astype(np.int32),
        }
    )


def comparison_with_ssb(table: pd.DataFrame, region, targets: np.ndarray) -> pd.DataFrame:
    """Per municipality: centrality, the model's and SSB's MMMM totals in ``FIT_YEARS``."""
    munis = region.municipalities.reset_index(drop=True)
    out = pd.DataFrame(
        {"municipality": munis["municipality"].astype(str), "centrality": munis["centrality"]}
    )
    by = table.pivot(index="municipality", columns="year", values="residents")
    for j, year in enumerate(FIT_YEARS):
        if year in by.columns:
            out[f"model_{year}"] = by.loc[out["municipality"], year].to_numpy()
            out[f"ssb_{year}"] = targets[:, j]
    return out


def summary(table, age_sex, region, comparison) -> dict:
    """The numbers a planner (and docs/demography.md) reads: totals, 70+ by class, fit to SSB."""
    years = sorted(table["year"].unique())
    total = table.groupby("year")["residents"].sum()
    info = {"residents": {int(y): int(total[y]) for y in years}}
    last = age_sex[:, -1]
    share = last[:, :, 70:].sum(axis=(1, 2)) / np.maximum(last.sum(axis=(1, 2)), 1)
    cls = region.municipalities["centrality"].to_numpy()
    info[f"share_70plus_{years[-1]}_by_class"] = {
        int(c): round(float(last[cls == c][:, :, 70:].sum() / last[cls == c].sum()), 4)
        for c in sorted(set(cls))
    }
    info[f"share_70plus_{years[-1]}_municipalities"] = {
        q: round(float(np.quantile(share, p)), 4)
        for q, p in (("min", 0), ("median", 0.5), ("p90", 0.9), ("max", 1))
    }
    for year in FIT_YEARS:
        if f"model_{year}" in comparison:
            model, ssb = comparison[f"model_{year}"], comparison[f"ssb_{year}"]
            info[f"vs_ssb_{year}"] = {
                "model": int(model.sum()),
                "ssb": int(ssb.sum()),
                "correlation": round(float(np.corrcoef(model, ssb)[0, 1]), 4),
                "mean_abs_error": round(float(np.mean(np.abs(model / ssb - 1))), 4),
                "growing_model": int((model > comparison["model_start"]).sum()),
                "growing_ssb": int((ssb > comparison["model_start"]).sum()),
            }
    return info


def run_task(run: RunConfig, run_dir: Path):
    """``task=projection``: write the projection's files into ``run_dir``; return (table, info)."""
    t0 = time.perf_counter()
    world = world_for(run.region)
    region = world.region
    alternative = demography_for(run, run.demography.name)
    rates = rates_for(run, alternative, world)
    table, age_sex = project_population(region, rates, run.seed, run.start_year, run.end_year)
    seconds = time.perf_counter() - t0
    years = np.arange(run.start_year, run.end_year + 1)
    run_dir = Path(run_dir)
    population_frame(world.codes, years, age_sex).to_parquet(run_dir / POPULATION_FILE, index=False)
    comparison = comparison_with_ssb(table, region, projection_targets(region))
    comparison["model_start"] = age_sex[:, 0].sum(axis=(1, 2))
    comparison.to_csv(run_dir / "projection_vs_ssb.csv", index=False)
    info = {"demography": alternative.name, "seed": int(run.seed), "seconds": round(seconds, 3)}
    info.update(summary(table, age_sex, region, comparison))
    write_json(info, run_dir / "projection.json")
    if run.output.figures:
        projection_figures(run_dir, table, age_sex, region, comparison, alternative.name, run.lang)
    return table.assign(demography=alternative.name), info


def compare_all(seed: int = 2024, end_year: int = 2050) -> pd.DataFrame:
    """Every alternative on the packaged real District Norway: one row of comparison numbers."""
    region = load_default_region()
    targets = projection_targets(region)
    codes = region.municipalities["municipality"]
    start = region.population.sum(axis=(1, 2))
    rows = []
    for name in DEMOGRAPHIES:
        cfg = load_demography_config(name)
        rates = build_rates(
            cfg, 2024, end_year, region.population, None if cfg.static else targets, codes
        )
        table, age_sex = project_population(region, rates, seed, 2024, end_year)
        comparison = comparison_with_ssb(table, region, targets)
        comparison["model_start"] = start
        info = summary(table, age_sex, region, comparison)
        last = info[f"vs_ssb_{FIT_YEARS[-1]}"]
        rows.append(
            {
                "demography": name,
                "residents_2034": info["residents"][2034],
                "residents_2050": info["residents"][2050],
                "r_2050": last["correlation"],
                "mae_2050": last["mean_abs_error"],
                "growing": last["growing_model"],
                "share70_k5": info["share_70plus_2050_by_class"][5],
                "share70_k6": info["share_70plus_2050_by_class"][6],
                **{f"share70_{k}": v for k, v in info["share_70plus_2050_municipalities"].items()},
            }
        )
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    """``python -m frivilligsim.workflow.projection [--seed N]``: print :func:`compare_all`."""
    import argparse

    parser = argparse.ArgumentParser(description="The demography against SSB, every alternative")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("packaged real District Norway (212 municipalities), seed", args.seed)
        print(compare_all(args.seed).to_string(index=False))


if __name__ == "__main__":
    main()
