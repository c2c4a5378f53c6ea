"""Scalar outcomes of a run, and a fast evaluator for calibration, sensitivity and EMA.

Owns: the definitions of the regional measures the calibration fits and the sensitivity
analysis ranks (volunteers per centre, share of centres cooperating, share of leaders under
pressure, coverage, mean motivation, share aged 70+), :func:`outcomes` (results table -> dict of
scalars), and :class:`Evaluator`, which runs one (parameters, policy, seed) many times without
re-reading config files, caching the world, the demography rates and the policy presets, and
:func:`run_with_manifest`, the run-folder bookkeeping (manifest.json, results.parquet) of the
calibrate, validate and sensitivity tasks.

Must not: hold behaviour, or write files outside run_with_manifest. The evaluator is the fast branch of
``runner.simulate`` without the results table; ``tests/test_sensitivity.py`` checks that both
give the same numbers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from frivilligsim.core.parameters import REGIMES, BehaviourParams, PolicyConfig, as_record
from frivilligsim.engines import layout
from frivilligsim.engines.layout import coverage, mean_motivation, ratio
from frivilligsim.scenario.config import RunConfig, validate

# Regional yearly totals that every measure is built from (sums over municipalities).
TOTALS = (
    "residents",
    "residents_70plus",
    "volunteers",
    "volunteers_youth",
    "volunteers_adult",
    "volunteers_young_retiree",
    "volunteers_senior",
    "volunteers_with_centre",
    "centres",
    "cooperating_centres",
    "leaders_pressured",
    "orders_issued",
    "orders_declined",
    "recruits",
    "dropouts",
    "demand_hours",
    "covered_hours",
    "motivation_sum",
    "hours_ordered",
    "hours_cocreated",
    "volunteer_hours",
)
KEYS = ("policy", "demography", "seed", "year")

# Scalar measures, with what each means (docs/calibration.md quotes these).
MEASURES = {
    "volunteers": "end-of-year volunteers in the region",
    "volunteers_per_centre": "end-of-year volunteers / centres, over municipalities with a centre",
    "cooperation_share": "centres whose joint hours with the municipality reach model.cooperation_min_share of their volunteer hours in the year / centres",
    "pressure_share": "centres issued >= model.pressure_orders_per_year orders in the year / centres",
    "coverage": "volunteer hours meeting demand / demand hours, over the year",
    "mean_motivation": "mean motivation of end-of-year volunteers",
    "share_70plus": "residents aged 70+ / residents, 1 January",
    "orders_per_centre": "orders issued in the year / centres",
    "decline_share": "orders declined / orders issued",
    "residents": "residents, 1 January",
}


def regional_totals(results: pd.DataFrame) -> pd.DataFrame:
    """Sum a yearly results table over municipalities: one row per (policy, demography, seed, year)."""
    frame = results.copy()
    frame["covered_hours"] = frame["coverage"] * frame["demand_hours"]
    frame["motivation_sum"] = frame["mean_motivation"] * frame["volunteers"]
    frame["volunteers_with_centre"] = frame["volunteers"].where(frame["centres"] > 0, 0)
    if "leaders_pressured" not in frame:
        frame["leaders_pressured"] = 0
    keys = [k for k in KEYS if k in frame]
    columns = [c for c in TOTALS if c in frame]
    return frame.groupby(keys, sort=True)[columns].sum().reset_index()


def add_measures(totals: pd.DataFrame) -> pd.DataFrame:
    """Add the ratio measures (MEASURES) to a table of regional totals."""
    t = totals.copy()
    t["volunteers_per_centre"] = ratio(t["volunteers_with_centre"], t["centres"])
    t["cooperation_share"] = ratio(t["cooperating_centres"], t["centres"])
    t["pressure_share"] = ratio(t["leaders_pressured"], t["centres"])
    t["coverage"] = coverage(t["covered_hours"], t["demand_hours"])
    t["mean_motivation"] = mean_motivation(t["motivation_sum"], t["volunteers"])
    t["share_70plus"] = ratio(t["residents_70plus"], t["residents"])
    t["orders_per_centre"] = ratio(t["orders_issued"], t["centres"])
    t["decline_share"] = ratio(t["orders_declined"], t["orders_issued"])
    return t


SCALAR_MEASURES = (
    "volunteers",
    "volunteers_per_centre",
    "coverage",
    "mean_motivation",
    "cooperation_share",
    "pressure_share",
    "share_70plus",
    "residents",
)


def outcomes(results: pd.DataFrame, year: int | None = None) -> dict[str, float]:
    """The scalar outcomes of a results table, as used by calibration, sensitivity and EMA.

    Args:
        results: the yearly table of :func:`frivilligsim.run` (one or more policies and seeds).
        year: the year to report; default the last year in the table.

    Returns:
        ``{"<measure>_<year>": value}`` averaged over seeds (and demographies) when the table
        holds one policy; with several policies each key ends in ``_<policy>``. When both
        ``cocreation`` and ``mobilisation`` are present, ``volunteer_difference_<year>`` is the
        mean over seeds of cocreation minus mobilisation volunteers with the same seed (common
        random numbers), and ``coverage_difference_<year>`` likewise.
    """
    table = add_measures(regional_totals(results))
    year = int(table["year"].max()) if year is None else int(year)
    rows = table[table["year"] == year]
    if rows.empty:
        raise ValueError(
            f"year {year} is not in the results (years {sorted(table['year'].unique())})"
        )
    policies = list(dict.fromkeys(rows["policy"]))
    out: dict[str, float] = {}
    for policy in policies:
        sub = rows[rows["policy"] == policy]
        suffix = f"_{policy}" if len(policies) > 1 else ""
        for name in SCALAR_MEASURES:
            out[f"{name}_{year}{suffix}"] = float(sub[name].mean())
    if {"cocreation", "mobilisation"} <= set(policies):
        for name, column in (("volunteer", "volunteers"), ("coverage", "coverage")):
            pair = rows.pivot_table(index=["demography", "seed"], columns="policy", values=column)
            diff = pair["cocreation"] - pair["mobilisation"]
            out[f"{name}_difference_{year}"] = float(diff.mean())
    return out


# ---- fast evaluator ---------------------------------------------------------------------------


class Request(NamedTuple):
    """One scenario for :meth:`Evaluator.simulate_many`: a seed, a policy, overrides."""

    seed: int
    policy: str = "as_planned"
    model: dict | None = None  # behaviour parameter overrides
    levers: dict | None = None  # lever overrides of the policy
    demography: str | None = None  # a demography alternative by name; None: the config's


# Lines of the engine's yearly output summed into TOTALS (volunteers_with_centre is derived).
_ENGINE_TOTALS = tuple(c for c in TOTALS if c != "volunteers_with_centre")


class Evaluator:
    """Run the fast engine repeatedly for one region and horizon, changing parameters and seeds.

    Builds the world, the demography rates and the policy presets once. Each call to
    :meth:`totals` runs one scenario and returns its regional yearly totals (``TOTALS``), the
    same numbers ``regional_totals(frivilligsim.run(...))`` gives for that seed.

    Args:
        run: the base config (region, horizon, demography, engine, model defaults, policies).
    """

    def __init__(self, run: RunConfig):
        from frivilligsim.scenario.setup import demography_for, policy_for, rates_for, world_for

        if run.engine.name != "fast":
            raise ValueError("the evaluator runs the fast engine only; set engine=fast")
        self.run = run
        self.world = world_for(run.region, run.start_year)
        self.presets = {name: policy_for(run, name) for name in REGIMES}
        self.rates = rates_for(run, demography_for(run, run.demography.name), self.world)
        self.n_months = (run.end_year - run.start_year + 1) * 12
        self.years = np.arange(run.start_year, run.end_year + 1)
        self._levers: dict = {}
        self._rates: dict = {}
        from frivilligsim.engines import fast

        self._fast = fast
        self._index = {name: layout.OUTPUT_COLUMNS.index(name) for name in _ENGINE_TOTALS}
        self._has_centre = self._centres_per_municipality() > 0

    def _centres_per_municipality(self) -> np.ndarray:
        return np.diff(self.world.centre_start)

    def model(self, overrides: dict | None = None) -> BehaviourParams:
        """The behaviour parameters with ``overrides``; ranges checked as for a config."""
        params = replace(self.run.model, **(overrides or {}))
        validate(replace(self.run, model=params))
        return params

    def policy(self, name: str, levers: dict | None = None) -> PolicyConfig:
        """The named policy preset with lever overrides (``order_intensity`` and so on)."""
        if name not in self.presets:
            from frivilligsim.scenario.setup import policy_for

            self.presets[name] = policy_for(self.run, name)
        policy = self.presets[name]
        return replace(policy, **(levers or {})) if levers else policy

    def _lever_records(self, policy: PolicyConfig):
        from frivilligsim.scenario.world import municipality_levers

        key = tuple(sorted((k, v) for k, v in vars(policy).items()))
        if key not in self._levers:
            self._levers[key] = municipality_levers(self.world, policy, self.presets)
        return self._levers[key]

    def simulate(
        self,
        seed: int,
        policy: str = "as_planned",
        model: dict | None = None,
        levers: dict | None = None,
    ) -> np.ndarray:
        """The engine's yearly output ``[municipality, year, column]`` for one scenario."""
        return self.simulate_many([Request(seed, policy, model, levers)])[0]

    def job(self, request: Request):
        """The engine job (``fast.Job``) of one request."""
        seed, policy, model, levers, demography = Request(*request)
        params = self.model(model)
        chosen = self.policy(policy, levers)
        start_month = max(0, (chosen.start_year - self.run.start_year) * 12)
        return self._fast.Job(
            self.world,
            as_record(params),
            self._lever_records(self.presets["as_planned"]),
            self._lever_records(chosen),
            start_month,
            self._rates_of(demography),
            int(seed),
            self.n_months,
        )

    def _rates_of(self, demography: str | None):
        """The rates of a demography alternative (``demography_for``), built once per name."""
        if demography is None or demography == self.run.demography.name:
            return self.rates
        if demography not in self._rates:
            from frivilligsim.scenario.setup import demography_for, rates_for

            alternative = demography_for(self.run, demography)
            self._rates[demography] = rates_for(self.run, alternative, self.world)
        return self._rates[demography]

    def simulate_many(self, requests) -> list[np.ndarray]:
        """The engine's yearly outputs of many requests at once, in order.

        Each request is a :class:`Request` or a tuple ``(seed, policy, model, levers[,
        demography])``; the result of each is what :meth:`simulate` gives for it alone (with
        ``demography``: what an evaluator of that alternative gives). The requests run as one
        batch (``fast.simulate_batch``): requests with the same seed and model overrides
        share one spin-up (whatever their policy, levers and demography), and both cores stay
        busy.
        """
        jobs = [self.job(request) for request in requests]
        engine = self.run.engine
        results = self._fast.simulate_batch(
            jobs, threads=engine.threads, check=engine.check_invariants
        )
        return [out for out, _ in results]

    def totals(
        self,
        seed: int,
        policy: str = "as_planned",
        model: dict | None = None,
        levers: dict | None = None,
    ) -> pd.DataFrame:
        """Regional yearly totals (``TOTALS``) of one scenario, one row per year."""
        return self.totals_of(self.simulate(seed, policy, model, levers), seed, policy)

    def totals_of(self, out: np.ndarray, seed: int, policy: str) -> pd.DataFrame:
        """Regional yearly totals of an engine output from :meth:`simulate`."""
        data = {name: out[:, :, i].sum(axis=0) for name, i in self._index.items()}
        vols = out[:, :, self._index["volunteers"]]
        data["volunteers_with_centre"] = vols[self._has_centre].sum(axis=0)
        frame = pd.DataFrame({"year": self.years, **data})
        frame.insert(0, "seed", int(seed))
        frame.insert(0, "policy", str(policy))
        return frame[["policy", "seed", "year", *TOTALS]]

    def measures(self, seed: int, policy: str = "as_planned", model=None, levers=None):
        """Regional yearly totals with the ratio measures added (see :data:`MEASURES`)."""
        return add_measures(self.totals(seed, policy, model, levers))
