"""The files a report writes into a run folder, shared by both reports (report.py for a run,
uncertainty_report.py for an ensemble): their names, the atomic write, the language check and
the names of the run's municipalities.

Must not: draw or render anything.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from frivilligsim.errors import ConfigError, FrivilligsimError
from frivilligsim.output import i18n

FIGURES_DIR = "figures"


def config_of(manifest: dict) -> dict:
    config = manifest.get("config")
    return config if isinstance(config, dict) else {}


def municipality_info(results: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """Code, name and centrality class of each municipality of the run, as far as known.

    Names come from the results' ``municipality_name`` column, else from the packaged region
    the manifest names; centrality classes from that region. Unknown values are NA.
    """
    info = pd.DataFrame({"municipality": sorted(results["municipality"].unique())})
    region = None
    try:
        from frivilligsim.inputs.region import load_region

        region = load_region(config_of(manifest).get("region") or {})
    except (FrivilligsimError, OSError, TypeError, ValueError, KeyError, ImportError):
        region = None
    if region is not None:
        known = region.municipalities[["municipality", "name", "centrality"]].astype(
            {"municipality": str}
        )
        info = info.merge(known, on="municipality", how="left")
    if "municipality_name" in results.columns:
        names = results.drop_duplicates("municipality").set_index("municipality")
        info["name"] = info["municipality"].map(names["municipality_name"])
    for col in ("name", "centrality"):
        if col not in info.columns:
            info[col] = pd.NA
    return info


def output_names(run_lang: str, lang: str, municipality: str | None = None) -> tuple[str, str]:
    """The report's file name and its figures folder's name (listed in output/report.py)."""
    stem, folder = "report", FIGURES_DIR
    if municipality is not None:
        stem, folder = f"{stem}_{municipality}", f"{folder}_{municipality}"
    if lang != run_lang:
        return f"{stem}.{lang}.html", f"{folder}_{lang}"
    return f"{stem}.html", folder


def write_atomic(path: Path, text: str):
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_lang(lang: str) -> str:
    try:
        return i18n.check_lang(lang)
    except ValueError as exc:
        raise ConfigError(f"lang: {exc}") from None
