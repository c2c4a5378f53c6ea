"""Figures of the ensemble report: both kinds of range over time, and the policy gap by lever.

Owns two figures, drawn with the look of plots.py (its layout, colours, number format, footer):

- ``ensemble_bands``: volunteers per year under each policy, the central value with the range
  across the ensemble of plausible models (wide, light) and the range across seeds (narrow,
  dark), one panel per policy and demography;
- ``policy_gap_decomposition``: the gap between two presets as a waterfall, one bar per lever
  (its Shapley contribution) from zero to the total.

Each is written as PNG, SVG and the CSV of what was drawn. Must not compute model quantities:
the bands come from ``yearly_uncertainty.csv`` and the contributions from
``policy_gap_decomposition.csv`` as the analyses wrote them.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from frivilligsim.output import i18n, plots

BAND_COLUMNS = ("value", "ensemble_low", "ensemble_high", "seed_low", "seed_high")


def ensemble_bands(
    yearly: pd.DataFrame, out_dir: Path, lang: str, synthetic: bool, policies: list[str]
) -> dict:
    """Volunteers per year per policy (and demography), with the ensemble and the seed band."""
    data = yearly[yearly["outcome"] == "volunteers"].sort_values("year")
    demographies = list(dict.fromkeys(data["demography"]))
    panels = [(d, p) for d in demographies for p in policies if p in set(data["policy"])]
    with matplotlib.rc_context(plots.RC):
        fig, axes = plots._new_figure(
            len(panels), max_cols=min(3, len(panels)), panel_size=(3.6, 3.2), sharey=True
        )
        ncols = plots._grid(len(axes), min(3, len(panels)))[1]
        for i, (ax, (demo, pol)) in enumerate(zip(axes, panels, strict=True)):
            d = data[(data["demography"] == demo) & (data["policy"] == pol)]
            c = plots._colour(pol, policies)
            ax.fill_between(d["year"], d["ensemble_low"], d["ensemble_high"], color=c, alpha=0.16)
            ax.fill_between(d["year"], d["seed_low"], d["seed_high"], color=c, alpha=0.55, lw=0)
            ax.plot(d["year"], d["value"], color=c, lw=2.0)
            title = i18n.policy_label(pol, lang)
            if len(demographies) > 1:
                title += f" – {i18n.demography_label(demo, lang)}"
            ax.set_title(title)
            ax.set_ylim(bottom=0)
            plots._style_axes(ax, lang)
            if i % ncols == 0:
                plots._set_ylabel(ax, i18n.t("metric.volunteers.axis", lang), 3.2)
            ax.set_xlabel(i18n.t("axis.year", lang))
        grey = "#555555"
        handles = [
            Line2D([], [], color=grey, lw=2.0, label=i18n.t("unc.fig.central", lang)),
            Patch(color=grey, alpha=0.16, label=i18n.t("unc.fig.ensemble", lang)),
            Patch(color=grey, alpha=0.55, label=i18n.t("unc.fig.seed", lang)),
        ]
        start, end = int(data["year"].min()), int(data["year"].max())
        title = i18n.t("unc.fig.bands.title", lang, start=start, end=end)
        n_sets = int(data["parameter_sets"].max()) if "parameter_sets" in data else 0
        seeds = int(data["seeds_per_set"].min()) if "seeds_per_set" in data else 0
        subtitle = i18n.t("unc.fig.bands.subtitle", lang, sets=n_sets, seeds=seeds)
        footer = i18n.t("footer.synthetic" if synthetic else "footer.real", lang)
        plots._frame(fig, title, subtitle, footer, handles)
        drawn = plots._Drawn(fig, data[["policy", "demography", "year", *BAND_COLUMNS]], title)
        return plots._save(drawn, "ensemble_bands", Path(out_dir))


def decomposition_waterfall(
    decomposition: pd.DataFrame,
    out_dir: Path,
    lang: str,
    synthetic: bool,
    from_policy: str,
    to_policy: str,
    year: int,
) -> dict:
    """The gap from ``from_policy`` to ``to_policy`` built lever by lever (largest first)."""
    levers = decomposition[decomposition["lever"] != "total"].copy()
    levers = levers.reindex(levers["contribution"].abs().sort_values(ascending=False).index)
    total = float(decomposition.loc[decomposition["lever"] == "total", "contribution"].iloc[0])
    levers["start"] = levers["contribution"].cumsum() - levers["contribution"]
    names = [*levers["lever"], i18n.t("unc.fig.total", lang)]
    starts = [*levers["start"], 0.0]
    widths = [*levers["contribution"], total]
    with matplotlib.rc_context(plots.RC):
        fig, axes = plots._new_figure(1, panel_size=(7.5, 0.42 * len(names) + 1.0), min_width=8.0)
        ax = axes[0]
        up, down = plots.OKABE_ITO["blue"], plots.OKABE_ITO["vermillion"]
        colours = [up if w >= 0 else down for w in widths[:-1]] + ["#333333"]
        y = list(range(len(names)))[::-1]
        ax.barh(y, widths, left=starts, color=colours, height=0.6)
        for k in range(len(names) - 1):  # connectors: where the next bar starts
            end = starts[k] + widths[k]
            ax.plot([end, end], [y[k] - 0.3, y[k + 1] + 0.3], color="#999999", lw=0.8)
        for yy, s, w in zip(y, starts, widths, strict=True):
            text = i18n.fmt_number(w, lang, 0 if abs(total) >= 100 else 1)
            ax.text(s + w, yy, f" {text}", va="center", ha="left" if w >= 0 else "right", size=8.5)
        ax.set_yticks(y, names)
        ax.axvline(0, color="black", lw=0.9)
        ax.xaxis.set_major_formatter(plots._NumberFormatter(lang))
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(i18n.t("unc.fig.gap.axis", lang, year=year))
        ends = [0.0, *(a + w for a, w in zip(starts, widths, strict=True)), *starts]
        lo, hi = min(ends), max(ends)
        pad = 0.14 * (hi - lo) if hi > lo else 1.0  # room for the value labels
        ax.set_xlim(lo - (pad if lo < 0 else 0), hi + pad)
        title = i18n.t(
            "unc.fig.gap.title",
            lang,
            to=i18n.policy_label(to_policy, lang),
            frm=i18n.policy_label(from_policy, lang),
            year=year,
        )
        subtitle = i18n.t("unc.fig.gap.subtitle", lang)
        footer = i18n.t("footer.synthetic" if synthetic else "footer.real", lang)
        plots._frame(fig, title, subtitle, footer, None)
        data = pd.DataFrame({"lever": names, "start": starts, "contribution": widths})
        drawn = plots._Drawn(fig, data, title)
        return plots._save(drawn, "policy_gap_decomposition", Path(out_dir))
