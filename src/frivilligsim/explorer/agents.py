"""The "watch the agents" view: the Mesa model of the chosen municipality and what it shows.

Owns: building a :class:`FrivilligModel` from the same scenario set-up the fast engine ran (so
the municipality, policy, levers and demography are the page's choice, and seed ``s`` gives the
fast engine's numbers for that seed), and reading the agents out for a picture: each volunteer's
age, motivation and age group, and each centre's leader, trust and strain.
Must not: draw or hold page state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frivilligsim.engines.mesa.agents import Centre, Volunteer
from frivilligsim.engines.mesa.model import FrivilligModel
from frivilligsim.explorer import projection
from frivilligsim.explorer.state import Catalogue, Choice, chosen_policy


def build_model(cat: Catalogue, choice: Choice) -> FrivilligModel:
    """The Mesa model of the choice's municipality and policy, on the first projection seed."""
    request = projection.Request(
        choice.municipality, chosen_policy(choice, cat), choice.demography, 1
    )
    setup = projection.setup_for(cat.run, request)
    seed = projection.seeds_of(cat.run, 1)[0]
    return FrivilligModel(setup=setup, seed=seed)


@dataclass(frozen=True)
class Volunteers:
    """The volunteers now, one entry each."""

    ages: np.ndarray
    motivations: np.ndarray
    cohorts: np.ndarray


def volunteers(model: FrivilligModel) -> Volunteers:
    people = list(model.agents_by_type.get(Volunteer, []))
    return Volunteers(
        ages=np.array([v.age for v in people], dtype=float),
        motivations=np.array([v.motivation for v in people], dtype=float),
        cohorts=np.array([v.cohort for v in people], dtype=int),
    )


@dataclass(frozen=True)
class CentreNow:
    """One centre now: is its leader in post, trust, the leader's felt strain, orders this month."""

    leader_in_post: bool
    trust: float
    strain: float
    orders: int


def centres(model: FrivilligModel) -> list[CentreNow]:
    return [
        CentreNow(c.vacancy == 0, float(c.trust), float(c.felt_strain), int(c.orders_issued))
        for c in model.agents_by_type.get(Centre, [])
    ]


def finished(model: FrivilligModel) -> bool:
    return model.month >= model.n_months


def advance(model: FrivilligModel, months: int) -> None:
    """Step the model ``months`` months, stopping at the end of the projection."""
    for _ in range(months):
        if finished(model):
            return
        model.step()
