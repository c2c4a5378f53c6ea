"""SSB's own projected totals per municipality (table 14288, MMMM), for the demography's fit.

Owns turning the packaged ``data/norway_2024/projection_mmmm.csv`` (read by
:func:`frivilligsim.inputs.region.load_projection`) into one target row per municipality of a
region (:func:`projection_targets`), in the region's order.
A municipality SSB has no projection for (the synthetic region's ``S001``..., or a code outside
the 2024 division) follows the average relative path of its centrality class in SSB's MMMM:
its own 2024 residents times (the class's SSB total in the target year / its 2024 total).

Must not: fit anything (that is :mod:`frivilligsim.core.demography`), or read ``../shared``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from frivilligsim.core.demography import FIT_YEARS
from frivilligsim.errors import DataFileError
from frivilligsim.inputs.region import load_projection, load_real_population


@lru_cache(maxsize=1)
def ssb_projection() -> pd.DataFrame:
    """One row per municipality of the 2024 division: ``municipality, centrality, persons_2024,
    persons_2034, persons_2050`` (SSB tables 07459 and 14288, classification 128)."""
    munis, population, _ = load_real_population()
    base = munis[["municipality", "centrality"]].assign(persons_2024=population.sum(axis=(1, 2)))
    proj = load_projection()
    table = base.merge(proj, on="municipality")
    wanted = [f"persons_{y}" for y in FIT_YEARS]
    missing = [c for c in wanted if c not in table.columns]
    if missing or len(table) != len(proj):
        raise DataFileError(f"data/norway_2024/projection_mmmm.csv: columns {missing} missing")
    return table.reset_index(drop=True)


def projection_targets(region) -> np.ndarray:
    """``[n_muni, len(FIT_YEARS)]`` SSB MMMM totals for the region's municipalities, in order.

    Municipalities without an SSB projection get their centrality class's average relative
    path applied to their own residents (see the module docstring).
    """
    table = ssb_projection().set_index("municipality")
    cols = [f"persons_{y}" for y in FIT_YEARS]
    class_ratio = (
        table.groupby("centrality")[cols]
        .sum()
        .div(table.groupby("centrality")["persons_2024"].sum(), axis=0)
    )
    munis = region.municipalities.reset_index(drop=True)
    residents = np.asarray(region.population).sum(axis=(1, 2)).astype(np.float64)
    codes = munis["municipality"].astype(str)
    out = table[cols].reindex(codes).to_numpy(dtype=np.float64)  # NaN rows: no SSB projection
    missing = ~codes.isin(table.index).to_numpy()
    if missing.any():
        ratio = class_ratio.reindex(munis["centrality"].astype(int)).to_numpy(dtype=np.float64)
        out[missing] = residents[missing, None] * ratio[missing]
    return out
