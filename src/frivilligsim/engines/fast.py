"""The fast engine: struct-of-arrays state stepped monthly by numba kernels.

Owns: the per-resident and per-centre state arrays, the monthly step of one municipality in
named phases (``_month`` calls them in the order of rules.py's docstring, as the Mesa model's
``step`` does), the parallel loop over municipalities, and the yearly output array. Every
decision calls ``rules.py``; every draw comes from ``rng.py`` keyed by (seed, entity, month,
purpose), so results do not depend on the thread count or on the order in which
municipalities are run.

Must not: contain behaviour of its own (write it in rules.py so the Mesa model shares it).

State travels in named groups (namedtuples of arrays, which numba compiles to plain structs):
``Run`` (seed, months, checks), ``Rates`` (demography), ``Place`` (one municipality: its
fixed traits, demand by area, counters), ``Residents`` and ``Centres`` (one municipality's
slices of the state arrays). A new mechanism adds its state to one group and its step to one
phase function.

Municipalities do not interact (migration is modelled as flows in and out of each
municipality), so each one runs all its months independently inside one ``prange`` iteration:
no synchronisation per month, and bit-identical results on 1 or 16 threads.
"""

from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np
from numba import njit, prange

from frivilligsim.core import rng, rules
from frivilligsim.core.demography import DRAW_BLOCK, FIRST_NEW_SERIAL, keyed_draws, step_year
from frivilligsim.core.schema import OWNERSHIP
from frivilligsim.engines import layout as L
from frivilligsim.engines import recruitment_pool
from frivilligsim.engines.recruitment_pool import IN_POOL, REENTERED, VOLUNTEER
from frivilligsim.errors import FrivilligsimError, InvariantError

MUNICIPAL = OWNERSHIP.index("municipal")
VOLUNTARY_ORG = OWNERSHIP.index("voluntary_org")
EXIT_DEATH = 1  # demography.step_year's exit_reason codes

Run = namedtuple("Run", ("seed", "n_months", "policy_start_month", "start_year", "check"))
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
        "volunteers",  # int32 positions of the volunteers, in resident order
        "dropped",  # int32 positions of this month's dropouts
        "joined",  # int32 positions of this month's recruits
        "candidates",  # int32, recruitment_pool candidates
        "reentry",  # int32, recruitment_pool re-entry list
        "pool",  # recruitment_pool.Pool over status, threshold, candidates, reentry
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
        # this month
        "cocreation",
        "ordered_share",
        "followup_quality",
        "pull",
        "evaluating",
        # this year
        "orders_this_year",
        "joint_hours_year",
        "volunteer_hours_year",
        # tallies of the centre's volunteers after the last resident pass
        "n_volunteers",
        "n_satisfied",
        "volunteer_hours",
    ),
)
Place = namedtuple(
    "Place",
    (
        "index",
        "key",
        "fiscal_stress",
        "immigrant_share",
        "demand",  # [4] hours a month by area, this year
        "demand_start",  # [4] the first year's demand
        "staff",  # [4] staff hours a month by area
        "meeting_demand",  # [4] volunteer hours meeting demand by area, last month
        "recruit_probability",  # [4] by cohort, this month
        "count",  # int64 [N_COUNTS]: residents, next serial, volunteers
        "tally",  # float64 [N_TALLIES]
    ),
)
# Place.count
RESIDENT_COUNT, NEXT_SERIAL, VOLUNTEER_COUNT, N_COUNTS = 0, 1, 2, 3
# Place.tally
POOL_13PLUS, TOTAL_PULL, DROPOUTS_THIS_MONTH, RECRUITS_THIS_MONTH = 0, 1, 2, 3
VOLUNTEERS, MOTIVATION_SUM, VOLUNTEERS_COHORT = 4, 5, 6  # re-tallied after each month
N_TALLIES = VOLUNTEERS_COHORT + 4


@njit(cache=True)
def _fail(err, code, month, entity):
    err[0] = code
    err[1] = month
    err[2] = entity
    return False


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
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc, dtype=np.bool_),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
        np.zeros(nc),
    )


@njit(cache=True)
def _new_place(index, key, fiscal_stress, immigrant_share, n_residents):
    count = np.zeros(N_COUNTS, dtype=np.int64)
    count[RESIDENT_COUNT] = n_residents
    count[NEXT_SERIAL] = FIRST_NEW_SERIAL
    return Place(
        index,
        key,
        fiscal_stress,
        immigrant_share,
        np.zeros(4),
        np.zeros(4),
        np.zeros(4),
        np.zeros(4),
        np.zeros(4),
        count,
        np.zeros(N_TALLIES),
    )


@njit(cache=True, inline="always")
def _pool(res, place):
    """The municipality's recruitment pool (built once per task, with its resident arrays)."""
    return res.pool


# ---- 8. demography (each January after the first) -----------------------------------------------


@njit(cache=True)
def _demography(run, rates, place, res, month, out, err):
    """Last year's deaths, births and migration; leavers leave their centre; slots compacted."""
    year = month // 12
    step = year - 1
    before = place.count[RESIDENT_COUNT]
    n_new, next_serial, births, deaths, in_mig, out_mig = step_year(
        res.age,
        res.sex,
        res.ids,
        res.exit_reason,
        before,
        place.count[NEXT_SERIAL],
        place.key,
        run.seed,
        run.start_year + step,
        rates.death[step],
        rates.fertility[step],
        rates.out_migration[step],
        rates.in_migration[step],
    )
    if n_new < 0:
        return _fail(err, L.ERR_CAPACITY, month, place.index)
    place.count[NEXT_SERIAL] = next_serial
    n, volunteer_deaths, volunteer_out = _compact(res, before, n_new)
    place.count[RESIDENT_COUNT] = n
    out[year, L.VOL_DEATHS] += volunteer_deaths
    out[year, L.VOL_OUTMIG] += volunteer_out
    out[year, L.BIRTHS] = births
    out[year, L.DEATHS] = deaths
    out[year, L.IN_MIG] = in_mig
    out[year, L.OUT_MIG] = out_mig
    if run.check and n != before + births - deaths + in_mig - out_mig:
        return _fail(err, L.ERR_PEOPLE, month, place.index)
    return True


@njit(cache=True)
def _compact(res, before, n_used):
    """Drop the residents who left, keeping the others in order; newcomers start outside.

    Slots ``[before, n_used)`` are this year's newborns and in-migrants: they enter the pool
    (no threshold yet) with no volunteer state. Returns ``(kept, volunteers who died,
    volunteers who moved out)``.
    """
    age, sex, ids, exit_reason = res.age, res.sex, res.ids, res.exit_reason
    status, threshold, centre, area = res.status, res.threshold, res.centre, res.area
    motivation, hours, tenure = res.motivation, res.hours, res.tenure
    j = 0
    died = 0
    moved = 0
    for i in range(n_used):
        e = exit_reason[i]
        if e != 0:
            if status[i] == VOLUNTEER:
                died += e == EXIT_DEATH
                moved += e != EXIT_DEATH
            continue
        if i >= before:
            age[j] = age[i]
            sex[j] = sex[i]
            ids[j] = ids[i]
            status[j] = IN_POOL
            threshold[j] = np.nan
            centre[j] = 0
            motivation[j] = 0.0
            hours[j] = 0.0
            tenure[j] = 0
            area[j] = 0
            exit_reason[j] = 0
        elif j != i:
            age[j] = age[i]
            sex[j] = sex[i]
            ids[j] = ids[i]
            status[j] = status[i]
            threshold[j] = threshold[i]
            centre[j] = centre[i]
            motivation[j] = motivation[i]
            hours[j] = hours[i]
            tenure[j] = tenure[i]
            area[j] = area[i]
            exit_reason[j] = 0
        j += 1
    return j, died, moved


# ---- 1. demand and the year's start ----------------------------------------------------------------


@njit(cache=True)
def _new_year(run, place, res, cen, month, lv, p, out, pyramid):
    """Count the target populations, set demand and staff, draw the 2024 volunteers, re-tally."""
    year = month // 12
    n = place.count[RESIDENT_COUNT]
    hist = pyramid[year]
    age, sex, status, volunteers = res.age, res.sex, res.status, res.volunteers
    nv = 0
    for i in range(n):
        hist[sex[i], age[i]] += 1
        volunteers[nv] = i  # the volunteers in resident order (branch-free)
        nv += status[i] == VOLUNTEER
    place.count[VOLUNTEER_COUNT] = nv
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
    if month == 0:
        place.demand_start[:] = place.demand
        nv = _initial_volunteers(run.seed, place, res, len(cen.key), p)
        place.count[VOLUNTEER_COUNT] = nv
    for a in range(4):
        place.staff[a] = rules.staff_capacity(place.demand_start[a], year, lv.labour_shortage, p)
    recruitment_pool.open_year(_pool(res, place), run.seed, res.ids, res.age, n, month)
    _tally(place, res, cen, p)
    out[year, L.CENTRES] = len(cen.key)
    cen.orders_this_year[:] = 0.0
    cen.joint_hours_year[:] = 0.0
    cen.volunteer_hours_year[:] = 0.0


@njit(cache=True)
def _initial_volunteers(seed, place, res, nc, p):
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
    pool = np.zeros(4)
    for i in range(n):
        if rules.in_pool_age(age[i]):
            pool[rules.cohort_of_age(age[i])] += 1.0
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
                res.volunteers[nv] = i
                nv += 1
    return nv


@njit(cache=True)
def _start_tally(place, cen):
    cen.n_volunteers[:] = 0.0
    cen.n_satisfied[:] = 0.0
    cen.volunteer_hours[:] = 0.0
    place.tally[VOLUNTEERS:] = 0.0


@njit(cache=True)
def _gap(place):
    """1. The share of demand left unmet last month by staff and volunteers."""
    covered = 0.0
    for a in range(4):
        covered += rules.covered_hours(place.meeting_demand[a], place.demand[a])
    return rules.gap_ratio(place.demand.sum(), place.staff.sum(), covered)


# ---- 2-4, 9. orders, decisions, leader time, evaluation: per centre --------------------------------


@njit(cache=True)
def _centres_step(run, place, cen, gap, month, lv, p, out, err):
    """Each centre's orders, decisions, leader time, share of ordered hours, pull, evaluation."""
    year = month // 12
    leader = np.zeros(4)
    total_pull = 0.0
    for c in range(len(cen.key)):
        vacant = cen.vacancy[c] > 0
        issued = 0
        declined = 0
        accepted_hours = 0.0
        if not vacant:
            rate = rules.order_rate(
                gap,
                place.fiscal_stress,
                cen.co_located[c] == 1,
                cen.ownership[c] == MUNICIPAL,
                lv,
                p,
            )
            issued, declined, accepted_hours = rules.orders_of_month(
                run.seed,
                cen.key[c],
                month,
                rate,
                cen.ownership[c] == VOLUNTARY_ORG,
                cen.felt_strain[c],
                lv,
                p,
            )
            cen.trust[c] = rules.trust_after_declines(cen.trust[c], declined, lv)
        cen.order_pool[c] = rules.order_pool_after_month(cen.order_pool[c], accepted_hours, p)
        cen.cocreation[c] = rules.cocreation_level(cen.trust[c], cen.agreement[c], vacant, lv)
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
        cen.ordered_share[c] = rules.ordered_share(cen.order_pool[c], cen.volunteer_hours[c], lv)
        cen.pull[c] = rules.centre_pull(
            cen.n_satisfied[c],
            place.tally[POOL_13PLUS],
            recruiting_quality,
            cen.co_located[c] == 1,
            vacant,
            p,
        )
        total_pull += cen.pull[c]
        cen.evaluating[c] = rules.evaluates(month, vacant, lv)
        if cen.evaluating[c]:
            cen.trust[c] = rules.trust_after_evaluation(cen.trust[c], p)
        out[year, L.ORD_ISSUED] += issued
        out[year, L.ORD_DECLINED] += declined
        cen.orders_this_year[c] += issued
    place.tally[TOTAL_PULL] = total_pull
    return True


# ---- 5-6. work, motivation and exit: the volunteers -----------------------------------------------


@njit(cache=True)
def _work_and_exit(run, place, res, cen, month, lv, p, out, err):
    """Each volunteer works a month (hours split, motivation) and may quit (rules 5-6).

    Visits the volunteer list only; quitters leave it (kept in resident order) and are noted
    in ``res.dropped`` to re-enter the pool after this month's recruitment.
    """
    year = month // 12
    place.meeting_demand[:] = 0.0
    hours_all = 0.0
    hours_ordered = 0.0
    hours_cocreated = 0.0
    nv = place.count[VOLUNTEER_COUNT]
    kept = 0
    dropouts = 0
    for r in range(nv):
        i = res.volunteers[r]
        c = res.centre[i]
        m = rules.motivation_after_month(
            res.motivation[i],
            cen.ordered_share[c],
            cen.followup_quality[c],
            cen.felt_strain[c],
            lv,
            p,
        )
        if cen.evaluating[c]:
            m = rules.redesigned_motivation(m, p)
        res.motivation[i] = m
        h = res.hours[i]
        ordered, cocreated, meeting = rules.hours_split(
            h, cen.ordered_share[c], cen.cocreation[c], p
        )
        hours_all += h
        hours_ordered += ordered
        hours_cocreated += cocreated
        cen.joint_hours_year[c] += ordered + cocreated
        cen.volunteer_hours_year[c] += h
        place.meeting_demand[res.area[i]] += meeting
        if run.check:
            if m < 0.0 or m > 1.0:
                return _fail(err, L.ERR_MOTIVATION, month, res.ids[i])
            if h < 0.0:
                return _fail(err, L.ERR_HOURS, month, res.ids[i])
        if rules.drops_out(run.seed, res.ids[i], month, m, p):
            res.status[i] = REENTERED  # not a candidate this month; re-enters after recruitment
            res.dropped[dropouts] = i
            dropouts += 1
        else:
            res.tenure[i] += 1
            res.volunteers[kept] = i
            kept += 1
    place.count[VOLUNTEER_COUNT] = kept
    place.tally[DROPOUTS_THIS_MONTH] = dropouts
    out[year, L.VHOURS] += hours_all
    out[year, L.HORD] += hours_ordered
    out[year, L.HCOC] += hours_cocreated
    out[year, L.DROPOUTS] += dropouts
    return True


# ---- 7. recruitment: the pool, event by event -------------------------------------------------------


@njit(cache=True)
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
    _merge_sorted(res.volunteers, place.count[VOLUNTEER_COUNT], res.joined, k)
    place.count[VOLUNTEER_COUNT] += k
    for d in range(int(place.tally[DROPOUTS_THIS_MONTH])):
        i = res.dropped[d]
        recruitment_pool.reenter(pool, run.seed, res.ids[i], i, res.age, month)
    place.tally[RECRUITS_THIS_MONTH] = k
    out[month // 12, L.RECRUITS] += k


@njit(cache=True)
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


@njit(cache=True)
def _tally(place, res, cen, p):
    """Each centre's volunteers, satisfied volunteers and hours; the municipality's stocks.

    Written out in one loop over plain arrays: a helper taking the namedtuples, called per
    volunteer, would copy (and reference-count) every array in them each time.
    """
    _start_tally(place, cen)
    n_volunteers, n_satisfied, volunteer_hours = (
        cen.n_volunteers,
        cen.n_satisfied,
        cen.volunteer_hours,
    )
    tally, centre, hours, motivation, age = (
        place.tally,
        res.centre,
        res.hours,
        res.motivation,
        res.age,
    )
    for r in range(place.count[VOLUNTEER_COUNT]):
        i = res.volunteers[r]
        c = centre[i]
        n_volunteers[c] += 1.0
        volunteer_hours[c] += hours[i]
        if rules.is_satisfied(motivation[i], p):
            n_satisfied[c] += 1.0
        tally[VOLUNTEERS_COHORT + rules.cohort_of_age(age[i])] += 1.0
        tally[VOLUNTEERS] += 1.0
        tally[MOTIVATION_SUM] += motivation[i]


# ---- the month's close: coverage, leader turnover, the year's stocks ------------------------------


@njit(cache=True)
def _record_coverage(run, place, month, out, err):
    """Demand and covered hours by area of the month."""
    year = month // 12
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


@njit(cache=True)
def _leader_turnover(run, cen, month, p, out):
    """4 (end of month). Overload makes leaders leave; a vacancy counts down (rules.py)."""
    year = month // 12
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


@njit(cache=True)
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


@njit(cache=True)
def _month(run, rates, place, res, cen, month, lv, p, out, pyramid, err):
    """One month of one municipality, in the order of rules.py's docstring. False on error."""
    if month % 12 == 0:
        if month > 0:
            recruitment_pool.close_year(_pool(res, place), res.age, place.count[RESIDENT_COUNT])
            if not _demography(run, rates, place, res, month, out, err):
                return False  # 8. demography
        _new_year(run, place, res, cen, month, lv, p, out, pyramid)  # 1. demand
    gap = _gap(place)
    volunteers_start = place.tally[VOLUNTEERS]
    if not _centres_step(run, place, cen, gap, month, lv, p, out, err):  # 2-4, 9.
        return False
    if not _work_and_exit(run, place, res, cen, month, lv, p, out, err):  # 5-6.
        return False
    _recruitment(run, place, res, cen, month, lv, p, out)  # 7.
    _tally(place, res, cen, p)
    flows = place.tally[RECRUITS_THIS_MONTH] - place.tally[DROPOUTS_THIS_MONTH]
    if run.check and place.tally[VOLUNTEERS] != volunteers_start + flows:
        return _fail(err, L.ERR_VOLUNTEERS, month, place.index)
    if not _record_coverage(run, place, month, out, err):
        return False
    _leader_turnover(run, cen, month, p, out)  # 4. (end of month)
    if month % 12 == 11:
        _close_year(place, cen, month // 12, p, out)
    return True


@njit(cache=True)
def _run_municipality(run, rates, place, res, cen, lv_base, lv_policy, p, out, pyramid, err):
    """Run one municipality through all months. Writes ``out[year, column]`` and ``pyramid``."""
    for month in range(run.n_months):
        lv = lv_policy if month >= run.policy_start_month else lv_base
        if not _month(run, rates, place, res, cen, month, lv, p, out, pyramid, err):
            return


@njit(cache=True)
def _municipality_residents(world, m):
    """Municipality ``m``'s resident slots: its initial residents copied, volunteer state zero.

    Allocated per municipality inside the parallel loop, so a run holds the state of the
    municipalities being simulated only (not of the whole region at once).
    """
    lo = world.block_start[m]
    cap = world.block_cap[m]
    pool = recruitment_pool.new_pool_of(cap)
    return Residents(
        world.age[lo : lo + cap].copy(),
        world.sex[lo : lo + cap].copy(),
        world.ids[lo : lo + cap].copy(),
        np.zeros(cap, dtype=np.int8),
        pool.status,
        pool.threshold,
        np.zeros(cap, dtype=np.int8),
        np.zeros(cap, dtype=np.float64),
        np.zeros(cap, dtype=np.float64),
        np.zeros(cap, dtype=np.int32),
        np.zeros(cap, dtype=np.int8),
        np.zeros(cap, dtype=np.int32),
        np.zeros(cap, dtype=np.int32),
        np.zeros(cap, dtype=np.int32),
        pool.candidates,
        pool.reentry,
        pool,
    )


@njit(cache=True, parallel=True)
def _run_all(run, seeds, rates, tasks, world, lv_base, lv_policy, params, out, pyramid, err):
    """Every task (replicate ``tasks[k, 0]``, municipality ``tasks[k, 1]``) in one parallel loop.

    Tasks do not share state, so a batch of replicates fills both cores as one replicate's
    municipalities do; each task's draws are keyed by its own seed. The caller sets a chunk
    size of 1 (threads take the next task as they finish one) and orders the tasks largest
    first, so no thread is left with a large municipality at the end.
    """
    for k in prange(tasks.shape[0]):
        _run_task(
            run,
            seeds,
            rates,
            tasks[k, 0],
            tasks[k, 1],
            world,
            lv_base,
            lv_policy,
            params,
            out,
            pyramid,
            err,
        )


@njit(cache=True)
def _run_task(run, seeds, rates, r, m, world, lv_base, lv_policy, params, out, pyramid, err):
    """Replicate ``r`` of municipality ``m``, all months.

    Every array the task touches is its own copy (centres, rates, outputs), written back at
    the end: arrays shared between tasks would share a reference count, which every call
    updates atomically, and two threads updating one count slow each other down.
    """
    # Records are indexed here: numba's parallel closures cannot take them by value.
    c_lo = world.centre_start[m]
    c_hi = world.centre_start[m + 1]
    p = params[0]
    place = _new_place(
        m,
        world.muni_key[m],
        world.fiscal_stress[m],
        world.immigrant_share[m],
        world.n_residents[m],
    )
    cen = _new_centres(
        world.centre_key[c_lo:c_hi].copy(),
        world.centre_ownership[c_lo:c_hi].copy(),
        world.centre_co_located[c_lo:c_hi].copy(),
        world.centre_agreement[c_lo:c_hi].copy(),
        p,
    )
    mine = _municipality_residents(world, m)
    # migration is per municipality ([n_muni, year, sex, age]); mortality and fertility not
    mine_rates = Rates(
        rates.death.copy(),
        rates.fertility.copy(),
        rates.out_migration[m].copy(),
        rates.in_migration[m].copy(),
    )
    mine_run = Run(seeds[r], run.n_months, run.policy_start_month, run.start_year, run.check)
    my_out = np.zeros_like(out[r, m])
    my_pyramid = np.zeros_like(pyramid[r, m])
    my_err = np.zeros_like(err[r, m])
    _run_municipality(
        mine_run,
        mine_rates,
        place,
        mine,
        cen,
        lv_base[m],
        lv_policy[m],
        p,
        my_out,
        my_pyramid,
        my_err,
    )
    out[r, m] = my_out
    pyramid[r, m] = my_pyramid
    err[r, m] = my_err


WorldArrays = namedtuple(
    "WorldArrays",
    (
        "block_start",
        "block_cap",
        "n_residents",
        "muni_key",
        "fiscal_stress",
        "immigrant_share",
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

    Returns:
        (out, pyramid): yearly outputs ``[municipality, year, OUTPUT_COLUMNS]`` and residents by
        ``[municipality, year, sex, age]`` at each January.
    """
    out, pyramid = simulate_batch(
        world,
        params,
        levers_base,
        levers_policy,
        policy_start_month,
        rates,
        [seed],
        n_months,
        check=check,
        threads=threads,
    )
    return out[0], pyramid[0]


def simulate_batch(
    world,
    params,
    levers_base,
    levers_policy,
    policy_start_month,
    rates,
    seeds,
    n_months,
    check=True,
    threads=None,
):
    """Run several replicates (``seeds``) of one scenario in one parallel loop.

    Arguments as :func:`simulate`, with ``seeds`` a sequence of replicate seeds. Replicate
    ``r`` gives exactly what ``simulate(..., seeds[r], ...)`` gives (every draw is keyed by its
    seed); the batch only shares the threads: the loop runs over (replicate, municipality)
    pairs, largest municipalities first, so both cores stay busy to the end.

    Returns:
        (out, pyramid): ``[replicate, municipality, year, OUTPUT_COLUMNS]`` and
        ``[replicate, municipality, year, sex, age]``.
    """
    seeds = np.asarray(seeds, dtype=np.int64).reshape(-1)
    n_muni = world.n_municipalities
    n_rep = len(seeds)
    n_years = (n_months + 11) // 12
    out = np.zeros((n_rep, n_muni, n_years, L.N_OUT), dtype=np.float64)
    pyramid = np.zeros((n_rep, n_muni, n_years, 2, rates.death.shape[-1]), dtype=np.int32)
    err = np.zeros((n_rep, n_muni, 3), dtype=np.int64)
    params_array = np.asarray([params], dtype=params.dtype).view(np.recarray)
    if threads is not None:
        numba.set_num_threads(int(threads))
    order = np.argsort(-world.n_residents, kind="stable").astype(np.int64)  # big ones first
    tasks = np.empty((n_rep * n_muni, 2), dtype=np.int64)
    tasks[:, 0] = np.tile(np.arange(n_rep), n_muni)
    tasks[:, 1] = np.repeat(order, n_rep)
    run = Run(
        np.int64(0),  # each task's seed is seeds[its replicate]
        np.int64(n_months),
        np.int64(policy_start_month),
        np.int64(rates.start_year),
        bool(check),
    )
    rate_arrays = Rates(rates.death, rates.fertility, rates.out_migration, rates.in_migration)
    world_arrays = WorldArrays(*(getattr(world, name) for name in WorldArrays._fields))
    numba.set_parallel_chunksize(1)
    try:
        _run_all(
            run,
            seeds,
            rate_arrays,
            tasks,
            world_arrays,
            levers_base,
            levers_policy,
            params_array,
            out,
            pyramid,
            err,
        )
    finally:
        numba.set_parallel_chunksize(0)
    for r in range(n_rep):
        _raise_on_error(err[r], world, rates.start_year)
    return out, pyramid


def _raise_on_error(err, world, start_year):
    bad = np.nonzero(err[:, 0])[0]
    if len(bad) == 0:
        return
    m = int(bad[0])
    code, month, entity = (int(x) for x in err[m])
    when = f"{start_year + month // 12}-{month % 12 + 1:02d}"
    text = L.ERROR_TEXT.get(code, f"error code {code}")
    message = f"municipality {world.codes[m]}, {when}: {text} (entity {entity})"
    if code == L.ERR_CAPACITY:
        raise FrivilligsimError(message)
    raise InvariantError(message)


def simulate_setup(setup, seed: int):
    """Run a :class:`~frivilligsim.scenario.setup.ScenarioSetup` with one replicate seed.

    Returns ``(out, pyramid)`` as :func:`simulate`.
    """
    run = setup.run
    return simulate(
        setup.world,
        setup.params,
        setup.lever_base,
        setup.lever_policy,
        setup.start_month,
        setup.rates,
        seed,
        setup.n_months,
        check=run.engine.check_invariants,
        threads=run.engine.threads,
    )


def simulate_setup_batch(setup, seeds):
    """Run a :class:`~frivilligsim.scenario.setup.ScenarioSetup` with several replicate seeds.

    Returns ``(out, pyramid)`` as :func:`simulate_batch`.
    """
    run = setup.run
    return simulate_batch(
        setup.world,
        setup.params,
        setup.lever_base,
        setup.lever_policy,
        setup.start_month,
        setup.rates,
        seeds,
        setup.n_months,
        check=run.engine.check_invariants,
        threads=run.engine.threads,
    )
