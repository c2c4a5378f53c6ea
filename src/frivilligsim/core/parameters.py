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


@dataclass
class PolicyConfig:
    """One policy regime and its levers (MODEL.md section 7). Values: conf/policy/*.yaml."""

    name: str = "as_planned"
    regime: str = "as_planned"  # cocreation | mobilisation | as_planned
    start_year: int = value(1900, 2200)
    order_intensity: float = value(0, 1)
    influence_on_orders: float = value(0, 1)
    cocreation_share: float = value(0, 1)
    decline_penalty: float = value(0, 1)
    supplement_principle: bool = MISSING
    volunteer_policy: str = "region"  # region | adopted | none
    municipal_backup: bool = MISSING
    evaluation_interval: int = value(0, 120)
    leader_followup_share: float = value(0, 1)
    recruit_62plus: bool = MISSING
    labour_shortage: float = value(-0.2, 0.2)
    fiscal_stress_multiplier: float = value(0, 5)


REGIMES = ("cocreation", "mobilisation", "as_planned")
VOLUNTEER_POLICY_LEVER = ("region", "adopted", "none")

# Per-municipality lever record the engines read (numeric form of PolicyConfig).
LEVER_FIELDS = (
    "order_intensity",
    "influence_on_orders",
    "cocreation_share",
    "decline_penalty",
    "supplement_principle",
    "policy_adopted",
    "municipal_backup",
    "evaluation_interval",
    "leader_followup_share",
    "recruit_62plus",
    "labour_shortage",
    "fiscal_stress_multiplier",
)
LEVER_DTYPE = np.dtype([(name, np.float64) for name in LEVER_FIELDS])
BEHAVIOUR_DTYPE = np.dtype([(f.name, np.float64) for f in fields(BehaviourParams)])


def as_record(params: BehaviourParams) -> np.record:
    """The behaviour parameters as a numpy record (attribute access works in numba and Python)."""
    values = tuple(float(getattr(params, f.name)) for f in fields(BehaviourParams))
    return np.rec.array([values], dtype=BEHAVIOUR_DTYPE)[0]


def lever_row(policy: PolicyConfig, region_policy_adopted: bool) -> tuple:
    """The numeric lever values of one policy for one municipality."""
    if policy.volunteer_policy == "adopted":
        adopted = True
    elif policy.volunteer_policy == "none":
        adopted = False
    else:
        adopted = region_policy_adopted
    return (
        policy.order_intensity,
        policy.influence_on_orders,
        policy.cocreation_share,
        policy.decline_penalty,
        float(policy.supplement_principle),
        float(adopted),
        float(policy.municipal_backup),
        float(policy.evaluation_interval),
        policy.leader_followup_share,
        float(policy.recruit_62plus),
        policy.labour_shortage,
        policy.fiscal_stress_multiplier,
    )
