"""Long-run stability: memory across a 100-replicate run of the default region.

    python benchmarks/bench_memory.py                 # 100 replicates, 2024-2050
    python benchmarks/bench_memory.py --replicates 20

Runs the experiment the way the command line does (``experiment.run_experiment``, results
streamed to parquet scenario by scenario) and records the process's resident memory after
every scenario. Memory is flat when the growth from the 10th to the last replicate is within
noise. Prints a table and the slope; writes ``memory_soak.csv`` next to the run directory.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from frivilligsim.scenario.config import load_config, validate
from frivilligsim.workflow.experiment import run_experiment


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * 4096 / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--end-year", type=int, default=2050)
    args = parser.parse_args()
    run = validate(
        load_config(
            [
                f"replicates={args.replicates}",
                f"end_year={args.end_year}",
                "output.figures=false",
                "output.report=false",
                "output.progress=false",
                "engine.check_invariants=false",
            ]
        )
    )
    samples = []
    t0 = time.perf_counter()

    def record(scenario) -> None:
        samples.append(
            {
                "replicate": scenario.replicate,
                "seconds": time.perf_counter() - t0,
                "rss_mib": rss_mib(),
            }
        )

    with tempfile.TemporaryDirectory() as folder:
        run_experiment(run, Path(folder), on_scenario=record)
        frame = pd.DataFrame(samples)
        rows = pd.read_parquet(Path(folder) / "results.parquet", columns=["seed"])
    out = Path(__file__).with_name("memory_soak.csv")
    frame.to_csv(out, index=False)
    steady = frame[frame["replicate"] >= min(10, len(frame) // 2)]
    slope = (
        np.polyfit(steady["replicate"], steady["rss_mib"], 1)[0]
        if len(steady) > 2
        else float("nan")
    )
    print(
        f"replicates: {len(frame)}; rows written: {len(rows):,}; wall {frame['seconds'].iloc[-1]:.0f} s"
    )
    for r in sorted({0, 1, 9, len(frame) // 2, len(frame) - 1}):
        if r < len(frame):
            print(f"  after replicate {r:3d}: {frame['rss_mib'].iloc[r]:8.1f} MiB")
    print(
        f"growth from replicate {int(steady['replicate'].iloc[0])} to {len(frame) - 1}: "
        f"{steady['rss_mib'].iloc[-1] - steady['rss_mib'].iloc[0]:+.1f} MiB "
        f"(slope {slope:+.3f} MiB per replicate); samples in {out.name}"
    )


if __name__ == "__main__":
    main()
