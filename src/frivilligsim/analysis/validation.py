"""Validation: the calibrated model against report figures the calibration did not use.

Owns: the validation rows (a report value or direction, its line, how the model measures it,
the pass criterion), :func:`validation_table`, and ``task=validate``, which writes
``validation_table.csv`` and ``validation_table.md`` into the run directory.
Must not: tune anything. A miss stays in the table; docs/calibration.md discusses it.

    python -m frivilligsim experiment=validate                 # 10 seeds x 3 policies to 2050

Rows come in four kinds (``category``, :data:`CATEGORIES`): verification (the two engines
agree), calibration targets (fitted: a pass is no evidence), consistency checks (a rule was built
to produce that direction from the same report line) and independent patterns (nothing was set
from that figure: the only rows that are evidence). ``independence`` says why in words.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console

from frivilligsim.analysis.calibration import TARGETS
from frivilligsim.analysis.outcomes import add_measures, regional_totals
from frivilligsim.core import schema
from frivilligsim.errors import ConfigError
from frivilligsim.output.results import write_csv, write_json
from frivilligsim.scenario.config import RunConfig
from frivilligsim.scenario.setup import world_for
from frivilligsim.simulation.runner import run_scenarios

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
    "category",
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
    category: str,
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
        "category": category,
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


# The four kinds of row, in the order the table shows them (docs/calibration.md section 2).
CATEGORIES = (
    "verification",  # the code does what the model says: the two engines agree
    "calibration target",  # a figure the parameters were fitted to: a pass is no evidence
    "consistency check",  # a direction a rule was built to produce from the same report line
    "independent pattern",  # a figure nothing was set from: evidence, or a visible miss
)


def validation_table(
    run: RunConfig,
    seeds: int | None = None,
    results: pd.DataFrame | None = None,
    ages: pd.DataFrame | None = None,
    docking: bool = True,
) -> pd.DataFrame:
    """The model against the report, in four kinds of row (:data:`CATEGORIES`).

    Args:
        run: the config (region, horizon, seed); ``end_year`` should be 2050 for the 2050 rows.
        seeds: seeds per policy; default ``run.replicates``.
        results, ages: reuse the output of :func:`simulate_for_validation`.
        docking: add the docking row (Mesa vs fast engine).

    Returns:
        One row per claim: its category, report value and line, model mean, sd, min and max
        across seeds, the criterion and ``pass``, ``miss`` or ``not run``.
    """
    if results is None or ages is None:
        results, ages = simulate_for_validation(run, seeds)
    ctx = _Context(run, results, ages)
    rows = []
    if docking:
        rows.append(docking_row(run))
    rows += calibration_rows(ctx)
    rows += consistency_rows(ctx)
    rows += ownership_rows(ctx)
    rows += practice_rows(ctx)
    rows += demography_rows(ctx)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return table.sort_values("category", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )


class _Context:
    """What every group of rows reads: the results, regional totals and the seeds."""

    def __init__(self, run: RunConfig, results: pd.DataFrame, ages: pd.DataFrame):
        self.run = run
        self.results = results
        self.ages = ages
        self.first, self.last = run.start_year, int(results["year"].max())
        self.share_years = tuple(int(y) for y in run.calibration.share_years)
        self.volunteer_years = tuple(int(y) for y in run.calibration.volunteer_years)
        totals = add_measures(regional_totals(results))
        self.seeds = sorted(results["seed"].unique())
        self.by = {p: totals[totals["policy"] == p].set_index(["seed", "year"]) for p in POLICIES}
        self.plan = results[results["policy"] == "as_planned"]
        self.region = world_for(run.region, run.start_year).region

    def plan_seed(self, seed, years: tuple[int, int] | None = None) -> pd.DataFrame:
        rows = self.plan[self.plan["seed"] == seed]
        return rows if years is None else rows[rows["year"].between(*years)]


def calibration_rows(ctx: _Context) -> list[dict]:
    """The calibration targets (analysis/calibration.py TARGETS), measured on these runs."""
    rows = []
    for target in TARGETS:
        years = ctx.volunteer_years if target.window == "volunteer" else ctx.share_years
        if years[1] > ctx.last:
            continue
        table = ctx.by["as_planned"]
        values = [
            float(table.loc[(s, years[0]) : (s, years[1]), target.measure].mean())
            for s in ctx.seeds
        ]
        tol = target.tolerance_abs()
        rows.append(
            _row(
                f"target_{target.name}",
                target.description,
                target.source,
                "value",
                f"{target.value:g}",
                f"{target.measure}, as_planned, mean {years[0]}-{years[1]}",
                values,
                f"abs(mean - report) <= {tol:g}",
                bool(abs(np.mean(values) - target.value) <= tol),
                "fitted (calibration target)",
                "calibration target",
            )
        )
    return rows


def consistency_rows(ctx: _Context) -> list[dict]:
    """Directions a rule was built to produce: they check the code, not the model."""
    mot = {p: ctx.by[p]["mean_motivation"] for p in POLICIES}
    first, last = ctx.first, ctx.last
    diff = [mot["mobilisation"][(s, last)] - mot["cocreation"][(s, last)] for s in ctx.seeds]
    keep = [mot["cocreation"][(s, last)] - mot["cocreation"][(s, first)] for s in ctx.seeds]
    rows = [
        _row(
            "orders_erode_motivation",
            "orders without influence erode motivation: mobilisation below co-creation",
            "L2731-2737",
            "direction",
            "mobilisation < cocreation",
            f"mean motivation {last}, mobilisation minus cocreation, same seed",
            diff,
            "< 0 in every seed",
            bool(np.all(np.array(diff) < 0)),
            "direction built in (motivation_loss_orders, influence_on_orders)",
            "consistency check",
        ),
        _row(
            "cocreation_keeps_motivation",
            "with influence through co-creation, motivation to volunteer persists",
            "L2735-2737",
            "direction",
            "no fall",
            f"mean motivation under cocreation, {last} minus {first}",
            keep,
            ">= -0.02 in every seed",
            bool(np.all(np.array(keep) >= -0.02)),
            "direction built in (motivation_gain_cocreation)",
            "consistency check",
        ),
    ]
    rates = []
    for s in ctx.seeds:
        residents = _cohort_residents(ctx.ages[ctx.ages["seed"] == s], last)
        t = ctx.by["as_planned"].loc[(s, last)]
        vols = np.array([t[f"volunteers_{c}"] for c in schema.COHORTS], dtype=float)
        rates.append(vols / np.where(residents > 0, residents, np.nan))
    rates = np.array(rates)
    young_retiree = schema.COHORTS.index("young_retiree")
    others = ", ".join(
        f"{c} {np.nanmean(rates[:, k]):.4f}"
        for k, c in enumerate(schema.COHORTS)
        if k != young_retiree
    )
    rows.append(
        _row(
            "young_retirees_volunteer_most",
            "people over 62 are easier to recruit: young retirees volunteer most per capita",
            "L2512-2513",
            "direction",
            "62-75 highest",
            f"volunteers / residents by cohort, as_planned, {last} (young retiree rate shown; "
            f"others: {others})",
            rates[:, young_retiree],
            "highest cohort in every seed",
            bool(np.all(np.nanargmax(rates, axis=1) == young_retiree)),
            "direction built in (recruit_base ratios and initial shares assumed from L2507-2513)",
            "consistency check",
        )
    )
    rows.append(fiscal_stress_row(ctx))
    return rows


def fiscal_stress_row(ctx: _Context) -> dict:
    """Municipalities under fiscal stress issue more orders per centre (a built-in weight)."""
    stress = ctx.region.municipalities.set_index("municipality")["fiscal_stress"]
    high = set(stress[stress > stress.median()].index.astype(str))
    ratios = []
    for s in ctx.seeds:
        t = ctx.plan_seed(s, ctx.share_years)
        is_high = t["municipality"].astype(str).isin(high)
        per = [
            t.loc[mask, "orders_issued"].sum() / max(1, t.loc[mask, "centres"].sum())
            for mask in (is_high, ~is_high)
        ]
        ratios.append(per[0] / per[1] if per[1] > 0 else np.nan)
    years = ctx.share_years
    return _row(
        "fiscal_stress_more_requests",
        "municipalities with a poor economy ask volunteers for much more",
        "L2232-2234",
        "direction",
        "more requests",
        f"orders per centre, fiscal stress above / below median, as_planned, {years[0]}-{years[1]}",
        ratios,
        "> 1",
        bool(np.nanmean(ratios) > 1),
        "direction built in (order_fiscal_weight)",
        "consistency check",
    )


def ownership_rows(ctx: _Context) -> list[dict]:
    """Cooperation by centre ownership (L1396-1397): levels independent, the gap built in."""
    groups = ownership_groups(ctx.region)
    coop = {
        g: [_share_by_group(ctx.plan_seed(s), codes, ctx.share_years) for s in ctx.seeds]
        for g, codes in groups.items()
    }
    years = ctx.share_years
    rows = []
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
                f"cooperating centres / centres, as_planned, {years[0]}-{years[1]}, "
                f"{len(groups[g])} single-ownership municipalities",
                v,
                "abs(mean - report) <= 0.05",
                bool(abs(np.nanmean(v) - value) <= 0.05),
                "independent (only the overall share, 0.85, was fitted)",
                "independent pattern",
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
            "direction built in (order_municipal_multiplier, decline_voluntary_org; L863-874, L1152-1168)",
            "consistency check",
        )
    )
    return rows


def practice_rows(ctx: _Context) -> list[dict]:
    """How cooperation works in practice: patterns the report documents and nothing was fitted to."""
    years = ctx.share_years
    span = f"as_planned, {years[0]}-{years[1]}"
    cocreated, ordered_share, area_shares, r_size, r_centrality = [], [], [], [], []
    centrality = ctx.region.municipalities.set_index("municipality")["centrality"]
    for s in ctx.seeds:
        t = ctx.plan_seed(s, years)
        per = t.groupby("municipality")[
            [
                "cooperating_centres",
                "hours_cocreated",
                "hours_ordered",
                "volunteer_hours",
                "residents",
            ]
            + [f"volunteer_hours_{a}" for a in schema.AREAS]
        ].sum()
        working = per[per["cooperating_centres"] > 0]
        cocreated.append(float((working["hours_cocreated"] > 0).mean()) if len(working) else np.nan)
        joint = per["hours_ordered"] + per["hours_cocreated"]
        ordered_share.append(float(per["hours_ordered"].sum() / max(1e-9, joint.sum())))
        area_shares.append(
            [
                float((working[f"volunteer_hours_{a}"] > 0).mean()) if len(working) else np.nan
                for a in schema.AREAS
            ]
        )
        joint_share = (joint / per["volunteer_hours"].where(per["volunteer_hours"] > 0)).dropna()
        r_size.append(_corr(joint_share, np.log(per.loc[joint_share.index, "residents"])))
        r_centrality.append(
            _corr(joint_share, centrality.reindex(joint_share.index.astype(str)).to_numpy())
        )
    area_shares = np.array(area_shares)
    rows = [
        _row(
            "cocreation_in_practice",
            "cooperating centres are involved beyond delivery: 90 % at the idea or planning stage",
            "L1648-1661",
            "value",
            ">= 0.85 (90 % idea/planning, 76 % all phases)",
            f"municipalities with cooperating centres that have co-created hours / all such, {span}",
            cocreated,
            ">= 0.85",
            bool(np.nanmean(cocreated) >= 0.85),
            "independent",
            "independent pattern",
        ),
        _row(
            "cooperation_not_experienced_as_mobilisation",
            "neither side experiences cooperation as mobilisation: it is mostly on volunteers' premises",
            "L876-885",
            "direction",
            "ordered < half of joint hours",
            f"ordered hours / (ordered + co-created hours), {span}",
            ordered_share,
            "< 0.5",
            bool(np.nanmean(ordered_share) < 0.5),
            "independent",
            "independent pattern",
        ),
        _row(
            "size_matters_little",
            "little reason to expect clear links between municipality size and involvement",
            "L501-505",
            "direction",
            "no clear link",
            f"correlation over municipalities of joint hours / volunteer hours with log residents, {span}",
            r_size,
            "abs(r) < 0.2",
            bool(abs(np.nanmean(r_size)) < 0.2),
            "independent",
            "independent pattern",
        ),
        _row(
            "centrality_matters_little",
            "little reason to expect clear links between centrality and involvement",
            "L501-505",
            "direction",
            "no clear link",
            f"correlation over municipalities of joint hours / volunteer hours with centrality class, {span}",
            r_centrality,
            "abs(r) < 0.2",
            bool(abs(np.nanmean(r_centrality)) < 0.2),
            "independent",
            "independent pattern",
        ),
    ]
    reported = {"inclusion": 0.90, "elderly_health": 0.90, "children_youth": 0.80, "culture": 0.80}
    for k, area in enumerate(schema.AREAS):
        value = reported[area]
        rows.append(
            _row(
                f"area_{area}",
                f"service-providing centres work in {area.replace('_', ' ')}",
                "L1399-1409",
                "value",
                f"about {value:.2f}",
                f"municipalities with cooperating centres and volunteer hours in the area / all such, {span}",
                area_shares[:, k],
                "abs(mean - report) <= 0.10",
                bool(abs(np.nanmean(area_shares[:, k]) - value) <= 0.10),
                "independent",
                "independent pattern",
            )
        )
    return rows


def demography_rows(ctx: _Context) -> list[dict]:
    """The ageing the model starts from and projects (inputs from SSB, and one pattern)."""
    first, last = ctx.first, ctx.last
    rows = []
    share = ctx.by["as_planned"]["share_70plus"]
    for year, value, source in ((first, 0.17, "L1084"), (2050, 0.24, "L1084-1085")):
        if year > last:
            continue
        v = [share[(s, year)] for s in ctx.seeds]
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
                bool(abs(np.mean(v) - value) <= 0.02),
                "demography input (docs/demography.md)",
                "calibration target",
            )
        )
    more_old = []
    for s in ctx.seeds:
        t = ctx.plan_seed(s)
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
            "independent (the demography was set to totals, not to this count)",
            "independent pattern",
        )
    )
    return rows


def _corr(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3 or np.std(a[keep]) == 0 or np.std(b[keep]) == 0:
        return np.nan
    return float(np.corrcoef(a[keep], b[keep])[0, 1])


def docking_row(run: RunConfig, seeds: int = 3, tolerance: float = 0.10) -> dict:
    """Mesa and fast engines on two small municipalities, 2024-2026: volunteers agree per seed."""
    claim = "the Mesa reference model and the fast engine agree (docking)"
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
        "docs/ODD.md (docking)",
        "docking",
        "agree",
        f"(mesa - fast) / fast, volunteers {base.end_year} per seed, municipalities {', '.join(small)}",
        rel,
        f"abs(relative difference) <= {tolerance:.0%} in every seed",
        bool(np.all(np.abs(rel) <= tolerance)),
        "independent",
        "verification",
    )


def markdown(table: pd.DataFrame) -> str:
    """The validation table as Markdown (the numbers docs/calibration.md quotes)."""
    lines = [
        "| kind | row | claim | source | report | model mean (sd; min-max) | criterion | result | independence |",
        "|---|---|---|---|---|---|---|---|---|",
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
        cells = [r.category, r.row, r.claim, r.source, r.report_value, model, r.criterion]
        cells = [str(c).replace("|", "\\|") for c in cells]
        lines.append(
            "| "
            + " | ".join(cells)
            + f" | **{r.result}** | {str(r.independence).replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"


def run_task(run: RunConfig, run_dir: Path):
    """``task=validate``: write this task's files into ``run_dir``; return (table, info).

    The run-folder contract (manifest, ``results.parquet``) is ``workflow/rundir.py``'s.
    """
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
