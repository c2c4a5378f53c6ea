"""The region's volunteer flows year by year, the spin-up's years included.

Usage:  .venv/bin/python scripts/volunteer_flows.py [--seed N] [--every K] [OVERRIDE ...]
e.g.    .venv/bin/python scripts/volunteer_flows.py demography=static

Runs one scenario (the config's first policy and demography, the usual config overrides) with
the fast engine and prints region totals for every K-th year from the first spin-up year
(spin-up years are numbered back from the start year, -15 to -1, and are 2024's population
held still) to the end: volunteers, recruits, dropouts,
volunteers who died or moved away, and all residents' deaths and moves. It shows whether the
stock the spin-up settles at is one the run proper sustains: the spin-up freezes demography,
so no volunteer dies or moves away in it (docs/uncertainty.md, "Before reading the trend").
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from frivilligsim.engines import fast
from frivilligsim.engines import layout as L
from frivilligsim.errors import FrivilligsimError
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import prepare

COLUMNS = (
    "volunteers",
    "recruits",
    "dropouts",
    "volunteer_deaths",
    "volunteer_outmigrants",
    "residents",
    "deaths",
    "in_migrants",
    "out_migrants",
)


def flows(overrides: list[str], seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(years from the start year, region totals [year, COLUMNS], the start year)."""
    setup = prepare(validate(load_config(overrides)))
    out, _ = fast.simulate_batch([fast.job_of_setup(setup, seed)], keep_spinup=True)[0]
    spinup = int(setup.params["spinup_years"])
    years = np.arange(out.shape[1]) - spinup
    totals = np.stack([out[:, :, L.OUTPUT_COLUMNS.index(c)].sum(axis=0) for c in COLUMNS], 1)
    return years, totals, int(setup.run.start_year)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="the replicate seed (default 1)")
    parser.add_argument("--every", type=int, default=1, help="print every K-th year")
    parser.add_argument("overrides", nargs="*", help="config overrides, as for -m frivilligsim")
    args = parser.parse_args(argv)
    if args.every < 1:
        parser.error("--every must be at least 1")
    try:
        years, totals, start = flows(args.overrides, args.seed)
    except FrivilligsimError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{'year':>12s} " + " ".join(COLUMNS))
    for k in range(0, len(years), args.every):
        year = f"spin-up {years[k]:d}" if years[k] < 0 else str(start + years[k])
        print(
            f"{year:>12s} "
            + " ".join(f"{v:{len(c)}.0f}" for v, c in zip(totals[k], COLUMNS, strict=True))
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
