"""The behaviour of the model, written once as small pure functions over numbers.

Both engines call these functions: the numba engine (``engine/fast.py``) from its kernels and the
Mesa model (``engine/mesa_model.py``) from its agents' ``step`` methods. ``p`` is the behaviour
parameter record (``parameters.as_record``); ``lv`` is one municipality's lever record. A rule
that changes, changes here.

Randomness: a rule that decides something random takes the keys of its draws (seed, entity,
month) and draws from ``rng.py`` itself, so both engines make the same draw for the same key.

Must not: draw from any other source, touch arrays of agents, or keep state. Adding a policy
mechanism: write its rule here, call it under the same name from ``engines/fast.py`` (in the
phase function of its step) and from the Mesa agent that acts at that step, and give it a test
in ``tests/test_rules.py``.

The monthly order of events (MODEL.md section 3), which both engines follow:

1. demand       service units' supplementary demand from their target populations
2. orders       units turn part of their gap into orders (bestillinger) to the centre
3. decision     the centre accepts or declines each order; a decline may cost trust
4. leader time  the daily leader splits a fixed budget; overload is strain, then turnover
5. work         volunteers' hours are own, co-created or ordered; motivation moves
6. exit         dropout hazard rises as motivation falls
7. recruitment  non-volunteers join: cohort base rate x leader time x word of mouth x visibility
8. demography   each January (before the month): ageing, deaths, births, migration
9. evaluation   every k months: trust repaired, failing tasks redesigned
"""

from __future__ import annotations

import math

from numba import njit

from frivilligsim.core import rng
from frivilligsim.core.schema import COHORT_LOWER_AGE, VOLUNTEER_MIN_AGE

_YOUTH_FROM, _ADULT_FROM, _YOUNG_RETIREE_FROM, _SENIOR_FROM = COHORT_LOWER_AGE
INITIAL_MOTIVATION_SPREAD = 0.3  # initial motivations spread +-0.15 around the mean (assumption)
INITIAL_TENURE_MAX_MONTHS = 120.0  # initial volunteers have served 0-10 years (assumption)
ALL_JOIN_HAZARD = 40.0  # above any Exp(1) threshold from a 53-bit uniform (at most 36.8)


# ---- who is who ------------------------------------------------------------------------------


@njit(cache=True, inline="always")
def cohort_of_age(age):
    """Cohort code (schema.COHORTS) of an age; 0 below the pool (callers check ``in_pool_age``)."""
    if age < _ADULT_FROM:
        return 0
    if age < _YOUNG_RETIREE_FROM:
        return 1
    if age < _SENIOR_FROM:
        return 2
    return 3


@njit(cache=True, inline="always")
def in_pool_age(age):
    """Whether a resident is old enough to volunteer (13+, MODEL.md section 2)."""
    return age >= VOLUNTEER_MIN_AGE


@njit(cache=True, inline="always")
def is_satisfied(motivation, p):
    """A satisfied volunteer spreads word of mouth (``centre_pull``)."""
    return motivation > p.satisfied_threshold


@njit(cache=True, inline="always")
def is_pressured(orders_in_year, p):
    """A leader is under order pressure when a year's orders reach ``pressure_orders_per_year``."""
    return orders_in_year >= p.pressure_orders_per_year


# ---- 0. initial state -------------------------------------------------------------------------


@njit(cache=True)
def initial_volunteer_probability(pool, n_centres, p, out):
    """Probability that a resident of each cohort is a volunteer in January 2024 (``out[4]``).

    About ``initial_volunteers_per_centre`` volunteers per centre (L192), at most a quarter of
    the pool, spread over cohorts by the initial shares (young retirees the core, L2507-2513).
    ``pool[4]`` counts the residents aged 13+ by cohort.
    """
    target = min(n_centres * p.initial_volunteers_per_centre, 0.25 * pool.sum())
    share0 = p.initial_share_youth
    share1 = p.initial_share_adult
    share2 = p.initial_share_young_retiree
    share3 = p.initial_share_senior
    total = max(1e-12, share0 + share1 + share2 + share3)
    shares = (share0 / total, share1 / total, share2 / total, share3 / total)
    for c in range(4):
        out[c] = min(1.0, target * shares[c] / pool[c]) if pool[c] > 0 else 0.0


@njit(cache=True)
def initial_volunteer(seed, resident_id, probability, n_centres, demand, cohort, p):
    """The January-2024 state of one resident aged 13+, from keyed draws at month 0.

    Returns ``(is_volunteer, centre, motivation, hours, area, tenure)``. Motivation is spread
    around ``motivation_initial``, hours around the cohort mean, the centre is uniform, the area
    follows demand and tenure is uniform over ten years (spreads: assumptions).
    """
    if rng.uniform(seed, resident_id, 0, rng.INITIAL_VOLUNTEER) >= probability:
        return False, 0, 0.0, 0.0, 0, 0
    u_centre = rng.uniform(seed, resident_id, 0, rng.INITIAL_CENTRE)
    centre = min(n_centres - 1, int(u_centre * n_centres))
    u = rng.uniform(seed, resident_id, 0, rng.INITIAL_MOTIVATION)
    motivation = min(1.0, max(0.0, p.motivation_initial + INITIAL_MOTIVATION_SPREAD * (u - 0.5)))
    hours = drawn_hours(cohort, rng.uniform(seed, resident_id, 0, rng.INITIAL_HOURS), p)
    area = pick_proportional(demand, 4, rng.uniform(seed, resident_id, 0, rng.INITIAL_AREA))
    u_tenure = rng.uniform(seed, resident_id, 0, rng.INITIAL_TENURE)
    tenure = int(u_tenure * INITIAL_TENURE_MAX_MONTHS)
    return True, centre, motivation, hours, area, tenure


# ---- 1. demand -------------------------------------------------------------------------------


@njit(cache=True)
def demand_hours(n80plus, n_immigrants, n_children, n_residents, p, out):
    """Monthly supplementary demand (hours) per welfare area, written into ``out[4]``.

    Areas in schema.AREAS order: elderly_health (80+), inclusion (immigrants and refugees),
    children_youth (aged 6-17), culture (all residents). The areas are the report's (L1399-1403);
    the target populations in brackets are assumptions.
    """
    out[0] = p.demand_per_80plus * n80plus
    out[1] = p.demand_per_immigrant * n_immigrants
    out[2] = p.demand_per_child * n_children
    out[3] = p.demand_per_resident_culture * n_residents


@njit(cache=True)
def staff_capacity(demand_2024, years_since_start, labour_shortage, p):
    """Municipal staff hours for supplementary work: a share of 2024 demand, changing yearly.

    Labour shortage makes it shrink while demand grows (L162-167).
    """
    return p.staff_share_2024 * demand_2024 * (1.0 + labour_shortage) ** years_since_start


@njit(cache=True, inline="always")
def covered_hours(volunteer_hours_meeting_demand, demand):
    """Hours of an area's demand that volunteers covered: never more than the demand."""
    return min(volunteer_hours_meeting_demand, demand)


@njit(cache=True)
def gap_ratio(demand_total, staff_total, volunteer_hours_meeting_demand):
    """Share of demand left unmet by staff and volunteers last month, in [0, 1]."""
    if demand_total <= 0.0:
        return 0.0
    gap = demand_total - staff_total - volunteer_hours_meeting_demand
    if gap <= 0.0:
        return 0.0
    return min(1.0, gap / demand_total)


# ---- 2. orders -------------------------------------------------------------------------------


@njit(cache=True)
def order_rate(gap, fiscal_stress, co_located, municipal_owned, lv, p):
    """Expected orders a month from the service units to one centre.

    Rises with the gap, fiscal stress (L2218-2222, L2232-2234), co-location (L2055-2062) and
    municipal ownership (L863-874, L1163-1168); scaled by the policy's order intensity.
    """
    rate = lv.order_intensity * p.max_orders_per_month * gap
    rate *= 1.0 + p.order_fiscal_weight * fiscal_stress * lv.fiscal_stress_multiplier
    if co_located:
        rate *= p.order_colocated_multiplier
    if municipal_owned:
        rate *= p.order_municipal_multiplier
    return rate


# ---- 3. decision -----------------------------------------------------------------------------


@njit(cache=True)
def decline_probability(statutory_likeness, voluntary_org_owned, strain, lv, p):
    """Probability that a centre declines one order.

    Likelier for statutory-like tasks (vedtak, L1891-1897), voluntary-org ownership (L1152-1158),
    under the supplement principle (L2331-2332), with an adopted volunteer policy (assumption:
    recommended in L2640-2649, but an adopted policy makes no measurable difference, L635-636,
    L1817), and when the leader is strained (assumption; L2389-2392: leaders shield volunteers).
    """
    x = p.decline_intercept + p.decline_statutory * statutory_likeness
    if voluntary_org_owned:
        x += p.decline_voluntary_org
    x += p.decline_supplement * lv.supplement_principle * statutory_likeness
    x += p.decline_policy * lv.policy_adopted
    x += p.decline_strain * max(0.0, strain - 0.8)
    return 1.0 / (1.0 + math.exp(-x))


@njit(cache=True)
def orders_of_month(seed, centre_key, month, rate, voluntary_org_owned, felt_strain, lv, p):
    """One centre's orders of a month: how many arrive, which are declined, hours accepted.

    The count is Poisson(``rate``); each order ``k`` has a statutory-likeness and a decision
    drawn with sub-key ``k``. Returns ``(issued, declined, accepted_hours)``.
    """
    issued = rng.poisson(rate, seed, centre_key, month, rng.ORDER_COUNT)
    statutory_stream = rng.stream_key(seed, month, rng.ORDER_STATUTORY)
    decline_stream = rng.stream_key(seed, month, rng.ORDER_DECLINE)
    declined = 0
    accepted_hours = 0.0
    for k in range(issued):
        statutory = rng.draw(statutory_stream, centre_key, k)
        p_decline = decline_probability(statutory, voluntary_org_owned, felt_strain, lv, p)
        if rng.draw(decline_stream, centre_key, k) < p_decline:
            declined += 1
        else:
            accepted_hours += p.order_hours
    return issued, declined, accepted_hours


@njit(cache=True)
def trust_after_declines(trust, n_declined, lv):
    """Trust between unit and centre after declines, each costing ``decline_penalty``."""
    return max(0.0, trust - lv.decline_penalty * n_declined)


@njit(cache=True)
def order_pool_after_month(pool_hours, accepted_hours, p):
    """Ordered hours still running: accepted orders end at rate 1/duration a month."""
    return pool_hours * (1.0 - 1.0 / p.order_duration_months) + accepted_hours


# ---- 4. leader time --------------------------------------------------------------------------


@njit(cache=True)
def leader_time(volunteers, orders, cocreation_level, lv, p, out):
    """Split the leader's monthly budget. Writes ``out[4]``.

    out[0] strain: hours asked of the leader / budget (above 1 is overload).
    out[1] follow-up quality in [0, 1]: share of the follow-up volunteers need that they get.
    out[2] recruiting quality in [0, 1]: share of the wanted recruiting time that is free.
    out[3] hours worked, never more than the budget.

    Follow-up up to ``leader_followup_share`` of the budget is protected (assumption); the rest
    competes with orders, co-creation meetings and recruiting. Follow-up is a main leader task
    (L1501) that competes with administration (L122-123, L1850-1851).
    """
    budget = p.leader_hours_per_month
    admin = p.leader_admin_share * budget
    followup_need = p.followup_hours_per_volunteer * volunteers
    other_need = (
        p.order_handling_hours * orders
        + p.cocreation_meeting_hours * cocreation_level
        + p.recruit_hours_share * budget
    )
    out[0] = (admin + followup_need + other_need) / budget
    protected = min(followup_need, lv.leader_followup_share * budget, max(0.0, budget - admin))
    rest = max(0.0, budget - admin - protected)
    competing = other_need + (followup_need - protected)
    scale = 1.0 if competing <= rest else rest / competing
    if followup_need > 0.0:
        out[1] = (protected + (followup_need - protected) * scale) / followup_need
    else:
        out[1] = 1.0
    out[2] = scale
    out[3] = min(budget, admin + protected + competing * scale)


@njit(cache=True)
def strain_memory(previous, strain, p):
    """Felt strain: a moving average, so one hard month is not a burnout."""
    return p.strain_memory * previous + (1.0 - p.strain_memory) * strain


@njit(cache=True)
def turnover_probability(felt_strain, p):
    """Monthly probability that the leader leaves; rises with sustained overload (L2392-2395)."""
    return min(1.0, p.turnover_base + p.turnover_strain_slope * max(0.0, felt_strain - 1.0))


@njit(cache=True)
def leader_turnover(seed, centre_key, month, felt_strain, p):
    """Whether the leader leaves at the end of this month (keyed draw against the hazard)."""
    u = rng.uniform(seed, centre_key, month, rng.LEADER_TURNOVER)
    return u < turnover_probability(felt_strain, p)


@njit(cache=True)
def state_after_turnover(p):
    """What a leader's departure resets: ``(vacancy months, felt strain, trust, order pool)``.

    The post stays empty ``vacancy_months`` (assumption) and the relationship with the
    municipality starts over (agreements resting on persons are lost, L2602-2604).
    """
    return int(p.vacancy_months), 0.0, p.trust_initial, 0.0


@njit(cache=True)
def cocreation_level(trust, agreement_code, vacant, lv):
    """How much of the volunteers' own hours are co-created with the municipality, in [0, 1].

    Needs a leader in post and some agreement (agreement codes: schema.AGREEMENT, 3 = none).
    """
    if vacant or agreement_code == 3:
        return 0.0
    weight = 1.0 if agreement_code == 0 else (0.8 if agreement_code == 1 else 0.6)
    return lv.cocreation_share * trust * weight


@njit(cache=True)
def cooperates(joint_hours, volunteer_hours, p):
    """Whether a centre counts as cooperating with the municipality on welfare in a year.

    ``joint_hours`` are the year's hours its volunteers worked with the municipality (co-created
    plus ordered); ``volunteer_hours`` all their hours that year. A centre cooperates when its
    joint work is more than marginal: at least ``cooperation_min_share`` of its volunteers'
    hours, and above zero. That survey respondents report welfare cooperation only when joint
    work is substantial is an assumption (L1037-1041 points rather to zero joint work or to not
    counting the activity as welfare); the threshold is calibrated to the measured share of about
    85 % (L1035-1036, L1052) and is the only place this decision is made.
    """
    if volunteer_hours <= 0.0 or joint_hours <= 0.0:
        return False
    return joint_hours >= p.cooperation_min_share * volunteer_hours


@njit(cache=True)
def ordered_share(order_pool_hours, volunteer_hours, lv):
    """Share of volunteers' hours that goes to accepted orders.

    With municipal backup (L2666-2671) staff take the part of an order beyond half the
    volunteers' hours; without it the volunteers are squeezed up to all their hours.
    """
    if volunteer_hours <= 0.0:
        return 0.0
    cap = 0.5 if lv.municipal_backup > 0.5 else 1.0
    return min(cap, order_pool_hours / volunteer_hours)


# ---- 5. work and motivation ------------------------------------------------------------------


@njit(cache=True)
def motivation_after_month(m, ordered, followup_quality, felt_strain, lv, p):
    """A volunteer's motivation after one month of work, kept in [0, 1].

    Hours with influence (own, co-created, or ordered with influence) build motivation;
    ordered hours without influence wear it down (L830-862, L2731-2737); follow-up protects it
    and leader overload erodes it (both assumptions: no line measures either); a small decay
    always acts.
    """
    influence = (1.0 - ordered) + ordered * lv.influence_on_orders
    gain = p.motivation_gain_influence * influence * (1.0 - m)
    gain += p.motivation_gain_followup * followup_quality * (1.0 - m)
    loss = p.motivation_loss_orders * ordered * (1.0 - lv.influence_on_orders) * m
    loss += p.motivation_loss_overload * max(0.0, felt_strain - 1.0) * m
    loss += p.motivation_decay * m
    m = m + gain - loss
    if m < 0.0:
        return 0.0
    if m > 1.0:
        return 1.0
    return m


@njit(cache=True)
def redesigned_motivation(m, p):
    """Evaluation redesigns the task of a volunteer whose motivation fell low (L2618-2621, L2706-2708)."""
    if m < p.redesign_threshold:
        return min(1.0, m + p.redesign_boost)
    return m


@njit(cache=True)
def trust_after_evaluation(trust, p):
    """Regular evaluation repairs trust between unit and centre (L2717-2726)."""
    return min(1.0, trust + p.evaluation_trust_repair)


@njit(cache=True)
def evaluates(month, vacant, lv):
    """Whether a centre evaluates this month: every ``evaluation_interval`` months, leader in post."""
    interval = int(lv.evaluation_interval)
    return interval > 0 and not vacant and (month + 1) % interval == 0


@njit(cache=True, inline="always")
def hours_split(hours, ordered_share_of_centre, cocreation, p):
    """A volunteer's month split: ``(ordered, co-created, meeting demand)`` hours.

    Ordered hours come first; a share ``cocreation`` of the rest is co-created; own activities
    meet demand only in part (``own_activity_match``).
    """
    ordered = hours * ordered_share_of_centre
    cocreated = (hours - ordered) * cocreation
    meeting = ordered + cocreated + (hours - ordered - cocreated) * p.own_activity_match
    return ordered, cocreated, meeting


@njit(cache=True, inline="always")
def drawn_hours(cohort, u, p):
    """A new volunteer's monthly hours: uniform between half and 1.5 times the cohort mean."""
    return volunteer_hours(cohort, p) * (0.5 + u)


@njit(cache=True)
def volunteer_hours(cohort, p):
    """Mean monthly hours of a volunteer of a cohort."""
    if cohort == 0:
        return p.hours_youth
    if cohort == 1:
        return p.hours_adult
    if cohort == 2:
        return p.hours_young_retiree
    return p.hours_senior


# ---- 6. exit ---------------------------------------------------------------------------------


@njit(cache=True)
def dropout_probability(m, p):
    """Monthly dropout hazard: rises as motivation falls (quadratically)."""
    shortfall = 1.0 - m
    return min(1.0, p.dropout_base + p.dropout_motivation_slope * shortfall * shortfall)


@njit(cache=True)
def drops_out(seed, resident_id, month, motivation, p):
    """Whether a volunteer quits this month (keyed draw against ``dropout_probability``)."""
    u = rng.uniform(seed, resident_id, month, rng.DROPOUT)
    return u < dropout_probability(motivation, p)


@njit(cache=True)
def pick_proportional(weights, n, u):
    """Index in [0, n) chosen with probability proportional to ``weights[:n]``, from one uniform.

    Used to place a recruit at a centre (by pull) and in a welfare area (by demand); with no
    weight anywhere, the choice is uniform.
    """
    total = 0.0
    for k in range(n):
        total += weights[k]
    if total <= 0.0:
        return min(n - 1, int(u * n))
    target = u * total
    acc = 0.0
    for k in range(n):
        acc += weights[k]
        if target < acc:
            return k
    return n - 1


# ---- 7. recruitment --------------------------------------------------------------------------


@njit(cache=True)
def recruit_base(cohort, age, lv, p):
    """Cohort base rate of joining a centre in a month (L2512-2513: easiest above 62)."""
    if cohort == 0:
        rate = p.recruit_base_youth
    elif cohort == 1:
        rate = p.recruit_base_adult
    elif cohort == 2:
        rate = p.recruit_base_young_retiree
    else:
        rate = p.recruit_base_senior
    if age >= 62 and lv.recruit_62plus > 0.5:
        rate *= p.targeting_62plus_multiplier
    return rate


@njit(cache=True)
def cohort_recruit_probabilities(total_pull, lv, p, out):
    """Monthly probability of joining for a non-volunteer of each cohort, into ``out[4]``.

    Everyone in a cohort faces the same probability in a month (targeting 62+ coincides with
    the young-retiree bound), so it is computed once per cohort.
    """
    for c in range(4):
        out[c] = min(1.0, recruit_base(c, COHORT_LOWER_AGE[c], lv, p) * total_pull)


@njit(cache=True)
def recruit(seed, resident_id, month, cohort, pulls, n_centres, demand, p):
    """A recruit's state from keyed draws: ``(centre, motivation, hours, area)``.

    The centre is chosen by pull, the area by demand; motivation starts at
    ``motivation_initial``.
    """
    centre = 0
    if n_centres > 1:
        u = rng.uniform(seed, resident_id, month, rng.RECRUIT_CENTRE)
        centre = pick_proportional(pulls, n_centres, u)
    hours = drawn_hours(cohort, rng.uniform(seed, resident_id, month, rng.RECRUIT_HOURS), p)
    area = pick_proportional(demand, 4, rng.uniform(seed, resident_id, month, rng.RECRUIT_AREA))
    return centre, p.motivation_initial, hours, area


@njit(cache=True)
def centre_pull(satisfied, pool, recruiting_quality, co_located, vacant, p):
    """How strongly one centre draws recruits: leader recruiting time + word of mouth.

    Word of mouth comes from satisfied volunteers (L2332-2335), measured against the pool.
    A vacant leader post stops recruitment (assumption). Municipal need does not enter
    (L2542-2544).
    """
    if vacant or pool <= 0:
        return 0.0
    density = satisfied / pool
    pull = p.recruit_leader_weight * recruiting_quality
    pull += p.word_of_mouth * density / p.word_of_mouth_reference_density
    if co_located:
        pull *= p.visibility_colocated
    return pull
