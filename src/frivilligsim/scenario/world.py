"""The region turned into arrays the engines start from, and policies turned into levers.

Owns: the initial residents (one row per person, grouped by municipality), the centres' and
municipalities' numeric attributes, and each municipality's lever record under a policy.
Must not: step time or draw behaviour (initial volunteers are drawn by the engines, from rng).
"""

from __future__ import annotations

from dataclasses import dataclass

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

    Under ``as_planned`` a municipality whose plans speak of co-creation uses the
    ``cocreation`` preset, one whose plans speak of mobilisation the ``mobilisation`` preset,
    and the rest the as_planned levers themselves (MODEL.md section 7, L796-1024).
    """
    levers = np.zeros(world.n_municipalities, dtype=LEVER_DTYPE)
    for m in range(world.n_municipalities):
        chosen = policy
        if policy.regime == "as_planned":
            discourse = schema.DISCOURSE[world.discourse[m]]
            if discourse in ("cocreation", "mobilisation"):
                chosen = presets[discourse]
        levers[m] = lever_row(chosen, bool(world.policy_adopted[m]))
    return levers.view(np.recarray)
