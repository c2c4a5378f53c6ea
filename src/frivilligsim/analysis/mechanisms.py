"""Mechanism switches: a named mechanism of the model switched off, as model overrides.

Owns: the table of mechanisms the sensitivity analysis can switch off, and how a sampled
switch value becomes model overrides. A mechanism is switched off by setting the parameters
that carry it to zero (each zero is inside the parameter's valid range), so no engine code
changes: both engines read the same parameters.

Must not: run the model (that is ``sensitivity.py``), or add behaviour (that is ``rules.py``).

A sampled switch is a number in [0, 1]; the mechanism is on from 0.5. When a switch is off it
wins over any sampled value of the parameters it zeroes.
"""

from __future__ import annotations

MECHANISM_PREFIX = "mechanism."

# name -> (what it is, the parameters set to 0 to switch it off)
MECHANISMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "order_wear": (
        "ordered hours without influence wear motivation down (the study's fear, L830-862)",
        ("motivation_loss_orders", "order_loss_tolerant"),
    ),
    "influence_gain": (
        "hours with influence over the task raise motivation (L2731-2737)",
        ("motivation_gain_influence",),
    ),
    "followup_gain": (
        "the leader's follow-up raises motivation (L1501, L2776)",
        ("motivation_gain_followup",),
    ),
    "overload_loss": (
        "an overloaded leader lowers volunteers' motivation",
        ("motivation_loss_overload",),
    ),
    "word_of_mouth": (
        "satisfied volunteers recruit others (L2332-2335)",
        ("word_of_mouth",),
    ),
    "travel_burden": (
        "distances lower recruitment and cost hours in travel (L1075-1081, L1898-1900)",
        ("travel_recruit_weight", "travel_hours_loss"),
    ),
    "cocreation_failure": (
        "co-creation can fail and cost motivation and trust (L78-80, L985-991)",
        ("cocreation_fail_base", "cocreation_fail_strain", "cocreation_fail_motivation"),
    ),
    "back_off": (
        "the municipality orders less when the centre declines many orders",
        ("back_off_rate",),
    ),
    "leader_turnover": (
        "leaders leave, more often under strain (L2392-2395)",
        ("turnover_base", "turnover_strain_slope"),
    ),
}


def mechanism_names() -> list[str]:
    """Every switch as a sampled input name (``mechanism.<name>``)."""
    return [MECHANISM_PREFIX + name for name in MECHANISMS]


def is_mechanism(name) -> bool:
    return str(name).startswith(MECHANISM_PREFIX)


def switched_off(names, row) -> dict:
    """Model overrides of one sample row's switches: zero for every mechanism switched off."""
    out = {}
    for name, value in zip(names, row, strict=True):
        if not is_mechanism(name):
            continue
        key = name[len(MECHANISM_PREFIX) :]
        if key not in MECHANISMS:
            raise KeyError(f"{name!r} is not a mechanism; known: {', '.join(mechanism_names())}")
        if value < 0.5:
            out.update({parameter: 0.0 for parameter in MECHANISMS[key][1]})
    return out
