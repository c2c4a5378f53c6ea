"""The ensemble's workload: many District Norway replicates to 2050, measured.

    python benchmarks/bench_batch.py                   # 1 000 replicates, all cores
    python benchmarks/bench_batch.py --replicates 96   # a measured fraction

Runs ``--replicates`` replicates of the default scenario (District Norway's 212 real
municipalities, as_planned, MMMM, 2024-2050) through ``fast.simulate_batch`` in batches of
``--batch`` (what ``simulation.runner.run_scenarios`` does for the fast engine), after one
warm-up batch (compilation excluded), and reduces each replicate to its regional yearly
volunteers, as an ensemble would keep. Prints the wall time, the time per replicate, the
projection to 1 000 replicates when fewer were run (plainly marked as a projection), the
load average before and after, and the mean and spread of the 2050 volunteers.

``--runner`` times ``frivilligsim.run(["replicates=N"])`` instead: the same replicates with
the results table built for each (the plain-function form of the model).
"""

from __future__ import annotations

import argparse
import os
import time

import numba
import numpy as np

from frivilligsim.core.rng import replicate_seed
from frivilligsim.engines import fast, layout
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import prepare

TARGET = 1000


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def engine_batches(replicates: int, batch: int, threads: int | None) -> tuple[float, np.ndarray]:
    run = validate(load_config([]))
    setup = prepare(run)
    args = (setup.world, setup.params, setup.lever_base, setup.lever_policy, setup.start_month)
    fast.simulate_batch(*args, setup.rates, [1], setup.n_months, check=False, threads=threads)
    seeds = [replicate_seed(run.seed, r) for r in range(replicates)]
    volunteers = []
    t0 = time.perf_counter()
    for lo in range(0, replicates, batch):
        out, _ = fast.simulate_batch(
            *args,
            setup.rates,
            seeds[lo : lo + batch],
            setup.n_months,
            check=run.engine.check_invariants,
            threads=threads,
        )
        volunteers.append(out[:, :, :, layout.VOLS].sum(axis=1))  # [replicate, year]
    return time.perf_counter() - t0, np.concatenate(volunteers)


def runner_replicates(replicates: int) -> tuple[float, np.ndarray]:
    import frivilligsim

    frivilligsim.run(["replicates=2"])
    t0 = time.perf_counter()
    table = frivilligsim.run([f"replicates={replicates}"])
    seconds = time.perf_counter() - t0
    last = table[table["year"] == table["year"].max()]
    return seconds, last.groupby("replicate")["volunteers"].sum().to_numpy()[:, None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=TARGET)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--runner", action="store_true")
    args = parser.parse_args()
    before = load()
    if args.runner:
        seconds, volunteers = runner_replicates(args.replicates)
        what = "frivilligsim.run (results tables built)"
    else:
        seconds, volunteers = engine_batches(args.replicates, args.batch, args.threads)
        what = f"fast.simulate_batch, batches of {args.batch}"
    threads = args.threads or numba.config.NUMBA_NUM_THREADS
    print(
        f"{args.replicates} District Norway replicates 2024-2050, {what}, {threads} threads: "
        f"{seconds:.1f} s wall, {seconds / args.replicates:.3f} s per replicate "
        f"(load average before {before}, after {load()})"
    )
    if args.replicates < TARGET:
        print(
            f"  projection, not measured: {TARGET} replicates at this rate "
            f"= {seconds / args.replicates * TARGET / 60:.1f} min"
        )
    final = volunteers[:, -1]
    print(
        f"  volunteers in 2050: mean {final.mean():,.0f}, sd {final.std(ddof=1):,.0f} "
        f"over {len(final)} replicates"
    )


if __name__ == "__main__":
    main()
