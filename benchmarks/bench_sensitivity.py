"""Cost of one sensitivity sample row, and the evaluator against the plain ``run`` function.

    .venv/bin/python benchmarks/bench_sensitivity.py [--municipalities 24] [--repeats 3]

Prints seconds per simulation to 2050 for the plain function (``frivilligsim.run``, which
composes the config and builds the results table each time) and for ``outcomes.Evaluator``
(world, rates and presets built once), measured side by side in one process, and the
projected time of the default Morris and Sobol designs. docs/calibration.md quotes the output.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import frivilligsim
from frivilligsim.analysis.outcomes import Evaluator
from frivilligsim.analysis.sensitivity import assumption_parameters, representative_subset
from frivilligsim.core.rng import replicate_seed
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import world_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--municipalities", type=int, default=24, help="0: the whole region")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    base = validate(load_config([]))
    overrides = []
    if args.municipalities:
        codes = representative_subset(world_for(base.region).region, args.municipalities)
        overrides = [f"region.municipalities=[{','.join(codes)}]"]
    run = validate(load_config(overrides))
    evaluator = Evaluator(run)
    evaluator.totals(1)  # compile and warm caches
    frivilligsim.run(overrides, seed=1)

    t = time.perf_counter()
    for r in range(args.repeats):
        frivilligsim.run(overrides, seed=r)
    plain = (time.perf_counter() - t) / args.repeats
    t = time.perf_counter()
    for r in range(args.repeats):
        evaluator.totals(replicate_seed(r, 0))
    fast = (time.perf_counter() - t) / args.repeats

    k = len(assumption_parameters())
    design = validate(load_config(["experiment=sensitivity"])).sensitivity
    morris_rows = design.trajectories * (k + 1)
    sobol_rows = design.sobol_samples * (design.sobol_top + 2)
    runs = 3 * design.seeds * (morris_rows + sobol_rows)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(
        f"{evaluator.world.n_municipalities} municipalities, 2024-2050, {evaluator.world.n_residents.sum():,} residents"
    )
    print(f"frivilligsim.run : {plain:.3f} s per simulation")
    print(f"Evaluator        : {fast:.3f} s per simulation ({plain / fast:.2f}x faster)")
    print(
        f"experiment=sensitivity design: Morris r={design.trajectories} ({morris_rows} rows) + Sobol "
        f"N={design.sobol_samples}, top {design.sobol_top} ({sobol_rows} rows), 3 policies x "
        f"{design.seeds} seeds = {runs} simulations ~ {runs * fast / 3600:.1f} h at this size, one core"
    )


if __name__ == "__main__":
    main()
