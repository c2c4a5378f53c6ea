"""The fixed vocabulary of the model: cohorts, welfare areas, categories and output columns.

Owns names and their integer codes, so both engines, the region loaders and the plots agree.
Must not hold behaviour or parameter values.
"""

from __future__ import annotations

# Residents -----------------------------------------------------------------------------------
MAX_AGE = 105  # SSB's open top age group "105 år eller eldre"
N_AGES = MAX_AGE + 1
SEXES = ("male", "female")  # code 0, 1
VOLUNTEER_MIN_AGE = 13  # MODEL.md section 2: volunteer pool is residents aged 13+

# Volunteer cohorts (MODEL.md section 2; young retirees are the core, L2507-2513)
COHORTS = ("youth", "adult", "young_retiree", "senior")
COHORT_LOWER_AGE = (VOLUNTEER_MIN_AGE, 26, 62, 76)  # the only place these bounds are written


def cohort_of_age(age: int) -> int:
    """Cohort code for an age, or -1 below the volunteer pool (``rules.cohort_of_age`` in numba)."""
    if age < VOLUNTEER_MIN_AGE:
        return -1
    return sum(1 for lower in COHORT_LOWER_AGE[1:] if age >= lower)


# Welfare areas (L1399-1409)
AREAS = ("elderly_health", "inclusion", "children_youth", "culture")

# Centre and municipality categories, in code order (MODEL.md section 2 and 5)
OWNERSHIP = ("municipal", "voluntary_org", "other")
ROLE = ("own_activities", "mixed", "broker")
AGREEMENT = ("cooperation", "intent", "informal", "none")
COMPENSATION = ("none", "local_funding", "indirect", "direct")
DISCOURSE = ("cocreation", "mobilisation", "place_identity", "independent")
VOLUNTEER_POLICY = ("adopted", "in_progress", "none")
CENTRALITY = (5, 6)

# Policy regimes (config group `policy`)
POLICIES = ("cocreation", "mobilisation", "as_planned")

# Demography alternatives, named as SSB names them: fertility, life expectancy,
# internal migration, immigration (MODEL.md section 6)
DEMOGRAPHIES = ("MMMM", "LLML", "HHMH", "LHML", "HLMH", "MMM0")

# Output table (MODEL.md section 8): these names are a public contract -------------------------
KEY_COLUMNS = ("year", "municipality", "policy", "demography", "seed")
REQUIRED_COLUMNS = KEY_COLUMNS + (
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
    "coverage",
    "orders_issued",
    "orders_declined",
    "mean_motivation",
    "recruits",
    "dropouts",
    "leader_strain",
    "leader_turnovers",
    "cooperating_centres",
)
