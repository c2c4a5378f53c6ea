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

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from frivilligsim.output.results import (
    ParquetStream,
    headline_table,
    now_iso,
    summary_table,
    write_csv,
    write_json,
    write_parquet,
)
from frivilligsim.scenario.config import RunConfig
from frivilligsim.scenario.setup import Scenario, scenarios, world_for
from frivilligsim.simulation.runner import run_scenarios
from frivilligsim.workflow.rundir import (
    MANIFEST,
    RESULTS,
    manifest_for,
    mark_failed,
    region_manifest,
)


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


def make_all_figures(results: pd.DataFrame, run_dir: Path, run: RunConfig) -> None:
    """Scenario figures (plots.py) and demography figures (plots_demography.py)."""
    figures = run_dir / "figures"
    synthetic = run.region.name == "synthetic"
    from frivilligsim.output import plots

    plots.make_figures(results, figures, lang=run.lang, synthetic=synthetic)
    try:
        from frivilligsim.output import plots_demography
    except ImportError:  # pragma: no cover - demography plots are optional
        return
    plots_demography.make_figures(run_dir, figures, lang=run.lang, synthetic=synthetic)


def write_report_if_available(run_dir: Path, lang: str) -> None:
    from frivilligsim.output.report import write_report

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
