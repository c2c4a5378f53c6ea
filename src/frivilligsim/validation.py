"""Validation: the calibrated model against report figures the calibration did not use.

Owns: the validation rows (a report value or direction, its line, how the model measures it,
the pass criterion), :func:`validation_table`, and ``task=validate``, which writes
``validation_table.csv`` and ``validation_table.md`` into the run directory.
Must not: tune anything. A miss stays in the table; docs/calibration.md discusses it.

    python -m frivilligsim experiment=validate                 # 10 seeds x 3 policies to 2050

Each row says how independent it is of the model's inputs: ``independent`` (nothing was set
from that figure), ``direction built in`` (a rule or an assumed ratio was chosen from the same
line, so the row checks consistency, not evidence), or ``demography input`` (the demography
alternatives were set to reproduce it; MODEL.md section 6).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from .config import RunConfig
from .errors import ConfigError
from .outcomes import add_measures, regional_totals

POLICIES = ("as_planned", "cocreation", "mobilisation")
COLUMNS = (
    "row",
    "claim",
    "source",
    "kind",
    "report_value",
    "model_measure",
    "model_mean",
    "model_sd",
    "model_min",
    "model_max",
    "seeds",
    "criterion",
    "result",
    "independence",
)


def _row(
    row: str,
    claim: str,
    source: str,
    kind: str,
    report_value: str,
    measure: str,
    values,
    criterion: str,
    passed: bool | None,
    independence: str,
) -> dict:
    values = np.asarray(values, dtype=float)
    ok = values[np.isfinite(values)]
    return {
        "row": row,
        "claim": claim,
        "source": source,
        "kind": kind,
        "report_value": report_value,
        "model_measure": measure,
        "model_mean": float(ok.mean()) if ok.size else np.nan,
        "model_sd": float(ok.std(ddof=1)) if ok.size > 1 else 0.0 if ok.size else np.nan,
        "model_min": float(ok.min()) if ok.size else np.nan,
        "model_max": float(ok.max()) if ok.size else np.nan,
        "seeds": int(ok.size),
        "criterion": criterion,
        "result": "not run" if passed is None else ("pass" if passed else "miss"),
        "independence": independence,
    }


def ownership_groups(region) -> dict[str, list[str]]:
    """Municipalities whose centres are all municipal-owned, and those with none municipal-owned.

    The model reports per municipality; 172 of 189 municipalities with a centre have one
    (L244-247), so leaving out the few mixed ones keeps almost every centre.
    """
    centres = region.centres
    by_muni = centres.groupby(centres["municipality"].astype(str))["ownership"].agg(set)
    municipal = [m for m, owners in by_muni.items() if owners == {"municipal"}]
    others = [m for m, owners in by_muni.items() if "municipal" not in owners]
    return {"municipal": municipal, "others": others}


def _share_by_group(table: pd.DataFrame, codes: list[str], years: tuple[int, int]) -> float:
    rows = table[
        table["municipality"].astype(str).isin(codes) & table["year"].between(years[0], years[1])
    ]
    centres = rows["centres"].sum()
    return float(rows["cooperating_centres"].sum() / centres) if centres else np.nan


def _cohort_residents(ages: pd.DataFrame, year: int) -> np.ndarray:
    rows = ages[ages["year"] == year]
    edges = list(schema.COHORT_LOWER_AGE) + [schema.N_AGES]
    return np.array(
        [
            rows.loc[rows["age"].between(edges[k], edges[k + 1] - 1), "residents"].sum()
            for k in range(len(schema.COHORTS))
        ],
        dtype=float,
    )


def simulate_for_validation(run: RunConfig, seeds: int | None = None):
    """Run the three policies with the same seeds; return (yearly results, ages of as_planned)."""
    from .runner import run_scenarios

    n = int(seeds or run.replicates)
    cfg = replace(
        run,
        replicates=n,
        compare=replace(run.compare, policies=list(POLICIES), demographies=[]),
    )
    tables, ages = [], []
    for scenario, table, age in run_scenarios(cfg):
        tables.append(table)
        if scenario.policy == "as_planned":
            ages.append(age)
    return pd.concat(tables, ignore_index=True), pd.concat(ages, ignore_index=True)


def validation_table(
    run: RunConfig,
    seeds: int | None = None,
    results: pd.DataFrame | None = None,
    ages: pd.DataFrame | None = None,
    docking: bool = True,
) -> pd.DataFrame:
    """Compare the model with report figures not used in calibration (MODEL.md section 9).

    Args:
        run: the config (region, horizon, seed); ``end_year`` should be 2050 for the 2050 rows.
        seeds: seeds per policy; default ``run.replicates``.
        results, ages: reuse the output of :func:`simulate_for_validation`.
        docking: add the docking row (Mesa vs fast engine) when the Mesa engine exists.

    Returns:
        One row per claim: report value and line, model mean, sd, min and max across seeds,
        the criterion and ``pass``, ``miss`` or ``not run``.
    """
    from .runner import world_for

    if results is None or ages is None:
        results, ages = simulate_for_validation(run, seeds)
    first, last = run.start_year, int(results["year"].max())
    share_years = tuple(int(y) for y in run.calibration.share_years)
    totals = add_measures(regional_totals(results))
    seeds_list = sorted(results["seed"].unique())
    by = {p: totals[totals["policy"] == p].set_index(["seed", "year"]) for p in POLICIES}
    plan = results[results["policy"] == "as_planned"]
    rows = []

    # 1-3. cooperation by ownership (L1396-1397)
    groups = ownership_groups(world_for(run.region, run.start_year).region)
    coop = {
        g: [_share_by_group(plan[plan["seed"] == s], codes, share_years) for s in seeds_list]
        for g, codes in groups.items()
    }
    for g, value, label in (
        ("municipal", 0.89, "municipal-owned"),
        ("others", 0.83, "other owners"),
    ):
        v = np.array(coop[g])
        rows.append(
            _row(
                f"cooperation_{g}",
                f"centres cooperating on welfare services, {label}",
                "L1396-1397",
                "value",
                f"{value:.2f}",
                f"cooperating centres / centres, as_planned, {share_years[0]}-{share_years[1]}, "
                f"{len(groups[g])} single-ownership municipalities",
                v,
                "abs(mean - report) <= 0.05",
                bool(abs(np.nanmean(v) - value) <= 0.05),
                "independent",
            )
        )
    gap = np.array(coop["municipal"]) - np.array(coop["others"])
    rows.append(
        _row(
            "cooperation_ownership_gap",
            "municipal-owned centres cooperate marginally more often than others",
            "L1396-1397",
            "direction",
            "+0.06 (0.89 - 0.83)",
            "municipal minus others, as above",
            gap,
            "mean > 0",
            bool(np.nanmean(gap) > 0),
            "direction built in (order_municipal_multiplier, decline_voluntary_org; L863-874)",
        )
    )

    # 4-5. orders erode motivation; co-creation keeps it (L2731-2737)
    mot = {p: by[p]["mean_motivation"] for p in POLICIES}
    diff = np.array(
        [mot["mobilisation"][(s, last)] - mot["cocreation"][(s, last)] for s in seeds_list]
    )
    rows.append(
        _row(
            "orders_erode_motivation",
            "orders without influence erode motivation: mobilisation below co-creation",
            "L2731-2737",
            "direction",
            "mobilisation < cocreation",
            f"mean motivation {last}, mobilisation minus cocreation, same seed",
            diff,
            "< 0 in every seed",
            bool(np.all(diff < 0)),
            "direction built in (motivation_loss_orders, influence_on_orders)",
        )
    )
    keep = np.array(
        [mot["cocreation"][(s, last)] - mot["cocreation"][(s, first)] for s in seeds_list]
    )
    rows.append(
        _row(
            "cocreation_keeps_motivation",
            "with influence through co-creation, motivation to volunteer persists",
            "L2735-2737",
            "direction",
            "no fall",
            f"mean motivation under cocreation, {last} minus {first}",
            keep,
            ">= -0.02 in every seed",
            bool(np.all(keep >= -0.02)),
            "independent of the fit; the rule's direction comes from the same lines",
        )
    )

    # 6. young retirees are easiest to recruit (L2512-2513)
    rates = []
    for s in seeds_list:
        residents = _cohort_residents(ages[ages["seed"] == s], last)
        t = by["as_planned"].loc[(s, last)]
        vols = np.array([t[f"volunteers_{c}"] for c in schema.COHORTS], dtype=float)
        rates.append(vols / np.where(residents > 0, residents, np.nan))
    rates = np.array(rates)
    young_retiree = schema.COHORTS.index("young_retiree")
    highest = np.nanargmax(rates, axis=1) == young_retiree
    rows.append(
        _row(
            "young_retirees_volunteer_most",
            "people over 62 are easier to recruit: young retirees volunteer most per capita",
            "L2512-2513",
            "direction",
            "62-75 highest",
            f"volunteers / residents by cohort, as_planned, {last} "
            f"(young retiree rate shown; others: "
            + ", ".join(
                f"{c} {np.nanmean(rates[:, k]):.4f}"
                for k, c in enumerate(schema.COHORTS)
                if k != young_retiree
            )
            + ")",
            rates[:, young_retiree],
            "highest cohort in every seed",
            bool(np.all(highest)),
            "direction built in (recruit_base ratios and initial shares assumed from L2507-2513)",
        )
    )

    # 7-10. demography (L1083-1085, L2515-2516)
    res = by["as_planned"]["residents"]
    change = np.array([res[(s, last)] / res[(s, first)] for s in seeds_list])
    rows.append(
        _row(
            "population_declines",
            "population of centrality 5-6 keeps falling towards 2050",
            "L1083-1084",
            "direction",
            "decline",
            f"residents {last} / residents {first}",
            change,
            "< 1 in every seed",
            bool(np.all(change < 1)),
            "demography input (MODEL.md section 6)",
        )
    )
    share = by["as_planned"]["share_70plus"]
    for year, value, source in ((first, 0.17, "L1084"), (2050, 0.24, "L1084-1085")):
        if year > last:
            continue
        v = np.array([share[(s, year)] for s in seeds_list])
        rows.append(
            _row(
                f"share_70plus_{year}",
                f"share of residents aged 70+ in {year}",
                source,
                "value",
                f"{value:.2f}",
                f"residents 70+ / residents, 1 January {year}",
                v,
                "abs(mean - report) <= 0.02",
                bool(abs(v.mean() - value) <= 0.02),
                "demography input (MODEL.md section 6)",
            )
        )
    more_old = []
    for s in seeds_list:
        t = plan[plan["seed"] == s]
        a = t[t["year"] == first].set_index("municipality")["residents_70plus"]
        b = t[t["year"] == last].set_index("municipality")["residents_70plus"]
        more_old.append(float((b > a.reindex(b.index)).mean()))
    rows.append(
        _row(
            "most_municipalities_more_elderly",
            "most district municipalities get more elderly residents towards 2050",
            "L2515-2516",
            "direction",
            "a majority",
            f"share of municipalities with more residents 70+ in {last} than in {first}",
            more_old,
            "> 0.5",
            bool(np.mean(more_old) > 0.5),
            "independent (the demography was set to regional totals, not to this count)",
        )
    )

    # 11. fiscal stress brings more requests (L2232-2234)
    stress = world_for(run.region, run.start_year).region.municipalities.set_index("municipality")[
        "fiscal_stress"
    ]
    high = set(stress[stress > stress.median()].index.astype(str))
    ratios = []
    for s in seeds_list:
        t = plan[(plan["seed"] == s) & plan["year"].between(*share_years)]
        is_high = t["municipality"].astype(str).isin(high)
        per = [
            t.loc[mask, "orders_issued"].sum() / max(1, t.loc[mask, "centres"].sum())
            for mask in (is_high, ~is_high)
        ]
        ratios.append(per[0] / per[1] if per[1] > 0 else np.nan)
    rows.append(
        _row(
            "fiscal_stress_more_requests",
            "municipalities with a poor economy ask volunteers for much more",
            "L2232-2234",
            "direction",
            "more requests",
            f"orders per centre, fiscal stress above / below median, as_planned, {share_years[0]}-{share_years[1]}",
            ratios,
            "> 1",
            bool(np.nanmean(ratios) > 1),
            "direction built in (order_fiscal_weight)",
        )
    )

    # 12. docking of the two engines (MODEL.md section 9)
    if docking:
        rows.append(docking_row(run))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def docking_row(run: RunConfig, seeds: int = 3, tolerance: float = 0.10) -> dict:
    """Mesa and fast engines on two small municipalities, 2024-2026: volunteers agree per seed."""
    claim = "the Mesa reference model and the fast engine agree (docking)"
    try:
        from .engine import mesa_model  # noqa: F401
    except ImportError:
        return _row(
            "engine_docking",
            claim,
            "MODEL.md section 9",
            "docking",
            "agree",
            "Mesa engine not in this build",
            [],
            f"relative difference of mean volunteers <= {tolerance:.0%}",
            None,
            "independent",
        )
    from .runner import run_scenarios, world_for

    region = world_for(run.region, run.start_year).region
    sizes = region.municipalities.assign(
        n_centres=region.municipalities["municipality"].map(
            region.centres["municipality"].value_counts()
        )
    )
    small = sizes[sizes["n_centres"] > 0].sort_values("municipality").head(2)["municipality"]
    base = replace(
        run,
        end_year=min(run.end_year, run.start_year + 2),
        replicates=seeds,
        compare=replace(run.compare, policies=["as_planned"], demographies=[]),
        region=replace(run.region, municipalities=list(small), max_municipalities=None),
    )
    means = {}
    for engine in ("fast", "mesa"):
        cfg = replace(base, engine=replace(base.engine, name=engine))
        vols = [t.groupby("year")["volunteers"].sum().iloc[-1] for _, t, _ in run_scenarios(cfg)]
        means[engine] = np.array(vols, dtype=float)
    rel = (means["mesa"] - means["fast"]) / np.maximum(1.0, means["fast"])
    return _row(
        "engine_docking",
        claim,
        "MODEL.md section 9",
        "docking",
        "agree",
        f"(mesa - fast) / fast, volunteers {base.end_year} per seed, municipalities {', '.join(small)}",
        rel,
        f"abs(relative difference) <= {tolerance:.0%} in every seed",
        bool(np.all(np.abs(rel) <= tolerance)),
        "independent",
    )


def markdown(table: pd.DataFrame) -> str:
    """The validation table as Markdown (the numbers docs/calibration.md quotes)."""
    lines = [
        "| row | claim | source | report | model mean (sd; min-max) | criterion | result | independence |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples(index=False):
        if r.seeds:
            digits = 3 if abs(r.model_mean) < 10 else 1
            model = (
                f"{r.model_mean:.{digits}f} ({r.model_sd:.{digits}f}; "
                f"{r.model_min:.{digits}f} to {r.model_max:.{digits}f})"
            )
        else:
            model = "-"
        cells = [r.row, r.claim, r.source, r.report_value, model, r.criterion]
        cells = [str(c).replace("|", "\\|") for c in cells]
        lines.append(
            "| "
            + " | ".join(cells)
            + f" | **{r.result}** | {str(r.independence).replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"


def run_task(run: RunConfig, run_dir, resolved: dict | None = None) -> pd.DataFrame:
    """``task=validate``: run the three policies, write validation_table.csv and .md."""
    from .outcomes import run_with_manifest

    table, _ = run_with_manifest(run, run_dir, resolved, lambda: _validate(run, Path(run_dir)))
    return table


def _validate(run: RunConfig, run_dir: Path):
    from rich.console import Console

    from .results import write_csv, write_json

    if run.engine.name != "fast":
        raise ConfigError(
            "task=validate runs the fast engine (the docking row runs both); set engine=fast"
        )
    console = Console(stderr=True)
    t0 = time.perf_counter()
    results, ages = simulate_for_validation(run)
    seconds_sim = time.perf_counter() - t0
    table = validation_table(run, results=results, ages=ages)
    write_csv(table, run_dir / "validation_table.csv")
    (run_dir / "validation_table.md").write_text(markdown(table), encoding="utf-8")
    info = {
        "seeds": sorted(int(s) for s in results["seed"].unique()),
        "years": [run.start_year, run.end_year],
        "simulation_seconds": round(seconds_sim, 1),
        "seconds": round(time.perf_counter() - t0, 1),
        "results": {k: int(v) for k, v in table["result"].value_counts().items()},
    }
    write_json(info, run_dir / "validation.json")
    console.print(markdown(table))
    console.print(f"[green]Done[/green] in {info['seconds']} s. Outputs in {run_dir}")
    return table, info
