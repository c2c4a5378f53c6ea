"""Summaries of a results table for figures and reports: pure pandas, no plotting, no I/O.

Owns the regional aggregation rules of the output contract (stocks and flows are summed over
municipalities; coverage is demand-weighted; motivation is volunteer-weighted; leader strain is
the mean over municipalities that have a centre), quantile bands across seeds, and pairwise
policy differences on common random numbers.

Must not: read or write files, or change its input frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from frivilligsim.core import schema

# Quantiles of the bands and the column each one is stored in
QUANTILES = {0.05: "q05", 0.25: "q25", 0.5: "median", 0.75: "q75", 0.95: "q95"}
BAND_COLUMNS = tuple(QUANTILES.values())

REGIONAL_KEYS = ("policy", "demography", "seed", "year")
# Columns that are not summed over municipalities
_WEIGHTED = ("coverage", "mean_motivation", "leader_strain")
_NOT_SUMMED = set(schema.KEY_COLUMNS) | set(_WEIGHTED) | {"replicate"}


def ordered(values: Iterable, vocabulary: Sequence = ()) -> list:
    """Distinct ``values`` in vocabulary order, then any others sorted."""
    present = list(dict.fromkeys(values))
    known = [v for v in vocabulary if v in present]
    return known + sorted((v for v in present if v not in vocabulary), key=str)


def policies_of(df: pd.DataFrame) -> list[str]:
    """The policies present, in :data:`schema.POLICIES` order."""
    return ordered(df["policy"], schema.POLICIES)


def demographies_of(df: pd.DataFrame) -> list[str]:
    """The demography alternatives present, in :data:`schema.DEMOGRAPHIES` order."""
    return ordered(df["demography"], schema.DEMOGRAPHIES)


def regional_series(results: pd.DataFrame) -> pd.DataFrame:
    """One row per (policy, demography, seed, year) for the whole region.

    Numeric stocks and flows are summed over municipalities. ``coverage`` is
    sum(coverage × demand_hours) / sum(demand_hours) (NaN where the region has no demand);
    ``mean_motivation`` is the volunteer-weighted mean (0 with no volunteers); ``leader_strain``
    is the mean over municipalities with ``centres > 0`` (0 where none has a centre; every
    municipality counts if the table has no ``centres`` column). ``municipalities`` counts
    the municipalities summed.
    """
    keys = list(REGIONAL_KEYS)
    summed = [
        c
        for c in results.columns
        if c not in _NOT_SUMMED and pd.api.types.is_numeric_dtype(results[c])
    ]
    work = results[keys + summed].copy()
    work["_covered"] = results["coverage"] * results["demand_hours"]
    work["_motivation_w"] = results["mean_motivation"] * results["volunteers"]
    if "centres" in results.columns:
        has_centre = results["centres"] > 0
    else:
        has_centre = pd.Series(True, index=results.index)
    work["_strain"] = results["leader_strain"].where(has_centre, 0.0)
    work["_with_centre"] = has_centre.astype("int64")
    work["municipalities"] = 1
    grouped = work.groupby(keys, sort=True, observed=True).sum(numeric_only=True)

    demand = grouped["demand_hours"]
    grouped["coverage"] = (grouped["_covered"] / demand).where(demand > 0)
    vols = grouped["volunteers"]
    grouped["mean_motivation"] = (grouped["_motivation_w"] / vols.where(vols > 0)).fillna(0.0)
    n_centre = grouped["_with_centre"]
    grouped["leader_strain"] = (grouped["_strain"] / n_centre.where(n_centre > 0)).fillna(0.0)
    grouped = grouped.drop(columns=["_covered", "_motivation_w", "_strain", "_with_centre"])
    return grouped.reset_index()


def quantile_bands(
    df: pd.DataFrame,
    metrics: str | Sequence[str],
    by: Sequence[str] = ("policy", "demography", "year"),
) -> pd.DataFrame:
    """Quantiles across the rows of each ``by`` group (normally: across seeds).

    Returns one row per group and metric with columns ``by``, ``metric``, ``q05``, ``q25``,
    ``median``, ``q75``, ``q95`` and ``n`` (non-missing values in the group).
    """
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    by = list(by)
    parts = []
    for metric in metrics:
        grouped = df.groupby(by, sort=True, observed=True)[metric]
        q = grouped.quantile(list(QUANTILES)).unstack(level=-1)
        q.columns = [QUANTILES[float(c)] for c in q.columns]
        q["n"] = grouped.count()
        q.insert(0, "metric", metric)
        parts.append(q.reset_index())
    out = pd.concat(parts, ignore_index=True)
    return out[by + ["metric", *BAND_COLUMNS, "n"]]


def seed_median(
    df: pd.DataFrame,
    columns: Sequence[str],
    by: Sequence[str] = ("policy", "demography", "year"),
) -> pd.DataFrame:
    """Median across seeds of each column, one row per ``by`` group (wide)."""
    return df.groupby(list(by), sort=True, observed=True)[list(columns)].median().reset_index()


def pairwise_differences(
    regional: pd.DataFrame,
    a: str = "cocreation",
    b: str = "mobilisation",
    metrics: Sequence[str] = ("volunteers", "coverage"),
) -> pd.DataFrame:
    """Policy ``a`` minus policy ``b`` for each (demography, seed, year) that both ran.

    Pairs runs on common random numbers: the same demography alternative and seed.

    Raises:
        ValueError: ``a`` or ``b`` is not in the table.
    """
    present = set(regional["policy"])
    missing = [p for p in (a, b) if p not in present]
    if missing:
        raise ValueError(f"policy {', '.join(missing)} not in results; cannot pair {a} - {b}")
    keys = ["demography", "seed", "year"]
    left = regional.loc[regional["policy"] == a, keys + list(metrics)].set_index(keys)
    right = regional.loc[regional["policy"] == b, keys + list(metrics)].set_index(keys)
    left, right = left.align(right, join="inner")
    diff = (left - right).reset_index()
    diff.insert(0, "comparison", f"{a}-{b}")
    return diff.sort_values(keys, ignore_index=True)


def difference_bands(diff: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Quantile bands across seeds of pairwise differences, per demography and year."""
    return quantile_bands(diff, metrics, by=("demography", "year"))


def municipal_distribution(
    results: pd.DataFrame, metric: str = "coverage", year: int | None = None
) -> pd.DataFrame:
    """Each municipality's ``metric`` in ``year`` (default: the last year), median over seeds.

    One row per (policy, demography, municipality) with columns ``year`` and ``metric``.
    """
    year = int(results["year"].max()) if year is None else int(year)
    rows = results.loc[results["year"] == year]
    out = (
        rows.groupby(["policy", "demography", "municipality"], sort=True, observed=True)[metric]
        .median()
        .reset_index()
    )
    out.insert(3, "year", year)
    return out


def count_below(
    distribution: pd.DataFrame, threshold: float, metric: str = "coverage"
) -> pd.DataFrame:
    """Municipalities with ``metric`` below ``threshold``, per (policy, demography)."""
    values = distribution[metric]
    work = distribution.assign(_below=(values < threshold).astype("int64"), _n=values.notna())
    out = (
        work.groupby(["policy", "demography"], sort=True, observed=True)[["_below", "_n"]]
        .sum()
        .rename(columns={"_below": "below", "_n": "municipalities"})
        .reset_index()
    )
    out["threshold"] = float(threshold)
    return out


def final_year_summary(regional: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Quantile bands across seeds in the last year, per (policy, demography)."""
    last = regional.loc[regional["year"] == regional["year"].max()]
    return quantile_bands(last, metrics, by=("policy", "demography", "year"))


def n_seeds(df: pd.DataFrame) -> int:
    """Number of distinct seeds (replicates)."""
    return int(np.unique(df["seed"]).size)
