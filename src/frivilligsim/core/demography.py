"""Cohort-component demography of individual residents: death, birth, moving out, moving in.

Owns the demography alternatives (config group ``demography``, named as SSB names them:
fertility, life expectancy, internal migration, immigration; plus ``static``, the no-ageing
counterfactual), the yearly rate schedules built from them (:func:`build_rates`), the numba
kernel :func:`step_year` that applies one year of demography to one municipality's residents,
and :func:`project_population`, the demography-only projection used by ``task=projection``,
the calibration, plots and the benchmark.

Must not: hold volunteer behaviour, compact the engine's arrays (the engine owns other
per-resident fields and compacts them itself), or draw random numbers other than through
:mod:`frivilligsim.core.rng` keyed draws.

Resident ids. A resident's id is ``muni_key * 2**32 + serial``. ``muni_key`` is the
municipality's stable integer key from :func:`frivilligsim.core.rng.municipality_keys` (the
digits of its code: ``"1812" -> 1812``, synthetic ``"S017" -> 17``), so ids are unique across
municipalities, and a municipality keeps its draws when other municipalities are added to or
removed from a run. ``serial`` counts up from 0 within the municipality (initial residents in
a block per (sex, age) cell, see ``INITIAL_CELL``; then newborns and in-migrants as they
arrive, from ``FIRST_NEW_SERIAL`` on). A person
who moves from one municipality to another is a new resident with a new id (the model has no
flows between its own municipalities; moves are to and from "the rest of the world").

Timing. Rates are indexed by year offset from ``start_year``. Step ``year`` takes the residents
of 1 January ``year`` to 1 January ``year + 1``: each resident of sex ``s`` aged ``a`` on
1 January dies with probability ``death[s, a]``; a survivor moves out with probability
``out_migration[s, a]`` (the municipality's row); each woman aged 15-49 on 1 January gives
birth with probability ``fertility[a]``; the expected number of in-migrants of sex ``s`` aged
``a`` (their age on 1 January ``year + 1``) is ``in_migration[s, a]`` (the municipality's row:
a number of persons, not a rate per resident). Survivors who stay age by one year (capped at
105, SSB's open group "105 år eller eldre"). Newborns enter at age 0.

Migration is municipality-specific (:mod:`frivilligsim.core.migration`): each municipality's
yearly number of in-migrants is fitted so that the main alternative reproduces SSB's own
projected total for it in 2034 and 2050; the other alternatives keep those numbers and change
fertility, life expectancy and the immigrants among the in-migrants as SSB's letters say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from functools import lru_cache

import numpy as np
import pandas as pd
from numba import njit, prange

from frivilligsim.core import migration, rng
from frivilligsim.core.schema import DEMOGRAPHIES, MAX_AGE, N_AGES
from frivilligsim.errors import ConfigError

ID_SHIFT = 2**32
"""Resident id = muni_key * ID_SHIFT + serial."""
INITIAL_CELL = 2**16
"""Initial residents of one (sex, age) cell get serials (sex * 106 + age) * INITIAL_CELL + k, so
adding or removing one initial resident leaves every other resident's id (and draws) unchanged."""
FIRST_NEW_SERIAL = 2 * N_AGES * INITIAL_CELL
"""Serial of the first newborn or in-migrant of a municipality."""

EXIT_ALIVE = 0
EXIT_DEATH = 1
EXIT_OUT_MIGRATION = 2
GAVE_BIRTH = 4
"""Bit set in ``exit_reason`` by :func:`_mark_exits_and_age` for a mother, cleared by
:func:`_append_births` (so the two passes need no scratch array)."""

FERTILE_MIN_AGE = 15
FERTILE_MAX_AGE = 49
MALE_SHARE_AT_BIRTH = migration.MALE_SHARE_AT_BIRTH
RATE_BASE_YEAR = 2024  # the year the rate schedules describe before any trend
FIT_YEARS = (2034, 2050)  # SSB's projected totals the main alternative's migration is fitted to
"""Years of SSB table 14288 (MMMM) each municipality's in-migration is fitted to."""
# SSB's national path years (Statbank key figures of the 2024 national projections): values are
# given for 2024, 2030 and 2050 and interpolated linearly between them, held after 2050.
PATH_YEARS = (2024, 2030, 2050)
IMMIGRANT_SHARE_OF_IN_MIGRANTS = 0.30  # assumption: immigrants about 3 in 10 in-migrants to
# district municipalities (the rest move from elsewhere in Norway); not from a table we hold
DOMESTIC_MALE_SHARE = 0.50  # assumption: domestic movers about evenly split by sex
IMMIGRANT_MALE_SHARE = 0.55  # assumption: labour immigration to districts tilts male


def _range(lo: float, hi: float, source: str) -> dict:
    return {"range": (lo, hi), "source": source}


# SSB, "Norway's 2024 national population projections" (ssb.no, 5 June 2024), Statbank key
# figures: TFR by alternative, life expectancy at birth (both sexes), net migration.
_SSB_NP2024 = "SSB national population projections 2024 (ssb.no, 5 June 2024)"


@dataclass
class DemographyConfig:
    """One demography alternative (config group ``demography``).

    The name follows SSB's four letters: fertility, life expectancy, internal migration,
    immigration (L low, M medium, H high, 0 none); ``static`` is the no-ageing counterfactual.
    Each field carries its allowed range and source in ``metadata``; ``validate()`` enforces
    the ranges.
    """

    name: str = "MMMM"
    static: bool = field(
        default=False,
        metadata={"source": "true: keep every municipality's 2024 size and age-sex structure"},
    )
    tfr_2024: float = field(default=1.42, metadata=_range(0.8, 2.5, f"{_SSB_NP2024}: TFR 2024"))
    tfr_2030: float = field(default=1.57, metadata=_range(0.8, 2.5, f"{_SSB_NP2024}: TFR 2030"))
    tfr_2050: float = field(default=1.66, metadata=_range(0.8, 2.5, f"{_SSB_NP2024}: TFR 2050"))
    mean_age_at_birth: float = field(
        default=31.0,
        metadata=_range(25.0, 36.0, "unchecked: SSB births, mean age of mothers about 31"),
    )
    life_expectancy_male: float = field(
        default=80.6,
        metadata=_range(
            70.0,
            90.0,
            "SSB: men's e0 81.4 in 2023 (NP2024 article); assumption: ~0.8 less in districts",
        ),
    )
    life_expectancy_female: float = field(
        default=84.0,
        metadata=_range(
            72.0,
            92.0,
            "unchecked: women's e0 about 84.5 in 2023; assumption: ~0.5 less in districts",
        ),
    )
    mortality_improvement: float = field(
        default=0.0185,
        metadata=_range(
            0.0, 0.04, f"calibrated: e0 gain 2024-2050 as {_SSB_NP2024} (L +2.4, M +4.1, H +5.6)"
        ),
    )
    internal_out_scale: float = field(
        default=1.0,
        metadata=_range(0.0, 3.0, "assumption: multiplies the out-migration age schedule"),
    )
    emigration_scale: float = field(
        default=1.0,
        metadata=_range(0.0, 3.0, "assumption: multiplies the emigration age schedule"),
    )
    immigration_2024: float = field(
        default=1.0,
        metadata=_range(0.0, 5.0, f"{_SSB_NP2024}: net migration, this letter / M, 2024"),
    )
    immigration_2030: float = field(
        default=1.0,
        metadata=_range(0.0, 5.0, f"{_SSB_NP2024}: net migration, this letter / M, 2030"),
    )
    immigration_2050: float = field(
        default=1.0,
        metadata=_range(0.0, 5.0, f"{_SSB_NP2024}: net migration, this letter / M, 2050"),
    )

    def validate(self) -> DemographyConfig:
        """Raise :class:`ConfigError` naming the first field outside its range."""
        if self.name not in DEMOGRAPHIES and not str(self.name).startswith("custom"):
            raise ConfigError(
                f"demography.name={self.name!r} is not an alternative; expected one of "
                f"{', '.join(DEMOGRAPHIES)} (or a name starting with 'custom')"
            )
        if not isinstance(self.static, bool):
            raise ConfigError(f"demography.static must be true or false, got {self.static!r}")
        if self.static:
            main = DemographyConfig()
            unused = [n for n in _UNUSED_WHEN_STATIC if getattr(self, n) != getattr(main, n)]
            if unused:
                raise ConfigError(
                    f"demography.{unused[0]} has no effect with demography.static=true (it holds "
                    f"the {RATE_BASE_YEAR} rates and structure); leave it at its default"
                )
        for f in fields(self):
            if "range" not in f.metadata:
                continue
            lo, hi = f.metadata["range"]
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ConfigError(f"demography.{f.name} must be a number, got {value!r}")
            if not lo <= value <= hi:
                raise ConfigError(
                    f"demography.{f.name}={value} is outside its range [{lo}, {hi}] "
                    f"({f.metadata['source']})"
                )
        return self


_UNUSED_WHEN_STATIC = (
    "tfr_2030",
    "tfr_2050",
    "internal_out_scale",
    "emigration_scale",
    "immigration_2024",
    "immigration_2030",
    "immigration_2050",
)


@dataclass(frozen=True)
class DemographyRates:
    """Yearly rate schedules, all float64, indexed by year offset (0 = ``start_year``).

    ``death`` and ``fertility`` are the same everywhere; the migration arrays have one row per
    municipality, in the order of ``codes`` (the region's order, as in the engines' world).
    """

    death: np.ndarray  # [n_years, 2, 106] probability of dying during the year
    fertility: np.ndarray  # [n_years, 106] probability a woman gives birth during the year
    out_migration: np.ndarray  # [n_muni, n_years, 2, 106] probability a survivor moves out
    in_migration: np.ndarray  # [n_muni, n_years, 2, 106] expected in-migrants (persons)
    start_year: int
    codes: tuple = ()  # municipality codes of the migration rows

    @property
    def n_years(self) -> int:
        return self.death.shape[0]

    def offset(self, year: int) -> int:
        """Index of calendar ``year`` in the arrays (raises ConfigError when out of range)."""
        k = int(year) - self.start_year
        if not 0 <= k < self.n_years:
            raise ConfigError(
                f"year {year} is outside the demography rates "
                f"({self.start_year}-{self.start_year + self.n_years - 1})"
            )
        return k

    def migration_for(self, code: str) -> tuple[np.ndarray, np.ndarray]:
        """``(out_migration, in_migration)`` of municipality ``code``, each ``[n_years, 2, 106]``."""
        m = list(self.codes).index(str(code))
        return self.out_migration[m], self.in_migration[m]


# Age schedules ---------------------------------------------------------------------------------

_AGES = np.arange(N_AGES, dtype=np.float64)

# Gompertz-Makeham hazard mu(a) = A + B exp(c a) for a >= 1 (assumption: shape parameters
# typical of Nordic period life tables); B is solved so the table's e0 matches the config.
_MAKEHAM = (0.00035, 0.00015)  # male, female background hazard
_GOMPERTZ_SLOPE = (0.117, 0.13)  # assumption: q(90)/q(70) about 10-14, roughly SSB life tables
# assumption: mortality falls more slowly at the highest ages; the yearly improvement is full
# below 85 and shrinks linearly to 30 % of it at 105
_IMPROVEMENT_WEIGHT = np.clip(1.0 - 0.7 * (_AGES - 85.0) / 20.0, 0.3, 1.0)
_INFANT_Q = (0.0024, 0.0019)  # SSB: infant mortality about 2 per 1000 live births
_MAX_Q = 0.9


def _rogers_castro(a1, alpha1, a2, alpha2, mu2, lambda2, c):
    """Rogers-Castro (1981) model migration schedule over single ages 0..105."""
    x = _AGES
    return (
        a1 * np.exp(-alpha1 * x)
        + a2 * np.exp(-alpha2 * (x - mu2) - np.exp(-lambda2 * (x - mu2)))
        + c
    )


# Probability a resident moves to another Norwegian municipality, by age (assumption:
# Rogers-Castro shape, peak about 0.2 at 21-22 as young people leave district municipalities
# for education and work; about 3.6 % of all residents a year).
INTERNAL_OUT_SCHEDULE = _rogers_castro(0.03, 0.12, 0.30, 0.12, 19.0, 0.55, 0.008)
# Age distribution of domestic in-migrants (sums to 1; assumption: later and flatter peak than
# out-migration, with families with children: returning migrants and newcomers for work).
_in = _rogers_castro(0.06, 0.10, 0.30, 0.085, 22.0, 0.35, 0.01)
INTERNAL_IN_PROFILE = _in / _in.sum()
# Age distribution of immigrants from abroad (sums to 1; assumption: labour immigrants and
# settled refugees, peak in the mid-twenties, some children).
_im = _rogers_castro(0.05, 0.10, 0.35, 0.09, 20.0, 0.40, 0.004)
IMMIGRATION_PROFILE = _im / _im.sum()
# Probability a resident emigrates abroad, by age (assumption: about 0.5 % a year overall,
# mostly earlier immigrants of working age).
EMIGRATION_SCHEDULE = _rogers_castro(0.003, 0.10, 0.03, 0.08, 21.0, 0.4, 0.0012)


def _hazard_to_life_expectancy(q: np.ndarray) -> float:
    """Period life expectancy at birth of a life table with death probabilities q[0..105]."""
    surv = np.empty(N_AGES + 1)
    surv[0] = 1.0
    # surv[a + 1] = surv[a] * (1 - q[a]), multiplied in age order (a running product)
    np.multiply.accumulate(1.0 - q[:N_AGES], out=surv[1:])
    person_years = 0.5 * (surv[:-2] + surv[1:-1]).sum()
    # open group 105+: remaining years ~ 1/hazard
    mu_top = -math.log(1.0 - q[MAX_AGE])
    return float(person_years + surv[MAX_AGE] / mu_top)


def _death_schedule(sex: int, e0: float) -> np.ndarray:
    """Death probabilities by age whose period life expectancy is ``e0`` (a new array)."""
    return _cached_death_schedule(int(sex), float(e0)).copy()


@lru_cache(maxsize=64)
def _cached_death_schedule(sex: int, e0: float) -> np.ndarray:
    A, c = _MAKEHAM[sex], _GOMPERTZ_SLOPE[sex]

    def table(b: float) -> np.ndarray:
        mu = A + b * np.exp(c * _AGES)
        q = 1.0 - np.exp(-mu)
        q[0] = _INFANT_Q[sex]
        return np.minimum(q, _MAX_Q)

    lo, hi = 1e-9, 1e-2
    for _ in range(200):  # bisection on log B: e0 falls as B rises
        mid = math.sqrt(lo * hi)
        if _hazard_to_life_expectancy(table(mid)) > e0:
            lo = mid
        else:
            hi = mid
    return table(math.sqrt(lo * hi))


def fertility_schedule(tfr: float, mean_age: float) -> np.ndarray:
    """Age-specific birth probabilities (ages 15-49) summing to ``tfr``: a gamma shape."""
    sd = 5.6  # assumption: spread of mothers' ages, SSB births about 5-6 years
    shift = FERTILE_MIN_AGE - 0.5
    k = ((mean_age - shift) / sd) ** 2
    theta = sd**2 / (mean_age - shift)
    f = np.zeros(N_AGES)
    ages = np.arange(FERTILE_MIN_AGE, FERTILE_MAX_AGE + 1, dtype=np.float64)
    x = ages + 0.5 - shift
    f[FERTILE_MIN_AGE : FERTILE_MAX_AGE + 1] = x ** (k - 1.0) * np.exp(-x / theta)
    return f / f.sum() * tfr


def life_expectancy(death: np.ndarray) -> np.ndarray:
    """Period life expectancy at birth by sex from death probabilities ``[2, 106]``."""
    return np.array([_hazard_to_life_expectancy(death[s]) for s in range(2)])


def as_demography_config(cfg) -> DemographyConfig:
    """A validated :class:`DemographyConfig` from itself, a mapping or an OmegaConf node."""
    if not isinstance(cfg, DemographyConfig):
        known = {f.name for f in fields(DemographyConfig)}
        try:
            items = dict(cfg.items())
        except AttributeError:
            items = {k: getattr(cfg, k) for k in known if hasattr(cfg, k)}
        unknown = sorted(set(items) - known)
        if unknown:
            raise ConfigError(f"demography has unknown key(s) {unknown}; known: {sorted(known)}")
        cfg = DemographyConfig(**items)
    return cfg.validate()


def _path(values, year: int) -> float:
    """SSB's value for ``year`` from its values at ``PATH_YEARS``, linear between, held outside."""
    return float(np.interp(year, PATH_YEARS, values))


def national_rates(cfg, start_year: int, end_year: int) -> tuple[np.ndarray, np.ndarray]:
    """``(death [n_years, 2, 106], fertility [n_years, 106])`` for ``start_year..end_year``."""
    cfg = as_demography_config(cfg)
    if end_year < start_year:
        raise ConfigError(f"end_year {end_year} is before start_year {start_year}")
    n_years = end_year - start_year + 1
    base = np.stack(
        [
            _death_schedule(0, cfg.life_expectancy_male),
            _death_schedule(1, cfg.life_expectancy_female),
        ]
    )
    # The configured life expectancies are for 2023; the trend runs from there.
    base_year = RATE_BASE_YEAR - 1
    death = np.empty((n_years, 2, N_AGES))
    fertility = np.empty((n_years, N_AGES))
    tfr = (cfg.tfr_2024, cfg.tfr_2030, cfg.tfr_2050)
    for k in range(n_years):
        year = start_year + k
        improve = (1.0 - cfg.mortality_improvement * _IMPROVEMENT_WEIGHT) ** max(
            0, year - base_year
        )
        death[k] = np.minimum(base * improve[None, :], _MAX_Q)
        fertility[k] = fertility_schedule(_path(tfr, year), cfg.mean_age_at_birth)
    return death, fertility


def out_migration_schedule(cfg) -> np.ndarray:
    """Per-person probability of moving out (to Norway or abroad), ``[2, 106]``."""
    cfg = as_demography_config(cfg)
    both = cfg.internal_out_scale * INTERNAL_OUT_SCHEDULE + cfg.emigration_scale * (
        EMIGRATION_SCHEDULE
    )
    return np.minimum(np.stack([both, both]), 0.95)


def in_migrant_profile(cfg, year: int) -> np.ndarray:
    """Sex-age distribution of one main-alternative in-migrant, ``[2, 106]``, the immigrant part
    scaled by this alternative's immigration level in ``year`` (so it sums to 1 under MMMM)."""
    cfg = as_demography_config(cfg)
    levels = (cfg.immigration_2024, cfg.immigration_2030, cfg.immigration_2050)
    imm = IMMIGRANT_SHARE_OF_IN_MIGRANTS * _path(levels, year)
    dom = 1.0 - IMMIGRANT_SHARE_OF_IN_MIGRANTS
    return np.stack(
        [
            dom * DOMESTIC_MALE_SHARE * INTERNAL_IN_PROFILE
            + imm * IMMIGRANT_MALE_SHARE * IMMIGRATION_PROFILE,
            dom * (1.0 - DOMESTIC_MALE_SHARE) * INTERNAL_IN_PROFILE
            + imm * (1.0 - IMMIGRANT_MALE_SHARE) * IMMIGRATION_PROFILE,
        ]
    )


def fitted_in_migration_levels(population, targets, start_year: int) -> tuple:
    """``(alpha, beta, horizon)`` of each municipality's yearly in-migrants under the packaged
    MMMM: the expected MMMM population hits ``targets[:, j]`` on 1 January ``FIT_YEARS[j]``."""
    if start_year >= FIT_YEARS[0]:
        raise ConfigError(
            f"start_year {start_year} is not before {FIT_YEARS[0]}: the migration fit needs the "
            f"population before SSB's first target year"
        )
    targets = np.asarray(targets, dtype=np.float64)
    population = np.asarray(population, dtype=np.float64)
    if targets.shape != (population.shape[0], len(FIT_YEARS)) or not np.isfinite(targets).all():
        raise ConfigError(
            f"SSB targets must be finite, one row per municipality and one column per year "
            f"{FIT_YEARS}; got shape {targets.shape}"
        )
    main = load_demography_config("MMMM")
    horizon = FIT_YEARS[-1] - start_year
    death, fertility = national_rates(main, start_year, FIT_YEARS[-1] - 1)
    out = np.broadcast_to(out_migration_schedule(main), (1, horizon, 2, N_AGES))
    profile = np.stack([in_migrant_profile(main, start_year + k) for k in range(horizon)])
    offsets = {year - start_year: targets[:, j] for j, year in enumerate(FIT_YEARS)}
    alpha, beta = migration.fit_in_migration_levels(
        population, offsets, death, fertility, out, profile
    )
    return alpha, beta, horizon


def build_rates(
    cfg, start_year: int, end_year: int, population, targets=None, codes=()
) -> DemographyRates:
    """Yearly rate schedules for the calendar years ``start_year..end_year`` inclusive.

    Args:
        cfg: a :class:`DemographyConfig`, mapping or OmegaConf node (validated).
        population: ``[n_muni, 2, 106]`` residents on 1 January ``start_year`` (the region's).
        targets: ``[n_muni, 2]`` SSB's projected MMMM totals in ``FIT_YEARS`` (not needed for
            ``static``); :func:`frivilligsim.inputs.projection.projection_targets` gives them.
        codes: the municipality codes of the rows (for :meth:`DemographyRates.migration_for`).
    """
    cfg = as_demography_config(cfg)
    population = np.asarray(population, dtype=np.float64)
    if population.ndim != 3 or population.shape[1:] != (2, N_AGES):
        raise ConfigError(f"population must be [n_muni, 2, {N_AGES}], got {population.shape}")
    n_muni = population.shape[0]
    n_years = end_year - start_year + 1
    if cfg.static:
        death, fertility = national_rates(cfg, start_year, start_year)
        out, inflow = migration.static_flows(population, death[0], fertility[0])
        death = np.repeat(death, n_years, axis=0)
        fertility = np.repeat(fertility, n_years, axis=0)
        out = np.repeat(out[:, None], n_years, axis=1)
        inflow = np.repeat(inflow[:, None], n_years, axis=1)
    else:
        if targets is None:
            raise ConfigError(
                f"demography {cfg.name} needs SSB's projected totals per municipality "
                f"(FIT_YEARS {FIT_YEARS}) to set each municipality's migration"
            )
        death, fertility = national_rates(cfg, start_year, end_year)
        alpha, beta, horizon = fitted_in_migration_levels(population, targets, start_year)
        level = migration.level_path(alpha, beta, n_years, horizon)
        profile = np.stack([in_migrant_profile(cfg, start_year + k) for k in range(n_years)])
        inflow = level[:, :, None, None] * profile[None]
        out = np.repeat(
            np.repeat(out_migration_schedule(cfg)[None, None], n_muni, axis=0), n_years, axis=1
        )
    return DemographyRates(
        death=np.ascontiguousarray(death),
        fertility=np.ascontiguousarray(fertility),
        out_migration=np.ascontiguousarray(out),
        in_migration=np.ascontiguousarray(inflow),
        start_year=int(start_year),
        codes=tuple(str(c) for c in codes),
    )


# Kernels ---------------------------------------------------------------------------------------


@njit(cache=True)
def step_year(
    age,
    sex,
    ids,
    exit_reason,
    n_used,
    next_serial,
    muni_key,
    seed,
    year,
    death,
    fertility,
    out_migration,
    in_migration,
):
    """Apply one year of demography to one municipality's residents, in place.

    Args:
        age, sex, ids, exit_reason: the municipality's resident slice (int16, int8, int64,
            int8 views); capacity is ``len(age)``. On entry slots ``[0, n_used)`` are alive
            (exit_reason 0).
        n_used: number of used slots.
        next_serial: the serial of the next new resident of this municipality.
        muni_key: the municipality's stable key (``region.municipality_keys``); new ids are
            ``muni_key * 2**32 + serial`` and the in-migration draws are keyed by it.
        seed: run seed. year: calendar year of the step (the draws' time key).
        death: ``[2, 106]``; fertility: ``[106]`` - this year's rows of
            :class:`DemographyRates`; out_migration, in_migration: ``[2, 106]`` - this year's
            rows of the municipality's migration (``rates.out_migration[m, k]``): a per-person
            probability of moving out, and the expected number of in-migrants by sex and age.

    Returns:
        ``(n_used_new, next_serial_new, births, deaths, in_migrants, out_migrants)``.
        Residents who died get exit_reason 1 and those who moved out exit_reason 2; they keep
        their slot and their age on 1 January. Survivors age by one year (capped at 105);
        newborns (age 0) and in-migrants are appended at ``[n_used, n_used_new)``. If the
        capacity is too small, returns ``n_used_new = -1`` (the slice is then partly updated
        and must be discarded).
    """
    capacity = age.shape[0]
    n0 = n_used
    deaths, outs = _mark_exits_and_age(
        age, sex, ids, exit_reason, n0, seed, year, death, fertility, out_migration
    )
    births = take_mothers(exit_reason, n0)
    if n0 + births > capacity:
        return -1, next_serial, births, deaths, 0, outs
    serial = append_newborns(
        age, sex, ids, exit_reason, n0, births, next_serial, muni_key, seed, year
    )
    n_new = n0 + births
    n_in = in_migrant_count(in_migration, muni_key, seed, year)
    if n_in > 0 and n_new + n_in > capacity:
        return -1, serial, births, deaths, n_in, outs
    serial = append_in_migrants(
        age, sex, ids, exit_reason, n_new, n_in, serial, muni_key, seed, year, in_migration
    )
    return n_new + n_in, serial, births, deaths, n_in, outs


DRAW_BLOCK = 1024
"""Residents whose keyed draws are made together (vectorised) before they are compared."""


@njit(cache=True)
def keyed_draws(stream, ids, out):
    """``out[j] = rng.draw(stream, ids[j])``: a plain loop LLVM vectorises."""
    for j in range(len(ids)):
        out[j] = rng.draw(stream, ids[j])


@njit(cache=True)
def _mark_exits_and_age(
    age, sex, ids, exit_reason, n0, seed, year, death, fertility, out_migration
):
    """Each resident's death, moving out and giving birth this year; survivors age.

    A block of :data:`DRAW_BLOCK` residents at a time (:func:`mark_exits_block`). Returns
    ``(deaths, out_migrants)``.
    """
    streams = year_streams(seed, year)
    tables = rates_by_cell(death, fertility, out_migration)
    scratch, cell = block_scratch()
    deaths = 0
    outs = 0
    for lo in range(0, n0, DRAW_BLOCK):
        hi = min(n0, lo + DRAW_BLOCK)
        deaths_block, outs_block = mark_exits_block(
            age[lo:hi], sex[lo:hi], ids[lo:hi], exit_reason[lo:hi], streams, tables, scratch, cell
        )
        deaths += deaths_block
        outs += outs_block
    return deaths, outs


@njit(cache=True)
def year_streams(seed, year):
    """The keys of the year's death, moving-out and birth draws."""
    streams = np.empty(3, dtype=np.int64)
    streams[0] = rng.stream_key(seed, year, rng.DEATH)
    streams[1] = rng.stream_key(seed, year, rng.OUT_MIGRATION)
    streams[2] = rng.stream_key(seed, year, rng.BIRTH)
    return streams


@njit(cache=True)
def block_scratch():
    """Working arrays of :func:`mark_exits_block`: six rows of draws and rates, and cells."""
    return np.empty((6, DRAW_BLOCK)), np.empty(DRAW_BLOCK, dtype=np.int32)


@njit(cache=True)
def mark_exits_block(age, sex, ids, exit_reason, streams, tables, scratch, cell):
    """Deaths, moving out and births of one block of residents (slices of at most
    :data:`DRAW_BLOCK`); survivors age. Returns ``(deaths, out_migrants)``.

    Each step is a plain loop the compiler vectorises: the keyed draws (every draw for every
    resident: a draw the rules do not use changes nothing, since each is keyed by (seed,
    resident, year, purpose) alone), each resident's rates looked up by (sex, age) cell, then
    :func:`_mark_block` compares them without branches.
    """
    m = len(age)
    for k in range(3):
        keyed_draws(streams[k], ids, scratch[k])
    _cells(age, sex, cell)
    for k in range(3):
        _look_up(tables[k], cell[:m], scratch[3 + k])
    return _mark_block(
        age, exit_reason, scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], scratch[5]
    )


@njit(cache=True)
def rates_by_cell(death, fertility, out_migration):
    """This year's probabilities by cell ``sex * N_AGES + age``, rows: dying, moving out,
    giving birth (0 outside women of fertile age, so nobody else does: a draw is never below 0)."""
    tables = np.zeros((3, 2 * N_AGES))
    for s in range(2):
        for a in range(N_AGES):
            tables[0, s * N_AGES + a] = death[s, a]
            tables[1, s * N_AGES + a] = out_migration[s, a]
    for a in range(FERTILE_MIN_AGE, FERTILE_MAX_AGE + 1):
        tables[2, N_AGES + a] = fertility[a]  # sex 1: women
    return tables


@njit(cache=True)
def _cells(age, sex, out):
    for j in range(len(age)):
        out[j] = np.int32(sex[j]) * N_AGES + np.int32(age[j])


@njit(cache=True)
def _look_up(table, cell, out):
    for j in range(len(cell)):
        out[j] = table[cell[j]]


@njit(cache=True)
def _mark_block(age, exit_reason, u_death, u_out, u_birth, p_death, p_out, p_birth):
    """Compare one block's draws with its residents' rates: exit codes, mothers marked,
    survivors aged."""
    deaths = 0
    outs = 0
    for j in range(len(age)):
        dies = np.int64(u_death[j] < p_death[j])
        leaves = np.int64(u_out[j] < p_out[j]) * (1 - dies)
        births = np.int64(u_birth[j] < p_birth[j])
        deaths += dies
        outs += leaves
        exit_reason[j] = np.int8(
            dies * EXIT_DEATH + leaves * EXIT_OUT_MIGRATION + births * GAVE_BIRTH
        )
        a = np.int64(age[j])
        age[j] = np.int16(a + (1 - dies - leaves) * np.int64(a < MAX_AGE))
    return deaths, outs


@njit(cache=True)
def take_mothers(exit_reason, n0):
    """Count the mothers :func:`_mark_exits_and_age` marked among ``[0, n0)`` and clear the mark."""
    births = 0
    for i in range(n0):
        gave_birth = exit_reason[i] >= GAVE_BIRTH
        exit_reason[i] -= np.int8(gave_birth * GAVE_BIRTH)
        births += gave_birth
    return births


@njit(cache=True)
def append_newborns(age, sex, ids, exit_reason, at, births, next_serial, muni_key, seed, year):
    """Write ``births`` newborns into slots ``[at, at + births)``, serials from ``next_serial``
    (the mothers' order: each newborn differs from the next only by its serial). Returns the
    next serial. The caller checks the capacity."""
    base_id = np.int64(muni_key) * np.int64(ID_SHIFT)
    sex_key = rng.stream_key(seed, year, rng.BIRTH_SEX)
    for k in range(births):
        child = base_id + next_serial + k
        age[at + k] = 0
        sex[at + k] = 0 if rng.draw(sex_key, child) < MALE_SHARE_AT_BIRTH else 1
        ids[at + k] = child
        exit_reason[at + k] = EXIT_ALIVE
    return next_serial + births


@njit(cache=True)
def in_migrant_count(in_migration, muni_key, seed, year):
    """This year's in-migrants of a municipality: one keyed Poisson draw."""
    total = 0.0
    for a in range(N_AGES):
        total += in_migration[0, a] + in_migration[1, a]
    return rng.poisson(total, seed, muni_key, year, rng.IN_MIGRATION_COUNT)


@njit(cache=True, inline="always")
def first_above(sorted_values, x):
    """The first index whose value exceeds ``x`` (``len`` if none): ``np.searchsorted(...,
    side="right")`` without branches (a fixed number of halvings), for short sorted arrays."""
    lo = 0
    n = len(sorted_values)
    while n > 1:
        half = n // 2
        lo += half * (sorted_values[lo + half - 1] <= x)
        n -= half
    return lo + (n == 1 and sorted_values[lo] <= x)


@njit(cache=True)
def append_in_migrants(
    age, sex, ids, exit_reason, at, n_in, next_serial, muni_key, seed, year, in_migration
):
    """Write ``n_in`` in-migrants into slots ``[at, at + n_in)``: age then sex from the year's
    in-migration profile. Returns the next serial. The caller checks the capacity."""
    base_id = np.int64(muni_key) * np.int64(ID_SHIFT)
    cumulative = np.empty(N_AGES)  # expected in-migrants aged up to a, summed age by age
    male_share = np.empty(N_AGES)
    total = 0.0
    for a in range(N_AGES):
        both = in_migration[0, a] + in_migration[1, a]
        total += both
        cumulative[a] = total
        male_share[a] = in_migration[0, a] / both if both > 0.0 else 0.5
    age_key = rng.stream_key(seed, year, rng.IN_MIGRATION_AGE)
    sex_key = rng.stream_key(seed, year, rng.IN_MIGRATION_SEX)
    serial = next_serial
    for k in range(n_in):
        u = rng.draw(age_key, muni_key, k) * total
        # the first age whose cumulative count exceeds u (the oldest if rounding puts u at the top)
        a_new = min(MAX_AGE, first_above(cumulative, u))
        pid = base_id + serial
        serial += 1
        age[at + k] = a_new
        sex[at + k] = 0 if rng.draw(sex_key, pid) < male_share[a_new] else 1
        ids[at + k] = pid
        exit_reason[at + k] = EXIT_ALIVE
    return serial


@njit(cache=True)
def compact_alive(age, sex, ids, exit_reason, n_used):
    """Move the alive residents (exit_reason 0) to the front, keeping order; return their count."""
    j = 0
    for i in range(n_used):
        if exit_reason[i] == EXIT_ALIVE:
            if j != i:
                age[j] = age[i]
                sex[j] = sex[i]
                ids[j] = ids[i]
                exit_reason[j] = EXIT_ALIVE
            j += 1
    return j


@njit(cache=True)
def _fill_initial(pop_row, muni_key, age, sex, ids, exit_reason):
    n = 0
    base_id = np.int64(muni_key) * np.int64(ID_SHIFT)
    for s in range(2):
        for a in range(pop_row.shape[1]):
            cell = base_id + (s * N_AGES + a) * INITIAL_CELL
            for k in range(pop_row[s, a]):
                age[n] = a
                sex[n] = s
                ids[n] = cell + k
                exit_reason[n] = EXIT_ALIVE
                n += 1
    return n


def initial_residents(
    population_row: np.ndarray, muni_key: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expand counts ``[2, 106]`` into individuals, males then females, age 0 up.

    Returns ``(age int16, sex int8, ids int64)``; ids are ``muni_key * 2**32 + serial`` with
    serials in blocks per (sex, age) cell (``INITIAL_CELL``), so the next serial is
    ``FIRST_NEW_SERIAL``. ``muni_key`` comes from :func:`frivilligsim.core.rng.municipality_keys`.
    """
    row = np.ascontiguousarray(population_row, dtype=np.int64)
    if row.shape != (2, N_AGES) or (row < 0).any():
        raise ValueError(f"population_row must be non-negative [2, {N_AGES}], got {row.shape}")
    if row.max(initial=0) >= INITIAL_CELL:
        raise ValueError(
            f"a municipality has {int(row.max())} residents of one sex and age; at most "
            f"{INITIAL_CELL - 1} are supported (demography.INITIAL_CELL)"
        )
    n = int(row.sum())
    age = np.empty(n, np.int16)
    sex = np.empty(n, np.int8)
    ids = np.empty(n, np.int64)
    exit_reason = np.empty(n, np.int8)
    _fill_initial(row, np.int64(muni_key), age, sex, ids, exit_reason)
    return age, sex, ids


# Stats columns written by the projection kernel
_RESIDENTS, _R70, _R80, _BIRTHS, _DEATHS, _IN, _OUT = range(7)


@njit(cache=True, parallel=True)
def _project_kernel(
    population,
    keys,
    offsets,
    seed,
    start_year,
    rate_offset,
    n_years,
    death,
    fertility,
    out_migration,
    in_migration,
    age,
    sex,
    ids,
    exit_reason,
    stats,
    age_sex,
    status,
):
    n_muni = population.shape[0]
    for m in prange(n_muni):
        lo = offsets[m]
        hi = offsets[m + 1]
        a_m = age[lo:hi]
        s_m = sex[lo:hi]
        i_m = ids[lo:hi]
        e_m = exit_reason[lo:hi]
        n = _fill_initial(population[m], keys[m], a_m, s_m, i_m, e_m)
        serial = FIRST_NEW_SERIAL
        for y in range(n_years):
            r70 = 0
            r80 = 0
            for i in range(n):
                a = a_m[i]
                age_sex[m, y, s_m[i], a] += 1
                if a >= 70:
                    r70 += 1
                    if a >= 80:
                        r80 += 1
            stats[m, y, _RESIDENTS] = n
            stats[m, y, _R70] = r70
            stats[m, y, _R80] = r80
            k = rate_offset + y
            n_new, serial, b, d, mi, mo = step_year(
                a_m,
                s_m,
                i_m,
                e_m,
                n,
                serial,
                keys[m],
                seed,
                start_year + y,
                death[k],
                fertility[k],
                out_migration[m, k],
                in_migration[m, k],
            )
            if n_new < 0:
                status[m] = -1
                break
            stats[m, y, _BIRTHS] = b
            stats[m, y, _DEATHS] = d
            stats[m, y, _IN] = mi
            stats[m, y, _OUT] = mo
            n = compact_alive(a_m, s_m, i_m, e_m, n_new)


def project_population(
    region, rates: DemographyRates, seed: int, start_year: int, end_year: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Project every municipality's residents from 1 January ``start_year`` through ``end_year``.

    The same kernel (:func:`step_year`) and the same rates the engines use. Municipalities run
    in parallel (numba ``prange``); every draw is keyed, so the result does not depend on the
    number of threads.

    Args:
        region: anything with ``population [n_muni, 2, 106]`` and ``municipalities`` (a frame
            with a ``municipality`` column), in the order of the rates' migration rows.

    Returns:
        ``(table, age_sex)``. ``table`` has one row per (year, municipality), years
        ``start_year..end_year``, columns ``year, municipality, residents, residents_70plus,
        residents_80plus`` (on 1 January) and ``births, deaths, in_migrants, out_migrants``
        (during the year), so ``residents[y+1] = residents[y] + births - deaths + in - out``.
        ``age_sex`` is int64 ``[n_muni, n_years, 2, 106]``: residents on 1 January.
    """
    rate_offset = rates.offset(start_year)
    rates.offset(end_year)
    n_years = end_year - start_year + 1
    population = np.ascontiguousarray(region.population, dtype=np.int64)
    n_muni = population.shape[0]
    if rates.out_migration.shape[0] != n_muni:
        raise ConfigError(
            f"the rates have migration for {rates.out_migration.shape[0]} municipalities, "
            f"the region has {n_muni}"
        )
    keys = rng.municipality_keys(region.municipalities["municipality"])
    n0 = population.sum(axis=(1, 2))
    growth = 1.6
    while True:
        caps = (n0 * growth).astype(np.int64) + 256
        offsets = np.zeros(n_muni + 1, np.int64)
        offsets[1:] = np.cumsum(caps)
        total = int(offsets[-1])
        age = np.empty(total, np.int16)
        sex = np.empty(total, np.int8)
        ids = np.empty(total, np.int64)
        exit_reason = np.empty(total, np.int8)
        stats = np.zeros((n_muni, n_years, 7), np.int64)
        age_sex = np.zeros((n_muni, n_years, 2, N_AGES), np.int64)
        status = np.zeros(n_muni, np.int64)
        _project_kernel(
            population,
            keys,
            offsets,
            np.int64(seed),
            np.int64(start_year),
            np.int64(rate_offset),
            np.int64(n_years),
            rates.death,
            rates.fertility,
            rates.out_migration,
            rates.in_migration,
            age,
            sex,
            ids,
            exit_reason,
            stats,
            age_sex,
            status,
        )
        if not (status < 0).any():
            break
        growth *= 2.0  # a municipality outgrew its slice: redo with room (same draws)
    codes = region.municipalities["municipality"].to_numpy()
    years = np.arange(start_year, end_year + 1)
    table = pd.DataFrame(
        {
            "year": np.repeat(years, n_muni),
            "municipality": np.tile(codes, n_years),
            "residents": stats[:, :, _RESIDENTS].T.ravel(),
            "residents_70plus": stats[:, :, _R70].T.ravel(),
            "residents_80plus": stats[:, :, _R80].T.ravel(),
            "births": stats[:, :, _BIRTHS].T.ravel(),
            "deaths": stats[:, :, _DEATHS].T.ravel(),
            "in_migrants": stats[:, :, _IN].T.ravel(),
            "out_migrants": stats[:, :, _OUT].T.ravel(),
        }
    )
    return table, age_sex


def project_region(
    region, rates: DemographyRates, seed: int, start_year: int, end_year: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`project_population` with the age-sex array summed over municipalities
    (``[n_years, 2, 106]``)."""
    table, age_sex = project_population(region, rates, seed, start_year, end_year)
    return table, age_sex.sum(axis=0)


def load_demography_config(name: str) -> DemographyConfig:
    """The packaged alternative ``name`` (conf/demography/<name>.yaml) as a DemographyConfig."""
    from importlib import resources

    import yaml

    if name not in DEMOGRAPHIES:
        raise ConfigError(f"unknown demography {name!r}; expected one of {', '.join(DEMOGRAPHIES)}")
    text = (resources.files("frivilligsim") / "conf" / "demography" / f"{name}.yaml").read_text()
    values = yaml.safe_load(text)
    known = {f.name for f in fields(DemographyConfig)}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"conf/demography/{name}.yaml has unknown keys {sorted(unknown)}")
    return DemographyConfig(**values).validate()
