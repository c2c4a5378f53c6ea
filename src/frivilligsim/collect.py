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
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import FrivilligsimError, OutputError
from .results import write_parquet
from .sweep import (
    IDENTITY,
    MANIFEST,
    RESULTS,
    completed_run,
    expand_jobs,
    is_excluded,
    job_dirs,
    job_key,
    read_manifest,
)

OUTPUT = "sweep_results.parquet"
PREFIX = "sweep."  # prefix of a swept key whose name is already a results column


@dataclass
class Job:
    key: tuple[str, ...]  # canonical overrides (excluded keys dropped)
    overrides: list[str]
    path: Path | None = None
    status: str = "missing"  # complete | missing | not started | running | failed | unreadable
    detail: str = ""


@dataclass
class Collected:
    sweep_dir: Path
    jobs: list[Job]
    swept: list[str]
    table: pd.DataFrame | None = None
    output: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> list[Job]:
        return [j for j in self.jobs if j.status == "complete"]

    @property
    def problems(self) -> list[Job]:
        return [j for j in self.jobs if j.status != "complete"]


# ---- reading a sweep ------------------------------------------------------------------------


def _read_overrides(job_dir: Path) -> list[str] | None:
    path = job_dir / ".hydra" / "overrides.yaml"
    if path.is_file():
        from omegaconf import OmegaConf

        try:
            return [str(x) for x in OmegaConf.to_container(OmegaConf.load(path))]
        except Exception:
            pass
    manifest = read_manifest(job_dir) or {}
    hydra = manifest.get("hydra") or {}
    if isinstance(hydra.get("overrides"), list):
        return [str(x) for x in hydra["overrides"]]
    return None


def _expected(sweep_dir: Path) -> tuple[list[list[str]] | None, list[str], list[str]]:
    """(expected jobs' overrides or None, sweep overrides, notes) from sweep.json/multirun.yaml."""
    notes: list[str] = []
    identity = sweep_dir / IDENTITY
    if identity.is_file():
        try:
            data = json.loads(identity.read_text(encoding="utf-8"))
            params = data.get("sweeper_params") or {}
            overrides = list(data.get("overrides") or [])
            lines = overrides + [f"{k}={v}" for k, v in params.items()]
            jobs = data.get("jobs")
            return (jobs if isinstance(jobs, list) else None), lines, notes
        except (OSError, ValueError) as exc:
            notes.append(f"{identity} cannot be read ({exc}); using the job folders found")
    multirun = sweep_dir / "multirun.yaml"
    if multirun.is_file():
        from omegaconf import OmegaConf

        try:
            cfg = OmegaConf.load(multirun)
            overrides = [str(x) for x in OmegaConf.select(cfg, "hydra.overrides.task") or []]
            params = OmegaConf.select(cfg, "hydra.sweeper.params")
            params = OmegaConf.to_container(params) if params is not None else {}
            jobs = expand_jobs(overrides, params)
            lines = overrides + [f"{k}={v}" for k, v in params.items()]
            return jobs, lines, notes
        except Exception as exc:  # an unreadable multirun.yaml: fall back to the folders
            notes.append(f"{multirun} cannot be read ({exc}); using the job folders found")
    return None, [], notes


def _swept_keys(sweep_lines: list[str], jobs: list[Job]) -> list[str]:
    """Keys swept by the sweep's overrides or params, plus any key whose value varies."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    keys: list[str] = []
    try:
        for item in OverridesParser.create().parse_overrides(overrides=sweep_lines):
            key = item.get_key_element()
            if item.is_sweep_override() and not is_excluded(key) and key not in keys:
                keys.append(key)
    except Exception:
        pass
    values: dict[str, set[str]] = {}
    for job in jobs:
        for line in job.key:
            key, _, value = line.partition("=")
            values.setdefault(key, set()).add(value)
    for key, seen in values.items():
        if len(seen) > 1 and key not in keys:
            keys.append(key)
    return keys


def _value(line: str) -> Any:
    """The typed value of one override ("a.b=0.3" -> 0.3)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        return OverridesParser.create().parse_override(line).value()
    except Exception:
        return line.partition("=")[2]


def scan(sweep_dir: Path, full_read: bool = True) -> Collected:
    """Every job of a sweep with its status (``full_read=False``: results' footers only)."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise OutputError(
            f"{sweep_dir} is not a folder; give the sweep folder (it holds sweep.json)"
        )
    expected, sweep_lines, notes = _expected(sweep_dir)
    found: dict[tuple[str, ...], Path] = {}
    unnamed: list[Path] = []
    for path in job_dirs(sweep_dir):
        overrides = _read_overrides(path)
        if overrides is None:
            unnamed.append(path)
            continue
        found[job_key(overrides)] = path
    if (sweep_dir / MANIFEST).is_file() and not (sweep_dir / ".hydra").is_dir():
        notes.append(f"{sweep_dir} holds a single run, not a sweep")
    jobs: list[Job] = []
    if expected is not None:
        for overrides in expected:
            key = job_key(overrides)
            jobs.append(Job(key, list(overrides), found.pop(key, None)))
        for path in sorted(found.values(), key=str):
            notes.append(f"{path.name}: not a job of this sweep's overrides; left out")
    else:
        jobs = [Job(key, list(key), path) for key, path in sorted(found.items())]
    for path in unnamed:
        notes.append(f"{path}: no overrides recorded; left out")
    for job in jobs:
        _status(job, full_read)
    swept = _swept_keys(sweep_lines, jobs)
    return Collected(sweep_dir, jobs, swept, notes=notes)


def _status(job: Job, full_read: bool = True) -> None:
    if job.path is None:
        job.status, job.detail = "missing", "no job folder (never launched)"
        return
    done, why = completed_run(job.path, full_read=full_read)
    if done:
        job.status = "complete"
        return
    manifest = read_manifest(job.path)
    if manifest is None:
        job.status, job.detail = "not started", "no manifest.json"
    elif manifest.get("status") == "failed":
        job.status, job.detail = "failed", str(manifest.get("error") or "failed")
    elif manifest.get("status") == "running":
        job.status, job.detail = "running", "manifest says running: still running, or killed"
    elif manifest.get("status") == "complete":
        job.status, job.detail = "unreadable", why
    else:
        job.status, job.detail = "unknown", why


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
        values = {k: (_value(by_key[k]) if k in by_key else None) for k in collected.swept}
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
