"""An ensemble of plausible models: ABC-SMC on the calibration targets, then every scenario across it.

Owns: the priors of the assumed parameters (uniform on default x [1 - f, 1 + f], kept in each
parameter's valid range, the same ranges the sensitivity analysis screens), the ABC-SMC fit with
pyabc (its SQLite history, ``ensemble.db``, is a real database: reopen it with
``pyabc.History("sqlite:///.../ensemble.db")``), the accepted parameter sets with their weights,
running each scenario across them in chunks, the posterior predictive check, and
``task=ensemble``.
Must not: change the model defaults; the headline table is ``uncertainty.py``'s.

One process, everything::

    python -m frivilligsim experiment=ensemble_quick      # < 10 min on 2 cores
    python -m frivilligsim experiment=ensemble

Staged, for joblib or a SLURM cluster (every stage reads and writes ``ensemble.dir``)::

    D=outputs/ensemble/shared
    python -m frivilligsim experiment=ensemble ensemble.stage=fit ensemble.dir=$D ensemble.workers=8
    python -m frivilligsim -m experiment=ensemble ensemble.stage=simulate ensemble.dir=$D \\
        ensemble.n_chunks=8 'ensemble.chunk=range(8)' hydra/launcher=slurm   # or joblib
    python -m frivilligsim experiment=ensemble ensemble.stage=gather ensemble.dir=$D
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from frivilligsim.analysis import calibration, uncertainty
from frivilligsim.analysis.outcomes import Evaluator, Request, add_measures
from frivilligsim.analysis.sensitivity import (
    assumption_parameters,
    check_staging,
    overrides_for_row,
    problem_for,
    with_spread_subset,
)
from frivilligsim.core.parameters import BehaviourParams
from frivilligsim.core.rng import replicate_seed
from frivilligsim.errors import ConfigError, FrivilligsimError
from frivilligsim.scenario.config import RunConfig, group_options, load_demography

STAGES = ("all", "fit", "simulate", "gather")
DB = "ensemble.db"
SETS = "parameter_sets.csv"


# ---- settings -------------------------------------------------------------------------------


def prepare(run: RunConfig) -> RunConfig:
    """Check the settings; reduce the region to a spread subset when asked."""

    s = run.ensemble
    check_staging(s, "ensemble", STAGES)
    if s.coordinates not in COORDINATES:
        raise ConfigError(
            f"ensemble.coordinates={s.coordinates} is not one of: {', '.join(COORDINATES)}"
        )
    for key in ("population", "generations", "seeds", "workers", "fit_seeds"):
        if getattr(s, key) < 1:
            raise ConfigError(
                f"ensemble.{key}={getattr(s, key)} is out of range; expected 1 or more"
            )
    if s.epsilon <= 0:
        raise ConfigError(f"ensemble.epsilon={s.epsilon} must be above 0")
    policies = group_options("policy")
    for name in [*s.policies, s.reference_policy]:
        if name not in policies:
            raise ConfigError(
                f"ensemble.policies: {name} is not a policy; choose from: {', '.join(policies)}"
            )
    if s.reference_policy not in s.policies:
        raise ConfigError(
            f"ensemble.reference_policy={s.reference_policy} must be one of ensemble.policies"
        )
    for name in s.demographies:
        if name not in group_options("demography"):
            raise ConfigError(f"ensemble.demographies: {name} is not a demography option")
    last_window = max(run.calibration.volunteer_years[-1], run.calibration.share_years[-1])
    if not (last_window <= s.fit_end_year <= run.end_year):
        raise ConfigError(
            f"ensemble.fit_end_year={s.fit_end_year} must cover the calibration years "
            f"(to {last_window}) and not pass end_year={run.end_year}"
        )
    calibration.check_window(run)
    return with_spread_subset(run, s.municipalities)


def parameters_for(run: RunConfig) -> list[str]:
    names = list(run.ensemble.parameters) or assumption_parameters()
    levers = [n for n in names if n.startswith("policy.")]
    if levers:
        raise ConfigError(
            f"ensemble.parameters: {levers[0]} is a policy lever; the ensemble varies model "
            "parameters only (policies are run side by side: ensemble.policies)"
        )
    if not names:
        raise ConfigError("ensemble: no parameter to vary")
    return names


def other_parameters(run: RunConfig) -> list[str]:
    """The assumption parameters the fit leaves alone, drawn from their prior for every set
    (``ensemble.draw_others``): the calibration targets hardly move them, so ABC could not
    narrow them, yet they move the projection."""
    if not run.ensemble.draw_others:
        return []
    fitted = set(parameters_for(run))
    return [n for n in assumption_parameters() if n not in fitted]


def drawn_values(run: RunConfig, parameter_set: int) -> tuple[list[str], list[float]]:
    """One set's values of :func:`other_parameters`: uniform on their prior, keyed by the run
    seed and the set's number (the same on any machine or stage)."""
    names = other_parameters(run)
    if not names:
        return [], []
    bounds = problem_for(names, run.model, run.ensemble.bound_factor)["bounds"]
    rng = np.random.default_rng([int(run.seed), 0xE75E, int(parameter_set)])
    u = rng.random(len(names))
    return names, [lo + x * (hi - lo) for x, (lo, hi) in zip(u, bounds, strict=True)]


def prior_problem(run: RunConfig) -> dict:
    """Names and uniform bounds of the prior (the sensitivity analysis' ranges)."""
    return problem_for(parameters_for(run), run.model, run.ensemble.bound_factor)


def stage_dir(run: RunConfig, run_dir) -> Path:
    folder = Path(run.ensemble.dir) if run.ensemble.dir else Path(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def design_key(run: RunConfig) -> dict:
    """What must match between the stages of one ensemble (checked when a stage starts)."""
    s = run.ensemble
    key = {
        "seed": int(run.seed),
        "start_year": run.start_year,
        "end_year": run.end_year,
        "region": asdict(run.region),
        "model": asdict(run.model),
        "calibration": [run.calibration.volunteer_years, run.calibration.share_years],
        "ensemble": {
            k: getattr(s, k)
            for k in (
                "parameters",
                "draw_others",
                "coordinates",
                "bound_factor",
                "population",
                "generations",
                "epsilon",
                "fit_seeds",
            )
        },
    }
    return json.loads(json.dumps(key, default=str))


# Settings added to the design key after fits were made, with what those fits did.
DESIGN_KEYS_ADDED = {"coordinates": "logistic"}


def _check_design(folder: Path, run: RunConfig) -> dict:
    path = folder / "ensemble_design.json"
    if not path.exists() or not (folder / SETS).exists():
        raise ConfigError(
            f"{folder / SETS} is missing; run ensemble.stage=fit with the same ensemble.dir"
        )
    design = json.loads(path.read_text(encoding="utf-8"))
    key = design_key(run)
    for name, before in DESIGN_KEYS_ADDED.items():  # a fit from before the key existed
        design["key"]["ensemble"].setdefault(name, before)
    if design["key"] != key:
        changed = sorted(
            f"{k}.{sub}" if isinstance(key[k], dict) else k
            for k in key
            if design["key"].get(k) != key[k]
            for sub in (key[k] if isinstance(key[k], dict) else [None])
            if sub is None or (design["key"].get(k) or {}).get(sub) != key[k][sub]
        )
        raise ConfigError(
            f"{path} was made with a different config ({', '.join(changed)} differ); "
            "use the same overrides in every stage"
        )
    return design


# ---- the ABC-SMC fit ------------------------------------------------------------------------


def target_distance(simulated: dict, _observed: dict | None = None) -> float:
    """The largest error over the calibration targets, in units of each target's tolerance.

    Below 1 means every target is reproduced within its tolerance (docs/calibration.md).
    """
    errors = [abs(simulated[t.name] - t.value) / t.tolerance_abs() for t in calibration.TARGETS]
    return float(max(errors)) if np.all(np.isfinite(errors)) else float("inf")


def particle_seed(base: int, values: dict) -> int:
    """A seed that is a function of the base seed and the parameter values only."""
    text = ",".join(f"{k}={values[k]:.12g}" for k in sorted(values))
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return replicate_seed(base, int.from_bytes(digest, "little") & 0xFFFFFFFF)


COORDINATES = ("unit", "logistic")


def from_unit(problem: dict, latent: dict, coordinates: str = "logistic") -> list[float]:
    """Parameter values from pyabc's latent coordinates (``ensemble.coordinates``).

    ``unit``: pyabc samples a position ``u`` in [0, 1] per parameter, value ``lo + u (hi - lo)``.
    ``logistic``: pyabc samples a standard logistic ``z``, value ``lo + sigmoid(z) (hi - lo)``.
    Both make each value uniform on its prior interval exactly. Measured here: with 59
    parameters, unit positions put almost every perturbed candidate outside the prior. With the
    11 fitted parameters on the whole region both keep few effective sets (Kish): logistic 8.5
    of 100 after generation 3 and 6.4 after 5; unit 5.7 after 2 and 4.0 after 3. Sampling raw
    values failed too (rates span six orders of magnitude).
    """
    out = []
    for n, (lo, hi) in zip(problem["names"], problem["bounds"], strict=True):
        z = float(latent[n])
        u = min(max(z, 0.0), 1.0) if coordinates == "unit" else 1.0 / (1.0 + np.exp(-z))
        out.append(lo + float(u) * (hi - lo))
    return out


class TargetModel:
    """pyabc's model: latent coordinates -> the calibration targets of one simulation."""

    def __init__(self, run: RunConfig, problem: dict):
        self.fit_run = replace(run, end_year=run.ensemble.fit_end_year)
        self.problem = problem
        self.names = list(problem["names"])
        self.seed = int(run.seed)
        self.n_seeds = int(run.ensemble.fit_seeds)
        self.coordinates = run.ensemble.coordinates
        self._evaluator: Evaluator | None = None

    @property
    def evaluator(self) -> Evaluator:
        if self._evaluator is None:  # built in the worker process that first needs it
            self._evaluator = Evaluator(self.fit_run)
        return self._evaluator

    def __call__(self, parameters) -> dict:
        values = from_unit(self.problem, parameters, self.coordinates)
        model = overrides_for_row(self.names, values, self.fit_run.model)
        first = particle_seed(self.seed, dict(zip(self.names, values, strict=True)))
        seeds = [replicate_seed(first, r) for r in range(self.n_seeds)]
        try:
            measures = calibration.target_measures(
                self.evaluator, seeds, model, self.fit_run.calibration
            )
        except FrivilligsimError:  # an invariant broke at an extreme corner: never accepted
            return {t.name: float("inf") for t in calibration.TARGETS}
        return {t.name: float(measures[t.name].mean()) for t in calibration.TARGETS}


def _sampler(workers: int):
    import pyabc

    if workers == 1:
        return pyabc.sampler.SingleCoreSampler()
    return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)


def fit(run: RunConfig, folder: Path, log=None) -> tuple[pd.DataFrame, dict]:
    """ABC-SMC; writes ``ensemble.db``, ``parameter_sets.csv`` and ``abc_generations.csv``."""
    import pyabc

    from frivilligsim.output.results import write_csv, write_json

    s = run.ensemble
    problem = prior_problem(run)
    names = problem["names"]
    latent = ("uniform", 0.0, 1.0) if s.coordinates == "unit" else ("logistic", 0.0, 1.0)
    prior = pyabc.Distribution(**{n: pyabc.RV(*latent) for n in names})
    np.random.seed(run.seed % 2**32)  # pyabc draws from numpy's global generator
    abc = pyabc.ABCSMC(
        TargetModel(run, problem),
        prior,
        target_distance,
        population_size=s.population,
        sampler=_sampler(s.workers),
    )
    db = folder / DB
    if db.exists():
        db.unlink()  # a fit is redone whole; the stages after it check ensemble_design.json
    observed = {t.name: t.value for t in calibration.TARGETS}
    abc.new(f"sqlite:///{db}", observed)
    t0 = time.perf_counter()
    history = abc.run(minimum_epsilon=s.epsilon, max_nr_populations=s.generations)
    seconds = time.perf_counter() - t0
    sets = accepted_sets(history, problem, run)
    generations = generation_table(history)
    write_csv(sets, folder / SETS)
    write_csv(generations, folder / "abc_generations.csv")
    others = other_parameters(run)
    info = {
        "parameters": names,
        "prior_bounds": dict(zip(names, problem["bounds"], strict=True)),
        "drawn_from_prior": others,
        "generations": int(len(generations)),
        "final_epsilon": float(generations["epsilon"].iloc[-1]),
        "simulations": int(history.total_nr_simulations),
        "accepted": int(len(sets)),
        "within_tolerance": int((sets["abc_distance"] <= 1.0).sum()),
        "effective_sets": round(effective_sets(sets["weight"]), 1),
        "fit_seconds": round(seconds, 1),
        "database": str(db),
    }
    write_json({"key": design_key(run), **info}, folder / "ensemble_design.json")
    if log:
        log(
            f"ABC-SMC: {info['generations']} generations, {info['simulations']} simulations, "
            f"final epsilon {info['final_epsilon']:.3g}, {info['accepted']} sets in {seconds:.0f} s"
        )
    return sets, info


def accepted_sets(history, problem: dict, run: RunConfig) -> pd.DataFrame:
    """The last generation's particles: one row per parameter set, with weight and distance."""
    population = history.get_population(history.max_t)
    rows = []
    for k, particle in enumerate(population.particles):
        values = from_unit(problem, particle.parameter, run.ensemble.coordinates)
        others, drawn = drawn_values(run, k)
        model = overrides_for_row([*problem["names"], *others], [*values, *drawn], run.model)
        rows.append(
            {
                "parameter_set": k,
                "weight": float(particle.weight),
                "abc_distance": float(particle.distance),
                **{f"abc_{t}": float(v) for t, v in dict(particle.sum_stat).items()},
                **model,
            }
        )
    frame = pd.DataFrame(rows)
    frame["weight"] = frame["weight"] / frame["weight"].sum()
    return frame


def effective_sets(weights) -> float:
    """Kish's effective number of parameter sets, 1 / sum(w^2) for weights summing to 1.

    Near the population size: the sets count about equally. Near 1: one set dominates and the
    ensemble's ranges mean little.
    """
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return float(1.0 / np.sum(w**2))


def generation_table(history) -> pd.DataFrame:
    """Per ABC-SMC generation: threshold, simulations, acceptance rate, effective sets."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    accepted = history.get_nr_particles_per_population()
    return pd.DataFrame(
        {
            "generation": pops["t"].astype(int),
            "epsilon": pops["epsilon"].astype(float),
            "simulations": pops["samples"].astype(int),
            "acceptance_rate": [
                accepted.loc[t] / n if n else np.nan
                for t, n in zip(pops["t"], pops["samples"], strict=True)
            ],
            "effective_sets": [
                effective_sets(history.get_distribution(m=0, t=int(t))[1]) for t in pops["t"]
            ],
        }
    )


# ---- running the scenarios across the ensemble ----------------------------------------------


def model_columns(sets: pd.DataFrame) -> list[str]:
    skip = {"parameter_set", "weight", "abc_distance"}
    return [c for c in sets.columns if c not in skip and not c.startswith("abc_")]


def projection_seeds(run: RunConfig) -> list[int]:
    """The projection's seeds: fresh (not the fit's), the same for every set and policy."""
    return [replicate_seed(run.seed + 1, r) for r in range(run.ensemble.seeds)]


MUNIS = "ensemble_municipalities"


def _chunk_path(folder: Path, chunk: int, n_chunks: int, stem: str = "ensemble_results") -> Path:
    return folder / f"{stem}_{chunk:03d}_of_{n_chunks:03d}.parquet"


def simulate(run: RunConfig, folder: Path, chunk: int, n_chunks: int, log=None) -> pd.DataFrame:
    """Every scenario (policy x demography x seed) for the sets ``k`` with ``k % n_chunks == chunk``."""
    from frivilligsim.output.results import write_parquet

    _check_design(folder, run)
    sets = pd.read_csv(folder / SETS)
    mine = sets[sets["parameter_set"] % n_chunks == chunk]
    columns = model_columns(sets)
    s = run.ensemble
    demographies = list(s.demographies) or [run.demography.name]
    evaluators = {
        d: Evaluator(
            run if d == run.demography.name else replace(run, demography=load_demography(d))
        )
        for d in demographies
    }
    seeds = projection_seeds(run)
    types = {f.name: f.type for f in fields(BehaviourParams)}
    frames, munis = [], []
    t0 = time.perf_counter()
    for k, row in enumerate(mine.itertuples(index=False)):
        model = {
            c: int(getattr(row, c)) if types[c] in (int, "int") else float(getattr(row, c))
            for c in columns
        }
        for d, ev in evaluators.items():
            # one batch per set and demography: each seed's policies share one spin-up
            runs = [(policy, seed) for policy in s.policies for seed in seeds]
            outs = ev.simulate_many([Request(seed, policy, model) for policy, seed in runs])
            for (policy, seed), out in zip(runs, outs, strict=True):
                m = add_measures(ev.totals_of(out, seed, policy))
                m.insert(0, "demography", d)
                m.insert(0, "parameter_set", int(row.parameter_set))
                frames.append(m)
                munis.append(municipality_rows(ev, out, row.parameter_set, policy, d, seed))
        if log and (k + 1) % 10 == 0:
            rate = (time.perf_counter() - t0) / (k + 1)
            log(f"  {k + 1}/{len(mine)} parameter sets, ~{rate * (len(mine) - k - 1):.0f} s left")
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    write_parquet(frame, _chunk_path(folder, chunk, n_chunks))
    if munis:
        write_parquet(
            pd.concat(munis, ignore_index=True), _chunk_path(folder, chunk, n_chunks, MUNIS)
        )
    return frame


MUNI_OUTCOMES = ("volunteers", "coverage")


def municipality_rows(ev: Evaluator, out: np.ndarray, parameter_set, policy, demography, seed):
    """End-year volunteers and coverage of each municipality in one run (engine output)."""
    from frivilligsim.engines.layout import OUTPUT_COLUMNS, yearly_table

    keys = {
        "parameter_set": int(parameter_set),
        "policy": policy,
        "demography": demography,
        "seed": int(seed),
    }
    table = yearly_table(out[:, -1:, :], OUTPUT_COLUMNS, ev.world.codes, int(ev.years[-1]), keys)
    return table[
        ["parameter_set", "municipality", "policy", "demography", "seed", "year", *MUNI_OUTCOMES]
    ]


def gather(run: RunConfig, folder: Path) -> pd.DataFrame:
    """All chunks in one table; refuses while a parameter set has no results."""
    _check_design(folder, run)
    sets = pd.read_csv(folder / SETS)
    files = sorted(folder.glob("ensemble_results_*_of_*.parquet"))
    if not files:
        raise ConfigError(f"no ensemble_results_*.parquet in {folder}; run ensemble.stage=simulate")
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    keys = ["parameter_set", "policy", "demography", "seed", "year"]
    frame = frame.drop_duplicates(keys, keep="last")
    missing = sorted(set(sets["parameter_set"]) - set(frame["parameter_set"]))
    if missing:
        raise FrivilligsimError(
            f"{len(missing)} of {len(sets)} parameter sets have no results (first: {missing[:5]}); "
            "simulate the missing chunks (same ensemble.n_chunks) and gather again"
        )
    return frame.sort_values(keys).reset_index(drop=True)


def gather_municipalities(folder: Path) -> pd.DataFrame:
    """Every chunk's municipality rows (the sets were checked by :func:`gather`)."""
    files = sorted(folder.glob(f"{MUNIS}_*_of_*.parquet"))
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    keys = ["parameter_set", "municipality", "policy", "demography", "seed"]
    return frame.drop_duplicates(keys, keep="last").sort_values(keys).reset_index(drop=True)


def predictive_check(run: RunConfig, results: pd.DataFrame, sets: pd.DataFrame) -> pd.DataFrame:
    """Each calibration target across the ensemble, from the projection runs (fresh seeds)."""
    base = results[
        (results["policy"] == "as_planned") & (results["demography"] == run.demography.name)
    ]
    if base.empty:
        return pd.DataFrame()
    weights = sets.set_index("parameter_set")["weight"]
    rows = []
    for target in calibration.TARGETS:
        first, last = (
            run.calibration.volunteer_years
            if target.window == "volunteer"
            else run.calibration.share_years
        )
        window = base[(base["year"] >= first) & (base["year"] <= last)]
        per_set = window.groupby(["parameter_set", "seed"])[target.measure].mean()
        per_set = per_set.groupby("parameter_set").mean()
        w = weights.loc[per_set.index].to_numpy()
        values = per_set.to_numpy()
        tol = target.tolerance_abs()
        mean = float(np.average(values, weights=w))
        rows.append(
            {
                "target": target.name,
                "source": target.source,
                "report_value": target.value,
                "tolerance_abs": tol,
                "ensemble_mean": mean,
                "ensemble_p05": uncertainty.weighted_quantile(values, w, 0.05),
                "ensemble_p95": uncertainty.weighted_quantile(values, w, 0.95),
                "share_of_sets_within_tolerance": float(
                    np.average(np.abs(values - target.value) <= tol, weights=w)
                ),
                "pass": bool(abs(mean - target.value) <= tol),
            }
        )
    return pd.DataFrame(rows)


# ---- the task -------------------------------------------------------------------------------


def run_task(run: RunConfig, run_dir: Path):
    """``task=ensemble``: write this task's files into ``run_dir``; return (table, info)."""
    from rich.console import Console

    from frivilligsim.output.results import write_csv, write_json, write_parquet

    console = Console(stderr=True)
    log = console.print if run.output.progress else None
    t0 = time.perf_counter()
    run = prepare(run)
    folder = stage_dir(run, run_dir)
    s = run.ensemble
    info: dict = {"stage": s.stage, "folder": str(folder), "seeds": projection_seeds(run)}
    table = pd.DataFrame()
    if s.stage in ("all", "fit"):
        table, fit_info = fit(run, folder, log)
        info.update(fit_info)
    if s.stage in ("all", "simulate"):
        t = time.perf_counter()
        chunk, n_chunks = (0, 1) if s.stage == "all" else (s.chunk, s.n_chunks)
        table = simulate(run, folder, chunk, n_chunks, log)
        info["simulate_seconds"] = round(time.perf_counter() - t, 1)
    if s.stage in ("all", "gather"):
        table = gather(run, folder)
        sets = pd.read_csv(folder / SETS)
        write_parquet(table, folder / "ensemble_results.parquet")
        check = predictive_check(run, table, sets)
        write_csv(check, folder / "posterior_predictive.csv")
        headline = uncertainty.headline_uncertainty(table, sets, run.end_year, s.reference_policy)
        write_csv(headline, folder / "headline_uncertainty.csv")
        per_muni = gather_municipalities(folder)
        munis_table = uncertainty.headline_uncertainty(
            per_muni,
            sets,
            run.end_year,
            s.reference_policy,
            outcomes=MUNI_OUTCOMES,
            by=("municipality", "policy", "demography"),
        )
        write_csv(munis_table, folder / "municipality_uncertainty.csv")
        munis = uncertainty.headline_uncertainty(
            table, sets, run.end_year, s.reference_policy, outcomes=("volunteers",)
        )
        info["posterior_predictive_pass"] = (
            check.set_index("target")["pass"].to_dict() if len(check) else {}
        )
        info["headline_volunteers"] = (
            munis[
                [
                    "policy",
                    "demography",
                    "value",
                    "ensemble_low",
                    "ensemble_high",
                    "seed_low",
                    "seed_high",
                ]
            ]
            .round(1)
            .to_dict(orient="records")
        )
    info["seconds"] = round(time.perf_counter() - t0, 1)
    write_json(info, Path(run_dir) / "ensemble.json")
    console.print(
        json.dumps({k: v for k, v in info.items() if k != "prior_bounds"}, indent=1, default=str)
    )
    console.print(f"[green]Done[/green] in {info['seconds']} s. Outputs in {folder}")
    table = table.copy()
    table.columns = [str(c) for c in table.columns]
    return table, {k: v for k, v in info.items() if k != "prior_bounds"}
