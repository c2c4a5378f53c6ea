"""The fast engine: struct-of-arrays state stepped monthly by numba kernels.

Owns: the per-resident and per-centre state arrays, the monthly loop of one municipality
(``_run_municipality``), the parallel loop over municipalities, and the yearly output array.
Every decision calls ``rules.py``; every draw comes from ``rng.py`` keyed by
(seed, entity, month, purpose), so results do not depend on the thread count or on the order
in which municipalities are run.

Must not: contain behaviour of its own (write it in rules.py so the Mesa model shares it).

Municipalities do not interact (migration is modelled as flows in and out of each
municipality), so each one runs all its months independently inside one ``prange`` iteration:
no synchronisation per month, and bit-identical results on 1 or 16 threads.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from frivilligsim.core import rng, rules, schema
from frivilligsim.core.demography import FIRST_NEW_SERIAL, step_year
from frivilligsim.engines.layout import (  # noqa: F401 - the output layout
    BIRTHS,
    CENTRES,
    COOPERATING,
    COVERED,
    COVERED_AREA,
    DEATHS,
    DEMAND,
    DEMAND_AREA,
    DROPOUTS,
    ERR_CAPACITY,
    ERR_COVERAGE,
    ERR_HOURS,
    ERR_LEADER_HOURS,
    ERR_MOTIVATION,
    ERR_PEOPLE,
    ERR_VOLUNTEERS,
    ERROR_TEXT,
    HCOC,
    HORD,
    IN_MIG,
    MOT_SUM,
    N_OUT,
    OK,
    ORD_DECLINED,
    ORD_ISSUED,
    OUT_MIG,
    OUTPUT_COLUMNS,
    PRESSURED,
    R70,
    R80,
    RECRUITS,
    RESIDENTS,
    STRAIN_MONTHS,
    STRAIN_SUM,
    TURNOVERS,
    VACANT_MONTHS,
    VHOURS,
    VOL_DEATHS,
    VOL_OUTMIG,
    VOLS,
    VOLS_COHORT,
)
from frivilligsim.errors import FrivilligsimError, InvariantError

MAX_CENTRES = 8
COHORT_LOWER_AGE = np.array(schema.COHORT_LOWER_AGE, dtype=np.int64)
COHORT_OF_AGE = np.array(
    [max(0, schema.cohort_of_age(a)) for a in range(schema.N_AGES)], dtype=np.int8
)
MUNICIPAL = 0  # schema.OWNERSHIP
VOLUNTARY_ORG = 1


@njit(cache=True, inline="always")
def _cohort(age):
    if age < 26:
        return 0
    if age < 62:
        return 1
    if age < 76:
        return 2
    return 3


@njit(cache=True)
def _initial_volunteers(seed, age, ids, vol, centre, mot, hours, tenure, area, n, nc, demand, p):
    """Draw the 2024 volunteers: about ``initial_volunteers_per_centre`` per centre (L192)."""
    if nc == 0:
        return
    pool = np.zeros(4)
    for i in range(n):
        if age[i] >= 13:
            pool[_cohort(age[i])] += 1.0
    prob = np.zeros(4)
    rules.initial_volunteer_probability(pool, nc, p, prob)
    for i in range(n):
        if age[i] < 13:
            continue
        coh = _cohort(age[i])
        if rng.uniform(seed, ids[i], 0, rng.INITIAL_VOLUNTEER) < prob[coh]:
            vol[i] = 1
            centre[i] = min(nc - 1, int(rng.uniform(seed, ids[i], 0, rng.INITIAL_CENTRE) * nc))
            u = rng.uniform(seed, ids[i], 0, rng.INITIAL_MOTIVATION)
            mot[i] = min(1.0, max(0.0, p.motivation_initial + 0.3 * (u - 0.5)))
            base = rules.volunteer_hours(coh, p)
            hours[i] = base * (0.5 + rng.uniform(seed, ids[i], 0, rng.INITIAL_HOURS))
            area[i] = rules.pick_proportional(
                demand, 4, rng.uniform(seed, ids[i], 0, rng.INITIAL_AREA)
            )
            tenure[i] = int(rng.uniform(seed, ids[i], 0, rng.INITIAL_TENURE) * 120.0)


@njit(cache=True)
def _run_municipality(
    seed,
    n_months,
    policy_start_month,
    age,
    sex,
    ids,
    exit_reason,
    vol,
    centre,
    mot,
    hours,
    tenure,
    area,
    n0,
    muni_index,
    muni_key,
    fiscal_stress,
    immigrant_share,
    c_key,
    c_owner,
    c_coloc,
    c_agree,
    lv_base,
    lv_policy,
    p,
    death,
    fertility,
    out_migration,
    in_migration,
    start_year,
    check,
    out,
    pyramid,
    err,
):
    """Run one municipality through all months. Writes ``out[year, column]`` and ``pyramid``."""
    n = n0
    next_serial = FIRST_NEW_SERIAL
    nc = len(c_key)
    budget = p.leader_hours_per_month
    # centre state
    trust = np.full(nc, p.trust_initial)
    felt = np.zeros(nc)
    vacancy = np.zeros(nc, dtype=np.int64)
    order_pool = np.zeros(nc)
    orders_this_year = np.zeros(nc)
    joint_year = np.zeros(nc)  # hours worked with the municipality this year (co-created + ordered)
    vhours_year = np.zeros(nc)  # all volunteer hours this year
    # per-month centre quantities
    coc = np.zeros(nc)
    fshare = np.zeros(nc)
    followup_q = np.zeros(nc)
    pull = np.zeros(max(nc, MAX_CENTRES))  # a large city has more than 8 centres (Oslo 28)
    evaluate = np.zeros(nc, dtype=np.int64)
    leader = np.zeros(4)
    recruit_p = np.zeros(4)
    # tallies of the volunteer state, refreshed by each resident pass
    vols_c = np.zeros(nc)
    sat_c = np.zeros(nc)
    vhours_c = np.zeros(nc)
    vol_cohort = np.zeros(4)
    vol_total = 0
    mot_total = 0.0
    # demography tallies (yearly)
    demand = np.zeros(4)
    demand0 = np.zeros(4)
    staff = np.zeros(4)
    effective = np.zeros(4)  # volunteer hours meeting demand, by area, last month
    n13 = 0.0

    for month in range(n_months):
        year = month // 12
        moy = month % 12
        lv = lv_policy if month >= policy_start_month else lv_base

        # 8. demography, each January after the first (the initial state is 2024-01): the
        # step of calendar year y takes residents from 1 January y to 1 January y + 1.
        if moy == 0 and month > 0:
            before = n
            step = year - 1
            res = step_year(
                age,
                sex,
                ids,
                exit_reason,
                n,
                next_serial,
                muni_key,
                seed,
                start_year + step,
                death[step],
                fertility[step],
                out_migration[step],
                in_migration[step],
            )
            n_new, next_serial, births, deaths, in_mig, out_mig = res
            if n_new < 0:
                err[0] = ERR_CAPACITY
                err[1] = month
                err[2] = muni_index
                return
            for i in range(before):
                if exit_reason[i] != 0 and vol[i] == 1:
                    if exit_reason[i] == 1:
                        out[year, VOL_DEATHS] += 1
                    else:
                        out[year, VOL_OUTMIG] += 1
            for i in range(before, n_new):
                vol[i] = 0
                mot[i] = 0.0
                hours[i] = 0.0
                tenure[i] = 0
                area[i] = 0
                centre[i] = 0
            j = 0
            for i in range(n_new):
                if exit_reason[i] == 0:
                    if j != i:
                        age[j] = age[i]
                        sex[j] = sex[i]
                        ids[j] = ids[i]
                        vol[j] = vol[i]
                        centre[j] = centre[i]
                        mot[j] = mot[i]
                        hours[j] = hours[i]
                        tenure[j] = tenure[i]
                        area[j] = area[i]
                        exit_reason[j] = 0
                    j += 1
            n = j
            out[year, BIRTHS] = births
            out[year, DEATHS] = deaths
            out[year, IN_MIG] = in_mig
            out[year, OUT_MIG] = out_mig
            if check and n != before + births - deaths + in_mig - out_mig:
                err[0] = ERR_PEOPLE
                err[1] = month
                err[2] = muni_index
                return

        # 1. demand: target populations change once a year
        if moy == 0:
            n80 = 0.0
            n70 = 0.0
            n6_17 = 0.0
            n13 = 0.0
            for i in range(n):
                a = age[i]
                pyramid[year, sex[i], a] += 1
                if a >= 70:
                    n70 += 1.0
                    if a >= 80:
                        n80 += 1.0
                if a >= 13:
                    n13 += 1.0
                if 6 <= a <= 17:
                    n6_17 += 1.0
            out[year, RESIDENTS] = n
            out[year, R70] = n70
            out[year, R80] = n80
            rules.demand_hours(n80, immigrant_share * n, n6_17, float(n), p, demand)
            if month == 0:
                for a in range(4):
                    demand0[a] = demand[a]
                _initial_volunteers(
                    seed, age, ids, vol, centre, mot, hours, tenure, area, n, nc, demand, p
                )
            for a in range(4):
                staff[a] = rules.staff_capacity(demand0[a], year, lv.labour_shortage, p)
            # re-tally volunteers after demography (or the initial draw)
            vols_c[:] = 0.0
            sat_c[:] = 0.0
            vhours_c[:] = 0.0
            for i in range(n):
                if vol[i] == 1:
                    c = centre[i]
                    vols_c[c] += 1.0
                    vhours_c[c] += hours[i]
                    if mot[i] > p.satisfied_threshold:
                        sat_c[c] += 1.0
            out[year, CENTRES] = nc
            orders_this_year[:] = 0.0
            joint_year[:] = 0.0
            vhours_year[:] = 0.0

        demand_total = demand.sum()
        covered_prev = 0.0
        for a in range(4):
            covered_prev += min(effective[a], demand[a])
        gap = rules.gap_ratio(demand_total, staff.sum(), covered_prev)

        # 2-4. orders, decisions and leader time, per centre
        total_pull = 0.0
        for c in range(nc):
            vacant = vacancy[c] > 0
            issued = 0
            declined = 0
            accepted_hours = 0.0
            if not vacant:
                lam = rules.order_rate(
                    gap, fiscal_stress, c_coloc[c] == 1, c_owner[c] == MUNICIPAL, lv, p
                )
                issued = rng.poisson(lam, seed, c_key[c], month, rng.ORDER_COUNT)
                st_stat = rng.stream_key(seed, month, rng.ORDER_STATUTORY)
                st_decl = rng.stream_key(seed, month, rng.ORDER_DECLINE)
                for k in range(issued):
                    statutory = rng.draw(st_stat, c_key[c], k)
                    pd = rules.decline_probability(
                        statutory, c_owner[c] == VOLUNTARY_ORG, felt[c], lv, p
                    )
                    if rng.draw(st_decl, c_key[c], k) < pd:
                        declined += 1
                    else:
                        accepted_hours += p.order_hours
                trust[c] = rules.trust_after_declines(trust[c], declined, lv)
            order_pool[c] = rules.order_pool_after_month(order_pool[c], accepted_hours, p)
            coc[c] = rules.cocreation_level(trust[c], c_agree[c], vacant, lv)
            if vacant:
                followup_q[c] = 0.0
                recruiting = 0.0
            else:
                rules.leader_time(vols_c[c], issued, coc[c], lv, p, leader)
                felt[c] = rules.strain_memory(felt[c], leader[0], p)
                followup_q[c] = leader[1]
                recruiting = leader[2]
                out[year, STRAIN_SUM] += leader[0]
                out[year, STRAIN_MONTHS] += 1.0
                if check and leader[3] > budget * (1.0 + 1e-9):
                    err[0] = ERR_LEADER_HOURS
                    err[1] = month
                    err[2] = c_key[c]
                    return
            fshare[c] = rules.ordered_share(order_pool[c], vhours_c[c], lv)
            pull[c] = rules.centre_pull(sat_c[c], n13, recruiting, c_coloc[c] == 1, vacant, p)
            total_pull += pull[c]
            interval = int(lv.evaluation_interval)
            evaluate[c] = 0
            if interval > 0 and not vacant and (month + 1) % interval == 0:
                evaluate[c] = 1
                trust[c] = rules.trust_after_evaluation(trust[c], p)
            out[year, ORD_ISSUED] += issued
            out[year, ORD_DECLINED] += declined
            orders_this_year[c] += issued

        # 5-7. work, motivation, exit and recruitment: one pass over residents
        vols_start = 0.0
        for c in range(nc):
            vols_start += vols_c[c]
        vols_c[:] = 0.0
        sat_c[:] = 0.0
        vhours_c[:] = 0.0
        vol_cohort[:] = 0.0
        effective[:] = 0.0
        vol_total = 0
        mot_total = 0.0
        recruits = 0
        dropouts = 0
        v_hours = 0.0
        h_ordered = 0.0
        h_cocreated = 0.0
        st_drop = rng.stream_key(seed, month, rng.DROPOUT)
        st_recruit = rng.stream_key(seed, month, rng.RECRUIT)
        # The recruitment probability is the same for everyone in a cohort this month
        # (targeting 62+ coincides with the cohort bounds), so it is computed once per cohort.
        for k in range(4):
            recruit_p[k] = rules.recruit_base(k, COHORT_LOWER_AGE[k], lv, p) * total_pull
        for i in range(n):
            a = age[i]
            if a < 13:
                continue
            coh = COHORT_OF_AGE[a]
            if vol[i] == 1:
                c = centre[i]
                m = rules.motivation_after_month(mot[i], fshare[c], followup_q[c], felt[c], lv, p)
                if evaluate[c] == 1:
                    m = rules.redesigned_motivation(m, p)
                mot[i] = m
                h = hours[i]
                ho = h * fshare[c]
                hc = (h - ho) * coc[c]
                v_hours += h
                h_ordered += ho
                h_cocreated += hc
                joint_year[c] += ho + hc
                vhours_year[c] += h
                effective[area[i]] += ho + hc + (h - ho - hc) * p.own_activity_match
                if check:
                    if m < 0.0 or m > 1.0:
                        err[0] = ERR_MOTIVATION
                        err[1] = month
                        err[2] = ids[i]
                        return
                    if h < 0.0:
                        err[0] = ERR_HOURS
                        err[1] = month
                        err[2] = ids[i]
                        return
                if rng.draw(st_drop, ids[i]) < rules.dropout_probability(m, p):
                    vol[i] = 0
                    dropouts += 1
                    continue
                tenure[i] += 1
            elif total_pull > 0.0:
                if rng.draw(st_recruit, ids[i]) >= recruit_p[coh]:
                    continue
                vol[i] = 1
                recruits += 1
                c = 0
                if nc > 1:
                    c = rules.pick_proportional(
                        pull, nc, rng.uniform(seed, ids[i], month, rng.RECRUIT_CENTRE)
                    )
                centre[i] = c
                mot[i] = p.motivation_initial
                u = rng.uniform(seed, ids[i], month, rng.RECRUIT_HOURS)
                hours[i] = rules.volunteer_hours(coh, p) * (0.5 + u)
                area[i] = rules.pick_proportional(
                    demand, 4, rng.uniform(seed, ids[i], month, rng.RECRUIT_AREA)
                )
                tenure[i] = 0
            else:
                continue
            c = centre[i]
            vols_c[c] += 1.0
            vhours_c[c] += hours[i]
            if mot[i] > p.satisfied_threshold:
                sat_c[c] += 1.0
            vol_cohort[coh] += 1.0
            vol_total += 1
            mot_total += mot[i]

        if check and vol_total != vols_start + recruits - dropouts:
            err[0] = ERR_VOLUNTEERS
            err[1] = month
            err[2] = muni_index
            return
        covered = 0.0
        for a in range(4):
            cov_a = min(effective[a], demand[a])
            covered += cov_a
            out[year, DEMAND_AREA + a] += demand[a]
            out[year, COVERED_AREA + a] += cov_a
        if check and (covered < 0.0 or covered > demand_total * (1.0 + 1e-9) + 1e-9):
            err[0] = ERR_COVERAGE
            err[1] = month
            err[2] = muni_index
            return
        out[year, VHOURS] += v_hours
        out[year, HORD] += h_ordered
        out[year, HCOC] += h_cocreated
        out[year, DEMAND] += demand_total
        out[year, COVERED] += covered
        out[year, RECRUITS] += recruits
        out[year, DROPOUTS] += dropouts

        # 4 (end of month). leader turnover (L2392-2395); a vacancy stops recruitment
        # (assumption) and resets the relationship with the municipality (L2602-2604)
        for c in range(nc):
            if vacancy[c] > 0:
                vacancy[c] -= 1
                out[year, VACANT_MONTHS] += 1
            elif rng.uniform(seed, c_key[c], month, rng.LEADER_TURNOVER) < (
                rules.turnover_probability(felt[c], p)
            ):
                out[year, TURNOVERS] += 1
                vacancy[c] = int(p.vacancy_months)
                felt[c] = 0.0
                trust[c] = p.trust_initial
                order_pool[c] = 0.0

        if moy == 11:
            out[year, VOLS] = vol_total
            for k in range(4):
                out[year, VOLS_COHORT + k] = vol_cohort[k]
            out[year, MOT_SUM] = mot_total
            for c in range(nc):
                if rules.cooperates(joint_year[c], vhours_year[c], p):
                    out[year, COOPERATING] += 1
                if orders_this_year[c] >= p.pressure_orders_per_year:
                    out[year, PRESSURED] += 1


@njit(cache=True, parallel=True)
def _run_all(
    seed,
    n_months,
    policy_start_month,
    order,
    block_start,
    n_residents,
    age,
    sex,
    ids,
    exit_reason,
    vol,
    centre,
    mot,
    hours,
    tenure,
    area,
    block_cap,
    muni_key,
    fiscal_stress,
    immigrant_share,
    centre_start,
    centre_key,
    centre_owner,
    centre_coloc,
    centre_agree,
    lv_base,
    lv_policy,
    params,
    death,
    fertility,
    out_migration,
    in_migration,
    start_year,
    check,
    out,
    pyramid,
    err,
):
    # Records are indexed inside the loop: numba's parallel closures cannot take them by value.
    for k in prange(len(order)):
        m = order[k]
        lo = block_start[m]
        hi = lo + block_cap[m]
        c_lo = centre_start[m]
        c_hi = centre_start[m + 1]
        _run_municipality(
            seed,
            n_months,
            policy_start_month,
            age[lo:hi],
            sex[lo:hi],
            ids[lo:hi],
            exit_reason[lo:hi],
            vol[lo:hi],
            centre[lo:hi],
            mot[lo:hi],
            hours[lo:hi],
            tenure[lo:hi],
            area[lo:hi],
            n_residents[m],
            m,
            muni_key[m],
            fiscal_stress[m],
            immigrant_share[m],
            centre_key[c_lo:c_hi],
            centre_owner[c_lo:c_hi],
            centre_coloc[c_lo:c_hi],
            centre_agree[c_lo:c_hi],
            lv_base[m],
            lv_policy[m],
            params[0],
            death,
            fertility,
            out_migration,
            in_migration,
            start_year,
            check,
            out[m],
            pyramid[m],
            err[m],
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
    n_muni = world.n_municipalities
    n_years = (n_months + 11) // 12
    total = len(world.age)
    age = world.age.copy()
    sex = world.sex.copy()
    ids = world.ids.copy()
    exit_reason = np.zeros(total, dtype=np.int8)
    vol = np.zeros(total, dtype=np.int8)
    centre = np.zeros(total, dtype=np.int8)
    mot = np.zeros(total, dtype=np.float64)
    hours = np.zeros(total, dtype=np.float64)
    tenure = np.zeros(total, dtype=np.int32)
    area = np.zeros(total, dtype=np.int8)
    out = np.zeros((n_muni, n_years, N_OUT), dtype=np.float64)
    pyramid = np.zeros((n_muni, n_years, 2, rates.death.shape[-1]), dtype=np.int32)
    err = np.zeros((n_muni, 3), dtype=np.int64)
    params_array = np.asarray([params], dtype=params.dtype).view(np.recarray)
    order = np.argsort(-world.n_residents, kind="stable").astype(np.int64)  # big ones first
    if threads is not None:
        numba.set_num_threads(int(threads))
    numba.set_parallel_chunksize(1)
    try:
        _run_all(
            np.int64(seed),
            n_months,
            policy_start_month,
            order,
            world.block_start,
            world.n_residents,
            age,
            sex,
            ids,
            exit_reason,
            vol,
            centre,
            mot,
            hours,
            tenure,
            area,
            world.block_cap,
            world.muni_key,
            world.fiscal_stress,
            world.immigrant_share,
            world.centre_start,
            world.centre_key,
            world.centre_ownership,
            world.centre_co_located,
            world.centre_agreement,
            levers_base,
            levers_policy,
            params_array,
            rates.death,
            rates.fertility,
            rates.out_migration,
            rates.in_migration,
            rates.start_year,
            check,
            out,
            pyramid,
            err,
        )
    finally:
        numba.set_parallel_chunksize(0)
    _raise_on_error(err, world, rates.start_year)
    return out, pyramid


def _raise_on_error(err, world, start_year):
    bad = np.nonzero(err[:, 0])[0]
    if len(bad) == 0:
        return
    m = int(bad[0])
    code, month, entity = (int(x) for x in err[m])
    when = f"{start_year + month // 12}-{month % 12 + 1:02d}"
    text = ERROR_TEXT.get(code, f"error code {code}")
    message = f"municipality {world.codes[m]}, {when}: {text} (entity {entity})"
    if code == ERR_CAPACITY:
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
