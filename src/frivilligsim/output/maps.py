"""Choropleth maps of the municipalities, from the packaged boundaries (EPSG:25833, metres).

Owns the map figure: volunteers per 1,000 residents in the last year under one policy, and
co-creation minus mobilisation, one panel each, municipalities not in the run in grey, one
municipality outlined on request, and the credit "© Kartverket (CC BY 4.0)" on every panel.
Drawn with matplotlib paths (outer rings counter-clockwise, holes clockwise, so holes stay
empty), no GIS library needed.

Must not: compute model quantities beyond the per-municipality medians it maps, or hold words
(i18n.py does).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.path import Path as MplPath

from frivilligsim.errors import FrivilligsimError
from frivilligsim.output import aggregates, i18n, plots

CREDIT = "© Kartverket (CC BY 4.0)"
_OUTSIDE = "#e4e4e4"
_EDGE = "#ffffff"


def load_boundaries() -> dict | None:
    """Every packaged municipality boundary by kommunenummer, or None when none is packaged."""
    try:
        from frivilligsim.inputs.region import load_geometry
    except ImportError:
        return None
    try:
        return load_geometry(None)
    except (FrivilligsimError, OSError, ValueError):
        return None


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def municipality_path(polygons) -> MplPath:
    """One compound path of a municipality's polygons (list of rings, outer ring first)."""
    vertices, codes = [], []
    for polygon in polygons:
        for k, ring in enumerate(polygon):
            ring = np.asarray(ring, dtype=float)
            if len(ring) < 3:
                continue
            ccw = _signed_area(ring) > 0
            if ccw != (k == 0):  # outer ring counter-clockwise, holes clockwise
                ring = ring[::-1]
            vertices.append(np.vstack([ring, ring[:1]]))
            codes.append(
                [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY]
            )
    return MplPath(np.concatenate(vertices), np.concatenate(codes).astype(np.uint8))


def map_values(results: pd.DataFrame, policy: str | None = None) -> tuple[pd.DataFrame, dict]:
    """Per municipality, in the last year and the first demographic alternative: volunteers
    per 1,000 residents under ``policy`` (default as_planned, else the first policy run), and
    co-creation minus mobilisation when both ran (paired by seed). Medians across replicates.

    Returns the table (``municipality``, ``level``, ``difference``) and what it shows.
    """
    end = int(results["year"].max())
    demo = aggregates.demographies_of(results)[0]
    policies = aggregates.policies_of(results)
    policy = policy or ("as_planned" if "as_planned" in policies else policies[0])
    rows = results.loc[(results["year"] == end) & (results["demography"] == demo)]
    residents = rows["residents"].astype(float)
    rows = rows.assign(rate=1000.0 * rows["volunteers"] / residents.where(residents > 0))
    per_seed = rows.pivot_table(
        index=["municipality", "seed"], columns="policy", values="rate", observed=True
    )
    table = pd.DataFrame({"level": per_seed[policy].groupby("municipality").median()})
    has_pair = {"cocreation", "mobilisation"} <= set(per_seed.columns)
    if has_pair:
        diff = per_seed["cocreation"] - per_seed["mobilisation"]
        table["difference"] = diff.groupby("municipality").median()
    meta = {
        "year": end,
        "demography": demo,
        "policy": policy,
        "paired": has_pair,
        "n": aggregates.n_seeds(rows),
    }
    return table.reset_index(), meta


def _mark(ax, path: MplPath, label: str | None) -> None:
    """Outline one municipality and point at it with its name: small ones vanish at this scale."""
    ax.add_collection(PathCollection([path], facecolor="none", edgecolor="black", linewidths=1.4))
    (x0, y0), (x1, y1) = path.get_extents().get_points()
    x, y = (x0 + x1) / 2, (y0 + y1) / 2
    ax.plot([x], [y], marker="o", ms=14, mfc="none", mec="#D55E00", mew=2.0, zorder=5)
    if label:
        ax.annotate(
            label,
            (x, y),
            xytext=(-18, 18),
            textcoords="offset points",
            ha="right",
            size=9,
            weight="bold",
            arrowprops={"arrowstyle": "-", "color": "#D55E00", "lw": 1.2},
        )


def _draw_panel(ax, paths, outside, values, norm, cmap, highlight, lang, label=None):
    ax.add_collection(
        PathCollection(list(outside), facecolor=_OUTSIDE, edgecolor=_EDGE, linewidths=0.15)
    )
    coll = PathCollection(
        list(paths), array=np.asarray(values, float), cmap=cmap, norm=norm, edgecolor="#7f7f7f"
    )
    coll.set_linewidth(0.15)
    ax.add_collection(coll)
    if highlight is not None:
        _mark(ax, highlight, label)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_axis_off()
    ax.text(
        0.99,
        0.01,
        i18n.t("map.credit", lang),
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        size=7.5,
        color="#333",
    )
    return coll


def draw_map(
    results: pd.DataFrame,
    boundaries: dict,
    lang: str,
    footer: str,
    highlight: str | None = None,
    place: str | None = None,
):
    """The map figure (one or two panels) and the data drawn; raises KeyError for codes of
    the results that have no boundary."""
    table, meta = map_values(results)
    missing = sorted(set(table["municipality"]) - set(boundaries))
    if missing:
        raise KeyError(f"no boundary for {len(missing)} municipalities, e.g. {missing[:3]}")
    codes = list(table["municipality"])
    paths = [municipality_path(boundaries[c]) for c in codes]
    outside = [municipality_path(p) for c, p in boundaries.items() if c not in set(codes)]
    hl = municipality_path(boundaries[highlight]) if highlight in boundaries else None
    panels = [("level", "viridis")] + ([("difference", "PuOr")] if meta["paired"] else [])
    fig, axes = plots._new_figure(
        len(panels), max_cols=2, panel_size=(4.6, 5.0), min_width=5.5 * len(panels)
    )
    for ax, (column, cmap) in zip(axes, panels, strict=True):
        values = table[column].to_numpy(float)
        finite = values[np.isfinite(values)]
        if column == "difference":
            half = float(np.max(np.abs(finite))) if finite.size else 1.0
            norm = TwoSlopeNorm(0.0, -half or -1.0, half or 1.0)
            ax.set_title(i18n.t("fig.map.diff", lang))
            label = i18n.t("fig.map.diff.axis", lang)
        else:
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            norm = Normalize(lo, hi if hi > lo else lo + 1.0)
            policy = i18n.policy_label(meta["policy"], lang)
            ax.set_title(i18n.t("fig.map.level", lang, policy=policy))
            label = i18n.t("fig.map.level.axis", lang)
        coll = _draw_panel(ax, paths, outside, values, norm, cmap, hl, lang, place)
        cax = ax.inset_axes((0.12, -0.07, 0.76, 0.035))
        bar = fig.colorbar(coll, cax=cax, orientation="horizontal")
        bar.set_label(label)
        bar.ax.xaxis.set_major_formatter(plots._NumberFormatter(lang))
    demo = i18n.demography_label(meta["demography"], lang)
    title = i18n.t("fig.map.title", lang, year=meta["year"])
    title = f"{title} – {place}" if place else title
    key = "fig.map.subtitle.one" if meta["n"] == 1 else "fig.map.subtitle"
    subtitle = i18n.t(key, lang, demography=demo, n=meta["n"])
    plots._frame(fig, title, subtitle, footer)
    return plots._Drawn(fig, table, title, {"meta": meta})


def make_map(
    results: pd.DataFrame,
    out_dir: Path,
    lang: str = "en",
    synthetic: bool = True,
    *,
    boundaries: dict | None = None,
    highlight: str | None = None,
    place: str | None = None,
) -> dict:
    """Draw the map into ``out_dir`` as ``map_<last year>.png``/``.svg``/``.csv``.

    Returns the figure's entry like :func:`plots.make_figures` does, or ``{"skipped": reason}``
    (in ``lang``) for a synthetic region or when no boundary is packaged for its codes.
    ``boundaries`` defaults to :func:`load_boundaries`.
    """
    if synthetic:
        return {"skipped": i18n.t("report.map.synthetic", lang), "png": None}
    boundaries = load_boundaries() if boundaries is None else boundaries
    if not boundaries:
        return {"skipped": i18n.t("report.map.missing", lang), "png": None}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    footer = i18n.t("footer.real", lang)
    with matplotlib.rc_context(plots.RC):
        try:
            drawn = draw_map(results, boundaries, lang, footer, highlight, place)
        except KeyError:
            return {"skipped": i18n.t("report.map.missing", lang), "png": None}
        meta = drawn.extra["meta"]
        return plots._save(drawn, f"map_{meta['year']}", out_dir)
