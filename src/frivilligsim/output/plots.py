"""Figures for municipal planning documents, in English or Norwegian bokmål.

Owns the look of every figure: layout, Okabe–Ito colours, axis labels with units, footer note.
:func:`make_figures` writes each figure as PNG and SVG (plus the plotted data as CSV) and
returns, per figure, the files, the data actually drawn and every text shown, so tests can
check both the numbers and the language behind each plot.

Uses matplotlib's object API on the Agg canvas (no pyplot): no global figure registry, no
display, and a figure is freed once its last reference goes.

Must not: compute model quantities (aggregates.py does), or hold English/Norwegian strings
(i18n.py does).
"""

from __future__ import annotations

import json
import math
import struct
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from frivilligsim.core import schema
from frivilligsim.output import aggregates, i18n

# Okabe & Ito (2008) colour-blind-safe palette
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
POLICY_COLOURS = {
    "cocreation": OKABE_ITO["blue"],
    "mobilisation": OKABE_ITO["vermillion"],
    "mobilisation_well": OKABE_ITO["orange"],
    "as_planned": OKABE_ITO["black"],
}
DEMOGRAPHY_PALETTE = tuple(
    OKABE_ITO[c]
    for c in ("blue", "orange", "bluish_green", "reddish_purple", "sky_blue", "vermillion")
)
COHORT_COLOURS = {
    "youth": OKABE_ITO["sky_blue"],
    "adult": OKABE_ITO["blue"],
    "young_retiree": OKABE_ITO["bluish_green"],
    "senior": OKABE_ITO["orange"],
}
_SPARE_COLOURS = tuple(OKABE_ITO[c] for c in ("bluish_green", "orange", "reddish_purple"))
_NEUTRAL = "#4D4D4D"
_KEY_GREY = "#999999"  # legend keys for line styles, apart from the black "as planned"

FAN_METRICS = (
    "volunteers",
    "volunteer_hours",
    "coverage",
    "mean_motivation",
    "orders_declined",
    "leader_strain",
)
FIGURE_NAMES = tuple(f"fan_{m}" for m in FAN_METRICS) + (
    "policy_difference",
    "demand_supply",
    "volunteers_by_cohort",
    "coverage_distribution",
)
COVERAGE_THRESHOLD = 0.25
DPI = 150
_MAX_WIDTH_IN = 11.0
INDEX_FILE = "scenario_figures.json"


def file_stem(name: str, end_year: int) -> str:
    """The file name (no suffix) of figure ``name`` in a run ending in ``end_year``."""
    return f"coverage_{end_year}_distribution" if name == "coverage_distribution" else name


RC = {
    "svg.hashsalt": "frivilligsim",
    "svg.fonttype": "none",  # text stays text: searchable, editable in a planning document
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "grid.linewidth": 0.6,
    "legend.fontsize": 9.5,
    "legend.frameon": False,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "savefig.dpi": DPI,
    "figure.dpi": 100,
}

_TITLE_PT, _SUBTITLE_PT, _FOOTER_PT = 13.0, 9.5, 8.0


class _Skip(Exception):
    """A figure that cannot be drawn from these results; the message says why."""


@dataclass
class _Drawn:
    fig: Figure
    data: pd.DataFrame
    title: str
    extra: dict = field(default_factory=dict)


# Formatting ----------------------------------------------------------------------------------


class _NumberFormatter(Formatter):
    """Tick labels with thousands separators and as many decimals as the tick step needs."""

    def __init__(self, lang: str):
        self.lang = lang
        self.decimals = 0

    def set_locs(self, locs):
        super().set_locs(locs)
        self.decimals = _decimals_needed(locs)

    def __call__(self, x, pos=None):
        return i18n.fmt_number(x, self.lang, self.decimals)


def _decimals_needed(values) -> int:
    for d in range(5):
        if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v)) for v in values):
            return d
    return 4


def _fmt_threshold(thr: float, lang: str) -> str:
    return i18n.fmt_number(thr, lang, max(2, _decimals_needed([thr])))


def _colour(policy: str, policies: list[str]) -> str:
    if policy in POLICY_COLOURS:
        return POLICY_COLOURS[policy]
    unknown = [p for p in policies if p not in POLICY_COLOURS]
    return _SPARE_COLOURS[unknown.index(policy) % len(_SPARE_COLOURS)]


def _style_axes(ax: Axes, lang: str, *, year_axis: bool = True):
    ax.yaxis.set_major_formatter(_NumberFormatter(lang))
    if year_axis:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.0f}"))
        ax.margins(x=0.01)


# Layout --------------------------------------------------------------------------------------


def _grid(n_panels: int, max_cols: int = 3) -> tuple[int, int]:
    ncols = max(1, min(n_panels, max_cols))
    return math.ceil(max(1, n_panels) / ncols), ncols


def _new_figure(
    n_panels: int,
    *,
    max_cols: int = 3,
    panel_size: tuple[float, float] = (4.4, 3.3),
    min_width: float = 8.0,
    sharey: bool = False,
) -> tuple[Figure, list[Axes]]:
    nrows, ncols = _grid(n_panels, max_cols)
    # cap the width: a wider figure is shrunk in a report or document and its text gets small
    panel_width = min(panel_size[0], (_MAX_WIDTH_IN - 0.6) / ncols)
    width = max(min_width, panel_width * ncols + 0.6)
    height = panel_size[1] * nrows
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    axes = list(fig.subplots(nrows, ncols, squeeze=False, sharey=sharey).flat)
    for ax in axes[n_panels:]:
        fig.delaxes(ax)
    return fig, axes[:n_panels]


def _is_bottom(i: int, n_panels: int, ncols: int) -> bool:
    return i + ncols >= n_panels


def _wrap(text: str, width_in: float, points: float) -> list[str]:
    chars = max(20, int(width_in * 72 / (points * 0.56)))
    return textwrap.wrap(text, chars) or [""]


def _frame(
    fig: Figure,
    title: str,
    subtitle: str,
    footer: str,
    handles: list | None = None,
):
    """Add title, subtitle, legend and footer, and leave the axes the space in between.

    The figure grows in height so the panels keep their size. The legend takes as few rows
    as fit the figure's width (measured, not guessed).
    """
    width, height = fig.get_size_inches()
    text_w = width - 0.3
    title_lines = _wrap(title, text_w, _TITLE_PT)
    sub_lines = _wrap(subtitle, text_w, _SUBTITLE_PT) if subtitle else []
    top_in = 0.15 + 0.25 * len(title_lines) + 0.19 * len(sub_lines) + 0.12
    legend, legend_in = None, 0.0
    if handles:
        renderer = fig.canvas.get_renderer()
        for rows in range(1, len(handles) + 1):
            ncol = math.ceil(len(handles) / rows)
            legend = fig.legend(
                handles=handles,
                loc="lower center",
                ncol=ncol,
                handlelength=2.2,
                columnspacing=1.6,
            )
            box = legend.get_window_extent(renderer)
            if box.width / fig.dpi <= width - 0.25 or ncol == 1:
                break
            legend.remove()
        legend_in = box.height / fig.dpi + 0.1
    footer_in = 0.32
    new_height = height + top_in + legend_in + footer_in
    fig.set_size_inches(width, new_height)
    x0 = 0.12 / width
    y = 1 - 0.15 / new_height
    fig.text(x0, y, "\n".join(title_lines), ha="left", va="top", size=_TITLE_PT, weight="bold")
    if sub_lines:
        y -= (0.25 * len(title_lines) + 0.02) / new_height
        fig.text(x0, y, "\n".join(sub_lines), ha="left", va="top", size=_SUBTITLE_PT, color="#333")
    fig.text(x0, 0.1 / new_height, footer, ha="left", va="bottom", size=_FOOTER_PT, color="#555")
    if legend is not None:
        legend.set_bbox_to_anchor((0.5, footer_in / new_height), transform=fig.transFigure)
    bottom = (footer_in + legend_in) / new_height
    fig.set_layout_engine(
        ConstrainedLayoutEngine(
            rect=(0.0, bottom, 1.0, 1 - bottom - top_in / new_height),
            w_pad=0.06,
            h_pad=0.06,
            wspace=0.06,
        )
    )


def _set_ylabel(ax: Axes, text: str, panel_height_in: float):
    """Y label, broken before its unit when it would not fit along the panel."""
    if len(text) * 0.55 * 10 / 72 > panel_height_in - 0.8 and " (" in text:
        text = text.replace(" (", "\n(", 1)
    ax.set_ylabel(text)


def _band_handles(lang: str) -> list:
    return [
        Patch(facecolor=_NEUTRAL, alpha=0.32, label=i18n.t("legend.band50", lang)),
        Patch(facecolor=_NEUTRAL, alpha=0.14, label=i18n.t("legend.band90", lang)),
    ]


def _policy_handles(policies: list[str], lang: str, lw: float = 2.2) -> list:
    return [
        Line2D([], [], color=_colour(p, policies), lw=lw, label=i18n.policy_label(p, lang))
        for p in policies
    ]


# Figures -------------------------------------------------------------------------------------


@dataclass
class _Context:
    results: pd.DataFrame
    regional: pd.DataFrame
    policies: list[str]
    demographies: list[str]
    n_seeds: int
    start: int
    end: int
    lang: str
    footer: str
    threshold: float
    place: str | None = None

    def title(self, text: str) -> str:
        """A figure title, naming the municipality when the figure is of one."""
        return f"{text} – {self.place}" if self.place else text

    def across(self, key: str, **fields) -> str:
        """A subtitle that says how many replicates; one replicate has no band to show."""
        one = f"{key}.one"
        if self.n_seeds == 1 and one in i18n.en:
            return i18n.t(one, self.lang, **fields)
        return i18n.t(key, self.lang, n=self.n_seeds, **fields)


def _fan(ctx: _Context, metric: str) -> _Drawn:
    lang = ctx.lang
    bands = aggregates.quantile_bands(ctx.regional, metric)
    fig, axes = _new_figure(len(ctx.demographies), sharey=True)
    ncols = _grid(len(axes))[1]
    for i, (ax, demo) in enumerate(zip(axes, ctx.demographies, strict=True)):
        for pol in ctx.policies:
            d = bands[(bands["policy"] == pol) & (bands["demography"] == demo)]
            c = _colour(pol, ctx.policies)
            ax.fill_between(d["year"], d["q05"], d["q95"], color=c, alpha=0.14, lw=0)
            ax.fill_between(d["year"], d["q25"], d["q75"], color=c, alpha=0.32, lw=0)
            ax.plot(d["year"], d["median"], color=c, lw=2.2)
        if metric == "leader_strain":
            ax.axhline(1.0, color=_NEUTRAL, ls=":", lw=1.4)
        ax.set_title(i18n.demography_label(demo, lang))
        ax.set_ylim(bottom=0)
        _style_axes(ax, lang)
        if i % ncols == 0:
            _set_ylabel(ax, i18n.t(f"metric.{metric}.axis", lang), 3.3)
        if _is_bottom(i, len(axes), ncols):
            ax.set_xlabel(i18n.t("axis.year", lang))
    handles = _policy_handles(ctx.policies, lang) + _band_handles(lang)
    if metric == "leader_strain":
        handles.append(
            Line2D([], [], color=_NEUTRAL, ls=":", lw=1.4, label=i18n.t("legend.time_budget", lang))
        )
    metric_title = i18n.t(f"metric.{metric}.title", lang)
    title = ctx.title(
        i18n.t("fig.fan.title", lang, metric=metric_title, start=ctx.start, end=ctx.end)
    )
    subtitle = ctx.across("fig.fan.subtitle")
    _frame(fig, title, subtitle, ctx.footer, handles)
    return _Drawn(fig, bands, title, {"caption_key": "caption.fan", "metric_title": metric_title})


def _policy_difference(ctx: _Context) -> _Drawn:
    lang = ctx.lang
    a, b = "cocreation", "mobilisation"
    missing = [p for p in (a, b) if p not in ctx.policies]
    if missing:
        names = ", ".join(i18n.policy_label(p, lang) for p in missing)
        raise _Skip(i18n.t("skip.policy_missing", lang, policies=names))
    metrics = ("volunteers", "coverage")
    pairs = aggregates.pairwise_differences(ctx.regional, a, b, metrics)
    bands = aggregates.difference_bands(pairs, metrics)
    fig, axes = _new_figure(2, panel_size=(4.6, 3.4))
    for ax, metric in zip(axes, metrics, strict=True):
        for k, demo in enumerate(ctx.demographies):
            d = bands[(bands["metric"] == metric) & (bands["demography"] == demo)]
            c = DEMOGRAPHY_PALETTE[k % len(DEMOGRAPHY_PALETTE)]
            ax.fill_between(d["year"], d["q05"], d["q95"], color=c, alpha=0.18, lw=0)
            ax.plot(d["year"], d["median"], color=c, lw=2.2)
        ax.axhline(0.0, color="black", lw=0.9)
        ax.set_title(i18n.t(f"metric.{metric}.title", lang))
        _set_ylabel(ax, i18n.t(f"fig.diff.{metric}", lang), 3.4)
        ax.set_xlabel(i18n.t("axis.year", lang))
        _style_axes(ax, lang)
    handles = [
        Line2D(
            [],
            [],
            color=DEMOGRAPHY_PALETTE[k % len(DEMOGRAPHY_PALETTE)],
            lw=2.2,
            label=i18n.demography_label(demo, lang),
        )
        for k, demo in enumerate(ctx.demographies)
    ]
    handles.append(Patch(facecolor=_NEUTRAL, alpha=0.18, label=i18n.t("legend.band90", lang)))
    title = ctx.title(i18n.t("fig.diff.title", lang, start=ctx.start, end=ctx.end))
    subtitle = ctx.across("fig.diff.subtitle")
    _frame(fig, title, subtitle, ctx.footer, handles)
    return _Drawn(fig, bands, title, {"pairs": pairs, "caption_key": "caption.policy_difference"})


def _demand_supply(ctx: _Context) -> _Drawn:
    lang = ctx.lang
    areas = [
        a
        for a in schema.AREAS
        if f"demand_hours_{a}" in ctx.regional and f"volunteer_hours_{a}" in ctx.regional
    ]
    if not areas:
        raise _Skip(
            i18n.t("skip.columns_missing", lang, columns="demand_hours_*, volunteer_hours_*")
        )
    demo = ctx.demographies[0]
    sub = ctx.regional[ctx.regional["demography"] == demo]
    cols = [f"{kind}_hours_{a}" for a in areas for kind in ("demand", "volunteer")]
    med = aggregates.seed_median(sub, cols)
    long = pd.concat(
        [
            med[["policy", "demography", "year"]].assign(
                area=a,
                demand_hours=med[f"demand_hours_{a}"],
                volunteer_hours=med[f"volunteer_hours_{a}"],
            )
            for a in areas
        ],
        ignore_index=True,
    )
    fig, axes = _new_figure(len(areas), max_cols=2, panel_size=(4.6, 3.0), sharey=False)
    ncols = _grid(len(areas), 2)[1]
    for i, (ax, area) in enumerate(zip(axes, areas, strict=True)):
        d_area = long[long["area"] == area]
        demand = d_area.pivot(index="year", columns="policy", values="demand_hours")
        same_demand = bool(
            np.allclose(demand.to_numpy(), demand.iloc[:, [0]].to_numpy(), rtol=1e-9)
        )
        if same_demand:
            ax.plot(demand.index, demand.iloc[:, 0], color=_KEY_GREY, ls="--", lw=1.8)
        for pol in ctx.policies:
            d = d_area[d_area["policy"] == pol]
            c = _colour(pol, ctx.policies)
            if not same_demand:
                ax.plot(d["year"], d["demand_hours"], color=c, ls="--", lw=1.6)
            ax.plot(d["year"], d["volunteer_hours"], color=c, lw=2.2)
        ax.set_title(i18n.area_label(area, lang))
        ax.set_ylim(bottom=0)
        _style_axes(ax, lang)
        if i % ncols == 0:
            _set_ylabel(ax, i18n.t("axis.hours", lang), 3.0)
        if _is_bottom(i, len(axes), ncols):
            ax.set_xlabel(i18n.t("axis.year", lang))
    handles = _policy_handles(ctx.policies, lang) + [
        Line2D([], [], color=_KEY_GREY, lw=2.2, label=i18n.t("legend.supply", lang)),
        Line2D([], [], color=_KEY_GREY, lw=1.8, ls="--", label=i18n.t("legend.demand", lang)),
    ]
    demo_label = i18n.demography_label(demo, lang)
    title = ctx.title(i18n.t("fig.ds.title", lang, demography=demo_label))
    subtitle = ctx.across("fig.ds.subtitle")
    _frame(fig, title, subtitle, ctx.footer, handles)
    return _Drawn(
        fig, long, title, {"caption_key": "caption.demand_supply", "demography": demo_label}
    )


def _volunteers_by_cohort(ctx: _Context) -> _Drawn:
    lang = ctx.lang
    cohorts = [c for c in schema.COHORTS if f"volunteers_{c}" in ctx.regional]
    if not cohorts:
        raise _Skip(i18n.t("skip.columns_missing", lang, columns="volunteers_<cohort>"))
    demo = ctx.demographies[0]
    cols = [f"volunteers_{c}" for c in cohorts]
    med = aggregates.seed_median(ctx.regional[ctx.regional["demography"] == demo], cols)
    fig, axes = _new_figure(len(ctx.policies), panel_size=(3.7, 3.3), sharey=True)
    ncols = _grid(len(axes))[1]
    for i, (ax, pol) in enumerate(zip(axes, ctx.policies, strict=True)):
        d = med[med["policy"] == pol]
        ax.stackplot(
            d["year"],
            [d[c] for c in cols],
            colors=[COHORT_COLOURS.get(c, _NEUTRAL) for c in cohorts],
            alpha=0.9,
            lw=0.6,
            edgecolor="white",
        )
        ax.set_title(i18n.policy_label(pol, lang))
        ax.set_ylim(bottom=0)
        _style_axes(ax, lang)
        if i % ncols == 0:
            _set_ylabel(ax, i18n.t("metric.volunteers.axis", lang), 3.3)
        if _is_bottom(i, len(axes), ncols):
            ax.set_xlabel(i18n.t("axis.year", lang))
    handles = [
        Patch(facecolor=COHORT_COLOURS.get(c, _NEUTRAL), label=i18n.cohort_label(c, lang))
        for c in cohorts
    ]
    demo_label = i18n.demography_label(demo, lang)
    title = ctx.title(i18n.t("fig.cohort.title", lang, demography=demo_label))
    subtitle = ctx.across("fig.cohort.subtitle")
    _frame(fig, title, subtitle, ctx.footer, handles)
    return _Drawn(
        fig, med, title, {"caption_key": "caption.volunteers_by_cohort", "demography": demo_label}
    )


def _coverage_tick(policy: str, row: pd.DataFrame, ctx: _Context, thr_text: str) -> str:
    """Policy name, then "k of m below thr" on lines short enough not to run into the next."""
    k = int(row["below"].iloc[0]) if len(row) else 0
    m = int(row["municipalities"].iloc[0]) if len(row) else 0
    count = i18n.t("fig.cov.below", ctx.lang, k=k, m=m, thr=thr_text)  # two short lines
    return f"{i18n.policy_label(policy, ctx.lang)}\n{count}"


def _coverage_distribution(ctx: _Context) -> _Drawn:
    lang, thr = ctx.lang, ctx.threshold
    dist = aggregates.municipal_distribution(ctx.results, "coverage")
    year = int(dist["year"].iloc[0])
    counts = aggregates.count_below(dist, thr)
    without = int(counts["without_centre"].max()) if len(counts) else 0
    thr_text = _fmt_threshold(thr, lang)
    fig, axes = _new_figure(
        len(ctx.demographies), panel_size=(4.6, 3.9), min_width=8.0, sharey=True
    )
    ncols = _grid(len(axes))[1]
    jitter_rng = np.random.default_rng(0)  # fixed: the figure must not change between calls
    shown = dist[dist["has_centre"]]
    for i, (ax, demo) in enumerate(zip(axes, ctx.demographies, strict=True)):
        ticklabels, positions = [], []
        for pos, pol in enumerate(ctx.policies, start=1):
            values = shown.loc[
                (shown["policy"] == pol) & (shown["demography"] == demo), "coverage"
            ].dropna()
            c = _colour(pol, ctx.policies)
            row = counts[(counts["policy"] == pol) & (counts["demography"] == demo)]
            positions.append(pos)
            ticklabels.append(_coverage_tick(pol, row, ctx, thr_text))
            if values.empty:
                continue
            box = ax.boxplot(
                [values.to_numpy()],
                positions=[pos],
                widths=0.55,
                showfliers=False,
                patch_artist=True,
                medianprops={"color": "black", "lw": 1.6},
                whiskerprops={"color": _NEUTRAL},
                capprops={"color": _NEUTRAL},
            )
            for patch in box["boxes"]:
                patch.set(facecolor=c, alpha=0.22, edgecolor=c)
            x = pos + jitter_rng.uniform(-0.14, 0.14, size=len(values))
            ax.scatter(x, values, s=20, color=c, edgecolor="white", lw=0.5, zorder=3)
        ax.axhline(thr, color=_NEUTRAL, ls="--", lw=1.3, zorder=2)
        ax.set_xticks(positions, ticklabels, fontsize=8.5)
        ax.set_xlim(0.4, len(ctx.policies) + 0.6)
        ax.set_ylim(0, 1)
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_formatter(_NumberFormatter(lang))
        ax.set_title(i18n.demography_label(demo, lang))
        if i % ncols == 0:
            _set_ylabel(ax, i18n.t("metric.coverage.axis", lang), 3.9)
        if _is_bottom(i, len(axes), ncols):
            ax.set_xlabel(i18n.t("axis.policy", lang))
    handles = [
        Line2D(
            [],
            [],
            color=_NEUTRAL,
            ls="--",
            lw=1.3,
            label=i18n.t("legend.threshold", lang, thr=thr_text),
        )
    ]
    title = ctx.title(i18n.t("fig.cov.title", lang, year=year))
    subtitle = ctx.across("fig.cov.subtitle", thr=thr_text)
    if without:
        subtitle += " " + i18n.t("fig.cov.without", lang, k=without)
    _frame(fig, title, subtitle, ctx.footer, handles)
    return _Drawn(
        fig,
        dist,
        title,
        {
            "below_threshold": counts,
            "caption_key": "caption.coverage_distribution",
            "year": year,
            "threshold": thr_text,
            "without_centre": without,
        },
    )


# Saving --------------------------------------------------------------------------------------


def _texts(fig: Figure) -> dict:
    axes = fig.axes
    legend = fig.legends[0] if fig.legends else None
    fig_texts = [t.get_text() for t in fig.texts]
    return {
        "title": fig_texts[0] if fig_texts else "",
        "subtitle": fig_texts[1] if len(fig_texts) > 2 else "",
        "footer": fig_texts[-1] if fig_texts else "",
        "panel_titles": [ax.get_title() for ax in axes],
        "xlabels": [ax.get_xlabel() for ax in axes],
        "ylabels": [ax.get_ylabel() for ax in axes],
        "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
        "xticklabels": [t.get_text() for ax in axes for t in ax.get_xticklabels()],
        "all": [
            t.get_text()
            for t in fig.findobj(match=Text)
            if t.get_visible() and t.get_text().strip()
        ],
    }


def _save(drawn: _Drawn, name: str, out_dir: Path) -> dict:
    fig = drawn.fig
    png, svg, csv = (out_dir / f"{name}.{ext}" for ext in ("png", "svg", "csv"))
    fig.savefig(png, format="png", dpi=DPI, metadata={"Software": None})
    fig.set_layout_engine("none")  # keep the layout just computed; the SVG needs no second pass
    fig.savefig(svg, format="svg", metadata={"Date": None})
    drawn.data.to_csv(csv, index=False)
    texts = _texts(fig)
    with open(png, "rb") as fh:
        width, height = struct.unpack(">II", fh.read(24)[16:24])  # PNG IHDR
    fig.clear()  # break artist references so the figure is freed at once
    return {
        "png": png,
        "svg": svg,
        "csv": csv,
        "data": drawn.data,
        "title": drawn.title,
        "texts": texts,
        "size_px": (width, height),
        **drawn.extra,
    }


def make_figures(
    results: pd.DataFrame,
    out_dir: Path,
    lang: str = "en",
    synthetic: bool = True,
    *,
    coverage_threshold: float = COVERAGE_THRESHOLD,
    place: str | None = None,
) -> dict[str, dict]:
    """Draw every figure from a results table into ``out_dir``.

    Each figure is written as ``<name>.png`` (150 dpi), ``<name>.svg`` and ``<name>.csv`` (the
    data drawn; the coverage distribution's name carries the last year, see :func:`file_stem`);
    ``scenario_figures.json`` indexes them. ``place`` (a municipality's name) is added to every
    title when the results are of one municipality. Returns, per figure name, a dict with
    ``png``, ``svg`` and ``csv`` paths, ``data`` (DataFrame of the series drawn), ``title``,
    ``texts`` (every title, label, legend entry and footer shown), ``size_px`` and
    figure-specific extras (``pairs`` for policy_difference, ``below_threshold`` for
    coverage_distribution). A figure that cannot be drawn from these results has
    ``skipped`` (the reason, in ``lang``), ``png``/``svg``/``csv`` None and empty ``data``.

    Raises:
        ValueError: unknown ``lang``, or an empty results table.
    """
    i18n.check_lang(lang)
    if results.empty:
        raise ValueError("results table is empty; nothing to plot")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    regional = aggregates.regional_series(results)
    ctx = _Context(
        results=results,
        regional=regional,
        policies=aggregates.policies_of(results),
        demographies=aggregates.demographies_of(results),
        n_seeds=aggregates.n_seeds(results),
        start=int(results["year"].min()),
        end=int(results["year"].max()),
        lang=lang,
        footer=i18n.t("footer.synthetic" if synthetic else "footer.real", lang),
        threshold=float(coverage_threshold),
        place=place,
    )
    builders = {f"fan_{m}": (lambda m=m: _fan(ctx, m)) for m in FAN_METRICS if m in results}
    builders["policy_difference"] = lambda: _policy_difference(ctx)
    builders["demand_supply"] = lambda: _demand_supply(ctx)
    builders["volunteers_by_cohort"] = lambda: _volunteers_by_cohort(ctx)
    builders["coverage_distribution"] = lambda: _coverage_distribution(ctx)

    figures: dict[str, dict] = {}
    with matplotlib.rc_context(RC):
        for name, build in builders.items():
            try:
                drawn = build()
            except _Skip as skip:
                figures[name] = {
                    "skipped": str(skip),
                    "png": None,
                    "svg": None,
                    "csv": None,
                    "data": pd.DataFrame(),
                    "title": "",
                    "texts": {},
                }
                continue
            figures[name] = _save(drawn, file_stem(name, ctx.end), out_dir)
    _write_index(figures, out_dir, lang, synthetic, place)
    return figures


def _write_index(
    figures: dict[str, dict], out_dir: Path, lang: str, synthetic: bool, place: str | None
):
    index = {
        "lang": lang,
        "synthetic": bool(synthetic),
        "place": place,
        "figures": {
            name: {
                "png": f["png"].name if f["png"] else None,
                "svg": f["svg"].name if f["svg"] else None,
                "csv": f["csv"].name if f["csv"] else None,
                "title": f["title"],
                "skipped": f.get("skipped"),
            }
            for name, f in figures.items()
        },
    }
    (out_dir / INDEX_FILE).write_text(
        json.dumps(index, ensure_ascii=False, indent=2), encoding="utf-8"
    )
