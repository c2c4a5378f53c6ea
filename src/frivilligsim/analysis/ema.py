"""EMA Workbench adapter: frivilligsim as a plain function of uncertainties and levers.

Owns :func:`frivilligsim_model` (keyword arguments in, a dict of scalar outcomes out, the form
the EMA Workbench calls) and :func:`ema_model`, which declares its uncertainties (the
assumption parameters of ``conf/model/default.yaml`` over default x [1 - f, 1 + f]), levers
(the policy levers) and outcomes. How runs execute (sequential, multiprocessing, MPI) is the
workbench's business. Needs the optional extra: ``pip install frivilligsim[ema]``.
Must not: hold behaviour or change defaults.

Example::

    from ema_workbench import SequentialEvaluator
    from frivilligsim.analysis.ema import ema_model

    model = ema_model(end_year=2035, municipalities=12)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=20, policies=4)

The levers change the chosen base policy (``base_policy``, default ``cocreation``) for every
municipality: under ``cocreation`` or ``mobilisation`` each municipality uses the same levers
(MODEL.md section 7); under ``as_planned`` the levers reach only the municipalities whose plans
speak of neither (L796-1024).
"""

from __future__ import annotations

from dataclasses import fields, replace
from functools import lru_cache

from frivilligsim.core.parameters import BehaviourParams

# Policy levers exposed to the workbench: (name, lower, upper, integer)
LEVERS = (
    ("order_intensity", 0.0, 1.0, False),
    ("influence_on_orders", 0.0, 1.0, False),
    ("evaluation_interval", 0, 24, True),
    ("decline_penalty", 0.0, 0.3, False),
    ("cocreation_share", 0.0, 1.0, False),
)
LEVER_NAMES = tuple(name for name, *_ in LEVERS)
MEASURES = ("volunteers", "coverage", "mean_motivation", "volunteers_per_centre", "pressure_share")
CONTROL = ("seed", "end_year", "municipalities", "base_policy", "demography")


@lru_cache(maxsize=8)
def _evaluator(end_year: int, municipalities: int | None, demography: str):
    from frivilligsim.analysis.outcomes import Evaluator
    from frivilligsim.analysis.sensitivity import representative_subset
    from frivilligsim.scenario.config import load_config, validate
    from frivilligsim.scenario.setup import world_for

    run = validate(load_config([f"end_year={end_year}", f"demography={demography}"]))
    if municipalities is not None:
        codes = representative_subset(
            world_for(run.region, run.start_year).region, int(municipalities)
        )
        run = replace(run, region=replace(run.region, municipalities=codes))
    return Evaluator(run)


def frivilligsim_model(
    seed: int = 2024,
    end_year: int = 2050,
    municipalities: int | None = 24,
    base_policy: str = "cocreation",
    demography: str = "MMMM",
    **kwargs,
) -> dict[str, float]:
    """Run the model once and return its scalar outcomes in ``end_year``.

    Args:
        seed: the scenario seed (the same seed gives common random numbers across levers).
        end_year: the last simulated year; outcomes are named ``<measure>_<end_year>``.
        municipalities: size of a spread subset of the region (sensitivity.representative_subset),
            or None for the whole region.
        base_policy: the policy the levers change: cocreation, mobilisation or as_planned.
        demography: the SSB alternative (MMMM, LHML, ...).
        **kwargs: model parameters (``dropout_base=0.007``) and levers (``order_intensity=0.3``).

    Returns:
        ``{"volunteers_2050": ..., "coverage_2050": ..., "mean_motivation_2050": ...,
        "volunteers_per_centre_2050": ..., "pressure_share_2050": ...}``.
    """
    from frivilligsim.analysis.sensitivity import overrides_for_row
    from frivilligsim.errors import ConfigError

    known = {f.name for f in fields(BehaviourParams)}
    levers = {k: v for k, v in kwargs.items() if k in LEVER_NAMES}
    unknown = set(kwargs) - known - set(LEVER_NAMES)
    if unknown:
        raise ConfigError(f"frivilligsim_model: unknown argument(s) {sorted(unknown)}")
    if "evaluation_interval" in levers:
        levers["evaluation_interval"] = int(round(levers["evaluation_interval"]))
    evaluator = _evaluator(int(end_year), municipalities, str(demography))
    names = [k for k in kwargs if k in known]
    model = overrides_for_row(names, [kwargs[k] for k in names], evaluator.run.model)
    table = evaluator.measures(int(seed), str(base_policy), model, levers).set_index("year")
    row = table.loc[int(end_year)]
    return {f"{m}_{int(end_year)}": float(row[m]) for m in MEASURES}


def ema_model(
    name: str = "frivilligsim",
    parameters: list[str] | None = None,
    bound_factor: float = 0.5,
    end_year: int = 2050,
    municipalities: int | None = 24,
    base_policy: str = "cocreation",
    seed: int = 2024,
    demography: str = "MMMM",
):
    """An ``ema_workbench.Model`` of frivilligsim with uncertainties, levers and outcomes.

    Args:
        name: the workbench's model name (an identifier).
        parameters: uncertain model parameters; default every assumption parameter.
        bound_factor: each uncertainty varies over default x [1 - f, 1 + f] (valid range kept).
        end_year, municipalities, base_policy, seed, demography: constants passed to
            :func:`frivilligsim_model`.
    """
    try:
        from ema_workbench import Constant, IntegerParameter, Model, RealParameter, ScalarOutcome
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "the EMA adapter needs the optional extra: pip install 'frivilligsim[ema]'"
        ) from exc
    from frivilligsim.analysis.sensitivity import assumption_parameters, problem_for
    from frivilligsim.scenario.config import load_config, validate

    run = validate(load_config([]))
    names = list(parameters) if parameters else assumption_parameters()
    problem = problem_for(names, run.model, bound_factor)
    types = {f.name: f.type for f in fields(BehaviourParams)}
    model = Model(name, function=frivilligsim_model)
    uncertainties = []
    for pname, (lo, hi) in zip(problem["names"], problem["bounds"], strict=True):
        if types[pname] in (int, "int"):
            uncertainties.append(IntegerParameter(pname, int(round(lo)), int(round(hi))))
        else:
            uncertainties.append(RealParameter(pname, float(lo), float(hi)))
    model.uncertainties = uncertainties
    model.levers = [
        IntegerParameter(n, lo, hi) if integer else RealParameter(n, lo, hi)
        for n, lo, hi, integer in LEVERS
    ]
    model.constants = [
        Constant("seed", int(seed)),
        Constant("end_year", int(end_year)),
        Constant("municipalities", municipalities),
        Constant("base_policy", base_policy),
        Constant("demography", demography),
    ]
    model.outcomes = [
        ScalarOutcome(f"volunteers_{end_year}", kind=ScalarOutcome.MAXIMIZE),
        ScalarOutcome(f"coverage_{end_year}", kind=ScalarOutcome.MAXIMIZE),
        ScalarOutcome(f"mean_motivation_{end_year}", kind=ScalarOutcome.MAXIMIZE),
        ScalarOutcome(f"volunteers_per_centre_{end_year}", kind=ScalarOutcome.INFO),
        ScalarOutcome(f"pressure_share_{end_year}", kind=ScalarOutcome.MINIMIZE),
    ]
    return model
