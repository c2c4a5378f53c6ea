"""The policy presets differ only in how the municipality works with its centre.

What centres and volunteers do (the supplement principle, recruitment aimed at 62+, the
leader's protected follow-up) lives in conf/model and is the same under every preset; the
municipality's situation (its volunteer policy, labour shortage, fiscal stress) and the
plan-to-practice mapping are the same in every preset file. So a difference between two presets'
results comes from ``parameters.MUNICIPAL_LEVERS`` alone.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pytest
from omegaconf import OmegaConf

from frivilligsim.core.parameters import (
    MUNICIPAL_LEVERS,
    REGIMES,
    BehaviourParams,
    PolicyConfig,
)
from frivilligsim.scenario.config import CONF_DIR, group_options, load_config, load_policy, validate
from frivilligsim.scenario.setup import prepare
from frivilligsim.scenario.world import municipality_levers
from frivilligsim.simulation.runner import run as run_model

IDENTITY = ("name", "regime")
CENTRE_AND_VOLUNTEER_KEYS = ("supplement_principle", "recruit_62plus", "followup_protected_share")


def test_every_preset_file_is_a_regime_and_every_regime_has_a_file():
    assert sorted(group_options("policy")) == sorted(REGIMES)
    for name in REGIMES:
        assert load_policy(name).regime == name


def test_presets_differ_only_in_municipal_levers():
    raw = {name: OmegaConf.load(CONF_DIR / "policy" / f"{name}.yaml") for name in REGIMES}
    keys = {f.name for f in fields(PolicyConfig)}
    for name, node in raw.items():
        assert set(node.keys()) == keys, name  # every key set in every file: nothing implicit
    shared = keys - set(MUNICIPAL_LEVERS) - set(IDENTITY)
    assert "labour_shortage" in shared and "plan_mapping" in shared
    first = raw[REGIMES[0]]
    for name in REGIMES[1:]:
        for key in shared:
            assert raw[name][key] == first[key], f"{name}.{key} differs from {REGIMES[0]}"
    # and the presets do differ in the levers (otherwise the comparison is empty)
    for key in ("order_intensity", "influence_on_orders", "evaluation_interval"):
        assert len({raw[name][key] for name in REGIMES}) > 1, key


def test_centre_and_volunteer_keys_are_model_parameters_not_levers():
    model_keys = {f.name for f in fields(BehaviourParams)}
    policy_keys = {f.name for f in fields(PolicyConfig)}
    for key in CENTRE_AND_VOLUNTEER_KEYS:
        assert key in model_keys and key not in policy_keys


def test_mobilisation_well_orders_like_mobilisation_but_with_the_good_set_up():
    bad, good, coc = (load_policy(n) for n in ("mobilisation", "mobilisation_well", "cocreation"))
    assert good.order_intensity == bad.order_intensity
    assert good.influence_on_orders > bad.influence_on_orders
    assert good.municipal_backup and not bad.municipal_backup
    assert good.evaluation_interval > 0 == bad.evaluation_interval
    assert good.decline_response == coc.decline_response == "back_off"


def test_two_presets_with_the_same_levers_give_the_same_results():
    """Only the municipal levers reach the engine: cocreation with mobilisation's levers is mobilisation."""
    base = ["region=synthetic", "region.municipalities=[S004,S071]", "end_year=2026"]
    base.append("model.spinup_years=2")
    mob = load_policy("mobilisation")
    levers = [f"policy.{k}={str(getattr(mob, k)).lower()}" for k in MUNICIPAL_LEVERS]
    as_mobilisation = run_model([*base, "policy=cocreation", *levers], seed=5)
    mobilisation = run_model([*base, "policy=mobilisation"], seed=5)
    columns = ["volunteers", "orders_issued", "orders_declined", "mean_motivation", "coverage"]
    np.testing.assert_array_equal(
        as_mobilisation[columns].to_numpy(), mobilisation[columns].to_numpy()
    )


@pytest.fixture(scope="module")
def default_run():
    return validate(load_config(["region=synthetic"]))


def test_as_planned_mapping_tilts_the_practice_levers_by_plan_discourse(default_run):
    setup = prepare(default_run, "as_planned")
    world = setup.world
    policy = load_policy("as_planned")
    presets = {name: load_policy(name) for name in REGIMES}
    tilted = municipality_levers(world, policy, presets)
    practice = municipality_levers(world, replace(policy, plan_mapping="practice"), presets)
    plan = municipality_levers(world, replace(policy, plan_mapping="plan"), presets)
    discourse = world.discourse
    coc, mob, other = discourse == 0, discourse == 1, discourse >= 2
    assert coc.any() and mob.any() and other.any()
    assert (practice.order_intensity == policy.order_intensity).all()
    assert np.allclose(tilted.cocreation_share[coc], 1.3 * policy.cocreation_share)
    assert np.allclose(tilted.order_intensity[mob], 2.0 * policy.order_intensity)
    assert np.allclose(tilted.order_intensity[other], 0.5 * policy.order_intensity)
    assert np.allclose(tilted.influence_on_orders, policy.influence_on_orders)
    assert np.allclose(plan.order_intensity[mob], presets["mobilisation"].order_intensity)
    assert np.allclose(plan.influence_on_orders[coc], presets["cocreation"].influence_on_orders)
    assert np.allclose(setup.lever_policy.order_intensity, tilted.order_intensity)


def test_a_bad_decline_response_or_mapping_is_refused_in_one_line():
    from frivilligsim.errors import ConfigError

    with pytest.raises(ConfigError, match="policy.decline_response=sometimes is not allowed"):
        load_config(["policy.decline_response=sometimes"])
    with pytest.raises(ConfigError, match="policy.plan_mapping=dream is not allowed"):
        load_config(["policy.plan_mapping=dream"])


def test_the_plan_mapping_reaches_as_planned_under_any_policy(default_run):
    """policy.plan_mapping is read by the as_planned base (spin-up, years before a start)."""
    run = validate(
        load_config(["region=synthetic", "policy=cocreation", "policy.plan_mapping=plan"])
    )
    setup = prepare(run)
    assert not np.allclose(
        setup.lever_base.order_intensity, prepare(default_run).lever_base.order_intensity
    )
