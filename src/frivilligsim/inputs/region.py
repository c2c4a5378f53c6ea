"""The region a run simulates: municipalities, volunteer centres and residents on 1 January 2024.

Owns the :class:`Region` data structure, the config group ``region`` (:class:`RegionConfig`),
the embedded synthetic District Norway region (``data/district_norway/``), and the synthetic
municipal and centre attributes used both by that region and for real SSB municipalities
(SSB publishes no centre data). Subsetting (centrality classes, an explicit list, the first N)
happens here, in :func:`load_region`.

Must not: read SSB file formats (that is :mod:`frivilligsim.inputs.ssb`), project the population (that
is :mod:`frivilligsim.core.demography`), or draw randomness except through :mod:`frivilligsim.core.rng`.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd

from frivilligsim.core import rng
from frivilligsim.core.rng import municipality_key  # noqa: F401 - re-exported
from frivilligsim.core.schema import (
    AGREEMENT,
    CENTRALITY,
    COMPENSATION,
    DISCOURSE,
    N_AGES,
    OWNERSHIP,
    ROLE,
    VOLUNTEER_POLICY,
)
from frivilligsim.errors import ConfigError, DataFileError

REGION_NAMES = ("district_norway", "ssb")
DEFAULT_REGION_NAME = "district_norway (synthetic)"
SSB_REGION_NAME = "ssb (real SSB population; municipal and centre attributes synthetic)"
BUILD_SEED = 20240101  # fixed seed of every synthetic attribute (not the run seed)

# Published distributions the synthetic attributes follow (ideas2evidence 2024; line numbers
# of shared/seed/report.txt). Shares are normalised when they do not sum to 1.
N_MUNICIPALITIES = {5: 104, 6: 108}  # L230-231
CENTRES_PER_MUNICIPALITY = {0: 23, 1: 172, 2: 13, 3: 4}  # L244-247 (212 - 189 = 23 without)
OWNERSHIP_SHARES = (0.60, 0.25, 0.15)  # L1093-1094; "other" is the remainder
ROLE_SHARES = (0.42, 0.47, 0.12)  # L1262-1266 (sums to 1.01 from rounding)
AGREEMENT_SHARES = (0.51, 0.07, 0.40, 0.02)  # L1595-1597; "none" is the remainder
CO_LOCATED_SHARE = 2.0 / 3.0  # L1934-1940 "rundt en tredjedel er ikke samlokaliserte"
COMPENSATION_SHARES = (0.43, 0.34, 0.17, 0.04)  # L1687-1690 (sums to 0.98)
DISCOURSE_SHARES = (0.62, 0.12, 0.21, 0.05)  # L796-1024
POLICY_SHARES = (0.22, 0.29, 0.49)  # L616-619; "none" is the remainder

# Draw sub-keys of the REGION_BUILD stream, one per attribute; append, never renumber.
_SUB_CENTRALITY = 1
_SUB_DISCOURSE = 2
_SUB_POLICY = 3
_SUB_FISCAL = 4
_SUB_TRAVEL = 5
_SUB_IMMIGRANT = 6
_SUB_N_CENTRES = 7
_SUB_OWNERSHIP = 8
_SUB_ROLE = 9
_SUB_AGREEMENT = 10
_SUB_CO_LOCATED = 11
_SUB_COMPENSATION = 12
_SUB_SIZE = 13
_SUB_AGEING = 14
_SUB_ROUNDING = 15  # plus 2 * 106 consecutive subs, one per sex and age

MUNICIPALITY_COLUMNS = (
    "municipality",
    "name",
    "centrality",
    "discourse",
    "volunteer_policy",
    "fiscal_stress",
    "travel_burden",
    "immigrant_share",
)
CENTRE_COLUMNS = (
    "centre_id",
    "municipality",
    "ownership",
    "role",
    "agreement",
    "co_located",
    "compensation",
)


@dataclass(frozen=True)
class Region:
    """Municipalities, centres and residents on 1 January 2024.

    Attributes:
        name: e.g. ``"district_norway (synthetic)"``.
        synthetic: True when the residents are synthetic (the embedded default).
        municipalities: one row per municipality in a stable order; columns
            ``MUNICIPALITY_COLUMNS``.
        centres: one row per centre, ``centre_id`` 0..n-1; columns ``CENTRE_COLUMNS``.
        population: int64 ``[n_municipalities, 2 (0 male, 1 female), 106 (age 0..105+)]``.
    """

    name: str
    synthetic: bool
    municipalities: pd.DataFrame
    centres: pd.DataFrame
    population: np.ndarray

    @property
    def n_municipalities(self) -> int:
        return len(self.municipalities)

    @property
    def residents(self) -> int:
        return int(self.population.sum())


@dataclass
class RegionConfig:
    """Config group ``region``: which region to load and which municipalities to keep."""

    name: str = "district_norway"  # "district_norway" (embedded synthetic) or "ssb"
    population_csv: str | None = None  # SSB Statbank table 07459 export (name=ssb)
    centrality_csv: str | None = None  # SSB Klass 128 centrality export (name=ssb)
    centrality: list[int] = field(default_factory=lambda: [5, 6])  # classes to keep
    max_municipalities: int | None = None  # keep the first N in stable order (smoke tests)
    municipalities: list[str] | None = None  # explicit subset of municipality codes


# Keys and deterministic helpers ------------------------------------------------------------------


def municipality_keys(region: Region) -> np.ndarray:
    """int64 keys of the region's municipalities, in the region's order (:func:`rng.municipality_keys`)."""
    return rng.municipality_keys(region.municipalities["municipality"])


def largest_remainder_counts(shares, n: int) -> np.ndarray:
    """Integer counts summing to ``n`` closest to ``shares * n`` (Hamilton's method).

    Shares are normalised first; ties go to the earlier category.
    """
    s = np.asarray(shares, dtype=np.float64)
    quota = s / s.sum() * n
    counts = np.floor(quota).astype(np.int64)
    remainder = quota - counts
    order = sorted(range(len(s)), key=lambda i: (-round(remainder[i], 12), i))
    for i in order[: n - int(counts.sum())]:
        counts[i] += 1
    return counts


def _draws(entities, sub: int) -> np.ndarray:
    return np.array([rng.uniform(BUILD_SEED, int(e), 0, rng.REGION_BUILD, sub) for e in entities])


def _assign_by_quota(entities, categories, shares, sub: int) -> np.ndarray:
    """Categories in exact largest-remainder quotas, placed in a keyed random order."""
    counts = largest_remainder_counts(shares, len(entities))
    labels = np.repeat(np.asarray(categories, dtype=object), counts)
    order = np.argsort(_draws(entities, sub), kind="stable")
    out = np.empty(len(entities), dtype=object)
    out[order] = labels
    return out


def synthesise_municipal_attributes(
    codes, centrality, residents, immigrant_share=None
) -> pd.DataFrame:
    """Synthetic discourse, volunteer policy, fiscal stress, travel burden, immigrant share.

    Categorical attributes follow the report's shares by exact quota in a keyed order; the
    continuous ones are assumptions (documented in docs/demography.md).
    """
    codes = list(codes)
    keys = [municipality_key(c) for c in codes]
    centrality = np.asarray(centrality, dtype=np.int64)
    residents = np.asarray(residents, dtype=np.float64)
    discourse = _assign_by_quota(keys, DISCOURSE, DISCOURSE_SHARES, _SUB_DISCOURSE)
    policy = _assign_by_quota(keys, VOLUNTEER_POLICY, POLICY_SHARES, _SUB_POLICY)
    u_fiscal = np.array(
        [
            np.mean(
                [rng.uniform(BUILD_SEED, k, j, rng.REGION_BUILD, _SUB_FISCAL) for j in range(3)]
            )
            for k in keys
        ]
    )
    # assumption: fiscal stress centred on 0.5, a little higher in centrality 6
    fiscal = np.clip(0.45 + 0.08 * (centrality == 6) + 0.9 * (u_fiscal - 0.5), 0.0, 1.0)
    # assumption: travel burden higher in centrality 6 and in small (sparse) municipalities
    small = np.clip((np.log(10000.0) - np.log(np.maximum(residents, 1.0))) / np.log(20.0), 0, 1)
    travel = np.clip(
        0.25 + 0.2 * (centrality == 6) + 0.25 * small + 0.3 * (_draws(keys, _SUB_TRAVEL) - 0.5),
        0.0,
        1.0,
    )
    if immigrant_share is None:
        # assumption: immigrants about 10 % of residents in rural municipalities (SSB order)
        immigrant_share = 0.06 + 0.09 * _draws(keys, _SUB_IMMIGRANT)
    return pd.DataFrame(
        {
            "discourse": discourse.astype(str),
            "volunteer_policy": policy.astype(str),
            "fiscal_stress": np.round(fiscal, 4),
            "travel_burden": np.round(travel, 4),
            "immigrant_share": np.round(np.asarray(immigrant_share, dtype=np.float64), 4),
        }
    )


def centre_counts(codes, residents) -> np.ndarray:
    """Centres per municipality: the report's 0/1/2/3 counts scaled to ``len(codes)``.

    Larger municipalities (with a keyed random jitter) get the extra centres; the smallest
    are the likeliest to have none.
    """
    keys = [municipality_key(c) for c in codes]
    n = len(keys)
    quota = largest_remainder_counts(list(CENTRES_PER_MUNICIPALITY.values()), n)
    size_score = np.log(np.maximum(np.asarray(residents, dtype=np.float64), 1.0))
    score = size_score + 1.2 * (_draws(keys, _SUB_N_CENTRES) - 0.5)
    order = np.argsort(score, kind="stable")  # smallest first
    counts = np.empty(n, np.int64)
    counts[order] = np.repeat(np.array(list(CENTRES_PER_MUNICIPALITY.keys())), quota)
    return counts


def synthesise_centres(codes, n_centres) -> pd.DataFrame:
    """Synthetic centres: ``n_centres[i]`` for municipality ``codes[i]``, attributes by quota."""
    muni, entity = [], []
    for code, k in zip(codes, n_centres, strict=True):
        for j in range(int(k)):
            muni.append(str(code))
            entity.append(municipality_key(code) * 8 + j)
    n = len(muni)
    co_located = _assign_by_quota(
        entity, (True, False), (CO_LOCATED_SHARE, 1 - CO_LOCATED_SHARE), _SUB_CO_LOCATED
    )
    return pd.DataFrame(
        {
            "centre_id": np.arange(n, dtype=np.int64),
            "municipality": pd.Series(muni, dtype=object),
            "ownership": _assign_by_quota(entity, OWNERSHIP, OWNERSHIP_SHARES, _SUB_OWNERSHIP),
            "role": _assign_by_quota(entity, ROLE, ROLE_SHARES, _SUB_ROLE),
            "agreement": _assign_by_quota(entity, AGREEMENT, AGREEMENT_SHARES, _SUB_AGREEMENT),
            "co_located": co_located.astype(bool),
            "compensation": _assign_by_quota(
                entity, COMPENSATION, COMPENSATION_SHARES, _SUB_COMPENSATION
            ),
        }
    )


# The embedded default --------------------------------------------------------------------------

_DATA = ("data", "district_norway")


def _data_file(name: str):
    return resources.files("frivilligsim").joinpath(*_DATA, name)


def _read_csv(name: str, dtype=None) -> pd.DataFrame:
    path = _data_file(name)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise DataFileError(
            path, "embedded region file is missing; reinstall frivilligsim"
        ) from exc
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    try:
        return pd.read_csv(io.BytesIO(raw), comment="#", dtype=dtype)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataFileError(path, f"cannot parse embedded region file: {exc}") from exc


def _check_columns(df: pd.DataFrame, expected, name: str) -> None:
    missing = [c for c in expected if c not in df.columns]
    if missing:
        raise DataFileError(_data_file(name), f"missing column(s) {missing}")


def load_default_region() -> Region:
    """The embedded synthetic District Norway region (212 municipalities, 210 centres)."""
    munis = _read_csv("municipalities.csv", dtype={"municipality": str, "name": str})
    _check_columns(munis, MUNICIPALITY_COLUMNS, "municipalities.csv")
    centres = _read_csv("centres.csv", dtype={"municipality": str})
    _check_columns(centres, CENTRE_COLUMNS, "centres.csv")
    pop = _read_csv("population.csv.gz", dtype={"municipality": str})
    age_cols = [f"a{a:03d}" for a in range(N_AGES)]
    _check_columns(pop, ["municipality", "sex", *age_cols], "population.csv.gz")
    munis = munis[list(MUNICIPALITY_COLUMNS)].reset_index(drop=True)
    munis["centrality"] = munis["centrality"].astype(np.int64)
    centres = centres[list(CENTRE_COLUMNS)].reset_index(drop=True)
    centres["co_located"] = centres["co_located"].astype(bool)
    index = {code: i for i, code in enumerate(munis["municipality"])}
    population = np.zeros((len(munis), 2, N_AGES), np.int64)
    seen = np.zeros((len(munis), 2), bool)
    for row in pop.itertuples(index=False):
        i = index.get(row.municipality)
        if i is None or row.sex not in (0, 1) or seen[i, row.sex]:
            raise DataFileError(
                _data_file("population.csv.gz"),
                f"unexpected or duplicate row municipality={row.municipality} sex={row.sex}",
            )
        seen[i, row.sex] = True
        population[i, row.sex] = np.asarray(row[2:], dtype=np.int64)
    if not seen.all():
        raise DataFileError(_data_file("population.csv.gz"), "some municipalities lack counts")
    return Region(
        name=DEFAULT_REGION_NAME,
        synthetic=True,
        municipalities=munis,
        centres=centres,
        population=population,
    )


# Dispatcher ------------------------------------------------------------------------------------


def _cfg_get(cfg, key, default=None):
    if isinstance(cfg, dict):
        return cfg.get(key, default)
    return getattr(cfg, key, default)


def _centrality_classes(cfg) -> list[int]:
    classes = _cfg_get(cfg, "centrality", [5, 6])
    classes = [int(c) for c in (classes if classes is not None else CENTRALITY)]
    bad = [c for c in classes if c not in range(1, 7)]
    if bad:
        raise ConfigError(f"region.centrality has {bad}; SSB centrality classes are 1-6")
    return classes


def _load_ssb_region(cfg) -> Region:
    """Real SSB municipalities with synthetic municipal and centre attributes.

    The attributes are synthesised over the municipalities of the configured centrality
    classes (before any explicit or first-N subset), so a municipality keeps its attributes
    when a run keeps fewer municipalities.
    """
    from frivilligsim.inputs.ssb import read_centrality_klass128, read_population_07459

    pop_csv = _cfg_get(cfg, "population_csv")
    cen_csv = _cfg_get(cfg, "centrality_csv")
    if not pop_csv or not cen_csv:
        raise ConfigError(
            "region=ssb needs region.population_csv (Statbank table 07459 CSV) and "
            "region.centrality_csv (Klass 128 CSV); got "
            f"population_csv={pop_csv!r}, centrality_csv={cen_csv!r}"
        )
    munis, population = read_population_07459(pop_csv)
    classes = read_centrality_klass128(cen_csv)
    lookup = dict(zip(classes["code"], classes["centrality"], strict=True))
    missing = [c for c in munis["code"] if c not in lookup]
    if missing:
        names = dict(zip(munis["code"], munis["name"], strict=True))
        shown = ", ".join(f"{c} {names[c]}" for c in missing[:5])
        raise DataFileError(
            cen_csv,
            f"{len(missing)} municipality(ies) of {pop_csv} have no centrality class here: "
            f"{shown}{' ...' if len(missing) > 5 else ''}",
        )
    centrality = np.array([lookup[c] for c in munis["code"]], dtype=np.int64)
    residents = population.sum(axis=(1, 2))
    kept = np.isin(centrality, _centrality_classes(cfg))
    parts = []
    for mask in (kept, ~kept):  # the kept set's quotas must not depend on the others
        idx = np.flatnonzero(mask)
        attrs = synthesise_municipal_attributes(
            munis["code"].iloc[idx], centrality[idx], residents[idx]
        )
        attrs.index = idx
        parts.append(attrs)
    attrs = pd.concat(parts).sort_index()
    table = pd.concat(
        [
            pd.DataFrame(
                {"municipality": munis["code"], "name": munis["name"], "centrality": centrality}
            ),
            attrs,
        ],
        axis=1,
    )
    codes = munis["code"].iloc[np.flatnonzero(kept)]
    centres = synthesise_centres(codes, centre_counts(codes, residents[kept]))
    return Region(
        name=SSB_REGION_NAME,
        synthetic=False,
        municipalities=table,
        centres=centres,
        population=population,
    )


def _subset(region: Region, cfg) -> Region:
    munis = region.municipalities
    codes = list(munis["municipality"])
    classes = _centrality_classes(cfg)
    keep = munis["centrality"].isin(classes).to_numpy()
    wanted = _cfg_get(cfg, "municipalities")
    if wanted is not None:
        wanted = [str(c) for c in wanted]
        known = set(codes)
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise ConfigError(
                f"region.municipalities has unknown code(s) {unknown}; valid codes look like "
                f"{', '.join(codes[:5])} ({len(codes)} in {region.name})"
            )
        wrong_class = [c for c in wanted if not keep[codes.index(c)]]
        if wrong_class:
            raise ConfigError(
                f"region.municipalities {wrong_class} are not in centrality classes {classes}"
            )
        keep = keep & munis["municipality"].isin(wanted).to_numpy()
    index = np.flatnonzero(keep)
    max_n = _cfg_get(cfg, "max_municipalities")
    if max_n is not None:
        if int(max_n) < 1:
            raise ConfigError(f"region.max_municipalities must be at least 1, got {max_n}")
        index = index[: int(max_n)]
    if len(index) == 0:
        raise ConfigError(
            f"no municipality of {region.name} is left after region.centrality={classes}, "
            f"region.municipalities={wanted}, region.max_municipalities={max_n}"
        )
    kept = munis.iloc[index].reset_index(drop=True)
    centres = region.centres[region.centres["municipality"].isin(set(kept["municipality"]))]
    centres = centres.reset_index(drop=True).copy()
    centres["centre_id"] = np.arange(len(centres), dtype=np.int64)
    return Region(
        name=region.name,
        synthetic=region.synthetic,
        municipalities=kept,
        centres=centres,
        population=np.ascontiguousarray(region.population[index]),
    )


def load_region(cfg: RegionConfig) -> Region:
    """Load the configured region and keep the configured subset of municipalities."""
    name = _cfg_get(cfg, "name", "district_norway")
    if name == "district_norway":
        return _subset(load_default_region(), cfg)
    if name == "ssb":
        return _subset(_load_ssb_region(cfg), cfg)
    raise ConfigError(f"region.name={name!r} is unknown; expected one of {', '.join(REGION_NAMES)}")
