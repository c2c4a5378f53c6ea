"""Gather a sweep's results into one table: ``python -m frivilligsim.collect <sweep dir>``.

Reads every job's ``results.parquet`` (jobs whose manifest says ``complete``), adds one column
per swept override key (parsed from the job's ``.hydra/overrides.yaml``, or its manifest) and a
``job`` column (the job's folder), and writes ``<sweep dir>/sweep_results.parquet`` atomically.
Jobs that are missing, never started, still running or killed, failed, or whose results do not
read are listed one line each; the command then exits 1 (and writes nothing) unless
``--allow-incomplete`` is given.

Owns: the sweep-results table. Must not: run simulations.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from frivilligsim.errors import FrivilligsimError
from frivilligsim.output.results import write_parquet
from frivilligsim.workflow.rundir import RESULTS
from frivilligsim.workflow.sweep import Collected, Job, override_value, scan

OUTPUT = "sweep_results.parquet"
PREFIX = "sweep."  # prefix of a swept key whose name is already a results column


# ---- gathering ------------------------------------------------------------------------------


def gather(collected: Collected) -> pd.DataFrame:
    """The complete jobs' results, keyed by the swept parameters and the job folder.

    A swept key whose name is already a results column keeps that column if the two agree in
    every job (e.g. ``policy`` without comparisons) and becomes ``sweep.<key>`` otherwise.
    """
    read: list[tuple[Job, pd.DataFrame, dict[str, Any]]] = []
    for job in collected.complete:
        try:
            frame = pd.read_parquet(job.path / RESULTS)
        except Exception as exc:  # the footer read, the table does not: redo that job
            job.status, job.detail = "unreadable", f"{RESULTS}: {exc}"
            continue
        by_key = {line.partition("=")[0]: line for line in job.key}
        values = {k: (override_value(by_key[k]) if k in by_key else None) for k in collected.swept}
        read.append((job, frame, values))
    if not read:
        return pd.DataFrame()
    names = {}
    for key in collected.swept:
        clash = any(key in frame.columns for _, frame, _ in read)
        agree = all(
            key in frame.columns
            and frame[key].nunique(dropna=False) == 1
            and frame[key].iloc[0] == values[key]
            for _, frame, values in read
        )
        names[key] = None if clash and agree else (PREFIX + key if clash else key)
    frames = []
    for job, frame, values in read:
        columns = {names[k]: v for k, v in values.items() if names[k] is not None}
        columns["job"] = str(job.path.relative_to(collected.sweep_dir))
        extra = pd.DataFrame({k: [v] * len(frame) for k, v in columns.items()}, index=frame.index)
        frames.append(pd.concat([extra, frame], axis=1))
    table = pd.concat(frames, ignore_index=True)
    leading = [n for n in names.values() if n is not None] + ["job"]
    return table[leading + [c for c in table.columns if c not in leading]]


def collect(
    sweep_dir: Path | str, allow_incomplete: bool = False, output: Path | str | None = None
) -> Collected:
    """Gather a sweep's results and write them (see the module docstring).

    Writes ``output`` (default ``<sweep dir>/sweep_results.parquet``) when every job is
    complete, or when ``allow_incomplete``. Returns what was found either way.
    """
    collected = scan(Path(sweep_dir), full_read=False)  # gather() reads the tables
    if collected.problems and not allow_incomplete:
        return collected
    collected.table = gather(collected)
    if collected.table.empty or (collected.problems and not allow_incomplete):
        return collected
    out = Path(output) if output is not None else collected.sweep_dir / OUTPUT
    write_parquet(collected.table, out)
    collected.output = out
    return collected


# ---- command line ---------------------------------------------------------------------------


def _report(collected: Collected, allow_incomplete: bool) -> int:
    """Print what was found; the exit code: 0 all gathered (or allowed), 1 otherwise."""
    total = len(collected.jobs)
    done = len(collected.complete)
    for note in collected.notes:
        print(f"frivilligsim.collect: note: {note}", file=sys.stderr)
    for job in collected.problems:
        where = job.path if job.path is not None else " ".join(job.overrides)
        print(f"frivilligsim.collect: {job.status}: {where}: {job.detail}", file=sys.stderr)
    if collected.output is not None:
        swept = ", ".join(collected.swept) or "(none)"
        print(
            f"collected {done} of {total} jobs ({len(collected.table)} rows; swept: {swept}) "
            f"into {collected.output}"
        )
    if collected.problems and not allow_incomplete:
        print(
            f"frivilligsim.collect: error: {total - done} of {total} jobs are not complete; "
            "re-launch the sweep (finished jobs are skipped) or pass --allow-incomplete",
            file=sys.stderr,
        )
        return 1
    if done == 0:
        print(
            f"frivilligsim.collect: error: no complete job in {collected.sweep_dir}",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m frivilligsim.collect",
        description="Gather every job's results.parquet of a sweep into sweep_results.parquet.",
    )
    parser.add_argument("sweep_dir", type=Path, help="the sweep folder (it holds sweep.json)")
    parser.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="gather the complete jobs even if others are missing or failed (exit 0)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=None, help=f"default: <sweep dir>/{OUTPUT}"
    )
    args = parser.parse_args(argv)
    try:
        collected = collect(args.sweep_dir, args.allow_incomplete, args.output)
    except FrivilligsimError as exc:
        print(f"frivilligsim.collect: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return _report(collected, args.allow_incomplete)


if __name__ == "__main__":
    sys.exit(main())
