"""One District Norway replicate through ``fast.simulate``, for comparing two source trees.

    for t in /tmp/engine_before $PWD; do PYTHONPATH=$t/src python benchmarks/bench_replicate.py $t; done

Uses only ``fast.simulate`` and ``scenario.setup.prepare``, which older trees have too. Prints,
for 1 and 2 threads, the best of 5 warm runs (wall and processor time), the load average,
and ``frivilligsim.run()`` for one replicate with the world cached.
"""

from __future__ import annotations

import os
import sys
import time

import frivilligsim
from frivilligsim.engines import fast
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import prepare


def main(label: str) -> None:
    setup = prepare(validate(load_config([])))
    args = (setup.world, setup.params, setup.lever_base, setup.lever_policy, setup.start_month)

    def simulate(threads, seed):
        return fast.simulate(*args, setup.rates, seed, setup.n_months, check=False, threads=threads)

    simulate(1, 1)
    for threads in (1, 2):
        best = (float("inf"), float("inf"))
        for r in range(5):
            t0, c0 = time.perf_counter(), time.process_time()
            simulate(threads, r + 2)
            best = min(best, (time.perf_counter() - t0, time.process_time() - c0))
        print(
            f"{label}: {threads} thread(s) best wall {best[0]:.3f} s (CPU {best[1]:.3f} s); "
            f"load {os.getloadavg()[0]:.2f}"
        )
    frivilligsim.run([])
    t0 = time.perf_counter()
    frivilligsim.run([])
    print(f"{label}: frivilligsim.run() warm {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "this tree")
