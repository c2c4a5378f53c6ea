"""Yearly results: from engine arrays to the fixed output table, and safe writing of outputs.

Owns: the output schema (MODEL.md section 8, names in ``schema.REQUIRED_COLUMNS``), the
derived columns (coverage, mean motivation, leader strain), atomic writers for parquet, CSV and
JSON, and the run manifest.
Must not: know how the numbers were simulated.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from frivilligsim.engines.layout import coverage, mean_motivation, ratio
from frivilligsim.errors import OutputError

# ---- atomic writes --------------------------------------------------------------------------


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename: all or nothing."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(_os_message(path, exc)) from None
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _silent_unlink(tmp)
        raise OutputError(_os_message(path, exc)) from None
    except BaseException:
        _silent_unlink(tmp)
        raise


def _silent_unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _os_message(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"cannot write {path}: the disk is full; free space or set another output folder"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {path}: permission denied; choose a writable output folder"
    return f"cannot write {path}: {exc.strerror or exc}"


class ParquetStream:
    """Append tables to one parquet file as they come; it appears under its name only on close.

    Rows go to a temporary file in the same folder (one row group per table); leaving the
    ``with`` block without an error renames it into place, an error removes it.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._writer = None
        self._tmp = None

    def __enter__(self) -> ParquetStream:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, self._tmp = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
            )
            os.close(fd)
        except OSError as exc:
            raise OutputError(_os_message(self.path, exc)) from None
        return self

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        try:
            if self._writer is None:
                self._writer = pq.ParquetWriter(self._tmp, table.schema)
            self._writer.write_table(table)
        except OSError as exc:
            raise OutputError(_os_message(self.path, exc)) from None

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._writer is not None:
            self._writer.close()
        if exc_type is not None or self._writer is None:
            _silent_unlink(self._tmp)
            if exc_type is None:
                raise OutputError(f"cannot write {self.path}: no rows to write")
            return
        try:
            with open(self._tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(self._tmp, self.path)
        except OSError as err:
            _silent_unlink(self._tmp)
            raise OutputError(_os_message(self.path, err)) from None


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    _atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    _atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def write_json(data: dict, path: Path) -> None:
    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, default=str, ensure_ascii=False)
            handle.write("\n")

    _atomic_write(path, write)


# ---- manifest -------------------------------------------------------------------------------


def git_commit() -> str | None:
    """The commit of the package's checkout, when it is one."""
    try:
        here = Path(__file__).resolve().parent
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
        return result.stdout.strip() or None if result.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def summary_table(results: pd.DataFrame) -> pd.DataFrame:
    """Regional totals per (policy, demography, seed, year): what the summary CSV holds."""
    keys = ["policy", "demography", "seed", "year"]
    sums = results.groupby(keys, sort=True).agg(
        residents=("residents", "sum"),
        residents_70plus=("residents_70plus", "sum"),
        volunteers=("volunteers", "sum"),
        volunteer_hours=("volunteer_hours", "sum"),
        demand_hours=("demand_hours", "sum"),
        orders_issued=("orders_issued", "sum"),
        orders_declined=("orders_declined", "sum"),
        recruits=("recruits", "sum"),
        dropouts=("dropouts", "sum"),
        leader_turnovers=("leader_turnovers", "sum"),
        cooperating_centres=("cooperating_centres", "sum"),
        centres=("centres", "sum"),
    )
    covered = (
        (results["coverage"] * results["demand_hours"]).groupby([results[k] for k in keys]).sum()
    )
    motivation = (
        (results["mean_motivation"] * results["volunteers"])
        .groupby([results[k] for k in keys])
        .sum()
    )
    sums["coverage"] = coverage(covered.to_numpy(), sums["demand_hours"].to_numpy())
    sums["mean_motivation"] = mean_motivation(motivation.to_numpy(), sums["volunteers"].to_numpy())
    sums["share_70plus"] = ratio(
        sums["residents_70plus"].to_numpy().astype(float),
        sums["residents"].to_numpy().astype(float),
    )
    return sums.reset_index()


def headline_table(summary: pd.DataFrame, year: int) -> pd.DataFrame:
    """Volunteers, coverage and motivation in ``year`` by policy and demography (mean over seeds)."""
    rows = summary[summary["year"] == year]
    return (
        rows.groupby(["policy", "demography"], sort=False)[
            ["volunteers", "coverage", "mean_motivation"]
        ]
        .mean()
        .reset_index()
    )
