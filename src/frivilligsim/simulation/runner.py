"""Running scenarios: the plain ``run(config, seed)`` function and the experiment loop.

Owns: expanding a config into scenarios (policy x demography x replicate), building the world
once, calling the chosen engine, and gathering one results table. Calibration, sensitivity
analysis and the EMA Workbench adapter call :func:`run`; the command line calls
:func:`run_scenarios` through ``experiment.py``.
Must not: write files or print (that is ``experiment.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pandas as pd
from omegaconf import DictConfig

from frivilligsim.engines import fast
from frivilligsim.engines.layout import (
    OUTPUT_COLUMNS,
    pyramid_table,
    with_municipality_names,
    yearly_table,
)
from frivilligsim.engines.mesa import model as mesa
from frivilligsim.scenario.config import RunConfig, load_config, validate
from frivilligsim.scenario.setup import Scenario, prepare, scenarios, world_for
from frivilligsim.scenario.world import World


def simulate(run: RunConfig, scenario: Scenario, world: World | None = None):
    """Run one scenario; return (yearly results, residents by age and sex)."""
    setup = prepare(run, scenario.policy, scenario.demography, world)
    keys = {
        "policy": scenario.policy,
        "demography": scenario.demography,
        "seed": scenario.seed,
        "replicate": scenario.replicate,
    }
    if run.engine.name == "mesa":
        out, pyramid = mesa.simulate_region(setup, scenario.seed)
    else:
        out, pyramid = fast.simulate_setup(setup, scenario.seed)
    table = with_municipality_names(
        yearly_table(out, OUTPUT_COLUMNS, setup.world.codes, run.start_year, keys),
        setup.world.region.municipalities,
    )
    ages = pyramid_table(pyramid, run.start_year, keys)
    return table, ages


def run_scenarios(
    run: RunConfig, on_done: Callable[[Scenario], None] | None = None
) -> Iterator[tuple[Scenario, pd.DataFrame, pd.DataFrame]]:
    """Yield (scenario, yearly results, residents by age) for every scenario of the config."""
    world = world_for(run.region, run.start_year)
    for scenario in scenarios(run):
        table, ages = simulate(run, scenario, world)
        if on_done is not None:
            on_done(scenario)
        yield scenario, table, ages


def run(
    config: RunConfig | DictConfig | dict | list | None = None, seed: int | None = None
) -> pd.DataFrame:
    """Run the model and return the yearly results table: the plain-function form of the model.

    Args:
        config: a ``RunConfig``, a composed ``DictConfig``, a list of command-line style
            overrides (``["experiment=smoke", "policy.order_intensity=0.5"]``), a dict of
            overrides (``{"policy.order_intensity": 0.5}``), or None for the defaults.
        seed: replaces the config's base seed when given.

    Returns:
        One row per (year, municipality, policy, demography, seed), columns as
        ``schema.REQUIRED_COLUMNS`` plus extras.
    """
    if config is None:
        config = []
    if isinstance(config, dict):
        config = [f"{key}={value}" for key, value in config.items()]
    if isinstance(config, list):
        config = load_config(config)
    cfg = validate(config) if isinstance(config, DictConfig) else validate(config)
    if seed is not None:
        cfg = replace(cfg, seed=int(seed))
    tables = [table for _, table, _ in run_scenarios(cfg)]
    return pd.concat(tables, ignore_index=True)
