"""An interactive page for one municipality: the Mesa model in Mesa's SolaraViz.

Run it with::

    solara run src/frivilligsim/app.py

Sliders set the policy levers (order intensity, influence on orders, evaluation interval,
decline penalty) and the policy; Reset builds the model again with them, Step and Play advance
it month by month. The plots show volunteers by cohort, their mean motivation, orders issued and
declined each month, and the share of demand volunteers cover (year to date, the yearly output's
definition at each December).

Must not: hold model behaviour or read files other than the config (everything comes from
``engine/mesa_model.py``).
"""

from __future__ import annotations

import solara
from matplotlib.figure import Figure
from mesa.visualization import Slider, SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from frivilligsim.engines.mesa.model import FrivilligModel

MUNICIPALITY = "1812"  # Sømna: about 2 000 residents (SSB 2024) and one centre

COHORT_COLOURS = {
    "volunteers_youth": "#7fc97f",
    "volunteers_adult": "#beaed4",
    "volunteers_young_retiree": "#fdc086",
    "volunteers_senior": "#386cb0",
}

model_params = {
    "policy": {
        "type": "Select",
        "value": "cocreation",
        "values": ["cocreation", "mobilisation", "as_planned"],
        "label": "Policy",
    },
    "order_intensity": Slider("Order intensity", 0.05, 0.0, 1.0, 0.05),
    "influence_on_orders": Slider("Influence on ordered tasks", 0.8, 0.0, 1.0, 0.05),
    "evaluation_interval": Slider("Evaluation interval (months, 0 = none)", 6, 0, 24, 1),
    "decline_penalty": Slider("Trust lost per declined order", 0.0, 0.0, 0.5, 0.01),
    "seed": {"type": "InputText", "value": 1, "label": "Seed"},
    "municipalities": [MUNICIPALITY],
    "start_year": 2024,
    "end_year": 2050,
}


def monthly(frame, column):
    """Per-month values of a year-to-date column of the DataCollector's frame."""
    values = frame[column].to_numpy(dtype=float)
    months = frame["month"].to_numpy()
    out = values.copy()
    for k in range(1, len(values)):
        same_year = months[k] > 1 and (months[k] - 1) // 12 == (months[k - 1] - 1) // 12
        if same_year:
            out[k] = values[k] - values[k - 1]
    return out


@solara.component
def OrdersAndCoverage(model):
    """Orders issued and declined each month, and coverage of demand (year to date)."""
    update_counter.get()
    frame = model.datacollector.get_model_vars_dataframe()
    frame = frame[frame["month"] > 0]
    fig = Figure(figsize=(7, 4))
    ax, cover = fig.subplots(2, 1, sharex=True)
    time = model.start_year + (frame["month"].to_numpy() - 1) / 12.0
    if len(frame):
        ax.step(time, monthly(frame, "orders_issued"), where="post", label="orders issued")
        ax.step(time, monthly(frame, "orders_declined"), where="post", label="declined")
        ax.legend(loc="upper left")
        cover.plot(time, frame["coverage"], color="black")
    ax.set_ylabel("orders a month")
    cover.set_ylabel("coverage")
    cover.set_ylim(0, 1)
    cover.set_xlabel("year")
    solara.FigureMatplotlib(fig, bbox_inches="tight")


def _axes_in_years(ax):
    ax.set_xlabel("months from January 2024")


model = FrivilligModel(policy="cocreation", municipalities=[MUNICIPALITY], seed=1)

page = SolaraViz(
    model,
    components=[
        make_plot_component(COHORT_COLOURS, post_process=_axes_in_years),
        make_plot_component({"mean_motivation": "#d95f02"}, post_process=_axes_in_years),
        OrdersAndCoverage,
    ],
    model_params=model_params,
    name=f"frivilligsim: volunteers in {MUNICIPALITY} Sømna, month by month",
)
page  # noqa: B018
