"""Figures of the demography: population pyramids and the 70+ share per SSB alternative.

Owns two plots for policy staff, in English or Norwegian (bokmål), each written as PNG and
SVG. Must not: run projections or depend on the engines; it takes plain arrays and tables.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

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
) -> list[Path]:
    """Two overlaid pyramids (bars: first year, outline: second year), men left, women right.

    Args:
        age_sex_2024, age_sex_2050: residents ``[2 (men, women), 106]``.
        path: output path; ``.png`` and ``.svg`` are written next to each other.
        lang: ``"en"`` or ``"nb"``.
        synthetic: adds the caption "Synthetic region (frivilligsim default)".
        years: the two years, for the title and legend.

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
    ax.set_title(t["pyramid"].format(a=years[0], b=years[1]))
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
        ax.plot(g["year"], 100 * g["share_70plus"], lw=2 if name == "MMMM" else 1.2, label=name)
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
            grids[0], grids[1], out_dir / name, lang=lang, synthetic=synthetic, years=(first, last)
        )
    results = pd.read_parquet(
        run_dir / "results.parquet", columns=["demography", "year", "residents", "residents_70plus"]
    )
    written["share_70plus"] = plot_share_70plus(
        results, out_dir / "share_70plus", lang=lang, synthetic=synthetic
    )
    return written
