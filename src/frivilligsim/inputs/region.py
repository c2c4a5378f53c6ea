"""The region a run simulates: municipalities, volunteer centres and residents on 1 January 2024.

Owns the :class:`Region` data structure, the config group ``region`` (:class:`RegionConfig`),
the embedded real region (``data/norway_2024/``: SSB's 357 municipalities of 2024, of which
District Norway is centrality classes 5 and 6), the embedded synthetic region
(``data/synthetic/``, ``region=synthetic``, for tests), the rule that places volunteer centres
on real municipalities (no public list says which municipality has which centre), and the
synthetic municipal and centre attributes (SSB publishes no centre data). Subsetting
(centrality classes, an explicit list, the first N) happens here, in :func:`load_region`.

Must not: read SSB file formats (that is :mod:`frivilligsim.inputs.ssb`), project the population (that
is :mod:`frivilligsim.core.demography`), or draw randomness except through :mod:`frivilligsim.core.rng`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

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

REGION_NAMES = ("district_norway", "norway", "synthetic", "ssb")
SYNTHETIC_REGION_NAME = "synthetic (made-up District Norway, not real municipalities)"
DEFAULT_REGION_NAME = (
    "district_norway (SSB 1 January 2024; centres placed by rule, municipal and centre "
    "attributes synthetic)"
)
NORWAY_REGION_NAME = (
    "norway (SSB 1 January 2024, all 357 municipalities; centres placed by rule, municipal and "
    "centre attributes synthetic)"
)
SSB_REGION_NAME = "ssb (real SSB population; municipal and centre attributes synthetic)"
SSB_ATTRIBUTION = "Statistics Norway (SSB), table 07459 and classification 128, CC BY 4.0"
GEOMETRY_ATTRIBUTION = "© Kartverket (CC BY 4.0)"
PACKAGED_DATA_YEAR = 2024  # the embedded real region's residents are on 1 January 2024
log = logging.getLogger("frivilligsim")
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
# All Norway, August 2024: 532 centres in 333 of the 357 municipalities (L187-188).
NATIONAL_CENTRES = 532
NATIONAL_MUNICIPALITIES_WITH_CENTRE = 333
NATIONAL_MUNICIPALITIES = 357
# Joint centre attributes for real regions: agreement and co-location conditional on ownership
# (order of schema.OWNERSHIP: municipal, voluntary_org, other). The report cross-tabulates
# both against ownership without printing the table (L1597-1600: cooperation agreements
# "særlig høy" for centres owned by voluntary associations, municipal ones often "andre
# samarbeidsformer"; L1937-1940: municipal centres "i mye større grad samlokalisert",
# voluntary-owned ones "i større grad ikke samlokaliserte"). The conditional shares are
# assumptions chosen so the marginals equal AGREEMENT_SHARES and CO_LOCATED_SHARE.
AGREEMENT_GIVEN_OWNERSHIP = {  # cooperation, intent, informal, none
    "municipal": (0.43, 0.07, 0.48, 0.02),
    "voluntary_org": (0.72, 0.07, 0.19, 0.02),
    "other": (0.48, 0.07, 0.43, 0.02),
}
CO_LOCATED_GIVEN_OWNERSHIP = {"municipal": 0.80, "voluntary_org": 0.40, "other": 0.5778}

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
_SUB_REAL_OWNERSHIP = 1000  # real regions' joint centre attributes (clear of _SUB_ROUNDING)
_SUB_REAL_AGREEMENT = 1001
_SUB_REAL_CO_LOCATED = 1002
_SUB_REAL_ROLE = 1003
_SUB_REAL_COMPENSATION = 1004

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
CENTRE_ATTRIBUTES = ("ownership", "role", "agreement", "co_located", "compensation")


@dataclass(frozen=True)
class Region:
    """Municipalities, centres and residents on 1 January 2024.

    Attributes:
        name: e.g. ``"district_norway (SSB 1 January 2024; ...)"``.
        synthetic: True when the residents are synthetic (``region=synthetic``).
        municipalities: one row per municipality in a stable order; columns
            ``MUNICIPALITY_COLUMNS``.
        centres: one row per centre, ``centre_id`` 0..n-1; columns ``CENTRE_COLUMNS`` (real
            regions add ``centre_name``).
        population: int64 ``[n_municipalities, 2 (0 male, 1 female), 106 (age 0..105+)]``.
        data_year: the residents are those on 1 January of this year.
        sources: ``{label: {"path": ..., "sha256": ...}}`` of the files the region was read from.
        attribution: the credit line of the data ("" for the synthetic region).
        notes: what was left out while reading (non-municipal regions, ...), one line each.
    """

    name: str
    synthetic: bool
    municipalities: pd.DataFrame
    centres: pd.DataFrame
    population: np.ndarray
    data_year: int = PACKAGED_DATA_YEAR
    sources: dict = field(default_factory=dict)
    attribution: str = ""
    notes: tuple[str, ...] = ()

    @property
    def n_municipalities(self) -> int:
        return len(self.municipalities)

    @property
    def residents(self) -> int:
        return int(self.population.sum())


@dataclass
class RegionConfig:
    """Config group ``region``: which region to load and which municipalities to keep."""

    name: str = "district_norway"  # district_norway | norway (embedded real) | synthetic | ssb
    population_csv: str | None = None  # SSB Statbank table 07459 export (name=ssb)
    centrality_csv: str | None = None  # SSB Klass 128 centrality export (name=ssb)
    centrality: list[int] = field(default_factory=lambda: [5, 6])  # classes to keep
    max_municipalities: int | None = None  # keep the first N in stable order (smoke tests)
    municipalities: list[str] | None = None  # explicit subset of municipality codes
    centres_csv: str | None = None  # the real list of centres (municipality, centre, ...)
    data_year: int | None = None  # read this year's residents even if it is not start_year


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


# Centres on real municipalities --------------------------------------------------------------


def _rank_largest_first(codes, residents) -> np.ndarray:
    """Indices from the most to the least populous; ties by municipality code."""
    codes = [str(c) for c in codes]
    return np.array(
        sorted(range(len(codes)), key=lambda i: (-int(residents[i]), codes[i])), dtype=np.int64
    )


def place_centres(codes, centrality, residents) -> np.ndarray:
    """Centres per municipality by the documented rule (no public list says which).

    District municipalities (centrality 5 and 6) get the report's counts, 4 with three
    centres, 13 with two, 172 with one and 23 without (L244-247; scaled by largest remainder
    when there are not 212), by population rank: the most populous get the most centres, the
    23 least populous none. The other municipalities (classes 1-4) get the rest of the
    national count, 532 centres in 333 of 357 municipalities (L187-188), that is 322 centres in
    144 of 145 (scaled likewise): the least populous has none, every other has one, and the
    extra 178 go by largest remainder in proportion to residents. Ties go by code.
    """
    codes = [str(c) for c in codes]
    centrality = np.asarray(centrality, dtype=np.int64)
    residents = np.asarray(residents, dtype=np.int64)
    counts = np.zeros(len(codes), np.int64)
    district = np.flatnonzero(np.isin(centrality, (5, 6)))
    if len(district):
        quota = largest_remainder_counts(list(CENTRES_PER_MUNICIPALITY.values()), len(district))
        per = np.repeat(np.array(list(CENTRES_PER_MUNICIPALITY))[::-1], quota[::-1])
        order = district[_rank_largest_first([codes[i] for i in district], residents[district])]
        counts[order] = per
    rest = np.flatnonzero(~np.isin(centrality, (5, 6)))
    if len(rest):
        d_centres = sum(k * v for k, v in CENTRES_PER_MUNICIPALITY.items())  # 210
        d_with = sum(v for k, v in CENTRES_PER_MUNICIPALITY.items() if k > 0)  # 189
        n_rest = NATIONAL_MUNICIPALITIES - sum(N_MUNICIPALITIES.values())  # 145
        with_rest = NATIONAL_MUNICIPALITIES_WITH_CENTRE - d_with  # 144
        centres_rest = NATIONAL_CENTRES - d_centres  # 322
        n_with = int(largest_remainder_counts([with_rest, n_rest - with_rest], len(rest))[0])
        n_extra = int(round((centres_rest - with_rest) * len(rest) / n_rest))
        order = rest[_rank_largest_first([codes[i] for i in rest], residents[rest])]
        has = order[:n_with]
        counts[has] = 1
        if n_with and n_extra:
            counts[has] += largest_remainder_counts(residents[has].astype(np.float64), n_extra)
    return counts


def _truthy(path, value: str, lineno: int) -> bool | None:
    text = value.strip().lower()
    if text == "":
        return None
    if text in ("true", "yes", "ja", "1"):
        return True
    if text in ("false", "no", "nei", "0"):
        return False
    raise DataFileError(path, f"co_located {value!r} is not true or false", lineno)


def read_centres_csv(path, codes) -> pd.DataFrame:
    """The real list of centres (``region.centres_csv``).

    A CSV (``,`` or ``;``, UTF-8 or Windows-1252) with a header and one row per centre:
    ``municipality`` (4-digit kommunenummer) and ``centre`` (its name) are required;
    ``ownership``, ``role``, ``agreement``, ``co_located``, ``compensation`` are optional,
    and an empty cell means "not known" (drawn by the rule of :func:`assign_centre_attributes`).
    Returns columns ``municipality``, ``centre_name`` and the attributes (None where unknown).
    """
    from frivilligsim.inputs.ssb import _fields, _lines, _read_text, _sniff_delimiter

    text = _read_text(path)
    lines = [(n, line) for n, line in _lines(text) if line.strip() and not line.startswith("#")]
    if not lines:
        raise DataFileError(path, "no header line")
    header_no, header_line = lines[0]
    delim = _sniff_delimiter(header_line)
    header = [h.lower() for h in _fields(header_line, delim)]
    for required in ("municipality", "centre"):
        if required not in header:
            raise DataFileError(
                path,
                f"missing column {required!r}; expected municipality,centre[,ownership,role,"
                f"agreement,co_located,compensation], the header has {header}",
                header_no,
            )
    allowed = {
        "ownership": schema_values("OWNERSHIP"),
        "role": schema_values("ROLE"),
        "agreement": schema_values("AGREEMENT"),
        "compensation": schema_values("COMPENSATION"),
    }
    known = {str(c) for c in codes}
    rows = []
    for lineno, line in lines[1:]:
        f = _fields(line, delim)
        if len(f) != len(header):
            raise DataFileError(
                path, f"expected {len(header)} fields like the header, found {len(f)}", lineno
            )
        cell = dict(zip(header, f, strict=True))
        code = cell["municipality"].removeprefix("K-")
        code = code.zfill(4) if code.isdigit() and len(code) == 3 else code
        if code not in known:
            raise DataFileError(
                path, f"municipality {cell['municipality']!r} is not in the region", lineno
            )
        row = {"municipality": code, "centre_name": cell["centre"] or f"centre in {code}"}
        for column, values in allowed.items():
            value = cell.get(column, "").strip()
            if value and value not in values:
                raise DataFileError(
                    path, f"{column} {value!r} is not one of {', '.join(values)}", lineno
                )
            row[column] = value or None
        row["co_located"] = _truthy(path, cell.get("co_located", ""), lineno)
        rows.append(row)
    if not rows:
        raise DataFileError(path, "no centre rows after the header")
    return pd.DataFrame(rows)


def schema_values(name: str) -> tuple[str, ...]:
    from frivilligsim.core import schema

    return tuple(getattr(schema, name))


def _fill_by_quota(values: list, entities: list, idx: list[int], categories, shares, sub: int):
    """Fill ``values[i]`` for ``i in idx`` by exact quota of ``shares`` in a keyed order."""
    if not idx:
        return
    drawn = _assign_by_quota([entities[i] for i in idx], categories, shares, sub)
    for i, v in zip(idx, drawn, strict=True):
        values[i] = v


def assign_centre_attributes(centres: pd.DataFrame) -> pd.DataFrame:
    """Fill a real region's unknown centre attributes, ownership first, then jointly.

    ``centres`` has ``municipality`` and any of ``CENTRE_ATTRIBUTES`` (None = unknown) in
    region order. Ownership is assigned by exact quota (L1093-1094); agreement and co-location
    by exact quota within each ownership group, from AGREEMENT_GIVEN_OWNERSHIP and
    CO_LOCATED_GIVEN_OWNERSHIP (the report's cross-tabulations, L1597-1600, L1937-1940); role
    and compensation by exact quota (L1262-1266, L1687-1690). Each quota is placed in a keyed
    random order (seed BUILD_SEED), keyed by municipality and the centre's position in it.
    """
    centres = centres.reset_index(drop=True).copy()
    for column in CENTRE_ATTRIBUTES:
        if column not in centres:
            centres[column] = None
    position = centres.groupby("municipality", sort=False).cumcount().to_numpy()
    entities = [
        municipality_key(c) * 64 + int(j)
        for c, j in zip(centres["municipality"], position, strict=True)
    ]
    col = {
        c: list(centres[c].astype(object).where(centres[c].notna(), None))
        for c in CENTRE_ATTRIBUTES
    }
    missing = {c: [i for i, v in enumerate(col[c]) if v is None] for c in CENTRE_ATTRIBUTES}
    own = col["ownership"]
    _fill_by_quota(
        own, entities, missing["ownership"], OWNERSHIP, OWNERSHIP_SHARES, _SUB_REAL_OWNERSHIP
    )
    for o in OWNERSHIP:
        group_agree = [i for i in missing["agreement"] if own[i] == o]
        _fill_by_quota(
            col["agreement"],
            entities,
            group_agree,
            AGREEMENT,
            AGREEMENT_GIVEN_OWNERSHIP[o],
            _SUB_REAL_AGREEMENT,
        )
        share = CO_LOCATED_GIVEN_OWNERSHIP[o]
        group_co = [i for i in missing["co_located"] if own[i] == o]
        _fill_by_quota(
            col["co_located"],
            entities,
            group_co,
            (True, False),
            (share, 1 - share),
            _SUB_REAL_CO_LOCATED,
        )
    _fill_by_quota(col["role"], entities, missing["role"], ROLE, ROLE_SHARES, _SUB_REAL_ROLE)
    _fill_by_quota(
        col["compensation"],
        entities,
        missing["compensation"],
        COMPENSATION,
        COMPENSATION_SHARES,
        _SUB_REAL_COMPENSATION,
    )
    out = pd.DataFrame(
        {
            "centre_id": np.arange(len(centres), dtype=np.int64),
            "municipality": centres["municipality"].astype(str).astype(object),
            "ownership": pd.Series(col["ownership"], dtype=object).astype(str),
            "role": pd.Series(col["role"], dtype=object).astype(str),
            "agreement": pd.Series(col["agreement"], dtype=object).astype(str),
            "co_located": pd.Series(col["co_located"], dtype=object).astype(bool),
            "compensation": pd.Series(col["compensation"], dtype=object).astype(str),
        }
    )
    if "centre_name" in centres:
        out["centre_name"] = centres["centre_name"].astype(str).to_numpy()
    return out


def real_centres(codes, names, centrality, residents, centres_csv=None) -> pd.DataFrame:
    """The centres of a real region: placed by :func:`place_centres`, or read from
    ``centres_csv``; attributes by :func:`assign_centre_attributes`.

    District municipalities and the others are filled separately, so a district centre has
    the same attributes in ``region=district_norway`` and ``region=norway``.
    """
    codes = [str(c) for c in codes]
    if centres_csv:
        listed = read_centres_csv(centres_csv, codes)
        order = {c: i for i, c in enumerate(codes)}
        listed = listed.iloc[
            sorted(range(len(listed)), key=lambda i: (order[listed["municipality"].iloc[i]], i))
        ].reset_index(drop=True)
    else:
        counts = place_centres(codes, centrality, residents)
        rows = []
        for code, name, k in zip(codes, names, counts, strict=True):
            for j in range(int(k)):
                label = f"{name} frivilligsentral" + (f" {j + 1}" if k > 1 else "")
                rows.append({"municipality": code, "centre_name": label + " (placed by rule)"})
        listed = pd.DataFrame(rows, columns=["municipality", "centre_name"])
    klass = dict(zip(codes, np.asarray(centrality, dtype=np.int64), strict=True))
    is_district = listed["municipality"].map(lambda c: klass[c] in (5, 6)).to_numpy(bool)
    parts = []
    for mask in (is_district, ~is_district):
        if mask.any():
            part = assign_centre_attributes(listed[mask])
            part.index = np.flatnonzero(mask)
            parts.append(part)
    if not parts:
        return assign_centre_attributes(listed)
    out = pd.concat(parts).sort_index().reset_index(drop=True)
    out["centre_id"] = np.arange(len(out), dtype=np.int64)
    return out


def _municipal_attributes_by_group(codes, centrality, residents) -> pd.DataFrame:
    """Synthetic municipal attributes made over district municipalities (classes 5-6) and the
    others separately, so District Norway's quotas do not depend on the rest of the country."""
    centrality = np.asarray(centrality, dtype=np.int64)
    codes = pd.Series([str(c) for c in codes])
    residents = np.asarray(residents)
    district = np.isin(centrality, (5, 6))
    parts = []
    for mask in (district, ~district):
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            continue
        attrs = synthesise_municipal_attributes(codes.iloc[idx], centrality[idx], residents[idx])
        attrs.index = idx
        parts.append(attrs)
    return pd.concat(parts).sort_index()


def build_real_region(
    name, codes, names, centrality, population, centres_csv=None, **extra
) -> Region:
    """A region of real municipalities: SSB codes, names, classes and residents, centres by
    :func:`real_centres`, municipal attributes by :func:`synthesise_municipal_attributes`."""
    codes = [str(c) for c in codes]
    centrality = np.asarray(centrality, dtype=np.int64)
    residents = population.sum(axis=(1, 2))
    table = pd.concat(
        [
            pd.DataFrame({"municipality": codes, "name": list(names), "centrality": centrality}),
            _municipal_attributes_by_group(codes, centrality, residents),
        ],
        axis=1,
    )
    centres = real_centres(codes, names, centrality, residents, centres_csv)
    return Region(
        name=name,
        synthetic=False,
        municipalities=table,
        centres=centres,
        population=population,
        **extra,
    )


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _file_source(path) -> dict:
    p = Path(path)
    return {"path": str(p), "sha256": _sha256(p.read_bytes())}


# The embedded real region -----------------------------------------------------------------------

_REAL = ("data", "norway_2024")


def _real_file(name: str):
    return resources.files("frivilligsim").joinpath(*_REAL, name)


def _read_real(name: str, dtype=None) -> tuple[pd.DataFrame, bytes]:
    path = _real_file(name)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise DataFileError(
            path, "embedded region file is missing; reinstall frivilligsim"
        ) from exc
    text = gzip.decompress(raw) if name.endswith(".gz") else raw
    try:
        return pd.read_csv(io.BytesIO(text), comment="#", dtype=dtype), raw
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataFileError(path, f"cannot parse embedded region file: {exc}") from exc


def load_real_population() -> tuple[pd.DataFrame, np.ndarray, dict]:
    """The embedded SSB data: 357 municipalities (code, name, centrality class and index), their
    residents ``[357, 2, 106]`` on 1 January 2024, and the files' sha256 sums."""
    munis, raw_m = _read_real("municipalities.csv", dtype={"municipality": str, "name": str})
    pop, raw_p = _read_real("population.csv.gz", dtype={"municipality": str})
    age_cols = [f"a{a:03d}" for a in range(N_AGES)]
    for df, name, cols in (
        (munis, "municipalities.csv", ["municipality", "name", "centrality"]),
        (pop, "population.csv.gz", ["municipality", "sex", *age_cols]),
    ):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise DataFileError(_real_file(name), f"missing column(s) {missing}")
    index = {code: i for i, code in enumerate(munis["municipality"])}
    population = np.zeros((len(munis), 2, N_AGES), np.int64)
    rows = pop["municipality"].map(index)
    if rows.isna().any() or len(pop) != 2 * len(munis):
        raise DataFileError(_real_file("population.csv.gz"), "municipalities do not match")
    population[rows.to_numpy(int), pop["sex"].to_numpy(int)] = pop[age_cols].to_numpy(np.int64)
    sources = {
        f"embedded {n}": {"path": f"frivilligsim/{'/'.join(_REAL)}/{n}", "sha256": _sha256(r)}
        for n, r in (("municipalities.csv", raw_m), ("population.csv.gz", raw_p))
    }
    return munis.reset_index(drop=True), population, sources


def load_projection() -> pd.DataFrame:
    """SSB's projected residents per municipality (MMMM, table 14288): columns
    ``municipality``, ``persons_2034``, ``persons_2050``; all 357 municipalities of 2024."""
    return _read_real("projection_mmmm.csv", dtype={"municipality": str})[0]


def load_geometry(codes=None) -> dict[str, list[list[np.ndarray]]]:
    """Municipality boundaries in EPSG:25833 (metres), keyed by kommunenummer.

    Each value is a list of polygons; a polygon is a list of rings (outer ring first, then
    holes), each an ``(n, 2)`` float64 array of x (east) and y (north). ``codes=None`` gives
    all 357. Credit on every map: "© Kartverket (CC BY 4.0)". An unknown code is a ConfigError.
    """
    import json

    raw = _real_file("geometry.json.gz").read_bytes()
    data = json.loads(gzip.decompress(raw))["municipalities"]
    wanted = list(data) if codes is None else [str(c) for c in codes]
    unknown = [c for c in wanted if c not in data]
    if unknown:
        raise ConfigError(f"no boundary for municipality code(s) {unknown}")
    return {
        c: [
            [np.asarray(ring, dtype=np.float64).reshape(-1, 2) for ring in polygon]
            for polygon in data[c]["polygons"]
        ]
        for c in wanted
    }


def load_real_region(cfg=None) -> Region:
    """The embedded real region: all 357 municipalities of 2024 (subset by :func:`load_region`)."""
    munis, population, sources = load_real_population()
    centres_csv = _cfg_get(cfg, "centres_csv") if cfg is not None else None
    if centres_csv:
        sources["centres_csv"] = _file_source(centres_csv)
    name = _cfg_get(cfg, "name", "district_norway") if cfg is not None else "district_norway"
    return build_real_region(
        NORWAY_REGION_NAME if name == "norway" else DEFAULT_REGION_NAME,
        munis["municipality"],
        munis["name"],
        munis["centrality"],
        population,
        centres_csv=centres_csv,
        data_year=PACKAGED_DATA_YEAR,
        sources=sources,
        attribution=SSB_ATTRIBUTION,
    )


# The embedded synthetic region (region=synthetic) ----------------------------------------------

_DATA = ("data", "synthetic")


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


def load_synthetic_region() -> Region:
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
        name=SYNTHETIC_REGION_NAME,
        synthetic=True,
        municipalities=munis,
        centres=centres,
        population=population,
        data_year=PACKAGED_DATA_YEAR,
        sources={"embedded synthetic region": {"path": "frivilligsim/data/synthetic"}},
    )


def load_default_region() -> Region:
    """The default region, ``region=district_norway``: District Norway's 212 real municipalities
    (SSB centrality classes 5 and 6), residents on 1 January 2024."""
    return _subset(load_real_region(), RegionConfig())


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


def _load_ssb_region(cfg, start_year: int | None = None) -> Region:
    """Real SSB municipalities from the user's files, centres and attributes as the embedded
    real region makes them (so the same files give the same region).

    The year read is ``region.data_year`` if set, else ``start_year`` (if given), else the
    file's latest; a file without ``start_year`` is an error naming both years unless
    ``region.data_year`` says which year to use.
    """
    from frivilligsim.inputs.ssb import read_centrality_klass128, read_population

    pop_csv = _cfg_get(cfg, "population_csv")
    cen_csv = _cfg_get(cfg, "centrality_csv")
    if not pop_csv or not cen_csv:
        raise ConfigError(
            "region=ssb needs region.population_csv (Statbank table 07459 CSV) and "
            "region.centrality_csv (Klass 128 CSV); got "
            f"population_csv={pop_csv!r}, centrality_csv={cen_csv!r}"
        )
    data_year = _cfg_get(cfg, "data_year")
    found = read_population(pop_csv, int(data_year) if data_year is not None else None)
    if data_year is None and start_year is not None and found.year != start_year:
        if start_year in found.years:
            found = read_population(pop_csv, int(start_year))
        else:
            raise DataFileError(
                pop_csv,
                f"the file holds residents on 1 January {found.year} (years in the file: "
                f"{', '.join(map(str, found.years))}), but start_year={start_year}; export "
                f"{start_year} from table 07459, or set region.data_year={found.year} to start "
                f"from the {found.year} figures on purpose",
            )
    notes = []
    if found.skipped:
        notes.append(
            f"{pop_csv}: skipped {len(found.skipped)} non-municipal region(s): "
            + ", ".join(found.skipped)
        )
    if found.ended:
        notes.append(
            f"{pop_csv}: skipped {len(found.ended)} municipality(ies) that no longer exist: "
            + ", ".join(found.ended)
        )
    for note in notes:
        log.warning("%s", note)
    munis, population = found.municipalities, found.population
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
    sources = {"population_csv": _file_source(pop_csv), "centrality_csv": _file_source(cen_csv)}
    centres_csv = _cfg_get(cfg, "centres_csv")
    if centres_csv:
        sources["centres_csv"] = _file_source(centres_csv)
    return build_real_region(
        SSB_REGION_NAME,
        munis["code"],
        munis["name"],
        centrality,
        population,
        centres_csv=centres_csv,
        data_year=found.year,
        sources=sources,
        attribution=SSB_ATTRIBUTION,
        notes=tuple(notes),
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
        in_classes = [c for c, k in zip(codes, keep, strict=True) if k]
        if unknown:
            raise ConfigError(
                f"region.municipalities has unknown code(s) {unknown}; valid codes look like "
                f"{', '.join(in_classes[:5])} ({len(in_classes)} in {region.name})"
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
    return replace(
        region,
        municipalities=kept,
        centres=centres,
        population=np.ascontiguousarray(region.population[index]),
    )


def _check_packaged_year(name: str, cfg, start_year: int | None) -> None:
    data_year = _cfg_get(cfg, "data_year")
    if data_year is not None and int(data_year) != PACKAGED_DATA_YEAR:
        raise ConfigError(
            f"region.data_year={data_year}: the embedded region {name} holds residents on "
            f"1 January {PACKAGED_DATA_YEAR} only; use region=ssb with a table 07459 export "
            f"for {data_year}"
        )
    if data_year is None and start_year is not None and start_year != PACKAGED_DATA_YEAR:
        raise ConfigError(
            f"start_year={start_year}, but the embedded region {name} holds residents on "
            f"1 January {PACKAGED_DATA_YEAR}; set start_year={PACKAGED_DATA_YEAR}, or "
            f"region.data_year={PACKAGED_DATA_YEAR} to start from them on purpose"
        )


def load_region(cfg: RegionConfig, start_year: int | None = None) -> Region:
    """Load the configured region and keep the configured subset of municipalities.

    ``start_year`` (the run's first year), when given, is checked against the year of the
    residents (see ``region.data_year``).
    """
    name = _cfg_get(cfg, "name", "district_norway")
    if name in ("district_norway", "norway"):
        _check_packaged_year(name, cfg, start_year)
        return _subset(load_real_region(cfg), cfg)
    if name == "synthetic":
        _check_packaged_year(name, cfg, start_year)
        if _cfg_get(cfg, "centres_csv"):
            raise ConfigError("region.centres_csv needs real municipalities, not region=synthetic")
        return _subset(load_synthetic_region(), cfg)
    if name == "ssb":
        return _subset(_load_ssb_region(cfg, start_year), cfg)
    raise ConfigError(f"region.name={name!r} is unknown; expected one of {', '.join(REGION_NAMES)}")
