"""The scenario explorer without a browser: its state, its runs, its words and its page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import frivilligsim
from frivilligsim.explorer import agents, figures, offline, projection, words
from frivilligsim.explorer import state as st
from frivilligsim.inputs.region import load_region
from frivilligsim.output import i18n


@pytest.fixture(scope="module")
def cat():
    return st.catalogue()


@pytest.fixture(scope="module")
def code(cat):
    """The smallest municipality of the region with a volunteer centre: quick to run."""
    with_centre = cat.municipalities[cat.municipalities["centres"] > 0]
    return str(with_centre.sort_values("residents")["code"].iloc[0])


# ---- state ---------------------------------------------------------------------------------------


def test_catalogue_lists_every_municipality_by_name(cat):
    table = cat.municipalities
    region = load_region(cat.run.region)
    assert set(table["code"]) == set(region.municipalities["municipality"].astype(str))
    assert table["name"].str.len().gt(0).all()
    names = list(table["name"])
    initials = [name[0].upper() for name in names]
    norwegian = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ" if c in initials]
    assert [c for i, c in enumerate(initials) if i == 0 or initials[i - 1] != c] == norwegian
    assert table["residents"].gt(0).all()
    assert set(cat.presets) == {"cocreation", "mobilisation", "mobilisation_well", "as_planned"}


def test_choosing_a_preset_resets_its_levers(cat, code):
    """The issue's bug: mobilisation kept co-creation's slider values."""
    choice = st.initial_choice(cat, code)
    assert choice.preset == "cocreation"
    adjusted = st.set_lever(choice, "order_intensity", 0.9)
    assert st.is_adjusted(adjusted, cat)
    mobilisation = st.choose_preset(adjusted, cat, "mobilisation")
    levers = mobilisation.lever_dict
    assert levers == st.lever_values(cat.presets["mobilisation"])
    assert levers["order_intensity"] == pytest.approx(0.6)  # conf/policy/mobilisation.yaml
    assert levers["influence_on_orders"] == pytest.approx(0.1)
    assert not st.is_adjusted(mobilisation, cat)
    back = st.choose_preset(mobilisation, cat, "cocreation")
    assert back.lever_dict == st.lever_values(cat.presets["cocreation"])


def test_levers_are_checked(cat, code):
    choice = st.initial_choice(cat, code)
    assert st.set_lever(choice, "order_intensity", 7).lever_dict["order_intensity"] == 1.0
    assert st.set_lever(choice, "evaluation_interval", 5.6).lever_dict["evaluation_interval"] == 6
    assert st.set_lever(choice, "start_year", 2030.0).lever_dict["start_year"] == 2030
    assert st.set_lever(choice, "municipal_backup", 0).lever_dict["municipal_backup"] is False
    with pytest.raises(ValueError, match="volunteer_policy='sometimes'"):
        st.set_lever(choice, "volunteer_policy", "sometimes")
    with pytest.raises(ValueError, match="unknown policy 'laissez_faire'"):
        st.choose_preset(choice, cat, "laissez_faire")


def test_an_adjusted_policy_gets_its_own_name(cat, code):
    choice = st.initial_choice(cat, code)
    assert st.chosen_policy(choice, cat) == cat.presets["cocreation"]
    policy = st.chosen_policy(st.set_lever(choice, "decline_penalty", 0.3), cat)
    assert policy.name == "cocreation_adjusted" and policy.regime == "cocreation"
    assert policy.decline_penalty == pytest.approx(0.3)


def test_as_planned_levers_do_not_reach_a_municipality_that_follows_a_preset(cat):
    from dataclasses import replace

    table = cat.municipalities
    plan = replace(cat.presets["as_planned"], plan_mapping="plan")
    planned = replace(cat, presets={**cat.presets, "as_planned": plan})
    for discourse in ("cocreation", "mobilisation", "place_identity"):
        code = str(table[table["discourse"] == discourse]["code"].iloc[0])
        choice = st.choose_preset(st.initial_choice(cat, code), cat, "as_planned")
        assert st.followed_preset(choice, cat) is None  # tilted (the default): levers reach all
        follows = st.followed_preset(choice, planned)
        assert follows == (discourse if discourse != "place_identity" else None)
        cat_used = planned  # plan_mapping=plan: these municipalities follow a preset
        if follows:  # the page disables the levers and says why: they change nothing
            a = projection.project(cat_used.run, _request(choice, cat_used, seeds=2))
            moved = st.set_lever(choice, "order_intensity", 0.95)
            b = projection.project(cat_used.run, _request(moved, cat_used, seeds=2))
            pd.testing.assert_series_equal(a["volunteers"], b["volunteers"])


# ---- projections ---------------------------------------------------------------------------------


def _request(choice: st.Choice, cat, seeds: int | None = None) -> projection.Request:
    policy = st.chosen_policy(choice, cat)
    return projection.Request(choice.municipality, policy, choice.demography, seeds or choice.seeds)


def test_a_projection_is_the_runners_result_for_that_municipality(cat, code):
    """The explorer shows what `frivilligsim.run` gives for the same municipality and seed."""
    choice = st.choose_preset(st.initial_choice(cat, code), cat, "mobilisation")
    mine = projection.project(cat.run, _request(choice, cat, seeds=2))
    mine = mine[mine["replicate"] == 0].reset_index(drop=True)
    theirs = frivilligsim.run([f"region.municipalities=[{code}]", "policy=mobilisation"])
    for column in ("volunteers", "coverage", "mean_motivation", "orders_declined"):
        np.testing.assert_allclose(mine[column], theirs[column])
    assert list(mine["year"]) == list(range(2024, 2051))


def test_paired_difference_uses_the_same_seeds(cat, code):
    choice = st.initial_choice(cat, code)
    policy = projection.project(cat.run, _request(choice, cat, seeds=4))
    baseline_choice = st.choose_preset(choice, cat, "mobilisation")
    baseline = projection.project(cat.run, _request(baseline_choice, cat, seeds=4))
    assert sorted(policy["seed"].unique()) == sorted(baseline["seed"].unique())
    assert policy["seed"].nunique() == 4
    same = projection.paired_difference(policy, policy, "volunteers")
    assert (same.to_numpy() == 0).all()
    diff = projection.paired_difference(policy, baseline, "volunteers")
    by_seed = (
        policy.set_index(["year", "seed"])["volunteers"]
        - baseline.set_index(["year", "seed"])["volunteers"]
    )
    assert diff.loc[2050, "q50"] == pytest.approx(by_seed.xs(2050).median())
    fan = projection.fan(policy, "volunteers")
    assert (fan["q05"] <= fan["q25"]).all() and (fan["q25"] <= fan["q50"]).all()
    assert (fan["q50"] <= fan["q75"]).all() and (fan["q75"] <= fan["q95"]).all()
    other = projection.project(cat.run, _request(choice, cat, seeds=3))
    with pytest.raises(ValueError, match="same seeds"):
        projection.paired_difference(policy, other, "volunteers")


def test_a_lever_changes_the_projection(cat, code):
    choice = st.choose_preset(st.initial_choice(cat, code), cat, "mobilisation")
    before = projection.project(cat.run, _request(choice, cat, seeds=3))
    after = projection.project(
        cat.run, _request(st.set_lever(choice, "influence_on_orders", 1.0), cat, seeds=3)
    )
    assert not np.allclose(before["mean_motivation"], after["mean_motivation"])


# ---- the agents ----------------------------------------------------------------------------------


def test_the_agents_model_is_the_projections_first_seed(cat, code):
    choice = st.choose_preset(st.initial_choice(cat, code), cat, "mobilisation")
    model = agents.build_model(cat, choice)
    assert list(model.codes) == [code]
    agents.advance(model, 12)
    assert model.month == 12
    people = agents.volunteers(model)
    assert len(people.ages) == model.datacollector.get_model_vars_dataframe()["volunteers"].iloc[-1]
    assert ((people.motivations >= 0) & (people.motivations <= 1)).all()
    fast = projection.project(cat.run, _request(choice, cat, seeds=1))
    year = model.yearly_dataframe()
    assert year["volunteers"].iloc[0] == fast["volunteers"].iloc[0]
    assert year["mean_motivation"].iloc[0] == pytest.approx(fast["mean_motivation"].iloc[0])
    assert len(agents.centres(model)) >= 1


# ---- words and figures ---------------------------------------------------------------------------


def test_every_text_exists_in_both_languages():
    assert set(words._WORDS["en"]) == set(words._WORDS["nb"])
    for lever in st.LEVERS:
        for lang in words.LANGS:
            assert words.say(f"lever.{lever.name}", lang)
    for metric in words.METRICS:
        assert words.metric_title(metric, "nb") != words.metric_title(metric, "en")


@pytest.mark.parametrize("lang,year", [("en", "Year"), ("nb", "År")])
def test_figures_speak_in_words(cat, code, lang, year):
    choice = st.initial_choice(cat, code)
    mine = projection.project(cat.run, _request(choice, cat, seeds=3))
    fan = projection.fan(mine, "coverage")
    diff = projection.paired_difference(mine, mine, "coverage")
    fig = figures.projection_figure(
        fan, fan, diff, metric="coverage", municipality="X", policy="P", baseline="B", seeds=3,
        lang=lang,
    )  # fmt: skip
    model = agents.build_model(cat, choice)
    people = agents.volunteers(model)
    fig2 = figures.agents_figure(
        people.ages, people.motivations, people.cohorts,
        model.datacollector.get_model_vars_dataframe(), start_year=2024, end_year=2050, lang=lang,
    )  # fmt: skip
    for ax in [*fig.axes, *fig2.axes]:
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert texts and not any("_" in t for t in texts), texts  # no column names
    for ax in (*fig.axes, fig2.axes[1]):
        assert ax.get_xlabel() == year
    assert fig.axes[0].get_ylabel() == i18n.t("metric.coverage.axis", lang)


# ---- offline and the page ------------------------------------------------------------------------


def test_assets_are_served_from_this_machine():
    pytest.importorskip("solara")
    folder = offline.keep_offline()
    assert folder is not None, "solara-assets is not installed (pip install -e .[viz])"
    assert offline.page_bundle().parts[1].startswith("solara-vuetify-app@")
    assert (folder / offline.page_bundle() / "solara-vuetify-app8.min.js").is_file()
    from solara.server import settings

    assert settings.telemetry.mixpanel_enable is False
    import solara.checks

    assert solara.checks.should_perform_solara_check() is False


def test_the_side_panel_resets_levers_when_the_preset_changes():
    solara = pytest.importorskip("solara")
    import ipyvuetify as v

    from frivilligsim import app

    choice = solara.reactive(app.FIRST_CHOICE)
    box, rc = solara.render(app.Controls(choice), handle_error=False)

    def lever(name):
        found = rc.find(v.Slider, attributes={"data-testid": f"lever-{name}"})
        return found.widget.v_model

    rc.find(v.Slider, attributes={"data-testid": "lever-order_intensity"}).widget.v_model = 0.9
    assert lever("order_intensity") == pytest.approx(0.9)
    rc.find(v.Select, attributes={"data-testid": "preset"}).widget.v_model = "mobilisation"
    assert lever("order_intensity") == pytest.approx(0.6)
    assert lever("influence_on_orders") == pytest.approx(0.1)
    assert choice.value.preset == "mobilisation"
    assert (
        choice.value.levers
        == st.choose_preset(app.FIRST_CHOICE, app.CATALOGUE, "mobilisation").levers
    )
    rc.close()


def test_the_page_renders_the_projection():
    solara = pytest.importorskip("solara")

    from frivilligsim import app

    box, rc = solara.render(app.Page(), handle_error=False)
    chart = rc.find(attributes={"data-testid": "projection"}).widget
    assert bytes(chart.children[0].value).startswith(b"\x89PNG")
    text = rc.find(class_="summary").widget.children[0]
    assert text.startswith("In 2050, volunteers under Co-creation")
    rc.close()


def test_the_agents_tab_steps_a_year():
    solara = pytest.importorskip("solara")
    import ipyvuetify as v

    from frivilligsim import app

    choice = solara.reactive(app.FIRST_CHOICE)
    box, rc = solara.render(app.AgentsTab(choice), handle_error=False)

    def shown_month() -> list[str]:
        texts = [w.children[0] for w in rc.find(v.Html).widgets if w.children]
        return [t for t in texts if isinstance(t, str) and t.startswith("Month: ")]

    assert shown_month() == ["Month: 2024-01"]
    rc.find(v.Btn, children=["Next year"]).widget.click()
    assert shown_month() == ["Month: 2025-01"]
    rc.close()


def test_a_click_on_the_map_chooses_a_municipality(cat):
    solara = pytest.importorskip("solara")
    import ipyvuetify as v

    from frivilligsim import app

    assert app.REGION_MAP is not None and set(app.REGION_MAP.paths) == set(cat.municipalities.code)
    choice = solara.reactive(app.FIRST_CHOICE)
    box, rc = solara.render(app.MunicipalityMap(choice), handle_error=False)
    target = str(cat.municipalities["code"].iloc[-1])
    shapes = [w for w in rc.find(v.Html, tag="path").widgets if w.attributes["data-code"] == target]
    assert len(shapes) == 1
    shape = shapes[0]
    shape.fire_event("click", {})
    assert choice.value.municipality == target
    rc.close()


def test_a_region_without_boundaries_has_no_map():
    from frivilligsim.explorer import mapview

    assert mapview.region_map(["S001", "S002"]) is None  # synthetic codes: no boundaries
    shown = mapview.region_map(["1812"])
    assert shown is not None and shown.paths["1812"].startswith("M")
