"""The behaviour of the model, written once as small pure functions over numbers.

Both engines call these functions: the numba engine (``engines/fast.py``) from its kernels and the
Mesa model (``engines/mesa/agents.py``) from its agents' ``step`` methods. ``p`` is the behaviour
parameter record (``parameters.as_record``); ``lv`` is one municipality's lever record. A rule
that changes, changes here.

Randomness: a rule that decides something random takes the keys of its draws (seed, entity,
month) and draws from ``rng.py`` itself, so both engines make the same draw for the same key.

Must not: draw from any other source, touch arrays of agents, or keep state. Adding a policy
mechanism: write its rule here, call it under the same name from ``engines/fast.py`` (in the
phase function of its step) and from the Mesa agent that acts at that step, and give it a test
in ``tests/test_rules.py``.

The monthly order of events (MODEL.md section 3), which both engines follow:

1. demand       service units' supplementary demand from their target populations; staff time
                spent on co-creation is not there for the gap
2. orders       units turn part of their gap into orders (bestillinger) to the centre, less to
                a centre that keeps declining when the municipality backs off
3. decision     the centre accepts or declines each order (by the task, or because its
                volunteers will not take more ordered work); a decline may cost trust
4. leader time  the daily leader splits a fixed budget; overload is strain, then turnover;
                each December a co-creation may fail
5. work         volunteers' hours are own, co-created or ordered (order-tolerant volunteers
                first); motivation moves; travel eats part of the hours
6. exit         dropout hazard rises as motivation falls
7. recruitment  non-volunteers join: cohort base rate x leader time x word of mouth x visibility
                x (1 - travel burden weight) (exactly, per event: engines/recruitment_pool.py)
8. demography   each January (before the month): ageing, deaths, births, migration; frozen
                during the spin-up (months before January of the start year are negative)
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


@njit(cache=True)
def staff_after_cocreation(staff_total, cocreated_hours, p):
    """Staff hours left for the gap once co-created work has taken its share of staff time.

    Co-creation costs municipal staff time too (``cocreation_staff_hours`` per co-created
    volunteer hour; assumption): agreement is easy, the process that gets there can be demanding
    (L2694-2696), and expectations come without resources (L992-1000).
    """
    return max(0.0, staff_total - p.cocreation_staff_hours * cocreated_hours)


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
def order_rate(gap, fiscal_stress, co_located, municipal_owned, order_multiplier, lv, p):
    """Expected orders a month from the service units to one centre.

    Rises with the gap, fiscal stress (L2218-2222, L2232-2234), co-location (L2055-2062) and
    municipal ownership (L863-874, L1163-1168); scaled by the policy's order intensity and by
    the centre's ``order_multiplier`` (below 1 when the municipality backs off after declines,
    ``order_multiplier_after_month``).
    """
    rate = lv.order_intensity * order_multiplier * p.max_orders_per_month * gap
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
    under the supplement principle, which centres hold whatever the municipality's policy
    (``p.supplement_principle``; L2331-2332, L1664-1667), with an adopted volunteer policy (assumption:
    recommended in L2640-2649, but an adopted policy makes no measurable difference, L635-636,
    L1817), and when the leader is strained (assumption; L2389-2392: leaders shield volunteers).
    """
    x = p.decline_intercept + p.decline_statutory * statutory_likeness
    if voluntary_org_owned:
        x += p.decline_voluntary_org
    x += p.decline_supplement * p.supplement_principle * statutory_likeness
    x += p.decline_policy * lv.policy_adopted
    x += p.decline_strain * max(0.0, strain - 0.8)
    return 1.0 / (1.0 + math.exp(-x))


@njit(cache=True)
def order_capacity(tolerant_hours, averse_hours, p):
    """Ordered hours a month a centre's volunteers will take on.

    Order-tolerant volunteers give up to ``order_willing_share`` of their hours to ordered
    tasks, the others up to ``order_willing_share_averse`` (assumptions). A leader cannot
    command volunteering (L2332-2333) nor guarantee that volunteers answer every municipal need
    (L2390-2392); a task is run "as long as we have volunteers who find it a nice job"
    (L895-897).
    """
    return p.order_willing_share * tolerant_hours + p.order_willing_share_averse * averse_hours


@njit(cache=True)
def orders_of_month(seed, centre_key, month, rate, voluntary_org_owned, felt_strain, room, lv, p):
    """One centre's orders of a month: how many arrive, which are declined, hours accepted.

    The count is Poisson(``rate``); each order ``k`` has a statutory-likeness and a decision
    drawn with sub-key ``k``. An order the centre would take is accepted only while its hours
    fit in ``room`` (capacity minus the ordered hours still running, ``order_capacity``); the
    rest are declined for capacity, unless the municipality backs the centre up with its own
    staff (``municipal_backup``, L2666-2671), who then take those orders (neither accepted nor
    declined). Returns ``(issued, declined, declined_for_capacity, accepted_hours)``;
    ``declined`` includes ``declined_for_capacity``.
    """
    issued = rng.poisson(rate, seed, centre_key, month, rng.ORDER_COUNT)
    statutory_stream = rng.stream_key(seed, month, rng.ORDER_STATUTORY)
    decline_stream = rng.stream_key(seed, month, rng.ORDER_DECLINE)
    declined = 0
    declined_capacity = 0
    accepted_hours = 0.0
    for k in range(issued):
        statutory = rng.draw(statutory_stream, centre_key, k)
        p_decline = decline_probability(statutory, voluntary_org_owned, felt_strain, lv, p)
        if rng.draw(decline_stream, centre_key, k) < p_decline:
            declined += 1
        elif accepted_hours + p.order_hours <= room:
            accepted_hours += p.order_hours
        elif lv.municipal_backup <= 0.5:
            declined += 1
            declined_capacity += 1
    return issued, declined, declined_capacity, accepted_hours


@njit(cache=True)
def order_multiplier_after_month(multiplier, issued, declined, lv, p):
    """How much a municipality still orders from a centre, after this month's declines.

    Under ``decline_response = back_off`` a month whose decline share exceeds
    ``back_off_threshold`` cuts the multiplier by ``back_off_rate`` x that share (never below
    ``back_off_floor``); otherwise it recovers by ``back_off_recover`` a month. Some
    municipalities accept a no and do not set the service up (L1907-1912). Under ``persist``
    the multiplier stays 1. Values are assumptions.
    """
    if lv.decline_back_off <= 0.5:
        return 1.0
    if issued > 0:
        share = declined / issued
        if share > p.back_off_threshold:
            return max(p.back_off_floor, multiplier * (1.0 - p.back_off_rate * share))
    return min(1.0, multiplier + p.back_off_recover)


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

    Follow-up up to ``followup_protected_share`` of the budget is protected (assumption; the
    same under every policy, since no line ties it to one); the rest
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
    protected = min(followup_need, p.followup_protected_share * budget, max(0.0, budget - admin))
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
def cocreation_fails(seed, centre_key, month, cocreation, felt_strain, p):
    """Whether a centre's co-creation with the municipality fails this year (drawn in December).

    Probability ``cocreation_fail_base`` + ``cocreation_fail_strain`` x the leader's overload
    above 1, for a centre that co-creates at all (assumptions). Co-creation is not always easy
    in practice (L78-80), plans run into practice (L985-991), and a centre may lack the
    capacity to take part in delivery (L1670-1673).
    """
    if cocreation <= 0.0 or month % 12 != 11:
        return False
    probability = p.cocreation_fail_base + p.cocreation_fail_strain * max(0.0, felt_strain - 1.0)
    return rng.uniform(seed, centre_key, month, rng.COCREATION_FAIL) < probability


@njit(cache=True, inline="always")
def trust_after_cocreation_failure(trust):
    """A failed co-creation halves the trust between the units and the centre (assumption)."""
    return 0.5 * trust


@njit(cache=True)
def motivation_after_cocreation_failure(m, cocreation, p):
    """A volunteer loses ``cocreation_fail_motivation`` x the co-created share of the hours."""
    return max(0.0, m - p.cocreation_fail_motivation * cocreation)


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
def ordered_share(order_pool_hours, tolerant_hours, averse_hours, tolerant, lv, p):
    """Share of one volunteer's hours that goes to accepted orders.

    The centre staffs orders with its order-tolerant volunteers first, up to
    ``order_willing_share`` of their hours, then with the others up to
    ``order_willing_share_averse`` (L895-897: a task runs while volunteers find it a nice job).
    With municipal backup (L2666-2671) no volunteer gives more than half the hours; staff take
    the rest. Ordered hours beyond what the volunteers will give go unmet: no one is squeezed.
    """
    cap = 0.5 if lv.municipal_backup > 0.5 else 1.0
    willing_tolerant = min(cap, p.order_willing_share)
    willing_averse = min(cap, p.order_willing_share_averse)
    to_tolerant = min(order_pool_hours, willing_tolerant * tolerant_hours)
    if tolerant:
        return to_tolerant / tolerant_hours if tolerant_hours > 0.0 else 0.0
    if averse_hours <= 0.0:
        return 0.0
    rest = order_pool_hours - to_tolerant
    return min(willing_averse, rest / averse_hours)


@njit(cache=True)
def is_order_tolerant(seed, resident_id, p):
    """Whether a volunteer does not mind ordered tasks: a fixed trait of the person.

    A share ``order_tolerant_share`` of volunteers (assumption; some volunteers are content to
    be "hands", L1674-1677, L895-897). Keyed by the resident alone, so it never changes.
    """
    return rng.uniform(seed, resident_id, 0, rng.ORDER_TOLERANCE) < p.order_tolerant_share


# ---- 5. work and motivation ------------------------------------------------------------------


@njit(cache=True)
def motivation_after_month(m, ordered, followup_quality, felt_strain, tolerant, lv, p):
    """A volunteer's motivation after one month of work, kept in [0, 1].

    Hours with influence (own, co-created, or ordered with influence) build motivation;
    ordered hours without influence wear it down (L830-862, L2731-2737), an order-tolerant
    volunteer only by ``order_loss_tolerant`` of that (assumption); follow-up protects it
    and leader overload erodes it (both assumptions: no line measures either); a small decay
    always acts.
    """
    influence = (1.0 - ordered) + ordered * lv.influence_on_orders
    gain = p.motivation_gain_influence * influence * (1.0 - m)
    gain += p.motivation_gain_followup * followup_quality * (1.0 - m)
    loss = p.motivation_loss_orders * ordered * (1.0 - lv.influence_on_orders) * m
    if tolerant:
        loss *= p.order_loss_tolerant
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
def hours_split(hours, ordered_share_of_volunteer, cocreation, travel_burden, p):
    """A volunteer's month split: ``(ordered, co-created, meeting demand)`` hours.

    Ordered hours come first; a share ``cocreation`` of the rest is co-created; own activities
    meet demand only in part (``own_activity_match``); travel takes ``travel_hours_loss`` x the
    municipality's travel burden of the hours that would meet demand (assumption; long
    distances, L1075-1081, L1898-1900).
    """
    ordered = hours * ordered_share_of_volunteer
    cocreated = (hours - ordered) * cocreation
    meeting = ordered + cocreated + (hours - ordered - cocreated) * p.own_activity_match
    return ordered, cocreated, meeting * (1.0 - p.travel_hours_loss * travel_burden)


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
    """Cohort base rate of joining a centre in a month (L2512-2513: easiest above 62).

    Centres recruit older volunteers actively under every policy (``p.recruit_62plus``,
    L2513-2515); no lever acts on the base rate today (``lv`` is there for one that would).
    """
    if cohort == 0:
        rate = p.recruit_base_youth
    elif cohort == 1:
        rate = p.recruit_base_adult
    elif cohort == 2:
        rate = p.recruit_base_young_retiree
    else:
        rate = p.recruit_base_senior
    if age >= 62 and p.recruit_62plus > 0.5:
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


@njit(cache=True, inline="always")
def recruit_hazard(probability):
    """The monthly hazard ``-log(1 - p)`` of a joining probability (``ALL_JOIN_HAZARD`` at 1).

    ``engines/recruitment_pool.py`` compares it with Exp(1) thresholds: joining then has
    probability ``p`` a month, as a Bernoulli draw would.
    """
    if probability >= 1.0:
        return ALL_JOIN_HAZARD
    return -math.log1p(-probability)


@njit(cache=True)
def cohort_recruit_hazards(total_pull, lv, p, out):
    """Monthly joining hazard of each cohort (``cohort_recruit_probabilities``), into ``out[4]``."""
    cohort_recruit_probabilities(total_pull, lv, p, out)
    for c in range(4):
        out[c] = recruit_hazard(out[c])


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
def centre_pull(satisfied, pool, recruiting_quality, co_located, vacant, travel_burden, p):
    """How strongly one centre draws recruits: leader recruiting time + word of mouth.

    Word of mouth comes from satisfied volunteers (L2332-2335), measured against the pool.
    A vacant leader post stops recruitment (assumption). Municipal need does not enter
    (L2542-2544). Long distances leave fewer possible volunteers (L1075-1081, L1898-1900):
    the pull shrinks by ``travel_recruit_weight`` x the travel burden (assumption).
    """
    if vacant or pool <= 0:
        return 0.0
    density = satisfied / pool
    pull = p.recruit_leader_weight * recruiting_quality
    pull += p.word_of_mouth * density / p.word_of_mouth_reference_density
    if co_located:
        pull *= p.visibility_colocated
    return pull * max(0.0, 1.0 - p.travel_recruit_weight * travel_burden)
