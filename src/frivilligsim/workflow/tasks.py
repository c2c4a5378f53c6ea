"""What a run does, by ``task``: simulate (default) or one of the analysis tasks.

Owns the mapping from the config's ``task`` key to the function that carries it out, so an
experiment file chooses its task (``task: calibrate``) and ``__main__`` stays thin. Every task
runs inside the run-folder contract of :mod:`frivilligsim.workflow.rundir`: the simulate task
writes its folder itself (streaming results), the analysis tasks return ``(table, info)`` and
:func:`~frivilligsim.workflow.rundir.run_with_manifest` writes it.
"""

from __future__ import annotations

from pathlib import Path

from frivilligsim.analysis import calibration, decomposition, ensemble, sensitivity, validation
from frivilligsim.errors import ConfigError
from frivilligsim.scenario.config import TASKS, RunConfig
from frivilligsim.workflow import projection
from frivilligsim.workflow.experiment import run_experiment
from frivilligsim.workflow.rundir import run_with_manifest

ANALYSIS_TASKS = {
    "calibrate": calibration.run_task,
    "validate": validation.run_task,
    "sensitivity": sensitivity.run_task,
    "projection": projection.run_task,
    "decomposition": decomposition.run_task,
    "ensemble": ensemble.run_task,
}
assert set(ANALYSIS_TASKS) | {"simulate"} == set(TASKS), "every task of the schema has a function"


def run_task(run: RunConfig, run_dir: Path, resolved: dict | None = None):
    """Carry out ``run.task`` in ``run_dir``; returns the task's table (and info for analyses)."""
    if run.task == "simulate":
        return run_experiment(run, run_dir, resolved)
    if run.task not in ANALYSIS_TASKS:
        raise ConfigError(f"task={run.task} is not a task; choose one of: {', '.join(TASKS)}")
    task = ANALYSIS_TASKS[run.task]
    return run_with_manifest(run, run_dir, resolved, lambda: task(run, Path(run_dir)))
