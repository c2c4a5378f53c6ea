"""Benchmark: demography-only projection of the default region, 2024-2050.

Usage:
    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_demography.py [--repeat 5]
    .venv/bin/python benchmarks/bench_demography.py            # all cores

Compiles first (a one-year warm-up run), then times ``project_region`` on the embedded
District Norway region (212 municipalities, ~750 000 residents) under MMMM, 27 yearly steps.
Prints the machine, the thread count numba used and the best and median wall time.
The bar (issue 3): under 2 s on one core once compiled.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numba  # noqa: E402

from frivilligsim.core.demography import build_rates, load_demography_config, project_region  # noqa: E402
from frivilligsim.inputs.region import load_synthetic_region  # noqa: E402


def cpu_model() -> str:
    """platform.processor(), or the model name from /proc/cpuinfo where that is empty."""
    name = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} [{name or platform.machine()}]"
    except OSError:
        pass
    return name or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--alternative", default="MMMM")
    args = parser.parse_args()

    region = load_synthetic_region()
    rates = build_rates(load_demography_config(args.alternative), 2024, 2050)
    t0 = time.perf_counter()
    project_region(region, rates, args.seed, 2024, 2024)  # compile (or load the cache)
    warmup = time.perf_counter() - t0

    times = []
    for r in range(args.repeat):
        t0 = time.perf_counter()
        table, _ = project_region(region, rates, args.seed + r, 2024, 2050)
        times.append(time.perf_counter() - t0)
    person_years = int(table["residents"].sum())

    print(f"machine: {cpu_model()} ({platform.platform()})")
    print(f"nproc: {os.cpu_count()}, numba threads: {numba.get_num_threads()}")
    print(f"python {platform.python_version()}, numba {numba.__version__}")
    print(
        f"region: {region.name}, {region.n_municipalities} municipalities, "
        f"{region.residents} residents; {args.alternative} 2024-2050 "
        f"({person_years / 1e6:.1f} M person-years)"
    )
    print(f"warm-up (compile or cache load): {warmup:.2f} s")
    print(
        f"project_region: best {min(times):.3f} s, median {statistics.median(times):.3f} s "
        f"over {args.repeat} runs ({person_years / min(times) / 1e6:.1f} M person-years/s)"
    )


if __name__ == "__main__":
    main()
