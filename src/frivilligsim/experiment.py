"""One experiment run into one run directory: results, summary, manifest, figures, report.

Owns the run directory's layout (a public contract):

    <run dir>/results.parquet        yearly rows, MODEL.md section 8 columns (+ extras)
    <run dir>/population_by_age.parquet  residents by year, sex and age (per demography, seed)
    <run dir>/summary.csv            regional totals per (policy, demography, seed, year)
    <run dir>/manifest.json          resolved config, version, commit, seeds, times, status
    <run dir>/figures/               PNG and SVG figures
    <run dir>/report.html            self-contained report

Every file is written atomically. The manifest says ``running`` first, then ``complete`` or
``failed`` with the error, so a crash never leaves a half-written results file under its name.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .config import CONF_DIR, RunConfig
from .provenance import provenance_rows
from .results import (
    ParquetStream,
    git_commit,
    headline_table,
    now_iso,
    summary_table,
    write_csv,
    write_json,
    write_parquet,
)
from .runner import Scenario, demography_for, policy_for, scenarios, simulate, world_for

RESULTS = "results.parquet"
MANIFEST = "manifest.json"
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


def run_scenarios(run: RunConfig):
    """Yield (scenario, yearly results, residents by age) for this run's scenarios."""
    world = world_for(run.region, run.start_year)
    for scenario in scenarios(run):
        table, age = simulate(run, scenario, world)
        yield scenario, table, age


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


def run_experiment(
    run: RunConfig,
    run_dir: Path,
    resolved: dict | None = None,
    console=None,
    on_scenario: Callable[[Scenario], None] | None = None,
) -> pd.DataFrame:
    """Run every scenario of ``run`` and write the run directory. Returns the results table.

    Each scenario's rows are streamed to a temporary parquet file as it finishes, so memory
    does not grow with the number of replicates; the file is renamed to ``results.parquet``
    only when every scenario is done.
    """
    console = console or Console(stderr=True)
    run_dir = Path(run_dir)
    resolved = (
        resolved if resolved is not None else OmegaConf.to_container(OmegaConf.structured(run))
    )
    started = now_iso()
    manifest = manifest_for(run, resolved, "running", started)
    write_json(manifest, run_dir / MANIFEST)
    t0 = time.perf_counter()
    try:
        # read and check the region's data before anything runs
        manifest["region"] = region_manifest(world_for(run.region, run.start_year).region)
        write_json(manifest, run_dir / MANIFEST)
        ages = []
        summaries = []
        todo = scenarios(run)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not run.output.progress,
            transient=False,
        ) as progress:
            task = progress.add_task(f"{run.experiment_name}: scenarios", total=len(todo))
            with ParquetStream(run_dir / RESULTS) as stream:
                for scenario, table, age in run_scenarios(run):
                    stream.write(table)
                    summaries.append(summary_table(table))
                    if (
                        scenario.replicate == todo[0].replicate
                        and scenario.policy == todo[0].policy
                    ):
                        ages.append(age)
                    progress.update(
                        task,
                        advance=1,
                        description=f"{scenario.demography} {scenario.policy} r{scenario.replicate}",
                    )
                    if on_scenario is not None:
                        on_scenario(scenario)
        write_parquet(pd.concat(ages, ignore_index=True), run_dir / "population_by_age.parquet")
        summary = pd.concat(summaries, ignore_index=True)
        write_csv(summary, run_dir / "summary.csv")
        manifest["simulation_seconds"] = round(time.perf_counter() - t0, 2)
        results = pd.read_parquet(run_dir / RESULTS)  # also proves the file reads back
        if run.output.figures:
            make_all_figures(results, run_dir, run)
        manifest.update(status="complete", finished=now_iso())
        write_json(manifest, run_dir / MANIFEST)
        if run.output.report:
            write_report_if_available(run_dir, run.lang)
        print_headline(summary, run.end_year, console)
        console.print(f"[green]Done.[/green] Outputs in {run_dir}")
        return results
    except BaseException as exc:
        mark_failed(manifest, exc, run_dir)
        raise


def mark_failed(manifest: dict, exc: BaseException, run_dir: Path) -> None:
    """Record a failed run in its manifest: status, error and traceback (called in ``except``)."""
    manifest.update(
        status="failed",
        finished=now_iso(),
        error=f"{type(exc).__name__}: {exc}",
        traceback=traceback.format_exc(limit=20),
    )
    write_json(manifest, Path(run_dir) / MANIFEST)


def make_all_figures(results: pd.DataFrame, run_dir: Path, run: RunConfig) -> None:
    """Scenario figures (plots.py) and demography figures (plots_demography.py)."""
    figures = run_dir / "figures"
    synthetic = run.region.name == "synthetic"
    from . import plots

    plots.make_figures(results, figures, lang=run.lang, synthetic=synthetic)
    try:
        from . import plots_demography
    except ImportError:  # pragma: no cover - demography plots are optional
        return
    plots_demography.make_figures(run_dir, figures, lang=run.lang, synthetic=synthetic)


def write_report_if_available(run_dir: Path, lang: str) -> None:
    from .report import write_report

    write_report(run_dir, lang=lang)


def print_headline(summary: pd.DataFrame, year: int, console) -> None:
    head = headline_table(summary, year)
    table = Table(title=f"Headline results, {year} (mean over seeds, whole region)")
    for name in ("policy", "demography", "volunteers", "coverage", "mean motivation"):
        table.add_column(name, justify="left" if name in ("policy", "demography") else "right")
    for row in head.itertuples(index=False):
        table.add_row(
            row.policy,
            row.demography,
            f"{row.volunteers:,.0f}",
            f"{row.coverage:.1%}",
            f"{row.mean_motivation:.3f}",
        )
    console.print(table)
