"""SSB's own projected totals per municipality (table 14288, MMMM), for the demography's fit.

Owns reading the packaged ``data/norway_2024/projection_mmmm.csv`` and turning it into one
target row per municipality of a region (:func:`projection_targets`), in the region's order.
A municipality SSB has no projection for (the synthetic region's ``S001``..., or a code outside
the 2024 division) follows the average relative path of its centrality class in SSB's MMMM:
its own 2024 residents times (the class's SSB total in the target year / its 2024 total).

Must not: fit anything (that is :mod:`frivilligsim.core.demography`), or read ``../shared``.
"""

from __future__ import annotations

import gzip
import io
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from frivilligsim.core.demography import FIT_YEARS
from frivilligsim.errors import DataFileError

DATA_DIR = "norway_2024"


def _read(name: str) -> pd.DataFrame:
    path = resources.files("frivilligsim") / "data" / DATA_DIR / name
    raw = path.read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return pd.read_csv(io.BytesIO(raw), comment="#", dtype={"municipality": str})


@lru_cache(maxsize=1)
def ssb_projection() -> pd.DataFrame:
    """One row per municipality of the 2024 division: ``municipality, centrality, persons_2024,
    persons_2034, persons_2050`` (SSB tables 07459 and 14288, classification 128)."""
    proj = _read("projection_mmmm.csv")
    munis = _read("municipalities.csv")[["municipality", "centrality"]]
    pop = _read("population.csv.gz")
    ages = [c for c in pop.columns if c.startswith("a")]
    base = (
        pd.DataFrame(
            {"municipality": pop["municipality"], "persons_2024": pop[ages].to_numpy().sum(axis=1)}
        )
        .groupby("municipality", as_index=False)["persons_2024"]
        .sum()
    )
    table = munis.merge(base, on="municipality").merge(proj, on="municipality")
    wanted = [f"persons_{y}" for y in FIT_YEARS]
    missing = [c for c in wanted if c not in table.columns]
    if missing or len(table) != len(proj):
        raise DataFileError(f"data/{DATA_DIR}/projection_mmmm.csv: columns {missing} missing")
    return table.reset_index(drop=True)


def packaged_district(classes=(5, 6)):
    """The packaged real municipalities of ``classes`` as a light region (``municipalities``,
    ``population [n, 2, 106]``), enough for the demography alone (benchmarks, comparisons).

    Interim: the full real Region (centres, attributes) is ``inputs.region``'s once the real
    region is the default there.
    """
    from types import SimpleNamespace

    munis = _read("municipalities.csv")
    munis = munis[munis["centrality"].isin(list(classes))].sort_values("municipality")
    pop = _read("population.csv.gz").set_index(["municipality", "sex"]).sort_index()
    population = np.stack([pop.loc[c].to_numpy() for c in munis["municipality"]]).astype(np.int64)
    return SimpleNamespace(
        municipalities=munis.reset_index(drop=True), population=population, synthetic=False
    )


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
    out = np.empty((len(munis), len(cols)))
    for i, (code, cls) in enumerate(
        zip(munis["municipality"].astype(str), munis["centrality"], strict=True)
    ):
        if code in table.index:
            out[i] = table.loc[code, cols].to_numpy(dtype=np.float64)
        else:
            out[i] = residents[i] * class_ratio.loc[int(cls)].to_numpy(dtype=np.float64)
    return out
