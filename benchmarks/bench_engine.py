"""Engine benchmarks on the real regions, measured side by side in one run on this machine.

    python benchmarks/bench_engine.py                      # everything (about 5 minutes)
    python benchmarks/bench_engine.py --skip-norway --replicates 16

1. District Norway (212 real municipalities, 774 174 residents; the default region through
   ``scenario.setup.prepare``), one replicate to 2050, the engine alone, warm: with the
   spin-up (``model.spinup_years``) and without, on 1 and on 2 threads (best of ``--repeat``,
   wall and processor time).
2. ``frivilligsim.run()`` for that replicate, results table included: first call (world
   built) and again (world cached).
3. Nanoseconds per resident-month (the residents and months the replicate simulates, spin-up
   included) against two loops over the same residents and months: the floor (one keyed draw
   per resident compared with a threshold, counted) and the minimal loop (one keyed draw that
   updates one float per resident).
4. The ensemble's workload: ``--replicates`` District replicates on 2 threads (one batch per
   ``--batch`` replicates through ``fast.simulate_batch``), with the time per replicate and a
   projection to 1 000 (marked as such); and one seed's three policies (as the runner batches
   them, sharing one spin-up) against the three run one by one.
5. The real all-Norway region (``region=norway``, 5.55 M residents), one replicate on 2
   threads, in a child process: wall time and its peak resident memory.

Works on older trees too (without ``fast.simulate_batch`` it runs ``fast.simulate`` one job
at a time), so two trees can be compared through this one script:

    for t in /tmp/main_tree $PWD; do PYTHONPATH=$t/src python benchmarks/bench_engine.py; done

Compilation is excluded (each workload runs once first). Invariant checks are off.
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
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import prepare

BATCHED = hasattr(fast, "simulate_batch")


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


def load_line() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def with_spinup(setup, years):
    params = setup.params.copy()
    params["spinup_years"] = years
    return params


def simulate_many(setup, seeds, threads, params=None, lever_policies=None):
    """Each seed (and policy) of ``setup``: one batch on a batched tree, one by one otherwise."""
    params = setup.params if params is None else params
    policies = lever_policies or [setup.lever_policy]
    if BATCHED:
        jobs = [
            fast.Job(
                setup.world,
                params,
                setup.lever_base,
                policy,
                setup.start_month,
                setup.rates,
                seed,
                setup.n_months,
            )  # fmt: skip
            for seed in seeds
            for policy in policies
        ]
        return fast.simulate_batch(jobs, threads=threads, check=False, keep_spinup=True)
    return [
        fast.simulate(
            setup.world,
            params,
            setup.lever_base,
            policy,
            setup.start_month,
            setup.rates,
            seed,
            setup.n_months,
            check=False,
            threads=threads,
            keep_spinup=True,
        )  # fmt: skip
        for seed in seeds
        for policy in policies
    ]


def best_of(work, repeat):
    """Best (wall, processor) seconds of ``repeat`` calls of ``work(k)`` after one warm-up."""
    work(0)
    best = (np.inf, np.inf)
    for k in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        work(k + 1)
        best = min(best, (time.perf_counter() - t0, time.process_time() - c0))
    return best


# ---- 1. one District replicate ------------------------------------------------------------------
def one_replicate(setup, repeat):
    rows = {}
    for years in (int(setup.params["spinup_years"]), 0):
        params = with_spinup(setup, years)
        for threads in (1, 2):
            rows[years, threads] = best_of(
                lambda k, p=params, t=threads: simulate_many(setup, [k + 1], t, p), repeat
            )
    out, _ = simulate_many(setup, [1], 1)[0]
    resident_months = float(out[:, :, layout.RESIDENTS].sum()) * 12
    return rows, resident_months


# ---- 3. the floor and the minimal loop ------------------------------------------------------------
@njit(cache=True)
def _floor_loop(ids, n_months, seed, threshold):
    joined = 0
    for month in range(n_months):
        stream = rng.stream_key(seed, month, rng.RECRUIT)
        for i in range(ids.shape[0]):
            joined += rng.draw(stream, ids[i]) < threshold
    return joined


@njit(cache=True)
def _minimal_loop(ids, field, n_months, seed):
    for month in range(n_months):
        stream = rng.stream_key(seed, month, rng.DROPOUT)
        for i in range(ids.shape[0]):
            field[i] = 0.99 * field[i] + 0.01 * rng.draw(stream, ids[i])


def time_loops(n_residents, n_months, repeat=3):
    ids = np.arange(n_residents, dtype=np.int64) + (1 << 32)
    field = np.zeros(n_residents)
    floor = best_of(lambda k: _floor_loop(ids, n_months, k, 0.001), repeat)[0]
    minimal = best_of(lambda k: _minimal_loop(ids, field, n_months, k), repeat)[0]
    return floor, minimal


# ---- 4. the ensemble's workload -----------------------------------------------------------------
def batch_workload(setup, replicates, batch, threads):
    simulate_many(setup, [1], threads)
    t0, c0 = time.perf_counter(), time.process_time()
    finals = []
    for lo in range(0, replicates, batch):
        seeds = [rng.replicate_seed(2024, r) for r in range(lo, min(replicates, lo + batch))]
        for out, _ in simulate_many(setup, seeds, threads):
            finals.append(out[:, -1, layout.VOLS].sum())
    return time.perf_counter() - t0, time.process_time() - c0, np.asarray(finals)


def shared_spinup(run, repeat):
    """One seed's three policies: one batch (one spin-up) against three runs one by one."""
    setups = [prepare(run, policy) for policy in ("as_planned", "cocreation", "mobilisation")]
    base = setups[0]
    policies = [s.lever_policy for s in setups]
    together = best_of(lambda k: simulate_many(base, [k + 1], 2, lever_policies=policies), repeat)
    alone = best_of(
        lambda k: [simulate_many(base, [k + 1], 2, lever_policies=[p]) for p in policies], repeat
    )
    return together, alone


# ---- 5. the real all-Norway region ---------------------------------------------------------------
def norway_child() -> dict:
    t0 = time.perf_counter()
    setup = prepare(validate(load_config(["region=norway"])))
    build = time.perf_counter() - t0
    simulate_many(setup, [1], 2)
    t0 = time.perf_counter()
    simulate_many(setup, [2], 2)
    seconds = time.perf_counter() - t0
    return {
        "build_seconds": build,
        "seconds": seconds,
        "residents": int(setup.world.n_residents.sum()),
        "municipalities": setup.world.n_municipalities,
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


def time_run():
    import frivilligsim
    from frivilligsim.scenario import setup as scenario_setup

    scenario_setup._world_for.cache_clear()
    t0 = time.perf_counter()
    frivilligsim.run([])
    first = time.perf_counter() - t0
    again = best_of(lambda k: frivilligsim.run([], seed=k + 1), 2)[0]
    return first, again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-norway", action="store_true")
    parser.add_argument("--replicates", type=int, default=32)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(norway_child()))
        return
    print(f"tree: {fast.__file__}")
    print(f"machine: {machine()}; {load_line()}")
    run = validate(load_config([]))
    setup = prepare(run)
    n_res = int(setup.world.n_residents.sum())
    spin = int(setup.params["spinup_years"])
    rows, resident_months = one_replicate(setup, args.repeat)
    print(f"1. District Norway ({n_res:,} residents), one replicate to 2050, engine alone, warm:")
    for (years, threads), (wall, cpu) in rows.items():
        speedup = rows[years, 1][0] / wall
        print(
            f"   spin-up {years:2d} years, {threads} thread(s): {wall:.3f} s (CPU {cpu:.3f} s)"
            f"{f'; speed-up {speedup:.2f}x' if threads == 2 else ''}"
        )
    print(f"   {load_line()}")
    first, again = time_run()
    print(
        f"2. frivilligsim.run() one replicate: first {first:.2f} s (world built), again {again:.2f} s"
    )
    months = 12 * spin + int(setup.n_months)
    floor, minimal = time_loops(n_res, months)
    ns = rows[spin, 1][0] / resident_months * 1e9
    ns_floor = floor / (n_res * months) * 1e9
    ns_minimal = minimal / (n_res * months) * 1e9
    print(
        f"3. per resident-month, 1 thread, spin-up included ({months} months): model {ns:.2f} ns; "
        f"floor (draw and compare) {ns_floor:.2f} ns, model/floor {ns / ns_floor:.1f}x; "
        f"minimal loop (draw and update) {ns_minimal:.2f} ns, model/minimal {ns / ns_minimal:.1f}x"
    )
    seconds, cpu, finals = batch_workload(setup, args.replicates, args.batch, 2)
    print(
        f"4. {args.replicates} District replicates, 2 threads, batches of {args.batch} "
        f"({'simulate_batch' if BATCHED else 'one by one'}): {seconds:.1f} s (CPU {cpu:.1f} s), "
        f"{seconds / args.replicates:.3f} s each; projection (not measured) to 1 000: "
        f"{seconds / args.replicates * 1000 / 60:.1f} min; 2050 volunteers mean "
        f"{finals.mean():,.0f} sd {finals.std(ddof=1):,.0f}; {load_line()}"
    )
    together, alone = shared_spinup(run, max(1, args.repeat // 2))
    print(
        f"   one seed's 3 policies, 2 threads: together {together[0]:.2f} s (CPU "
        f"{together[1]:.2f} s), one by one {alone[0]:.2f} s (CPU {alone[1]:.2f} s): "
        f"{alone[0] / together[0]:.2f}x wall, {alone[1] / together[1]:.2f}x CPU"
    )
    if not args.skip_norway:
        child = subprocess.run(
            [sys.executable, __file__, "--child"], capture_output=True, text=True, check=True
        )
        info = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"5. all-Norway real region ({info['residents']:,} residents, "
            f"{info['municipalities']} municipalities), one replicate to 2050, 2 threads: "
            f"{info['seconds']:.2f} s (setup {info['build_seconds']:.1f} s), peak memory "
            f"{info['peak_rss_gib']:.2f} GiB; {load_line()}"
        )


if __name__ == "__main__":
    main()
