"""The command line: ``python -m frivilligsim [experiment=...] [group=option] [key=value]``.

A thin entry point in the lightning-hydra-template manner: check the command line (one clear
line for a mistake), hand over to Hydra, then run the experiment into Hydra's output folder.
Every project error ends the process with its message and a non-zero exit, never a traceback.
In a multirun, a job whose folder already holds a finished run is skipped (sweep.py), so
re-launching a sweep resumes it.
"""

from __future__ import annotations

import logging
import os
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from frivilligsim.errors import FrivilligsimError
from frivilligsim.scenario.config import CONF_DIR, register_schemas, validate
from frivilligsim.workflow.cli import check_command_line
from frivilligsim.workflow.rundir import completed_run
from frivilligsim.workflow.sweep import check_command_line as check_sweep_command_line
from frivilligsim.workflow.sweep import register_resolvers

log = logging.getLogger("frivilligsim")

register_schemas()
register_resolvers()


# An absolute config path: the same search path whether run as `python -m` or as a script.
@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> None:
    from frivilligsim.workflow.tasks import run_task

    try:
        run = validate(cfg)
        run_dir = HydraConfig.get().runtime.output_dir
        resolved = OmegaConf.to_container(cfg, resolve=True)
        done, _ = completed_run(run_dir, resolved)
        if done:
            log.info("%s: already complete, skipped", run_dir)
            return
        run_task(run, run_dir, resolved)
    except FrivilligsimError as exc:
        print(f"frivilligsim: error: {exc}", file=sys.stderr)
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            # One job's error must not stop the other jobs of a sweep: its manifest says
            # failed, and the sweep reports every unfinished job when it ends (sweep.py).
            log.error("job failed: %s", exc)
            return
        sys.exit(exc.exit_code)


def main() -> None:
    try:
        check_command_line(sys.argv[1:])
        check_sweep_command_line(sys.argv[1:])
    except FrivilligsimError as exc:
        print(f"frivilligsim: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    os.environ.setdefault("HYDRA_FULL_ERROR", "0")
    _app()


if __name__ == "__main__":
    # Run through the importable module (not `__main__`), so that launchers which pickle the
    # task function (joblib, submitit) pickle a reference that every job process can import.
    from frivilligsim.__main__ import main as _main

    _main()
