"""A self-contained HTML report of one run, for the region or one municipality, en or nb.

Owns which files a report reads and writes. Reads only the run directory (results.parquet,
manifest.json, population_by_age.parquet when there, the figures folder) and, for names and
centrality classes, the packaged region. Writes, never over another language's or another
municipality's files:

    report.html,              figures/             the run's language, whole region
    report.<lang>.html,       figures_<lang>/      another language
    report_<code>.html,       figures_<code>/      one municipality, the run's language
    report_<code>.<lang>.html figures_<code>_<lang>/

Command line::

    python -m frivilligsim.report <run dir> [--lang nb] [--municipality 1812]
    python -m frivilligsim.report <ensemble dir> [--decomposition DIR] [--sensitivity DIR]

An ensemble run folder (``headline_uncertainty.csv``) gets the report of uncertainty_report.py.

It prints the path of the HTML it wrote as its last line. The page itself is report_html.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from frivilligsim.core import schema
from frivilligsim.errors import ConfigError, DataFileError, FrivilligsimError
from frivilligsim.output import aggregates, i18n, maps, plots
from frivilligsim.output.report_html import Page, render_html
from frivilligsim.output.run_files import (
    check_lang,
    config_of,
    municipality_info,
    output_names,
    write_atomic,
)

RESULTS = "results.parquet"
MANIFEST = "manifest.json"
AGES = "population_by_age.parquet"
REPORT = "report.html"

__all__ = ["render_html", "write_report", "main", "output_names", "Page"]


# Reading the run directory -------------------------------------------------------------------


def _read_run(run_dir: Path) -> tuple[pd.DataFrame, dict]:
    expected = "expected a run directory containing results.parquet and manifest.json"
    if not run_dir.is_dir():
        raise DataFileError(run_dir, f"is not a directory; {expected}")
    for name in (RESULTS, MANIFEST):
        if not (run_dir / name).is_file():
            raise DataFileError(run_dir / name, f"is missing; {expected}")
    try:
        manifest = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(run_dir / MANIFEST, f"cannot be read as JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise DataFileError(run_dir / MANIFEST, "expected a JSON object at the top level")
    try:
        results = pd.read_parquet(run_dir / RESULTS)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise DataFileError(run_dir / RESULTS, f"cannot be read as parquet: {exc}") from None
    missing = [c for c in schema.REQUIRED_COLUMNS if c not in results.columns]
    if missing:
        raise DataFileError(run_dir / RESULTS, f"lacks required columns: {', '.join(missing)}")
    if results.empty:
        raise DataFileError(run_dir / RESULTS, "has no rows")
    results["municipality"] = results["municipality"].astype(str)
    return results, manifest


# Names ---------------------------------------------------------------------------------------


# Figures -------------------------------------------------------------------------------------


def _existing_figures(
    fig_dir: Path, results_path: Path, lang: str, synthetic: bool, place: str | None = None
) -> dict[str, dict] | None:
    """The scenario figures already in ``fig_dir`` if complete, current and as asked."""
    index_path = fig_dir / plots.INDEX_FILE
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        if index_path.stat().st_mtime < results_path.stat().st_mtime:
            return None  # drawn from an earlier results table
    except (OSError, ValueError):
        return None
    if index.get("lang") != lang or index.get("synthetic") != bool(synthetic):
        return None
    if index.get("place") != place:
        return None
    entries = index.get("figures") or {}
    if set(entries) != set(plots.FIGURE_NAMES):
        return None
    figures = {}
    for name, entry in entries.items():
        if entry.get("skipped"):
            figures[name] = {"skipped": entry["skipped"], "png": None, "title": ""}
            continue
        png = fig_dir / str(entry.get("png"))
        if not png.is_file():
            return None
        figures[name] = {"png": png, "title": entry.get("title", "")}
    return figures


def _captions(results: pd.DataFrame, lang: str) -> dict[str, str]:
    first_demo = i18n.demography_label(aggregates.demographies_of(results)[0], lang)
    out = {}
    for name in plots.FIGURE_NAMES:
        if name.startswith("fan_"):
            title = i18n.t(f"metric.{name.removeprefix('fan_')}.title", lang)
            out[name] = i18n.t("caption.fan", lang, title=title)
        elif name in ("demand_supply", "volunteers_by_cohort"):
            out[name] = i18n.t(f"caption.{name}", lang, demography=first_demo)
        elif name == "coverage_distribution":
            thr = i18n.fmt_number(plots.COVERAGE_THRESHOLD, lang, 2)
            year = int(results["year"].max())
            out[name] = i18n.t(f"caption.{name}", lang, year=year, thr=thr)
        else:
            out[name] = i18n.t(f"caption.{name}", lang)
    return out


def _demography_figures(
    run_dir: Path,
    results: pd.DataFrame,
    fig_dir: Path,
    lang: str,
    synthetic: bool,
    redraw: bool,
    place: str | None = None,
) -> list[tuple[str, Path, str]]:
    """Pyramids (region reports, when the run wrote residents by age) and the 70+ share."""
    from frivilligsim.output import plots_demography

    first, last = int(results["year"].min()), int(results["year"].max())
    demos = aggregates.demographies_of(results)
    regional = results["municipality"].nunique() > 1 or not (run_dir / AGES).is_file()
    has_ages = (run_dir / AGES).is_file() and regional
    wanted = [f"population_pyramid_{d}" for d in demos] if has_ages else []
    wanted.append("share_70plus")
    if redraw or not all((fig_dir / f"{n}.png").is_file() for n in wanted):
        if has_ages:  # the pyramids and the region's 70+ share
            plots_demography.make_figures(run_dir, fig_dir, lang=lang, synthetic=synthetic)
        else:
            plots_demography.plot_share_70plus(
                results[["demography", "year", "residents", "residents_70plus"]],
                fig_dir / "share_70plus",
                lang=lang,
                synthetic=synthetic,
            )
    out = []
    for demo in demos if has_ages else ():
        caption = i18n.t(
            "caption.population_pyramid",
            lang,
            first=first,
            last=last,
            demography=i18n.demography_label(demo, lang),
        )
        out.append(
            (f"population_pyramid_{demo}", fig_dir / f"population_pyramid_{demo}.png", caption)
        )
    place = place or i18n.t("place.region", lang)
    caption = i18n.t("caption.share_70plus", lang, place=place)
    out.append(("share_70plus", fig_dir / "share_70plus.png", caption))
    return out


def _map_figure(
    results: pd.DataFrame,
    fig_dir: Path,
    lang: str,
    synthetic: bool,
    redraw: bool,
    highlight: str | None,
    place: str | None,
) -> dict:
    end = int(results["year"].max())
    csv = fig_dir / f"map_{end}.csv"
    png = fig_dir / f"map_{end}.png"
    if not redraw and png.is_file() and csv.is_file() and not synthetic:
        table, meta = maps.map_values(results)
        return {"png": png, "title": "", "meta": meta}
    entry = maps.make_map(results, fig_dir, lang, synthetic, highlight=highlight, place=place)
    return entry


# Writing -------------------------------------------------------------------------------------


def _municipality_page(page: Page, info: pd.DataFrame, code: str) -> Page:
    """Narrow ``page`` to the municipality ``code`` (raises ConfigError for an unknown code)."""
    known = list(info["municipality"])
    if code not in known:
        examples = ", ".join(known[:3])
        raise ConfigError(
            i18n.t("error.municipality", page.lang, code=code, n=len(known), examples=examples)
        )
    row = info.set_index("municipality").loc[code]
    name = row["name"] if isinstance(row["name"], str) and row["name"] else code
    page.municipality = code
    page.place = f"{name} ({code})"
    page.centrality = row["centrality"]
    page.results = page.results[page.results["municipality"] == code].reset_index(drop=True)
    return page


def write_report(
    run_dir: Path,
    lang: str | None = None,
    municipality: str | None = None,
    decomposition_dir: Path | None = None,
    sensitivity_dir: Path | None = None,
) -> Path:
    """Write the report of ``run_dir`` (see the module docstring for names); return its path.

    The language is ``lang`` if given, else the manifest's ``config.lang``, else English.
    ``municipality`` (a kommunenummer of the run) writes that municipality's report.
    Figures are reused when complete, current and in that language, else drawn. An ensemble
    folder (``headline_uncertainty.csv``) gets the ensemble report of uncertainty_report.py,
    which also shows a decomposition and a sensitivity run folder when given.

    Raises:
        DataFileError: results.parquet or manifest.json is missing or unreadable.
        ConfigError: an unknown language or a municipality that is not in the run; a
            decomposition or sensitivity folder for a run that is not an ensemble, or a bad one.
    """
    from frivilligsim.output import uncertainty_report

    run_dir = Path(run_dir)
    if uncertainty_report.is_ensemble_folder(run_dir):
        return uncertainty_report.write_uncertainty_report(
            run_dir, lang, municipality, decomposition_dir, sensitivity_dir
        )
    if decomposition_dir is not None or sensitivity_dir is not None:
        raise ConfigError(i18n.t("error.not_ensemble", check_lang(lang or "en"), path=run_dir))
    results, manifest = _read_run(run_dir)
    run_lang = check_lang(config_of(manifest).get("lang") or "en")
    lang = check_lang(lang or run_lang)
    info = municipality_info(results, manifest)
    page = Page(results=results, manifest=manifest, lang=lang, n_municipalities=len(info))
    page.region_report = output_names(run_lang, lang)[0]
    if municipality is not None:
        page = _municipality_page(page, info, str(municipality))
    elif (run_dir / AGES).is_file():
        page.ages = pd.read_parquet(run_dir / AGES)
    report_name, fig_name = output_names(run_lang, lang, page.municipality)
    fig_dir = run_dir / fig_name
    synthetic = bool(manifest.get("synthetic_region", True))
    figures = _existing_figures(fig_dir, run_dir / RESULTS, lang, synthetic, page.place)
    redraw = figures is None
    if redraw:
        figures = plots.make_figures(
            page.results, fig_dir, lang=lang, synthetic=synthetic, place=page.place
        )
    page.figures = figures
    page.figure_names = plots.FIGURE_NAMES
    page.captions = _captions(page.results, lang)
    page.extra_figures = _demography_figures(
        run_dir, page.results, fig_dir, lang, synthetic, redraw, page.place
    )
    page.map_figure = _map_figure(
        results, fig_dir, lang, synthetic, redraw, page.municipality, page.place
    )
    out = run_dir / report_name
    write_atomic(out, render_html(page))
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m frivilligsim.report <run dir> [--lang nb] [--municipality CODE]
    [--decomposition DIR] [--sensitivity DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m frivilligsim.report",
        description="Write a self-contained HTML report (figures embedded) of a run directory.",
    )
    parser.add_argument(
        "run_dir", type=Path, help="directory with results.parquet and manifest.json"
    )
    parser.add_argument(
        "--lang",
        choices=i18n.LANGS,
        default=None,
        help="language (default: the run's config.lang); another language gets its own "
        "report.<lang>.html and figures_<lang>/",
    )
    parser.add_argument(
        "--municipality",
        default=None,
        metavar="CODE",
        help="the report of one municipality, by its number (kommunenummer, e.g. 1812)",
    )
    parser.add_argument(
        "--decomposition",
        type=Path,
        default=None,
        metavar="DIR",
        help="an ensemble report: the policy gap by lever from this experiment=decomposition "
        "run folder (default: the run's report.decomposition_dir)",
    )
    parser.add_argument(
        "--sensitivity",
        type=Path,
        default=None,
        metavar="DIR",
        help="an ensemble report: the assumptions with the most influence from this "
        "experiment=sensitivity run folder (default: the run's report.sensitivity_dir)",
    )
    args = parser.parse_args(argv)
    try:
        path = write_report(
            args.run_dir,
            lang=args.lang,
            municipality=args.municipality,
            decomposition_dir=args.decomposition,
            sensitivity_dir=args.sensitivity,
        )
    except FrivilligsimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
