"""The event-driven recruitment pool draws join months from the monthly Bernoulli distribution.

200 000 synthetic residents aged 25 enter the pool in January; a year later they turn 26 and
change cohort (their unused thresholds are rebased). Hazards differ by cohort and month. The
month of joining is compared, by a chi-square goodness-of-fit test at alpha = 0.001, with the
exact distribution ``P(join in t) = p_t * prod_{s<t} (1 - p_s)`` of a Bernoulli draw each
month, and with a direct simulation of those Bernoulli draws (two-sample chi-square).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import chi2_contingency, chisquare

from frivilligsim.core import rules
from frivilligsim.engines import recruitment_pool as rp

N = 200_000
MONTHS = 24
SEED = 12345


def _probabilities():
    """Join probability of month t for these residents: youth in year 1, adult in year 2."""
    months = np.arange(MONTHS)
    youth = 0.02 + 0.015 * np.sin(months / 3.0) ** 2
    adult = 0.04 + 0.03 * (months % 5 == 0)
    return np.where(months < 12, youth, adult), youth, adult


def _event_driven_join_months():
    p, youth, adult = _probabilities()
    age = np.full(N, 25, dtype=np.int16)
    ids = np.arange(N, dtype=np.int64) + 10**9
    pool = rp.new_pool(N)
    out = np.zeros(N, dtype=np.int32)
    joined_at = np.full(N, -1)
    rp.open_year(pool, SEED, ids, age, N, 0)
    for month in range(MONTHS):
        if month == 12:
            rp.close_year(pool, age, N)
            age[:] = 26  # the cohort changes: youth -> adult
            rp.open_year(pool, SEED, ids, age, N, month)
        hazard = np.zeros(4)
        hazard[0] = rules.recruit_hazard(youth[month])
        hazard[1] = rules.recruit_hazard(adult[month])
        k = rp.joiners(pool, age, N, hazard, out)
        joined = out[:k]
        assert (joined_at[joined] == -1).all(), "a resident joined twice"
        assert (np.diff(joined) > 0).all(), "joiners come in resident order"
        joined_at[joined] = month
        pool.status[joined] = rp.VOLUNTEER
    return joined_at, p


def _histogram(joined_at):
    counts = np.bincount(joined_at[joined_at >= 0], minlength=MONTHS)
    return np.append(counts, (joined_at < 0).sum())  # the last cell: not joined


def test_join_month_follows_the_bernoulli_distribution():
    joined_at, p = _event_driven_join_months()
    survive = np.cumprod(np.append(1.0, 1.0 - p))
    expected = np.append(p * survive[:-1], survive[-1]) * N
    observed = _histogram(joined_at)
    assert chisquare(observed, expected).pvalue > 0.001
    # monthly join probabilities among those still waiting, close to p in every month
    waiting = N - np.concatenate([[0], np.cumsum(observed[:-1])])[:-1]
    standard_error = np.sqrt(p * (1 - p) / waiting)
    assert (np.abs(observed[:-1] / waiting - p) < 5 * standard_error).all()


def test_same_distribution_as_monthly_bernoulli_draws():
    joined_at, p = _event_driven_join_months()
    rng = np.random.default_rng(7)  # the reference form only: not the model's draws
    u = rng.random((MONTHS, N))
    joins = u < p[:, None]
    first = np.where(joins.any(axis=0), joins.argmax(axis=0), -1)
    table = np.vstack([_histogram(joined_at), _histogram(first)])
    assert chi2_contingency(table).pvalue > 0.001


def test_the_test_has_power_against_a_wrong_hazard():
    """Treating p as the hazard (instead of -log(1 - p)) is caught by the same test."""
    joined_at, p = _event_driven_join_months()
    wrong = 1.0 - np.exp(-(p * 0.9))
    survive = np.cumprod(np.append(1.0, 1.0 - wrong))
    expected = np.append(wrong * survive[:-1], survive[-1]) * N
    assert chisquare(_histogram(joined_at), expected).pvalue < 0.001


def test_a_quitter_re_enters_with_a_new_threshold_keyed_by_entry_month():
    age = np.full(10, 40, dtype=np.int16)
    ids = np.arange(10, dtype=np.int64)
    pool = rp.new_pool(10)
    rp.open_year(pool, 1, ids, age, 10, 0)
    pool.status[3] = rp.VOLUNTEER
    rp.reenter(pool, 1, 3, 3, age, 5)
    assert pool.threshold[3] == rp.threshold_draw(1, 3, 6)
    assert pool.status[3] == rp.REENTERED
    out = np.zeros(10, dtype=np.int32)
    k = rp.joiners(pool, age, 10, np.array([0.0, 50.0, 0.0, 0.0]), out)
    assert 3 in out[:k] and k == 10  # a hazard above every threshold: all join


def test_joiners_come_out_in_resident_order_short_and_long_lists():
    """Joiners are sorted by insertion when few, by np.sort when many: both give np.sort's order."""
    rng = np.random.default_rng(7)
    for k in (0, 1, 2, 5, 32, 33, 500):
        positions = rng.permutation(10_000)[:k].astype(np.int32)
        out = np.concatenate([positions, np.full(3, -1, dtype=np.int32)])
        rp._sort_positions(out, k)
        assert np.array_equal(out[:k], np.sort(positions)), k
        assert np.array_equal(out[k:], [-1, -1, -1]), k  # nothing past k is touched
