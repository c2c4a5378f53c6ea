"""Headlines with two kinds of uncertainty: across plausible models and across random seeds.

Owns: ``headline_uncertainty`` (the ``headline_uncertainty.csv`` table the report reads; its
columns are explained in words in docs/uncertainty.md) and weighted quantiles.
Must not: run simulations (it reads an ensemble's results table) or draw figures.

The results table has one row per (parameter_set, policy, demography, seed, year) and the
measures of ``outcomes.add_measures``; ``sets`` has one row per parameter set with its ABC
weight. Every parameter set runs the same seeds under every policy (common random numbers), so
a policy difference is taken seed by seed within a parameter set before anything is averaged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HEADLINE_OUTCOMES = ("volunteers", "coverage", "volunteers_per_centre", "mean_motivation")
LOW, HIGH = 0.05, 0.95  # the ensemble band: 5th to 95th weighted percentile of parameter sets


def weighted_quantile(values, weights, q: float) -> float:
    """The ``q`` quantile of ``values`` with ``weights`` (inverted weighted CDF, midpoints)."""
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    keep = np.isfinite(values)
    values, weights = values[keep], weights[keep]
    if len(values) == 0:
        return float("nan")
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cdf = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return float(np.interp(q, cdf, values))


def _per_set(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Mean, lowest and highest seed of ``outcome`` within each parameter set."""
    g = frame.groupby("parameter_set")[outcome]
    return pd.DataFrame({"mean": g.mean(), "low": g.min(), "high": g.max(), "seeds": g.size()})


def headline_uncertainty(
    results: pd.DataFrame,
    sets: pd.DataFrame,
    year: int,
    reference_policy: str,
    outcomes=HEADLINE_OUTCOMES,
    by=("policy", "demography"),
) -> pd.DataFrame:
    """One row per ``by`` x outcome in ``year`` (policy x demography, or per municipality too):
    both kinds of range, and the paired difference against ``reference_policy`` with the share
    of the ensemble where its sign holds."""
    weights = sets.set_index("parameter_set")["weight"]
    at_year = results[results["year"] == year]
    others = [k for k in by if k != "policy"]
    references = dict(
        iter(at_year[at_year["policy"] == reference_policy].groupby(others, sort=False))
    )
    rows = []
    for key, frame in at_year.groupby(list(by), sort=True):
        labels = dict(zip(by, key, strict=True))
        policy = labels["policy"]
        ref_key = tuple(labels[k] for k in others)
        ref = references.get(ref_key, frame.iloc[:0])  # list groupby keys are tuples
        for outcome in outcomes:
            per = _per_set(frame, outcome)
            w = weights.loc[per.index].to_numpy()
            value = float(np.average(per["mean"], weights=w))
            row = {
                **labels,
                "outcome": outcome,
                "year": int(year),
                "parameter_sets": int(len(per)),
                "seeds_per_set": int(per["seeds"].min()),
                "value": value,
                "ensemble_low": weighted_quantile(per["mean"], w, LOW),
                "ensemble_high": weighted_quantile(per["mean"], w, HIGH),
                "ensemble_min": float(per["mean"].min()),
                "ensemble_max": float(per["mean"].max()),
                "seed_low": value + float(np.average(per["low"] - per["mean"], weights=w)),
                "seed_high": value + float(np.average(per["high"] - per["mean"], weights=w)),
                "seed_spread_max": float((per["high"] - per["low"]).max()),
            }
            row.update(_paired(frame, ref, outcome, weights, policy, reference_policy))
            rows.append(row)
    return pd.DataFrame(rows)


def _paired(frame, ref, outcome, weights, policy, reference_policy) -> dict:
    """The policy minus the reference, seed by seed within each parameter set."""
    empty = {
        "compared_with": "",
        "difference": np.nan,
        "difference_low": np.nan,
        "difference_high": np.nan,
        "difference_seed_low": np.nan,
        "difference_seed_high": np.nan,
        "sign_holds_share": np.nan,
    }
    if policy == reference_policy or ref.empty:
        return empty
    keys = ["parameter_set", "seed"]
    pair = frame.set_index(keys)[outcome] - ref.set_index(keys)[outcome]
    pair = pair.dropna().rename(outcome).reset_index()
    per = _per_set(pair, outcome)
    w = weights.loc[per.index].to_numpy()
    difference = float(np.average(per["mean"], weights=w))
    sign = np.sign(difference)
    return {
        "compared_with": reference_policy,
        "difference": difference,
        "difference_low": weighted_quantile(per["mean"], w, LOW),
        "difference_high": weighted_quantile(per["mean"], w, HIGH),
        "difference_seed_low": difference + float(np.average(per["low"] - per["mean"], weights=w)),
        "difference_seed_high": difference
        + float(np.average(per["high"] - per["mean"], weights=w)),
        "sign_holds_share": float(np.average(np.sign(per["mean"]) == sign, weights=w))
        if sign != 0
        else np.nan,
    }


def yearly_uncertainty(
    results: pd.DataFrame, sets: pd.DataFrame, reference_policy: str, outcome: str = "volunteers"
) -> pd.DataFrame:
    """:func:`headline_uncertainty` of one outcome in every year (the report's band figure):
    the same numbers as the headline in the end year, so the figure and the table agree."""
    years = sorted(int(y) for y in results["year"].unique())
    return pd.concat(
        [
            headline_uncertainty(results, sets, y, reference_policy, outcomes=(outcome,))
            for y in years
        ],
        ignore_index=True,
    )
