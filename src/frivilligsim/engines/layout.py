"""The engines' shared output layout: yearly columns, invariant codes, and the tables built from them.

Owns: the column order of an engine's ``out[municipality, year, column]`` array (both engines
write it), the invariant-violation codes and their texts, and the conversion of that array to
the yearly results table (coverage, mean motivation and leader strain derived once, here).
Must not: simulate anything. Both engines import it; neither imports the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from frivilligsim.core import schema

# ---- output columns (yearly, per municipality) ------------------------------------------------
OUTPUT_COLUMNS = (
    "residents",
    "residents_70plus",
    "residents_80plus",
    "volunteers",
    "volunteers_youth",
    "volunteers_adult",
    "volunteers_young_retiree",
    "volunteers_senior",
    "volunteer_hours",
    "hours_ordered",
    "hours_cocreated",
    "demand_hours",
    "covered_hours",
    "orders_issued",
    "orders_declined",
    "motivation_sum",
    "recruits",
    "dropouts",
    "strain_sum",
    "strain_months",
    "leader_turnovers",
    "cooperating_centres",
    "leaders_pressured",
    "centres",
    "vacant_centre_months",
    "volunteer_deaths",
    "volunteer_outmigrants",
    "births",
    "deaths",
    "in_migrants",
    "out_migrants",
    "demand_hours_elderly_health",
    "demand_hours_inclusion",
    "demand_hours_children_youth",
    "demand_hours_culture",
    "volunteer_hours_elderly_health",
    "volunteer_hours_inclusion",
    "volunteer_hours_children_youth",
    "volunteer_hours_culture",
    "orders_declined_capacity",
)
_C = {name: i for i, name in enumerate(OUTPUT_COLUMNS)}
RESIDENTS = _C["residents"]
R70 = _C["residents_70plus"]
R80 = _C["residents_80plus"]
VOLS = _C["volunteers"]
VOLS_COHORT = _C["volunteers_youth"]  # four consecutive columns
VHOURS = _C["volunteer_hours"]
HORD = _C["hours_ordered"]
HCOC = _C["hours_cocreated"]
DEMAND = _C["demand_hours"]
COVERED = _C["covered_hours"]
ORD_ISSUED = _C["orders_issued"]
ORD_DECLINED = _C["orders_declined"]
ORD_DECLINED_CAPACITY = _C["orders_declined_capacity"]  # part of orders_declined
MOT_SUM = _C["motivation_sum"]
RECRUITS = _C["recruits"]
DROPOUTS = _C["dropouts"]
STRAIN_SUM = _C["strain_sum"]
STRAIN_MONTHS = _C["strain_months"]
TURNOVERS = _C["leader_turnovers"]
COOPERATING = _C["cooperating_centres"]
PRESSURED = _C["leaders_pressured"]
CENTRES = _C["centres"]
VACANT_MONTHS = _C["vacant_centre_months"]
VOL_DEATHS = _C["volunteer_deaths"]
VOL_OUTMIG = _C["volunteer_outmigrants"]
BIRTHS = _C["births"]
DEATHS = _C["deaths"]
IN_MIG = _C["in_migrants"]
OUT_MIG = _C["out_migrants"]
DEMAND_AREA = _C["demand_hours_elderly_health"]  # four consecutive columns
COVERED_AREA = _C["volunteer_hours_elderly_health"]  # four consecutive columns
N_OUT = len(OUTPUT_COLUMNS)

# ---- invariant violations: (code, month, entity) per municipality -----------------------------
OK = 0
ERR_PEOPLE = 1
ERR_VOLUNTEERS = 2
ERR_MOTIVATION = 3
ERR_HOURS = 4
ERR_COVERAGE = 5
ERR_LEADER_HOURS = 6
ERR_CAPACITY = 7
ERROR_TEXT = {
    ERR_PEOPLE: "people not conserved by the demography step "
    "(residents(t+1) != residents(t) + births - deaths + in - out)",
    ERR_VOLUNTEERS: "volunteers not conserved "
    "(volunteers(t+1) != volunteers(t) + recruits - dropouts - deaths - out-migrants)",
    ERR_MOTIVATION: "a volunteer's motivation left [0, 1]",
    ERR_HOURS: "negative volunteer hours",
    ERR_COVERAGE: "coverage left [0, 1]",
    ERR_LEADER_HOURS: "a centre leader worked more hours than the time budget allows",
    ERR_CAPACITY: "the municipality outgrew the room for its residents: "
    "a demography this strong is beyond what the model is built for",
}


HELPER_COLUMNS = ("covered_hours", "motivation_sum", "strain_sum", "strain_months")
# Counts (people, orders, centres, months) are whole numbers in the table; hours, sums of
# motivation and strain, and strain months stay floats.
FLOAT_COLUMNS = (
    "volunteer_hours",
    "hours_ordered",
    "hours_cocreated",
    "demand_hours",
    "covered_hours",
    "motivation_sum",
    "strain_sum",
    "strain_months",
) + tuple(c for c in OUTPUT_COLUMNS if c.startswith(("demand_hours_", "volunteer_hours_")))
INT_COLUMNS = tuple(c for c in OUTPUT_COLUMNS if c not in FLOAT_COLUMNS)
_INT_SET = frozenset(INT_COLUMNS)


def ratio(num, den) -> np.ndarray:
    """``num / den`` elementwise, 0 where ``den`` is not positive (no NaN in any table).

    The one division behind every derived rate: coverage, mean motivation, leader strain and
    the regional measures of ``analysis.outcomes`` and ``output.results``.
    """
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def coverage(covered_hours, demand_hours) -> np.ndarray:
    """Share of demand covered by volunteers, in [0, 1]; 0 where there is no demand."""
    return np.clip(ratio(covered_hours, demand_hours), 0.0, 1.0)


def mean_motivation(motivation_sum, volunteers) -> np.ndarray:
    """Mean motivation of the volunteers; 0 where there are none."""
    return ratio(motivation_sum, volunteers)


def yearly_table(
    out: np.ndarray,
    columns: tuple[str, ...],
    codes: np.ndarray,
    start_year: int,
    keys: dict[str, Any],
) -> pd.DataFrame:
    """The yearly table of one scenario from an engine's ``out[municipality, year, column]``.

    ``keys`` holds the scenario keys (policy, demography, seed, replicate), repeated on every row.
    Built in one step from whole columns (counts rounded to whole numbers, the derived rates
    from the unrounded sums).
    """
    n_muni, n_years, _ = out.shape
    flat = out.reshape(n_muni * n_years, len(columns))
    data = {name: flat[:, i] for i, name in enumerate(columns)}
    table: dict[str, Any] = {
        "year": np.tile(np.arange(start_year, start_year + n_years), n_muni).astype(np.int64),
        "municipality": np.repeat(codes.astype(str), n_years),
    }
    table.update(keys)
    for name, values in data.items():
        table[name] = np.round(values).astype(np.int64) if name in _INT_SET else values
    table["coverage"] = coverage(data["covered_hours"], data["demand_hours"])
    table["mean_motivation"] = mean_motivation(data["motivation_sum"], data["volunteers"])
    table["leader_strain"] = ratio(data["strain_sum"], data["strain_months"])
    ordered = list(schema.REQUIRED_COLUMNS) + [
        c for c in table if c not in schema.REQUIRED_COLUMNS and c not in HELPER_COLUMNS
    ]
    return pd.DataFrame({name: table[name] for name in ordered}, index=pd.RangeIndex(len(flat)))


def with_municipality_names(table: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``municipality_name`` (names from the region) right after the required
    columns (``schema.REQUIRED_COLUMNS`` stay first: a public contract)."""
    names = dict(
        zip(
            municipalities["municipality"].astype(str),
            municipalities["name"].astype(str),
            strict=True,
        )
    )
    at = len(schema.REQUIRED_COLUMNS)
    table.insert(at, "municipality_name", table["municipality"].astype(str).map(names))
    return table


def pyramid_table(pyramid: np.ndarray, start_year: int, keys: dict[str, Any]) -> pd.DataFrame:
    """Residents by year, sex and age summed over the region, in long format."""
    region = pyramid.sum(axis=0)  # [year, sex, age]
    n_years, n_sex, n_age = region.shape
    year, sex, age = np.meshgrid(
        np.arange(start_year, start_year + n_years),
        np.arange(n_sex),
        np.arange(n_age),
        indexing="ij",
    )
    frame = pd.DataFrame(
        {
            "year": year.ravel().astype(np.int64),
            "sex": np.array(schema.SEXES)[sex.ravel()],
            "age": age.ravel().astype(np.int64),
            "residents": region.ravel().astype(np.int64),
        }
    )
    for key, value in keys.items():
        frame[key] = value
    return frame
