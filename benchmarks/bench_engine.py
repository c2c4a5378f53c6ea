"""Engine benchmarks, measured side by side in one run on this machine.

    python benchmarks/bench_engine.py            # all four
    python benchmarks/bench_engine.py --skip-mesa --skip-norway

1. Fast engine against the Mesa model on the same single municipality (about 5 000 residents,
   synthetic region, 2024-2050): resident-months per second and their ratio.
2. The default region (District Norway's 212 real municipalities, 774 174 residents), one
   replicate 2024-2050, engine alone on 1 thread and on 2 threads; a batch of replicates
   (``fast.simulate_batch``) on 1 and 2 threads; ``frivilligsim.run()`` for one replicate,
   first call (world built) and again (world cached), including the results table.
3. The real all-Norway region (``region=norway``, 357 municipalities, 5.55 million residents),
   one replicate on 2 threads: wall time and peak memory (in a child process, so its peak
   RSS is its own).
4. Nanoseconds per resident-month, against a minimal numba loop that only draws one keyed
   random number and updates one field per resident: the practical floor on this hardware.

Compilation is excluded (each workload runs once to warm up). Invariant checks are off, as a
researcher's production run would have them on or off; the cost of checks is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

import numba
import numpy as np
from numba import njit

from frivilligsim.core import rng
from frivilligsim.engines import fast, layout
from frivilligsim.inputs.region import load_synthetic_region
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import prepare


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; numba {numba.__version__}"


def time_fast(setup, threads, check=False, repeat=3, seeds=None):
    """Best wall time of the engine alone on a prepared scenario (warm), and resident-months."""
    seeds = [1] if seeds is None else seeds
    args = (setup.world, setup.params, setup.lever_base, setup.lever_policy, setup.start_month)
    fast.simulate_batch(*args, setup.rates, seeds, setup.n_months, check=check, threads=threads)
    best = np.inf
    for k in range(repeat):
        shifted = [seed + 1000 * (k + 1) for seed in seeds]
        t0, c0 = time.perf_counter(), time.process_time()
        out, _ = fast.simulate_batch(
            *args, setup.rates, shifted, setup.n_months, check=check, threads=threads
        )
        wall = time.perf_counter() - t0
        if wall < best:
            best, CPU_SECONDS[0] = wall, time.process_time() - c0
    resident_months = out[0, :, :, layout.RESIDENTS].sum() * 12
    return best, resident_months


CPU_SECONDS = [0.0]  # processor time of the best run timed last (all threads), for the record


def time_run(overrides=()):
    """``frivilligsim.run()`` for one replicate: first call builds the world, second reuses it."""
    import frivilligsim
    from frivilligsim.scenario import setup as scenario_setup

    scenario_setup._world_for.cache_clear()
    t0 = time.perf_counter()
    frivilligsim.run(list(overrides))
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    table = frivilligsim.run(list(overrides))
    return first, time.perf_counter() - t0, len(table)


# ---- 4. the floor -------------------------------------------------------------------------------
@njit(cache=True)
def _minimal_loop(ids, field, n_months, seed):
    for month in range(n_months):
        stream = rng.stream_key(seed, month, rng.DROPOUT)
        for i in range(ids.shape[0]):
            field[i] = 0.99 * field[i] + 0.01 * rng.draw(stream, ids[i])


def time_floor(n_residents, n_months, repeat=3):
    ids = np.arange(n_residents, dtype=np.int64) + (1 << 32)
    field = np.zeros(n_residents)
    _minimal_loop(ids[:10], field[:10], 1, 1)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        _minimal_loop(ids, field, n_months, 1)
        best = min(best, time.perf_counter() - t0)
    return best


# ---- 3. the real all-Norway region -------------------------------------------------------------
def norway_child() -> dict:
    t0 = time.perf_counter()
    setup = prepare(validate(load_config(["region=norway"])))
    build = time.perf_counter() - t0
    seconds, resident_months = time_fast(setup, threads=None, repeat=1)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "build_seconds": build,
        "seconds": seconds,
        "residents": int(setup.world.n_residents.sum()),
        "municipalities": setup.world.n_municipalities,
        "peak_rss_gib": peak_kib / 2**20,
        "resident_months": float(resident_months),
    }


# ---- 1. fast against Mesa ----------------------------------------------------------------------
def mesa_comparison(code: str):
    try:
        from frivilligsim.engines.mesa.model import FrivilligModel
    except ImportError as exc:
        print(f"1. Mesa comparison skipped: {exc}")
        return None
    one = prepare(validate(load_config(["region=synthetic", f"region.municipalities=[{code}]"])))
    fast_seconds, resident_months = time_fast(one, threads=1, repeat=3)
    FrivilligModel(
        municipalities=[code],
        policy="as_planned",
        seed=1,
        end_year=2025,
        overrides=["region=synthetic"],
    ).run_model()
    mesa_seconds = np.inf
    for seed in (1, 2):
        model = FrivilligModel(
            municipalities=[code], policy="as_planned", seed=seed, overrides=["region=synthetic"]
        )
        t0 = time.perf_counter()  # the run only; building the config is not counted
        model.run_model()
        mesa_seconds = min(mesa_seconds, time.perf_counter() - t0)
    return fast_seconds, mesa_seconds, resident_months


def pick_municipality(target=5000) -> str:
    region = load_synthetic_region()
    sizes = region.population.reshape(len(region.municipalities), -1).sum(axis=1)
    return str(region.municipalities["municipality"].iloc[int(np.argmin(np.abs(sizes - target)))])


def load_line() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-mesa", action="store_true")
    parser.add_argument("--skip-norway", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(norway_child()))
        return

    print(f"machine: {machine()}; {load_line()}")
    print(f"numba threading layer default threads: {numba.config.NUMBA_NUM_THREADS}")
    setup = prepare(validate(load_config([])))
    world = setup.world
    n_months = setup.n_months

    if not args.skip_mesa:
        code = pick_municipality()
        measured = mesa_comparison(code)
        if measured:
            fast_s, mesa_s, rm = measured
            print(
                f"1. one municipality ({code}, {rm / n_months:,.0f} residents on average, "
                f"2024-2050, 1 thread): fast {rm / fast_s:,.0f} resident-months/s ({fast_s:.3f} s); "
                f"Mesa model {rm / mesa_s:,.0f} resident-months/s ({mesa_s:.2f} s), ratio "
                f"{mesa_s / fast_s:,.0f}x"
            )

    one, rm = time_fast(setup, threads=1)
    one_cpu = CPU_SECONDS[0]
    two, _ = time_fast(setup, threads=2)
    two_cpu = CPU_SECONDS[0]
    checked, _ = time_fast(setup, threads=1, check=True)
    print(
        f"2. District Norway ({int(world.n_residents.sum()):,} residents, 2024-2050, one replicate, "
        f"engine alone, warm): 1 thread {one:.3f} s (CPU {one_cpu:.3f} s), 2 threads {two:.3f} s "
        f"(CPU {two_cpu:.3f} s; speed-up {one / two:.2f}x); with invariant checks on 1 thread "
        f"{checked:.3f} s; {load_line()}"
    )
    seeds = list(range(1, 9))
    batch_one, _ = time_fast(setup, threads=1, repeat=1, seeds=seeds)
    batch_two, _ = time_fast(setup, threads=2, repeat=1, seeds=seeds)
    print(
        f"   a batch of {len(seeds)} replicates (simulate_batch): 1 thread {batch_one:.2f} s "
        f"({batch_one / len(seeds):.3f} s each), 2 threads {batch_two:.2f} s "
        f"({batch_two / len(seeds):.3f} s each), speed-up {batch_one / batch_two:.2f}x; {load_line()}"
    )
    first, again, rows = time_run()
    print(
        f"   frivilligsim.run() one replicate ({rows:,} rows): first call {first:.2f} s "
        f"(world built), again {again:.2f} s (world cached)"
    )

    if not args.skip_norway:
        child = subprocess.run(
            [sys.executable, __file__, "--child"], capture_output=True, text=True, check=True
        )
        info = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"3. all-Norway real region ({info['residents']:,} residents, "
            f"{info['municipalities']} municipalities, 2024-2050, {numba.config.NUMBA_NUM_THREADS} "
            f"threads): {info['seconds']:.2f} s wall (setup incl. world build "
            f"{info['build_seconds']:.2f} s), peak memory {info['peak_rss_gib']:.2f} GiB; {load_line()}"
        )

    floor = time_floor(int(world.n_residents.sum()), n_months)
    ns_model = one / rm * 1e9
    ns_floor = floor / (world.n_residents.sum() * n_months) * 1e9
    print(
        f"4. ns per resident-month on 1 thread: model {ns_model:.2f} ns, minimal keyed-draw loop "
        f"{ns_floor:.2f} ns; model/floor = {ns_model / ns_floor:.2f}x"
    )


if __name__ == "__main__":
    # numba.set_num_threads cannot exceed the pool size fixed at import; keep 2 available.
    main()
