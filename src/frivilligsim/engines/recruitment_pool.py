"""The recruitment pool, event by event: who joins a centre this month, without visiting everyone.

Owns the exact event-driven form of rule 7 that both engines use (the fast engine on its
resident arrays, the Mesa model on its municipality's pool arrays), so they join the same
residents in the same month.

In a month every non-volunteer of a municipality's cohort faces the same probability ``p`` of
joining (``rules.cohort_recruit_probabilities``), i.e. the hazard ``h = -log(1 - p)``
(``rules.recruit_hazard``). A resident who enters the pool in month ``s`` gets a threshold
``E ~ Exp(1)`` from one keyed draw (seed, resident, ``s``, ``rng.RECRUIT_THRESHOLD``) and joins
in the first month ``t >= s`` in which the cohort's hazard summed over months ``s..t`` exceeds
``E``. Then ``P(join in t | not before) = 1 - exp(-h_t) = p_t``: the same distribution as a
Bernoulli draw each month (tests/test_recruitment_distribution.py). Each January the part of
every threshold not yet used is carried into the resident's (possibly new) cohort: by the
memorylessness of ``Exp(1)`` this is exact.

Thresholds are kept as ``threshold[i]`` in the coordinate of this year's cumulative hazard of
the resident's cohort (``year_hazard[c]``): resident ``i`` joins once
``year_hazard[c] > threshold[i]``. Candidates (pool members whose threshold is below
``bound[c]``) are sorted per cohort, so a month's joiners are read off the front. When the
hazard passes the bound, the candidates are selected again with a wider bound. Residents who
quit re-enter the pool the next month with a new threshold keyed by that month and wait in a
short re-entry list until January.

In the spin-up (``model.spinup_years``) nobody ages, arrives or leaves, so no resident changes
cohort and the pool's year need not turn: its Januaries leave the pool alone (no pass over the
residents), the hazard keeps adding up from the spin-up's first month, those who quit wait in
the re-entry list, and the start year's January turns the whole spin-up at once
(:func:`turn_year`, or :func:`close_year` then :func:`open_year`). Carrying a threshold over one
long year instead of fifteen short ones is the same by memorylessness; the two differ only in
floating-point rounding (``E - (h1 + h2)`` against ``(E - h1) - h2``).

Work: one pass over the residents a year (January) and a rare re-selection; each month only
the candidates that join and the short re-entry list are touched.

Performance: loops over residents read the pool's arrays into locals first; a helper that
takes the ``Pool`` namedtuple, called per resident, would reference-count all its arrays.

Must not: hold behaviour (the hazard is ``rules.py``'s), or depend on anything but the keys.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from frivilligsim.core import rng, rules
from frivilligsim.core.schema import N_AGES

# Resident status (``Pool.status``), shared by both engines
IN_POOL = 0  # not a volunteer (in the pool from age 13)
VOLUNTEER = 1
REENTERED = 2  # quit this year; back in the pool, waiting in the re-entry list
JOINED = 3  # joined this month (the Mesa model's status until the month closes)

# Pool.count
N_CANDIDATES, N_REENTRY, REBUILD, SELECTIONS, N_COUNT = 0, 1, 2, 3, 4
MIN_BOUND_WIDTH = 1e-4  # the least hazard a candidate selection covers
BOUND_MONTHS = 24.0  # a selection covers this many months of the current hazard

Pool = namedtuple(
    "Pool",
    (
        "status",  # int8 [capacity]
        "threshold",  # float64 [capacity], NaN: none drawn yet (under 13, or new)
        "candidates",  # int32 [capacity]: positions, cohort by cohort, sorted by threshold
        "reentry",  # int32 [capacity]: positions of residents who quit this year
        "year_hazard",  # [4] cumulative hazard of each cohort since January
        "bound",  # [4] every pool member below it is a candidate
        "head",  # int64 [4] next candidate of each cohort
        "end",  # int64 [4] end of each cohort's candidates
        "count",  # int64 [N_COUNT]
        "last_hazard",  # [4] the latest month's hazard of each cohort
    ),
)


def new_pool(capacity: int) -> Pool:
    """An empty pool for ``capacity`` resident slots (from Python)."""
    return new_pool_of(np.int64(capacity))


@njit(cache=True)
def new_pool_of(capacity):
    """An empty pool for ``capacity`` resident slots (from numba)."""
    return Pool(
        np.zeros(capacity, dtype=np.int8),
        np.full(capacity, np.nan),
        np.zeros(capacity, dtype=np.int32),
        np.zeros(capacity, dtype=np.int32),
        np.zeros(4),
        np.zeros(4),
        np.zeros(4, dtype=np.int64),
        np.zeros(4, dtype=np.int64),
        np.zeros(N_COUNT, dtype=np.int64),
        np.zeros(4),
    )


@njit(cache=True, inline="always")
def threshold_draw(seed, resident_id, entry_month):
    """The Exp(1) threshold of a resident entering the pool in ``entry_month``."""
    return threshold_of(threshold_stream(seed, entry_month), resident_id)


@njit(cache=True, inline="always")
def threshold_stream(seed, entry_month):
    """The stream of the thresholds drawn in ``entry_month`` (loops compute it once)."""
    return rng.stream_key(seed, entry_month, rng.RECRUIT_THRESHOLD)


@njit(cache=True, inline="always")
def threshold_of(stream, resident_id):
    """The Exp(1) threshold of a resident from the entry month's ``threshold_stream``."""
    return rng.exponential(stream, resident_id)


@njit(cache=True)
def by_age(per_cohort, under_pool_age):
    """``per_cohort[cohort_of_age(a)]`` for every age ``a`` of the pool, ``under_pool_age``
    below it: a table that spares the resident loops the cohort branches."""
    table = np.empty(N_AGES)
    for a in range(N_AGES):
        table[a] = per_cohort[rules.cohort_of_age(a)] if rules.in_pool_age(a) else under_pool_age
    return table


@njit(cache=True, inline="always")
def carried(status, threshold, used):
    """December's end for one resident: ``(threshold, status)`` with the part of the threshold
    not yet used carried forward, if the resident waits in the pool (``used``: this year's
    hazard of their cohort, NaN under 13)."""
    waiting = (
        ((status == IN_POOL) | (status == REENTERED))
        & (not np.isnan(used))
        & (not np.isnan(threshold))
    )
    return (threshold - used if waiting else threshold), (IN_POOL if waiting else status)


@njit(cache=True, inline="always")
def entering(stream, resident_id, status, age, threshold):
    """January for one resident: a threshold drawn (from the month's ``threshold_stream``) if
    they are new to the pool (turned 13, moved in, or in the first month everyone who is not
    an initial volunteer)."""
    if (status == IN_POOL) & rules.in_pool_age(age) & np.isnan(threshold):
        return threshold_of(stream, resident_id)
    return threshold


@njit(cache=True, inline="always")
def is_candidate(status, threshold, bound):
    """Whether a resident is selected as a candidate: waiting, threshold below the bound
    (False for NaN; ``bound`` is -inf under 13)."""
    return (status == IN_POOL) & (threshold < bound)


@njit(cache=True)
def close_year(pool, age, n):
    """December's end, before demography: carry the unused part of each threshold forward."""
    status, threshold = pool.status, pool.threshold
    used = by_age(pool.year_hazard, np.nan)  # NaN: under 13, not waiting
    for i in range(n):
        threshold[i], status[i] = carried(status[i], threshold[i], used[age[i]])
    end_year(pool)


@njit(cache=True)
def end_year(pool):
    """The pool's year is closed: this year's hazard and re-entry list start again."""
    pool.year_hazard[:] = 0.0
    pool.count[N_REENTRY] = 0


@njit(cache=True)
def open_year(pool, seed, ids, age, n, month):
    """January, after demography and the initial draw: residents new to the pool get thresholds.

    After the first year the same pass selects the candidates, with a bound from last month's
    hazard (the joiners do not depend on the bound: it only decides how many are sorted).
    """
    status, threshold = pool.status, pool.threshold
    stream = threshold_stream(seed, month)
    if pool.count[SELECTIONS] == 0:
        for i in range(n):
            threshold[i] = entering(stream, ids[i], status[i], age[i], threshold[i])
        pool.count[REBUILD] = 1
        return
    bound = selection_bound(pool)
    candidates = pool.candidates
    k = 0
    for i in range(n):
        t = entering(stream, ids[i], status[i], age[i], threshold[i])
        threshold[i] = t
        candidates[k] = i
        k += is_candidate(status[i], t, bound[age[i]])
    sort_candidates(pool, age, k)


@njit(cache=True)
def turn_year(pool, seed, ids, age, n, month):
    """:func:`close_year` then :func:`open_year` in one pass, for a January without demography
    (the spin-up's): the same thresholds, candidates and order."""
    if pool.count[SELECTIONS] == 0:
        close_year(pool, age, n)
        open_year(pool, seed, ids, age, n, month)
        return
    status, threshold, candidates = pool.status, pool.threshold, pool.candidates
    used = by_age(pool.year_hazard, np.nan)
    end_year(pool)
    bound = selection_bound(pool)
    stream = threshold_stream(seed, month)
    k = 0
    for i in range(n):
        a = age[i]
        t, st = carried(status[i], threshold[i], used[a])
        t = entering(stream, ids[i], st, a, t)
        threshold[i] = t
        status[i] = st
        candidates[k] = i
        k += is_candidate(st, t, bound[a])
    sort_candidates(pool, age, k)


@njit(cache=True)
def selection_bound(pool):
    """Set a new selection's bound from the latest month's hazard; return it by age."""
    _set_bound(pool, pool.last_hazard)
    return by_age(pool.bound, -np.inf)  # nobody under 13 is below it


@njit(cache=True)
def _set_bound(pool, hazard):
    """The bound of a selection: ``BOUND_MONTHS`` months of ``hazard`` beyond this year's."""
    for c in range(4):
        width = max(BOUND_MONTHS * hazard[c], MIN_BOUND_WIDTH)
        pool.bound[c] = pool.year_hazard[c] + width


@njit(cache=True, _nrt=True)  # allocates; callers may be compiled without reference counts
def _select_candidates(pool, age, n, hazard):
    """Select and sort, cohort by cohort, the pool members whose threshold is below the bound."""
    _set_bound(pool, hazard)
    status, threshold, candidates = pool.status, pool.threshold, pool.candidates
    bound = by_age(pool.bound, -np.inf)  # nobody under 13 is below it
    k = 0
    for i in range(n):
        candidates[k] = i
        k += is_candidate(status[i], threshold[i], bound[age[i]])
    sort_candidates(pool, age, k)


@njit(cache=True)
def sort_candidates(pool, age, k):
    """Group the ``k`` candidates (in resident order) by cohort and sort each by threshold.

    Stable: ties keep resident order.
    """
    candidates, threshold = pool.candidates, pool.threshold
    found = candidates[:k].copy()
    sizes = np.zeros(4, dtype=np.int64)
    for j in range(k):
        sizes[rules.cohort_of_age(age[found[j]])] += 1
    start = 0
    for c in range(4):
        pool.head[c] = start
        pool.end[c] = start
        start += sizes[c]
    for j in range(k):
        c = rules.cohort_of_age(age[found[j]])
        candidates[pool.end[c]] = found[j]
        pool.end[c] += 1
    for c in range(4):
        lo, hi = pool.head[c], pool.end[c]
        if hi - lo > 1:
            part = candidates[lo:hi].copy()
            order = np.argsort(threshold[part], kind="mergesort")
            for j in range(hi - lo):
                candidates[lo + j] = part[order[j]]
    pool.count[N_CANDIDATES] = k
    pool.count[REBUILD] = 0
    pool.count[SELECTIONS] += 1  # how often the pool was scanned (a year: about once)


@njit(cache=True, forceinline=True)
def joiners(pool, age, n, hazard, out):
    """Add this month's hazard by cohort; write who joins into ``out``, in resident order.

    Returns how many joined. Their status is left to the caller (it sets ``VOLUNTEER`` or
    ``JOINED``).
    """
    rebuild = pool.count[REBUILD] == 1
    for c in range(4):
        pool.last_hazard[c] = hazard[c]
        pool.year_hazard[c] += hazard[c]
        if pool.year_hazard[c] > pool.bound[c]:
            rebuild = True
    if rebuild:
        _select_candidates(pool, age, n, hazard)
    k = 0
    for c in range(4):
        h = pool.year_hazard[c]
        while pool.head[c] < pool.end[c] and pool.threshold[pool.candidates[pool.head[c]]] < h:
            out[k] = pool.candidates[pool.head[c]]
            k += 1
            pool.head[c] += 1
    kept = 0
    for r in range(pool.count[N_REENTRY]):
        i = pool.reentry[r]
        if pool.threshold[i] < pool.year_hazard[rules.cohort_of_age(age[i])]:
            out[k] = i
            k += 1
        else:
            pool.reentry[kept] = i
            kept += 1
    pool.count[N_REENTRY] = kept
    _sort_positions(out, k)
    return k


@njit(cache=True, forceinline=True)
def _sort_positions(out, k):
    """Sort ``out[:k]`` (distinct positions) in place: by insertion when short, else np.sort."""
    if k > 32:
        _sort_long(out, k)
        return
    for j in range(1, k):
        x = out[j]
        i = j - 1
        while i >= 0 and out[i] > x:
            out[i + 1] = out[i]
            i -= 1
        out[i + 1] = x


@njit(cache=True, _nrt=True)  # np.sort allocates; callers may be compiled without reference counts
def _sort_long(out, k):
    out[:k].sort()


@njit(cache=True, forceinline=True)
def reenter(pool, seed, resident_id, i, age, month):
    """Resident ``i`` quit in ``month``: back in the pool from the next month, new threshold."""
    c = rules.cohort_of_age(age[i])
    pool.threshold[i] = pool.year_hazard[c] + threshold_draw(seed, resident_id, month + 1)
    pool.status[i] = REENTERED
    pool.reentry[pool.count[N_REENTRY]] = i
    pool.count[N_REENTRY] += 1
