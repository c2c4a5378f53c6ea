"""The scenario explorer: a Solara page for planners. Start it with ``solara run frivilligsim.app``.

Pick a municipality by name or on the map, choose a policy preset and adjust its levers (choosing a preset
resets them), pick a baseline preset and a population projection, and see 2024-2050 fan charts
(median, 50 % and 90 % bands over a few seeds, run by the fast engine) with the paired
difference against the baseline on the same seeds. The "watch the agents" tab runs the Mesa
model of the same choice month by month, for teaching. English and Norwegian (bokmål).

Offline: Solara serves its JavaScript and fonts from ``<prefix>/share/solara/cdn``, which the
``solara-assets`` package (in the ``viz`` extra) fills, so the page needs no network.

Must not: hold model behaviour or simulate by itself; the state and its transitions live in
``explorer/state.py``, the runs in ``explorer/projection.py`` and ``explorer/agents.py``,
the charts in ``explorer/figures.py`` and ``explorer/mapview.py``, the words in
``explorer/words.py``, and Solara's offline settings in ``explorer/offline.py``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import replace
from typing import Any

import solara
import solara.lab
from solara import v

from frivilligsim.core.schema import DEMOGRAPHIES
from frivilligsim.explorer import agents, figures, mapview, offline, projection
from frivilligsim.explorer import state as st
from frivilligsim.explorer.words import LANGS, METRICS, metric_title, number, policy_name, say
from frivilligsim.output import i18n

if offline.keep_offline() is None:
    logging.getLogger("frivilligsim.app").warning(
        "Solara's assets are not installed here, so the page would load them from the internet: "
        "pip install -e '.[viz]' (it brings solara-assets)"
    )
CATALOGUE = st.catalogue()
FIRST_MUNICIPALITY = str(CATALOGUE.municipalities["code"].iloc[0])
FIRST_CHOICE = st.initial_choice(CATALOGUE, FIRST_MUNICIPALITY)
REGION_MAP = mapview.region_map(list(CATALOGUE.municipalities["code"]))  # None: no boundaries
PLAY_PAUSE_SECONDS = 0.05  # between months while playing the agents


# ---- small controls ---------------------------------------------------------------------------


@solara.component
def Menu(label: str, items: dict[Any, str], value: Any, on_value, testid: str, **kwargs):
    """A drop-down of ``items`` (value -> words); ``testid`` names it for the browser test."""
    v.Select(
        label=label,
        items=[{"text": text, "value": key} for key, text in items.items()],
        v_model=value,
        on_v_model=on_value,
        attributes={"data-testid": testid},
        **kwargs,
    )


@solara.component
def LeverControl(lever: st.Lever, value: Any, on_value, lang: str, disabled: bool):
    """One lever, its name in words and its value shown."""
    label = say(f"lever.{lever.name}", lang)
    testid = f"lever-{lever.name}"
    if lever.kind == "bool":
        solara.Switch(label=label, value=bool(value), on_value=on_value, disabled=disabled)
        return
    if lever.kind == "choice":
        items = {c: say(f"{lever.name}.{c}", lang) for c in lever.choices}
        Menu(label, items, value, on_value, testid, disabled=disabled, dense=True)
        return
    shown = str(value) if lever.kind == "year" else number(value, lang, lever.decimals)
    with solara.Column(gap="0px", classes=["lever"]):
        solara.Text(f"{label}: {shown}", style={"font-size": "0.85rem"})
        v.Slider(
            v_model=value,
            on_v_model=lambda x: on_value(x),
            min=lever.lo,
            max=lever.hi,
            step=lever.step,
            thumb_label=True,
            dense=True,
            hide_details=True,
            disabled=disabled,
            attributes={"data-testid": testid},
        )


# ---- the map ----------------------------------------------------------------------------------------


@solara.component
def MapPath(code: str, path: str, chosen: bool, on_pick, title: str):
    """One municipality on the map; a click picks it."""
    shape = v.Html(
        tag="path",
        attributes={
            "d": path,
            "fill": "#c0392b" if chosen else "#c9d6e3",
            "stroke": "#c0392b" if chosen else "#ffffff",
            "stroke-width": "5" if chosen else "0.8",
            "data-code": code,
            "style": "cursor: pointer",
        },
        children=[v.Html(tag="title", children=[title])],
    )
    v.use_event(shape, "click", lambda *_: on_pick(code))


@solara.component
def MunicipalityMap(choice: solara.Reactive[st.Choice]):
    """The region's municipalities, the chosen one dark; click one to choose it."""
    if REGION_MAP is None:
        return
    c = choice.value
    names = CATALOGUE.municipalities["name"]
    pick = lambda code: choice.set(replace(choice.value, municipality=code))  # noqa: E731
    with v.Html(
        tag="svg",
        attributes={
            "viewBox": REGION_MAP.view_box,
            "width": "100%",
            "height": "320",
            "data-testid": "map",
            "preserveAspectRatio": "xMidYMid meet",
        },
    ):
        for code, path in REGION_MAP.paths.items():
            MapPath(code, path, code == c.municipality, pick, str(names[code]))
    solara.Text(
        f"{say('map.hint', c.lang)} {mapview.CREDIT}",
        style={"font-size": "0.7rem", "color": "#777"},
    )


# ---- the side panel -------------------------------------------------------------------------------


def municipality_items(lang: str) -> dict[str, str]:
    table = CATALOGUE.municipalities
    return {
        code: say(
            "municipality.item", lang, name=name, code=code, residents=number(residents, lang)
        )
        for code, name, residents in zip(
            table["code"], table["name"], table["residents"], strict=True
        )
    }


@solara.component
def Controls(choice: solara.Reactive[st.Choice]):
    c = choice.value
    lang = c.lang
    presets = {name: i18n.policy_label(name, lang) for name in CATALOGUE.presets}
    v.Autocomplete(
        label=say("municipality", lang),
        items=[{"text": t, "value": k} for k, t in municipality_items(lang).items()],
        v_model=c.municipality,
        on_v_model=lambda code: code and choice.set(replace(choice.value, municipality=code)),
        attributes={"data-testid": "municipality"},
    )
    MunicipalityMap(choice)
    discourse = CATALOGUE.discourse_of(c.municipality)
    solara.Text(
        say("municipality.plans", lang, discourse=say(f"discourse.{discourse}", lang)),
        style={"font-size": "0.8rem", "color": "#555"},
    )
    Menu(
        say("preset", lang),
        presets,
        c.preset,
        lambda p: choice.set(st.choose_preset(choice.value, CATALOGUE, p)),
        "preset",
        hint=say("preset.hint", lang),
        persistent_hint=True,
    )
    follows = st.followed_preset(c, CATALOGUE)
    # plain HTML, not solara.Markdown: Markdown loads KaTeX, which solara-assets does not ship
    v.Html(tag="div", children=[say("levers", lang)], style_="font-weight: bold")
    if follows:
        solara.Info(
            say(
                "levers.follows",
                lang,
                discourse=say(f"discourse.{follows}", lang),
                preset=i18n.policy_label(follows, lang),
                name=CATALOGUE.name_of(c.municipality),
            )
        )
    values = c.lever_dict
    for lever in st.LEVERS:
        LeverControl(
            lever,
            values[lever.name],
            lambda x, name=lever.name: choice.set(st.set_lever(choice.value, name, x)),
            lang,
            disabled=bool(follows),
        )
    solara.Button(
        say("levers.reset", lang),
        on_click=lambda: choice.set(st.choose_preset(choice.value, CATALOGUE, choice.value.preset)),
        text=True,
        disabled=not st.is_adjusted(c, CATALOGUE),
    )
    Menu(
        say("baseline", lang),
        presets,
        c.baseline,
        lambda b: choice.set(replace(choice.value, baseline=b)),
        "baseline",
    )
    Menu(
        say("demography", lang),
        {d: i18n.demography_label(d, lang) for d in DEMOGRAPHIES},
        c.demography,
        lambda d: choice.set(replace(choice.value, demography=d)),
        "demography",
    )
    solara.SliderInt(
        f"{say('seeds', lang)}: {c.seeds}",
        value=c.seeds,
        min=3,
        max=30,
        on_value=lambda n: choice.set(replace(choice.value, seeds=int(n))),
    )


# ---- the projection tab ---------------------------------------------------------------------------


def projections(c: st.Choice):
    """(policy table, baseline table, seconds) for a choice; cached in ``projection``."""
    started = time.perf_counter()
    policy = st.chosen_policy(c, CATALOGUE)
    mine = projection.project(
        CATALOGUE.run, projection.Request(c.municipality, policy, c.demography, c.seeds)
    )
    base = projection.project(
        CATALOGUE.run,
        projection.Request(c.municipality, CATALOGUE.presets[c.baseline], c.demography, c.seeds),
    )
    return mine, base, time.perf_counter() - started


def summary(c: st.Choice, fan, base_fan, diff, policy: str, baseline: str) -> str:
    year = int(fan.index[-1])
    decimals = 2 if c.metric in ("coverage", "mean_motivation", "leader_strain") else 0
    f = lambda x: number(x, c.lang, decimals)  # noqa: E731
    return say(
        "summary",
        c.lang,
        year=year,
        metric_lower=metric_title(c.metric, c.lang).lower(),
        policy=policy,
        value=f(fan.loc[year, "q50"]),
        lo=f(fan.loc[year, "q05"]),
        hi=f(fan.loc[year, "q95"]),
        baseline=baseline,
        base=f(base_fan.loc[year, "q50"]),
        diff=f(diff.loc[year, "q50"]),
        dlo=f(diff.loc[year, "q05"]),
        dhi=f(diff.loc[year, "q95"]),
    )


@solara.component
def ProjectionTab(choice: solara.Reactive[st.Choice]):
    c = choice.value
    lang = c.lang
    key = (c.municipality, c.preset, c.levers, c.baseline, c.demography, c.seeds)
    mine, base, seconds = solara.use_memo(lambda: projections(c), dependencies=list(key))
    solara.ToggleButtonsSingle(
        value=c.metric,
        style={"flex-wrap": "wrap", "height": "auto"},
        on_value=lambda m: choice.set(replace(choice.value, metric=m)),
        children=[solara.Button(metric_title(m, lang), value=m, text=True) for m in METRICS],
    )
    policy = policy_name(c.preset, lang, adjusted=st.is_adjusted(c, CATALOGUE))
    baseline = i18n.policy_label(c.baseline, lang)
    fan = projection.fan(mine, c.metric)
    base_fan = projection.fan(base, c.metric)
    diff = projection.paired_difference(mine, base, c.metric)
    fig = figures.projection_figure(
        fan,
        base_fan,
        diff,
        metric=c.metric,
        municipality=CATALOGUE.name_of(c.municipality),
        policy=policy,
        baseline=baseline,
        seeds=c.seeds,
        lang=lang,
    )
    with solara.Div(attributes={"data-testid": "projection"}):
        solara.FigureMatplotlib(fig, format="png", dpi=90)
    solara.Text(summary(c, fan, base_fan, diff, policy, baseline), classes=["summary"])
    solara.Text(
        say("computed", lang, seconds=number(seconds, lang, 2))
        if seconds >= 0.005
        else say("cached", lang),
        style={"font-size": "0.75rem", "color": "#777"},
    )


# compile the engine and run the first page's projections while the server starts
projections(FIRST_CHOICE)


# ---- the agents tab -------------------------------------------------------------------------------


@solara.component
def AgentsTab(choice: solara.Reactive[st.Choice]):
    c = choice.value
    lang = c.lang
    key = (c.municipality, c.preset, c.levers, c.demography)
    generation, set_generation = solara.use_state(0)  # "start again" builds a new model
    model = solara.use_memo(
        lambda: agents.build_model(CATALOGUE, c), dependencies=[*key, generation]
    )
    playing = solara.use_reactive(False)
    months_shown = solara.use_reactive(0)
    stepping = solara.use_memo(threading.Lock, dependencies=[model])  # one step at a time

    def redraw():
        months_shown.set(model.month)

    async def play():
        while playing.value and not agents.finished(model):
            with stepping:
                agents.advance(model, 1)
            redraw()
            await asyncio.sleep(PLAY_PAUSE_SECONDS)  # lets the page draw the month and hear Pause
        playing.set(False)

    # on the server's event loop, one month at a time: a pause waits for the month in progress
    solara.lab.use_task(play, dependencies=[playing.value, model])

    def step(months: int):
        with stepping:
            agents.advance(model, months)
        redraw()

    months_shown.value  # noqa: B018 -- reading it subscribes the tab, so each step redraws it
    with stepping:  # read the agents between two months, never during one
        people = agents.volunteers(model)
        history = model.datacollector.get_model_vars_dataframe()
        centres = agents.centres(model)
        date = model.date
        done = agents.finished(model)
    policy = policy_name(c.preset, lang, adjusted=st.is_adjusted(c, CATALOGUE))
    solara.Text(say("agents.intro", lang, name=CATALOGUE.name_of(c.municipality), policy=policy))
    with solara.Row():
        solara.Button(say("agents.step_month", lang), on_click=lambda: step(1), disabled=done)
        solara.Button(say("agents.step_year", lang), on_click=lambda: step(12), disabled=done)
        solara.Button(
            say("agents.pause" if playing.value else "agents.play", lang),
            on_click=lambda: playing.set(not playing.value),
            disabled=done,
            color="primary",
        )
        solara.Button(
            say("agents.reset", lang),
            on_click=lambda: (
                playing.set(False),
                set_generation(generation + 1),
                months_shown.set(0),
            ),
        )
        solara.Text(say("agents.date", lang, date=date), style={"margin": "auto 1em"})
    if done:
        solara.Text(say("agents.ended", lang, year=model.start_year + model.n_years - 1))
    fig = figures.agents_figure(
        people.ages,
        people.motivations,
        people.cohorts,
        history,
        start_year=model.start_year,
        end_year=model.start_year + model.n_years - 1,
        lang=lang,
    )
    solara.FigureMatplotlib(fig, format="png", dpi=80)
    for k, centre in enumerate(centres, start=1):
        leader = "agents.leader_in_post" if centre.leader_in_post else "agents.leader_vacant"
        solara.Text(
            say(
                "agents.centres",
                lang,
                k=k,
                leader=say(leader, lang),
                trust=number(centre.trust, lang, 2),
                strain=number(centre.strain, lang, 2),
                orders=centre.orders,
            )
        )


# ---- the page ---------------------------------------------------------------------------------------


@solara.component
def Page():
    choice = solara.use_reactive(FIRST_CHOICE)
    lang = choice.value.lang
    solara.Title(say("title", lang))
    with solara.AppBar():
        solara.ToggleButtonsSingle(
            value=lang,
            on_value=lambda x: choice.set(replace(choice.value, lang=x)),
            children=[solara.Button(code.upper(), value=code, text=True) for code in LANGS],
        )
    with solara.Sidebar():
        Controls(choice)
    v.Html(tag="h2", children=[say("title", lang)])
    v.Html(tag="p", children=[say("subtitle", lang)])
    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab(say("tab.projection", lang)):
            ProjectionTab(choice)
        with solara.lab.Tab(say("tab.agents", lang)):
            AgentsTab(choice)
