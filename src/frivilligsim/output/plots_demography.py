"""Figures of the demography: pyramids, the 70+ share, and the projection against SSB's own.

Owns the demography plots for policy staff, in English or Norwegian (bokmål), each written as PNG and
SVG. Must not: run projections or depend on the engines; it takes plain arrays and tables.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from frivilligsim.output import i18n  # noqa: E402

TEXT = {
    "en": {
        "men": "Men",
        "women": "Women",
        "age": "Age (years)",
        "residents": "Residents (persons)",
        "pyramid": "Residents by age and sex, 1 January {a} and {b}",
        "share_title": "Share of residents aged 70 or older, by demography alternative",
        "share": "Residents aged 70+ (% of all residents)",
        "year": "Year (1 January)",
        "target": "Report: about 17 % (2024) and 24 % (2050), L1084-1085",
        "synthetic": "Synthetic region (frivilligsim default)",
        "real": "Statistics Norway (SSB), table 07459 and classification 128, CC BY 4.0; "
        "centre attributes synthetic",
        "class_title": "Share aged 70+ by centrality class ({name})",
        "class": "centrality class {c}",
        "ssb_quarter": "SSB: about a quarter in the least central municipalities, 2050",
        "ssb_title": "The projection ({name}) against SSB's own MMMM projection",
        "ssb_total": "Residents of the region (thousands)",
        "model": "frivilligsim",
        "ssb": "SSB table 14288, MMMM",
        "ssb_axis": "SSB's projected residents {y} (MMMM)",
        "model_axis": "frivilligsim residents {y}",
    },
    "nb": {
        "men": "Menn",
        "women": "Kvinner",
        "age": "Alder (år)",
        "residents": "Innbyggere (personer)",
        "pyramid": "Innbyggere etter alder og kjønn, 1. januar {a} og {b}",
        "share_title": "Andel innbyggere 70 år og eldre, etter demografialternativ",
        "share": "Innbyggere 70+ (% av alle innbyggere)",
        "year": "År (1. januar)",
        "target": "Rapporten: ca. 17 % (2024) og 24 % (2050), L1084-1085",
        "synthetic": "Syntetisk region (frivilligsim standard)",
        "real": "Statistisk sentralbyrå (SSB), tabell 07459 og klassifikasjon 128, CC BY 4.0; "
        "sentralenes egenskaper syntetiske",
        "class_title": "Andel 70 år og eldre etter sentralitetsklasse ({name})",
        "class": "sentralitetsklasse {c}",
        "ssb_quarter": "SSB: om lag en firedel i de minst sentrale kommunene, 2050",
        "ssb_title": "Framskrivingen ({name}) mot SSBs egen MMMM-framskriving",
        "ssb_total": "Innbyggere i regionen (tusen)",
        "model": "frivilligsim",
        "ssb": "SSB tabell 14288, MMMM",
        "ssb_axis": "SSBs framskrevne innbyggere {y} (MMMM)",
        "model_axis": "frivilligsim innbyggere {y}",
    },
}


def _text(lang: str) -> dict:
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {sorted(TEXT)}, got {lang!r}")
    return TEXT[lang]


def _save(fig, path) -> list[Path]:
    base = Path(path)
    if base.suffix.lower() in (".png", ".svg"):
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    out = [base.with_suffix(".png"), base.with_suffix(".svg")]
    fig.savefig(out[0], dpi=150, bbox_inches="tight")
    with plt.rc_context({"svg.fonttype": "none"}):  # keep text as text: searchable, editable
        fig.savefig(out[1], bbox_inches="tight")
    plt.close(fig)
    return out


def plot_population_pyramid(
    age_sex_2024,
    age_sex_2050,
    path,
    lang: str = "en",
    synthetic: bool = True,
    years: tuple[int, int] = (2024, 2050),
    demography: str | None = None,
) -> list[Path]:
    """Two overlaid pyramids (bars: first year, outline: second year), men left, women right.

    Args:
        age_sex_2024, age_sex_2050: residents ``[2 (men, women), 106]``.
        path: output path; ``.png`` and ``.svg`` are written next to each other.
        lang: ``"en"`` or ``"nb"``.
        synthetic: adds the caption "Synthetic region (frivilligsim default)".
        years: the two years, for the title and legend.
        demography: the alternative's code, named in the title when given.

    Returns:
        The two written paths.
    """
    t = _text(lang)
    a = np.asarray(age_sex_2024, dtype=float)
    b = np.asarray(age_sex_2050, dtype=float)
    ages = np.arange(a.shape[1])
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    ax.barh(ages, -a[0], height=1.0, color="#4c78a8", alpha=0.6, label=f"{t['men']} {years[0]}")
    ax.barh(ages, a[1], height=1.0, color="#e45756", alpha=0.6, label=f"{t['women']} {years[0]}")
    ax.step(-b[0], ages, where="mid", color="#1f3b5c", lw=1.2, label=f"{t['men']} {years[1]}")
    ax.step(b[1], ages, where="mid", color="#7a1f1f", lw=1.2, label=f"{t['women']} {years[1]}")
    ax.axvline(0, color="black", lw=0.6)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{abs(int(x)):,}".replace(",", " ") for x in ticks])
    ax.set_ylim(-0.5, ages[-1] + 0.5)
    ax.set_xlabel(t["residents"])
    ax.set_ylabel(t["age"])
    title = t["pyramid"].format(a=years[0], b=years[1])
    if demography is not None:
        title += f"\n{i18n.demography_label(demography, lang)}"
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    fig.text(0.01, 0.005, t["synthetic"] if synthetic else t["real"], fontsize=8, style="italic")
    return _save(fig, path)


def _shares(df: pd.DataFrame) -> pd.DataFrame:
    if "share_70plus" in df.columns:
        return df.groupby(["demography", "year"], sort=False)["share_70plus"].mean().reset_index()
    g = df.groupby(["demography", "year"], sort=False)[["residents_70plus", "residents"]].sum()
    g["share_70plus"] = g["residents_70plus"] / g["residents"]
    return g.reset_index()


def plot_share_70plus(df_by_alternative, path, lang: str = "en", synthetic: bool = True):
    """The regional 70+ share per year, one line per demography alternative.

    Args:
        df_by_alternative: long table with columns ``demography``, ``year`` and either
            ``share_70plus`` or ``residents_70plus`` and ``residents`` (summed over
            municipalities, e.g. the tables of ``project_region`` stacked with a
            ``demography`` column).
        path: output path; ``.png`` and ``.svg`` are written.
        lang: ``"en"`` or ``"nb"``.
        synthetic: adds the caption "Synthetic region (frivilligsim default)".

    Returns:
        The two written paths.
    """
    t = _text(lang)
    shares = _shares(pd.DataFrame(df_by_alternative))
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for name, g in shares.groupby("demography", sort=False):
        label = i18n.demography_label(name, lang)
        ax.plot(g["year"], 100 * g["share_70plus"], lw=2 if name == "MMMM" else 1.2, label=label)
    ax.scatter([2024, 2050], [17, 24], marker="x", color="black", zorder=5, label=t["target"])
    ax.set_xlabel(t["year"])
    ax.set_ylabel(t["share"])
    ax.set_title(t["share_title"])
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.text(0.01, 0.005, t["synthetic"] if synthetic else t["real"], fontsize=8, style="italic")
    return _save(fig, path)


def make_figures(
    run_dir, out_dir, lang: str = "en", synthetic: bool = True
) -> dict[str, list[Path]]:
    """The demography figures of a run directory: pyramids 2024 vs the last year, 70+ share.

    Reads ``population_by_age.parquet`` (residents by year, sex and age per demography and
    seed) and ``results.parquet``; writes ``population_pyramid_<demography>`` and
    ``share_70plus`` as PNG and SVG into ``out_dir``.
    """
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    written: dict[str, list[Path]] = {}
    ages = pd.read_parquet(run_dir / "population_by_age.parquet")
    first, last = int(ages["year"].min()), int(ages["year"].max())
    for demography, rows in ages.groupby("demography", sort=False):
        rows = rows[rows["seed"] == rows["seed"].iloc[0]]
        grids = []
        for year in (first, last):
            grid = np.zeros((2, int(ages["age"].max()) + 1))
            sel = rows[rows["year"] == year]
            grid[(sel["sex"] == "female").to_numpy().astype(int), sel["age"].to_numpy()] = sel[
                "residents"
            ]
            grids.append(grid)
        name = f"population_pyramid_{demography}"
        written[name] = plot_population_pyramid(
            grids[0],
            grids[1],
            out_dir / name,
            lang=lang,
            synthetic=synthetic,
            years=(first, last),
            demography=str(demography),
        )
    results = pd.read_parquet(
        run_dir / "results.parquet", columns=["demography", "year", "residents", "residents_70plus"]
    )
    written["share_70plus"] = plot_share_70plus(
        results, out_dir / "share_70plus", lang=lang, synthetic=synthetic
    )
    return written


def plot_share_by_class(
    age_sex, centrality, years, path, name: str, lang: str = "en", synthetic: bool = False
):
    """The 70+ share per year by centrality class, ``age_sex [n_muni, n_years, 2, 106]``."""
    t = _text(lang)
    centrality = np.asarray(centrality)
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for c in sorted(set(centrality.tolist())):
        sel = age_sex[centrality == c]
        share = sel[:, :, :, 70:].sum(axis=(0, 2, 3)) / sel.sum(axis=(0, 2, 3))
        ax.plot(years, 100 * share, lw=1.8, label=t["class"].format(c=c))
    ax.scatter([2050], [25], marker="x", color="black", zorder=5, label=t["ssb_quarter"])
    ax.set_xlabel(t["year"])
    ax.set_ylabel(t["share"])
    ax.set_title(t["class_title"].format(name=name))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    fig.text(0.01, 0.005, t["synthetic"] if synthetic else t["real"], fontsize=8, style="italic")
    return _save(fig, path)


def plot_against_ssb(totals_by_year, comparison, path, name: str, lang: str = "en"):
    """Left: the region's residents by year with SSB's MMMM totals; right: per municipality,
    the model's last target year against SSB's (log-log, the diagonal is a perfect match)."""
    t = _text(lang)
    years = [int(c.split("_")[1]) for c in comparison.columns if c.startswith("ssb_")]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.5))
    ax.plot(totals_by_year.index, totals_by_year.to_numpy() / 1000, lw=2, label=t["model"])
    first = totals_by_year.index[0]
    ssb_x = [first] + years
    ssb_y = [totals_by_year.iloc[0] / 1000] + [comparison[f"ssb_{y}"].sum() / 1000 for y in years]
    ax.plot(ssb_x, ssb_y, "o--", color="black", label=t["ssb"])
    ax.set_xlabel(t["year"])
    ax.set_ylabel(t["ssb_total"])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    if years and f"model_{years[-1]}" in comparison:
        y = years[-1]
        ssb, model = comparison[f"ssb_{y}"], comparison[f"model_{y}"]
        bx.scatter(ssb, model, s=8, alpha=0.6)
        lo, hi = max(min(ssb.min(), model.min()), 1) * 0.8, max(ssb.max(), model.max()) * 1.2
        bx.plot([lo, hi], [lo, hi], color="black", lw=0.8)
        bx.set_xscale("log")
        bx.set_yscale("log")
        bx.set_xlabel(t["ssb_axis"].format(y=y))
        bx.set_ylabel(t["model_axis"].format(y=y))
        bx.grid(alpha=0.3, which="both")
    fig.suptitle(t["ssb_title"].format(name=name))
    return _save(fig, path)


def projection_figures(run_dir, table, age_sex, region, comparison, name: str, lang: str = "en"):
    """The figures of ``task=projection`` in ``run_dir``: pyramid, 70+ by class, against SSB."""
    run_dir = Path(run_dir)
    years = np.sort(table["year"].unique())
    whole = age_sex.sum(axis=0)
    synthetic = bool(getattr(region, "synthetic", False))
    return {
        "pyramid": plot_population_pyramid(
            whole[0],
            whole[-1],
            run_dir / f"population_pyramid_{name}",
            lang,
            synthetic,
            (int(years[0]), int(years[-1])),
        ),
        "share_by_class": plot_share_by_class(
            age_sex,
            region.municipalities["centrality"].to_numpy(),
            years,
            run_dir / "share_70plus_by_class",
            name,
            lang,
            synthetic,
        ),
        "against_ssb": plot_against_ssb(
            table.groupby("year")["residents"].sum(),
            comparison,
            run_dir / "projection_vs_ssb",
            name,
            lang,
        ),
    }
