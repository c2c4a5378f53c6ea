"""Benchmark: the demography-only projection, 2024-2050 (issue #14: under 2 s on one core).

Usage:
    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_demography.py [--repeat 5]
    .venv/bin/python benchmarks/bench_demography.py            # all cores

Times, after compilation:
1. ``project_population`` alone on the packaged real District Norway (212 municipalities,
   774 174 residents, SSB 1 January 2024) under ``--alternative``, 27 yearly steps;
2. the same plus what ``task=projection`` adds: fitting the migration (``build_rates``) and
   writing ``population_by_municipality.parquet``;
3. ``task=projection`` in process (``workflow.projection.run_task``) on the default region,
   without and with figures;
4. once, the whole command ``python -m frivilligsim experiment=projection`` in a fresh process
   (Python start-up, imports, Hydra, numba cache load included).
Prints the machine, the thread count numba used and the best and median wall times.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

import numba  # noqa: E402
import numpy as np  # noqa: E402

from frivilligsim.core.demography import (  # noqa: E402
    build_rates,
    load_demography_config,
    project_population,
)
from frivilligsim.inputs.projection import projection_targets  # noqa: E402
from frivilligsim.inputs.region import load_default_region  # noqa: E402
from frivilligsim.scenario.config import RunConfig  # noqa: E402
from frivilligsim.workflow.projection import population_frame, run_task  # noqa: E402


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


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return f"best {min(times):.3f} s, median {statistics.median(times):.3f} s over {repeat}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--alternative", default="MMMM")
    args = parser.parse_args()

    region = load_default_region()
    cfg = load_demography_config(args.alternative)
    codes = region.municipalities["municipality"]

    def rates():
        targets = None if cfg.static else projection_targets(region)
        return build_rates(cfg, 2024, 2050, region.population, targets, codes)

    fixed = rates()
    t0 = time.perf_counter()
    project_population(region, fixed, args.seed, 2024, 2024)  # compile (or load the cache)
    warmup = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp(prefix="bench_demography_"))

    def projection_only():
        project_population(region, fixed, args.seed, 2024, 2050)

    def with_fit_and_file():
        _, age_sex = project_population(region, rates(), args.seed, 2024, 2050)
        frame = population_frame(codes, np.arange(2024, 2051), age_sex)
        frame.to_parquet(tmp / "population_by_municipality.parquet", index=False)

    print(f"machine: {cpu_model()} ({platform.platform()})")
    print(f"nproc: {os.cpu_count()}, numba threads: {numba.get_num_threads()}")
    print(f"python {platform.python_version()}, numba {numba.__version__}")
    print(
        f"region: packaged real District Norway, {len(codes)} municipalities, "
        f"{int(region.population.sum())} residents; {args.alternative} 2024-2050"
    )
    print(f"warm-up (compile or cache load): {warmup:.2f} s")
    print(f"1. project_population: {timed(projection_only, args.repeat)}")
    print(f"2. + migration fit + parquet: {timed(with_fit_and_file, args.repeat)}")
    for figures in (False, True):
        run = RunConfig(task="projection")
        run.demography = cfg
        run.output.figures = figures
        out = tmp / f"task_{figures}"
        out.mkdir()
        run_task(run, out)  # warm the world cache
        print(
            f"3. task=projection in process, figures={figures}: "
            f"{timed(lambda run=run, out=out: run_task(run, out), args.repeat)}"
        )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    command = [
        sys.executable,
        "-m",
        "frivilligsim",
        "experiment=projection",
        f"demography={args.alternative}",
        "output.figures=false",
        f"hydra.run.dir={tmp / 'cli'}",
    ]
    t0 = time.perf_counter()
    subprocess.run(command, check=True, env=env, capture_output=True)
    print(f"4. whole command in a fresh process (figures off): {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
