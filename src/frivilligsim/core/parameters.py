"""Behavioural parameters (config group ``model``) and policy levers (config group ``policy``).

Owns the *schema* of every behavioural number: its type, its valid range and (in the YAML files
under ``conf/model`` and ``conf/policy``) its value and provenance. The engines receive the
values as numpy records (:func:`as_record`), so numba kernels read ``p.motivation_decay``.

Must not: hold behaviour (that is ``rules.py``) or defaults that disagree with the YAML files. Values
live only in the YAML files; the dataclasses here carry types and ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
from omegaconf import MISSING


def value(lo: float, hi: float):
    """A parameter with no Python default (its value lives in YAML) and the valid range [lo, hi]."""
    return field(default=MISSING, metadata={"range": (lo, hi)})


@dataclass
class BehaviourParams:
    """How volunteers, centres, leaders and service units behave. Values: conf/model/default.yaml."""

    # Centre leader (daglig leder) time budget and strain
    leader_hours_per_month: float = value(20, 250)
    leader_admin_share: float = value(0, 0.9)
    followup_hours_per_volunteer: float = value(0, 10)
    recruit_hours_share: float = value(0, 0.5)
    order_handling_hours: float = value(0, 80)
    cocreation_meeting_hours: float = value(0, 160)
    strain_memory: float = value(0, 0.99)
    turnover_base: float = value(0, 0.2)
    turnover_strain_slope: float = value(0, 1)
    vacancy_months: int = value(0, 36)
    followup_protected_share: float = value(0, 1)
    # Volunteer hours per month by cohort
    hours_youth: float = value(0, 80)
    hours_adult: float = value(0, 80)
    hours_young_retiree: float = value(0, 80)
    hours_senior: float = value(0, 80)
    # Motivation (all monthly rates)
    motivation_initial: float = value(0, 1)
    motivation_gain_influence: float = value(0, 1)
    motivation_loss_orders: float = value(0, 1)
    motivation_gain_followup: float = value(0, 1)
    motivation_loss_overload: float = value(0, 1)
    motivation_decay: float = value(0, 1)
    # Dropout
    dropout_base: float = value(0, 0.5)
    dropout_motivation_slope: float = value(0, 1)
    satisfied_threshold: float = value(0, 1)
    # Recruitment (monthly probability per non-volunteer, before multipliers)
    recruit_base_youth: float = value(0, 0.05)
    recruit_base_adult: float = value(0, 0.05)
    recruit_base_young_retiree: float = value(0, 0.05)
    recruit_base_senior: float = value(0, 0.05)
    recruit_leader_weight: float = value(0, 10)
    word_of_mouth: float = value(0, 10)
    word_of_mouth_reference_density: float = value(1e-4, 1)
    visibility_colocated: float = value(0.5, 3)
    targeting_62plus_multiplier: float = value(1, 5)
    recruit_62plus: float = value(0, 1)  # 1: centres aim recruitment at 62+ (as a 0/1 switch)
    travel_recruit_weight: float = value(0, 1)
    # Initial volunteers
    initial_volunteers_per_centre: float = value(0, 500)
    initial_share_youth: float = value(0, 1)
    initial_share_adult: float = value(0, 1)
    initial_share_young_retiree: float = value(0, 1)
    initial_share_senior: float = value(0, 1)
    # Orders (bestillinger)
    max_orders_per_month: float = value(0, 100)
    order_hours: float = value(0, 200)
    order_duration_months: float = value(1, 60)
    order_fiscal_weight: float = value(0, 10)
    order_colocated_multiplier: float = value(0.1, 5)
    order_municipal_multiplier: float = value(0.1, 5)
    decline_intercept: float = value(-10, 10)
    decline_statutory: float = value(-10, 10)
    decline_voluntary_org: float = value(-10, 10)
    decline_supplement: float = value(-10, 10)
    decline_policy: float = value(-10, 10)
    decline_strain: float = value(-10, 10)
    supplement_principle: float = value(0, 1)
    # Volunteers who differ in how they take ordered tasks; what a centre's volunteers will take
    order_tolerant_share: float = value(0, 1)
    order_loss_tolerant: float = value(0, 1)
    order_willing_share: float = value(0, 1)
    order_willing_share_averse: float = value(0, 1)
    # The municipality backing off after declines (decline_response = back_off)
    back_off_threshold: float = value(0, 1)
    back_off_rate: float = value(0, 1)
    back_off_recover: float = value(0, 1)
    back_off_floor: float = value(0, 1)
    # Co-creation's costs and failure risk
    cocreation_staff_hours: float = value(0, 5)
    cocreation_fail_base: float = value(0, 1)
    cocreation_fail_strain: float = value(0, 5)
    cocreation_fail_motivation: float = value(0, 1)
    pressure_orders_per_year: float = value(0, 1000)
    # Cooperation on welfare (a measured outcome, L1035-1036, L1052)
    cooperation_min_share: float = value(0, 1)
    # Trust and evaluation
    trust_initial: float = value(0, 1)
    evaluation_trust_repair: float = value(0, 1)
    redesign_threshold: float = value(0, 1)
    redesign_boost: float = value(0, 1)
    # Demand for supplementary welfare hours (per target person per month)
    demand_per_80plus: float = value(0, 100)
    demand_per_immigrant: float = value(0, 100)
    demand_per_child: float = value(0, 100)
    demand_per_resident_culture: float = value(0, 100)
    staff_share_2024: float = value(0, 1)
    own_activity_match: float = value(0, 1)
    travel_hours_loss: float = value(0, 1)
    # Run setting, not behaviour: years run before the start year with its demography frozen
    spinup_years: int = value(0, 100)


@dataclass
class PolicyConfig:
    """One policy regime and its levers (MODEL.md section 7). Values: conf/policy/*.yaml."""

    name: str = "as_planned"
    regime: str = "as_planned"  # cocreation | mobilisation | mobilisation_well | as_planned
    start_year: int = value(1900, 2200)
    # how the municipality works with its centre: the levers that make a preset (MUNICIPAL_LEVERS)
    order_intensity: float = value(0, 1)
    influence_on_orders: float = value(0, 1)
    cocreation_share: float = value(0, 1)
    decline_response: str = MISSING  # persist | back_off
    decline_penalty: float = value(0, 1)
    municipal_backup: bool = MISSING
    evaluation_interval: int = value(0, 120)
    # the municipality's situation: the same in every preset (scenario axes of their own)
    volunteer_policy: str = "region"  # region | adopted | none
    labour_shortage: float = value(-0.2, 0.2)
    fiscal_stress_multiplier: float = value(0, 5)
    # as_planned only: how plan discourses map to practice (scenario/world.municipality_levers)
    plan_mapping: str = MISSING  # practice | tilted | plan
    tilt_cocreation_share_cocreation: float = value(0, 5)
    tilt_order_intensity_mobilisation: float = value(0, 5)
    tilt_order_intensity_other: float = value(0, 5)
    tilt_cocreation_share_other: float = value(0, 5)


REGIMES = ("cocreation", "mobilisation", "mobilisation_well", "as_planned")
VOLUNTEER_POLICY_LEVER = ("region", "adopted", "none")
DECLINE_RESPONSES = ("persist", "back_off")
PLAN_MAPPINGS = ("practice", "tilted", "plan")
# The keys in which presets may differ: how the municipality works with its centre.
MUNICIPAL_LEVERS = (
    "order_intensity",
    "influence_on_orders",
    "cocreation_share",
    "decline_response",
    "decline_penalty",
    "municipal_backup",
    "evaluation_interval",
)
# Keys that only as_planned reads (the plan-to-practice mapping).
PLAN_MAPPING_KEYS = (
    "plan_mapping",
    "tilt_cocreation_share_cocreation",
    "tilt_order_intensity_mobilisation",
    "tilt_order_intensity_other",
    "tilt_cocreation_share_other",
)

# Per-municipality lever record the engines read (numeric form of PolicyConfig).
LEVER_FIELDS = (
    "order_intensity",
    "influence_on_orders",
    "cocreation_share",
    "decline_back_off",
    "decline_penalty",
    "policy_adopted",
    "municipal_backup",
    "evaluation_interval",
    "labour_shortage",
    "fiscal_stress_multiplier",
)
LEVER_DTYPE = np.dtype([(name, np.float64) for name in LEVER_FIELDS])
BEHAVIOUR_DTYPE = np.dtype([(f.name, np.float64) for f in fields(BehaviourParams)])


def as_record(params: BehaviourParams) -> np.record:
    """The behaviour parameters as a numpy record (attribute access works in numba and Python)."""
    values = tuple(float(getattr(params, f.name)) for f in fields(BehaviourParams))
    return np.rec.array([values], dtype=BEHAVIOUR_DTYPE)[0]


def lever_row(
    policy: PolicyConfig,
    region_policy_adopted: bool,
    order_intensity_factor: float = 1.0,
    cocreation_share_factor: float = 1.0,
) -> tuple:
    """The numeric lever values of one policy for one municipality.

    The factors tilt order intensity and co-creation share (as_planned's plan tilt), each
    result kept in [0, 1].
    """
    if policy.volunteer_policy == "adopted":
        adopted = True
    elif policy.volunteer_policy == "none":
        adopted = False
    else:
        adopted = region_policy_adopted
    return (
        min(1.0, policy.order_intensity * order_intensity_factor),
        policy.influence_on_orders,
        min(1.0, policy.cocreation_share * cocreation_share_factor),
        float(policy.decline_response == "back_off"),
        policy.decline_penalty,
        float(adopted),
        float(policy.municipal_backup),
        float(policy.evaluation_interval),
        policy.labour_shortage,
        policy.fiscal_stress_multiplier,
    )
