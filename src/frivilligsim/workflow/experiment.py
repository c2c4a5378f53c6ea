"""One experiment run into one run directory: results, summary, manifest, figures, report.

Owns the run directory's layout (a public contract):

    <run dir>/results.parquet        yearly rows, MODEL.md section 8 columns (+ extras)
    <run dir>/population_by_age.parquet  residents by year, sex and age (per demography, seed)
    <run dir>/summary.csv            regional totals per (policy, demography, seed, year)
    <run dir>/headline.csv, .xlsx    the headline: median and 90 % band across replicates
    <run dir>/municipalities.csv, .xlsx  one row per municipality x policy x demography
                                     (CSV in Norwegian Excel's dialect when lang=nb)
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
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import OmegaConf
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from frivilligsim.output import aggregates, i18n, maps, plots, plots_demography, tables
from frivilligsim.output.report import write_report
from frivilligsim.output.results import (
    ParquetStream,
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
from frivilligsim.workflow.sweep import job_label


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
        write_tables(results, summary, run_dir, run)
        if run.output.figures:
            make_all_figures(results, run_dir, run)
        manifest.update(status="complete", finished=now_iso())
        write_json(manifest, run_dir / MANIFEST)
        if run.output.report:
            write_report_if_available(run_dir, run.lang)
        print_headline(summary, run, console)
        if sweep_job_label() is None:  # in a sweep, sweep.py's progress line follows instead
            console.print(i18n.t("term.done", run.lang, path=run_dir))
        return results
    except BaseException as exc:
        mark_failed(manifest, exc, run_dir)
        raise


def write_tables(results: pd.DataFrame, summary: pd.DataFrame, run_dir: Path, run: RunConfig):
    """The headline and municipality tables (output/tables.py), names from the region."""

    info = world_for(run.region, run.start_year).region.municipalities
    tables.write_run_tables(results, run_dir, run.lang, info=info, regional=summary)


def make_all_figures(results: pd.DataFrame, run_dir: Path, run: RunConfig) -> None:
    """Scenario figures (plots.py), demography figures (plots_demography.py) and the map."""
    figures = run_dir / "figures"
    synthetic = run.region.name == "synthetic"

    plots.make_figures(results, figures, lang=run.lang, synthetic=synthetic)
    maps.make_map(results, figures, lang=run.lang, synthetic=synthetic)

    plots_demography.make_figures(run_dir, figures, lang=run.lang, synthetic=synthetic)


def write_report_if_available(run_dir: Path, lang: str) -> None:

    write_report(run_dir, lang=lang)


def print_headline(summary: pd.DataFrame, run: RunConfig, console) -> None:
    """The report's headline (aggregates.headline) in ``run.lang``: per policy, demography and
    outcome, the last year beside the first, the band under the median (fits 80 columns).

    English shows the policy codes a user types (policy=cocreation), bokmål the Norwegian
    names; demographic alternatives by SSB's code (MMMM) in both. In a sweep the table is
    introduced by the job's own overrides (the keys the sweep varies) instead of a title.
    """
    lang = run.lang
    start, end = int(summary["year"].min()), int(summary["year"].max())
    head = aggregates.headline(summary, (start, end)).set_index(
        ["policy", "demography", "metric", "year"]
    )
    n = aggregates.n_seeds(summary)
    scope = region_scope(run)
    job = sweep_job_label()
    title = i18n.t(
        "term.title.one" if n == 1 else "term.title", lang, start=start, end=end, n=n, scope=scope
    )
    if job:  # a line of its own: a table title would wrap a long label
        console.print(f"[bold]{job}[/bold] ({end}, {scope})", soft_wrap=True, highlight=False)
    table = Table(title=None if job else title, box=box.SIMPLE_HEAD, padding=(0, 1))
    table.add_column(i18n.t("term.policy", lang), overflow="fold", max_width=13)
    table.add_column(i18n.t("term.demography", lang), no_wrap=True)
    table.add_column(i18n.t("term.outcome", lang), no_wrap=True)
    for year in (start, end):
        table.add_column(str(year), justify="right", no_wrap=True)
    pairs = head.reset_index()[["policy", "demography"]].drop_duplicates()
    for k, (pol, demo) in enumerate(pairs.itertuples(index=False)):
        name = pol if lang == "en" else i18n.policy_label(pol, lang)
        for j, (metric, decimals) in enumerate(_TERMINAL_METRICS):
            cells = []
            for year in (start, end):
                row = head.loc[(pol, demo, metric, year)]
                text = i18n.fmt_number(row["median"], lang, decimals)
                if n > 1:
                    lo, hi = (i18n.fmt_number(row[q], lang, decimals) for q in ("q05", "q95"))
                    text += f"\n({lo}–{hi})"
                cells.append(text)
            first = j == 0
            table.add_row(
                name if first else "",
                demo if first else "",
                i18n.t(f"term.{metric}", lang),
                *cells,
                end_section=j == len(_TERMINAL_METRICS) - 1 and k < len(pairs) - 1,
            )
    console.print(table)


_TERMINAL_METRICS = (("volunteers", 0), ("coverage", 2), ("mean_motivation", 2))


def region_scope(run: RunConfig) -> str:
    """ "whole region", or how many of its municipalities a reduced run simulates."""
    if run.region.max_municipalities is None and not getattr(run.region, "municipalities", None):
        return i18n.t("term.scope.whole", run.lang)
    n = world_for(run.region, run.start_year).n_municipalities
    return i18n.t("term.scope.some", run.lang, n=n)


def sweep_job_label() -> str | None:
    """This job's label inside a sweep (sweep.job_label), or None outside a sweep."""

    if not HydraConfig.initialized() or HydraConfig.get().mode != RunMode.MULTIRUN:
        return None
    hydra = HydraConfig.get()
    return job_label(list(hydra.overrides.task), Path(hydra.sweep.dir))
