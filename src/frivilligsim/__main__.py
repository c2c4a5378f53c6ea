"""The command line: ``python -m frivilligsim [experiment=...] [group=option] [key=value]``.

A thin entry point in the lightning-hydra-template manner: check the command line (one clear
line for a mistake), hand over to Hydra, then run the experiment into Hydra's output folder.
Every project error ends the process with its message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys
import uuid

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from .cli import check_command_line
from .config import register_schemas, validate
from .errors import FrivilligsimError


def _register_resolvers() -> None:
    if not OmegaConf.has_resolver("run_id"):
        OmegaConf.register_new_resolver("run_id", lambda: uuid.uuid4().hex[:6], use_cache=True)
    if not OmegaConf.has_resolver("sweep_id"):
        from .sweep import sweep_id

        OmegaConf.register_new_resolver("sweep_id", sweep_id, use_cache=True)


register_schemas()
_register_resolvers()


@hydra.main(config_path="conf", config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> None:
    from .tasks import run_task

    try:
        run = validate(cfg)
        run_dir = HydraConfig.get().runtime.output_dir
        resolved = OmegaConf.to_container(cfg, resolve=True)
        run_task(run, run_dir, resolved)
    except FrivilligsimError as exc:
        print(f"frivilligsim: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)


def main() -> None:
    try:
        check_command_line(sys.argv[1:])
    except FrivilligsimError as exc:
        print(f"frivilligsim: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    os.environ.setdefault("HYDRA_FULL_ERROR", "0")
    _app()


if __name__ == "__main__":
    main()
