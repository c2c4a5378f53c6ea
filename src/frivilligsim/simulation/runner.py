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
from frivilligsim.errors import ConfigError
from frivilligsim.scenario.config import RunConfig, load_config, validate
from frivilligsim.scenario.setup import Scenario, ScenarioSetup, prepare, scenarios, world_for
from frivilligsim.scenario.world import World

REPLICATE_BATCH = 8
"""Replicates of one policy and demography the fast engine runs in one parallel loop (the
results do not depend on it; larger batches keep both cores busy to the end of a batch)."""


def simulate(run: RunConfig, scenario: Scenario, world: World | None = None):
    """Run one scenario; return (yearly results, residents by age and sex)."""
    setup = prepare(run, scenario.policy, scenario.demography, world)
    if run.engine.name == "mesa":
        out, pyramid = mesa.simulate_region(setup, scenario.seed)
    else:
        out, pyramid = fast.simulate_setup(setup, scenario.seed)
    return _tables(setup, scenario, out, pyramid)


def _tables(setup: ScenarioSetup, scenario: Scenario, out, pyramid):
    """The yearly results and residents-by-age tables of one scenario's engine output."""
    run = setup.run
    keys = {
        "policy": scenario.policy,
        "demography": scenario.demography,
        "seed": scenario.seed,
        "replicate": scenario.replicate,
    }
    table = with_municipality_names(
        yearly_table(out, OUTPUT_COLUMNS, setup.world.codes, run.start_year, keys),
        setup.world.region.municipalities,
    )
    ages = pyramid_table(pyramid, run.start_year, keys)
    return table, ages


def _batches(todo: list[Scenario]) -> Iterator[list[Scenario]]:
    """Consecutive scenarios of one policy and demography, at most ``REPLICATE_BATCH`` each."""
    batch: list[Scenario] = []
    for scenario in todo:
        same = batch and (batch[0].policy, batch[0].demography) == (
            scenario.policy,
            scenario.demography,
        )
        if batch and (not same or len(batch) == REPLICATE_BATCH):
            yield batch
            batch = []
        batch.append(scenario)
    if batch:
        yield batch


def run_scenarios(
    run: RunConfig, on_done: Callable[[Scenario], None] | None = None
) -> Iterator[tuple[Scenario, pd.DataFrame, pd.DataFrame]]:
    """Yield (scenario, yearly results, residents by age) for every scenario of the config.

    Each policy and demography is set up once; the fast engine runs its replicates in
    batches (``fast.simulate_batch``), each replicate exactly as it would run alone.
    """
    world = world_for(run.region, run.start_year)
    setup, prepared = None, None
    for batch in _batches(scenarios(run)):
        first = batch[0]
        if prepared != (first.policy, first.demography):
            setup = prepare(run, first.policy, first.demography, world)
            prepared = (first.policy, first.demography)
        if run.engine.name == "mesa":
            outputs = [mesa.simulate_region(setup, s.seed) for s in batch]
        else:
            outs, pyramids = fast.simulate_setup_batch(setup, [s.seed for s in batch])
            outputs = list(zip(outs, pyramids, strict=True))
        for scenario, (out, pyramid) in zip(batch, outputs, strict=True):
            table, ages = _tables(setup, scenario, out, pyramid)
            if on_done is not None:
                on_done(scenario)
            yield scenario, table, ages


def run(
    config: RunConfig | DictConfig | dict | list | tuple | str | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Run the model and return the yearly results table: the plain-function form of the model.

    Args:
        config: a ``RunConfig``, a composed ``DictConfig``, a list of command-line style
            overrides (``["experiment=smoke", "policies.mobilisation.order_intensity=0.5"]``),
            one override as a string (``"experiment=smoke"``), a dict of overrides
            (``{"policy.order_intensity": 0.5}``), or None for the defaults.
        seed: replaces the config's base seed when given.

    Returns:
        One row per (year, municipality, policy, demography, seed), columns as
        ``schema.REQUIRED_COLUMNS`` plus extras.

    Raises:
        ConfigError: an unknown key, a bad value, or an override no scenario of the run uses.
    """
    if config is None:
        config = []
    if isinstance(config, str):
        config = [config]
    if isinstance(config, dict):
        config = [f"{key}={value}" for key, value in config.items()]
    if isinstance(config, list | tuple):
        config = load_config(list(config))
    elif not isinstance(config, DictConfig | RunConfig):
        raise ConfigError(
            f"run(config=...) takes overrides (a string, list or dict), a DictConfig or a "
            f"RunConfig, not {type(config).__name__}"
        )
    cfg = validate(config)
    if seed is not None:
        cfg = replace(cfg, seed=int(seed))
    tables = [table for _, table, _ in run_scenarios(cfg)]
    return pd.concat(tables, ignore_index=True)
