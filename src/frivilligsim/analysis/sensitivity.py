"""Global sensitivity analysis: Morris screening of the assumptions, then Sobol on the top few.

Owns: which parameters are screened (every model parameter whose provenance comment in
``conf/model/default.yaml`` is ``assumption`` or ``calibrated``) and their ranges, the
outcomes (2050 volunteers and coverage under ``as_planned``; co-creation minus mobilisation
volunteers in 2050 with the same seed), the staged design files that let a cluster evaluate
the Sobol samples in parallel, and ``task=sensitivity``.
Must not: change the model defaults or write outside the stage folder.

One process, everything (the reduced default, a few minutes on 2 cores)::

    python -m frivilligsim experiment=sensitivity

Staged, for a cluster (every stage reads and writes ``sensitivity.dir``)::

    D=outputs/sensitivity/shared
    python -m frivilligsim experiment=sensitivity sensitivity.stage=morris sensitivity.dir=$D
    python -m frivilligsim experiment=sensitivity sensitivity.stage=sobol_sample sensitivity.dir=$D
    python -m frivilligsim -m experiment=sensitivity sensitivity.stage=sobol_evaluate \\
        sensitivity.dir=$D sensitivity.n_chunks=4 'sensitivity.chunk=range(4)' \\
        hydra/launcher=joblib            # or a SLURM launcher: one job per chunk
    python -m frivilligsim experiment=sensitivity sensitivity.stage=sobol_analyse sensitivity.dir=$D
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
import pandas as pd

from frivilligsim.analysis.mechanisms import is_mechanism, mechanism_names, switched_off
from frivilligsim.analysis.outcomes import (  # noqa: F401  (outcomes re-exported for users)
    Evaluator,
    Request,
    add_measures,
    outcomes,
)
from frivilligsim.core.parameters import BehaviourParams, PolicyConfig
from frivilligsim.core.rng import replicate_seed
from frivilligsim.errors import ConfigError, FrivilligsimError
from frivilligsim.scenario.config import CONF_DIR, RunConfig, SensitivityConfig
from frivilligsim.scenario.provenance import read_sources

STAGES = ("all", "morris", "sobol_sample", "sobol_evaluate", "sobol_analyse")
SHARE_FIELDS = (
    "initial_share_youth",
    "initial_share_adult",
    "initial_share_young_retiree",
    "initial_share_senior",
)
DEFAULTS_FILE = CONF_DIR / "model" / "default.yaml"


LEVER_PREFIX = "policy."  # a sampled policy lever: policy.<field of PolicyConfig>


def outcome_names(year: int, levers: bool = False) -> tuple[str, ...]:
    """The outcomes: volunteers and coverage under the level policy (as_planned, or the sampled
    levers when levers are inputs), and co-creation minus mobilisation volunteers.

    ``levers`` is accepted for older callers; the names no longer depend on it.
    """
    return (f"volunteers_{year}", f"coverage_{year}", f"volunteer_difference_{year}")


def has_levers(names) -> bool:
    return any(str(n).startswith(LEVER_PREFIX) for n in names)


def lever_parameters() -> dict[str, list[float]]:
    """Every lever whose value differs between the policy presets, with its [lowest, highest].

    Read from ``conf/policy/*.yaml`` (a lever added to the presets is picked up); a yes/no lever
    (a mechanism switch such as ``municipal_backup``) is sampled on [0, 1] and is on from 0.5.
    """
    from frivilligsim.scenario.config import group_options, load_policy

    presets = [load_policy(name) for name in group_options("policy")]
    out = {}
    for f in fields(PolicyConfig):
        if f.name in ("name", "regime"):
            continue
        values = {getattr(p, f.name) for p in presets}
        if len(values) < 2 or not all(isinstance(v, (int, float, bool)) for v in values):
            continue
        numbers = [float(v) for v in values]
        out[LEVER_PREFIX + f.name] = [min(numbers), max(numbers)]
    return out


def lever_overrides(names, row) -> dict:
    """Policy lever values of one sample row (switches on from 0.5, integers rounded)."""
    types = {f.name: f.type for f in fields(PolicyConfig)}
    out = {}
    for name, value in zip(names, row, strict=True):
        if not str(name).startswith(LEVER_PREFIX):
            continue
        lever = name[len(LEVER_PREFIX) :]
        kind = types[lever]
        if kind in (bool, "bool"):
            out[lever] = bool(value >= 0.5)
        elif kind in (int, "int"):
            out[lever] = int(round(value))
        else:
            out[lever] = float(value)
    return out


def assumption_parameters(path: Path = DEFAULTS_FILE) -> list[str]:
    """Model parameters whose provenance is an assumption (or a calibrated assumption)."""
    sources = read_sources(path)
    known = {f.name for f in fields(BehaviourParams)}
    return [
        name
        for name, source in sources.items()
        if name in known and source.split()[0].rstrip(":;,") in ("assumption", "calibrated")
    ]


def problem_for(names: list[str], model: BehaviourParams, factor: float) -> dict:
    """The SALib problem: each parameter over default x [1 - f, 1 + f], kept in its valid range."""
    ranges = {f.name: f.metadata.get("range", (0, 1)) for f in fields(BehaviourParams)}
    types = {f.name: f.type for f in fields(BehaviourParams)}
    levers = lever_parameters() if has_levers(names) else {}
    bounds = []
    for name in names:
        if name in levers:
            bounds.append(levers[name])
            continue
        if is_mechanism(name):  # a mechanism switch (analysis/mechanisms.py): off below 0.5
            if name not in mechanism_names():
                raise ConfigError(
                    f"sensitivity.parameters: {name!r} is not a mechanism; those are: "
                    f"{', '.join(mechanism_names())}"
                )
            bounds.append([0.0, 1.0])
            continue
        if str(name).startswith(LEVER_PREFIX):
            raise ConfigError(
                f"sensitivity.parameters: {name!r} is not a lever that differs between the presets; "
                f"those are: {', '.join(lever_parameters())}"
            )
        if name not in ranges:
            raise ConfigError(f"sensitivity.parameters: {name!r} is not a model parameter")
        if types[name] in (bool, "bool"):  # a mechanism switch: off below 0.5, on above
            bounds.append([0.0, 1.0])
            continue
        default = float(getattr(model, name))
        lo, hi = sorted((default * (1 - factor), default * (1 + factor)))
        if default == 0:
            lo, hi = 0.0, factor
        r_lo, r_hi = ranges[name]
        lo, hi = max(lo, r_lo), min(hi, r_hi)
        if hi <= lo:
            raise ConfigError(f"sensitivity: {name} has an empty range [{lo}, {hi}]")
        bounds.append([lo, hi])
    return {"num_vars": len(names), "names": list(names), "bounds": bounds}


def overrides_for_row(names, row, model: BehaviourParams) -> dict:
    """Model overrides for one sample row: integers rounded, switches on from 0.5, cohort shares
    renormalised, a mechanism switched off (``mechanism.*``) zeroing its parameters over any
    sampled value; policy levers (``policy.*``) are left to :func:`lever_overrides`."""
    types = {f.name: f.type for f in fields(BehaviourParams)}
    out = {}
    for name, value in zip(names, row, strict=True):
        if str(name).startswith(LEVER_PREFIX) or is_mechanism(name):
            continue
        if types[name] in (bool, "bool"):
            out[name] = bool(value >= 0.5)
        else:
            out[name] = int(round(value)) if types[name] in (int, "int") else float(value)
    if any(name in out for name in SHARE_FIELDS):
        shares = np.array([out.get(n, getattr(model, n)) for n in SHARE_FIELDS], dtype=float)
        shares = shares / shares.sum()
        out.update({n: float(s) for n, s in zip(SHARE_FIELDS, shares, strict=True)})
    return out | switched_off(names, row)


def representative_subset(region, n: int) -> list[str]:
    """``n`` municipalities with a centre, in proportion to the plan discourses, spread by size.

    The as_planned policy depends on each municipality's discourse (L796-1024), so the subset
    keeps the region's discourse mix; within a discourse it takes evenly spaced sizes.
    """
    from frivilligsim.inputs.region import largest_remainder_counts

    munis = region.municipalities.copy()
    munis["municipality"] = munis["municipality"].astype(str)
    with_centre = set(region.centres["municipality"].astype(str))
    munis = munis[munis["municipality"].isin(with_centre)]
    munis["residents"] = region.population.reshape(region.n_municipalities, -1).sum(axis=1)[
        munis.index.to_numpy()
    ]
    if n >= len(munis):
        return sorted(munis["municipality"])
    groups = sorted(munis.groupby("discourse"), key=lambda g: -len(g[1]))
    shares = np.array([len(g) for _, g in groups], dtype=float)
    counts = largest_remainder_counts(shares / shares.sum(), n)
    chosen = []
    for (_, group), k in zip(groups, counts, strict=True):
        if k == 0:
            continue
        group = group.sort_values(["residents", "municipality"])
        idx = np.unique(np.linspace(0, len(group) - 1, int(k)).round().astype(int))
        chosen.extend(group["municipality"].iloc[idx])
    return sorted(chosen)


# ---- evaluating samples ---------------------------------------------------------------------


class SampleRunner:
    """Evaluates sample rows: three runs per row on the same seeds (common random numbers).

    The level run gives ``volunteers`` and ``coverage``: the ``as_planned`` preset, or, when
    policy levers are inputs, a preset with every lever that differs between presets set to the
    row's values (so the preset it starts from does not matter). The co-creation and
    mobilisation presets give the paired ``volunteer_difference``. With several seeds each
    outcome is the mean over them (``sensitivity.seeds``).
    """

    def __init__(self, run: RunConfig, names: list[str], seeds):
        self.run = run
        self.names = list(names)
        self.seeds = [int(seed) for seed in np.atleast_1d(seeds)]
        self.evaluator = Evaluator(run)
        self.year = run.end_year
        self.levers = has_levers(self.names)
        self.outcomes = outcome_names(self.year)

    def requests(self, values) -> list[Request]:
        """The engine runs of one row: (level, co-creation, mobilisation) x seeds."""
        model = overrides_for_row(self.names, values, self.run.model)
        if self.levers:
            base = next(n for n, p in self.evaluator.presets.items() if p.regime != "as_planned")
            level = (base, lever_overrides(self.names, values))
        else:
            level = ("as_planned", None)
        runs = [level, ("cocreation", None), ("mobilisation", None)]
        return [
            Request(seed, policy, model, levers) for policy, levers in runs for seed in self.seeds
        ]

    def _outcomes(self, outs: list[np.ndarray]) -> dict:
        """A row's outcomes from the engine outputs of :meth:`requests`, in that order."""
        n = len(self.seeds)
        means = []
        for k in range(3):  # level, co-creation, mobilisation: each the mean over the seeds
            frames = [
                add_measures(self.evaluator.totals_of(out, seed, "run"))
                for out, seed in zip(outs[k * n : (k + 1) * n], self.seeds, strict=True)
            ]
            means.append(
                pd.concat(frames).groupby("year")[["volunteers", "coverage"]].mean().loc[self.year]
            )
        level, cocreation, mobilisation = means
        vol, cov, diff = self.outcomes
        return {
            vol: float(level["volunteers"]),
            cov: float(level["coverage"]),
            diff: float(cocreation["volunteers"] - mobilisation["volunteers"]),
            f"coverage_difference_{self.year}": float(
                cocreation["coverage"] - mobilisation["coverage"]
            ),
        }

    def row(self, values) -> dict:
        """One row's outcomes (its runs share one spin-up per seed)."""
        return self._outcomes(self.evaluator.simulate_many(self.requests(values)))

    def _batch(self, X) -> list[dict]:
        """Several rows in one engine batch; a row whose run fails is retried alone."""
        requests = [self.requests(values) for values in X]
        try:
            outs = self.evaluator.simulate_many([r for row in requests for r in row])
        except FrivilligsimError:
            return [self._guarded(values) for values in X]
        size = len(requests[0])
        return [
            self._outcomes(outs[k * size : (k + 1) * size]) | {"error": ""} for k in range(len(X))
        ]

    def _guarded(self, values) -> dict:
        try:
            return self.row(values) | {"error": ""}
        except FrivilligsimError as exc:  # an invariant broke at an extreme corner
            return {name: np.nan for name in self.outcomes} | {"error": str(exc)}

    def rows(self, X: np.ndarray, index=None, log=None, batch_rows: int = 4) -> pd.DataFrame:
        """Outcomes of sample rows ``X``, ``batch_rows`` rows per engine batch."""
        X = np.asarray(X)
        index = np.arange(len(X)) if index is None else np.asarray(index)
        out = []
        t0 = time.perf_counter()
        logged = 0
        for start in range(0, len(X), batch_rows):
            results = self._batch(X[start : start + batch_rows])
            for i, result in zip(index[start : start + batch_rows], results, strict=True):
                out.append({"row": int(i), **result})
            done = len(out)
            if log is not None and done // 20 > logged:
                logged = done // 20
                rate = (time.perf_counter() - t0) / done
                log(
                    f"  {done}/{len(X)} rows, {rate:.2f} s/row, ~{rate * (len(X) - done):.0f} s left"
                )
        return pd.DataFrame(out)


def _outcome_matrix(frame: pd.DataFrame, year: int, design: str) -> np.ndarray:
    names = [n for n in outcome_names(year, levers=True) if n in frame]
    bad = frame[frame[names].isna().any(axis=1)]
    if len(bad):
        raise FrivilligsimError(
            f"{design}: {len(bad)} sample row(s) failed, e.g. row {int(bad['row'].iloc[0])}: "
            f"{bad['error'].iloc[0]}; narrow sensitivity.bound_factor or drop the parameter"
        )
    return frame.sort_values("row")[names].to_numpy(dtype=float)


# ---- stage folder ---------------------------------------------------------------------------


def stage_dir(run: RunConfig, run_dir) -> Path:
    folder = Path(run.sensitivity.dir) if run.sensitivity.dir else Path(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def design_key(run: RunConfig) -> dict:
    """What must match between the stages of one analysis (checked when a stage starts)."""
    return {
        "seed": int(run.seed),
        "start_year": run.start_year,
        "end_year": run.end_year,
        "region": asdict(run.region),
        "demography": run.demography.name,
        "model": asdict(run.model),
        "bound_factor": run.sensitivity.bound_factor,
        "seeds": run.sensitivity.seeds,
        "morris_seeds": run.sensitivity.morris_seeds,
        "levers": run.sensitivity.levers,
        "mechanisms": run.sensitivity.mechanisms,
    }


def _check_design(folder: Path, run: RunConfig, what: str) -> dict:
    path = folder / f"{what}_design.json"
    if not path.exists():
        raise ConfigError(
            f"{path} is missing; run the earlier stage with the same sensitivity.dir first"
        )
    design = json.loads(path.read_text(encoding="utf-8"))
    key = json.loads(json.dumps(design_key(run), default=str))
    if design["key"] != key:
        changed = sorted(k for k in key if design["key"].get(k) != key[k])
        raise ConfigError(
            f"{path} was made with a different config ({', '.join(changed)} differ); "
            "use the same overrides in every stage"
        )
    return design


def _write_design(folder: Path, run: RunConfig, what: str, problem: dict, extra: dict) -> None:
    from frivilligsim.output.results import write_json

    payload = {"key": design_key(run), "problem": problem, **extra}
    write_json(json.loads(json.dumps(payload, default=str)), folder / f"{what}_design.json")


def check_staging(settings, group: str, stages) -> None:
    """The settings every staged analysis shares (``<group>.stage``, ``chunk``, ``n_chunks``,
    ``bound_factor``): one clear line for a bad value."""
    if settings.stage not in stages:
        raise ConfigError(
            f"{group}.stage={settings.stage} is not a stage; choose one of: {', '.join(stages)}"
        )
    if settings.n_chunks < 1 or not (0 <= settings.chunk < settings.n_chunks):
        raise ConfigError(
            f"{group}.chunk={settings.chunk} must be in 0..n_chunks-1 "
            f"(n_chunks={settings.n_chunks})"
        )
    if not (0 < settings.bound_factor < 1):
        raise ConfigError(f"{group}.bound_factor={settings.bound_factor} must be in (0, 1)")


def with_spread_subset(run: RunConfig, n: int | None) -> RunConfig:
    """``run`` on a spread subset of ``n`` municipalities (none given: unchanged)."""
    from dataclasses import replace

    from frivilligsim.scenario.setup import world_for

    if n is None or run.region.municipalities is not None:
        return run
    region = world_for(run.region, run.start_year).region
    codes = representative_subset(region, int(n))
    return replace(run, region=replace(run.region, municipalities=codes, max_municipalities=None))


def prepare(run: RunConfig) -> RunConfig:
    """The config the analysis runs: the region reduced to a spread subset when asked."""
    check_staging(run.sensitivity, "sensitivity", STAGES)
    n = run.sensitivity.sobol_samples
    if n < 4 or n & (n - 1):  # Saltelli's N, and the convergence check compares N/2 with N
        raise ConfigError(
            f"sensitivity.sobol_samples={n} must be a power of 2, at least 4 (e.g. 64 or 128)"
        )
    return with_spread_subset(run, run.sensitivity.municipalities)


def parameters_for(run: RunConfig) -> list[str]:
    names = list(run.sensitivity.parameters) or assumption_parameters()
    if run.sensitivity.levers:
        names += [n for n in lever_parameters() if n not in names]
    if run.sensitivity.mechanisms:
        names += [n for n in mechanism_names() if n not in names]
    if not names:
        raise ConfigError("sensitivity: no parameter to screen")
    return names


def analysis_seeds(run: RunConfig, stage: str = "sobol") -> list[int]:
    """The seeds every sample row runs (common random numbers across rows and policies).

    Morris screens with ``sensitivity.morris_seeds`` (its ranking needs sizes, not decimals);
    Sobol with ``sensitivity.seeds``.
    """
    count = run.sensitivity.morris_seeds if stage == "morris" else run.sensitivity.seeds
    key = "morris_seeds" if stage == "morris" else "seeds"
    if count < 1:
        raise ConfigError(f"sensitivity.{key}={count} is out of range; expected 1 or more")
    return [replicate_seed(run.seed, r) for r in range(count)]


# ---- Morris ---------------------------------------------------------------------------------


def morris(run: RunConfig, folder: Path, log=None) -> pd.DataFrame:
    """Morris elementary effects of every screened parameter on the three outcomes."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    s = run.sensitivity
    names = parameters_for(run)
    problem = problem_for(names, run.model, s.bound_factor)
    X = morris_sample.sample(problem, N=s.trajectories, num_levels=s.levels, seed=run.seed % 2**32)
    if log:
        log(
            f"Morris: {len(names)} parameters, {len(X)} rows x 3 runs x {len(analysis_seeds(run, 'morris'))} seeds"
        )
    runner = SampleRunner(run, names, analysis_seeds(run, "morris"))
    frame = runner.rows(X, log=log)
    _write_design(folder, run, "morris", problem, {"rows": len(X)})
    samples = pd.DataFrame(X, columns=names)
    samples.insert(0, "row", np.arange(len(X)))
    samples.to_csv(folder / "morris_samples.csv", index=False)
    frame.to_csv(folder / "morris_outcomes.csv", index=False)
    Y = _outcome_matrix(frame, run.end_year, "morris")
    tables = []
    for j, outcome in enumerate(outcome_names(run.end_year, has_levers(names))):
        res = morris_analyze.analyze(
            problem, X, Y[:, j], num_levels=s.levels, seed=run.seed % 2**32
        )
        t = pd.DataFrame(
            {
                "parameter": names,
                "outcome": outcome,
                "mu": res["mu"],
                "mu_star": res["mu_star"],
                "sigma": res["sigma"],
                "mu_star_conf": res["mu_star_conf"],
            }
        )
        scale = t["mu_star"].max()
        t["mu_star_normalised"] = t["mu_star"] / scale if scale > 0 else 0.0
        t["rank"] = t["mu_star"].rank(ascending=False, method="min").astype(int)
        tables.append(t.sort_values("rank"))
    indices = pd.concat(tables, ignore_index=True)
    indices.to_csv(folder / "morris_indices.csv", index=False)
    plot_morris(
        indices, folder / "morris.png", scope=scope_label(run, len(analysis_seeds(run, "morris")))
    )
    return indices


def top_parameters(indices: pd.DataFrame, k: int) -> list[str]:
    """The ``k`` parameters with the largest normalised mu* on any outcome."""
    best = indices.groupby("parameter")["mu_star_normalised"].max().sort_values(ascending=False)
    return list(best.index[:k])


# ---- Sobol ----------------------------------------------------------------------------------


def sobol_sample(run: RunConfig, folder: Path, log=None) -> pd.DataFrame:
    from SALib.sample import sobol as sobol_sampler

    s = run.sensitivity
    _check_design(folder, run, "morris")
    path = folder / "morris_indices.csv"
    if not path.exists():
        raise ConfigError(f"{path} is missing; run sensitivity.stage=morris first")
    names = top_parameters(pd.read_csv(path), s.sobol_top)
    problem = problem_for(names, run.model, s.bound_factor)
    X = sobol_sampler.sample(
        problem, s.sobol_samples, calc_second_order=False, seed=run.seed % 2**32
    )
    samples = pd.DataFrame(X, columns=names)
    samples.insert(0, "row", np.arange(len(X)))
    samples.to_csv(folder / "sobol_samples.csv", index=False)
    _write_design(folder, run, "sobol", problem, {"rows": len(X), "N": s.sobol_samples})
    if log:
        log(f"Sobol: {names}, {len(X)} rows x 3 runs in {folder / 'sobol_samples.csv'}")
    return samples


def _chunk_path(folder: Path, chunk: int, n_chunks: int) -> Path:
    return folder / f"sobol_outcomes_{chunk:03d}_of_{n_chunks:03d}.csv"


def sobol_evaluate(
    run: RunConfig, folder: Path, chunk: int, n_chunks: int, log=None
) -> pd.DataFrame:
    """Evaluate the rows ``i`` with ``i % n_chunks == chunk``; write that chunk's file."""
    design = _check_design(folder, run, "sobol")
    samples = pd.read_csv(folder / "sobol_samples.csv")
    names = design["problem"]["names"]
    mine = samples[samples["row"] % n_chunks == chunk]
    if log:
        log(f"Sobol chunk {chunk}/{n_chunks}: {len(mine)} rows")
    runner = SampleRunner(run, names, analysis_seeds(run))
    frame = runner.rows(mine[names].to_numpy(), index=mine["row"].to_numpy(), log=log)
    from frivilligsim.output.results import write_csv

    write_csv(frame, _chunk_path(folder, chunk, n_chunks))
    return frame


def sobol_analyse(run: RunConfig, folder: Path, log=None) -> pd.DataFrame:
    design = _check_design(folder, run, "sobol")
    problem = design["problem"]
    n_rows = int(design["rows"])
    files = sorted(folder.glob("sobol_outcomes_*_of_*.csv"))
    if not files:
        raise ConfigError(
            f"no sobol_outcomes_*.csv in {folder}; run sensitivity.stage=sobol_evaluate"
        )
    frame = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    frame = frame.drop_duplicates("row", keep="last")
    missing = sorted(set(range(n_rows)) - set(frame["row"]))
    if missing:
        raise FrivilligsimError(
            f"{len(missing)} of {n_rows} Sobol rows have no outcome (first: {missing[:5]}); "
            "evaluate the missing chunks (same sensitivity.n_chunks) and analyse again"
        )
    frame.sort_values("row").to_csv(folder / "sobol_outcomes.csv", index=False)
    Y = _outcome_matrix(frame, run.end_year, "sobol")
    indices = sobol_indices(problem, Y, run.end_year, run.seed)
    indices.to_csv(folder / "sobol_indices.csv", index=False)
    half = int(design.get("N", 0)) // 2
    if half >= 2:
        rows = half * (problem["num_vars"] + 2)  # the first N/2 base points are a design too
        smaller = sobol_indices(problem, Y[:rows], run.end_year, run.seed)
        convergence(indices, smaller).to_csv(folder / "sobol_convergence.csv", index=False)
    plot_sobol(indices, folder / "sobol.png", scope=scope_label(run, len(analysis_seeds(run))))
    return indices


def sobol_indices(problem: dict, Y: np.ndarray, year: int, seed: int) -> pd.DataFrame:
    """First-order and total indices with bootstrap 95 % intervals (SALib), per outcome."""
    from SALib.analyze import sobol as sobol_analyzer

    tables = []
    for j, outcome in enumerate(outcome_names(year, has_levers(problem["names"]))):
        res = sobol_analyzer.analyze(problem, Y[:, j], calc_second_order=False, seed=seed % 2**32)
        tables.append(
            pd.DataFrame(
                {
                    "parameter": problem["names"],
                    "outcome": outcome,
                    "S1": res["S1"],
                    "S1_conf": res["S1_conf"],
                    "ST": res["ST"],
                    "ST_conf": res["ST_conf"],
                }
            ).sort_values("ST", ascending=False)
        )
    return pd.concat(tables, ignore_index=True)


def convergence(full: pd.DataFrame, half: pd.DataFrame) -> pd.DataFrame:
    """Two checks per outcome that the Sobol indices have converged at this N.

    ``s1_within_st``: no first-order index exceeds its total index by more than their two
    bootstrap half-widths together (S1 <= ST holds in theory; beyond the intervals it is noise).
    ``ranking_stable``: the parameters ranked by ST are in the same order with N/2 and N base
    samples (Spearman correlation of the ST values >= 0.9, and the same first parameter).
    ``converged`` is both. Also, for reading a failed ranking: ``reversals`` (pairs of
    parameters whose order by ST differs between N/2 and N) and ``reversals_beyond_intervals``
    (those of them whose ST intervals at N do not overlap: a reversal the intervals say is
    real). A ranking that fails only by reversals within the intervals is a tie this N cannot
    break, not a wrong order.
    """
    from scipy.stats import spearmanr

    rows = []
    for outcome, f in full.groupby("outcome", sort=False):
        f = f.set_index("parameter")
        h = half[half["outcome"] == outcome].set_index("parameter").loc[f.index]
        excess = f["S1"] - f["ST"] - (f["S1_conf"] + f["ST_conf"])
        rho = float(spearmanr(f["ST"], h["ST"]).statistic) if len(f) > 2 else 1.0
        same_top = f["ST"].idxmax() == h["ST"].idxmax()
        reversals, beyond = _reversals(f, h)
        rows.append(
            {
                "outcome": outcome,
                "largest_S1_minus_ST": float((f["S1"] - f["ST"]).max()),
                "s1_within_st": bool((excess <= 0).all()),
                "spearman_ST_half_vs_full": rho,
                "top_parameter": f["ST"].idxmax(),
                "top_parameter_half": h["ST"].idxmax(),
                "ranking_stable": bool(rho >= 0.9 and same_top),
                "reversals": reversals,
                "reversals_beyond_intervals": beyond,
            }
        )
    table = pd.DataFrame(rows)
    table["converged"] = table["s1_within_st"] & table["ranking_stable"]
    return table


def _reversals(full: pd.DataFrame, half: pd.DataFrame) -> tuple[int, int]:
    """Pairs ordered differently by ST at N and N/2; and those whose intervals at N are apart."""
    st, conf, st_half = full["ST"].to_numpy(), full["ST_conf"].to_numpy(), half["ST"].to_numpy()
    reversals = beyond = 0
    for i in range(len(st)):
        for j in range(i + 1, len(st)):
            if (st[i] - st[j]) * (st_half[i] - st_half[j]) < 0:
                reversals += 1
                beyond += abs(st[i] - st[j]) > conf[i] + conf[j]
    return reversals, int(beyond)


# ---- plots ----------------------------------------------------------------------------------


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def scope_label(run: RunConfig, seeds: int) -> str:
    """What a sensitivity figure covers: region, municipalities, years and seeds."""
    from frivilligsim.scenario.setup import world_for

    n = world_for(run.region, run.start_year).n_municipalities
    synthetic = " (synthetic test region)" if run.region.name == "synthetic" else ""
    return (
        f"region {run.region.name}{synthetic}, {n} municipalities, {run.start_year}-"
        f"{run.end_year}, {seeds} seed{'s' if seeds != 1 else ''} per row"
    )


def plot_morris(indices: pd.DataFrame, path: Path, top: int = 12, scope: str = "") -> None:
    """Horizontal bars of mu* (with its bootstrap interval) for the top parameters per outcome."""
    plt = _pyplot()
    outcomes_ = list(dict.fromkeys(indices["outcome"]))
    fig, axes = plt.subplots(1, len(outcomes_), figsize=(5.2 * len(outcomes_), 4.6))
    for ax, outcome in zip(np.atleast_1d(axes), outcomes_, strict=True):
        t = indices[indices["outcome"] == outcome].nsmallest(top, "rank").iloc[::-1]
        ax.barh(t["parameter"], t["mu_star"], xerr=t["mu_star_conf"], color="#4c78a8", alpha=0.85)
        ax.set_title(f"Morris mu*: {outcome}", fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(f"Morris elementary effects ({scope}; docs/uncertainty.md)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_sobol(indices: pd.DataFrame, path: Path, scope: str = "") -> None:
    plt = _pyplot()
    outcomes_ = list(dict.fromkeys(indices["outcome"]))
    fig, axes = plt.subplots(1, len(outcomes_), figsize=(4.6 * len(outcomes_), 3.6))
    for ax, outcome in zip(np.atleast_1d(axes), outcomes_, strict=True):
        t = indices[indices["outcome"] == outcome]
        y = np.arange(len(t))
        ax.barh(
            y + 0.2, t["ST"], height=0.4, xerr=t["ST_conf"], label="total (ST)", color="#f58518"
        )
        ax.barh(
            y - 0.2,
            t["S1"],
            height=0.4,
            xerr=t["S1_conf"],
            label="first order (S1)",
            color="#4c78a8",
        )
        ax.set_yticks(y, t["parameter"], fontsize=7)
        ax.invert_yaxis()
        ax.set_title(f"Sobol: {outcome}", fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.suptitle(f"Sobol indices with 95 % bootstrap intervals ({scope})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---- the task -------------------------------------------------------------------------------


def summary(folder: Path, year: int) -> dict:
    """The ranking the docs quote: top parameters per outcome from Morris and Sobol."""
    out: dict = {}
    morris_path = folder / "morris_indices.csv"
    if morris_path.exists():
        m = pd.read_csv(morris_path)
        out["morris_top"] = {
            o: list(m[m["outcome"] == o].nsmallest(8, "rank")["parameter"])
            for o in dict.fromkeys(m["outcome"])
        }
    conv_path = folder / "sobol_convergence.csv"
    if conv_path.exists():
        c = pd.read_csv(conv_path)
        out["sobol_converged"] = dict(zip(c["outcome"], c["converged"].astype(bool), strict=True))
    sobol_path = folder / "sobol_indices.csv"
    if sobol_path.exists():
        s = pd.read_csv(sobol_path)
        out["sobol_ST"] = {
            o: dict(
                zip(
                    s[s["outcome"] == o]["parameter"],
                    s[s["outcome"] == o]["ST"].round(3),
                    strict=True,
                )
            )
            for o in dict.fromkeys(s["outcome"])
        }
    return out


def run_task(run: RunConfig, run_dir: Path):
    """``task=sensitivity``: write this task's files into ``run_dir``; return (table, info).

    The run-folder contract (manifest, ``results.parquet``) is ``workflow/rundir.py``'s.
    """
    from rich.console import Console

    from frivilligsim.output.results import write_json

    console = Console(stderr=True)
    log = console.print if run.output.progress else None
    t0 = time.perf_counter()
    run = prepare(run)
    folder = stage_dir(run, run_dir)
    s: SensitivityConfig = run.sensitivity
    stage = s.stage
    timings = {}
    tables = []
    if stage in ("all", "morris"):
        t = time.perf_counter()
        tables.append(morris(run, folder, log).assign(method="morris"))
        timings["morris_seconds"] = round(time.perf_counter() - t, 1)
    if stage in ("all", "sobol_sample"):
        tables.append(sobol_sample(run, folder, log).assign(method="sobol_sample"))
    if stage in ("all", "sobol_evaluate"):
        t = time.perf_counter()
        chunk, n_chunks = (0, 1) if stage == "all" else (s.chunk, s.n_chunks)
        frame = sobol_evaluate(run, folder, chunk, n_chunks, log)
        if stage != "all":
            tables.append(frame.assign(method="sobol_evaluate"))
        timings["sobol_evaluate_seconds"] = round(time.perf_counter() - t, 1)
    if stage in ("all", "sobol_analyse"):
        tables.append(sobol_analyse(run, folder, log).assign(method="sobol"))
    if stage == "all":
        tables = [t for t in tables if t["method"].iloc[0] in ("morris", "sobol")]
    info = {
        "stage": stage,
        "folder": str(folder),
        "municipalities": list(run.region.municipalities or []),
        "years": [run.start_year, run.end_year],
        "seeds": analysis_seeds(run),
        "morris_seeds": analysis_seeds(run, "morris"),
        **timings,
        "seconds": round(time.perf_counter() - t0, 1),
        **summary(folder, run.end_year),
    }
    write_json(info, run_dir / "sensitivity.json")
    console.print(json.dumps({k: v for k, v in info.items() if k != "municipalities"}, indent=1))
    console.print(f"[green]Done[/green] in {info['seconds']} s. Outputs in {folder}")
    table = pd.concat(tables, ignore_index=True)
    table.columns = [str(c) for c in table.columns]
    return table, info
