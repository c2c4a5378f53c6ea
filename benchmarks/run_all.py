"""Run every benchmark script in this folder, one after another, and print their output.

    python benchmarks/run_all.py                  # all of them (about 10 minutes)
    python benchmarks/run_all.py --quick          # engine and demography only (about 2 minutes)
    python benchmarks/run_all.py --only engine    # scripts whose name contains "engine"

Each script runs in its own process (so one's memory and threads do not affect another's) with
this checkout's ``src`` first on the path. ``make bench`` calls this. Exits non-zero if any
script fails, naming it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# script, extra arguments; the quick set skips the long soak and sensitivity runs
SCRIPTS = (
    ("bench_engine.py", ()),
    ("bench_run.py", ()),
    ("bench_demography.py", ()),
    ("bench_sensitivity.py", ()),
    ("bench_memory.py", ("--replicates", "20")),
)
QUICK = {"bench_engine.py", "bench_demography.py"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="engine and demography only")
    parser.add_argument("--only", default="", help="run the scripts whose name contains this")
    args = parser.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(HERE.parent / "src")] + [p for p in [env.get("PYTHONPATH", "")] if p]
    )
    failed = []
    for script, extra in SCRIPTS:
        if args.quick and script not in QUICK:
            continue
        if args.only and args.only not in script:
            continue
        if not (HERE / script).exists():
            continue
        print(f"==> {script} {' '.join(extra)}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / script), *extra], env=env)
        print(f"<== {script}: exit {code}, {time.perf_counter() - t0:.0f} s\n", flush=True)
        if code != 0:
            failed.append(script)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
