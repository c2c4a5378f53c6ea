"""What a run does, by ``task``: simulate (default) or one of the analysis tasks.

Owns the mapping from the config's ``task`` key to the function that carries it out, so an
experiment file chooses its task (``task: calibrate``) and ``__main__`` stays thin. Every task
runs inside the run-folder contract of :mod:`frivilligsim.workflow.rundir`: the simulate task
writes its folder itself (streaming results), the analysis tasks return ``(table, info)`` and
:func:`~frivilligsim.workflow.rundir.run_with_manifest` writes it. An ensemble run that gathers
its results also gets the yearly bands, its report (output/uncertainty_report.py) and its
headline in the terminal.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from frivilligsim.analysis import (
    calibration,
    decomposition,
    ensemble,
    sensitivity,
    uncertainty,
    validation,
)
from frivilligsim.errors import ConfigError
from frivilligsim.output import i18n, uncertainty_report
from frivilligsim.output.results import write_csv
from frivilligsim.scenario.config import TASKS, RunConfig
from frivilligsim.workflow import projection
from frivilligsim.workflow.experiment import run_experiment
from frivilligsim.workflow.rundir import read_manifest, run_with_manifest

ANALYSIS_TASKS = {
    "calibrate": calibration.run_task,
    "validate": validation.run_task,
    "sensitivity": sensitivity.run_task,
    "projection": projection.run_task,
    "decomposition": decomposition.run_task,
    "ensemble": ensemble.run_task,
}
assert set(ANALYSIS_TASKS) | {"simulate"} == set(TASKS), "every task of the schema has a function"
GATHERING_STAGES = ("all", "gather")


def run_task(run: RunConfig, run_dir: Path, resolved: dict | None = None):
    """Carry out ``run.task`` in ``run_dir``; returns the task's table (and info for analyses)."""
    check_report_dirs(run)
    if run.task == "simulate":
        return run_experiment(run, run_dir, resolved)
    if run.task not in ANALYSIS_TASKS:
        raise ConfigError(f"task={run.task} is not a task; choose one of: {', '.join(TASKS)}")
    if run.task == "ensemble":
        out = run_with_manifest(run, run_dir, resolved, lambda: ensemble_task(run, Path(run_dir)))
        if run.ensemble.stage in GATHERING_STAGES:
            finish_ensemble(run, Path(run_dir))
        return out
    task = ANALYSIS_TASKS[run.task]
    return run_with_manifest(run, run_dir, resolved, lambda: task(run, Path(run_dir)))


def check_report_dirs(run: RunConfig) -> None:
    """``report.*_dir`` only feed the ensemble report: refused elsewhere, checked before the
    run so a bad folder does not wait for a long ensemble to finish."""
    given = {k: getattr(run.report, k) for k in ("decomposition_dir", "sensitivity_dir")}
    given = {k: v for k, v in given.items() if v is not None}
    if not given:
        return
    key = next(iter(given))
    if run.task != "ensemble":
        raise ConfigError(
            f"report.{key} is shown by the ensemble report only; use it with "
            "experiment=ensemble (or python -m frivilligsim.report <ensemble folder>)"
        )
    if run.ensemble.stage not in GATHERING_STAGES:
        raise ConfigError(
            f"report.{key} is shown by the report the gather stage writes; give it with "
            f"ensemble.stage=gather, not ensemble.stage={run.ensemble.stage}"
        )
    if "decomposition_dir" in given:
        uncertainty_report.read_decomposition(given["decomposition_dir"], run.lang)
    if "sensitivity_dir" in given:
        uncertainty_report.read_sensitivity(given["sensitivity_dir"], run.lang)


def ensemble_task(run: RunConfig, run_dir: Path):
    """``task=ensemble``, and when it gathers, volunteers per year with both ranges
    (``yearly_uncertainty.csv``, the report's band figure)."""
    table, info = ensemble.run_task(run, run_dir)
    if run.ensemble.stage in GATHERING_STAGES:
        folder = ensemble.stage_dir(run, run_dir)
        sets = pd.read_csv(folder / ensemble.SETS)
        yearly = uncertainty.yearly_uncertainty(table, sets, run.ensemble.reference_policy)
        write_csv(yearly, folder / uncertainty_report.YEARLY)
    return table, info


def finish_ensemble(run: RunConfig, run_dir: Path) -> None:
    """The ensemble's report (in the folder with its tables) and its terminal headline."""
    from rich.console import Console

    from frivilligsim.workflow.experiment import region_scope

    folder = ensemble.stage_dir(run, run_dir)
    if run.output.report:
        uncertainty_report.write_uncertainty_report(
            folder, lang=run.lang, manifest=read_manifest(run_dir)
        )
    console = Console(stderr=True)
    scope = (
        region_scope(run)
        if run.ensemble.municipalities is None
        else i18n.t("term.scope.some", run.lang, n=run.ensemble.municipalities)
    )
    uncertainty_report.print_headline(folder, run.lang, console, scope)
