"""The fast engine: struct-of-arrays state stepped monthly by numba kernels.

Owns: the per-resident and per-centre state arrays, the monthly step of one municipality in
named phases (``_month`` calls them in the order of rules.py's docstring, as the Mesa model's
``step`` does), the parallel loop over (spin-up group, municipality) tasks of a batch of
jobs, and the yearly output arrays. Every
decision calls ``rules.py``; every draw comes from ``rng.py`` keyed by (seed, entity, month,
purpose), so results do not depend on the thread count or on the order in which
municipalities are run.

Must not: contain behaviour of its own (write it in rules.py so the Mesa model shares it).

State travels in named groups (namedtuples of arrays, which numba compiles to plain structs):
``Run`` (seed, months, checks), ``Rates`` (demography), ``Place`` (one municipality: its
fixed traits, demand by area, counters), ``Residents`` and ``Centres`` (one municipality's
state arrays, the task's own). A new mechanism adds its state to one group (and to its
``_copy_*``) and its step to one phase function.

Compilation: ``_month`` is compiled without reference counting (numba's ``_nrt=False``) and
inlined (``forceinline``); the phases it calls inherit both, so a month passes the groups'
arrays around without counting references (which cost more than the month's own work when
every call counted every array of Place, Residents and Centres). A month therefore must not
allocate: a function that does (the January, the pool's candidate selection) says
``_nrt=True`` itself, and takes no reference it would have to give back to the month.

The January visits each resident once (``_demography``): the pool's year closes, the demography
step, those who left dropped, the pool's new year, which the Mesa model takes as separate steps.
Its per-resident rules are the ones those steps call (``recruitment_pool.carried``, ``entering``,
``is_candidate``; ``demography.mark_exits_block``); a change to the steps' order must be made
in both (tests/test_one_pass_january.py checks they agree array by array).

Municipalities do not interact (migration is modelled as flows in and out of each
municipality), so each one runs all its months independently inside one ``prange`` iteration:
no synchronisation per month, and bit-identical results on 1 or 16 threads. Jobs whose
spin-up is the same (:func:`spinup_key`) share it: a task runs it once for a municipality and
continues each job from a copy of the state after it.
"""

from __future__ import annotations

from collections import namedtuple
from typing import NamedTuple

import numba
import numpy as np
from numba import njit, prange

from frivilligsim.core import rng, rules
from frivilligsim.core.demography import (
    DRAW_BLOCK,
    EXIT_DEATH,
    FIRST_NEW_SERIAL,
    GAVE_BIRTH,
    append_in_migrants,
    append_newborns,
    block_scratch,
    in_migrant_count,
    keyed_draws,
    mark_exits_block,
    rates_by_cell,
    year_streams,
)
from frivilligsim.core.schema import MAX_AGE, OWNERSHIP
from frivilligsim.engines import layout as L
from frivilligsim.engines import recruitment_pool
from frivilligsim.engines.recruitment_pool import IN_POOL, REENTERED, VOLUNTEER
from frivilligsim.errors import FrivilligsimError, InvariantError

MUNICIPAL = OWNERSHIP.index("municipal")
VOLUNTARY_ORG = OWNERSHIP.index("voluntary_org")

Run = namedtuple(
    "Run", ("seed", "n_months", "policy_start_month", "start_year", "check", "spinup_months")
)
Rates = namedtuple("Rates", ("death", "fertility", "out_migration", "in_migration"))
Residents = namedtuple(
    "Residents",
    (
        "age",
        "sex",
        "ids",
        "exit_reason",
        "status",  # recruitment_pool status: IN_POOL, VOLUNTEER, REENTERED
        "threshold",  # recruitment_pool threshold
        "centre",
        "motivation",
        "hours",
        "tenure",
        "area",
        "tolerant",  # rules.is_order_tolerant of a volunteer, drawn when they join (a fixed trait)
        "volunteers",  # int32 positions of the volunteers, in resident order
        "dropped",  # int32 positions of this month's dropouts
        "joined",  # int32 positions of this month's recruits
        "candidates",  # int32, recruitment_pool candidates
        "reentry",  # int32, recruitment_pool re-entry list
    ),
)
Centres = namedtuple(
    "Centres",
    (
        # fixed traits
        "key",
        "ownership",
        "co_located",
        "agreement",
        # state carried between months
        "trust",
        "felt_strain",
        "vacancy",
        "order_pool",
        "order_multiplier",
        # this month
        "cocreation",
        "ordered_share",  # of an order-averse volunteer's hours
        "ordered_share_tolerant",  # of an order-tolerant volunteer's hours
        "followup_quality",
        "pull",
        "evaluating",
        "cocreation_failed",
        # this year
        "orders_this_year",
        "joint_hours_year",
        "volunteer_hours_year",
        # tallies of the centre's volunteers after the last resident pass
        "n_volunteers",
        "n_satisfied",
        "volunteer_hours",
        "tolerant_hours",
    ),
)
Place = namedtuple(
    "Place",
    (
        "index",
        "key",
        "fiscal_stress",
        "immigrant_share",
        "travel_burden",
        "demand",  # [4] hours a month by area, this year
        "demand_start",  # [4] the first year's demand
        "staff",  # [4] staff hours a month by area
        "meeting_demand",  # [4] volunteer hours meeting demand by area, last month
        "recruit_probability",  # [4] by cohort, this month
        "count",  # int64 [N_COUNTS]: residents, next serial, volunteers
        "pool_hazard",  # [4] recruitment_pool.Pool.year_hazard
        "pool_bound",  # [4] recruitment_pool.Pool.bound
        "pool_head",  # int64 [4]
        "pool_end",  # int64 [4]
        "pool_count",  # int64 [recruitment_pool.N_COUNT]
        "pool_last_hazard",  # [4] recruitment_pool.Pool.last_hazard
        "tally",  # float64 [N_TALLIES]
        "leader",  # [4] rules.leader_time of one centre (scratch)
    ),
)
# Place.count
RESIDENT_COUNT, NEXT_SERIAL, VOLUNTEER_COUNT, N_COUNTS = 0, 1, 2, 3
# Place.tally
POOL_13PLUS, TOTAL_PULL, DROPOUTS_THIS_MONTH, RECRUITS_THIS_MONTH, COCREATED_LAST = range(5)
VOLUNTEERS, MOTIVATION_SUM, VOLUNTEERS_COHORT = 5, 6, 7  # re-tallied after each month
N_TALLIES = VOLUNTEERS_COHORT + 4


@njit(cache=True)
def _fail(err, code, month, entity):
    err[0] = code
    err[1] = month
    err[2] = entity
    return False


@njit(cache=True, inline="always")
def _row(run, month):
    """The output row of a month: spin-up years come first (months before the start are < 0)."""
    return (month + run.spinup_months) // 12


# ---- the groups, built for one municipality -----------------------------------------------------


@njit(cache=True)
def _new_centres(key, ownership, co_located, agreement, p):
    nc = len(key)
    return Centres(
        key,
        ownership,
        co_located,
        agreement,
        np.full(nc, p.trust_initial),
        np.zeros(nc),
        np.zeros(nc, dtype=np.int64),
        np.zeros(nc),
        np.ones(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc, dtype=np.bool_),
        np.zeros(nc, dtype=np.bool_),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
    )


@njit(cache=True)
def _new_place(index, key, fiscal_stress, immigrant_share, travel_burden, n_residents):
    count = np.zeros(N_COUNTS, dtype=np.int64)
    count[RESIDENT_COUNT] = n_residents
    count[NEXT_SERIAL] = FIRST_NEW_SERIAL
    return Place(
        index,
        key,
        fiscal_stress,
        immigrant_share,
        travel_burden,
        np.zeros(4),
        np.zeros(4),
        np.zeros(4),
        np.zeros(4),
        np.zeros(4),
        count,
        np.zeros(4),
        np.zeros(4),
        np.zeros(4, dtype=np.int64),
        np.zeros(4, dtype=np.int64),
        np.zeros(recruitment_pool.N_COUNT, dtype=np.int64),
        np.zeros(4),
        np.zeros(N_TALLIES),
        np.zeros(4),
    )


@njit(cache=True, inline="always")
def _pool(res, place):
    """The municipality's recruitment pool: its resident arrays and its cohort state."""
    return recruitment_pool.Pool(
        res.status,
        res.threshold,
        res.candidates,
        res.reentry,
        place.pool_hazard,
        place.pool_bound,
        place.pool_head,
        place.pool_end,
        place.pool_count,
        place.pool_last_hazard,
    )


# ---- 8. demography (each January after the first) -----------------------------------------------


@njit(cache=True)
def _demography(run, rates, place, res, month, out, pyramid, err):
    """The pool's year closes, last year's deaths, births and migration, the pool's new year:
    one pass over the residents. False on error.

    The same steps, in the same order of effect, as ``recruitment_pool.close_year``,
    ``demography.step_year``, dropping those who left, and ``recruitment_pool.open_year``
    (what the Mesa model calls one by one), each resident visited once: a block's deaths,
    moves and births are drawn (``demography.mark_exits_block``), then each survivor's
    threshold is carried (``recruitment_pool.carried``; survivors have aged, so the hazard
    used is that of their age a year ago), they move to their slot in the kept order, a
    resident turning 13 draws a threshold (``recruitment_pool.entering``) and the candidates
    are selected (``recruitment_pool.is_candidate``). Newborns and in-migrants are then
    appended, as ``step_year`` appends them. The January pyramid is last January's a year
    older, less the leavers, plus the newcomers; the pass also lists the volunteers
    (``_new_year`` then need not visit the residents again).
    """
    year = _row(run, month)
    step = month // 12 - 1
    calendar_year = run.start_year + step
    seed = run.seed
    pool = _pool(res, place)
    hist = pyramid[year]
    before = place.count[RESIDENT_COUNT]
    capacity = res.age.shape[0]

    used = recruitment_pool.by_age(pool.year_hazard, np.nan)  # this year's hazard by age
    used_a_year_ago = np.empty_like(used)  # ... by the age a survivor has now
    used_a_year_ago[0] = np.nan
    used_a_year_ago[1:] = used[:-1]
    used_a_year_ago[MAX_AGE] = used[MAX_AGE]  # the oldest stay the oldest (one cohort)
    recruitment_pool.end_year(pool)
    bound = recruitment_pool.selection_bound(pool)
    streams = year_streams(seed, calendar_year)
    new_thresholds = recruitment_pool.threshold_stream(seed, month)
    tables = rates_by_cell(rates.death[step], rates.fertility[step], rates.out_migration[step])
    scratch, cell = block_scratch()

    age, sex, ids, exit_reason = res.age, res.sex, res.ids, res.exit_reason
    status, threshold, centre, area = res.status, res.threshold, res.centre, res.area
    motivation, hours, tenure, tolerant = res.motivation, res.hours, res.tenure, res.tolerant
    volunteers, candidates = res.volunteers, res.candidates
    deaths = 0
    out_migrants = 0
    births = 0
    died = 0
    moved = 0
    # positions as unsigned integers: numba checks every signed index for a negative value
    # (Python's a[-1]); this loop indexes a dozen arrays per resident (17 % of the pass)
    slot = np.uint64(0)  # where the next resident who stays goes
    nv = np.uint64(0)
    k = np.uint64(0)
    left = np.zeros_like(hist)  # leavers by sex and age
    for lo in range(0, before, DRAW_BLOCK):
        hi = min(before, lo + DRAW_BLOCK)
        deaths_block, outs_block = mark_exits_block(
            age[lo:hi], sex[lo:hi], ids[lo:hi], exit_reason[lo:hi], streams, tables, scratch, cell
        )
        deaths += deaths_block
        out_migrants += outs_block
        for i in range(np.uint64(lo), np.uint64(hi)):
            e = exit_reason[i]
            births += e >= GAVE_BIRTH
            st = status[i]
            if e & (GAVE_BIRTH - 1) != 0:  # died or moved out (the codes below GAVE_BIRTH)
                died += (st == VOLUNTEER) & ((e & (GAVE_BIRTH - 1)) == EXIT_DEATH)
                moved += (st == VOLUNTEER) & ((e & (GAVE_BIRTH - 1)) != EXIT_DEATH)
                left[sex[i], age[i]] += 1  # the age they had: leavers do not age
                continue
            a = np.uint64(age[i])
            t, st = recruitment_pool.carried(st, threshold[i], used_a_year_ago[a])
            t = recruitment_pool.entering(new_thresholds, ids[i], st, a, t)
            age[slot] = a
            sex[slot] = sex[i]
            ids[slot] = ids[i]
            status[slot] = st
            threshold[slot] = t
            if st == VOLUNTEER:  # only volunteers' volunteer state is read
                centre[slot] = centre[i]
                motivation[slot] = motivation[i]
                hours[slot] = hours[i]
                tenure[slot] = tenure[i]
                area[slot] = area[i]
                tolerant[slot] = tolerant[i]
            volunteers[nv] = slot  # the volunteers in resident order (branch-free)
            nv += np.uint64(st == VOLUNTEER)
            candidates[k] = slot
            k += np.uint64(recruitment_pool.is_candidate(st, t, bound[a]))
            slot += np.uint64(1)
    j = np.int64(slot)
    n_volunteers = np.int64(nv)
    n_candidates = np.int64(k)
    exit_reason[:j] = 0  # those who stayed (mothers were marked)
    last_year = pyramid[year - 1]  # the residents before this step, counted last January
    for s in range(2):
        for a in range(MAX_AGE + 1):
            hist[s, min(a + 1, MAX_AGE)] += last_year[s, a] - left[s, a]

    # newborns then in-migrants, after the residents who stayed (step_year's order)
    in_migration = rates.in_migration[step]
    n_in = in_migrant_count(in_migration, place.key, seed, calendar_year)
    if before + births + n_in > capacity:
        return _fail(err, L.ERR_CAPACITY, month, place.index)
    serial = append_newborns(
        age, sex, ids, exit_reason, j, births, place.count[NEXT_SERIAL], place.key, seed,
        calendar_year,
    )  # fmt: skip
    serial = append_in_migrants(
        age, sex, ids, exit_reason, j + births, n_in, serial, place.key, seed, calendar_year,
        in_migration,
    )  # fmt: skip
    place.count[NEXT_SERIAL] = serial
    for i in range(j, j + births + n_in):  # new to the pool: no threshold yet, no volunteer
        a = age[i]
        status[i] = IN_POOL
        t = recruitment_pool.entering(new_thresholds, ids[i], IN_POOL, a, np.nan)
        threshold[i] = t
        hist[sex[i], a] += 1
        candidates[n_candidates] = i
        n_candidates += recruitment_pool.is_candidate(IN_POOL, t, bound[a])
    n = j + births + n_in
    recruitment_pool.sort_candidates(pool, age, n_candidates)

    place.count[VOLUNTEER_COUNT] = n_volunteers
    place.count[RESIDENT_COUNT] = n
    out[year, L.VOL_DEATHS] += died
    out[year, L.VOL_OUTMIG] += moved
    out[year, L.BIRTHS] = births
    out[year, L.DEATHS] = deaths
    out[year, L.IN_MIG] = n_in
    out[year, L.OUT_MIG] = out_migrants
    if run.check and n != before + births - deaths + n_in - out_migrants:
        return _fail(err, L.ERR_PEOPLE, month, place.index)
    return True


# ---- 1. demand and the year's start ----------------------------------------------------------------


@njit(cache=True)
def _new_year(run, place, res, cen, month, lv, p, out, pyramid):
    """Count the target populations, set demand and staff, draw the 2024 volunteers, re-tally.

    The initial volunteers are drawn in the first month of the run (the spin-up's, if any);
    staff capacity starts changing in the start year.
    """
    year = _row(run, month)
    n = place.count[RESIDENT_COUNT]
    hist = pyramid[year]
    if month == -run.spinup_months:  # the first month: count the residents, list volunteers
        age, sex, status, volunteers = res.age, res.sex, res.status, res.volunteers
        nv = 0
        for i in range(n):
            hist[sex[i], age[i]] += 1
            volunteers[nv] = i  # the volunteers in resident order (branch-free)
            nv += status[i] == VOLUNTEER
        place.count[VOLUNTEER_COUNT] = nv
    elif month <= 0:  # no demography since last January: the same residents, ages and list
        hist[:] = pyramid[year - 1]
    # after a demography step, _compact has counted the residents and listed the volunteers
    n80 = 0.0
    n70 = 0.0
    n6_17 = 0.0
    n13 = 0.0
    for a in range(hist.shape[1]):
        both = float(hist[0, a] + hist[1, a])
        if a >= 70:
            n70 += both
            if a >= 80:
                n80 += both
        if rules.in_pool_age(a):
            n13 += both
        if 6 <= a <= 17:
            n6_17 += both
    place.tally[POOL_13PLUS] = n13
    out[year, L.RESIDENTS] = n
    out[year, L.R70] = n70
    out[year, L.R80] = n80
    rules.demand_hours(n80, place.immigrant_share * n, n6_17, float(n), p, place.demand)
    if month == -run.spinup_months:
        place.demand_start[:] = place.demand
        place.count[VOLUNTEER_COUNT] = _initial_volunteers(
            run.seed, place, res, len(cen.key), hist, p
        )
    years_since_start = max(0, month // 12)
    for a in range(4):
        place.staff[a] = rules.staff_capacity(
            place.demand_start[a], years_since_start, lv.labour_shortage, p
        )
    if month == -run.spinup_months:  # later Januaries open the pool's year before this
        recruitment_pool.open_year(_pool(res, place), run.seed, res.ids, res.age, n, month)
    _tally(run, place, res, cen, p)
    out[year, L.CENTRES] = len(cen.key)
    cen.orders_this_year[:] = 0.0
    cen.joint_hours_year[:] = 0.0
    cen.volunteer_hours_year[:] = 0.0


@njit(cache=True)
def _initial_volunteers(seed, place, res, nc, hist, p):
    """Draw the 2024 volunteers: about ``initial_volunteers_per_centre`` per centre (L192).

    Lists them in ``res.volunteers`` (resident order) and returns how many. The first keyed
    draw of ``rules.initial_volunteer`` (whether a resident volunteers) is made a block at a
    time in a vectorised loop, and only residents it selects are passed to the rule, which
    makes the same draw again: the same volunteers as calling the rule for everyone.
    """
    if nc == 0:
        return 0
    n = place.count[RESIDENT_COUNT]
    age, ids = res.age, res.ids
    pool = np.zeros(4)  # residents by cohort, from the pyramid just counted (exact integers)
    for a in range(hist.shape[1]):
        if rules.in_pool_age(a):
            pool[rules.cohort_of_age(a)] += float(hist[0, a] + hist[1, a])
    probability = np.zeros(4)
    rules.initial_volunteer_probability(pool, nc, p, probability)
    top = probability.max()
    stream = rng.stream_key(seed, 0, rng.INITIAL_VOLUNTEER)
    u = np.empty(DRAW_BLOCK)
    nv = 0
    for lo in range(0, n, DRAW_BLOCK):
        hi = min(n, lo + DRAW_BLOCK)
        keyed_draws(stream, ids[lo:hi], u)
        for j in range(hi - lo):
            i = lo + j
            a = age[i]
            if u[j] >= top or not rules.in_pool_age(a):
                continue  # the rule's first draw says no for every cohort
            cohort = rules.cohort_of_age(a)
            joined, c, m, h, area, tenure = rules.initial_volunteer(
                seed, ids[i], probability[cohort], nc, place.demand, cohort, p
            )
            if joined:
                res.status[i] = VOLUNTEER
                res.centre[i] = c
                res.motivation[i] = m
                res.hours[i] = h
                res.area[i] = area
                res.tenure[i] = tenure
                res.tolerant[i] = rules.is_order_tolerant(seed, ids[i], p)
                res.volunteers[nv] = i
                nv += 1
    return nv


@njit(cache=True, forceinline=True)
def _start_tally(place, cen):
    cen.n_volunteers[:] = 0.0
    cen.n_satisfied[:] = 0.0
    cen.volunteer_hours[:] = 0.0
    cen.tolerant_hours[:] = 0.0
    place.tally[VOLUNTEERS:] = 0.0


@njit(cache=True, forceinline=True)
def _gap(place, p):
    """1. The share of demand left unmet last month by staff and volunteers."""
    covered = 0.0
    for a in range(4):
        covered += rules.covered_hours(place.meeting_demand[a], place.demand[a])
    staff = rules.staff_after_cocreation(place.staff.sum(), place.tally[COCREATED_LAST], p)
    return rules.gap_ratio(place.demand.sum(), staff, covered)


# ---- 2-4, 9. orders, decisions, leader time, evaluation: per centre --------------------------------


@njit(cache=True, forceinline=True)
def _centres_step(run, place, cen, gap, month, lv, p, out, err):
    """Each centre's orders, decisions, leader time, share of ordered hours, pull, evaluation."""
    year = _row(run, month)
    leader = place.leader
    total_pull = 0.0
    for c in range(len(cen.key)):
        vacant = cen.vacancy[c] > 0
        issued = 0
        declined = 0
        declined_capacity = 0
        accepted_hours = 0.0
        running = rules.order_pool_after_month(cen.order_pool[c], 0.0, p)
        if not vacant:
            rate = rules.order_rate(
                gap,
                place.fiscal_stress,
                cen.co_located[c] == 1,
                cen.ownership[c] == MUNICIPAL,
                cen.order_multiplier[c],
                lv,
                p,
            )
            averse_hours = cen.volunteer_hours[c] - cen.tolerant_hours[c]
            room = rules.order_capacity(cen.tolerant_hours[c], averse_hours, p) - running
            issued, declined, declined_capacity, accepted_hours = rules.orders_of_month(
                run.seed,
                cen.key[c],
                month,
                rate,
                cen.ownership[c] == VOLUNTARY_ORG,
                cen.felt_strain[c],
                room,
                lv,
                p,
            )
            cen.trust[c] = rules.trust_after_declines(cen.trust[c], declined, lv)
            cen.order_multiplier[c] = rules.order_multiplier_after_month(
                cen.order_multiplier[c], issued, declined, lv, p
            )
        cen.order_pool[c] = running + accepted_hours
        cen.cocreation[c] = rules.cocreation_level(cen.trust[c], cen.agreement[c], vacant, lv)
        cen.cocreation_failed[c] = rules.cocreation_fails(
            run.seed, cen.key[c], month, cen.cocreation[c], cen.felt_strain[c], p
        )
        if cen.cocreation_failed[c]:
            cen.trust[c] = rules.trust_after_cocreation_failure(cen.trust[c])
        recruiting_quality = 0.0
        cen.followup_quality[c] = 0.0
        if not vacant:
            rules.leader_time(cen.n_volunteers[c], issued, cen.cocreation[c], lv, p, leader)
            cen.felt_strain[c] = rules.strain_memory(cen.felt_strain[c], leader[0], p)
            cen.followup_quality[c] = leader[1]
            recruiting_quality = leader[2]
            out[year, L.STRAIN_SUM] += leader[0]
            out[year, L.STRAIN_MONTHS] += 1.0
            if run.check and leader[3] > p.leader_hours_per_month * (1.0 + 1e-9):
                return _fail(err, L.ERR_LEADER_HOURS, month, cen.key[c])
        tolerant_hours = cen.tolerant_hours[c]
        averse_hours = cen.volunteer_hours[c] - tolerant_hours
        cen.ordered_share[c] = rules.ordered_share(
            cen.order_pool[c], tolerant_hours, averse_hours, False, lv, p
        )
        cen.ordered_share_tolerant[c] = rules.ordered_share(
            cen.order_pool[c], tolerant_hours, averse_hours, True, lv, p
        )
        cen.pull[c] = rules.centre_pull(
            cen.n_satisfied[c],
            place.tally[POOL_13PLUS],
            recruiting_quality,
            cen.co_located[c] == 1,
            vacant,
            place.travel_burden,
            p,
        )
        total_pull += cen.pull[c]
        cen.evaluating[c] = rules.evaluates(month, vacant, lv)
        if cen.evaluating[c]:
            cen.trust[c] = rules.trust_after_evaluation(cen.trust[c], p)
        out[year, L.ORD_ISSUED] += issued
        out[year, L.ORD_DECLINED] += declined
        out[year, L.ORD_DECLINED_CAPACITY] += declined_capacity
        cen.orders_this_year[c] += issued
    place.tally[TOTAL_PULL] = total_pull
    return True


# ---- 5-6. work, motivation and exit: the volunteers -----------------------------------------------


@njit(cache=True, forceinline=True)
def _work_and_exit(run, place, res, cen, month, lv, p, out, err):
    """Each volunteer works a month (hours split, motivation) and may quit (rules 5-6).

    Visits the volunteer list only; quitters leave it (kept in resident order) and are noted
    in ``res.dropped`` to re-enter the pool after this month's recruitment.
    """
    year = _row(run, month)
    place.meeting_demand[:] = 0.0
    hours_all = 0.0
    hours_ordered = 0.0
    hours_cocreated = 0.0
    nv = place.count[VOLUNTEER_COUNT]
    kept = np.uint64(0)  # positions unsigned: no negative-index checks (see _demography)
    dropouts = np.uint64(0)
    joint_hours, year_hours = cen.joint_hours_year, cen.volunteer_hours_year
    c_now = np.uint64(0)
    joint_c = joint_hours[0] if len(joint_hours) > 0 else 0.0
    hours_c = year_hours[0] if len(year_hours) > 0 else 0.0
    for r in range(nv):
        i = np.uint64(res.volunteers[r])
        c = np.uint64(res.centre[i])
        tolerant = res.tolerant[i]
        share = cen.ordered_share_tolerant[c] if tolerant else cen.ordered_share[c]
        m = rules.motivation_after_month(
            res.motivation[i],
            share,
            cen.followup_quality[c],
            cen.felt_strain[c],
            tolerant,
            lv,
            p,
        )
        if cen.cocreation_failed[c]:
            m = rules.motivation_after_cocreation_failure(m, cen.cocreation[c], p)
        if cen.evaluating[c]:
            m = rules.redesigned_motivation(m, p)
        res.motivation[i] = m
        h = res.hours[i]
        ordered, cocreated, meeting = rules.hours_split(
            h, share, cen.cocreation[c], place.travel_burden, p
        )
        hours_all += h
        hours_ordered += ordered
        hours_cocreated += cocreated
        if c != c_now:  # sums of one centre in locals (the same additions, in order)
            joint_hours[c_now] = joint_c
            year_hours[c_now] = hours_c
            c_now = c
            joint_c = joint_hours[c]
            hours_c = year_hours[c]
        joint_c += ordered + cocreated
        hours_c += h
        place.meeting_demand[np.uint64(res.area[i])] += meeting
        if run.check:
            if m < 0.0 or m > 1.0:
                return _fail(err, L.ERR_MOTIVATION, month, res.ids[i])
            if h < 0.0:
                return _fail(err, L.ERR_HOURS, month, res.ids[i])
        if rules.drops_out(run.seed, res.ids[i], month, m, p):
            res.status[i] = REENTERED  # not a candidate this month; re-enters after recruitment
            res.dropped[dropouts] = i
            dropouts += np.uint64(1)
        else:
            res.tenure[i] += 1
            res.volunteers[kept] = i
            kept += np.uint64(1)
    if nv > 0:
        joint_hours[c_now] = joint_c
        year_hours[c_now] = hours_c
    place.count[VOLUNTEER_COUNT] = kept
    place.tally[DROPOUTS_THIS_MONTH] = dropouts
    place.tally[COCREATED_LAST] = hours_cocreated
    out[year, L.VHOURS] += hours_all
    out[year, L.HORD] += hours_ordered
    out[year, L.HCOC] += hours_cocreated
    out[year, L.DROPOUTS] += dropouts
    return True


# ---- 7. recruitment: the pool, event by event -------------------------------------------------------


@njit(cache=True, forceinline=True)
def _recruitment(run, place, res, cen, month, lv, p, out):
    """This month's joiners (recruitment_pool) take up a centre; quitters re-enter the pool."""
    pool = _pool(res, place)
    hazard = place.recruit_probability
    rules.cohort_recruit_hazards(place.tally[TOTAL_PULL], lv, p, hazard)
    n = place.count[RESIDENT_COUNT]
    k = recruitment_pool.joiners(pool, res.age, n, hazard, res.joined)
    nc = len(cen.key)
    for j in range(k):
        i = res.joined[j]
        c, m, h, area = rules.recruit(
            run.seed,
            res.ids[i],
            month,
            rules.cohort_of_age(res.age[i]),
            cen.pull,
            nc,
            place.demand,
            p,
        )
        res.status[i] = VOLUNTEER
        res.centre[i] = c
        res.motivation[i] = m
        res.hours[i] = h
        res.area[i] = area
        res.tenure[i] = 0
        res.tolerant[i] = rules.is_order_tolerant(run.seed, res.ids[i], p)
    _merge_sorted(res.volunteers, place.count[VOLUNTEER_COUNT], res.joined, k)
    place.count[VOLUNTEER_COUNT] += k
    for d in range(int(place.tally[DROPOUTS_THIS_MONTH])):
        i = res.dropped[d]
        recruitment_pool.reenter(pool, run.seed, res.ids[i], i, res.age, month)
    place.tally[RECRUITS_THIS_MONTH] = k
    out[_row(run, month), L.RECRUITS] += k


@njit(cache=True, forceinline=True)
def _merge_sorted(a, na, b, nb):
    """Merge sorted ``b[:nb]`` into sorted ``a[:na]`` in place (``a`` has room), from the back."""
    i = na - 1
    j = nb - 1
    w = na + nb - 1
    while j >= 0:
        if i >= 0 and a[i] > b[j]:
            a[w] = a[i]
            i -= 1
        else:
            a[w] = b[j]
            j -= 1
        w -= 1


@njit(cache=True, forceinline=True)
def _tally(run, place, res, cen, p):
    """Each centre's volunteers, satisfied volunteers and hours; the municipality's stocks.

    Written out in one loop over plain arrays: a helper taking the namedtuples, called per
    volunteer, would copy (and reference-count) every array in them each time. Sums are
    kept in locals while consecutive volunteers share a centre (most municipalities have
    one) and written back when the centre changes, so every sum adds the same numbers in the
    same order as adding into the arrays directly, without waiting on memory each time.
    """
    _start_tally(place, cen)
    n_volunteers, n_satisfied, volunteer_hours, tolerant_hours = (
        cen.n_volunteers,
        cen.n_satisfied,
        cen.volunteer_hours,
        cen.tolerant_hours,
    )
    tolerant = res.tolerant
    tally, centre, hours, motivation, age = (
        place.tally,
        res.centre,
        res.hours,
        res.motivation,
        res.age,
    )
    nv = place.count[VOLUNTEER_COUNT]
    c_now = 0  # the centre whose sums are in the locals below
    volunteers_c = n_volunteers[0] if len(n_volunteers) > 0 else 0.0
    satisfied_c = n_satisfied[0] if len(n_satisfied) > 0 else 0.0
    hours_c = volunteer_hours[0] if len(volunteer_hours) > 0 else 0.0
    tolerant_c = tolerant_hours[0] if len(tolerant_hours) > 0 else 0.0
    motivation_sum = tally[MOTIVATION_SUM]
    for r in range(nv):
        i = res.volunteers[r]
        c = centre[i]
        if c != c_now:
            n_volunteers[c_now] = volunteers_c
            n_satisfied[c_now] = satisfied_c
            volunteer_hours[c_now] = hours_c
            tolerant_hours[c_now] = tolerant_c
            c_now = c
            volunteers_c = n_volunteers[c]
            satisfied_c = n_satisfied[c]
            hours_c = volunteer_hours[c]
            tolerant_c = tolerant_hours[c]
        h = hours[i]
        volunteers_c += 1.0
        hours_c += h
        if tolerant[i]:
            tolerant_c += h
        if rules.is_satisfied(motivation[i], p):
            satisfied_c += 1.0
        tally[VOLUNTEERS_COHORT + rules.cohort_of_age(age[i])] += 1.0
        motivation_sum += motivation[i]
    if nv > 0:
        n_volunteers[c_now] = volunteers_c
        n_satisfied[c_now] = satisfied_c
        volunteer_hours[c_now] = hours_c
        tolerant_hours[c_now] = tolerant_c
    tally[VOLUNTEERS] += nv
    tally[MOTIVATION_SUM] = motivation_sum


# ---- the month's close: coverage, leader turnover, the year's stocks ------------------------------


@njit(cache=True, forceinline=True)
def _record_coverage(run, place, month, out, err):
    """Demand and covered hours by area of the month."""
    year = _row(run, month)
    demand_total = place.demand.sum()
    covered = 0.0
    for a in range(4):
        covered_a = rules.covered_hours(place.meeting_demand[a], place.demand[a])
        covered += covered_a
        out[year, L.DEMAND_AREA + a] += place.demand[a]
        out[year, L.COVERED_AREA + a] += covered_a
    if run.check and (covered < 0.0 or covered > demand_total * (1.0 + 1e-9) + 1e-9):
        return _fail(err, L.ERR_COVERAGE, month, place.index)
    out[year, L.DEMAND] += demand_total
    out[year, L.COVERED] += covered
    return True


@njit(cache=True, forceinline=True)
def _leader_turnover(run, cen, month, p, out):
    """4 (end of month). Overload makes leaders leave; a vacancy counts down (rules.py)."""
    year = _row(run, month)
    for c in range(len(cen.key)):
        if cen.vacancy[c] > 0:
            cen.vacancy[c] -= 1
            out[year, L.VACANT_MONTHS] += 1
        elif rules.leader_turnover(run.seed, cen.key[c], month, cen.felt_strain[c], p):
            out[year, L.TURNOVERS] += 1
            vacancy, felt, trust, pool = rules.state_after_turnover(p)
            cen.vacancy[c] = vacancy
            cen.felt_strain[c] = felt
            cen.trust[c] = trust
            cen.order_pool[c] = pool
            cen.order_multiplier[c] = 1.0


@njit(cache=True, forceinline=True)
def _close_year(place, cen, year, p, out):
    """December: the year's stocks of volunteers, cooperating and pressured centres."""
    out[year, L.VOLS] = place.tally[VOLUNTEERS]
    for k in range(4):
        out[year, L.VOLS_COHORT + k] = place.tally[VOLUNTEERS_COHORT + k]
    out[year, L.MOT_SUM] = place.tally[MOTIVATION_SUM]
    for c in range(len(cen.key)):
        if rules.cooperates(cen.joint_hours_year[c], cen.volunteer_hours_year[c], p):
            out[year, L.COOPERATING] += 1
        if rules.is_pressured(cen.orders_this_year[c], p):
            out[year, L.PRESSURED] += 1


# ---- one month, one municipality, the region ------------------------------------------------------


@njit(cache=True, _nrt=True)
def _january(run, rates, place, res, cen, month, lv, p, out, pyramid, err):
    """The pool's year closes, 8. demography, 1. demand and the year's start. False on error."""
    if month > 0:  # the pool's year closes, 8. demography, the pool's new year
        if not _demography(run, rates, place, res, month, out, pyramid, err):
            return False
    elif month == 0 and run.spinup_months > 0:  # the spin-up's end: the pool's year turns
        recruitment_pool.turn_year(
            _pool(res, place), run.seed, res.ids, res.age, place.count[RESIDENT_COUNT], month
        )
    # the spin-up's other Januaries leave the pool's year running (recruitment_pool's docstring)
    _new_year(run, place, res, cen, month, lv, p, out, pyramid)  # 1. demand
    return True


@njit(cache=True, forceinline=True, _nrt=False)
def _month(run, rates, place, res, cen, month, lv, p, out, pyramid, err):
    """One month of one municipality, in the order of rules.py's docstring. False on error.

    Months before the start year (the spin-up) are negative; demography is frozen in them.

    Compiled without reference counting (``_nrt=False``, inherited by the phases it calls):
    the month allocates nothing and keeps no array, and counting references to every array
    of Place, Residents and Centres at each call cost more than the month's own work. What
    allocates says ``_nrt=True`` itself (the January, the pool's candidate selection).
    """
    if month % 12 == 0 and not _january(
        run, rates, place, res, cen, month, lv, p, out, pyramid, err
    ):
        return False
    gap = _gap(place, p)
    volunteers_start = place.tally[VOLUNTEERS]
    if not _centres_step(run, place, cen, gap, month, lv, p, out, err):  # 2-4, 9.
        return False
    if not _work_and_exit(run, place, res, cen, month, lv, p, out, err):  # 5-6.
        return False
    _recruitment(run, place, res, cen, month, lv, p, out)  # 7.
    _tally(run, place, res, cen, p)
    flows = place.tally[RECRUITS_THIS_MONTH] - place.tally[DROPOUTS_THIS_MONTH]
    if run.check and place.tally[VOLUNTEERS] != volunteers_start + flows:
        return _fail(err, L.ERR_VOLUNTEERS, month, place.index)
    if not _record_coverage(run, place, month, out, err):
        return False
    _leader_turnover(run, cen, month, p, out)  # 4. (end of month)
    if month % 12 == 11:
        _close_year(place, cen, _row(run, month), p, out)
    return True


@njit(cache=True)
def _run_months(run, rates, place, res, cen, lv_base, lv_policy, p, out, pyramid, err, first, end):
    """Run one municipality through months ``[first, end)``. False on error.

    Writes ``out[row, column]`` and ``pyramid``; the spin-up's months are numbered from
    ``-spinup_months`` and their rows come first.
    """
    for month in range(first, end):
        lv = lv_policy if month >= run.policy_start_month else lv_base
        if not _month(run, rates, place, res, cen, month, lv, p, out, pyramid, err):
            return False
    return True


# ---- the state of one municipality: built, copied ------------------------------------------------


@njit(cache=True)
def _new_state(world, m, p):
    """Municipality ``m``'s place, residents and centres as at the start of its first month.

    Every array is the task's own (copied from the world): arrays shared between tasks share a
    reference count, which each call updates atomically, and two threads updating one count
    slow each other down.
    """
    c_lo = world.centre_start[m]
    c_hi = world.centre_start[m + 1]
    place = _new_place(
        m,
        world.muni_key[m],
        world.fiscal_stress[m],
        world.immigrant_share[m],
        world.travel_burden[m],
        world.n_residents[m],
    )
    cen = _new_centres(
        world.centre_key[c_lo:c_hi].copy(),
        world.centre_ownership[c_lo:c_hi].copy(),
        world.centre_co_located[c_lo:c_hi].copy(),
        world.centre_agreement[c_lo:c_hi].copy(),
        p,
    )
    lo = world.block_start[m]
    cap = world.block_cap[m]  # the world's slots, times the batch's room (``_simulate_part``)
    n = world.n_residents[m]
    res = Residents(
        _slots(world.age[lo : lo + n], cap),
        _slots(world.sex[lo : lo + n], cap),
        _slots(world.ids[lo : lo + n], cap),
        np.zeros(cap, dtype=np.int8),
        np.zeros(cap, dtype=np.int8),
        np.full(cap, np.nan),
        np.zeros(cap, dtype=np.int8),
        np.zeros(cap, dtype=np.float64),
        np.zeros(cap, dtype=np.float64),
        np.zeros(cap, dtype=np.int32),
        np.zeros(cap, dtype=np.int8),
        np.zeros(cap, dtype=np.bool_),
        np.zeros(cap, dtype=np.int32),
        np.zeros(cap, dtype=np.int32),
        np.zeros(cap, dtype=np.int32),
        np.zeros(cap, dtype=np.int32),
        np.zeros(cap, dtype=np.int32),
    )
    return place, res, cen


@njit(cache=True)
def _slots(first, cap):
    """``cap`` zeroed slots of ``first``'s type, ``first`` copied into the first of them."""
    slots = np.zeros(cap, dtype=first.dtype)
    slots[: len(first)] = first
    return slots


@njit(cache=True)
def _copy_place(s):
    return Place(
        s.index,
        s.key,
        s.fiscal_stress,
        s.immigrant_share,
        s.travel_burden,
        s.demand.copy(),
        s.demand_start.copy(),
        s.staff.copy(),
        s.meeting_demand.copy(),
        s.recruit_probability.copy(),
        s.count.copy(),
        s.pool_hazard.copy(),
        s.pool_bound.copy(),
        s.pool_head.copy(),
        s.pool_end.copy(),
        s.pool_count.copy(),
        s.pool_last_hazard.copy(),
        s.tally.copy(),
        s.leader.copy(),
    )


@njit(cache=True)
def _copy_residents(s):
    return Residents(
        s.age.copy(),
        s.sex.copy(),
        s.ids.copy(),
        s.exit_reason.copy(),
        s.status.copy(),
        s.threshold.copy(),
        s.centre.copy(),
        s.motivation.copy(),
        s.hours.copy(),
        s.tenure.copy(),
        s.area.copy(),
        s.tolerant.copy(),
        s.volunteers.copy(),
        s.dropped.copy(),
        s.joined.copy(),
        s.candidates.copy(),
        s.reentry.copy(),
    )


@njit(cache=True)
def _copy_centres(s):
    return Centres(
        s.key.copy(),
        s.ownership.copy(),
        s.co_located.copy(),
        s.agreement.copy(),
        s.trust.copy(),
        s.felt_strain.copy(),
        s.vacancy.copy(),
        s.order_pool.copy(),
        s.order_multiplier.copy(),
        s.cocreation.copy(),
        s.ordered_share.copy(),
        s.ordered_share_tolerant.copy(),
        s.followup_quality.copy(),
        s.pull.copy(),
        s.evaluating.copy(),
        s.cocreation_failed.copy(),
        s.orders_this_year.copy(),
        s.joint_hours_year.copy(),
        s.volunteer_hours_year.copy(),
        s.n_volunteers.copy(),
        s.n_satisfied.copy(),
        s.volunteer_hours.copy(),
        s.tolerant_hours.copy(),
    )


# ---- a batch of jobs: one parallel loop over (spin-up group, municipality) -----------------------

# The jobs of a batch, as arrays indexed by job (numba reads them inside the parallel loop).
Jobs = namedtuple(
    "Jobs",
    (
        "seed",
        "n_months",
        "policy_start_month",
        "spinup_months",
        "params",  # index into the batch's parameter records
        "base",  # index into the batch's lever sets: levers before the policy starts
        "policy",  # index into the batch's lever sets: levers from the policy's start
        "rates",  # index into the batch's stacked rates
        "group_start",  # [n_groups + 1] the jobs of group g: group_jobs[group_start[g]:...]
        "group_jobs",
    ),
)


@njit(cache=True)
def _job_run(jobs, j, start_year, check):
    return Run(
        jobs.seed[j],
        jobs.n_months[j],
        jobs.policy_start_month[j],
        start_year,
        check,
        jobs.spinup_months[j],
    )


@njit(cache=True)
def _job_rates(rates, r, m):
    """Rates set ``r`` for municipality ``m``, copied for the task (see ``_new_state``)."""
    return Rates(
        rates.death[r].copy(),
        rates.fertility[r].copy(),
        rates.out_migration[r, m].copy(),
        rates.in_migration[r, m].copy(),
    )


@njit(cache=True, parallel=True)
def _run_all(
    jobs, tasks, lane_start, world, rates, levers, params, start_year, check, out, pyramid, err
):
    """Every task (spin-up group ``tasks[k, 0]``, municipality ``tasks[k, 1]``) in one loop.

    Tasks share no state. They come in lanes (``tasks[lane_start[t]:lane_start[t + 1]]``), one
    per thread, balanced by the caller (:func:`_lanes`): numba splits a ``prange`` into equal
    blocks of iterations, one per thread, whatever their cost, so one iteration per lane is
    what keeps every thread busy to the end.
    """
    for t in prange(lane_start.shape[0] - 1):
        for k in range(lane_start[t], lane_start[t + 1]):
            _run_task(
                tasks[k, 0], tasks[k, 1], jobs, world, rates, levers, params, start_year, check,
                out, pyramid, err,
            )  # fmt: skip


@njit(cache=True)
def _run_task(g, m, jobs, world, rates, levers, params, start_year, check, out, pyramid, err):
    """Municipality ``m`` for every job of spin-up group ``g``: the spin-up once, then each job.

    The jobs of a group share (params, levers before the policy, seed), all the spin-up
    depends on; each job continues from its own copy of the state after it (the last one from
    the state itself) with its own levers, rates and months.
    """
    lo = jobs.group_start[g]
    hi = jobs.group_start[g + 1]
    first = jobs.group_jobs[lo]
    p = params[jobs.params[first]]
    place, res, cen = _new_state(world, m, p)
    spun_out = np.zeros(out.shape[2:])
    spun_pyramid = np.zeros(pyramid.shape[2:], dtype=pyramid.dtype)
    spun_err = np.zeros(3, dtype=np.int64)
    run = _job_run(jobs, first, start_year, check)
    ok = _run_months(
        run,
        _job_rates(rates, jobs.rates[first], m),
        place,
        res,
        cen,
        levers[jobs.base[first]][m],
        levers[jobs.policy[first]][m],
        p,
        spun_out,
        spun_pyramid,
        spun_err,
        -run.spinup_months,
        0,
    )
    for k in range(lo, hi):
        j = jobs.group_jobs[k]
        last = k == hi - 1
        my_out = spun_out if last else spun_out.copy()
        my_pyramid = spun_pyramid if last else spun_pyramid.copy()
        my_err = spun_err if last else spun_err.copy()
        if ok:
            run = _job_run(jobs, j, start_year, check)
            if last:
                my_place, my_res, my_cen = place, res, cen
            else:
                my_place = _copy_place(place)
                my_res = _copy_residents(res)
                my_cen = _copy_centres(cen)
            _run_months(
                run,
                _job_rates(rates, jobs.rates[j], m),
                my_place,
                my_res,
                my_cen,
                levers[jobs.base[j]][m],
                levers[jobs.policy[j]][m],
                p,
                my_out,
                my_pyramid,
                my_err,
                0,
                run.n_months,
            )
        out[j, m] = my_out
        pyramid[j, m] = my_pyramid
        err[j, m] = my_err


WorldArrays = namedtuple(
    "WorldArrays",
    (
        "block_start",
        "block_cap",
        "n_residents",
        "muni_key",
        "fiscal_stress",
        "immigrant_share",
        "travel_burden",
        "centre_start",
        "centre_key",
        "centre_ownership",
        "centre_co_located",
        "centre_agreement",
        "age",
        "sex",
        "ids",
    ),
)


class Job(NamedTuple):
    """One scenario for :func:`simulate_batch` (the arguments of :func:`simulate`)."""

    world: object
    params: np.record
    levers_base: np.ndarray
    levers_policy: np.ndarray
    policy_start_month: int
    rates: object
    seed: int
    n_months: int


OUTPUT_BUDGET = 256 * 2**20
"""Bytes of outputs (yearly table and pyramid) one parallel loop fills at most: a larger batch
runs as several loops (results are the same; the bound keeps the working memory small)."""


def spinup_key(job: Job) -> tuple:
    """What the spin-up of ``job`` depends on: (seed, parameters, levers before the policy).

    The spin-up's months are numbered ``-12 * spinup_years`` to -1. In them demography is
    frozen (``_demography`` runs from month 12 on), so the rates are not read; the start year
    and ``n_months`` are not read; and the levers are the base levers as long as the policy
    starts at month 0 or later (a policy starting earlier adds its levers and month to the key).
    The world is the batch's. Jobs with equal keys start month 0 from equal states.
    """
    key = (int(job.seed), job.params.tobytes(), np.asarray(job.levers_base).tobytes())
    if job.policy_start_month < 0:
        key += (int(job.policy_start_month), np.asarray(job.levers_policy).tobytes())
    return key


def _index_of(items: list, item, same) -> int:
    for k, known in enumerate(items):
        if known is item or same(known, item):
            return k
    items.append(item)
    return len(items) - 1


def _same_rates(a, b) -> bool:
    return a.start_year == b.start_year and all(
        np.array_equal(getattr(a, name), getattr(b, name)) for name in Rates._fields
    )


def simulate_batch(jobs, threads=None, check=True, keep_spinup=False):
    """Run several scenarios of one world; each result is what :func:`simulate` gives alone.

    Jobs with the same :func:`spinup_key` (for example every policy and demography alternative
    of one seed) share one spin-up: it runs once per municipality and each job continues from
    a copy of the state after it. The parallel loop runs over (spin-up group, municipality)
    tasks, in lanes of equal work (one per thread), so a batch keeps every core busy to the end. Every draw is keyed by
    (seed, entity, month, purpose), so results do not depend on the batch, its order or the
    thread count.

    Args:
        jobs: a sequence of :class:`Job` (one world for all; parameters, levers, rates, seed,
            policy start and months may differ).
        threads, check, keep_spinup: as :func:`simulate`.

    Returns:
        A list of ``(out, pyramid)``, one per job, in order, as :func:`simulate` returns them.
    """
    jobs = list(jobs)
    if not jobs:
        return []
    world = jobs[0].world
    if any(job.world is not world for job in jobs):
        raise ValueError("simulate_batch: every job of a batch must have the same world")
    start_years = {int(job.rates.start_year) for job in jobs}
    if len(start_years) > 1:
        raise ValueError(f"simulate_batch: the jobs' rates start in different years {start_years}")
    shapes = {tuple(getattr(job.rates, name).shape for name in Rates._fields) for job in jobs}
    if len(shapes) > 1:
        raise ValueError("simulate_batch: the jobs' rates cover different years; batch them apart")
    # None is numba's default (every core it may use), set for each batch: a thread count an
    # earlier call set does not carry over
    numba.set_num_threads(int(threads) if threads is not None else numba.config.NUMBA_NUM_THREADS)
    groups: dict[tuple, list[int]] = {}
    for j, job in enumerate(jobs):
        groups.setdefault(spinup_key(job), []).append(j)
    results: list = [None] * len(jobs)
    for part in _parts(world, jobs, list(groups.values())):
        for j, result in zip(
            part, _simulate_part(world, [jobs[j] for j in part], check), strict=True
        ):
            results[j] = result
    for j, job in enumerate(jobs):
        out, pyramid = results[j]
        if not keep_spinup:
            spinup_years = int(job.params.spinup_years)
            results[j] = out[:, spinup_years:], pyramid[:, spinup_years:]
    return results


def _years(job: Job) -> int:
    return int(job.params.spinup_years) + (int(job.n_months) + 11) // 12


def _parts(world, jobs, groups):
    """Split the groups into batches whose outputs fit in ``OUTPUT_BUDGET`` (whole groups)."""
    n_ages = jobs[0].rates.death.shape[-1]
    per_year = world.n_municipalities * (L.N_OUT * 8 + 2 * n_ages * 4)
    part: list[int] = []
    size = 0
    for group in groups:
        need = sum(_years(jobs[j]) for j in group) * per_year
        if part and size + need > OUTPUT_BUDGET:
            yield part
            part, size = [], 0
        part.extend(group)
        size += need
    if part:
        yield part


def _simulate_part(world, jobs, check):
    """One parallel loop over the jobs (already split into budget-sized parts)."""
    n_muni = world.n_municipalities
    params, lever_sets, rate_sets = [], [], []
    groups: dict[tuple, list[int]] = {}
    index = np.zeros((len(jobs), 4), dtype=np.int64)
    for j, job in enumerate(jobs):
        groups.setdefault(spinup_key(job), []).append(j)
        index[j, 0] = _index_of(params, job.params, lambda a, b: a.tobytes() == b.tobytes())
        index[j, 1] = _index_of(lever_sets, job.levers_base, np.array_equal)
        index[j, 2] = _index_of(lever_sets, job.levers_policy, np.array_equal)
        index[j, 3] = _index_of(rate_sets, job.rates, _same_rates)
    group_list = list(groups.values())
    batch = Jobs(
        np.array([job.seed for job in jobs], dtype=np.int64),
        np.array([job.n_months for job in jobs], dtype=np.int64),
        np.array([job.policy_start_month for job in jobs], dtype=np.int64),
        np.array([12 * int(job.params.spinup_years) for job in jobs], dtype=np.int64),
        index[:, 0].copy(),
        index[:, 1].copy(),
        index[:, 2].copy(),
        index[:, 3].copy(),
        np.cumsum([0] + [len(g) for g in group_list]).astype(np.int64),
        np.array([j for g in group_list for j in g], dtype=np.int64),
    )
    n_years = max(_years(job) for job in jobs)
    n_ages = jobs[0].rates.death.shape[-1]
    out = np.zeros((len(jobs), n_muni, n_years, L.N_OUT), dtype=np.float64)
    pyramid = np.zeros((len(jobs), n_muni, n_years, 2, n_ages), dtype=np.int32)
    err = np.zeros((len(jobs), n_muni, 3), dtype=np.int64)
    stacked = Rates(*(np.stack([getattr(r, name) for r in rate_sets]) for name in Rates._fields))
    levers = np.stack([np.asarray(s) for s in lever_sets]).view(np.recarray)
    params_array = np.asarray(params, dtype=params[0].dtype).view(np.recarray)
    tasks, lane_start = _lanes(*_tasks(world, batch, group_list), numba.get_num_threads())
    for room in ROOM:  # a municipality that outgrows its slots: all again with more (same draws)
        arrays = {name: getattr(world, name) for name in WorldArrays._fields}
        arrays["block_cap"] = world.block_cap * room
        out[:] = 0.0
        pyramid[:] = 0
        err[:] = 0
        _run_all(
            batch, tasks, lane_start, WorldArrays(**arrays), stacked, levers, params_array,
            np.int64(jobs[0].rates.start_year), bool(check), out, pyramid, err,
        )  # fmt: skip
        if not (err[:, :, 0] == L.ERR_CAPACITY).any():
            break
    start_year = int(jobs[0].rates.start_year)
    results = []
    for j, job in enumerate(jobs):
        _raise_on_error(err[j], world, start_year)
        years = _years(job)
        if len(jobs) == 1:
            results.append((out[j, :, :years], pyramid[j, :, :years]))
        else:  # its own arrays: a result kept does not keep the whole batch's
            results.append((out[j, :, :years].copy(), pyramid[j, :, :years].copy()))
    return results


def _tasks(world, batch, group_list):
    """Every (group, municipality) task and its cost (residents x months to run)."""
    tasks = []
    cost = []
    for g, members in enumerate(group_list):
        months = batch.spinup_months[members[0]] + sum(batch.n_months[j] for j in members)
        for m in range(world.n_municipalities):
            tasks.append((g, m))
            cost.append(float(world.n_residents[m]) * float(months))
    return np.asarray(tasks, dtype=np.int64).reshape(-1, 2), np.asarray(cost)


def _lanes(tasks, cost, n_lanes):
    """The tasks in ``n_lanes`` lanes of nearly equal cost, and where each lane starts.

    Longest first, each task to the lane with the least work so far (a lane ends at most one
    task's cost above the others). Which lane runs a task changes no result: tasks share no
    state and every draw is keyed.
    """
    n_lanes = max(1, min(int(n_lanes), len(tasks)))
    load = np.zeros(n_lanes)
    lane = np.empty(len(tasks), dtype=np.int64)
    order = np.argsort(-cost, kind="stable")
    for k in order:
        t = int(np.argmin(load))
        lane[k] = t
        load[t] += cost[k]
    by_lane = np.lexsort((np.argsort(order, kind="stable"), lane))  # lane, then longest first
    lane_start = np.searchsorted(lane[by_lane], np.arange(n_lanes + 1)).astype(np.int64)
    return np.ascontiguousarray(tasks[by_lane]), lane_start


def simulate(
    world,
    params,
    levers_base,
    levers_policy,
    policy_start_month,
    rates,
    seed,
    n_months,
    check=True,
    threads=None,
    keep_spinup=False,
):
    """Run one scenario (one policy, one demography alternative, one seed) over the region.

    Args:
        world: ``world.World`` (not modified; the state is copied).
        params: behaviour parameter record (``parameters.as_record``).
        levers_base, levers_policy: per-municipality lever records; ``levers_policy`` applies
            from month ``policy_start_month`` on, ``levers_base`` before it.
        rates: ``demography.DemographyRates`` covering every simulated year.
        seed: the replicate seed.
        n_months: months from January of the start year.
        check: check invariants (people and volunteers conserved, ranges, leader hours).
        threads: numba threads, or None for numba's default. Results do not depend on it.
        keep_spinup: also return the spin-up's rows (``params.spinup_years`` of them, first).

    Returns:
        (out, pyramid): yearly outputs ``[municipality, year, OUTPUT_COLUMNS]`` and residents by
        ``[municipality, year, sex, age]`` at each January.
    """
    job = Job(
        world, params, levers_base, levers_policy, int(policy_start_month), rates, int(seed),
        int(n_months),
    )  # fmt: skip
    return simulate_batch([job], threads=threads, check=check, keep_spinup=keep_spinup)[0]


# Room for residents: a municipality has ``world.CAPACITY_FACTOR`` times its first residents'
# slots; a batch in which one outgrows them runs again with these multiples of them
ROOM = (1, 2, 4, 8)


def _raise_on_error(err, world, start_year):
    bad = np.nonzero(err[:, 0])[0]
    if len(bad) == 0:
        return
    m = int(bad[0])
    code, month, entity = (int(x) for x in err[m])
    when = f"{start_year + month // 12}-{month % 12 + 1:02d}"  # spin-up months: before start
    text = L.ERROR_TEXT.get(code, f"error code {code}")
    where = f"municipality {world.codes[m]}, {when}: {text}"
    if code == L.ERR_CAPACITY:
        room = int(world.block_cap[m]) * ROOM[-1]
        raise FrivilligsimError(f"{where} ({room} places, {ROOM[-1]} times those it started with)")
    message = f"{where} (entity {entity})"
    raise InvariantError(message)


def job_of_setup(setup, seed: int) -> Job:
    """The :class:`Job` of a :class:`~frivilligsim.scenario.setup.ScenarioSetup` and a seed."""
    return Job(
        setup.world,
        setup.params,
        setup.lever_base,
        setup.lever_policy,
        int(setup.start_month),
        setup.rates,
        int(seed),
        int(setup.n_months),
    )


def simulate_setup(setup, seed: int):
    """Run a :class:`~frivilligsim.scenario.setup.ScenarioSetup` with one replicate seed.

    Returns ``(out, pyramid)`` as :func:`simulate`.
    """
    engine = setup.run.engine
    return simulate_batch(
        [job_of_setup(setup, seed)], threads=engine.threads, check=engine.check_invariants
    )[0]
