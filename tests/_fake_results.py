"""A small, realistic results table and manifest for testing figures and reports.

Builds what a run writes (results.parquet + manifest.json, see the output contract in
schema.py and the plots brief) without running the model: 3 policies × 2 demography
alternatives × 4 seeds × 5 municipalities × 27 years. Co-creation keeps more volunteers than
mobilisation; one municipality has no volunteer centre (no volunteers, coverage 0, as the
engines give it); demand grows as the population ages. The municipalities carry real
kommunenummer and names (Helgeland, centrality class 6), so maps can be tested on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from frivilligsim.core import schema

YEARS = tuple(range(2024, 2051))
POLICY_EFFECT = {"cocreation": 1.15, "mobilisation": 0.85, "as_planned": 1.0}
AREA_SHARE = {"elderly_health": 0.45, "inclusion": 0.15, "children_youth": 0.2, "culture": 0.2}
COHORT_SHARE = {"youth": 0.15, "adult": 0.35, "young_retiree": 0.35, "senior": 0.15}
MUNICIPALITIES = {
    "1811": "Bindal",
    "1812": "Sømna",
    "1815": "Vega",
    "1816": "Vevelstad",
    "1818": "Herøy (Nordland)",
}


def municipality_codes(n: int) -> list[str]:
    """``n`` kommunenummer: the five above, then made-up ones."""
    codes = list(MUNICIPALITIES)[:n]
    return codes + [f"{1900 + i:04d}" for i in range(n - len(codes))]


def make_results(
    policies=schema.POLICIES,
    demographies=("MMMM", "LLML"),
    n_seeds: int = 4,
    n_municipalities: int = 5,
    years=YEARS,
    random_state: int = 7,
) -> pd.DataFrame:
    """Results rows with every contract column, one per (year, municipality, policy, demo, seed)."""
    rng = np.random.default_rng(random_state)
    munis = municipality_codes(n_municipalities)
    base_residents = rng.integers(900, 6000, size=n_municipalities)
    hours_per_volunteer = np.linspace(22.0, 60.0, n_municipalities)
    centres = np.ones(n_municipalities, dtype=int)
    centres[-1] = 0  # one municipality without a volunteer centre
    years = np.asarray(years)
    t = (years - years[0]) / max(1, years[-1] - years[0])
    rows = []
    for d_i, demo in enumerate(demographies):
        decline = 0.10 + 0.08 * d_i
        for seed in range(1, n_seeds + 1):
            seed_noise = rng.normal(0, 0.04, size=(n_municipalities, years.size))
            for pol in policies:
                effect = POLICY_EFFECT.get(pol, 1.0)
                noise = seed_noise + rng.normal(0, 0.01, size=seed_noise.shape)
                for m_i, muni in enumerate(munis):
                    residents = np.round(base_residents[m_i] * (1 - decline * t)).astype(int)
                    r70 = np.round(residents * (0.16 + 0.08 * t)).astype(int)
                    r80 = np.round(r70 * 0.45).astype(int)
                    trend = effect ** (0.3 + t) * (1 - 0.15 * t)
                    share = np.clip(0.18 * trend * (1 + noise[m_i]), 0.01, 0.6)
                    if centres[m_i] == 0:
                        share = share * 0.0
                    volunteers = np.round(residents * share).astype(int)
                    cohorts = {
                        c: np.round(volunteers * s).astype(int) for c, s in COHORT_SHARE.items()
                    }
                    cohorts["adult"] = volunteers - sum(
                        v for c, v in cohorts.items() if c != "adult"
                    )
                    vol_hours = volunteers * hours_per_volunteer[m_i]
                    demand = r70 * 60.0 + residents * 4.0
                    covered = np.minimum(vol_hours * 0.7, demand)
                    coverage = np.where(demand > 0, covered / demand, 0.0)
                    orders = np.round(volunteers * (0.3 if pol == "mobilisation" else 0.1))
                    declined = np.round(orders * np.clip(0.1 + 0.4 * t, 0, 1))
                    strain = centres[m_i] * (
                        (0.7 + 0.5 * t) * effect**-1.5 * (1 + 0.5 * noise[m_i])
                    )
                    motivation = np.where(
                        volunteers > 0,
                        np.clip(0.65 + 0.1 * (effect - 1) - 0.1 * t + noise[m_i], 0, 1),
                        0.0,
                    )
                    block = {
                        "year": years,
                        "municipality": muni,
                        "municipality_name": MUNICIPALITIES.get(muni, f"Kommune {muni}"),
                        "policy": pol,
                        "demography": demo,
                        "seed": seed,
                        "replicate": seed - 1,
                        "residents": residents,
                        "residents_70plus": r70,
                        "residents_80plus": r80,
                        "volunteers": volunteers,
                        **{f"volunteers_{c}": v for c, v in cohorts.items()},
                        "volunteer_hours": vol_hours,
                        "hours_ordered": vol_hours * (0.5 if pol == "mobilisation" else 0.2),
                        "hours_cocreated": vol_hours * (0.5 if pol == "cocreation" else 0.1),
                        "demand_hours": demand,
                        "coverage": coverage,
                        "orders_issued": orders.astype(int),
                        "orders_declined": declined.astype(int),
                        "mean_motivation": motivation,
                        "recruits": np.round(volunteers * 0.1).astype(int),
                        "dropouts": np.round(volunteers * 0.09).astype(int),
                        "leader_strain": strain,
                        "leader_turnovers": (strain > 1.1).astype(int) * centres[m_i],
                        "cooperating_centres": centres[m_i] * (pol != "mobilisation"),
                        "leaders_pressured": (strain > 1.0).astype(int),
                        "centres": centres[m_i],
                        "volunteer_deaths": np.round(volunteers * 0.01).astype(int),
                        "volunteer_outmigrants": np.round(volunteers * 0.02).astype(int),
                    }
                    for area, s in AREA_SHARE.items():
                        block[f"demand_hours_{area}"] = demand * s
                        block[f"volunteer_hours_{area}"] = covered * s
                    rows.append(pd.DataFrame(block))
    df = pd.concat(rows, ignore_index=True)
    return df.sort_values(list(schema.KEY_COLUMNS), ignore_index=True)


def make_manifest(
    results: pd.DataFrame,
    lang: str = "en",
    experiment_name: str = "ageing_2050",
    provenance: list | None = None,
    synthetic: bool = True,
) -> dict:
    """A manifest like the one a run writes."""
    manifest = {
        "config": {
            "lang": lang,
            "experiment_name": experiment_name,
            "region": {"name": "synthetic_district_norway"},
            "policies": sorted(set(results["policy"])),
            "demographies": sorted(set(results["demography"])),
            "start_year": int(results["year"].min()),
            "end_year": int(results["year"].max()),
        },
        "synthetic_region": synthetic,
        "version": "0.1.0",
        "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "seeds": sorted(int(s) for s in set(results["seed"])),
        "started": "2025-01-01T10:00:00+00:00",
        "finished": "2025-01-01T10:05:00+00:00",
        "status": "completed",
    }
    if provenance is not None:
        manifest["provenance"] = provenance
    return manifest


EXAMPLE_PROVENANCE = [
    {
        "group": "volunteers",
        "name": "recruit_rate_young_retiree",
        "value": 0.12,
        "source": "Frivillighetsbarometeret 2023, table 4",
    },
    {
        "group": "centre",
        "name": "leader_hours_per_month",
        "value": 120,
        "source": "Survey of frivilligsentraler <2022> & interviews",
    },
]


def write_run(
    run_dir: Path, results: pd.DataFrame | None = None, manifest: dict | None = None, **kw
) -> Path:
    """Write results.parquet and manifest.json into ``run_dir``; return ``run_dir``."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    results = make_results() if results is None else results
    manifest = make_manifest(results, **kw) if manifest is None else manifest
    results.to_parquet(run_dir / "results.parquet", index=False)
    population_by_age(results).to_parquet(run_dir / "population_by_age.parquet", index=False)
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return run_dir


def population_by_age(results: pd.DataFrame) -> pd.DataFrame:
    """Residents by year, sex and age of the first seed and policy, as a run writes them: the
    region's residents spread over ages 0-105, older where the 70+ share is higher."""
    first = results[
        (results["seed"] == results["seed"].min())
        & (results["policy"] == results["policy"].iloc[0])
    ]
    totals = first.groupby(["demography", "year"])[["residents", "residents_70plus"]].sum()
    ages = np.arange(106)
    rows = []
    for (demo, year), row in totals.iterrows():
        old = row["residents_70plus"] / row["residents"]
        weight = np.where(ages >= 70, old / 36, (1 - old) / 70)
        counts = np.round(row["residents"] * weight / weight.sum() / 2).astype(int)
        for sex in ("male", "female"):
            rows.append(
                pd.DataFrame(
                    {
                        "year": year,
                        "sex": sex,
                        "age": ages,
                        "residents": counts,
                        "policy": first["policy"].iloc[0],
                        "demography": demo,
                        "seed": int(results["seed"].min()),
                        "replicate": 0,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)
