"""A scenario set up once, for either engine: the world, the levers, the rates and the months.

Owns: expanding a config into scenarios (policy x demography x replicate), finding a named
policy or demography alternative, building the world of a region once per process, and
:class:`ScenarioSetup`, everything an engine needs to simulate one scenario. The fast engine
and the Mesa model both start from a :class:`ScenarioSetup`, so they cannot set a scenario up
differently.

Reused within a process (in memory only, keyed by everything they are computed from): the
world of a region config, an option read from its file (keyed by the file's size and
modification time) and a world's demography rates (keyed by the alternative, the years and
every config file's size and modification time, :func:`conf_signature`). Callers get their own
copies of options and rates, so changing one cannot change another run.
Must not: simulate, write files or print.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from frivilligsim.core.demography import DemographyConfig, DemographyRates, build_rates
from frivilligsim.core.parameters import PLAN_MAPPING_KEYS, REGIMES, PolicyConfig, as_record
from frivilligsim.core.rng import replicate_seed
from frivilligsim.inputs.projection import projection_targets
from frivilligsim.inputs.region import RegionConfig, load_region
from frivilligsim.scenario import config as config_module
from frivilligsim.scenario.config import RunConfig, option_for
from frivilligsim.scenario.world import World, build_world, municipality_levers


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
    """The policy named ``name``: the config's own ``policy`` (with overrides) if it is that one,
    else its file; then the config's ``policies.<name>.*`` overrides."""
    return _option(run, "policy", name)


def demography_for(run: RunConfig, name: str) -> DemographyConfig:
    """The demography alternative named ``name``: the config's own if it is that one, else its
    file; then the config's ``demographies.<name>.*`` overrides."""
    return _option(run, "demography", name)


def conf_signature() -> tuple:
    """(folder, file, size, modification time) of every file under ``config.CONF_DIR``: part of
    the key of what is computed from them and reused within a process (a file edited, added or
    removed in between, or another config folder, is read again)."""
    entries = []
    for root, folders, files in os.walk(config_module.CONF_DIR, followlinks=True):
        folders.sort()
        for name in sorted(files):
            info = os.stat(os.path.join(root, name))
            entries.append((root, name, info.st_size, info.st_mtime_ns))
    return tuple(entries)


_OPTIONS: dict[tuple, object] = {}
CACHE_ENTRIES = 64
"""Entries each in-memory cache of this module keeps (it is emptied when full)."""


def _option(run: RunConfig, group: str, name: str):
    """``config.option_for``, each option file read once per process: a copy of the option
    built from the same file (same size and modification time) and the same config values."""
    try:
        info = os.stat(config_module.CONF_DIR / group / f"{name}.yaml")
        stamp = (info.st_size, info.st_mtime_ns)
    except OSError:  # not an option file: option_for says so (or it is the run's own option)
        return option_for(run, group, name)
    own = (repr(run.policy), repr(run.demography), repr(run.policies), repr(run.demographies))
    key = (group, name, str(config_module.CONF_DIR), stamp, own)
    if key not in _OPTIONS:
        if len(_OPTIONS) >= CACHE_ENTRIES:
            _OPTIONS.clear()
        _OPTIONS[key] = option_for(run, group, name)
    return copy.deepcopy(_OPTIONS[key])


def presets(run: RunConfig) -> dict[str, PolicyConfig]:
    """Every policy preset by name, with the config's own policy in its place.

    The plan-to-practice mapping (``PLAN_MAPPING_KEYS``) is the config's in every preset, so
    ``policy.plan_mapping=...`` reaches as_planned (the spin-up and the years before a policy's
    start) whichever policy is chosen.
    """
    mapping = {key: getattr(run.policy, key) for key in PLAN_MAPPING_KEYS}
    return {name: replace(policy_for(run, name), **mapping) for name in REGIMES}


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


@dataclass
class ScenarioSetup:
    """Everything an engine simulates one scenario from, already validated.

    Attributes:
        run: the typed config.
        world: the region as arrays (not modified).
        indices: positions in ``world`` of the municipalities to simulate.
        params: behaviour parameter record (``parameters.as_record``); the Mesa model copies it.
        lever_base, lever_policy: lever records for every municipality of ``world``, before
            and from ``start_month``.
        rates: demography rates covering every simulated year.
        start_month: the month the policy takes effect.
        n_months: months to simulate from January of ``run.start_year``.
        policy_name, demography_name: scenario keys written to the outputs.
    """

    run: RunConfig
    world: World
    indices: list[int]
    params: np.record
    lever_base: np.recarray
    lever_policy: np.recarray
    rates: DemographyRates
    start_month: int
    n_months: int
    policy_name: str
    demography_name: str


RATES_PER_WORLD = 4
"""Demography rates a world keeps (about 20 MB each for District Norway, 33 MB for Norway)."""


def rates_for(run: RunConfig, alternative: DemographyConfig, world: World) -> DemographyRates:
    """The demography rates of ``alternative`` for ``world``'s municipalities (engines and
    ``task=projection`` alike): migration fitted per municipality to SSB's projected totals.

    Built once per (world, alternative, years, config files) and kept in ``world.memo`` (SSB's
    targets once per world); each call returns its own copy of the arrays.
    """
    key = ("rates", repr(alternative), run.start_year, run.end_year, conf_signature())
    rates = world.memo.get(key)
    if rates is None:
        region = world.region
        targets = None if alternative.static else _projection_targets(world)
        rates = build_rates(
            alternative, run.start_year, run.end_year, region.population, targets, world.codes
        )
        stale = [k for k in world.memo if k[0] == "rates"]
        if len(stale) >= RATES_PER_WORLD:
            for k in stale:
                del world.memo[k]
        world.memo[key] = rates
    return _copy_rates(rates)


def _projection_targets(world: World) -> np.ndarray:
    """SSB's projected totals for ``world``'s municipalities (packaged data), once per world."""
    key = ("projection_targets",)
    if key not in world.memo:
        world.memo[key] = projection_targets(world.region)
    return world.memo[key].copy()


def _copy_rates(rates: DemographyRates) -> DemographyRates:
    return replace(
        rates,
        death=rates.death.copy(),
        fertility=rates.fertility.copy(),
        out_migration=rates.out_migration.copy(),
        in_migration=rates.in_migration.copy(),
    )


def prepare(
    run: RunConfig,
    policy: str | None = None,
    demography: str | None = None,
    world: World | None = None,
) -> ScenarioSetup:
    """Set up the scenario (``policy``, ``demography``; default: the config's own) of ``run``."""
    world = world if world is not None else world_for(run.region, run.start_year)
    by_name = presets(run)
    chosen = by_name.get(policy or run.policy.name) or policy_for(run, policy or run.policy.name)
    alternative = demography_for(run, demography or run.demography.name)
    return ScenarioSetup(
        run=run,
        world=world,
        indices=list(range(world.n_municipalities)),
        params=as_record(run.model),
        lever_base=municipality_levers(world, by_name["as_planned"], by_name),
        lever_policy=municipality_levers(world, chosen, by_name),
        rates=rates_for(run, alternative, world),
        start_month=max(0, (chosen.start_year - run.start_year) * 12),
        n_months=(run.end_year - run.start_year + 1) * 12,
        policy_name=chosen.name,
        demography_name=alternative.name,
    )
