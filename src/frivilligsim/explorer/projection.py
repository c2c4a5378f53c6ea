"""One municipality projected to 2050 with the fast engine, over a few seeds, and its summaries.

Owns: running a policy for one municipality over seeds ``replicate_seed(seed, 0..n-1)`` (the same
seeds for every policy, so a policy and its baseline differ only by the policy: common random
numbers), the fan of a metric (median and bands by year) and the paired difference of two runs.
Projections are cached, so adjusting a lever reruns only the adjusted policy.
Must not: draw or know about the page.
"""

from __future__ import annotations

import threading
from dataclasses import astuple, dataclass, replace

import numpy as np
import pandas as pd

from frivilligsim.core.parameters import PolicyConfig
from frivilligsim.core.rng import replicate_seed
from frivilligsim.engines import fast
from frivilligsim.engines.layout import OUTPUT_COLUMNS, yearly_table
from frivilligsim.scenario.config import RunConfig
from frivilligsim.scenario.setup import ScenarioSetup, prepare

QUANTILES = {"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95}


@dataclass(frozen=True)
class Request:
    """One projection: a municipality, a policy, a demography alternative and a seed count."""

    municipality: str
    policy: PolicyConfig
    demography: str
    seeds: int

    def key(self) -> tuple:
        return (self.municipality, astuple(self.policy), self.demography, self.seeds)


def run_for(base: RunConfig, municipality: str, policy: PolicyConfig) -> RunConfig:
    """``base`` restricted to one municipality, with ``policy`` as its own policy."""
    region = replace(base.region, municipalities=[municipality], max_municipalities=None)
    return replace(base, region=region, policy=policy)


def setup_for(base: RunConfig, request: Request) -> ScenarioSetup:
    """The scenario set-up of a request (either engine can run it)."""
    run = run_for(base, request.municipality, request.policy)
    return prepare(run, request.policy.name, request.demography)


def seeds_of(base: RunConfig, n: int) -> list[int]:
    """The scenario seeds of replicates 0..n-1: the same for every policy."""
    return [replicate_seed(base.seed, r) for r in range(n)]


def simulate(base: RunConfig, request: Request) -> pd.DataFrame:
    """Run a request with the fast engine, not cached (:func:`project` caches)."""
    setup = setup_for(base, request)
    seeds = seeds_of(base, request.seeds)
    # one yearly table for all seeds at once: the seeds' arrays stacked as if they were
    # municipalities (building the table is slower than running a small municipality)
    outs = np.concatenate([fast.simulate_setup(setup, seed)[0] for seed in seeds], axis=0)
    codes = np.repeat(setup.world.codes, len(seeds))
    keys = {"policy": setup.policy_name, "demography": setup.demography_name, "seed": 0}
    table = yearly_table(outs, OUTPUT_COLUMNS, codes, base.start_year, keys)
    n_years = outs.shape[1]
    table["seed"] = np.repeat(np.array(seeds, dtype=np.int64), n_years)
    table["replicate"] = np.repeat(np.arange(len(seeds), dtype=np.int64), n_years)
    return table


_CACHE: dict[tuple, pd.DataFrame] = {}
_CACHE_SIZE = 64
_CACHE_LOCK = threading.Lock()  # several browser sessions share one server process


def project(base: RunConfig, request: Request) -> pd.DataFrame:
    """Yearly results of one municipality under one policy, one row per (year, seed). Cached."""
    key = (id(base), request.key())
    with _CACHE_LOCK:
        table = _CACHE.get(key)
    if table is None:
        table = simulate(base, request)
        with _CACHE_LOCK:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = table
    return table


def fan(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Median and bands of ``metric`` across seeds, one row per year (columns q05..q95)."""
    wide = table.pivot_table(index="year", columns="seed", values=metric, aggfunc="first")
    return _quantiles(wide)


def paired_difference(table: pd.DataFrame, baseline: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``table`` minus ``baseline`` seed by seed, then median and bands by year.

    Raises ValueError when the two were not run on the same seeds (no pairing possible).
    """
    a = table.pivot_table(index="year", columns="seed", values=metric, aggfunc="first")
    b = baseline.pivot_table(index="year", columns="seed", values=metric, aggfunc="first")
    if list(a.columns) != list(b.columns) or list(a.index) != list(b.index):
        raise ValueError("the two projections were not run on the same seeds and years")
    return _quantiles(a - b)


def _quantiles(wide: pd.DataFrame) -> pd.DataFrame:
    values = wide.to_numpy(dtype=float)
    out = pd.DataFrame(index=wide.index)
    for name, q in QUANTILES.items():
        out[name] = np.quantile(values, q, axis=1)
    return out
