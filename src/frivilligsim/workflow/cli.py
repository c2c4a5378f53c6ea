"""Command-line checks that run before Hydra: one clear line for a bad option, no traceback.

Owns: reading the command line's overrides, checking group options, types, ranges and
combinations by composing the config once per swept value, and formatting the message.
Must not: start a simulation.
"""

from __future__ import annotations

import itertools

from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from frivilligsim.errors import ConfigError
from frivilligsim.scenario.config import (
    COMPARED_GROUPS,
    CONF_DIR,
    GROUPS,
    describe_compose_error,
    first_line,
    group_options,
    register_schemas,
    validate,
)

PASS_THROUGH = {
    "--help",
    "-h",
    "--hydra-help",
    "--version",
    "--info",
    "-i",
    "--shell-completion",
    "-sc",
}


def overrides_from_argv(argv: list[str]) -> tuple[list[str], bool] | None:
    """The overrides on a command line and whether it is a multirun; None to leave it to Hydra."""
    overrides = []
    multirun = False
    skip_next = False
    for arg in argv:
        if skip_next:
            skip_next = False
            continue
        if arg in PASS_THROUGH or arg.startswith("--info"):
            return None
        if arg in ("-m", "--multirun"):
            multirun = True
        elif arg in (
            "--cfg",
            "-c",
            "--package",
            "-p",
            "--config-path",
            "-cp",
            "--config-name",
            "-cn",
            "--config-dir",
            "-cd",
            "--experimental-rerun",
        ):
            skip_next = True
        elif arg.startswith("-"):
            continue
        else:
            overrides.append(arg)
    return overrides, multirun


def _compose(overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=overrides)


def check_command_line(argv: list[str]) -> None:
    """Raise ConfigError with one clear line if the command line's config is invalid."""
    parsed = overrides_from_argv(argv)
    if parsed is None:
        return
    overrides, _ = parsed
    register_schemas()
    try:
        items = OverridesParser.create().parse_overrides(overrides=overrides)
    except HydraException as exc:
        raise ConfigError(f"cannot read the command line: {first_line(exc)}") from None
    # Each swept override is checked value by value; the others keep their single value.
    fixed, swept = [], []
    for item in items:
        if item.key_or_group.startswith("hydra"):
            continue
        key = item.get_key_element()
        if item.is_sweep_override():
            values = [str(v) for v in item.sweep_string_iterator()]
            swept.append((key, values))
        else:
            fixed.append(f"{key}={item.get_value_element_as_str()}")
    _check_groups(fixed + [f"{key}={value}" for key, values in swept for value in values])
    for key, value in itertools.chain([(None, None)], ((k, v) for k, vs in swept for v in vs)):
        chosen = list(fixed)
        for other, values in swept:
            chosen.append(f"{other}={value if other == key else values[0]}")
        _check_groups(chosen)
        try:
            cfg = _compose(chosen)
        except (HydraException, OmegaConfBaseException, ValueError) as exc:
            raise ConfigError(describe_compose_error(exc)) from None
        _check_swept_options(cfg, swept)
        validate(cfg, given=chosen)


def _check_groups(overrides: list[str]) -> None:
    for override in overrides:
        key, _, value = override.lstrip("+~").partition("=")
        if key in GROUPS and value not in ("null", ""):
            options = group_options(key)
            if value not in options:
                raise ConfigError(
                    f"{key}={value} is not an option of config group '{key}'; "
                    f"choose one of: {', '.join(options)}"
                )


def _check_swept_options(cfg, swept: list[tuple[str, list[str]]]) -> None:
    """Refuse sweeping ``policy`` (``demography``) while a comparison runs them all anyway."""
    for key, values in swept:
        group = key.lstrip("+~")
        if group not in COMPARED_GROUPS or len(values) < 2:
            continue
        compare_key = COMPARED_GROUPS[group][1]
        compared = list(OmegaConf.select(cfg, compare_key) or [])
        if compared:
            raise ConfigError(
                f"{group}={','.join(values)} sweeps the {group}, but {compare_key}="
                f"[{','.join(compared)}] already runs each of those in every job, so the jobs "
                f"would be the same; add {compare_key}=[] to run one {group} per job"
            )
