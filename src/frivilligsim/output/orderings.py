"""Scenario orderings a reader would not expect, and what in the results explains them.

Owns the search for "older but better off": a demographic alternative whose population is older
in the last year (higher 70+ share) than the reference alternative, yet has more volunteers or a
higher coverage under every policy run. For each such pair it gathers, from the results (and the
residents-by-age table when the run wrote one), the differences that explain it: residents by
age band, volunteers by age group and demand by welfare area.

Pure pandas: no words (report.py words them through i18n.py), no plotting, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from frivilligsim.core import schema
from frivilligsim.output import aggregates

# Age bands of the explanation: children, and the young retirees the report calls the core of
# the volunteers (L2507-2513; schema.COHORTS)
AGE_BANDS = {"children": (0, 17), "young_retirees": (62, 75), "seniors": (76, 200)}


@dataclass
class Contrast:
    """One surprising ordering: ``demography`` against ``reference`` in ``year``.

    ``by_policy`` has, per policy, the median across replicates of volunteers and coverage in
    both alternatives (columns ``volunteers``, ``volunteers_ref``, ``coverage``,
    ``coverage_ref``). ``share_70plus`` and ``share_70plus_ref`` are the regional 70+ shares.
    ``residents`` (age band -> difference in persons), ``volunteers_by_cohort`` (cohort ->
    difference) and ``demand_by_area`` (area -> relative difference) are averaged over the
    policies; empty when the results lack the columns.
    """

    demography: str
    reference: str
    year: int
    more_volunteers: bool
    higher_coverage: bool
    share_70plus: float
    share_70plus_ref: float
    by_policy: pd.DataFrame
    residents: dict[str, float] = field(default_factory=dict)
    volunteers_by_cohort: dict[str, float] = field(default_factory=dict)
    demand_by_area: dict[str, float] = field(default_factory=dict)
    demand_total: float = float("nan")


def _medians(regional: pd.DataFrame, year: int, columns: list[str]) -> pd.DataFrame:
    rows = regional.loc[regional["year"] == year]
    return rows.groupby(["policy", "demography"], observed=True)[columns].median()


def _age_band_totals(ages: pd.DataFrame, year: int) -> pd.DataFrame:
    """Residents per demography in each age band, in ``year`` (mean over the seeds given)."""
    rows = ages.loc[ages["year"] == year]
    out = {}
    for band, (lo, hi) in AGE_BANDS.items():
        sel = rows.loc[rows["age"].between(lo, hi)]
        per_seed = sel.groupby(["demography", "seed"])["residents"].sum()
        out[band] = per_seed.groupby("demography").mean()
    return pd.DataFrame(out)


def _relative(mine: pd.Series, ref: pd.Series) -> float:
    """Mean over policies of mine / ref - 1 (NaN where ref is 0)."""
    return float((mine / ref.where(ref > 0) - 1).mean())


def surprising_orderings(
    results: pd.DataFrame, ages: pd.DataFrame | None = None, reference: str | None = None
) -> list[Contrast]:
    """Every alternative that is older than ``reference`` but does better under every policy.

    ``reference`` defaults to the first alternative in :data:`schema.DEMOGRAPHIES` order (the
    main alternative, MMMM, when it ran). Returns an empty list with one alternative.
    """
    demos = aggregates.demographies_of(results)
    reference = reference or demos[0]
    if len(demos) < 2 or reference not in demos:
        return []
    regional = aggregates.regional_series(results)
    year = int(regional["year"].max())
    regional = regional.assign(share_70plus=regional["residents_70plus"] / regional["residents"])
    cohorts = [f"volunteers_{c}" for c in schema.COHORTS if f"volunteers_{c}" in regional]
    areas = [a for a in schema.AREAS if f"demand_hours_{a}" in regional]
    cols = ["volunteers", "coverage", "share_70plus", "demand_hours", *cohorts]
    cols += [f"demand_hours_{a}" for a in areas]
    med = _medians(regional, year, cols)
    bands = _age_band_totals(ages, year) if ages is not None and not ages.empty else None
    found = []
    for demo in demos:
        if demo == reference:
            continue
        policies = [
            p
            for p in aggregates.policies_of(results)
            if (p, demo) in med.index and (p, reference) in med.index
        ]
        if not policies:
            continue
        mine = med.loc[[(p, demo) for p in policies]].droplevel("demography")
        ref = med.loc[[(p, reference) for p in policies]].droplevel("demography")
        older = mine["share_70plus"].mean() > ref["share_70plus"].mean()
        more_volunteers = bool((mine["volunteers"] > ref["volunteers"]).all())
        higher_coverage = bool((mine["coverage"] > ref["coverage"]).all())
        if not older or not (more_volunteers or higher_coverage):
            continue
        by_policy = pd.DataFrame(
            {
                "volunteers": mine["volunteers"],
                "volunteers_ref": ref["volunteers"],
                "coverage": mine["coverage"],
                "coverage_ref": ref["coverage"],
            }
        )
        residents = {}
        if bands is not None and demo in bands.index and reference in bands.index:
            residents = {b: float(bands.loc[demo, b] - bands.loc[reference, b]) for b in bands}
        found.append(
            Contrast(
                demography=demo,
                reference=reference,
                year=year,
                more_volunteers=more_volunteers,
                higher_coverage=higher_coverage,
                share_70plus=float(mine["share_70plus"].mean()),
                share_70plus_ref=float(ref["share_70plus"].mean()),
                by_policy=by_policy,
                residents=residents,
                volunteers_by_cohort={
                    c.removeprefix("volunteers_"): float((mine[c] - ref[c]).mean()) for c in cohorts
                },
                demand_by_area={
                    a: _relative(mine[f"demand_hours_{a}"], ref[f"demand_hours_{a}"]) for a in areas
                },
                demand_total=_relative(mine["demand_hours"], ref["demand_hours"]),
            )
        )
    return found
