"""The structured-config schema of every config group, and validation before any run starts.

Owns: the root schema (``RunConfig``), its registration in Hydra's ConfigStore, range and
consistency checks that turn a bad value into one clear ``ConfigError``, and loading group
options (``conf/policy/*.yaml`` and friends) by name for comparisons inside one run.
Must not: run simulations.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

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
TASKS = (
    "simulate",
    "calibrate",
    "validate",
    "sensitivity",
    "projection",
    "decomposition",
    "ensemble",
)  # workflow/tasks.py runs each
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
class ReportConfig:
    """Folders of other analyses the ensemble report shows (output/uncertainty_report.py)."""

    decomposition_dir: str | None = None  # an experiment=decomposition run folder
    sensitivity_dir: str | None = None  # an experiment=sensitivity run folder


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
    seeds: int = 1  # each Sobol outcome is the mean over this many seeds (common random numbers)
    morris_seeds: int = 1  # the same for the Morris screening
    levers: bool = False  # also sample every lever that differs between the policy presets
    mechanisms: bool = False  # also sample mechanism switches (analysis/mechanisms.py)


@dataclass
class DecompositionConfig:
    """How ``task=decomposition`` splits the policy gap between two presets (decomposition.py)."""

    from_policy: str = "mobilisation"  # the preset the gap is measured from
    to_policy: str = "cocreation"  # the preset it is measured to
    levers: list[str] = field(default_factory=list)  # empty: every lever whose values differ
    outcome: str = "volunteers"  # a measure of outcomes.MEASURES, in end_year
    seeds: int = 2  # common random numbers: every lever combination runs the same seeds
    method: str = "exact"  # exact (all 2^k combinations) | permutations (sampled orders)
    permutations: int = 64  # orders sampled when method=permutations
    no_ageing_demography: str | None = "static"  # the no-ageing counterfactual; null: skip


@dataclass
class EnsembleConfig:
    """How ``task=ensemble`` fits (ABC-SMC) and runs an ensemble of plausible models (ensemble.py)."""

    stage: str = "all"  # all | fit | simulate | gather
    dir: str | None = None  # folder the stages share; null: the run directory
    parameters: list[str] = field(default_factory=list)  # empty: every assumption parameter
    draw_others: bool = False  # every other assumption parameter drawn from its prior per set
    coordinates: str = "logistic"  # what pyabc samples: unit (positions in [0, 1]) | logistic
    bound_factor: float = 0.5  # prior: uniform on default x [1 - f, 1 + f], in the valid range
    population: int = 100  # ABC-SMC particles per generation (= accepted parameter sets)
    generations: int = 8  # at most this many ABC-SMC generations
    epsilon: float = 1.0  # stop when the distance (largest error / tolerance) is below this
    fit_end_year: int = 2027  # ABC runs the calibration window only
    fit_seeds: int = 2  # a candidate's targets are the mean over this many seeds
    workers: int = 1  # processes for the ABC fit (pyabc's multicore sampler)
    seeds: int = 3  # seeds per parameter set and scenario in the projection
    policies: list[str] = field(
        default_factory=lambda: ["as_planned", "cocreation", "mobilisation"]
    )
    demographies: list[str] = field(default_factory=list)  # empty: just `demography`
    reference_policy: str = "as_planned"  # paired differences are against this policy
    chunk: int = 0  # this job's share of the parameter sets, 0 .. n_chunks - 1
    n_chunks: int = 1
    municipalities: int | None = None  # a spread subset; null: the whole region


def group_options(group: str) -> list[str]:
    """The option names of a config group (its YAML files)."""
    folder = CONF_DIR / group
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


# ---- per-option overrides: `policies.<name>.<lever>` and `demographies.<name>.<key>` ----------
#
# A comparison (compare.policies, compare.demographies) runs several options of a group, each
# from its own YAML file; `policy.*` only edits the single option `policy` names. So every
# option of the group also gets a node of its own, with every key of the group's schema and
# null (= keep the file's value) as default: `policies.mobilisation.order_intensity=0.5` edits
# mobilisation wherever it runs. Built from the schema's fields, so new keys and new option
# files appear here by themselves.

COMPARED_GROUPS = {  # group -> (node of per-option overrides, key of the comparison list)
    "policy": ("policies", "compare.policies"),
    "demography": ("demographies", "compare.demographies"),
}
KEEP_NAME = ("name",)  # an option's name is its identity, not a value to override


def _overrides_of(schema, title: str):
    """A dataclass with every field of ``schema`` (but its name) as Optional, default null."""
    hints = typing.get_type_hints(schema)
    spec = [
        (f.name, Optional[hints[f.name]], field(default=None))  # noqa: UP045 (omegaconf)
        for f in dataclasses.fields(schema)
        if f.name not in KEEP_NAME
    ]
    return _module_level(dataclasses.make_dataclass(title, spec))


def _module_level(cls):
    """Give a generated class a name in this module, so that pickles of a config resolve it."""
    cls.__module__ = __name__
    globals()[cls.__name__] = cls
    return cls


def _options_node(group: str, schema, title: str):
    """A dataclass with one field per option of ``group``, each an overrides node."""
    per_option = _overrides_of(schema, f"{title}Option")
    spec = [(name, per_option, field(default_factory=per_option)) for name in group_options(group)]
    return _module_level(dataclasses.make_dataclass(title, spec))


PolicyOverrides = _options_node("policy", PolicyConfig, "PolicyOverrides")
DemographyOverrides = _options_node("demography", DemographyConfig, "DemographyOverrides")


@dataclass
class RunConfig:
    task: str = "simulate"  # one of TASKS (tasks.py)
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
    report: ReportConfig = field(default_factory=ReportConfig)
    model: BehaviourParams = field(default_factory=BehaviourParams)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    demography: DemographyConfig = field(default_factory=DemographyConfig)
    policies: PolicyOverrides = field(default_factory=lambda: PolicyOverrides())
    demographies: DemographyOverrides = field(default_factory=lambda: DemographyOverrides())
    region: RegionConfig = field(default_factory=RegionConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    sensitivity: SensitivityConfig = field(default_factory=SensitivityConfig)
    decomposition: DecompositionConfig = field(default_factory=DecompositionConfig)
    ensemble: EnsembleConfig = field(default_factory=EnsembleConfig)


def register_schemas() -> None:
    """Register the root schema so ``conf/config.yaml`` can extend it (types checked by Hydra)."""
    cs = ConfigStore.instance()
    cs.store(name="schema", node=RunConfig)


# ---- group options --------------------------------------------------------------------------


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


_SCHEMAS = {"policy": PolicyConfig, "demography": DemographyConfig}


def option_for(run: RunConfig, group: str, name: str):
    """The option ``name`` of ``group`` ("policy" or "demography") as this run uses it.

    The run's own option (``policy``, ``demography``) with its edits if it is that one, else
    the option's file; then the run's ``policies.<name>.*`` (``demographies.<name>.*``) values.
    """
    own = getattr(run, group)
    base = own if name == own.name else _load_group(group, name, _SCHEMAS[group])
    node = getattr(getattr(run, COMPARED_GROUPS[group][0]), name, None)
    edits = {k: v for k, v in vars(node).items() if v is not None} if node is not None else {}
    return dataclasses.replace(base, **edits) if edits else base


def load_config(overrides: str | list[str] | tuple[str, ...] = ()) -> DictConfig:
    """Compose the config as the command line would, for library use and tests.

    Raises ConfigError (one line) for an unknown key, a bad value or an override that would
    change nothing.
    """
    return _compose_and_validate(overrides)[0]


def load_run_config(overrides: str | list[str] | tuple[str, ...] = ()) -> RunConfig:
    """``validate(load_config(overrides))`` with one validation instead of two."""
    return _compose_and_validate(overrides)[1]


def _compose_and_validate(overrides) -> tuple[DictConfig, RunConfig]:
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    overrides = [overrides] if isinstance(overrides, str) else [str(o) for o in overrides]
    register_schemas()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise ConfigError(describe_compose_error(exc)) from None
    return cfg, validate(cfg, given=overrides)


def describe_compose_error(exc: BaseException) -> str:
    """One line from Hydra's error and its cause, e.g. the key and the expected type."""
    cause = exc.__cause__
    if cause is not None and str(cause).strip():
        key = getattr(cause, "full_key", None)
        text = str(cause).strip().splitlines()[0]
        if "not in" in text and key:
            return unknown_key_message(str(key))
        return f"{key}: {text}" if key else text
    return first_line(exc)


def first_line(exc: BaseException) -> str:
    """The first line of an error's text, with its ``full_key:`` line if it has one."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    message = lines[0]
    for line in lines[1:]:
        if line.startswith("full_key:"):
            message += f" ({line})"
    return message


def unknown_key_message(key: str) -> str:
    """``a.b is not a config key; did you mean a.c?`` (the nearest key of the schema)."""
    key = key.lstrip("+~")
    parent, _, leaf = key.rpartition(".")
    node: Any = RunConfig()
    for part in parent.split(".") if parent else []:
        node = getattr(node, part, None)
    hint = ""
    if dataclasses.is_dataclass(node):
        names = [f.name for f in dataclasses.fields(node)]
        close = difflib.get_close_matches(leaf, names, n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean {parent + '.' if parent else ''}{close[0]}?"
    return f"{key} is not a config key{hint or ' (python -m frivilligsim --cfg job lists them)'}"


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


def validate(cfg: DictConfig | RunConfig, given: list[str] | None = None) -> RunConfig:
    """Check keys, types, ranges and combinations; return the typed config or raise ConfigError.

    ``given``: the overrides the user wrote, if known; then choosing an option that a
    comparison makes irrelevant (``policy=X`` while ``compare.policies`` is set) is refused too.
    """
    if isinstance(cfg, DictConfig):
        try:
            run = OmegaConf.to_object(cfg)
        except Exception as exc:  # omegaconf's own type/missing-value errors
            raise ConfigError(_omegaconf_message(exc)) from None
        if isinstance(run, RunConfig):
            _check_known_keys(cfg, run, "")
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
    _check_options_reached(run, given)
    return run


def _check_known_keys(cfg: DictConfig, obj, prefix: str) -> None:
    """Refuse a key the schema does not know (``+policy.order_intensty=0.5`` adds one)."""
    names = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    for key in cfg.keys():
        key = str(key)
        if key not in names:
            if not prefix and key == "hydra":
                continue
            raise ConfigError(unknown_key_message(prefix + key))
        child = names[key]
        if dataclasses.is_dataclass(child) and isinstance(cfg._get_node(key), DictConfig):
            _check_known_keys(cfg._get_node(key), child, f"{prefix}{key}.")


# ---- every edit reaches a run -----------------------------------------------------------------


def options_run(run: RunConfig, group: str) -> list[str]:
    """The options of ``group`` whose values reach this run's scenarios.

    Policies: the compared ones (or ``policy``); an ``as_planned``-regime policy also reads
    the co-creation and mobilisation presets (world.municipality_levers); a policy that starts
    after ``start_year`` runs as_planned before (setup.prepare's ``lever_base``).
    """
    plural = COMPARED_GROUPS[group][1].split(".")[1]
    names = list(getattr(run.compare, plural) or [getattr(run, group).name])
    if group != "policy":
        return names
    for name in list(names):
        if option_for(run, group, name).start_year > run.start_year:
            names.append("as_planned")
    for name in list(names):
        if option_for(run, group, name).regime == "as_planned":
            names += [r for r in REGIMES if r != "as_planned"]
    return list(dict.fromkeys(names))


def _edits(option, preset) -> list[str]:
    return [
        f"{f.name}={getattr(option, f.name)}"
        for f in dataclasses.fields(option)
        if f.name not in KEEP_NAME and getattr(option, f.name) != getattr(preset, f.name)
    ]


def _check_options_reached(run: RunConfig, given: list[str] | None) -> None:
    """Refuse an edit of a policy or demography that no scenario of the run uses."""
    given_keys = [g.lstrip("+~").partition("=")[0] for g in given or []]
    if run.task == "projection":  # the demography alone: no policy is run
        for key in given_keys:
            if (
                key.split(".")[0] in ("policy", "policies", "compare")
                and key != "compare.demographies"
            ):
                raise ConfigError(
                    f"{key} changes nothing: task=projection runs the demography only; "
                    "drop the override or run a simulation experiment"
                )
    for group, (node_name, compare_key) in COMPARED_GROUPS.items():
        used = options_run(run, group)
        compared = getattr(run.compare, compare_key.split(".")[1])
        own = getattr(run, group)
        shown = f"{compare_key}=[{','.join(compared)}]"
        for name in group_options(group):
            node = getattr(getattr(run, node_name), name)
            edits = [f"{k}={v}" for k, v in vars(node).items() if v is not None]
            if edits and name not in used:
                raise ConfigError(
                    f"{node_name}.{name}.{edits[0]} changes nothing: this run uses "
                    f"{', '.join(used)} only; add {name} to {compare_key} or drop the override"
                )
        if own.name not in group_options(group):
            continue
        edits = _edits(own, _load_group(group, own.name, _SCHEMAS[group]))
        if edits and own.name not in used:
            targets = " or ".join(f"{node_name}.{n}.{edits[0]}" for n in compared)
            raise ConfigError(
                f"{group}.{edits[0]} changes nothing: {group}={own.name} is not run when "
                f"{shown}; write {targets} instead"
            )
        if compared and not edits and group in given_keys:
            raise ConfigError(
                f"{group}={own.name} changes nothing: {shown} runs each {group} from its own "
                f"file; add {compare_key}=[] to run {own.name} alone, or change a compared "
                f"{group} with {node_name}.<name>.<key>=<value>"
            )
    for group, (node_name, _) in COMPARED_GROUPS.items():
        for name in options_run(run, group):
            option = option_for(run, group, name)
            _check_ranges(option, f"{node_name}.{name}")
            if group == "policy":
                _check_choice(f"{node_name}.{name}.regime", option.regime, REGIMES)
                _check_choice(
                    f"{node_name}.{name}.volunteer_policy",
                    option.volunteer_policy,
                    VOLUNTEER_POLICY_LEVER,
                )
            elif hasattr(option, "validate"):
                option.validate()


def _omegaconf_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    key = getattr(exc, "full_key", None)
    return f"{key}: {first}" if key else first
