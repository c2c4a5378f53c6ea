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

    One row per (policy, demography, municipality) with columns ``year``, ``metric`` and
    ``has_centre`` (the municipality has a volunteer centre; True when the table has no
    ``centres`` column).
    """
    year = int(results["year"].max()) if year is None else int(year)
    rows = results.loc[results["year"] == year]
    grouped = rows.groupby(["policy", "demography", "municipality"], sort=True, observed=True)
    out = grouped[metric].median().reset_index()
    out.insert(3, "year", year)
    if "centres" in rows.columns:
        out["has_centre"] = (grouped["centres"].max() > 0).to_numpy()
    else:
        out["has_centre"] = True
    return out


def count_below(
    distribution: pd.DataFrame, threshold: float, metric: str = "coverage"
) -> pd.DataFrame:
    """Municipalities with a centre and ``metric`` below ``threshold``, per (policy, demography).

    Columns ``below``, ``municipalities`` (with a centre and a value), ``without_centre``
    (counted apart: with no centre there is no coverage to compare) and ``threshold``.
    """
    with_centre = distribution["has_centre"].astype(bool)
    values = distribution[metric]
    work = distribution.assign(
        _below=((values < threshold) & with_centre).astype("int64"),
        _n=(values.notna() & with_centre).astype("int64"),
        _none=(~with_centre).astype("int64"),
    )
    out = (
        work.groupby(["policy", "demography"], sort=True, observed=True)[["_below", "_n", "_none"]]
        .sum()
        .rename(columns={"_below": "below", "_n": "municipalities", "_none": "without_centre"})
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


# The headline statistic ----------------------------------------------------------------------

HEADLINE_METRICS = ("volunteers", "coverage", "mean_motivation")


def headline(
    regional: pd.DataFrame,
    years: Sequence[int] | None = None,
    metrics: Sequence[str] = HEADLINE_METRICS,
) -> pd.DataFrame:
    """The one headline statistic the terminal, the report and the tables show.

    For each (policy, demography, year, metric): the median across replicates of the regional
    value, with the 90 % band (``q05``–``q95``) across replicates and ``n`` replicates.
    ``regional`` is one row per (policy, demography, seed, year), as :func:`regional_series`
    or ``results.summary_table`` give it. ``years`` defaults to the first and the last year.
    With one replicate the band is that replicate's value; show ``n`` and no band.
    """
    if years is None:
        years = (int(regional["year"].min()), int(regional["year"].max()))
    rows = regional.loc[regional["year"].isin([int(y) for y in years])]
    out = quantile_bands(rows, list(metrics), by=("policy", "demography", "year"))
    rank_p = {p: i for i, p in enumerate(policies_of(out))}
    rank_d = {d: i for i, d in enumerate(demographies_of(out))}
    rank_m = {m: i for i, m in enumerate(metrics)}
    order = pd.DataFrame(
        {
            "d": out["demography"].map(rank_d),
            "p": out["policy"].map(rank_p),
            "m": out["metric"].map(rank_m),
            "y": out["year"],
        }
    ).sort_values(["d", "p", "m", "y"])
    return out.loc[order.index].reset_index(drop=True)


def mean_of_municipal_coverage(results: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """The unweighted mean over municipalities (with a centre) of their own coverage.

    Not the headline figure: that one is demand-weighted (:func:`regional_series`). Median
    across replicates, one row per (policy, demography), column ``coverage``.
    """
    year = int(results["year"].max()) if year is None else int(year)
    rows = results.loc[(results["year"] == year) & results["coverage"].notna()]
    if "centres" in rows.columns:
        rows = rows.loc[rows["centres"] > 0]
    per_seed = rows.groupby(["policy", "demography", "seed"], observed=True)["coverage"].mean()
    return per_seed.groupby(["policy", "demography"], observed=True).median().reset_index()


# The municipality table ----------------------------------------------------------------------


def _municipal_shares(rows: pd.DataFrame) -> pd.Series:
    residents = rows["residents"].astype(float)
    return (rows["residents_70plus"] / residents.where(residents > 0)).astype(float)


def municipality_table(results: pd.DataFrame, info: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per municipality × policy × demography, for planners.

    Columns: ``municipality`` (code), ``municipality_name``, ``centrality`` (SSB class; NA when
    unknown), ``policy``, ``demography``, ``has_centre``, residents and 70+ share in the first
    and the last year (``residents_<year>``, ``share_70plus_<year>``; median across
    replicates), and in the last year volunteers and coverage as median, ``q05`` and ``q95``
    across replicates (``volunteers_<year>``, ``volunteers_<year>_q05``, ...). Coverage is NA
    where the municipality has no volunteer centre.

    ``info`` (columns ``municipality``, ``name``, ``centrality``) gives names and classes; else
    the names come from the results' ``municipality_name`` column when it is there.
    """
    start, end = int(results["year"].min()), int(results["year"].max())
    keys = ["municipality", "policy", "demography"]
    out = None
    for year in (start, end):
        rows = results.loc[results["year"] == year].assign(_share=_municipal_shares)
        grouped = rows.groupby(keys, sort=True, observed=True)
        part = pd.DataFrame(
            {
                f"residents_{year}": grouped["residents"].median(),
                f"share_70plus_{year}": grouped["_share"].median(),
            }
        )
        out = part if out is None else out.join(part)
    last = results.loc[results["year"] == end]
    grouped = last.groupby(keys, sort=True, observed=True)
    for metric in ("volunteers", "coverage"):
        q = grouped[metric].quantile([0.5, 0.05, 0.95]).unstack(level=-1)
        out[f"{metric}_{end}"] = q[0.5]
        out[f"{metric}_{end}_q05"] = q[0.05]
        out[f"{metric}_{end}_q95"] = q[0.95]
    if "centres" in last.columns:
        out.insert(0, "has_centre", grouped["centres"].max() > 0)
    else:
        out.insert(0, "has_centre", True)
    no_centre = ~out["has_centre"]
    for col in (f"coverage_{end}", f"coverage_{end}_q05", f"coverage_{end}_q95"):
        out.loc[no_centre, col] = float("nan")
    out = out.reset_index()
    names = pd.DataFrame({"municipality": out["municipality"].unique()})
    if info is not None:
        cols = [c for c in ("municipality", "name", "centrality") if c in info.columns]
        found = (
            info[cols].astype({"municipality": str}).rename(columns={"name": "municipality_name"})
        )
        names = names.merge(found, on="municipality", how="left")
    if "municipality_name" in results.columns:  # the results' own names fill the gaps
        own = results.drop_duplicates("municipality").set_index("municipality")
        own = names["municipality"].map(own["municipality_name"])
        if "municipality_name" in names.columns:
            names["municipality_name"] = names["municipality_name"].fillna(own)
        else:
            names["municipality_name"] = own
    for col in ("municipality_name", "centrality"):
        if col not in names.columns:
            names[col] = pd.NA
    names["centrality"] = names["centrality"].astype("Int64")
    out = names.merge(out, on="municipality", how="right")
    rank = {"policy": policies_of(out), "demography": demographies_of(out)}

    def sort_key(column: pd.Series) -> pd.Series:
        if column.name in rank:
            return column.map({v: i for i, v in enumerate(rank[column.name])})
        return column

    out = out.sort_values(["municipality", "demography", "policy"], key=sort_key, ignore_index=True)
    head = ["municipality", "municipality_name", "centrality", "policy", "demography"]
    return out[head + [c for c in out.columns if c not in head]]
