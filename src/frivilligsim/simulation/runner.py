"""Running scenarios: the plain ``run(config, seed)`` function and the experiment loop.

Owns: expanding a config into scenarios (policy x demography x replicate), building the world
once, calling the chosen engine, and gathering one results table; composing a list of
overrides once per process (:func:`typed_config`). Calibration, sensitivity
analysis and the EMA Workbench adapter call :func:`run`; the command line calls
:func:`run_scenarios` through ``experiment.py``.
Must not: write files or print (that is ``experiment.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import lru_cache

import numba
import pandas as pd
from omegaconf import DictConfig

from frivilligsim.core.schema import N_AGES
from frivilligsim.engines import fast
from frivilligsim.engines.layout import (
    OUTPUT_COLUMNS,
    pyramid_table,
    with_municipality_names,
    yearly_table,
)
from frivilligsim.errors import ConfigError
from frivilligsim.scenario.config import RunConfig, load_run_config, validate
from frivilligsim.scenario.setup import (
    CACHE_ENTRIES,
    Scenario,
    conf_signature,
    prepare,
    scenarios,
    world_for,
)
from frivilligsim.scenario.world import World


def simulate(run: RunConfig, scenario: Scenario, world: World | None = None):
    """Run one scenario; return (yearly results, residents by age and sex)."""
    setup = prepare(run, scenario.policy, scenario.demography, world)
    if run.engine.name == "mesa":
        # imported here: Mesa takes about a second to import, and only engine=mesa needs it
        from frivilligsim.engines.mesa import model as mesa

        out, pyramid = mesa.simulate_region(setup, scenario.seed)
    else:
        out, pyramid = fast.simulate_setup(setup, scenario.seed)
    return _tables(run, setup, scenario, out, pyramid)


def _tables(run: RunConfig, setup, scenario: Scenario, out, pyramid):
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


MIN_BATCH = 8
"""Scenarios the fast engine runs at least together (while there are that many left)."""
BUFFER_BUDGET = 512 * 2**20
"""Bytes of engine outputs the runner may hold for scenarios simulated ahead of their turn."""


def run_scenarios(
    run: RunConfig, on_done: Callable[[Scenario], None] | None = None
) -> Iterator[tuple[Scenario, pd.DataFrame, pd.DataFrame]]:
    """Yield (scenario, yearly results, residents by age) for every scenario of the config.

    The fast engine simulates the scenarios in batches (``fast.simulate_batch``): every policy
    and demography alternative of a seed together, so they share one spin-up, and at least
    ``MIN_BATCH`` scenarios a batch so both cores are busy. Results are those of each scenario
    alone, yielded in the order of ``scenarios(run)``. If holding the scenarios simulated ahead
    of their turn could exceed ``BUFFER_BUDGET``, batches follow that order instead (no shared
    spin-ups across policies, the same results).
    """
    world = world_for(run.region, run.start_year)
    todo = scenarios(run)
    if run.engine.name == "mesa":
        for scenario in todo:
            table, ages = simulate(run, scenario, world)
            if on_done is not None:
                on_done(scenario)
            yield scenario, table, ages
        return
    setups: dict[tuple[str, str], object] = {}

    def setup_of(scenario):
        key = (scenario.policy, scenario.demography)
        if key not in setups:
            setups[key] = prepare(run, scenario.policy, scenario.demography, world)
        return setups[key]

    ahead = _result_bytes(world, run) * len(todo) <= BUFFER_BUDGET
    done: dict[int, tuple] = {}
    for k, scenario in enumerate(todo):
        if k not in done:
            batch = _next_batch(todo, k, done, by_seed=ahead)
            jobs = [fast.job_of_setup(setup_of(todo[i]), todo[i].seed) for i in batch]
            outs = fast.simulate_batch(
                jobs, threads=engine_threads(run), check=run.engine.check_invariants
            )
            done.update(zip(batch, outs, strict=True))
        out, pyramid = done.pop(k)
        table, ages = _tables(run, setup_of(scenario), scenario, out, pyramid)
        if on_done is not None:
            on_done(scenario)
        yield scenario, table, ages


def engine_threads(run: RunConfig) -> int:
    """``engine.threads``, or when it is null numba's default (every core it may use), set
    for each batch: an earlier batch in the process with fewer threads does not carry over."""
    if run.engine.threads is not None:
        return int(run.engine.threads)
    return int(numba.config.NUMBA_NUM_THREADS)


def _next_batch(todo: list[Scenario], k: int, done: dict, by_seed: bool) -> list[int]:
    """Positions of the next batch, from scenario ``k`` on (every scenario not yet simulated
    that shares a seed with one taken, if ``by_seed``), at least ``MIN_BATCH`` of them."""
    batch: list[int] = []
    for i in range(k, len(todo)):
        if len(batch) >= MIN_BATCH:
            break
        if i in done or i in batch:
            continue
        if by_seed:
            batch += [
                j for j in range(i, len(todo)) if todo[j].seed == todo[i].seed and j not in done
            ]
        else:
            batch.append(i)
    return sorted(batch)


def _result_bytes(world: World, run: RunConfig) -> int:
    """Bytes of one scenario's engine outputs (yearly table and age pyramid)."""
    years = run.end_year - run.start_year + 1
    return world.n_municipalities * years * (len(OUTPUT_COLUMNS) * 8 + 2 * N_AGES * 4)


def typed_config(overrides: list | tuple) -> RunConfig:
    """``validate(load_config(overrides))``, composed once per process for the same overrides
    and config files (``setup.conf_signature``: every file's size and modification time);
    each call gets its own copy. Hydra's composition takes 0.1-0.2 s a call."""
    return copy.deepcopy(_composed(tuple(str(o) for o in overrides), conf_signature()))


@lru_cache(maxsize=CACHE_ENTRIES)
def _composed(overrides: tuple[str, ...], signature: tuple) -> RunConfig:
    return load_run_config(list(overrides))


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
        cfg = typed_config(config)
    elif isinstance(config, DictConfig | RunConfig):
        cfg = validate(config)
    else:
        raise ConfigError(
            f"run(config=...) takes overrides (a string, list or dict), a DictConfig or a "
            f"RunConfig, not {type(config).__name__}"
        )
    if seed is not None:
        cfg = replace(cfg, seed=int(seed))
    tables = [table for _, table, _ in run_scenarios(cfg)]
    return pd.concat(tables, ignore_index=True)
