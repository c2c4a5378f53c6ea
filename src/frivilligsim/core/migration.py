"""Municipality-specific migration: fitted to SSB's own projection, or static.

Owns the two ways a municipality's migration flows are set, and the expected-value
(deterministic) cohort-component projection both rely on:

- :func:`fit_in_migration_levels`: each municipality's yearly number of in-migrants follows a
  straight line in time, ``level(t) = alpha + beta * (t - t0) / (t_last - t0)``, with
  ``alpha`` and ``beta`` solved so that the *expected* population under the main alternative
  equals SSB's projected total for that municipality in both target years (2034 and 2050,
  SSB table 14288, MMMM). The projection is linear in the in-migration levels (every rate is
  per person and does not depend on the population), so the solve is exact: a 2 x 2 system
  per municipality, from three projections in all. Out-migration stays a per-person
  probability (each resident's own keyed draw, as before); only the number of newcomers is
  set per municipality.
- :func:`static_flows`: the no-ageing counterfactual. Per municipality, sex and age, an
  out-migration probability and a number of in-migrants such that, with the 2024 death and
  birth rates held fixed, the expected population stays exactly the 1 January 2024 one.

Must not: draw random numbers (the stochastic kernel is :func:`frivilligsim.core.demography.step_year`),
read files (targets arrive as arrays), or know about the engines.
"""

from __future__ import annotations

import numpy as np

from frivilligsim.core.schema import MAX_AGE, N_AGES
from frivilligsim.errors import ConfigError

MALE_SHARE_AT_BIRTH = 0.513  # SSB births statistics: about 105-106 boys per 100 girls


def expected_projection(population, death, fertility, out_migration, in_migration) -> np.ndarray:
    """Expected residents on 1 January of each year, the same flows as ``step_year``.

    Args:
        population: ``[n_muni, 2, 106]`` residents on 1 January of the first year.
        death: ``[n_years, 2, 106]``; fertility: ``[n_years, 106]``.
        out_migration, in_migration: ``[n_muni or 1, n_years, 2, 106]`` (per-person
            probability; expected number of in-migrants by sex and age on the next 1 January).

    Returns:
        float ``[n_years + 1, n_muni, 2, 106]``.
    """
    n = np.asarray(population, dtype=np.float64).copy()
    n_years = death.shape[0]
    path = np.empty((n_years + 1, *n.shape))
    path[0] = n
    for k in range(n_years):
        births = (n[:, 1, :] * fertility[k]).sum(axis=-1)
        stay = n * (1.0 - death[k]) * (1.0 - out_migration[:, k])
        nxt = np.zeros_like(n)
        nxt[:, :, 1:] = stay[:, :, :-1]
        nxt[:, :, MAX_AGE] += stay[:, :, MAX_AGE]
        nxt[:, 0, 0] += births * MALE_SHARE_AT_BIRTH
        nxt[:, 1, 0] += births * (1.0 - MALE_SHARE_AT_BIRTH)
        nxt += in_migration[:, k]
        path[k + 1] = n = nxt
    return path


def level_path(alpha, beta, n_years: int, horizon: int) -> np.ndarray:
    """Yearly in-migrant levels ``[n_muni, n_years]``: the fitted line, held after ``horizon``."""
    k = np.minimum(np.arange(n_years), horizon) / horizon
    return np.asarray(alpha)[:, None] + np.asarray(beta)[:, None] * k[None, :]


def fit_in_migration_levels(population, targets, death, fertility, out_migration, profile):
    """Per municipality, the line of yearly in-migrant numbers that hits SSB's two totals.

    Args:
        population: ``[n_muni, 2, 106]`` on 1 January of year 0.
        targets: ``{year_offset: [n_muni] persons}`` with exactly two offsets, the later one
            the last year of the rates (``death.shape[0]``).
        death, fertility: the main alternative's rates over the fit horizon.
        out_migration: ``[1 or n_muni, n_years, 2, 106]`` per-person out-migration.
        profile: ``[n_years, 2, 106]`` sex-age shares of one in-migrant (each year sums to 1).

    Returns:
        ``(alpha, beta)``, each ``[n_muni]``. Where the exact line would need a negative number
        of in-migrants (a municipality SSB sees shrinking faster than its own deaths and
        out-migration allow), a constant level fitted to the later target alone, floored at 0.
    """
    (k1, t1), (k2, t2) = sorted(targets.items())
    horizon = death.shape[0]
    if k2 != horizon:
        raise ConfigError(f"the later migration target must be year offset {horizon}, got {k2}")
    population = np.asarray(population, dtype=np.float64)
    n_muni = population.shape[0]

    def totals(start, inflow):
        return expected_projection(start, death, fertility, out_migration, inflow).sum(axis=(2, 3))

    one = np.zeros((1, 2, N_AGES))
    flat = profile[None]
    ramp = profile[None] * (np.arange(horizon) / horizon)[None, :, None, None]
    base = totals(population, np.zeros((1, horizon, 2, N_AGES)))  # no in-migrants
    unit_flat = totals(one, flat)[:, 0]
    unit_ramp = totals(one, ramp)[:, 0]
    system = np.array([[unit_flat[k1], unit_ramp[k1]], [unit_flat[k2], unit_ramp[k2]]])
    rhs = np.stack([np.asarray(t1, float) - base[k1], np.asarray(t2, float) - base[k2]])
    alpha, beta = np.linalg.solve(system, rhs)
    bad = (alpha < 0) | (alpha + beta < 0)
    if bad.any():
        alpha = np.where(
            bad, np.maximum((np.asarray(t2, float) - base[k2]) / unit_flat[k2], 0), alpha
        )
        beta = np.where(bad, 0.0, beta)
    assert alpha.shape == (n_muni,)
    return alpha, beta


def static_flows(population, death, fertility) -> tuple[np.ndarray, np.ndarray]:
    """Out-migration probabilities and in-migrant numbers that keep ``population`` as it is.

    With ``death [2, 106]`` and ``fertility [106]`` held fixed, residents age, die and are born
    as usual; where a cohort would come out larger than the next age's 2024 count, just enough
    of it moves out, and where smaller, just enough of that age move in. Ages 104 and 105 share
    one probability (the open group 105+ is fed by both). Newborns cannot move out in their first
    year, so where births exceed the age-0 count that cell stays at the births.

    Returns:
        ``(out_migration, in_migration)``, each ``[n_muni, 2, 106]``.
    """
    target = np.asarray(population, dtype=np.float64)
    n_muni = target.shape[0]
    out = np.zeros((n_muni, 2, N_AGES))
    inflow = np.zeros((n_muni, 2, N_AGES))
    births = (target[:, 1, :] * fertility).sum(axis=-1)
    for s, share in enumerate((MALE_SHARE_AT_BIRTH, 1.0 - MALE_SHARE_AT_BIRTH)):
        b = births * share
        inflow[:, s, 0] = np.maximum(target[:, s, 0] - b, 0.0)
        stock = target[:, s, :].copy()
        stock[:, 0] = np.maximum(target[:, s, 0], b)
        survive = stock * (1.0 - death[s])
        arriving = survive[:, :-1].copy()  # into ages 1..105
        arriving[:, -1] += survive[:, MAX_AGE]
        want = target[:, s, 1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            leave = np.where(arriving > want, 1.0 - want / arriving, 0.0)
        inflow[:, s, 1:] = np.maximum(want - arriving, 0.0)
        out[:, s, :MAX_AGE] = leave
        out[:, s, MAX_AGE] = leave[:, -1]
    return out, inflow
