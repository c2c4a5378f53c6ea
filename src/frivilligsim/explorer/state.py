"""What the explorer's user has chosen, and how each choice changes it.

Owns: the catalogue the menus offer (the region's municipalities by name, the policy presets
from ``conf/policy``, the demography alternatives), the levers a planner may adjust with their
ranges, and :class:`Choice` with its transitions. Choosing a preset resets the levers to that
preset's values; adjusting a lever keeps the preset and marks the policy as adjusted.
Must not: simulate (that is ``projection.py``) or draw.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any

import pandas as pd

from frivilligsim.core import schema
from frivilligsim.core.parameters import (
    DECLINE_RESPONSES,
    REGIMES,
    VOLUNTEER_POLICY_LEVER,
    PolicyConfig,
)
from frivilligsim.inputs.region import load_region
from frivilligsim.scenario.config import RunConfig, load_config, validate
from frivilligsim.scenario.setup import presets


@dataclass(frozen=True)
class Lever:
    """One adjustable policy lever: a ``PolicyConfig`` field and the control that sets it."""

    name: str
    kind: str  # float | int | year | bool | choice
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.05
    choices: tuple[str, ...] = ()
    decimals: int = 2


# Slider ranges sit inside the schema's ranges (core/parameters.py); the two year-like levers
# are limited to the projection's span.
LEVERS = (
    Lever("order_intensity", "float"),
    Lever("influence_on_orders", "float"),
    Lever("cocreation_share", "float"),
    Lever("decline_penalty", "float", 0.0, 0.5, 0.01),
    Lever("evaluation_interval", "int", 0, 36, 1, decimals=0),
    Lever("start_year", "year", 2024, 2050, 1, decimals=0),
    Lever("labour_shortage", "float", -0.05, 0.05, 0.005, decimals=3),
    Lever("fiscal_stress_multiplier", "float", 0.0, 3.0, 0.1, decimals=1),
    Lever("municipal_backup", "bool"),
    Lever("decline_response", "choice", choices=DECLINE_RESPONSES),
    Lever("volunteer_policy", "choice", choices=VOLUNTEER_POLICY_LEVER),
)
LEVER_BY_NAME = {lever.name: lever for lever in LEVERS}
_POLICY_FIELDS = {f.name for f in fields(PolicyConfig)}
assert all(lever.name in _POLICY_FIELDS for lever in LEVERS)

DEMOGRAPHIES = schema.DEMOGRAPHIES


@dataclass(frozen=True)
class Catalogue:
    """What the menus offer: the base config, its presets and the region's municipalities."""

    run: RunConfig
    presets: dict[str, PolicyConfig]
    municipalities: pd.DataFrame  # code, name, residents, discourse, centres; sorted by name

    def name_of(self, code: str) -> str:
        return str(self.municipalities.loc[code, "name"])

    def discourse_of(self, code: str) -> str:
        return str(self.municipalities.loc[code, "discourse"])


def _name_column(table: pd.DataFrame) -> str:
    for column in ("municipality_name", "name"):
        if column in table:
            return column
    return "municipality"


_NORWEGIAN_LAST = str.maketrans({"æ": "{", "ø": "|", "å": "}"})  # after z, in this order


def _alphabetical(column: pd.Series) -> pd.Series:
    """Sort keys in Norwegian order: a-z, then æ, ø, å."""
    return column.str.lower().str.translate(_NORWEGIAN_LAST)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The default config's presets and region, read once per process."""
    run = validate(load_config([]))
    region = load_region(run.region)
    munis = region.municipalities.reset_index(drop=True)
    residents = region.population.reshape(len(munis), -1).sum(axis=1)
    table = pd.DataFrame(
        {
            "code": munis["municipality"].astype(str),
            "name": munis[_name_column(munis)].astype(str),
            "residents": residents.astype(int),
            "discourse": munis["discourse"].astype(str),
        }
    )
    counts = region.centres["municipality"].astype(str).value_counts()
    table["centres"] = table["code"].map(counts).fillna(0).astype(int).to_numpy()
    table = table.sort_values(["name", "code"], key=_alphabetical).set_index("code", drop=False)
    return Catalogue(run=run, presets=presets(run), municipalities=table)


def lever_values(policy: PolicyConfig) -> dict[str, Any]:
    """The levers' values in a policy."""
    return {lever.name: getattr(policy, lever.name) for lever in LEVERS}


def checked_lever(name: str, value: Any) -> Any:
    """``value`` as the lever's type, inside its range; a wrong name or choice raises."""
    lever = LEVER_BY_NAME[name]
    if lever.kind == "bool":
        return bool(value)
    if lever.kind == "choice":
        if value not in lever.choices:
            raise ValueError(f"{name}={value!r}: expected one of {', '.join(lever.choices)}")
        return value
    number = min(max(float(value), lever.lo), lever.hi)
    return round(number, 6) if lever.kind == "float" else int(round(number))


@dataclass(frozen=True)
class Choice:
    """Everything the user has chosen. Immutable: each transition returns a new Choice."""

    municipality: str
    preset: str = "cocreation"
    levers: tuple[tuple[str, Any], ...] = ()
    baseline: str = "mobilisation"
    demography: str = "MMMM"
    seeds: int = 10
    metric: str = "volunteers"
    lang: str = "en"

    @property
    def lever_dict(self) -> dict[str, Any]:
        return dict(self.levers)


def initial_choice(cat: Catalogue, municipality: str | None = None, **chosen) -> Choice:
    """The first choice: the given (or the first by name) municipality, co-creation's levers."""
    code = municipality or str(cat.municipalities["code"].iloc[0])
    choice = Choice(municipality=code, **chosen)
    return choose_preset(choice, cat, choice.preset)


def choose_preset(choice: Choice, cat: Catalogue, preset: str) -> Choice:
    """Switch to ``preset``: its levers replace whatever was set before."""
    if preset not in cat.presets:
        raise ValueError(f"unknown policy {preset!r}; expected one of {', '.join(REGIMES)}")
    values = lever_values(cat.presets[preset])
    return replace(choice, preset=preset, levers=tuple(values.items()))


def set_lever(choice: Choice, name: str, value: Any) -> Choice:
    """Adjust one lever of the chosen policy."""
    values = choice.lever_dict
    values[name] = checked_lever(name, value)
    return replace(choice, levers=tuple(values.items()))


def is_adjusted(choice: Choice, cat: Catalogue) -> bool:
    return choice.lever_dict != lever_values(cat.presets[choice.preset])


def followed_preset(choice: Choice, cat: Catalogue) -> str | None:
    """The preset an ``as_planned`` municipality follows instead of its own levers, if any.

    Only with ``plan_mapping=plan`` does an ``as_planned`` municipality whose plans speak of
    co-creation or mobilisation act on that preset (``scenario/world.py``), so the as_planned
    levers do not reach it; with ``practice`` or ``tilted`` they reach every municipality.
    """
    policy = cat.presets[choice.preset]
    if policy.regime != "as_planned" or policy.plan_mapping != "plan":
        return None
    discourse = cat.discourse_of(choice.municipality)
    return discourse if discourse in ("cocreation", "mobilisation") else None


def chosen_policy(choice: Choice, cat: Catalogue) -> PolicyConfig:
    """The policy to simulate: the preset with the chosen levers.

    An adjusted preset gets its own name, so the unadjusted presets stay what ``as_planned``
    municipalities follow and what the years before ``start_year`` run under.
    """
    base = cat.presets[choice.preset]
    policy = replace(base, **choice.lever_dict)
    if is_adjusted(choice, cat):
        policy = replace(policy, name=f"{base.name}_adjusted")
    return policy
