"""The explorer's charts: the fan and paired difference of a projection, and the Mesa model's agents.

Owns: drawing, with every label in words in the page's language (``words.py``): the x axis says
"Year", legends name policies and bands, never column names.
Must not: simulate or hold state.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from frivilligsim.core import schema
from frivilligsim.explorer.words import metric_axis, metric_title, say
from frivilligsim.output import i18n

POLICY_COLOUR = "#1b6ca8"
BASELINE_COLOUR = "#555555"
DIFF_COLOUR = "#b35806"
COHORT_COLOURS = ("#1b9e77", "#7570b3", "#d95f02", "#e7298a")


def _bands(ax, frame: pd.DataFrame, colour: str, lang: str, median_label: str) -> None:
    years = frame.index.to_numpy()
    ax.fill_between(
        years, frame["q05"], frame["q95"], color=colour, alpha=0.15, lw=0,
        label=i18n.t("legend.band90", lang),
    )  # fmt: skip
    ax.fill_between(
        years, frame["q25"], frame["q75"], color=colour, alpha=0.3, lw=0,
        label=i18n.t("legend.band50", lang),
    )  # fmt: skip
    ax.plot(years, frame["q50"], color=colour, lw=2, label=median_label)


def _heading(title: str, subtitle: str, width: int = 66) -> str:
    return title + "\n" + textwrap.fill(subtitle, width)


def _year_axis(ax, lang: str) -> None:
    ax.set_xlabel(i18n.t("axis.year", lang))
    ax.grid(True, alpha=0.3)


def projection_figure(
    policy_fan: pd.DataFrame,
    baseline_fan: pd.DataFrame,
    difference: pd.DataFrame,
    *,
    metric: str,
    municipality: str,
    policy: str,
    baseline: str,
    seeds: int,
    lang: str,
) -> Figure:
    """Two panels: the policy's fan with the baseline's median, and the paired difference."""
    fig = Figure(figsize=(12, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    title = metric_title(metric, lang)
    _bands(left, policy_fan, POLICY_COLOUR, lang, say("legend.policy_median", lang, policy=policy))
    left.plot(
        baseline_fan.index,
        baseline_fan["q50"],
        color=BASELINE_COLOUR,
        lw=1.8,
        ls="--",
        label=say("legend.baseline_median", lang, baseline=baseline),
    )
    left.set_title(
        _heading(
            say("fan.title", lang, metric=title, name=municipality),
            say("fan.subtitle", lang, policy=policy, n=seeds, baseline=baseline),
        ),
        fontsize=10,
        loc="left",
    )
    left.set_ylabel(metric_axis(metric, lang))
    if metric == "coverage" or metric == "mean_motivation":
        left.set_ylim(0, 1)
    else:
        left.set_ylim(bottom=0)
    _year_axis(left, lang)
    left.legend(loc="best", fontsize=8)

    _bands(right, difference, DIFF_COLOUR, lang, say("legend.diff_median", lang))
    right.axhline(0.0, color="black", lw=0.8, label=i18n.t("legend.no_difference", lang))
    right.set_title(
        _heading(
            say("diff.title", lang, policy=policy, baseline=baseline),
            say("diff.subtitle", lang, n=seeds),
        ),
        fontsize=10,
        loc="left",
    )
    right.set_ylabel(say("diff.axis", lang, metric=metric_axis(metric, lang).lower()))
    _year_axis(right, lang)
    right.legend(loc="best", fontsize=8)
    return fig


def monthly_series(frame: pd.DataFrame, start_year: int) -> np.ndarray:
    """The DataCollector's month numbers as years (month 0 = 1 January of ``start_year``)."""
    return start_year + frame["month"].to_numpy(dtype=float) / 12.0


def agents_figure(
    ages: np.ndarray,
    motivations: np.ndarray,
    cohorts: np.ndarray,
    history: pd.DataFrame,
    *,
    start_year: int,
    end_year: int,
    lang: str,
) -> Figure:
    """Each volunteer as a dot (age, motivation), and volunteers by age group month by month."""
    fig = Figure(figsize=(12, 4.4), layout="constrained")
    dots, counts = fig.subplots(1, 2)
    for k, cohort in enumerate(schema.COHORTS):
        mine = cohorts == k
        dots.scatter(
            ages[mine],
            motivations[mine],
            s=14,
            alpha=0.75,
            color=COHORT_COLOURS[k],
            label=i18n.cohort_label(cohort, lang),
        )
    dots.set_xlim(10, 100)
    dots.set_ylim(0, 1)
    dots.set_xlabel(say("agents.age", lang))
    dots.set_ylabel(say("agents.motivation", lang))
    dots.set_title(say("agents.dots", lang), fontsize=10, loc="left")
    dots.grid(True, alpha=0.3)
    dots.legend(loc="lower left", fontsize=8)

    years = monthly_series(history, start_year)
    bottom = np.zeros(len(history))
    for k, cohort in enumerate(schema.COHORTS):
        values = history[f"volunteers_{cohort}"].to_numpy(dtype=float)
        counts.fill_between(
            years,
            bottom,
            bottom + values,
            step="post",
            color=COHORT_COLOURS[k],
            alpha=0.8,
            label=i18n.cohort_label(cohort, lang),
        )
        bottom = bottom + values
    counts.set_xlim(start_year, end_year + 1)
    counts.set_ylim(bottom=0)
    counts.set_ylabel(say("agents.count", lang))
    counts.set_title(metric_title("volunteers", lang), fontsize=10, loc="left")
    _year_axis(counts, lang)
    counts.legend(loc="upper right", fontsize=8)
    return fig
