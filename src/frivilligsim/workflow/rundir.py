"""The run folder: its file names, its manifest and when a run in it counts as finished.

One run writes one folder (``outputs/<experiment>/<date>_<time>_<id>/``, or a sweep's job
folder). Its contract, used by every task and by sweeps:

    <run dir>/results.parquet   the run's table (written last, atomically)
    <run dir>/manifest.json     status ``running`` first, then ``complete`` or ``failed`` (with
                                the error), plus resolved config, version, commit, seeds, times,
                                SLURM and Hydra job, provenance of every parameter

A run is finished when its manifest says ``complete`` and its results read back
(:func:`completed_run`); a re-launched sweep skips finished jobs.

Owns: those names, :func:`manifest_for`, :func:`mark_failed`, :func:`run_with_manifest`,
:func:`completed_run` and :func:`job_dirs`.
Must not: simulate, or write anything but the manifest and the results table.
"""

from __future__ import annotations

import json
import os
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from frivilligsim import __version__
from frivilligsim.output.results import git_commit, now_iso, write_json, write_parquet
from frivilligsim.scenario.config import CONF_DIR, RunConfig
from frivilligsim.scenario.provenance import provenance_rows
from frivilligsim.scenario.setup import demography_for, policy_for, scenarios

RESULTS = "results.parquet"
MANIFEST = "manifest.json"
# Config keys ignored when comparing a finished run's config with a re-launch's.
IGNORED_CONFIG_KEYS = ("sweep_id", "slurm", ("output", "progress"))

# SLURM's job identity, recorded in the manifest when a run is a SLURM job (hydra/launcher=slurm).
SLURM_ENV = (
    "SLURM_JOB_ID",
    "SLURM_ARRAY_JOB_ID",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_JOB_NAME",
    "SLURM_JOB_PARTITION",
    "SLURM_CLUSTER_NAME",
    "SLURMD_NODENAME",
    "SLURM_CPUS_PER_TASK",
)


def slurm_job() -> dict | None:
    """SLURM's job ids from the environment, or None outside a SLURM job."""
    found = {name: os.environ[name] for name in SLURM_ENV if name in os.environ}
    return found or None


def hydra_job() -> dict | None:
    """The Hydra job's overrides and number, when run by Hydra (None from library calls)."""
    try:
        from hydra.core.hydra_config import HydraConfig

        if not HydraConfig.initialized():
            return None
        hc = HydraConfig.get()
        return {
            "overrides": list(hc.overrides.task),
            "num": OmegaConf.select(hc, "job.num", default=None, throw_on_missing=False),
            "mode": getattr(hc.mode, "name", None),
        }
    except Exception:  # pragma: no cover - informative only
        return None


def provenance_of(run: RunConfig) -> list[dict]:
    """Value and source of every parameter of the model and of each policy and demography run."""
    rows = provenance_rows(CONF_DIR, {"model": "default"}, {"model": asdict(run.model)})
    todo = scenarios(run)
    for name in dict.fromkeys(s.policy for s in todo):
        rows += provenance_rows(
            CONF_DIR, {"policy": name}, {"policy": asdict(policy_for(run, name))}
        )
    for name in dict.fromkeys(s.demography for s in todo):
        rows += provenance_rows(
            CONF_DIR, {"demography": name}, {"demography": asdict(demography_for(run, name))}
        )
    return rows


def region_manifest(region) -> dict:
    """What the manifest records of the region: name, data year, sources and their sha256."""
    return {
        "name": region.name,
        "synthetic": bool(region.synthetic),
        "data_year": int(region.data_year),
        "municipalities": int(region.n_municipalities),
        "centres": int(len(region.centres)),
        "residents_start": int(region.residents),
        "attribution": region.attribution,
        "files": region.sources,
        "notes": list(region.notes),
    }


def manifest_for(run: RunConfig, resolved: dict, status: str, started: str) -> dict:
    todo = scenarios(run)
    seeds = sorted({s.seed for s in todo})
    return {
        "status": status,
        "experiment_name": run.experiment_name,
        "version": __version__,
        "git_commit": git_commit(),
        "started": started,
        "finished": None,
        "seeds": seeds,
        "replicate_seeds": {s.replicate: s.seed for s in todo},
        "scenarios": len(todo),
        "slurm": slurm_job(),
        "hydra": hydra_job(),
        "synthetic_region": run.region.name == "synthetic",
        "config": resolved,
        "provenance": provenance_of(run),
    }


def mark_failed(manifest: dict, exc: BaseException, run_dir: Path) -> None:
    """Record a failed run in its manifest: status, error and traceback (called in ``except``)."""
    manifest.update(
        status="failed",
        finished=now_iso(),
        error=f"{type(exc).__name__}: {exc}",
        traceback=traceback.format_exc(limit=20),
    )
    write_json(manifest, Path(run_dir) / MANIFEST)


def run_with_manifest(run: RunConfig, run_dir, resolved: dict | None, body):
    """Run ``body()`` inside the run-folder contract.

    ``manifest.json`` says ``running`` first, then ``complete`` (with ``body``'s info) or
    ``failed`` with the error; ``body`` returns ``(table, info)`` and the table is written as
    ``results.parquet``, so a multirun job of these tasks counts as finished (sweep.py) and a
    re-launch skips it.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    manifest = manifest_for(run, resolved if resolved is not None else {}, "running", now_iso())
    manifest["task"] = run.task
    write_json(manifest, run_dir / MANIFEST)
    try:
        table, info = body()
        write_parquet(table.reset_index(drop=True), run_dir / RESULTS)
        manifest.update(status="complete", finished=now_iso(), task_info=info)
        write_json(manifest, run_dir / MANIFEST)
        return table, info
    except BaseException as exc:
        mark_failed(manifest, exc, run_dir)
        raise


def job_dirs(sweep_dir: Path) -> list[Path]:
    """The job folders of a sweep: those holding Hydra's ``.hydra/overrides.yaml``."""
    sweep_dir = Path(sweep_dir)
    found = []
    for marker in sweep_dir.rglob(".hydra/overrides.yaml"):
        job = marker.parent.parent
        if ".submitit" not in job.relative_to(sweep_dir).parts:
            found.append(job)
    return sorted(found)


def _without_ignored(config: Any) -> Any:
    config = json.loads(json.dumps(config, default=str))
    if not isinstance(config, dict):
        return config
    for key in IGNORED_CONFIG_KEYS:
        if isinstance(key, tuple):
            node = config
            for part in key[:-1]:
                node = node.get(part, {}) if isinstance(node, dict) else {}
            if isinstance(node, dict):
                node.pop(key[-1], None)
        else:
            config.pop(key, None)
    return config


def read_manifest(run_dir: Path) -> dict | None:
    try:
        data = json.loads((Path(run_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def results_readable(path: Path, full: bool = True) -> bool:
    """Whether a parquet file reads: the whole table, or (``full=False``) its footer only."""
    try:
        import pyarrow.parquet as pq

        if full:
            pq.read_table(path)
        else:
            pq.ParquetFile(path).metadata  # noqa: B018 - reading the footer is the check
        return True
    except Exception:
        return False


def completed_run(
    run_dir: Path, resolved: dict | None = None, full_read: bool = True
) -> tuple[bool, str]:
    """(True, "") if ``run_dir`` holds a finished run (of config ``resolved``, when given).

    Finished: the manifest says ``complete`` and ``results.parquet`` reads (the whole table;
    only its footer with ``full_read=False``, for quick scans of many jobs). Otherwise (False,
    why): no manifest, still running or killed, failed, unreadable results, another config.
    """
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    if manifest is None:
        return False, "no manifest"
    status = manifest.get("status")
    if status != "complete":
        return False, f"status {status}"
    if not results_readable(run_dir / RESULTS, full=full_read):
        return False, f"{RESULTS} missing or unreadable"
    if resolved is not None and "config" in manifest:
        if _without_ignored(manifest["config"]) != _without_ignored(resolved):
            return False, "finished with another config"
    return True, ""
