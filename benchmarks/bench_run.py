"""``frivilligsim.run()`` for one District Norway replicate: the whole call against the engine alone.

    python benchmarks/bench_run.py                 # about a minute
    python benchmarks/bench_run.py --repeat 7 --fresh 3

1. A fresh process (``--fresh`` of them, one after another): importing frivilligsim, the first
   ``frivilligsim.run()`` (libraries imported, the config composed, numba's compiled functions
   loaded from their on-disk cache, the world and the demography rates built), then the same
   call again (what a process reuses: see ``scenario/setup.py``). Wall and processor time.
2. In this process, warm: the engine alone (``fast.simulate_batch`` for the replicate's job, as
   the runner calls it) and ``frivilligsim.run()`` for the same replicate, alternately, best
   of ``--repeat``; what run() costs on top of the engine (config, setup, results table).
3. In this process, every in-memory cache emptied before each call (the world, the composed
   config, option files, rates): ``frivilligsim.run()`` with libraries and numba already
   loaded, best of ``--repeat``.

Works on older trees too (caches it does not find are skipped), so two trees can be compared
through this one script:

    for t in /tmp/main_tree $PWD; do PYTHONPATH=$t/src python benchmarks/bench_run.py; done
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def load_line() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(work):
    t0, c0 = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - t0, time.process_time() - c0


def fresh_child() -> dict:
    """Runs in a new process: import, first call, second call."""
    t0, c0 = time.perf_counter(), time.process_time()
    import frivilligsim

    imported = (time.perf_counter() - t0, time.process_time() - c0)
    first = timed(lambda: frivilligsim.run([], seed=1))
    again = timed(lambda: frivilligsim.run([], seed=2))
    return {"import": imported, "first": first, "again": again}


def clear_caches() -> None:
    """Empty every in-memory cache ``frivilligsim.run()`` may use (those this tree has)."""
    from frivilligsim.core import demography
    from frivilligsim.inputs import projection
    from frivilligsim.scenario import setup
    from frivilligsim.simulation import runner

    for owner, name in (
        (setup, "_world_for"),
        (runner, "_composed"),
        (demography, "_cached_death_schedule"),
        (projection, "ssb_projection"),
    ):
        if hasattr(owner, name):
            getattr(owner, name).cache_clear()
    if hasattr(setup, "_OPTIONS"):
        setup._OPTIONS.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fresh", type=int, default=2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(fresh_child()))
        return

    import frivilligsim
    from frivilligsim.engines import fast
    from frivilligsim.scenario.config import load_config, validate
    from frivilligsim.scenario.setup import prepare, scenarios

    print(f"tree: {frivilligsim.__file__}")
    print(f"cores {os.cpu_count()}; NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', '-')}")
    print(f"{load_line()}")
    for k in range(args.fresh):
        child = subprocess.run(
            [sys.executable, __file__, "--child"], capture_output=True, text=True, check=True
        )
        info = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"1. fresh process {k + 1}: import {info['import'][0]:.2f} s "
            f"(CPU {info['import'][1]:.2f}); first run() {info['first'][0]:.2f} s "
            f"(CPU {info['first'][1]:.2f}); again {info['again'][0]:.2f} s "
            f"(CPU {info['again'][1]:.2f}); {load_line()}"
        )

    run = validate(load_config([]))
    scenario = scenarios(run)[0]
    setup = prepare(run)
    engine_best = run_best = (float("inf"), float("inf"))
    frivilligsim.run([], seed=run.seed)
    for _ in range(args.repeat):
        job = fast.job_of_setup(setup, scenario.seed)
        engine = timed(
            lambda job=job: fast.simulate_batch(
                [job], threads=run.engine.threads, check=run.engine.check_invariants
            )
        )
        whole = timed(lambda: frivilligsim.run([], seed=run.seed))
        engine_best, run_best = min(engine_best, engine), min(run_best, whole)
    print(
        f"2. warm, best of {args.repeat}: engine alone {engine_best[0]:.3f} s "
        f"(CPU {engine_best[1]:.3f}); run() {run_best[0]:.3f} s (CPU {run_best[1]:.3f}); "
        f"run() - engine {run_best[0] - engine_best[0]:.3f} s "
        f"(CPU {run_best[1] - engine_best[1]:.3f}); {load_line()}"
    )
    rebuilt = (float("inf"), float("inf"))
    for _ in range(args.repeat):
        clear_caches()
        rebuilt = min(rebuilt, timed(lambda: frivilligsim.run([], seed=run.seed)))
    print(
        f"3. caches emptied, best of {args.repeat}: run() {rebuilt[0]:.3f} s "
        f"(CPU {rebuilt[1]:.3f}); {load_line()}"
    )


if __name__ == "__main__":
    main()
