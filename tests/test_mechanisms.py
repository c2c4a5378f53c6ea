"""Mechanisms compared across regimes on the same seeds (common random numbers).

Many seeds run through the fast engine (``runner.simulate``); a smaller check runs the Mesa model.
Each test asserts a direction and a minimum size, so a rule that loses its effect fails.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from frivilligsim.engines.mesa.agents import Centre
from frivilligsim.engines.mesa.model import FrivilligModel
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import Scenario, world_for
from frivilligsim.simulation.runner import simulate

MUNICIPALITIES = "[S001,S002,S004,S005,S009,S011]"  # six centres, 1 700-5 700 residents
SEEDS = tuple(range(1, 11))


@lru_cache(maxsize=16)
def fast_runs(overrides: tuple[str, ...], seeds: tuple[int, ...], end_year: int = 2035):
    """Yearly tables of the fast engine, one per seed, for a config."""
    run = validate(
        load_config(
            [
                "region=synthetic",
                f"region.municipalities={MUNICIPALITIES}",
                f"end_year={end_year}",
                *overrides,
            ]
        )
    )
    world = world_for(run.region)
    scenario = [Scenario(run.policy.name, run.demography.name, 0, s) for s in seeds]
    return [simulate(run, sc, world)[0] for sc in scenario]


def per_seed(tables: list[pd.DataFrame], year: int = 2035) -> pd.DataFrame:
    """Regional outcomes per seed: motivation and volunteers in ``year``, dropouts to ``year``."""
    rows = []
    for t in tables:
        y = t[t["year"] == year]
        rows.append(
            {
                "mean_motivation": (y["mean_motivation"] * y["volunteers"]).sum()
                / y["volunteers"].sum(),
                "volunteers": y["volunteers"].sum(),
                "dropouts": t.loc[t["year"] <= year, "dropouts"].sum(),
                "orders_issued": t.loc[t["year"] <= year, "orders_issued"].sum(),
            }
        )
    return pd.DataFrame(rows)


# The motivation mechanism alone: every volunteer order-averse and willing to take orders up to
# all their hours (the centre's capacity, c2, and order tolerance, c1, have their own tests).
ORDERS_REACH_EVERYONE = ("model.order_tolerant_share=0", "model.order_willing_share_averse=1")
NO_INFLUENCE = ("policy=mobilisation", "policy.influence_on_orders=0", *ORDERS_REACH_EVERYONE)


def test_more_orders_without_influence_lower_motivation_and_raise_dropouts():
    low = per_seed(fast_runs((*NO_INFLUENCE, "policy.order_intensity=0.1"), SEEDS))
    high = per_seed(fast_runs((*NO_INFLUENCE, "policy.order_intensity=0.9"), SEEDS))
    assert (high["orders_issued"] > 3 * low["orders_issued"]).all()
    drop = high["mean_motivation"] - low["mean_motivation"]
    assert (drop < 0).all(), drop.tolist()
    assert drop.mean() < -0.10, drop.mean()  # observed about -0.24
    rise = high["dropouts"] / low["dropouts"] - 1.0
    assert (rise > 0).sum() >= 9, rise.tolist()
    assert rise.mean() > 0.10, rise.mean()  # observed about +25 %


def test_influence_on_ordered_hours_lowers_dropouts():
    common = ("policy=mobilisation", "policy.order_intensity=0.9", *ORDERS_REACH_EVERYONE)
    none = per_seed(fast_runs((*common, "policy.influence_on_orders=0"), SEEDS))
    full = per_seed(fast_runs((*common, "policy.influence_on_orders=1"), SEEDS))
    fall = full["dropouts"] / none["dropouts"] - 1.0
    assert (fall < 0).sum() >= 9, fall.tolist()
    assert fall.mean() < -0.10, fall.mean()  # observed about -21 %
    assert (full["mean_motivation"] - none["mean_motivation"]).mean() > 0.10


def test_cocreation_keeps_more_volunteers_than_mobilisation_in_2035():
    seeds = tuple(range(1, 21))
    cocreation = per_seed(fast_runs(("policy=cocreation",), seeds))
    mobilisation = per_seed(fast_runs(("policy=mobilisation",), seeds))
    diff = (cocreation["volunteers"] - mobilisation["volunteers"]).to_numpy(dtype=float)
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    assert diff.mean() > 0
    assert diff.mean() > 2.0 * se, (diff.mean(), se)  # the bar is 1 SE; observed about 50 SE


def test_a_year_with_every_leader_post_empty_has_no_recruits():
    tables = fast_runs(
        ("policy=cocreation", "model.turnover_base=0.2", "model.vacancy_months=36"), SEEDS[:4]
    )
    table = pd.concat(tables)
    empty = table[table["vacant_centre_months"] == 12 * table["centres"]]
    empty = empty[empty["centres"] > 0]
    assert len(empty) > 20  # the check has cases to bite on
    assert (empty["recruits"] == 0).all()
    staffed = table[(table["vacant_centre_months"] == 0) & (table["centres"] > 0)]
    assert staffed["recruits"].sum() > 0


# ---- the same mechanisms on the Mesa model ------------------------------------------------------


def mesa_run(seed: int, extra=(), **kwargs) -> FrivilligModel:
    # S001: about 5 700 residents and a large unmet demand, so orders are many
    model = FrivilligModel(
        municipalities=["S001"],
        end_year=2028,
        seed=seed,
        overrides=["region=synthetic", *extra],
        **kwargs,
    )
    model.run_model()
    return model


def test_mesa_leader_vacancy_stops_recruitment():
    model = FrivilligModel(
        municipalities=["S001"], end_year=2025, seed=4, overrides=["region=synthetic"]
    )
    model.vacancy_months = 10_000
    model.turnover_base = 1.0
    model.step()  # the leader leaves at the end of the first month
    (centre,) = model.agents_by_type[Centre]
    assert centre.vacant
    model.run_model()
    flows = model.monthly_table()
    assert (flows.loc[flows["month"] >= 1, "recruits"] == 0).all()
    assert flows.loc[flows["month"] >= 1, "dropouts"].sum() > 0  # volunteers still leave
    table = model.results_table()
    assert table["recruits"].tolist()[1:] == [0]
    assert table["leader_turnovers"].sum() == 1
    # control: the same seed with a leader in post keeps recruiting
    control = FrivilligModel(
        municipalities=["S001"], end_year=2025, seed=4, overrides=["region=synthetic"]
    )
    control.run_model()
    control_flows = control.monthly_table()
    # observed 9 after the spin-up and refit (was more than 10 before): far from the 0 above
    assert control_flows.loc[control_flows["month"] >= 1, "recruits"].sum() >= 5


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mesa_orders_without_influence_lower_motivation_and_raise_dropouts(seed):
    kwargs = {"policy": "mobilisation", "influence_on_orders": 0.0}
    overrides = [f"{key}" for key in ORDERS_REACH_EVERYONE]
    low = mesa_run(seed, order_intensity=0.1, extra=overrides, **kwargs).results_table()
    high = mesa_run(seed, order_intensity=0.9, extra=overrides, **kwargs).results_table()
    assert high["orders_issued"].sum() > 3 * low["orders_issued"].sum()
    gap = high["mean_motivation"].iloc[-1] - low["mean_motivation"].iloc[-1]
    assert gap < -0.2, gap  # observed -0.48 to -0.53 in 2028
    assert high["dropouts"].sum() > 1.2 * low["dropouts"].sum()  # observed +50 % or more


def test_cooperation_needs_more_than_marginal_joint_work():
    """rules.cooperates: joint hours above zero and at least cooperation_min_share of hours."""
    from frivilligsim.core import rules
    from frivilligsim.core.parameters import as_record

    run = validate(load_config([]))
    p = as_record(replace(run.model, cooperation_min_share=0.2))
    assert rules.cooperates(20.0, 100.0, p)
    assert not rules.cooperates(19.9, 100.0, p)
    assert not rules.cooperates(0.0, 0.0, p)  # no volunteer hours: no cooperation
    p0 = as_record(replace(run.model, cooperation_min_share=0.0))
    assert rules.cooperates(1e-9, 100.0, p0)
    assert not rules.cooperates(0.0, 100.0, p0)  # no joint hour at all never counts


def test_cooperating_centres_fall_as_the_threshold_rises_and_nothing_else_moves():
    """The threshold only labels the output: dynamics are identical, the count is monotone."""
    seeds = SEEDS[:3]
    counts = []
    for share in (0.0, 0.15, 0.5):
        tables = fast_runs((f"model.cooperation_min_share={share}",), seeds, 2027)
        counts.append([t["cooperating_centres"].sum() for t in tables])
        if share == 0.0:
            base = tables
        else:
            for a, b in zip(base, tables, strict=True):
                pd.testing.assert_series_equal(a["volunteers"], b["volunteers"])
                pd.testing.assert_series_equal(a["orders_issued"], b["orders_issued"])
    counts = np.array(counts)
    assert (counts[0] >= counts[1]).all() and (counts[1] >= counts[2]).all()
    assert (counts[0] > counts[2]).all(), counts


# ---- issue #15's mechanisms: each with its direction and a minimum size ---------------------


def volunteers_gap(extra: tuple[str, ...], seeds=SEEDS[:6]) -> np.ndarray:
    """Co-creation minus mobilisation volunteers in 2035, per seed (same seeds)."""
    coc = per_seed(fast_runs(("policy=cocreation", *extra), seeds))
    mob = per_seed(fast_runs(("policy=mobilisation", *extra), seeds))
    return (coc["volunteers"] - mob["volunteers"]).to_numpy(dtype=float)


def test_order_tolerant_volunteers_shrink_the_mobilisation_penalty():
    """c1: with the centre's capacity held fixed, tolerant volunteers shrink co-creation's lead.

    Both kinds give orders the same share of their hours here, so only the motivation loss
    differs. (With the shipped willing shares, 0.5 and 0.1, more tolerant volunteers also let a
    centre take more orders, and the lead grows: docs/ODD.md section 7.5.)
    """
    same_capacity = ("model.order_willing_share=0.3", "model.order_willing_share_averse=0.3")
    gaps = [
        volunteers_gap((*same_capacity, f"model.order_tolerant_share={share}")).mean()
        for share in (0.0, 0.5, 1.0)
    ]
    assert gaps[0] > gaps[1] > gaps[2], gaps
    assert gaps[2] < 0.8 * gaps[0], gaps


def test_with_the_shipped_capacity_tolerant_volunteers_let_centres_take_more_orders():
    """c1 with c2: tolerant volunteers raise capacity, so mobilisation's ordered hours rise."""
    none = fast_runs(("policy=mobilisation", "model.order_tolerant_share=0"), SEEDS[:6])
    all_ = fast_runs(("policy=mobilisation", "model.order_tolerant_share=1"), SEEDS[:6])
    ordered = [np.array([t["hours_ordered"].sum() for t in runs]) for runs in (none, all_)]
    assert (ordered[1] > 1.5 * ordered[0]).all(), ordered


def test_orders_beyond_what_volunteers_will_do_are_declined_not_squeezed():
    """c2: capacity declines rise with order intensity; ordered hours stay within the willing share."""
    low = fast_runs(("policy=mobilisation", "policy.order_intensity=0.3"), SEEDS[:6])
    high = fast_runs(("policy=mobilisation", "policy.order_intensity=1.0"), SEEDS[:6])
    low_capacity = np.array([t["orders_declined_capacity"].sum() for t in low])
    high_capacity = np.array([t["orders_declined_capacity"].sum() for t in high])
    assert (high_capacity > low_capacity).all(), (low_capacity, high_capacity)
    assert high_capacity.mean() > 2 * max(1.0, low_capacity.mean())
    run = validate(load_config([]))
    for t in high:
        share = t["hours_ordered"].sum() / t["volunteer_hours"].sum()
        assert share <= run.model.order_willing_share + 1e-9
    # with everyone willing to give all their hours, far fewer are declined for capacity
    willing = fast_runs(
        (
            "policy=mobilisation",
            "policy.order_intensity=1.0",
            "model.order_willing_share=1",
            "model.order_willing_share_averse=1",
        ),
        SEEDS[:6],
    )
    willing_capacity = np.array([t["orders_declined_capacity"].sum() for t in willing])
    ratio = willing_capacity / high_capacity
    assert (ratio < 1.0).all() and ratio.mean() < 0.95, ratio  # observed 0.80-0.96


def test_a_municipality_that_backs_off_sends_fewer_orders_and_keeps_more_volunteers():
    """c3: back_off instead of persist under mobilisation: fewer orders 2030-2035."""
    persist = fast_runs(("policy=mobilisation", "policy.decline_response=persist"), SEEDS[:6])
    back_off = fast_runs(("policy=mobilisation", "policy.decline_response=back_off"), SEEDS[:6])
    late = [
        np.array([t.loc[t["year"] >= 2030, "orders_issued"].sum() for t in runs])
        for runs in (persist, back_off)
    ]
    assert (late[1] < late[0]).all(), late
    assert late[1].mean() < 0.8 * late[0].mean(), late


def test_cocreation_that_fails_costs_cocreated_hours_and_volunteers():
    """c4: a 50 % yearly failure risk lowers co-created hours in 2030 in every seed."""
    safe = fast_runs(("policy=cocreation", "model.cocreation_fail_base=0"), SEEDS[:6])
    risky = fast_runs(("policy=cocreation", "model.cocreation_fail_base=0.5"), SEEDS[:6])
    hours = [
        np.array([t.loc[t["year"] == 2030, "hours_cocreated"].sum() for t in runs])
        for runs in (safe, risky)
    ]
    ratio = hours[1] / hours[0]
    assert (ratio < 0.95).all() and ratio.mean() < 0.92, ratio  # observed 0.80-0.92
    assert per_seed(risky)["volunteers"].mean() < per_seed(safe)["volunteers"].mean()


def test_mobilisation_done_well_keeps_volunteers_close_to_cocreation():
    """c5: as many orders as mobilisation, but influence, backup, evaluation and backing off."""
    seeds = SEEDS[:6]
    coc = per_seed(fast_runs(("policy=cocreation",), seeds))["volunteers"].to_numpy(float)
    mob = per_seed(fast_runs(("policy=mobilisation",), seeds))["volunteers"].to_numpy(float)
    well = per_seed(fast_runs(("policy=mobilisation_well",), seeds))["volunteers"].to_numpy(float)
    assert (well > mob).all(), (well, mob)
    assert np.abs(well - coc).mean() < 0.5 * np.abs(mob - coc).mean(), (coc, mob, well)


def test_travel_burden_lowers_recruitment_most_where_it_is_heaviest():
    """c6: switching travel on cuts recruits more in the high-burden municipality."""
    off = ("model.travel_recruit_weight=0", "model.travel_hours_loss=0")
    on = pd.concat(fast_runs(("policy=as_planned",), SEEDS[:6]))
    without = pd.concat(fast_runs(("policy=as_planned", *off), SEEDS[:6]))
    ratio = (
        on.groupby("municipality")["recruits"].sum()
        / without.groupby("municipality")["recruits"].sum()
    )
    # synthetic travel burden: S005 0.69 (highest of the six), S002 0.18 (lowest)
    assert ratio["S005"] < ratio["S002"] - 0.05, ratio.to_dict()
    assert (ratio < 1.0).all(), ratio.to_dict()
    assert on["coverage"].mean() < without["coverage"].mean()


def test_the_spin_up_is_the_same_for_every_policy_and_settles():
    """The spin-up runs as_planned for every policy; 2024 starts from the same state."""
    from frivilligsim.engines import fast
    from frivilligsim.scenario.setup import prepare

    run = validate(
        load_config(
            ["region=synthetic", f"region.municipalities={MUNICIPALITIES}", "end_year=2024"]
        )
    )
    outs = {}
    for policy in ("cocreation", "mobilisation"):
        setup = prepare(run, policy)
        outs[policy], _ = fast.simulate(
            setup.world,
            setup.params,
            setup.lever_base,
            setup.lever_policy,
            setup.start_month,
            setup.rates,
            7,
            setup.n_months,
            keep_spinup=True,
        )
    years = int(run.model.spinup_years)
    assert years >= 10
    np.testing.assert_array_equal(outs["cocreation"][:, :years], outs["mobilisation"][:, :years])
    assert not np.array_equal(outs["cocreation"][:, years:], outs["mobilisation"][:, years:])
