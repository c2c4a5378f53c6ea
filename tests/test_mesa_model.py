"""The Mesa model (issue 4): agents, determinism, conservation, outputs, batch_run, properties.

Small and short runs: S004 (about 1 800 residents, one centre) for a few years.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frivilligsim.core import schema
from frivilligsim.core.parameters import BehaviourParams, PolicyConfig
from frivilligsim.engines import layout
from frivilligsim.engines.mesa.agents import Centre, Municipality, ServiceUnit, Volunteer
from frivilligsim.engines.mesa.model import FrivilligModel
from frivilligsim.errors import InvariantError

MUNI = ["S004"]
SYNTHETIC = ["region=synthetic"]  # the tests use the synthetic region's numbers


def small(**kwargs) -> FrivilligModel:
    kwargs.setdefault("municipalities", MUNI)
    kwargs.setdefault("end_year", 2026)
    kwargs["overrides"] = [*SYNTHETIC, *kwargs.get("overrides", ())]
    return FrivilligModel(**kwargs)


def run(model: FrivilligModel) -> FrivilligModel:
    model.run_model()
    return model


@pytest.fixture(scope="module")
def mobilisation_run() -> FrivilligModel:
    return run(small(policy="mobilisation", seed=11))


# ---- agents ------------------------------------------------------------------------------------


def test_one_object_per_agent_with_the_state_the_spec_names():
    model = small(policy="cocreation", seed=3)
    (muni,) = model.agents_by_type[Municipality]
    assert muni.code == "S004"
    assert len(model.agents_by_type[ServiceUnit]) == len(schema.AREAS)
    centres = list(model.agents_by_type[Centre])
    assert len(centres) == 1
    c = centres[0]
    assert schema.OWNERSHIP[c.ownership] and schema.ROLE[c.role] and schema.AGREEMENT[c.agreement]
    assert c.leader_budget == pytest.approx(162.5)
    assert not c.vacant and 0.0 <= c.trust <= 1.0
    volunteers = list(model.agents_by_type[Volunteer])
    assert 30 < len(volunteers) == muni.n_volunteers
    for v in volunteers:
        assert v.age >= 13 and v.cohort_name in schema.COHORTS
        assert 0.0 <= v.motivation <= 1.0 and v.hours > 0 and v.tenure >= 0
        assert v.centre is c and schema.AREAS[v.area]
    # the recruitment pool is arrays, not objects: residents far outnumber volunteer agents
    assert muni.n > 10 * len(volunteers)
    assert len(model.agents) == 1 + 1 + 4 + len(volunteers)


def test_default_municipality_is_the_first_of_the_region():
    model = FrivilligModel(end_year=2024, seed=1, overrides=SYNTHETIC)
    assert list(model.codes) == ["S001"]


def test_keywords_map_onto_the_config():
    model = small(
        policy="mobilisation",
        order_intensity=0.33,
        influence_on_orders=0.0,
        evaluation_interval=3,
        decline_penalty=0.2,
        municipal_backup=True,
        overrides=["model.motivation_decay=0.02"],
        seed=1,
    )
    cfg = model.run_config
    assert cfg.policy.name == "mobilisation"
    assert cfg.policy.order_intensity == 0.33 and cfg.policy.evaluation_interval == 3
    assert cfg.policy.municipal_backup is True
    assert model.order_intensity == pytest.approx(0.33)  # levers in force are attributes
    assert model.influence_on_orders == 0.0
    assert model.motivation_decay == pytest.approx(0.02)  # so are behaviour parameters
    model.turnover_base = 0.5
    assert model.params.turnover_base == 0.5
    other = small(policy="mobilisation", seed=1)  # a model owns its parameters
    assert other.turnover_base == pytest.approx(0.008)


# ---- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_identical_collected_data(mobilisation_run):
    again = run(small(policy="mobilisation", seed=11))
    pd.testing.assert_frame_equal(
        mobilisation_run.datacollector.get_model_vars_dataframe(),
        again.datacollector.get_model_vars_dataframe(),
    )
    pd.testing.assert_frame_equal(mobilisation_run.results_table(), again.results_table())
    other = run(small(policy="mobilisation", seed=12))
    assert not other.results_table().equals(again.results_table())


def test_activation_order_does_not_change_results(mobilisation_run):
    model = small(policy="mobilisation", seed=11)
    model.random.seed(987654)  # Mesa's generator only shuffles the activation order
    run(model)
    pd.testing.assert_frame_equal(model.results_table(), mobilisation_run.results_table())


def test_seed_none_draws_a_reproducible_stream_seed():
    a = FrivilligModel(municipalities=MUNI, end_year=2024, rng=42, overrides=SYNTHETIC)
    b = FrivilligModel(municipalities=MUNI, end_year=2024, rng=42, overrides=SYNTHETIC)
    assert a.stream_seed == b.stream_seed


# ---- conservation and outputs ------------------------------------------------------------------


def test_volunteers_conserved_every_month(mobilisation_run):
    flows = mobilisation_run.monthly_table()
    assert len(flows) == mobilisation_run.n_months
    expected = (
        flows["volunteers_before"]
        + flows["recruits"]
        - flows["dropouts"]
        - flows["deaths"]
        - flows["out_migrants"]
    )
    assert (flows["volunteers_after"] == expected).all()
    assert (
        flows["volunteers_before"].iloc[1:].to_numpy()
        == flows["volunteers_after"].iloc[:-1].to_numpy()
    ).all()
    january = flows["month"] % 12 == 0
    assert flows.loc[~january, ["deaths", "out_migrants"]].eq(0).all().all()
    assert flows.loc[january, "deaths"].sum() + flows.loc[january, "out_migrants"].sum() > 0
    assert flows["recruits"].sum() > 0 and flows["dropouts"].sum() > 0
    assert flows["volunteers_after"].iloc[-1] == len(mobilisation_run.agents_by_type[Volunteer])


def test_conservation_check_catches_an_uncounted_recruit(monkeypatch):
    original = Municipality.recruit

    def sloppy(self):
        original(self)
        if self._month.get("recruits", 0) > 0:
            self._month["recruits"] -= 1

    monkeypatch.setattr(Municipality, "recruit", sloppy)
    with pytest.raises(InvariantError, match="volunteers not conserved"):
        run(small(policy="cocreation", seed=11))


def test_december_rows_equal_the_yearly_table(mobilisation_run):
    table = mobilisation_run.results_table()
    assert list(table.columns[: len(schema.REQUIRED_COLUMNS)]) == list(schema.REQUIRED_COLUMNS)
    assert list(table["year"]) == [2024, 2025, 2026]
    yearly = mobilisation_run.yearly_dataframe()
    assert list(yearly["year"]) == [2024, 2025, 2026]
    for column in schema.REQUIRED_COLUMNS:
        left = yearly[column].to_numpy()
        right = table[column].to_numpy()
        if left.dtype.kind in "fi":
            np.testing.assert_allclose(left.astype(float), right.astype(float), rtol=1e-12)
        else:
            assert list(left) == list(right)


def test_datacollector_rows_have_the_section_8_columns(mobilisation_run):
    frame = mobilisation_run.datacollector.get_model_vars_dataframe()
    assert set(schema.REQUIRED_COLUMNS) <= set(frame.columns)
    assert len(frame) == mobilisation_run.n_months + 1  # the initial state, then each month
    assert frame["month"].tolist() == list(range(mobilisation_run.n_months + 1))
    assert (frame["municipality"] == "S004").all()
    assert (frame["residents"] > 0).all()


def test_batch_run_over_policy_and_seed():
    rows = mesa.batch_run(
        FrivilligModel,
        parameters={
            "policy": ["cocreation", "mobilisation"],
            "seed": [1, 2],
            "municipalities": [MUNI],
            "overrides": [SYNTHETIC],
            "end_year": 2025,
        },
        iterations=1,
        max_steps=24,
        number_processes=1,
        data_collection_period=12,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    assert set(schema.REQUIRED_COLUMNS) <= set(frame.columns)
    assert frame["RunId"].nunique() == 4
    assert sorted(frame["Step"].unique()) == [0, 12, 24]
    years = frame[frame["Step"] > 0]
    assert set(zip(years["policy"], years["seed"], strict=True)) == {
        ("cocreation", 1),
        ("cocreation", 2),
        ("mobilisation", 1),
        ("mobilisation", 2),
    }
    assert sorted(years["year"].unique()) == [2024, 2025]
    # a batch_run row at December is the model's yearly row
    model = run(small(policy="mobilisation", seed=2, end_year=2025))
    row = years[(years["policy"] == "mobilisation") & (years["seed"] == 2) & (years["Step"] == 24)]
    assert int(row["volunteers"].iloc[0]) == int(model.results_table()["volunteers"].iloc[-1])


def test_engine_mesa_through_the_runner_writes_the_fast_schema():
    import frivilligsim

    overrides = [
        "experiment=smoke",
        "region=synthetic",
        "region.max_municipalities=2",
        "end_year=2025",
        "replicates=1",
    ]
    mesa_table = frivilligsim.run(overrides + ["engine=mesa"], seed=5)
    fast_table = frivilligsim.run(overrides, seed=5)
    assert list(mesa_table.columns) == list(fast_table.columns)
    assert len(mesa_table) == len(fast_table) == 2 * 2 * 2  # policies x municipalities x years
    pd.testing.assert_frame_equal(mesa_table, fast_table)


# ---- property: ranges hold for any parameters within their ranges ------------------------------

_BEHAVIOUR = {
    name: BehaviourParams.__dataclass_fields__[name].metadata["range"]
    for name in (
        "motivation_initial",
        "motivation_gain_influence",
        "motivation_loss_orders",
        "motivation_gain_followup",
        "motivation_loss_overload",
        "motivation_decay",
        "dropout_base",
        "dropout_motivation_slope",
        "recruit_base_young_retiree",
        "word_of_mouth",
        "max_orders_per_month",
        "order_hours",
        "turnover_base",
        "turnover_strain_slope",
        "redesign_boost",
        "leader_hours_per_month",
        "followup_hours_per_volunteer",
        "staff_share_2024",
    )
}
_LEVERS = {
    name: PolicyConfig.__dataclass_fields__[name].metadata["range"]
    for name in (
        "order_intensity",
        "influence_on_orders",
        "cocreation_share",
        "decline_penalty",
        "labour_shortage",
    )
}


@st.composite
def parameter_draws(draw):
    overrides = []
    for name, (lo, hi) in _BEHAVIOUR.items():
        overrides.append(f"model.{name}={draw(st.floats(lo, hi, allow_nan=False)):.6g}")
    overrides.append(f"model.vacancy_months={draw(st.integers(0, 36))}")
    levers = {name: draw(st.floats(lo, hi, allow_nan=False)) for name, (lo, hi) in _LEVERS.items()}
    levers["evaluation_interval"] = draw(st.integers(0, 120))
    levers["municipal_backup"] = draw(st.booleans())
    levers["decline_response"] = draw(st.sampled_from(["persist", "back_off"]))
    policy = draw(st.sampled_from(["cocreation", "mobilisation"]))
    return policy, levers, overrides


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(parameter_draws(), st.integers(0, 2**31))
def test_ranges_hold_for_random_parameters(draw, seed):
    policy, levers, overrides = draw
    levers = {k: round(v, 6) if isinstance(v, float) else v for k, v in levers.items()}
    model = FrivilligModel(
        policy=policy,
        municipalities=MUNI,
        end_year=2025,
        overrides=[*SYNTHETIC, *overrides],
        seed=seed,
        **levers,
    )
    while model.running:
        model.step()
        for v in model.agents_by_type.get(Volunteer, []):
            assert 0.0 <= v.motivation <= 1.0
            assert v.hours >= 0.0 and v.hours_ordered >= 0.0 and v.hours_cocreated >= 0.0
        for c in model.agents_by_type[Centre]:
            assert c.order_pool >= 0.0 and 0.0 <= c.trust <= 1.0 and c.vacancy >= 0
            assert c.hours_worked <= c.leader_budget * (1 + 1e-9)
    table = model.results_table()
    counts = [c for c in layout.OUTPUT_COLUMNS if c in table.columns]
    assert (table[counts] >= 0).all().all()
    assert table["coverage"].between(0.0, 1.0).all()
    assert table["mean_motivation"].between(0.0, 1.0).all()
    flows = model.monthly_table()
    assert (flows["volunteers_after"] >= 0).all()
