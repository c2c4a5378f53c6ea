"""The fast engine's January in one pass gives what the steps one by one give (issue 17).

The Mesa model runs the January as separate steps (``recruitment_pool.close_year``,
``demography.step_year``, dropping those who left, ``recruitment_pool.open_year``); the fast
engine does all of them in one pass over the residents (``fast._demography``) and, at the
spin-up's end, closes and opens the pool's year in one pass (``recruitment_pool.turn_year``).
Here both are run on the same state, a real municipality three years into a run, and every
array they leave must be equal. The docking tests compare the two engines' whole runs as well.
The spin-up's other Januaries leave the pool's year running; the last test checks that this
joins the same residents in the same months as turning it each January.
"""

from __future__ import annotations

import numpy as np
import pytest

from frivilligsim.core import demography
from frivilligsim.engines import fast
from frivilligsim.engines import recruitment_pool as rp
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import prepare

VOLUNTEER_FIELDS = ("centre", "motivation", "hours", "tenure", "area", "tolerant")


@pytest.fixture(scope="module")
def setup():
    return prepare(validate(load_config(["region=synthetic", "policy=cocreation"])))


def _state_before(setup, m: int, seed: int, month: int):
    """Municipality ``m`` run from the spin-up's start to just before ``month``."""
    world = setup.world
    p = np.asarray([setup.params], dtype=setup.params.dtype).view(np.recarray)[0]
    spinup = 12 * int(setup.params["spinup_years"])
    run = fast.Run(seed, setup.n_months, setup.start_month, setup.rates.start_year, True, spinup)
    rates = fast.Rates(
        setup.rates.death.copy(),
        setup.rates.fertility.copy(),
        setup.rates.out_migration[m].copy(),
        setup.rates.in_migration[m].copy(),
    )
    arrays = fast.WorldArrays(*(getattr(world, name) for name in fast.WorldArrays._fields))
    place, res, cen = fast._new_state(arrays, m, p)
    years = (spinup + setup.n_months) // 12
    out = np.zeros((years, fast.L.N_OUT))
    pyramid = np.zeros((years, 2, setup.rates.death.shape[-1]), dtype=np.int32)
    err = np.zeros(3, dtype=np.int64)
    levers = np.asarray(setup.lever_base).view(np.recarray)
    policy = np.asarray(setup.lever_policy).view(np.recarray)
    ok = fast._run_months(
        run, rates, place, res, cen, levers[m], policy[m], p, out, pyramid, err, -spinup, month
    )
    assert ok, err
    return run, rates, place, res, out, pyramid, err


def _one_by_one(run, rates, place, res, month, pyramid):
    """The January as the Mesa model takes it, step by step, on numpy arrays."""
    pool = fast._pool(res, place)
    n0 = int(place.count[fast.RESIDENT_COUNT])
    rp.close_year(pool, res.age, n0)
    step = month // 12 - 1
    n_new, serial, births, deaths, n_in, n_out = demography.step_year(
        res.age, res.sex, res.ids, res.exit_reason, n0, place.count[fast.NEXT_SERIAL],
        place.key, run.seed, run.start_year + step, rates.death[step], rates.fertility[step],
        rates.out_migration[step], rates.in_migration[step],
    )  # fmt: skip
    assert n_new > 0
    res.status[n0:n_new] = rp.IN_POOL
    res.threshold[n0:n_new] = np.nan
    keep = res.exit_reason[:n_new] == 0
    n = int(keep.sum())
    for name in ("age", "sex", "ids", "status", "threshold", "exit_reason", *VOLUNTEER_FIELDS):
        array = getattr(res, name)
        array[:n] = array[:n_new][keep]
    rp.open_year(pool, run.seed, res.ids, res.age, n, month)
    hist = np.zeros_like(pyramid[0])
    np.add.at(hist, (res.sex[:n], res.age[:n]), 1)
    volunteers = np.flatnonzero(res.status[:n] == rp.VOLUNTEER)
    return n, serial, (births, deaths, n_in, n_out), hist, volunteers


@pytest.mark.parametrize("m, seed", [(0, 1), (3, 7), (11, 2), (17, 5)])  # 11: no centre; 17: 3
def test_one_pass_january_equals_the_steps_one_by_one(setup, m, seed):
    month = 36  # January 2027: three demography steps in
    run, rates, place, res, out, pyramid, err = _state_before(setup, m, seed, month)
    place_b, res_b = fast._copy_place(place), fast._copy_residents(res)
    year = fast._row(run, month)

    assert fast._demography(run, rates, place, res, month, out, pyramid, err), err
    n, serial, counts, hist, volunteers = _one_by_one(run, rates, place_b, res_b, month, pyramid)

    assert place.count[fast.RESIDENT_COUNT] == n
    assert place.count[fast.NEXT_SERIAL] == serial
    assert tuple(out[year, [fast.L.BIRTHS, fast.L.DEATHS, fast.L.IN_MIG, fast.L.OUT_MIG]]) == counts
    assert counts[0] > 0 and counts[1] > 0 and counts[2] > 0 and counts[3] > 0
    for name in ("age", "sex", "ids", "status", "exit_reason"):
        assert np.array_equal(getattr(res, name)[:n], getattr(res_b, name)[:n]), name
    assert np.array_equal(res.threshold[:n], res_b.threshold[:n], equal_nan=True)
    assert np.array_equal(pyramid[year], hist)
    nv = place.count[fast.VOLUNTEER_COUNT]
    has_centre = setup.world.centre_start[m + 1] > setup.world.centre_start[m]
    assert np.array_equal(res.volunteers[:nv], volunteers) and (nv > 0) == has_centre
    for name in VOLUNTEER_FIELDS:
        assert np.array_equal(getattr(res, name)[volunteers], getattr(res_b, name)[volunteers])
    k = place.pool_count[rp.N_CANDIDATES]
    assert k == place_b.pool_count[rp.N_CANDIDATES] and (k > 0) == has_centre
    assert np.array_equal(res.candidates[:k], res_b.candidates[:k])
    for name in ("pool_hazard", "pool_bound", "pool_head", "pool_end", "pool_count"):
        assert np.array_equal(getattr(place, name), getattr(place_b, name)), name


@pytest.mark.parametrize("selections", [0, 1])
def test_turn_year_is_close_year_then_open_year(selections):
    rng = np.random.default_rng(selections)
    n = 5_000
    age = rng.integers(0, 100, n).astype(np.int16)
    ids = np.arange(n, dtype=np.int64) + 10**9
    pools = [rp.new_pool(n), rp.new_pool(n)]
    status = rng.choice([rp.IN_POOL, rp.VOLUNTEER, rp.REENTERED], n, p=[0.9, 0.05, 0.05])
    threshold = np.where((age >= 13) & (rng.random(n) < 0.95), rng.exponential(size=n), np.nan)
    for pool in pools:
        pool.status[:] = status
        pool.threshold[:] = threshold
        pool.year_hazard[:] = [0.01, 0.02, 0.015, 0.005]
        pool.last_hazard[:] = [0.001, 0.002, 0.0015, 0.0005]
        pool.count[rp.SELECTIONS] = selections
    rp.close_year(pools[0], age, n)
    rp.open_year(pools[0], 11, ids, age, n, 24)
    rp.turn_year(pools[1], 11, ids, age, n, 24)
    a, b = pools
    assert np.array_equal(a.status, b.status)
    assert np.array_equal(a.threshold, b.threshold, equal_nan=True)
    assert np.isnan(threshold).sum() > np.isnan(b.threshold).sum()  # some drew a threshold
    k = a.count[rp.N_CANDIDATES]
    assert k == b.count[rp.N_CANDIDATES] and (k > 0) == (selections > 0)
    assert np.array_equal(a.candidates[:k], b.candidates[:k])
    for name in ("year_hazard", "bound", "head", "end", "count"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_first_above_is_searchsorted_right():
    rng = np.random.default_rng(0)
    for n in [*range(1, 12), 106, 128]:
        for _ in range(50):
            values = np.cumsum(rng.integers(0, 3, n).astype(float))  # ties and flat runs
            xs = np.concatenate([values, values - 0.5, values + 0.5, [-1e9, 1e9]])
            found = [demography.first_above(values, x) for x in xs]
            assert found == list(np.searchsorted(values, xs, side="right")), (n, values)


def _spinup_joins(turn_each_january: bool, years: int = 4, n: int = 20_000):
    """Joiners month by month through a spin-up (ages frozen), then the start year's January."""
    rng = np.random.default_rng(5)
    age = rng.integers(0, 100, n).astype(np.int16)
    ids = np.arange(n, dtype=np.int64) + 10**9
    pool = rp.new_pool(n)
    pool.status[:] = np.where((age >= 13) & (rng.random(n) < 0.05), rp.VOLUNTEER, rp.IN_POOL)
    first = -12 * years
    rp.open_year(pool, 11, ids, age, n, first)
    joined, out = [], np.empty(n, dtype=np.int32)
    for month in range(first, 0):
        if month % 12 == 0 and month > first and turn_each_january:
            rp.turn_year(pool, 11, ids, age, n, month)
        month_rng = np.random.default_rng(month + 1000)  # the same hazards and quits in both
        hazard = month_rng.uniform(0.0005, 0.01, 4)
        quits = np.flatnonzero((pool.status == rp.VOLUNTEER) & (month_rng.random(n) < 0.03))
        k = rp.joiners(pool, age, n, hazard, out)
        pool.status[out[:k]] = rp.VOLUNTEER
        joined.append(out[:k].copy())
        for i in quits:
            rp.reenter(pool, 11, ids[i], i, age, month)
    rp.turn_year(pool, 11, ids, age, n, 0)  # January of the start year
    return joined, pool


def test_the_spin_up_pool_year_running_joins_whom_turning_each_january_joins():
    """The spin-up's Januaries leave the pool alone (recruitment_pool's docstring): the same
    residents join in the same months as when each January closes and opens the pool's year,
    and the start year begins from the same pool up to rounding."""
    joined_a, a = _spinup_joins(turn_each_january=True)
    joined_b, b = _spinup_joins(turn_each_january=False)
    assert sum(len(j) for j in joined_a) > 1_000  # residents join in every year
    assert all(np.array_equal(x, y) for x, y in zip(joined_a, joined_b, strict=True))
    assert np.array_equal(a.status, b.status)
    waiting = a.status == rp.IN_POOL  # a volunteer's threshold is not read until they quit
    ta, tb = a.threshold[waiting], b.threshold[waiting]
    assert np.allclose(ta, tb, rtol=0, atol=1e-12, equal_nan=True)
    assert not np.array_equal(ta, tb, equal_nan=True)  # they differ, in rounding only
    k = a.count[rp.N_CANDIDATES]
    assert k == b.count[rp.N_CANDIDATES] and k > 0
    assert np.array_equal(np.sort(a.candidates[:k]), np.sort(b.candidates[:k]))
