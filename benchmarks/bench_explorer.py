"""How long the scenario explorer waits for the fast engine when a planner changes something.

    python benchmarks/bench_explorer.py [--seeds 10] [--repeats 5]

For the smallest, the median and the largest municipality of the default region: the wall time
of a new projection (one policy, ``--seeds`` seeds, 2024-2050: set-up plus runs plus the yearly
table), which is what moving a lever costs, and of a new municipality (the chosen policy and
the baseline, two projections). Compilation is excluded (one warm-up run first); the explorer
keeps projections in memory, so going back to an earlier choice costs nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

from frivilligsim.explorer import projection
from frivilligsim.explorer import state as st


def _median_seconds(requests, base, repeats: int) -> float:
    """Median wall time of running ``requests`` one after another, uncached."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        for request in requests:
            projection.simulate(base, request)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cat = st.catalogue()
    table = cat.municipalities[cat.municipalities["centres"] > 0].sort_values("residents")
    picks = {
        "smallest": table.iloc[0],
        "median": table.iloc[len(table) // 2],
        "largest": table.iloc[-1],
    }
    first = st.initial_choice(cat, str(table["code"].iloc[0]))
    projection.simulate(  # warm-up: compile the kernels
        cat.run, projection.Request(first.municipality, cat.presets["cocreation"], "MMMM", 1)
    )
    print(f"{args.seeds} seeds, 2024-2050, median of {args.repeats} repeats")
    for label, row in picks.items():
        choice = st.initial_choice(cat, str(row["code"]), seeds=args.seeds)
        policy = projection.Request(
            choice.municipality, st.chosen_policy(choice, cat), "MMMM", args.seeds
        )
        baseline = projection.Request(
            choice.municipality, cat.presets[choice.baseline], "MMMM", args.seeds
        )
        lever = _median_seconds([policy], cat.run, args.repeats)
        both = _median_seconds([policy, baseline], cat.run, args.repeats)
        print(
            f"{label:8s} {row['code']} ({int(row['residents']):>6,} residents): "
            f"a lever {lever:.2f} s, "
            f"a municipality {both:.2f} s"
        )


if __name__ == "__main__":
    main()
