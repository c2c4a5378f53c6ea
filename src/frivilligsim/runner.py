"""Running scenarios: the plain ``run(config, seed)`` function and the experiment loop.

Owns: expanding a config into scenarios (policy x demography x replicate), building the world
once, calling the chosen engine, and gathering one results table. Calibration, sensitivity
analysis and the EMA Workbench adapter call :func:`run`; the command line calls
:func:`run_scenarios` through ``experiment.py``.
Must not: write files or print (that is ``experiment.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

import pandas as pd
from omegaconf import DictConfig

from .config import RunConfig, load_config, load_demography, load_policy, validate
from .demography import DemographyConfig, build_rates
from .parameters import PolicyConfig, as_record
from .region import RegionConfig, load_region
from .results import pyramid_table, with_municipality_names, yearly_table
from .rng import replicate_seed
from .world import World, build_world, municipality_levers


@dataclass(frozen=True)
class Scenario:
    """One simulation: a policy, a demography alternative and a replicate seed."""

    policy: str
    demography: str
    replicate: int
    seed: int


def scenarios(run: RunConfig) -> list[Scenario]:
    """Every scenario a config asks for, in a stable order (demography, policy, replicate).

    Replicates are ``[replicate_start, replicate_start + replicates)``: a sweep over
    ``replicate_start`` packs ``replicates`` short runs into each job, and the seeds still come
    from (base seed, replicate index) only, so chunks add up to one long run.
    """
    policies = run.compare.policies or [run.policy.name]
    demographies = run.compare.demographies or [run.demography.name]
    first = run.replicate_start
    return [
        Scenario(policy, demography, r, replicate_seed(run.seed, r))
        for demography in demographies
        for policy in policies
        for r in range(first, first + run.replicates)
    ]


def policy_for(run: RunConfig, name: str) -> PolicyConfig:
    """The policy named ``name``: the config's own ``policy`` (with overrides) if it is that one."""
    return run.policy if name == run.policy.name else load_policy(name)


def demography_for(run: RunConfig, name: str) -> DemographyConfig:
    return run.demography if name == run.demography.name else load_demography(name)


@lru_cache(maxsize=4)
def _world_for(region_key: tuple, start_year: int | None) -> World:
    cfg = RegionConfig(**dict(region_key))
    return build_world(load_region(cfg, start_year))


def world_for(region: RegionConfig, start_year: int | None = None) -> World:
    """The world of a region config, built once per process and reused across scenarios.

    ``start_year`` (the run's first year) is checked against the year of the region's data.
    """
    items = []
    for key, value in sorted(vars(region).items()):
        items.append((key, tuple(value) if isinstance(value, list) else value))
    return _world_for(tuple(items), start_year)


def _presets(run: RunConfig) -> dict[str, PolicyConfig]:
    return {name: policy_for(run, name) for name in ("cocreation", "mobilisation", "as_planned")}


def simulate(run: RunConfig, scenario: Scenario, world: World | None = None):
    """Run one scenario; return (yearly results, residents by age and sex)."""
    world = world or world_for(run.region, run.start_year)
    policy = policy_for(run, scenario.policy)
    demography = demography_for(run, scenario.demography)
    presets = _presets(run)
    baseline = presets["as_planned"]
    n_months = (run.end_year - run.start_year + 1) * 12
    start_month = max(0, (policy.start_year - run.start_year) * 12)
    rates = build_rates(demography, run.start_year, run.end_year)
    keys = {
        "policy": scenario.policy,
        "demography": scenario.demography,
        "seed": scenario.seed,
        "replicate": scenario.replicate,
    }
    if run.engine.name == "mesa":
        from .engine.mesa_model import simulate_region

        out, pyramid, columns = simulate_region(
            world, run, policy, baseline, presets, rates, scenario.seed, n_months, start_month
        )
    else:
        from .engine import fast

        out, pyramid = fast.simulate(
            world,
            as_record(run.model),
            municipality_levers(world, baseline, presets),
            municipality_levers(world, policy, presets),
            start_month,
            rates,
            scenario.seed,
            n_months,
            check=run.engine.check_invariants,
            threads=run.engine.threads,
        )
        columns = fast.OUTPUT_COLUMNS
    table = with_municipality_names(
        yearly_table(out, columns, world.codes, run.start_year, keys), world.region.municipalities
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
