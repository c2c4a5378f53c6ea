"""The run's tables for spreadsheets: headline and municipalities, as CSV and as .xlsx.

Owns ``headline.csv``/``.xlsx`` (the headline statistic of :func:`aggregates.headline`: median
and 90 % band across replicates, first and last year) and ``municipalities.csv``/``.xlsx`` (one
row per municipality × policy × demography, :func:`aggregates.municipality_table`), with
headers, policy and demography names in the run's language. With ``lang="nb"`` the CSV is in
Norwegian Excel's dialect: ``;`` between fields, decimal comma, UTF-8 with a byte-order mark so
Excel reads æøå.

Must not: compute model quantities (aggregates.py does).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from frivilligsim.output import aggregates, i18n
from frivilligsim.output.results import _atomic_write

HEADLINE = "headline"
MUNICIPALITIES = "municipalities"
# Decimals kept in the tables: persons are whole (a median of an even number of replicates may
# end in .5), shares to three decimals
DECIMALS = {"volunteers": 1, "residents": 1, "coverage": 4, "mean_motivation": 4, "share": 4}


def _labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = frame.copy()
    if "policy" in out:
        out["policy"] = [i18n.policy_label(p, lang) for p in out["policy"]]
    if "demography" in out:
        out["demography"] = [i18n.demography_label(d, lang) for d in out["demography"]]
    return out


def headline_frame(regional: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The headline statistic as a table for people: one row per policy, demography, year and
    outcome; the band is left empty with one replicate."""
    head = aggregates.headline(regional)
    one = head["n"] <= 1
    head.loc[one, ["q05", "q95"]] = float("nan")
    for metric, decimals in DECIMALS.items():
        rows = head["metric"] == metric
        head.loc[rows, ["median", "q05", "q95"]] = head.loc[rows, ["median", "q05", "q95"]].round(
            decimals
        )
    head["metric"] = [i18n.t(f"metric.{m}.code", lang) for m in head["metric"]]
    head = _labelled(
        head[["policy", "demography", "year", "metric", "median", "q05", "q95", "n"]], lang
    )
    return head.rename(columns={c: i18n.t(f"col.{c}", lang) for c in head.columns})


def municipality_frame(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """:func:`aggregates.municipality_table` with headers and names in ``lang``."""
    out = _labelled(table, lang)
    for col in out.columns:
        kind = col.split("_")[0]
        if kind in DECIMALS and pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(DECIMALS[kind])
    names = {}
    for col in out.columns:
        base, _, rest = col.rpartition("_")
        if col.endswith(("_q05", "_q95")):
            stem = col[:-4]
            metric, _, year = stem.rpartition("_")
            suffix = i18n.t(f"col.{col[-3:]}.suffix", lang)
            names[col] = i18n.t(f"col.{metric}", lang, year=year) + suffix
        elif rest.isdigit() and f"col.{base}" in i18n.en:
            names[col] = i18n.t(f"col.{base}", lang, year=rest)
        elif f"col.{col}" in i18n.en:
            names[col] = i18n.t(f"col.{col}", lang)
    return out.rename(columns=names)


def write_table(frame: pd.DataFrame, stem: Path, lang: str = "en") -> list[Path]:
    """Write ``<stem>.csv`` (Norwegian Excel dialect for nb) and ``<stem>.xlsx``."""
    stem = Path(stem)
    csv, xlsx = stem.with_suffix(".csv"), stem.with_suffix(".xlsx")
    if lang == "nb":
        _atomic_write(
            csv,
            lambda tmp: frame.to_csv(tmp, index=False, sep=";", decimal=",", encoding="utf-8-sig"),
        )
    else:
        _atomic_write(csv, lambda tmp: frame.to_csv(tmp, index=False))
    _atomic_write(xlsx, lambda tmp: _to_xlsx(frame, tmp, stem.name))
    return [csv, xlsx]


def _to_xlsx(frame: pd.DataFrame, path, sheet: str) -> None:
    buffer = io.BytesIO()  # the temporary file's suffix is not .xlsx, which pandas insists on
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet[:31])
        ws = writer.sheets[sheet[:31]]
        ws.freeze_panes = "A2"
        for column in ws.columns:
            width = max(len(str(c.value)) if c.value is not None else 0 for c in column)
            ws.column_dimensions[column[0].column_letter].width = min(48, max(8, width + 2))
    Path(path).write_bytes(buffer.getvalue())


def read_csv(path: Path, lang: str = "en") -> pd.DataFrame:
    """Read back a table written by :func:`write_table` in ``lang`` (codes stay text)."""
    dtype = {i18n.t("col.municipality", lang): str}
    if lang == "nb":
        return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype=dtype)
    return pd.read_csv(path, dtype=dtype)


def write_run_tables(
    results: pd.DataFrame,
    run_dir: Path,
    lang: str = "en",
    info: pd.DataFrame | None = None,
    regional: pd.DataFrame | None = None,
) -> dict[str, list[Path]]:
    """Write the headline and municipality tables of a run into ``run_dir``."""
    run_dir = Path(run_dir)
    regional = aggregates.regional_series(results) if regional is None else regional
    return {
        HEADLINE: write_table(headline_frame(regional, lang), run_dir / HEADLINE, lang),
        MUNICIPALITIES: write_table(
            municipality_frame(aggregates.municipality_table(results, info), lang),
            run_dir / MUNICIPALITIES,
            lang,
        ),
    }
