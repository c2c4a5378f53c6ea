"""Build the embedded synthetic District Norway region (src/frivilligsim/data/synthetic/).

Usage:  .venv/bin/python scripts/make_default_region.py [--out DIR]

The output is byte-for-byte reproducible: every random choice is a keyed draw from
``frivilligsim.core.rng`` (purpose REGION_BUILD, fixed seed ``region.BUILD_SEED``), the gzip header
carries no timestamp, and floats are written rounded.

What is built (sources in the README written next to the files):
- 212 municipalities, 104 of centrality 5 and 108 of centrality 6 (L230-231), with a skewed
  (log-normal) size distribution scaled to about 750 000 residents (L1076);
- 210 centres in 189 municipalities: 172 with one, 13 with two, 4 with three (L244-247);
- categorical attributes by exact quota (report shares), continuous ones as assumptions;
- residents by sex and single year of age on 1 January 2024 from a rural age profile, tilted
  per municipality (centrality 6 older), so that 17 % of the region is 70+ (L1084).
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from frivilligsim.core import rng  # noqa: E402
from frivilligsim.core.schema import N_AGES  # noqa: E402
from frivilligsim.inputs.region import (  # noqa: E402
    _SUB_AGEING,
    _SUB_CENTRALITY,
    _SUB_ROUNDING,
    _SUB_SIZE,
    BUILD_SEED,
    N_MUNICIPALITIES,
    _assign_by_quota,
    centre_counts,
    synthesise_centres,
    synthesise_municipal_attributes,
)

TOTAL_RESIDENTS = 750_000  # L1076 "ca. 750 000 innbyggere"
SHARE_70PLUS = 0.17  # L1084 "ca. 17 prosent i 2024"
# assumption: log-normal municipality sizes; medians and spreads chosen so most district
# municipalities have 1 000-10 000 residents and centrality 5 ones are larger (MODEL.md s. 5)
SIZE_MEDIAN = {5: 4300.0, 6: 1900.0}
SIZE_SIGMA = {5: 0.62, 6: 0.62}
SIZE_BOUNDS = (180.0, 40000.0)
# assumption: municipality ageing tilt (0 = the base profile); centrality 6 is older
AGEING_MEAN = {5: -0.08, 6: 0.12}
AGEING_SD = 0.12

# assumption: relative residents per single year of age in a rural Norwegian municipality on
# 1 January 2024 (shape of SSB table 07459 for centrality 5-6: thin 20-35 after out-migration,
# large cohorts born 1950-1970, small recent birth cohorts). Linearly interpolated.
AGE_ANCHORS = [
    (0, 0.80),
    (4, 0.86),
    (9, 0.98),
    (14, 1.06),
    (18, 1.10),
    (21, 0.88),
    (25, 0.88),
    (30, 0.95),
    (35, 1.00),
    (40, 1.03),
    (45, 1.08),
    (50, 1.20),
    (55, 1.27),
    (60, 1.26),
    (65, 1.22),
    (70, 1.20),
    (75, 1.06),
    (80, 0.72),
    (85, 0.44),
    (90, 0.22),
    (95, 0.065),
    (100, 0.010),
    (105, 0.0008),
]
# assumption: share of males by age (rural male surplus at working ages, female majority among
# the very old from their lower mortality)
MALE_SHARE_ANCHORS = [
    (0, 0.513),
    (20, 0.525),
    (30, 0.535),
    (60, 0.515),
    (70, 0.495),
    (80, 0.445),
    (90, 0.35),
    (100, 0.22),
    (105, 0.18),
]


def _interp(anchors) -> np.ndarray:
    x, y = zip(*anchors, strict=True)
    return np.interp(np.arange(N_AGES), x, y)


def _u(entity: int, sub: int, time: int = 0) -> float:
    return rng.uniform(BUILD_SEED, entity, time, rng.REGION_BUILD, sub)


def municipality_sizes(keys: np.ndarray, centrality: np.ndarray) -> np.ndarray:
    """Stratified log-normal sizes (no sampling noise in the shape), scaled to the total."""
    sizes = np.empty(len(keys))
    for k in (5, 6):
        idx = np.flatnonzero(centrality == k)
        # keyed order of the strata within the class
        order = idx[np.argsort([_u(int(keys[i]), _SUB_SIZE) for i in idx], kind="stable")]
        q = (np.arange(len(idx)) + 0.5) / len(idx)
        z = np.array([NormalDist().inv_cdf(p) for p in q])
        sizes[order] = SIZE_MEDIAN[k] * np.exp(SIZE_SIGMA[k] * z)
    sizes = np.clip(sizes, *SIZE_BOUNDS)
    return sizes * TOTAL_RESIDENTS / sizes.sum()


def age_profiles(keys, centrality, sizes) -> np.ndarray:
    """Expected residents [n, 2, 106] with the region's 70+ share equal to SHARE_70PLUS."""
    base = _interp(AGE_ANCHORS)
    male = _interp(MALE_SHARE_ANCHORS)
    z = np.clip((np.arange(N_AGES) - 45.0) / 30.0, -1.5, 2.0)
    noise = np.array(
        [NormalDist().inv_cdf(min(max(_u(int(k), _SUB_AGEING), 1e-6), 1 - 1e-6)) for k in keys]
    )
    tilt = np.array([AGEING_MEAN[int(c)] for c in centrality]) + AGEING_SD * noise

    def expected(shift: float) -> np.ndarray:
        w = base[None, :] * np.exp((tilt[:, None] + shift) * z[None, :])
        w = w / w.sum(axis=1, keepdims=True) * sizes[:, None]
        return np.stack([w * male[None, :], w * (1.0 - male[None, :])], axis=1)

    lo, hi = -1.0, 1.0
    for _ in range(60):  # bisection: the 70+ share rises with the shift
        mid = 0.5 * (lo + hi)
        e = expected(mid)
        if e[:, :, 70:].sum() / e.sum() < SHARE_70PLUS:
            lo = mid
        else:
            hi = mid
    return expected(0.5 * (lo + hi))


def round_counts(keys, expected: np.ndarray) -> np.ndarray:
    """Keyed stochastic rounding: floor(x + u), one draw per municipality, sex and age."""
    out = np.empty(expected.shape, np.int64)
    for m, k in enumerate(keys):
        for s in range(2):
            for a in range(N_AGES):
                u = _u(int(k), _SUB_ROUNDING + s * N_AGES + a)
                out[m, s, a] = int(np.floor(expected[m, s, a] + u))
    return out


def build() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    n = sum(N_MUNICIPALITIES.values())
    codes = [f"S{i:03d}" for i in range(1, n + 1)]
    keys = np.arange(1, n + 1, dtype=np.int64)
    centrality = _assign_by_quota(
        keys, tuple(N_MUNICIPALITIES), tuple(N_MUNICIPALITIES.values()), _SUB_CENTRALITY
    ).astype(np.int64)
    sizes = municipality_sizes(keys, centrality)
    population = round_counts(keys, age_profiles(keys, centrality, sizes))
    residents = population.sum(axis=(1, 2))
    names = [
        f"Synthetic municipality {i:03d} (K{c})"
        for i, c in zip(range(1, n + 1), centrality, strict=True)
    ]
    munis = pd.concat(
        [
            pd.DataFrame({"municipality": codes, "name": names, "centrality": centrality}),
            synthesise_municipal_attributes(codes, centrality, residents),
        ],
        axis=1,
    )
    centres = synthesise_centres(codes, centre_counts(codes, residents))
    return munis, centres, population


HEADER = (
    "# SYNTHETIC data: frivilligsim's embedded District Norway region. Not real municipalities.\n"
    "# Made by scripts/make_default_region.py; see README.md in this folder for sources.\n"
)


def write(out: Path) -> None:
    munis, centres, population = build()
    out.mkdir(parents=True, exist_ok=True)
    (out / "municipalities.csv").write_text(HEADER + munis.to_csv(index=False, lineterminator="\n"))
    (out / "centres.csv").write_text(HEADER + centres.to_csv(index=False, lineterminator="\n"))
    rows = []
    for m, code in enumerate(munis["municipality"]):
        for s in range(2):
            rows.append([code, s, *population[m, s].tolist()])
    wide = pd.DataFrame(
        rows, columns=["municipality", "sex", *[f"a{a:03d}" for a in range(N_AGES)]]
    )
    text = (
        HEADER
        + "# sex: 0 male, 1 female; aNNN: residents aged NNN on 1 January 2024 (a105 = 105+)\n"
    )
    text += wide.to_csv(index=False, lineterminator="\n")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode())
    (out / "population.csv.gz").write_bytes(buf.getvalue())
    total = int(population.sum())
    print(
        f"wrote {out}: {len(munis)} municipalities, {len(centres)} centres, {total} residents, "
        f"70+ share {population[:, :, 70:].sum() / total:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "src" / "frivilligsim" / "data" / "synthetic"
    )
    write(parser.parse_args().out)


if __name__ == "__main__":
    main()
