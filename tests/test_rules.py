"""Each rule of core/rules.py on its own: a value or a direction that a wrong rule would miss."""

from __future__ import annotations

import math

import numpy as np
import pytest

from frivilligsim.core import rng, rules, schema
from frivilligsim.core.parameters import LEVER_DTYPE, as_record, lever_row
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import policy_for


@pytest.fixture(scope="module")
def run():
    return validate(load_config([]))


@pytest.fixture(scope="module")
def p(run):
    return as_record(run.model)


@pytest.fixture(scope="module")
def lv(run):
    row = lever_row(policy_for(run, "mobilisation"), True)
    return np.rec.array([row], dtype=LEVER_DTYPE)[0]


def changed(record, **values):
    """A copy of a record with some fields changed."""
    copy = np.rec.array(np.array([record], dtype=record.dtype))[0]
    for name, value in values.items():
        setattr(copy, name, value)
    return copy


# ---- who is who ----------------------------------------------------------------------------------


def test_cohort_of_age_follows_the_schema_bounds():
    for age in range(schema.N_AGES):
        if age >= schema.VOLUNTEER_MIN_AGE:
            assert rules.cohort_of_age(age) == schema.cohort_of_age(age)
    assert [rules.cohort_of_age(a) for a in (13, 25, 26, 61, 62, 75, 76, 105)] == [
        0, 0, 1, 1, 2, 2, 3, 3,
    ]  # fmt: skip
    assert schema.cohort_of_age(12) == -1


def test_pool_starts_at_13():
    assert not rules.in_pool_age(12) and rules.in_pool_age(13)


def test_satisfied_and_pressured_are_strict_and_inclusive_thresholds(p):
    t = p.satisfied_threshold
    assert rules.is_satisfied(t + 1e-9, p) and not rules.is_satisfied(t, p)
    k = p.pressure_orders_per_year
    assert rules.is_pressured(k, p) and not rules.is_pressured(k - 1, p)


# ---- 0. initial state ----------------------------------------------------------------------------


def test_initial_volunteer_probability_targets_volunteers_per_centre(p):
    pool = np.array([1000.0, 3000.0, 1500.0, 800.0])
    out = np.zeros(4)
    rules.initial_volunteer_probability(pool, 2, p, out)
    assert (out > 0).all() and (out <= 1).all()
    assert (out * pool).sum() == pytest.approx(2 * p.initial_volunteers_per_centre)
    rules.initial_volunteer_probability(np.array([0.0, 10.0, 0.0, 0.0]), 50, p, out)
    assert out[0] == 0.0 and out[1] <= 1.0  # an empty cohort; at most a quarter of the pool
    assert (out * np.array([0.0, 10.0, 0.0, 0.0])).sum() <= 2.5 + 1e-9


def test_initial_volunteer_state_is_keyed_and_in_range(p):
    demand = np.array([1.0, 0.0, 0.0, 0.0])
    states = [rules.initial_volunteer(7, rid, 1.0, 3, demand, 2, p) for rid in range(2000)]
    assert all(s[0] for s in states)
    centres = np.array([s[1] for s in states])
    assert set(centres) == {0, 1, 2}
    motivation = np.array([s[2] for s in states])
    spread = rules.INITIAL_MOTIVATION_SPREAD / 2
    assert motivation.min() >= p.motivation_initial - spread - 1e-12
    assert motivation.max() <= p.motivation_initial + spread + 1e-12
    hours = np.array([s[3] for s in states])
    assert hours.mean() == pytest.approx(p.hours_young_retiree, rel=0.05)
    assert {s[4] for s in states} == {0}  # all demand in area 0
    assert max(s[5] for s in states) < rules.INITIAL_TENURE_MAX_MONTHS
    assert not rules.initial_volunteer(7, 1, 0.0, 3, demand, 2, p)[0]
    assert rules.initial_volunteer(7, 5, 1.0, 3, demand, 2, p) == states[5]


# ---- 1. demand -----------------------------------------------------------------------------------


def test_demand_hours_scale_with_target_populations(p):
    out = np.zeros(4)
    rules.demand_hours(100.0, 50.0, 200.0, 1000.0, p, out)
    assert out[0] == pytest.approx(100 * p.demand_per_80plus)
    assert out[3] == pytest.approx(1000 * p.demand_per_resident_culture)
    double = np.zeros(4)
    rules.demand_hours(200.0, 100.0, 400.0, 2000.0, p, double)
    np.testing.assert_allclose(double, 2 * out)


def test_staff_shrinks_under_labour_shortage(p):
    now = rules.staff_capacity(100.0, 0, -0.02, p)
    later = rules.staff_capacity(100.0, 10, -0.02, p)
    assert now == pytest.approx(p.staff_share_2024 * 100.0)
    assert later == pytest.approx(now * 0.98**10)


def test_covered_hours_never_exceed_demand():
    assert rules.covered_hours(5.0, 3.0) == 3.0 and rules.covered_hours(2.0, 3.0) == 2.0


def test_gap_ratio_is_the_unmet_share():
    assert rules.gap_ratio(100.0, 30.0, 20.0) == pytest.approx(0.5)
    assert rules.gap_ratio(100.0, 80.0, 40.0) == 0.0
    assert rules.gap_ratio(0.0, 0.0, 0.0) == 0.0


# ---- 2-3. orders and decisions -------------------------------------------------------------------


def test_order_rate_rises_with_gap_stress_and_co_location(p, lv):
    base = rules.order_rate(0.4, 0.2, False, False, 1.0, lv, p)
    assert rules.order_rate(0.8, 0.2, False, False, 1.0, lv, p) == pytest.approx(2 * base)
    assert rules.order_rate(0.4, 0.5, False, False, 1.0, lv, p) > base
    assert rules.order_rate(0.4, 0.2, True, False, 1.0, lv, p) == pytest.approx(
        base * p.order_colocated_multiplier
    )
    assert rules.order_rate(0.4, 0.2, False, False, 0.25, lv, p) == pytest.approx(0.25 * base)
    no_orders = changed(lv, order_intensity=0.0)
    assert rules.order_rate(0.4, 0.2, False, False, 1.0, no_orders, p) == 0.0


def test_decline_probability_rises_for_statutory_tasks_and_strain(p, lv):
    low = rules.decline_probability(0.0, False, 0.0, lv, p)
    assert 0.0 < low < 1.0
    assert rules.decline_probability(1.0, False, 0.0, lv, p) > low
    assert rules.decline_probability(0.0, False, 2.0, lv, p) > low
    assert low == pytest.approx(
        1 / (1 + math.exp(-(p.decline_intercept + p.decline_policy * lv.policy_adopted)))
    )


def test_orders_of_month_are_keyed_and_add_up(p, lv):
    room = 1e9
    counts = [
        rules.orders_of_month(3, 11, month, 4.0, False, 0.0, room, lv, p) for month in range(400)
    ]
    issued = np.array([c[0] for c in counts])
    assert issued.mean() == pytest.approx(4.0, rel=0.1)
    for n, declined, for_capacity, hours in counts:
        assert 0 <= declined <= n and for_capacity == 0
        assert hours == pytest.approx((n - declined) * p.order_hours)
    assert rules.orders_of_month(3, 11, 5, 4.0, False, 0.0, room, lv, p) == counts[5]
    assert rules.orders_of_month(3, 11, 5, 0.0, False, 0.0, room, lv, p) == (0, 0, 0, 0.0)


def test_orders_beyond_the_centres_room_are_declined_for_capacity(p, lv):
    """Rule c2: accepted hours never exceed the room; the rest is declined, or staffed with backup."""
    no_backup = changed(lv, municipal_backup=0.0)
    backup = changed(lv, municipal_backup=1.0)
    room = 2.5 * p.order_hours
    for month in range(200):
        full = rules.orders_of_month(3, 11, month, 8.0, False, 0.0, 1e9, no_backup, p)
        n, declined, for_capacity, hours = rules.orders_of_month(
            3, 11, month, 8.0, False, 0.0, room, no_backup, p
        )
        assert hours <= room and hours == min(full[3], 2 * p.order_hours)
        assert for_capacity == round((full[3] - hours) / p.order_hours)
        assert declined == full[1] + for_capacity
        staffed = rules.orders_of_month(3, 11, month, 8.0, False, 0.0, room, backup, p)
        assert staffed[1] == full[1] and staffed[2] == 0 and staffed[3] == hours


def test_order_capacity_weights_tolerant_and_averse_hours(p):
    assert rules.order_capacity(100.0, 0.0, p) == pytest.approx(p.order_willing_share * 100.0)
    assert rules.order_capacity(0.0, 100.0, p) == pytest.approx(
        p.order_willing_share_averse * 100.0
    )


def test_municipality_backs_off_after_many_declines_and_recovers(p, lv):
    """Rule c3: a decline share above the threshold cuts the multiplier; calm months restore it."""
    back_off = changed(lv, decline_back_off=1.0)
    persist = changed(lv, decline_back_off=0.0)
    cut = rules.order_multiplier_after_month(1.0, 4, 4, back_off, p)
    assert cut == pytest.approx(1.0 - p.back_off_rate)
    assert rules.order_multiplier_after_month(1.0, 4, 4, persist, p) == 1.0
    assert rules.order_multiplier_after_month(p.back_off_floor, 4, 4, back_off, p) == pytest.approx(
        p.back_off_floor
    )
    calm = rules.order_multiplier_after_month(0.5, 10, 0, back_off, p)
    assert calm == pytest.approx(0.5 + p.back_off_recover)
    assert rules.order_multiplier_after_month(1.0, 0, 0, back_off, p) == 1.0


def test_trust_falls_with_declines_and_stays_non_negative(lv):
    lv = changed(lv, decline_penalty=0.1)
    assert rules.trust_after_declines(0.5, 2, lv) == pytest.approx(0.3)
    assert rules.trust_after_declines(0.5, 20, lv) == 0.0


def test_order_pool_decays_by_duration_and_adds_accepted(p):
    assert rules.order_pool_after_month(10.0, 0.0, p) == pytest.approx(
        10.0 * (1 - 1 / p.order_duration_months)
    )
    assert rules.order_pool_after_month(0.0, 5.0, p) == 5.0


# ---- 4. leader time ------------------------------------------------------------------------------


def test_leader_time_strain_rises_and_hours_stay_in_budget(p, lv):
    out = np.zeros(4)
    rules.leader_time(5.0, 0, 0.0, lv, p, out)
    calm = out.copy()
    rules.leader_time(200.0, 40, 1.0, lv, p, out)
    assert out[0] > calm[0]
    assert out[1] <= calm[1] and out[2] <= calm[2]
    assert out[3] <= p.leader_hours_per_month + 1e-9
    rules.leader_time(0.0, 0, 0.0, lv, p, out)
    assert out[1] == 1.0


def test_strain_memory_is_a_moving_average(p):
    assert rules.strain_memory(1.0, 1.0, p) == pytest.approx(1.0)
    assert rules.strain_memory(0.0, 2.0, p) == pytest.approx(2.0 * (1 - p.strain_memory))


def test_turnover_rises_with_felt_overload(p):
    assert rules.turnover_probability(0.5, p) == pytest.approx(p.turnover_base)
    assert rules.turnover_probability(2.0, p) > rules.turnover_probability(1.2, p)
    assert rules.turnover_probability(1e9, p) == 1.0


def test_leader_turnover_draw_follows_the_probability(p):
    certain = changed(p, turnover_base=1.0)
    never = changed(p, turnover_base=0.0, turnover_strain_slope=0.0)
    assert all(rules.leader_turnover(1, 9, m, 0.0, certain) for m in range(50))
    assert not any(rules.leader_turnover(1, 9, m, 5.0, never) for m in range(50))
    half = changed(p, turnover_base=0.5, turnover_strain_slope=0.0)
    share = np.mean([rules.leader_turnover(1, k, 3, 0.0, half) for k in range(4000)])
    assert share == pytest.approx(0.5, abs=0.03)


def test_turnover_resets_vacancy_strain_trust_and_orders(p):
    vacancy, felt, trust, pool = rules.state_after_turnover(p)
    assert vacancy == int(p.vacancy_months) and felt == 0.0 and pool == 0.0
    assert trust == p.trust_initial


def test_cocreation_needs_a_leader_and_an_agreement(lv):
    assert rules.cocreation_level(0.8, 0, False, lv) == pytest.approx(lv.cocreation_share * 0.8)
    assert rules.cocreation_level(0.8, 2, False, lv) < rules.cocreation_level(0.8, 0, False, lv)
    assert rules.cocreation_level(0.8, 3, False, lv) == 0.0
    assert rules.cocreation_level(0.8, 0, True, lv) == 0.0


def test_cooperates_needs_a_share_of_joint_hours(p):
    p = changed(p, cooperation_min_share=0.2)
    assert rules.cooperates(25.0, 100.0, p) and not rules.cooperates(15.0, 100.0, p)
    assert not rules.cooperates(0.0, 0.0, p)


def test_ordered_share_is_capped_by_municipal_backup(p, lv):
    """Everyone order-averse and willing to give all hours: the share is pool / hours, capped."""
    willing = changed(p, order_willing_share_averse=1.0)
    no_backup = changed(lv, municipal_backup=0.0)
    assert rules.ordered_share(30.0, 0.0, 100.0, False, no_backup, willing) == 0.3
    assert (
        rules.ordered_share(80.0, 0.0, 100.0, False, changed(lv, municipal_backup=1.0), willing)
        == 0.5
    )
    assert rules.ordered_share(200.0, 0.0, 100.0, False, no_backup, willing) == 1.0
    assert rules.ordered_share(5.0, 0.0, 0.0, False, lv, p) == 0.0


def test_orders_go_to_tolerant_volunteers_first_and_no_one_is_squeezed(p, lv):
    """Rules c1-c2: tolerant hours fill first, up to their willing share; then the others'."""
    no_backup = changed(lv, municipal_backup=0.0)
    p = changed(p, order_willing_share=0.5, order_willing_share_averse=0.1)
    assert rules.ordered_share(20.0, 100.0, 100.0, True, no_backup, p) == pytest.approx(0.2)
    assert rules.ordered_share(20.0, 100.0, 100.0, False, no_backup, p) == 0.0
    assert rules.ordered_share(55.0, 100.0, 100.0, True, no_backup, p) == pytest.approx(0.5)
    assert rules.ordered_share(55.0, 100.0, 100.0, False, no_backup, p) == pytest.approx(0.05)
    assert rules.ordered_share(1000.0, 100.0, 100.0, False, no_backup, p) == pytest.approx(0.1)


def test_order_tolerance_is_a_fixed_trait_with_the_set_share(p):
    share = np.mean([rules.is_order_tolerant(5, rid, p) for rid in range(20000)])
    assert share == pytest.approx(p.order_tolerant_share, abs=0.01)
    assert rules.is_order_tolerant(5, 42, p) == rules.is_order_tolerant(5, 42, p)
    assert not rules.is_order_tolerant(5, 42, changed(p, order_tolerant_share=0.0))


# ---- 5. work and motivation ----------------------------------------------------------------------


def test_ordered_hours_without_influence_lower_motivation(p, lv):
    no_say = changed(lv, influence_on_orders=0.0)
    own = rules.motivation_after_month(0.6, 0.0, 0.5, 0.5, False, no_say, p)
    ordered = rules.motivation_after_month(0.6, 1.0, 0.5, 0.5, False, no_say, p)
    assert ordered < own
    overloaded = rules.motivation_after_month(0.6, 0.0, 0.5, 3.0, False, no_say, p)
    assert overloaded < own
    assert 0.0 <= rules.motivation_after_month(0.0, 1.0, 0.0, 50.0, False, no_say, p) <= 1.0


def test_tolerant_volunteers_lose_less_from_ordered_hours(p, lv):
    """Rule c1: the loss from ordered hours is order_loss_tolerant of the others' loss."""
    no_say = changed(lv, influence_on_orders=0.0)
    own = rules.motivation_after_month(0.6, 0.0, 0.5, 0.5, False, no_say, p)
    averse = own - rules.motivation_after_month(0.6, 1.0, 0.5, 0.5, False, no_say, p)
    tolerant = own - rules.motivation_after_month(0.6, 1.0, 0.5, 0.5, True, no_say, p)
    # the gain side is the same for both; only the loss from orders is scaled
    loss = p.motivation_loss_orders * 0.6
    assert averse - tolerant == pytest.approx(loss * (1 - p.order_loss_tolerant))


def test_cocreation_failure_is_yearly_only_for_cocreating_centres(p):
    """Rule c4: drawn in December, never without co-creation, at the set yearly rate."""
    certain = changed(p, cocreation_fail_base=1.0)
    assert rules.cocreation_fails(1, 7, 11, 0.3, 0.0, certain)
    assert not rules.cocreation_fails(1, 7, 10, 0.3, 0.0, certain)
    assert not rules.cocreation_fails(1, 7, 11, 0.0, 0.0, certain)
    assert rules.cocreation_fails(1, 7, -1, 0.3, 0.0, certain)  # a spin-up December
    rate = np.mean([rules.cocreation_fails(1, k, 23, 0.3, 0.0, p) for k in range(20000)])
    assert rate == pytest.approx(p.cocreation_fail_base, abs=0.01)
    strained = np.mean([rules.cocreation_fails(1, k, 23, 0.3, 2.0, p) for k in range(20000)])
    assert strained == pytest.approx(p.cocreation_fail_base + p.cocreation_fail_strain, abs=0.015)
    assert rules.trust_after_cocreation_failure(0.8) == pytest.approx(0.4)
    assert rules.motivation_after_cocreation_failure(0.5, 0.4, p) == pytest.approx(
        0.5 - p.cocreation_fail_motivation * 0.4
    )


def test_cocreation_takes_staff_time(p):
    assert rules.staff_after_cocreation(100.0, 200.0, p) == pytest.approx(
        100.0 - p.cocreation_staff_hours * 200.0
    )
    assert rules.staff_after_cocreation(1.0, 1e6, p) == 0.0


def test_redesign_lifts_only_low_motivation(p):
    low = p.redesign_threshold - 0.01
    assert rules.redesigned_motivation(low, p) == pytest.approx(low + p.redesign_boost)
    assert rules.redesigned_motivation(p.redesign_threshold + 0.01, p) == pytest.approx(
        p.redesign_threshold + 0.01
    )


def test_evaluation_repairs_trust_up_to_one(p):
    assert rules.trust_after_evaluation(0.5, p) == pytest.approx(0.5 + p.evaluation_trust_repair)
    assert rules.trust_after_evaluation(1.0, p) == 1.0


def test_evaluation_every_interval_months_with_a_leader(lv):
    lv6 = changed(lv, evaluation_interval=6.0)
    months = [m for m in range(24) if rules.evaluates(m, False, lv6)]
    assert months == [5, 11, 17, 23]
    assert not rules.evaluates(5, True, lv6)
    assert not any(
        rules.evaluates(m, False, changed(lv, evaluation_interval=0.0)) for m in range(24)
    )


def test_hours_split_adds_up(p):
    ordered, cocreated, meeting = rules.hours_split(10.0, 0.3, 0.5, 0.0, p)
    assert ordered == pytest.approx(3.0) and cocreated == pytest.approx(3.5)
    assert meeting == pytest.approx(6.5 + 3.5 * p.own_activity_match)
    own = rules.hours_split(10.0, 0.0, 0.0, 0.0, p)[2]
    assert own == pytest.approx(10.0 * p.own_activity_match)
    far = rules.hours_split(10.0, 0.0, 0.0, 1.0, p)[2]  # rule c6: travel eats hours
    assert far == pytest.approx(own * (1.0 - p.travel_hours_loss))


def test_volunteer_hours_by_cohort(p):
    assert [rules.volunteer_hours(c, p) for c in range(4)] == [
        p.hours_youth,
        p.hours_adult,
        p.hours_young_retiree,
        p.hours_senior,
    ]
    assert rules.drawn_hours(2, 0.0, p) == pytest.approx(0.5 * p.hours_young_retiree)
    assert rules.drawn_hours(2, 1.0, p) == pytest.approx(1.5 * p.hours_young_retiree)


# ---- 6. exit -------------------------------------------------------------------------------------


def test_dropout_rises_as_motivation_falls(p):
    assert rules.dropout_probability(1.0, p) == pytest.approx(p.dropout_base)
    assert rules.dropout_probability(0.2, p) > rules.dropout_probability(0.6, p)
    share = np.mean([rules.drops_out(2, k, 7, 0.2, p) for k in range(20000)])
    assert share == pytest.approx(rules.dropout_probability(0.2, p), abs=0.01)


def test_pick_proportional_follows_weights():
    weights = np.array([1.0, 0.0, 3.0])
    picks = [rules.pick_proportional(weights, 3, u) for u in np.linspace(0, 0.999, 1000)]
    assert picks.count(1) == 0
    assert picks.count(2) == pytest.approx(750, abs=2)
    assert rules.pick_proportional(np.zeros(4), 4, 0.6) == 2  # no weight: uniform


# ---- 7. recruitment ------------------------------------------------------------------------------


def test_recruit_base_by_cohort_and_targeting(p, lv):
    assert (
        rules.recruit_base(2, 62, lv, changed(p, recruit_62plus=0.0))
        == p.recruit_base_young_retiree
    )
    targeted = rules.recruit_base(2, 62, lv, changed(p, recruit_62plus=1.0))
    assert targeted == pytest.approx(p.recruit_base_young_retiree * p.targeting_62plus_multiplier)
    assert rules.recruit_base(1, 40, lv, changed(p, recruit_62plus=1.0)) == p.recruit_base_adult


def test_cohort_recruit_probabilities_scale_with_pull_and_stay_below_one(p, lv):
    out = np.zeros(4)
    rules.cohort_recruit_probabilities(0.5, lv, p, out)
    assert out[1] == pytest.approx(0.5 * p.recruit_base_adult)
    rules.cohort_recruit_probabilities(1e12, lv, p, out)
    assert (out == 1.0).all()


def test_centre_pull_from_leader_time_and_word_of_mouth(p):
    quiet = rules.centre_pull(0.0, 1000, 1.0, False, False, 0.0, p)
    assert quiet == pytest.approx(p.recruit_leader_weight)
    assert rules.centre_pull(50.0, 1000, 1.0, False, False, 0.0, p) > quiet
    assert rules.centre_pull(50.0, 1000, 1.0, False, True, 0.0, p) == 0.0
    assert rules.centre_pull(50.0, 1000, 1.0, True, False, 0.0, p) == pytest.approx(
        rules.centre_pull(50.0, 1000, 1.0, False, False, 0.0, p) * p.visibility_colocated
    )
    far = rules.centre_pull(0.0, 1000, 1.0, False, False, 1.0, p)  # rule c6
    assert far == pytest.approx(quiet * (1.0 - p.travel_recruit_weight))


def test_recruit_state_is_keyed_and_follows_pull(p):
    pulls = np.array([0.0, 1.0])
    demand = np.array([0.0, 0.0, 2.0, 0.0])
    states = [rules.recruit(4, rid, 30, 1, pulls, 2, demand, p) for rid in range(500)]
    assert {s[0] for s in states} == {1} and {s[3] for s in states} == {2}
    assert all(s[1] == p.motivation_initial for s in states)
    assert rules.recruit(4, 17, 30, 1, pulls, 2, demand, p) == states[17]
    assert rules.recruit(4, 17, 31, 1, pulls, 2, demand, p)[2] != states[17][2]
    u = rng.uniform(4, 17, 30, rng.RECRUIT_HOURS)
    assert states[17][2] == pytest.approx(rules.drawn_hours(1, u, p))
