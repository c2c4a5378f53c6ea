"""Engine benchmarks, measured side by side in one run on this machine.

    python benchmarks/bench_engine.py            # all four
    python benchmarks/bench_engine.py --skip-mesa --skip-norway

1. Fast engine against the Mesa model on the same single municipality (about 5 000 residents,
   2024-2050): resident-months per second and their ratio.
2. The District Norway default region, one replicate 2024-2050, on 1 thread and on 2 threads.
3. A synthetic all-Norway-sized region (about 5.5 million residents in 357 municipalities):
   wall time and peak memory (run in a child process so its peak RSS is its own).
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
from dataclasses import replace

import numba
import numpy as np
import pandas as pd
from numba import njit

from frivilligsim.core import rng
from frivilligsim.core.demography import build_rates
from frivilligsim.core.parameters import as_record
from frivilligsim.engines import fast, layout
from frivilligsim.inputs.region import Region, load_synthetic_region
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import policy_for
from frivilligsim.scenario.setup import presets as _presets
from frivilligsim.scenario.world import build_world, municipality_levers


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


def setup(overrides=()):
    run = validate(load_config(list(overrides)))
    return run


def fast_inputs(run, world):
    presets = _presets(run)
    policy = policy_for(run, run.policy.name)
    rates = build_rates(run.demography, run.start_year, run.end_year)
    base = municipality_levers(world, presets["as_planned"], presets)
    levers = municipality_levers(world, policy, presets)
    n_months = (run.end_year - run.start_year + 1) * 12
    return as_record(run.model), base, levers, rates, n_months


def time_fast(world, run, threads, check=False, repeat=3):
    params, base, levers, rates, n_months = fast_inputs(run, world)
    fast.simulate(world, params, base, levers, 0, rates, 1, n_months, check=check, threads=threads)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out, _ = fast.simulate(
            world, params, base, levers, 0, rates, 1, n_months, check=check, threads=threads
        )
        best = min(best, time.perf_counter() - t0)
    resident_months = out[:, :, layout.RESIDENTS].sum() * 12
    return best, resident_months


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


# ---- 3. all-Norway-sized synthetic region ---------------------------------------------------
def norway_sized_region(n_municipalities=357, residents=5_500_000) -> Region:
    """The default region's municipalities repeated and rescaled to Norway's size (synthetic)."""
    base = load_synthetic_region()
    reps = int(np.ceil(n_municipalities / len(base.municipalities)))
    munis = (
        pd.concat([base.municipalities] * reps, ignore_index=True).iloc[:n_municipalities].copy()
    )
    munis["municipality"] = [f"N{i + 1:03d}" for i in range(n_municipalities)]
    pop = np.concatenate([base.population] * reps)[:n_municipalities].astype(np.float64)
    pop *= residents / pop.sum()
    pop = np.round(pop).astype(np.int64)
    centres = []
    for i, code in enumerate(munis["municipality"]):
        source = base.municipalities["municipality"].iloc[i % len(base.municipalities)]
        rows = base.centres[base.centres["municipality"] == source].copy()
        rows["municipality"] = code
        centres.append(rows)
    centres = pd.concat(centres, ignore_index=True)
    centres["centre_id"] = np.arange(len(centres))
    return Region("norway_sized (synthetic benchmark)", True, munis, centres, pop)


def norway_child() -> dict:
    run = setup()
    t0 = time.perf_counter()
    world = build_world(norway_sized_region())
    build = time.perf_counter() - t0
    seconds, resident_months = time_fast(world, run, threads=None, repeat=1)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "build_seconds": build,
        "seconds": seconds,
        "residents": int(world.n_residents.sum()),
        "municipalities": world.n_municipalities,
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
    run = setup(["region=synthetic", f"region.municipalities=[{code}]"])
    world = build_world(load_synthetic_region())
    sub = build_world(
        replace(
            world.region,
            municipalities=world.region.municipalities[
                world.region.municipalities["municipality"] == code
            ],
            centres=world.region.centres[world.region.centres["municipality"] == code],
            population=world.region.population[world.codes == code],
        )
    )
    fast_seconds, resident_months = time_fast(sub, run, threads=1, repeat=3)
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
    # The Mesa model compiles one loop: the recruitment draw over the non-volunteer pool
    # (agents._recruit_draws). Run once more with that loop as plain Python, the way a Mesa
    # model without numba would do it, to show both reference points.
    from frivilligsim.engines.mesa import agents

    compiled = agents._recruit_draws
    agents._recruit_draws = compiled.py_func
    try:
        model = FrivilligModel(municipalities=[code], policy="as_planned", seed=1)
        t0 = time.perf_counter()
        model.run_model()
        plain_seconds = time.perf_counter() - t0
    finally:
        agents._recruit_draws = compiled
    return fast_seconds, mesa_seconds, plain_seconds, resident_months


def pick_municipality(target=5000) -> str:
    region = load_synthetic_region()
    sizes = region.population.reshape(len(region.municipalities), -1).sum(axis=1)
    return str(region.municipalities["municipality"].iloc[int(np.argmin(np.abs(sizes - target)))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-mesa", action="store_true")
    parser.add_argument("--skip-norway", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(norway_child()))
        return

    print(f"machine: {machine()}")
    print(f"numba threading layer default threads: {numba.config.NUMBA_NUM_THREADS}")
    run = setup()
    world = build_world(load_synthetic_region())
    n_months = (run.end_year - run.start_year + 1) * 12
    results = {}

    if not args.skip_mesa:
        code = pick_municipality()
        measured = mesa_comparison(code)
        if measured:
            fast_s, mesa_s, plain_s, rm = measured
            print(
                f"1. one municipality ({code}, {rm / n_months:,.0f} residents on average, "
                f"2024-2050, 1 thread): fast {rm / fast_s:,.0f} resident-months/s ({fast_s:.3f} s); "
                f"Mesa model {rm / mesa_s:,.0f} resident-months/s ({mesa_s:.2f} s), ratio "
                f"{mesa_s / fast_s:,.0f}x; Mesa model with its recruitment loop in plain Python "
                f"{rm / plain_s:,.0f} resident-months/s ({plain_s:.2f} s), ratio {plain_s / fast_s:,.0f}x"
            )
            results["mesa_ratio"] = mesa_s / fast_s

    one, rm = time_fast(world, run, threads=1)
    two, _ = time_fast(world, run, threads=2)
    checked, _ = time_fast(world, run, threads=1, check=True)
    print(
        f"2. District Norway ({int(world.n_residents.sum()):,} residents, 2024-2050, one replicate): "
        f"1 thread {one:.2f} s, 2 threads {two:.2f} s (speed-up {one / two:.2f}x); "
        f"with invariant checks on 1 thread {checked:.2f} s"
    )
    results.update(one_thread=one, two_threads=two)

    if not args.skip_norway:
        child = subprocess.run(
            [sys.executable, __file__, "--child"], capture_output=True, text=True, check=True
        )
        info = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"3. all-Norway-sized synthetic region ({info['residents']:,} residents, "
            f"{info['municipalities']} municipalities, 2024-2050, {numba.config.NUMBA_NUM_THREADS} threads): "
            f"{info['seconds']:.2f} s wall (world build {info['build_seconds']:.2f} s), "
            f"peak memory {info['peak_rss_gib']:.2f} GiB"
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
