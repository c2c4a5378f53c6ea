"""The structured-config schema of every config group, and validation before any run starts.

Owns: the root schema (``RunConfig``), its registration in Hydra's ConfigStore, range and
consistency checks that turn a bad value into one clear ``ConfigError``, and loading group
options (``conf/policy/*.yaml`` and friends) by name for comparisons inside one run.
Must not: run simulations.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from frivilligsim.core.demography import DemographyConfig
from frivilligsim.core.parameters import (
    DECLINE_RESPONSES,
    PLAN_MAPPINGS,
    REGIMES,
    VOLUNTEER_POLICY_LEVER,
    BehaviourParams,
    PolicyConfig,
)
from frivilligsim.errors import ConfigError
from frivilligsim.inputs.region import RegionConfig

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"
GROUPS = ("experiment", "policy", "demography", "region", "engine", "model")
LANGUAGES = ("en", "nb")
TASKS = ("simulate", "calibrate", "validate", "sensitivity")  # workflow/tasks.py runs each
ENGINES = ("fast", "mesa")


@dataclass
class EngineConfig:
    name: str = "fast"  # fast | mesa
    threads: int | None = None
    check_invariants: bool = True


@dataclass
class CompareConfig:
    policies: list[str] = field(default_factory=list)  # empty: run `policy` alone
    demographies: list[str] = field(default_factory=list)  # empty: run `demography` alone


@dataclass
class OutputConfig:
    figures: bool = True
    report: bool = True
    progress: bool = True


@dataclass
class SlurmSiteConfig:
    """Per-machine SLURM settings, read by ``hydra/launcher=slurm`` (set them in conf/local)."""

    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    constraint: str | None = None
    additional_parameters: dict[str, Any] = field(default_factory=dict)


# ---- settings of the calibrate and sensitivity tasks (calibrate.py, sensitivity.py) ---------


@dataclass
class CalibrationConfig:
    """How ``task=calibrate`` fits and checks; ``task=validate`` reads the windows too."""

    fit: bool = True  # false: only check the current defaults against the targets
    parameters: list[str] = field(
        default_factory=lambda: ["recruit_scale", "max_orders_per_month", "cooperation_min_share"]
    )  # fitted; names in calibrate.FIT_PARAMETERS or any model field
    fit_seeds: int = 4  # common random numbers during the fit
    check_seeds: int = 10  # fresh seeds for calibration_table.csv
    max_evaluations: int = 60  # Nelder-Mead budget (objective evaluations)
    volunteer_years: list[int] = field(default_factory=lambda: [2025, 2027])  # first, last
    share_years: list[int] = field(default_factory=lambda: [2024, 2025])  # first, last
    write_defaults: bool = False  # write the fitted values into conf/model/default.yaml


@dataclass
class SensitivityConfig:
    """How ``task=sensitivity`` screens (Morris) and decomposes (Sobol); stages for clusters."""

    stage: str = "all"  # all | morris | sobol_sample | sobol_evaluate | sobol_analyse
    dir: str | None = None  # folder the stages share; null: the run directory
    parameters: list[str] = field(default_factory=list)  # empty: every assumption parameter
    bound_factor: float = 0.5  # each parameter varies over default x [1 - f, 1 + f]
    trajectories: int = 4  # Morris r
    levels: int = 4  # Morris grid levels
    sobol_top: int = 4  # parameters carried from Morris into Sobol
    sobol_samples: int = 32  # Saltelli N (a power of 2)
    chunk: int = 0  # this job's chunk of the Sobol samples, 0 .. n_chunks - 1
    n_chunks: int = 1
    municipalities: int | None = 24  # a spread subset of municipalities; null: whole region


@dataclass
class RunConfig:
    task: str = "simulate"  # simulate | calibrate | validate | sensitivity (tasks.py)
    seed: int = 2024
    lang: str = "en"
    experiment_name: str = "default"
    start_year: int = 2024
    end_year: int = 2050
    replicates: int = 1
    replicate_start: int = 0  # first replicate index: runs replicates [start, start + replicates)
    sweep_id: str | None = None  # multirun folder name; null: derived from the overrides
    slurm: SlurmSiteConfig = field(default_factory=SlurmSiteConfig)
    compare: CompareConfig = field(default_factory=CompareConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    model: BehaviourParams = field(default_factory=BehaviourParams)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    demography: DemographyConfig = field(default_factory=DemographyConfig)
    region: RegionConfig = field(default_factory=RegionConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    sensitivity: SensitivityConfig = field(default_factory=SensitivityConfig)


def register_schemas() -> None:
    """Register the root schema so ``conf/config.yaml`` can extend it (types checked by Hydra)."""
    cs = ConfigStore.instance()
    cs.store(name="schema", node=RunConfig)


# ---- group options --------------------------------------------------------------------------


def group_options(group: str) -> list[str]:
    """The option names of a config group (its YAML files)."""
    folder = CONF_DIR / group
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def _load_group(group: str, name: str, schema) -> Any:
    options = group_options(group)
    if name not in options:
        raise ConfigError(f"{group}={name} is not an option; choose one of: {', '.join(options)}")
    node = OmegaConf.merge(
        OmegaConf.structured(schema), OmegaConf.load(CONF_DIR / group / f"{name}.yaml")
    )
    return OmegaConf.to_object(node)


def load_policy(name: str) -> PolicyConfig:
    """A policy option from ``conf/policy/<name>.yaml``."""
    return _load_group("policy", name, PolicyConfig)


def load_demography(name: str) -> DemographyConfig:
    """A demography alternative from ``conf/demography/<name>.yaml``."""
    return _load_group("demography", name, DemographyConfig)


def load_config(overrides: list[str] | tuple[str, ...] = ()) -> DictConfig:
    """Compose the config as the command line would, for library use and tests."""
    from hydra import compose, initialize_config_dir

    register_schemas()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides))
    validate(cfg)
    return cfg


# ---- validation -----------------------------------------------------------------------------


def _check_ranges(obj, prefix: str) -> None:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}"
        if dataclasses.is_dataclass(value):
            _check_ranges(value, key)
            continue
        bounds = f.metadata.get("range") if f.metadata else None
        if bounds is None or value is None or isinstance(value, bool):
            continue
        lo, hi = bounds
        if not (lo <= value <= hi):
            raise ConfigError(f"{key}={value} is out of range; expected a value in [{lo}, {hi}]")


def _check_choice(key: str, value, allowed) -> None:
    if value not in allowed:
        raise ConfigError(
            f"{key}={value} is not allowed; choose one of: {', '.join(map(str, allowed))}"
        )


def validate(cfg: DictConfig | RunConfig) -> RunConfig:
    """Check types, ranges and combinations; return the typed config or raise ConfigError."""
    if isinstance(cfg, DictConfig):
        try:
            run = OmegaConf.to_object(cfg)
        except Exception as exc:  # omegaconf's own type/missing-value errors
            raise ConfigError(_omegaconf_message(exc)) from None
    else:
        run = cfg
    if not isinstance(run, RunConfig):
        raise ConfigError("the config does not follow the frivilligsim schema (conf/config.yaml)")
    for group in ("model", "policy", "demography", "region", "engine"):
        _check_ranges(getattr(run, group), group)
    _check_choice("task", run.task, TASKS)
    _check_choice("lang", run.lang, LANGUAGES)
    if hasattr(run.demography, "validate"):
        run.demography.validate()
    if run.region.max_municipalities is not None and run.region.max_municipalities < 1:
        raise ConfigError(
            f"region.max_municipalities={run.region.max_municipalities} is out of range; expected 1 or more, or null"
        )
    if run.region.name not in ("district_norway", "norway", "synthetic", "ssb"):
        raise ConfigError(
            f"region.name={run.region.name} is not allowed; choose one of: district_norway, norway, synthetic, ssb"
        )
    if run.region.name == "ssb" and not (run.region.population_csv and run.region.centrality_csv):
        raise ConfigError(
            "region=ssb needs region.population_csv=<SSB 07459 CSV> and region.centrality_csv=<Klass 128 CSV>"
        )
    _check_choice("engine.name", run.engine.name, ENGINES)
    _check_choice("policy.regime", run.policy.regime, REGIMES)
    _check_choice("policy.volunteer_policy", run.policy.volunteer_policy, VOLUNTEER_POLICY_LEVER)
    _check_choice("policy.decline_response", run.policy.decline_response, DECLINE_RESPONSES)
    _check_choice("policy.plan_mapping", run.policy.plan_mapping, PLAN_MAPPINGS)
    if run.engine.threads is not None and run.engine.threads < 1:
        raise ConfigError(
            f"engine.threads={run.engine.threads} is out of range; expected 1 or more, or null"
        )
    if run.start_year < 1900 or run.start_year > 2200:
        raise ConfigError(
            f"start_year={run.start_year} is out of range; expected a year in [1900, 2200]"
        )
    if run.end_year < run.start_year:
        raise ConfigError(
            f"end_year={run.end_year} is before start_year={run.start_year}; expected end_year >= start_year"
        )
    if run.replicate_start < 0:
        raise ConfigError(
            f"replicate_start={run.replicate_start} is out of range; expected 0 or more"
        )
    if run.replicates < 1:
        raise ConfigError(f"replicates={run.replicates} is out of range; expected 1 or more")
    if run.seed < 0:
        raise ConfigError(f"seed={run.seed} is out of range; expected a non-negative integer")
    shares = [
        run.model.initial_share_youth,
        run.model.initial_share_adult,
        run.model.initial_share_young_retiree,
        run.model.initial_share_senior,
    ]
    if abs(sum(shares) - 1.0) > 1e-6:
        raise ConfigError(
            f"model.initial_share_* sum to {sum(shares):.4g}; expected the four cohort shares to sum to 1"
        )
    for name in run.compare.policies:
        _check_choice("compare.policies", name, group_options("policy"))
    for name in run.compare.demographies:
        _check_choice("compare.demographies", name, group_options("demography"))
    return run


def _omegaconf_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    key = getattr(exc, "full_key", None)
    return f"{key}: {first}" if key else first
