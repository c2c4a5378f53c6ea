"""Figures and report of the ageing_2050 experiment, from its outputs.

    python experiments/ageing_2050/make_figures.py [RUN_OR_SWEEP_DIR] [--lang en|nb] [--no-report]

RUN_OR_SWEEP_DIR is either

* a run folder of ``python -m frivilligsim experiment=ageing_2050`` (default: the newest under
  outputs/ageing_2050/): figures are drawn into ``<run>/figures`` with
  ``frivilligsim.output.plots.make_figures`` and ``<run>/report.html`` is (re)written with
  ``frivilligsim.output.report.write_report``; or
* a sweep folder of the same experiment split into replicate chunks (e.g. on SLURM,
  ``-m experiment=ageing_2050 replicates=10 replicate_start=0,10,...``): the jobs are gathered
  (``frivilligsim.workflow.collect``, if ``sweep_results.parquet`` is missing) and the figures of all
  replicates together are drawn into ``<sweep>/figures`` (no report: it belongs to one run).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from frivilligsim.output import i18n, plots
from frivilligsim.output.report import output_names
from frivilligsim.workflow import collect
from frivilligsim.workflow.sweep import IDENTITY, job_dirs


def newest_run(root: Path = Path("outputs/ageing_2050")) -> Path:
    runs = [p for p in root.glob("*") if (p / "results.parquet").is_file()]
    if not runs:
        raise SystemExit(f"no run under {root}; run: python -m frivilligsim experiment=ageing_2050")
    return max(runs, key=lambda p: p.stat().st_mtime)


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def sweep_results(sweep_dir: Path) -> tuple[pd.DataFrame, dict]:
    """All replicates of a chunked sweep in one table (the swept columns dropped)."""
    path = sweep_dir / collect.OUTPUT
    if not path.is_file():
        gathered = collect.collect(sweep_dir, allow_incomplete=True)
        for job in gathered.problems:
            print(f"note: job not complete ({job.status}): {job.path or job.overrides}")
        if gathered.output is None:
            raise SystemExit(f"no complete job in {sweep_dir}")
    table = pd.read_parquet(path)
    swept = [c for c in table.columns if c == "job" or c.startswith(collect.PREFIX)]
    swept += [c for c in ("replicate_start",) if c in table.columns]
    jobs = job_dirs(sweep_dir)
    return table.drop(columns=swept), (_manifest(jobs[0]) if jobs else {})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, help="default: the newest ageing_2050 run")
    parser.add_argument("--lang", choices=i18n.LANGS, default=None, help="default: the run's lang")
    parser.add_argument("--no-report", action="store_true", help="figures only")
    args = parser.parse_args(argv)
    folder = args.folder or newest_run()
    if (folder / IDENTITY).is_file() or (folder / collect.OUTPUT).is_file():
        results, manifest = sweep_results(folder)
        report = False
    else:
        if not (folder / "results.parquet").is_file():
            raise SystemExit(f"{folder} holds no results.parquet (nor a sweep's sweep.json)")
        results, manifest = pd.read_parquet(folder / "results.parquet"), _manifest(folder)
        report = not args.no_report
    run_lang = (manifest.get("config") or {}).get("lang") or "en"
    lang = args.lang or run_lang
    synthetic = bool(manifest.get("synthetic_region", True))
    runs = results[["policy", "demography", "seed"]].drop_duplicates()
    # another language's figures go beside the run's own (figures_<lang>/), never over them
    out = folder / output_names(run_lang, lang)[1]
    figures = plots.make_figures(results, out, lang=lang, synthetic=synthetic)
    drawn = [name for name, fig in figures.items() if not fig.get("skipped")]
    print(f"{len(drawn)} figures from {len(runs)} runs in {out}")
    if report:
        from frivilligsim.output.report import write_report

        print(f"report: {write_report(folder, lang=lang)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
