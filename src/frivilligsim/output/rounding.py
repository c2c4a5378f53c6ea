"""Rounding to what the uncertainty allows, written once for the report, terminal and tables.

Owns the one rule: a number is rounded to two significant digits of the width of its range
across the ensemble of plausible models (``ensemble_high - ensemble_low``). A 2050 headline of
13 542 volunteers whose ensemble range is 9 900 wide is shown as about 13 500: the hundreds are
the last digit the assumptions leave meaningful. Every number of one row (the value, both ends
of both ranges) is rounded with the same step, so a range never looks more precise than the
value it surrounds. When the ensemble range has no width (one parameter set), the seed range's
width is used; when that has none either, three significant digits of the value. Counts of
persons (volunteers) are never shown finer than whole persons, whatever the width.

Must not: compute ranges (analysis/uncertainty.py does) or choose words (i18n.py does).
"""

from __future__ import annotations

import math

import pandas as pd

from frivilligsim.output import i18n

DIGITS_OF_WIDTH = 2  # significant digits kept of the range's width
DIGITS_OF_VALUE = 3  # fallback: significant digits of the value itself
WHOLE_OUTCOMES = ("volunteers",)  # counts of persons: never shown finer than whole persons


def _positive(x) -> bool:
    return x is not None and not pd.isna(x) and float(x) > 0


def step_for(width: float | None, value: float | None = None, seed_width: float | None = None):
    """The rounding step (a power of ten) for a number whose range is ``width`` wide."""
    if _positive(width):
        return 10.0 ** (math.floor(math.log10(float(width))) - DIGITS_OF_WIDTH + 1)
    if _positive(seed_width):
        return 10.0 ** (math.floor(math.log10(float(seed_width))) - DIGITS_OF_WIDTH + 1)
    if value is not None and not pd.isna(value) and float(value) != 0:
        return 10.0 ** (math.floor(math.log10(abs(float(value)))) - DIGITS_OF_VALUE + 1)
    return 1.0


def decimals_for(step: float) -> int:
    """How many decimals a number rounded to ``step`` needs (0 for steps of 1 and above)."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


def round_to(value, step: float) -> float:
    """``value`` rounded to a multiple of ``step`` (NaN stays NaN)."""
    if value is None or pd.isna(value):
        return float("nan")
    return round(round(float(value) / step) * step, decimals_for(step))


def row_step(row, prefix: str = "") -> float:
    """The step for a row of ``headline_uncertainty.csv``: ``prefix=""`` for the value,
    ``prefix="difference"`` for the paired difference (its own ranges)."""
    if prefix:
        value, low, high = (row.get(f"{prefix}{s}") for s in ("", "_low", "_high"))
        seed_low, seed_high = row.get(f"{prefix}_seed_low"), row.get(f"{prefix}_seed_high")
    else:
        value, low, high = row.get("value"), row.get("ensemble_low"), row.get("ensemble_high")
        seed_low, seed_high = row.get("seed_low"), row.get("seed_high")
    step = step_for(_width(low, high), value, _width(seed_low, seed_high))
    return max(step, 1.0) if row.get("outcome") in WHOLE_OUTCOMES else step


def _width(low, high):
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return None
    return float(high) - float(low)


def fmt_rounded(value, step: float, lang: str, signed: bool = False) -> str:
    """``value`` rounded to ``step`` and formatted for ``lang`` (thousands, decimal mark)."""
    text = i18n.fmt_number(round_to(value, step), lang, decimals_for(step))
    if signed and not text.startswith(("\u2212", "–")) and text.strip("0,. \u00a0") != "":
        text = "+" + text
    return text


def fmt_range(low, high, step: float, lang: str, signed: bool = False) -> str:
    """``low–high`` rounded to ``step``; with signed numbers the dash becomes " to "."""
    lo, hi = (fmt_rounded(x, step, lang, signed) for x in (low, high))
    if signed:
        return i18n.t("unc.range.signed", lang, low=lo, high=hi)
    return f"{lo}–{hi}"


ROUNDED_COLUMNS = {
    "": ("value", "ensemble_low", "ensemble_high", "seed_low", "seed_high"),
    "difference": (
        "difference",
        "difference_low",
        "difference_high",
        "difference_seed_low",
        "difference_seed_high",
    ),
}


def add_rounded_columns(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (columns of headline_uncertainty.csv) with ``<column>_rounded`` beside each
    value and range end, rounded by the rule above; the raw columns are kept."""
    out = table.copy()
    for prefix, columns in ROUNDED_COLUMNS.items():
        present = [c for c in columns if c in out.columns]
        if not present:
            continue
        steps = [row_step(row, prefix) for row in out.to_dict(orient="records")]
        for col in present:
            out[f"{col}_rounded"] = [round_to(v, s) for v, s in zip(out[col], steps, strict=True)]
    return out
