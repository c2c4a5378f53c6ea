"""What a run does, by ``task``: simulate (default), calibrate, sensitivity or validate.

Owns the mapping from the config's ``task`` key to the function that carries it out, so an
experiment file chooses its task (``task: calibrate``) and ``__main__`` stays thin. Each task
takes (typed config, run directory, resolved config dict).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from .errors import ConfigError

# task name -> "module:function", imported only when used
TASKS: dict[str, str] = {
    "simulate": "frivilligsim.experiment:run_experiment",
    "calibrate": "frivilligsim.calibrate:run_task",
    "validate": "frivilligsim.validation:run_task",
    "sensitivity": "frivilligsim.sensitivity:run_task",
}


def task_function(name: str) -> Callable:
    if name not in TASKS:
        raise ConfigError(f"task={name} is not a task; choose one of: {', '.join(TASKS)}")
    module, _, function = TASKS[name].partition(":")
    return getattr(import_module(module), function)


def run_task(run, run_dir: Path, resolved: dict):
    return task_function(run.task)(run, run_dir, resolved)
