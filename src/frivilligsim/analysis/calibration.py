"""Calibration: fit assumption parameters to the report's figures (MODEL.md section 9).

Owns: the calibration targets (what is measured, over which years, with which tolerance),
the fitted parameters and their search bounds, the fit (Nelder-Mead on common random numbers
with the fast engine), the check on fresh seeds (``calibration_table.csv``), and writing the
fitted values into ``conf/model/default.yaml`` on request.
Must not: change behaviour or tune to a validation figure (those live in validation.py).

    python -m frivilligsim experiment=calibrate                               # fit and check
    python -m frivilligsim experiment=calibrate calibration.fit=false         # check defaults
    python -m frivilligsim experiment=calibrate calibration.write_defaults=true

The status quo is the ``as_planned`` policy. Every run first spins up for
``model.spinup_years`` at the start year's population, so the targets are read after the drawn
initial state has settled; the volunteer target is measured over 2025-2027 by default, so the
dynamics must sustain it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from frivilligsim.analysis.outcomes import Evaluator
from frivilligsim.core.parameters import BehaviourParams
from frivilligsim.core.rng import replicate_seed
from frivilligsim.errors import ConfigError
from frivilligsim.scenario.config import CONF_DIR, CalibrationConfig, RunConfig

DEFAULTS_FILE = CONF_DIR / "model" / "default.yaml"
PROVENANCE = "calibrated (docs/calibration.md)"


@dataclass(frozen=True)
class Target:
    """One figure of the report the model must reproduce in the calibration window."""

    name: str
    measure: str  # a column of outcomes.add_measures
    value: float
    source: str  # report line(s)
    window: str  # "volunteer" or "share": which CalibrationConfig years
    tolerance: float
    relative: bool  # tolerance relative to the value (else absolute)
    description: str

    def tolerance_abs(self) -> float:
        return self.tolerance * abs(self.value) if self.relative else self.tolerance


TARGETS = (
    Target(
        "volunteers_per_centre",
        "volunteers_per_centre",
        69.0,
        "L192",
        "volunteer",
        0.10,
        True,
        "mean active volunteers per centre (national NFS figure)",
    ),
    Target(
        "cooperation_share",
        "cooperation_share",
        0.85,
        "L41, L1052",
        "share",
        0.05,
        False,
        "share of centres cooperating with the municipality on welfare services",
    ),
    Target(
        "pressure_share",
        "pressure_share",
        0.27,
        "L380-382",
        "share",
        0.05,
        False,
        "share of leaders reporting municipal pressure to take on tasks",
    ),
)

RECRUIT_FIELDS = (
    "recruit_base_youth",
    "recruit_base_adult",
    "recruit_base_young_retiree",
    "recruit_base_senior",
)


@dataclass(frozen=True)
class FitParameter:
    """A dimension of the fit: one model field, or a common scale on several."""

    name: str
    fields: tuple[str, ...]
    lower: float
    upper: float
    scale: bool  # True: the value multiplies the fields' current defaults
    note: str


FIT_PARAMETERS = {
    "recruit_scale": FitParameter(
        "recruit_scale",
        RECRUIT_FIELDS,
        0.25,
        4.0,
        True,
        "common factor on the four cohort recruitment base rates; their ratios "
        "(young retirees easiest to recruit, L2512-2513) stay as assumed",
    ),
    "max_orders_per_month": FitParameter(
        "max_orders_per_month",
        ("max_orders_per_month",),
        0.5,
        40.0,
        False,
        "orders a unit sends a centre a month at full gap and order intensity",
    ),
    "cooperation_min_share": FitParameter(
        "cooperation_min_share",
        ("cooperation_min_share",),
        0.01,
        0.9,
        False,
        "share of a centre's volunteer hours worked jointly with the municipality (co-created "
        "+ ordered) above which it counts as cooperating on welfare (rules.cooperates)",
    ),
}


def fit_parameter(name: str, model: BehaviourParams) -> FitParameter:
    """The fit dimension called ``name``: a named group, or any positive model field."""
    if name in FIT_PARAMETERS:
        return FIT_PARAMETERS[name]
    known = {f.name: f for f in fields(BehaviourParams)}
    if name not in known:
        raise ConfigError(
            f"calibration.parameters has unknown name {name!r}; use one of "
            f"{', '.join(FIT_PARAMETERS)} or a model parameter such as dropout_base"
        )
    default = float(getattr(model, name))
    lo, hi = known[name].metadata["range"]
    if default <= 0:
        raise ConfigError(
            f"calibration.parameters: {name} must have a positive default to be fitted"
        )
    return FitParameter(
        name, (name,), max(lo, default / 5), min(hi, default * 5), False, "model parameter"
    )


def overrides_for(values: dict[str, float], model: BehaviourParams) -> dict[str, float]:
    """Model field values for fit values (a scale multiplies the current defaults)."""
    out: dict[str, float] = {}
    for name, value in values.items():
        par = fit_parameter(name, model)
        for f in par.fields:
            out[f] = float(getattr(model, f)) * value if par.scale else float(value)
    return out


# ---- measuring the targets ------------------------------------------------------------------


def _window(settings: CalibrationConfig, which: str) -> tuple[int, int]:
    years = settings.volunteer_years if which == "volunteer" else settings.share_years
    if len(years) != 2 or years[0] > years[1]:
        raise ConfigError(
            f"calibration.{which}_years={list(years)} must be [first, last] with first <= last"
        )
    return int(years[0]), int(years[1])


def check_window(run: RunConfig) -> None:
    """Every calibration year must be simulated."""
    for which in ("volunteer", "share"):
        first, last = _window(run.calibration, which)
        if first < run.start_year or last > run.end_year:
            raise ConfigError(
                f"calibration.{which}_years=[{first}, {last}] lie outside the simulated years "
                f"{run.start_year}-{run.end_year}; set end_year={max(last, run.end_year)}"
            )


def target_measures(
    evaluator: Evaluator,
    seeds,
    model: dict | None = None,
    settings: CalibrationConfig | None = None,
) -> pd.DataFrame:
    """The target measures of each seed under ``as_planned``: one row per seed."""
    settings = settings or evaluator.run.calibration
    rows = []
    for seed in seeds:
        table = evaluator.measures(int(seed), "as_planned", model).set_index("year")
        row = {"seed": int(seed)}
        for target in TARGETS:
            first, last = _window(settings, target.window)
            row[target.name] = float(table.loc[first:last, target.measure].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def calibration_table(
    run: RunConfig,
    seeds=None,
    model: dict | None = None,
    evaluator: Evaluator | None = None,
) -> pd.DataFrame:
    """Targets against the model: mean and sd across seeds, tolerance, pass or miss.

    Args:
        run: the config (region, horizon, model defaults, calibration windows).
        seeds: the seeds; default ``calibration.check_seeds`` fresh replicate seeds.
        model: model parameter overrides; default the config's own values.
        evaluator: reuse an evaluator built for ``run``.
    """
    evaluator = evaluator or Evaluator(run)
    settings = run.calibration
    if seeds is None:
        seeds = check_seeds(run)
    per_seed = target_measures(evaluator, seeds, model, settings)
    rows = []
    for target in TARGETS:
        values = per_seed[target.name]
        mean = float(values.mean())
        sd = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        first, last = _window(settings, target.window)
        tol = target.tolerance_abs()
        rows.append(
            {
                "target": target.name,
                "description": target.description,
                "source": target.source,
                "report_value": target.value,
                "years": f"{first}-{last}",
                "model_mean": mean,
                "model_sd": sd,
                "model_min": float(values.min()),
                "model_max": float(values.max()),
                "seeds": len(values),
                "tolerance": (
                    f"{target.tolerance:.0%} relative" if target.relative else f"{tol:g} absolute"
                ),
                "tolerance_abs": tol,
                "error": mean - target.value,
                "pass": bool(abs(mean - target.value) <= tol),
            }
        )
    return pd.DataFrame(rows)


def fit_seeds(run: RunConfig) -> list[int]:
    return [replicate_seed(run.seed, r) for r in range(run.calibration.fit_seeds)]


def check_seeds(run: RunConfig) -> list[int]:
    """Fresh seeds for the check, never used in the fit."""
    start = run.calibration.fit_seeds
    return [replicate_seed(run.seed, r) for r in range(start, start + run.calibration.check_seeds)]


# ---- the fit --------------------------------------------------------------------------------


@dataclass
class FitResult:
    values: dict[str, float]  # fit dimension -> value
    overrides: dict[str, float]  # model field -> value
    loss: float
    evaluations: int
    seconds: float
    trace: pd.DataFrame


def loss_of(measures: pd.DataFrame) -> float:
    """Sum over targets of the squared error of the seed mean, in units of the tolerance."""
    total = 0.0
    for target in TARGETS:
        error = (measures[target.name].mean() - target.value) / target.tolerance_abs()
        total += float(error) ** 2
    return total


def fit(run: RunConfig, evaluator: Evaluator | None = None, log=None) -> FitResult:
    """Nelder-Mead over the log of each fitted parameter, on common random numbers.

    The seeds are fixed (``calibration.fit_seeds``), so the objective is a deterministic function
    of the parameters; bounds are kept by clipping inside the objective.
    """
    from scipy.optimize import minimize

    settings = run.calibration
    if not settings.parameters:
        raise ConfigError("calibration.parameters is empty; name at least one parameter to fit")
    evaluator = evaluator or Evaluator(run)
    model = run.model
    dims = [fit_parameter(name, model) for name in settings.parameters]
    start = np.array([np.log(1.0 if d.scale else float(getattr(model, d.fields[0]))) for d in dims])
    lo = np.log([d.lower for d in dims])
    hi = np.log([d.upper for d in dims])
    start = np.clip(start, lo, hi)
    seeds = fit_seeds(run)
    trace: list[dict] = []
    t0 = time.perf_counter()

    def values_of(x) -> dict[str, float]:
        x = np.clip(x, lo, hi)
        return {d.name: float(np.exp(v)) for d, v in zip(dims, x, strict=True)}

    def objective(x) -> float:
        values = values_of(x)
        measures = target_measures(evaluator, seeds, overrides_for(values, model), settings)
        loss = loss_of(measures)
        # a soft wall outside the bounds keeps the simplex inside them
        outside = float(np.sum(np.maximum(0, lo - x) + np.maximum(0, x - hi)))
        record = {**values, **{t.name: float(measures[t.name].mean()) for t in TARGETS}}
        record["loss"] = loss
        trace.append(record)
        if log is not None:
            log(
                f"fit {len(trace):3d}: "
                + ", ".join(f"{k}={v:.4g}" for k, v in values.items())
                + f" -> loss {loss:.3f}"
            )
        return loss + 100.0 * outside

    simplex = [start] + [start + 0.3 * np.eye(len(dims))[i] for i in range(len(dims))]
    result = minimize(
        objective,
        start,
        method="Nelder-Mead",
        options={
            "initial_simplex": np.array(simplex),
            "maxfev": int(settings.max_evaluations),
            "xatol": 0.005,
            "fatol": 0.01,
        },
    )
    frame = pd.DataFrame(trace)
    best = frame.loc[frame["loss"].idxmin()]
    values = {d.name: float(best[d.name]) for d in dims}
    values = {k: _round_sig(v, 3) for k, v in values.items()}
    overrides = {k: _round_sig(v, 3) for k, v in overrides_for(values, model).items()}
    return FitResult(
        values=values,
        overrides=overrides,
        loss=float(best["loss"]),
        evaluations=int(result.nfev),
        seconds=time.perf_counter() - t0,
        trace=frame,
    )


def _round_sig(value: float, digits: int) -> float:
    if value == 0:
        return 0.0
    return float(f"{value:.{digits}g}")


# ---- writing the defaults -------------------------------------------------------------------

_VALUE_LINE = r"^(?P<key>{key})(?P<sep>\s*:\s*)(?P<value>[^#\s]+)(?P<pad>\s*)#\s*(?P<comment>.*)$"


def format_value(value: float) -> str:
    """A YAML float that every loader reads as a float (``9.00e-05``, never ``9e-05``)."""
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.2e}"
    text = f"{value:.4g}"
    return text if ("." in text or "e" in text) else f"{text}.0"


def write_defaults(overrides: dict[str, float], path: Path = DEFAULTS_FILE) -> None:
    """Replace the values of ``overrides`` in the model defaults file, with provenance.

    Only the value and the comment of each named line change; the comment becomes
    ``calibrated (docs/calibration.md)`` plus, when the old comment gave a report line, that
    reference (the direction it justifies still holds).
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=False)
    done = set()
    for i, line in enumerate(lines):
        for key, value in overrides.items():
            match = re.match(_VALUE_LINE.format(key=re.escape(key)), line)
            if not match:
                continue
            old_comment = match.group("comment")
            refs = re.findall(r"L\d+(?:-\d+)?", old_comment)
            comment = PROVENANCE + (f"; direction: {', '.join(refs)}" if refs else "")
            head = f"{key}{match.group('sep')}{format_value(value)}"
            width = len(match.group("key")) + len(match.group("sep")) + len(match.group("value"))
            width += len(match.group("pad"))
            lines[i] = f"{head.ljust(max(width, len(head) + 1))}# {comment}"
            done.add(key)
    missing = set(overrides) - done
    if missing:
        raise ConfigError(f"{path} has no value line for {sorted(missing)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---- the task -------------------------------------------------------------------------------


def plot_calibration(table: pd.DataFrame, path: Path) -> None:
    """One panel per target: the report value, the tolerance band and the model across seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(table), figsize=(3.6 * len(table), 3.4))
    for ax, row in zip(np.atleast_1d(axes), table.itertuples(index=False), strict=True):
        lo, hi = row.report_value - row.tolerance_abs, row.report_value + row.tolerance_abs
        ax.axhspan(lo, hi, color="#cfe3f3", label="report value ± tolerance")
        ax.axhline(row.report_value, color="#1f5f8b", lw=1.5)
        colour = "#2e7d32" if row.pass_ else "#c62828"
        ax.errorbar(
            [0],
            [row.model_mean],
            yerr=[[row.model_mean - row.model_min], [row.model_max - row.model_mean]],
            fmt="o",
            color=colour,
            capsize=6,
            label=f"model ({row.seeds} seeds, min-max)",
        )
        ax.set_xticks([])
        ax.set_xlim(-1, 1)
        span = max(hi, row.model_max) - min(lo, row.model_min)
        ax.set_ylim(min(lo, row.model_min) - 0.25 * span, max(hi, row.model_max) + 0.25 * span)
        ax.set_title(f"{row.target}\n{row.source} ({row.years})", fontsize=9)
        ax.text(
            0.5,
            0.02,
            "pass" if row.pass_ else "MISS",
            transform=ax.transAxes,
            ha="center",
            color=colour,
            fontsize=10,
            fontweight="bold",
        )
    np.atleast_1d(axes)[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("Calibration check, as_planned, synthetic District Norway", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def markdown_table(table: pd.DataFrame) -> str:
    lines = [
        "| target | report | source | years | model mean | sd | min-max | tolerance | result |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples(index=False):
        digits = 1 if r.report_value > 2 else 3
        lines.append(
            f"| {r.target} | {r.report_value:g} | {r.source} | {r.years} | "
            f"{r.model_mean:.{digits}f} | {r.model_sd:.{digits}f} | "
            f"{r.model_min:.{digits}f}-{r.model_max:.{digits}f} | {r.tolerance} | "
            f"{'pass' if r.pass_ else 'MISS'} |"
        )
    return "\n".join(lines) + "\n"


def run_task(run: RunConfig, run_dir: Path):
    """``task=calibrate``: write this task's files into ``run_dir``; return (table, info).

    The run-folder contract (manifest, ``results.parquet``) is ``workflow/rundir.py``'s.
    """
    from rich.console import Console

    from frivilligsim.output.results import write_csv, write_json

    console = Console(stderr=True)
    check_window(run)
    settings = run.calibration
    if settings.check_seeds < 1 or settings.fit_seeds < 1:
        raise ConfigError("calibration.fit_seeds and calibration.check_seeds must be 1 or more")
    t0 = time.perf_counter()
    evaluator = Evaluator(run)
    info: dict = {
        "region_municipalities": int(evaluator.world.n_municipalities),
        "centres": int(len(evaluator.world.centre_key)),
        "years": [run.start_year, run.end_year],
        "fit_seeds": fit_seeds(run),
        "check_seeds": check_seeds(run),
    }
    checked = run
    if settings.fit:
        log = console.print if run.output.progress else None
        result = fit(run, evaluator, log=log)
        write_csv(result.trace, run_dir / "calibration_trace.csv")
        info.update(
            fitted=result.values,
            fitted_model_values=result.overrides,
            loss=result.loss,
            evaluations=result.evaluations,
            fit_seconds=round(result.seconds, 1),
        )
        checked = replace(run, model=replace(run.model, **result.overrides))
        if settings.write_defaults:
            write_defaults(result.overrides)
            info["wrote_defaults"] = str(DEFAULTS_FILE)
    table = calibration_table(checked, evaluator=evaluator, model=_diff(checked, run))
    write_csv(table, run_dir / "calibration_table.csv")
    shown = table.rename(columns={"pass": "pass_"})
    (run_dir / "calibration_table.md").write_text(markdown_table(shown), encoding="utf-8")
    plot_calibration(shown, run_dir / "calibration.png")
    info["seconds"] = round(time.perf_counter() - t0, 1)
    info["table"] = table.to_dict(orient="records")
    write_json(info, run_dir / "calibration.json")
    console.print(markdown_table(shown))
    console.print(f"[green]Done[/green] in {info['seconds']} s. Outputs in {run_dir}")
    return table, {k: v for k, v in info.items() if k != "table"}


def _diff(checked: RunConfig, base: RunConfig) -> dict:
    """Model fields of ``checked`` that differ from ``base`` (the evaluator is built on base)."""
    return {
        f.name: getattr(checked.model, f.name)
        for f in fields(BehaviourParams)
        if getattr(checked.model, f.name) != getattr(base.model, f.name)
    }
