"""The region turned into arrays the engines start from, and policies turned into levers.

Owns: the initial residents (one row per person, grouped by municipality), the centres' and
municipalities' numeric attributes, and each municipality's lever record under a policy.
Must not: step time or draw behaviour (initial volunteers are drawn by the engines, from rng).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from frivilligsim.core import schema
from frivilligsim.core.demography import initial_residents
from frivilligsim.core.parameters import LEVER_DTYPE, PolicyConfig, lever_row
from frivilligsim.core.rng import stable_id
from frivilligsim.inputs.region import Region, municipality_keys

CAPACITY_FACTOR = (
    2.2  # room for growth: HHMH uses up to 1.90 x its 2024 residents (docs/demography.md s. 7)
)
CAPACITY_MARGIN = 256


@dataclass(frozen=True)
class World:
    """Initial state of a region as arrays (struct of arrays)."""

    region: Region
    codes: np.ndarray  # str, municipality codes in region order
    muni_key: np.ndarray  # int64, stable per-municipality rng entity
    fiscal_stress: np.ndarray  # float64
    travel_burden: np.ndarray  # float64 in [0, 1]
    immigrant_share: np.ndarray  # float64
    discourse: np.ndarray  # int8, schema.DISCOURSE codes
    policy_adopted: np.ndarray  # bool, the municipality's own volunteer policy is adopted
    # residents, municipality m owns slots [block_start[m], block_start[m] + block_cap[m])
    block_start: np.ndarray
    block_cap: np.ndarray
    n_residents: np.ndarray
    age: np.ndarray  # int16
    sex: np.ndarray  # int8
    ids: np.ndarray  # int64
    # centres, municipality m owns [centre_start[m], centre_start[m + 1])
    centre_start: np.ndarray
    centre_key: np.ndarray  # int64
    centre_ownership: np.ndarray  # int8, schema.OWNERSHIP codes
    centre_co_located: np.ndarray  # int8
    centre_agreement: np.ndarray  # int8, schema.AGREEMENT codes
    # values computed from this world and keys of their own (scenario.setup.rates_for keeps
    # demography rates and SSB's targets here), so they live and die with the world
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_municipalities(self) -> int:
        return len(self.codes)


def _codes(values, vocabulary) -> np.ndarray:
    lookup = {name: i for i, name in enumerate(vocabulary)}
    return np.array([lookup[v] for v in values], dtype=np.int8)


def build_world(region: Region) -> World:
    """Expand the region's population counts into residents and its tables into arrays."""
    munis = region.municipalities.reset_index(drop=True)
    codes = munis["municipality"].astype(str).to_numpy()
    n = len(codes)
    sizes = region.population.reshape(n, -1).sum(axis=1).astype(np.int64)
    caps = (sizes * CAPACITY_FACTOR).astype(np.int64) + CAPACITY_MARGIN
    starts = np.zeros(n, dtype=np.int64)
    starts[1:] = np.cumsum(caps)[:-1]
    total = int(caps.sum())
    age = np.zeros(total, dtype=np.int16)
    sex = np.zeros(total, dtype=np.int8)
    ids = np.zeros(total, dtype=np.int64)
    muni_key = municipality_keys(region).astype(np.int64)
    for m in range(n):
        a, s, i = initial_residents(region.population[m], int(muni_key[m]))
        k = len(a)
        age[starts[m] : starts[m] + k] = a
        sex[starts[m] : starts[m] + k] = s
        ids[starts[m] : starts[m] + k] = i

    centres = region.centres
    position = {code: m for m, code in enumerate(codes)}
    centre_muni = np.array(
        [position[c] for c in centres["municipality"].astype(str)], dtype=np.int64
    )
    order = np.argsort(centre_muni, kind="stable")
    centres = centres.iloc[order].reset_index(drop=True)
    centre_muni = centre_muni[order]
    centre_start = np.searchsorted(centre_muni, np.arange(n + 1)).astype(np.int64)

    return World(
        region=region,
        codes=codes,
        muni_key=muni_key,
        fiscal_stress=munis["fiscal_stress"].to_numpy(dtype=np.float64),
        travel_burden=munis["travel_burden"].to_numpy(dtype=np.float64),
        immigrant_share=munis["immigrant_share"].to_numpy(dtype=np.float64),
        discourse=_codes(munis["discourse"], schema.DISCOURSE),
        policy_adopted=(munis["volunteer_policy"] == "adopted").to_numpy(),
        block_start=starts,
        block_cap=caps,
        n_residents=sizes,
        age=age,
        sex=sex,
        ids=ids,
        centre_start=centre_start,
        # keyed by municipality code and position within it, so a centre keeps its draws
        # whichever other municipalities are in the run
        centre_key=np.array(
            [
                stable_id(f"centre:{code}:{k}")
                for code, k in zip(
                    codes[centre_muni],
                    centres.groupby("municipality", sort=False).cumcount(),
                    strict=True,
                )
            ],
            dtype=np.int64,
        ),
        centre_ownership=_codes(centres["ownership"], schema.OWNERSHIP),
        centre_co_located=centres["co_located"].astype(bool).to_numpy().astype(np.int8),
        centre_agreement=_codes(centres["agreement"], schema.AGREEMENT),
    )


def municipality_levers(
    world: World, policy: PolicyConfig, presets: dict[str, PolicyConfig]
) -> np.ndarray:
    """One lever record per municipality under ``policy``.

    Every preset but ``as_planned`` applies its levers in every municipality. Under
    ``as_planned`` the levers depend on the municipality's plan discourse (L796-1024) through
    ``policy.plan_mapping`` (an assumption; docs/ODD.md section 7):

    - ``practice``: the as_planned levers everywhere (the discourse ignored, L501-505, L876-885);
    - ``tilted``: the as_planned levers, with co-creation share x
      ``tilt_cocreation_share_cocreation`` where plans speak of co-creation, order intensity x
      ``tilt_order_intensity_mobilisation`` where they speak of mobilisation, and order intensity
      x ``tilt_order_intensity_other``, co-creation share x ``tilt_cocreation_share_other``
      where they speak of place identity or independence;
    - ``plan``: practice follows the plan: the ``cocreation`` and ``mobilisation`` presets where
      plans speak of them, the as_planned levers elsewhere.
    """
    levers = np.zeros(world.n_municipalities, dtype=LEVER_DTYPE)
    for m in range(world.n_municipalities):
        adopted = bool(world.policy_adopted[m])
        if policy.regime != "as_planned" or policy.plan_mapping == "practice":
            levers[m] = lever_row(policy, adopted)
            continue
        discourse = schema.DISCOURSE[world.discourse[m]]
        if policy.plan_mapping == "plan":
            chosen = presets[discourse] if discourse in ("cocreation", "mobilisation") else policy
            levers[m] = lever_row(chosen, adopted)
        elif discourse == "cocreation":
            levers[m] = lever_row(
                policy, adopted, cocreation_share_factor=policy.tilt_cocreation_share_cocreation
            )
        elif discourse == "mobilisation":
            levers[m] = lever_row(
                policy, adopted, order_intensity_factor=policy.tilt_order_intensity_mobilisation
            )
        else:
            levers[m] = lever_row(
                policy,
                adopted,
                order_intensity_factor=policy.tilt_order_intensity_other,
                cocreation_share_factor=policy.tilt_cocreation_share_other,
            )
    return levers.view(np.recarray)
