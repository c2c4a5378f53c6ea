"""Figures of the policy_sweep experiment: how each lever moves volunteers and coverage.

    python experiments/policy_sweep/make_figures.py [SWEEP_DIR] [--lang en|nb] [--out DIR]

SWEEP_DIR is the sweep folder (outputs/multirun/policy_sweep/<sweep id>; default: the newest).
Its ``sweep_results.parquet`` is gathered first if missing (``frivilligsim.workflow.collect``; complete
jobs only, with a note when some are missing). Writes into ``<SWEEP_DIR>/figures`` (or --out):

* ``lever_effects.csv``: regional outcome in the last year per lever combination (mean over
  seeds): volunteers, coverage, mean motivation, orders declined;
* ``lever_main_effects.png/.svg/.csv``: each lever's mean effect (averaged over the other
  levers), with the range over the other levers as a band;
* ``lever_heatmap_coverage.png/.svg/.csv``: coverage by order intensity x influence on orders.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from frivilligsim.output import aggregates, i18n  # noqa: E402
from frivilligsim.output.results import write_csv  # noqa: E402
from frivilligsim.workflow import collect  # noqa: E402

LEVERS = (
    "policy.order_intensity",
    "policy.influence_on_orders",
    "policy.evaluation_interval",
    "policy.decline_penalty",
)
METRICS = ("volunteers", "coverage", "mean_motivation", "orders_declined")
LABELS = {
    "en": {
        "policy.order_intensity": "Order intensity (share of the gap ordered)",
        "policy.influence_on_orders": "Volunteers' influence on orders",
        "policy.evaluation_interval": "Months between evaluations (0: none)",
        "policy.decline_penalty": "Penalty for declining an order",
        "main": "Effect of each lever in {year} (mean over the other levers; band: their range)",
        "heat": "Coverage of demand in {year} (mean over the other levers and replicates)",
    },
    "nb": {
        "policy.order_intensity": "Bestillingsintensitet (andel av gapet som bestilles)",
        "policy.influence_on_orders": "Frivilliges innflytelse på bestillinger",
        "policy.evaluation_interval": "Måneder mellom evalueringer (0: ingen)",
        "policy.decline_penalty": "Straff for å avslå en bestilling",
        "main": "Virkningen av hvert virkemiddel i {year} (snitt over de andre; bånd: spennet)",
        "heat": "Dekningsgrad i {year} (snitt over de andre virkemidlene og replikatene)",
    },
}


def newest_sweep(root: Path = Path("outputs/multirun/policy_sweep")) -> Path:
    sweeps = [p for p in root.glob("*") if (p / "sweep.json").is_file()]
    if not sweeps:
        raise SystemExit(
            f"no sweep under {root}; run: python -m frivilligsim -m experiment=policy_sweep"
        )
    return max(sweeps, key=lambda p: p.stat().st_mtime)


def sweep_table(sweep_dir: Path) -> pd.DataFrame:
    path = sweep_dir / collect.OUTPUT
    if not path.is_file():
        gathered = collect.collect(sweep_dir, allow_incomplete=True)
        if gathered.problems:
            print(
                f"note: {len(gathered.problems)} of {len(gathered.jobs)} jobs are not complete; "
                "the figures use the complete ones",
                file=sys.stderr,
            )
        if gathered.output is None:
            raise SystemExit(f"no complete job in {sweep_dir}")
    return pd.read_parquet(path)


def lever_effects(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Regional outcomes in the last year per lever combination, mean over seeds."""
    levers = [c for c in LEVERS if c in table.columns]
    if not levers:
        raise SystemExit("the sweep varies none of the policy levers " + ", ".join(LEVERS))
    rows = []
    for job, frame in table.groupby("job", sort=True):
        regional = aggregates.regional_series(frame)
        last = regional[regional["year"] == regional["year"].max()]
        row = {lever: frame[lever].iloc[0] for lever in levers}
        row.update({m: float(last[m].mean()) for m in METRICS if m in last})
        row.update(job=job, year=int(last["year"].iloc[0]), seeds=int(last["seed"].nunique()))
        rows.append(row)
    return pd.DataFrame(rows).sort_values(levers).reset_index(drop=True), levers


def _save(fig, out_dir: Path, name: str, data: pd.DataFrame) -> None:
    fig.savefig(out_dir / f"{name}.png", dpi=150)
    fig.savefig(out_dir / f"{name}.svg")
    write_csv(data, out_dir / f"{name}.csv")
    plt.close(fig)


def main_effects(effects: pd.DataFrame, levers: list[str], out_dir: Path, lang: str) -> None:
    labels = LABELS[lang]
    year = int(effects["year"].iloc[0])
    metrics = [m for m in ("volunteers", "coverage") if m in effects]
    fig, axes = plt.subplots(
        len(metrics), len(levers), figsize=(3.2 * len(levers), 2.8 * len(metrics)), squeeze=False
    )
    drawn = []
    for j, lever in enumerate(levers):
        for i, metric in enumerate(metrics):
            stats = effects.groupby(lever)[metric].agg(["mean", "min", "max"]).reset_index()
            ax = axes[i][j]
            ax.fill_between(stats[lever], stats["min"], stats["max"], alpha=0.2, color="C0")
            ax.plot(stats[lever], stats["mean"], marker="o", color="C0")
            ax.set_xlabel(labels[lever], fontsize=8)
            if j == 0:
                ax.set_ylabel(i18n.t(f"metric.{metric}.axis", lang), fontsize=8)
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
            drawn.append(stats.rename(columns={lever: "value"}).assign(lever=lever, metric=metric))
    fig.suptitle(labels["main"].format(year=year), fontsize=10)
    fig.text(0.01, 0.005, i18n.t("footer.synthetic", lang), fontsize=7, color="0.4")
    fig.tight_layout(rect=(0, 0.03, 1, 0.95))
    _save(fig, out_dir, "lever_main_effects", pd.concat(drawn, ignore_index=True))


def heatmap(effects: pd.DataFrame, out_dir: Path, lang: str) -> None:
    x, y = "policy.order_intensity", "policy.influence_on_orders"
    if x not in effects or y not in effects or "coverage" not in effects:
        return
    labels = LABELS[lang]
    grid = effects.groupby([y, x])["coverage"].mean().unstack(x).sort_index(ascending=False)
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    image = ax.imshow(grid.to_numpy(), cmap="viridis", aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
    ax.set_xlabel(labels[x], fontsize=8)
    ax.set_ylabel(labels[y], fontsize=8)
    middle = (grid.to_numpy().min() + grid.to_numpy().max()) / 2
    for (r, c), value in pd.DataFrame(grid.to_numpy()).stack().items():
        colour = "black" if value > middle else "white"  # readable on viridis
        ax.text(c, r, f"{value:.1%}", ha="center", va="center", fontsize=8, color=colour)
    fig.colorbar(image, ax=ax, label=i18n.t("metric.coverage.axis", lang))
    ax.set_title(labels["heat"].format(year=int(effects["year"].iloc[0])), fontsize=9)
    fig.text(0.01, 0.005, i18n.t("footer.synthetic", lang), fontsize=7, color="0.4")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _save(fig, out_dir, "lever_heatmap_coverage", grid.reset_index())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", nargs="?", type=Path, help="default: the newest sweep")
    parser.add_argument("--lang", choices=i18n.LANGS, default="en")
    parser.add_argument("--out", type=Path, default=None, help="default: <sweep dir>/figures")
    args = parser.parse_args(argv)
    sweep_dir = args.sweep_dir or newest_sweep()
    out_dir = args.out or sweep_dir / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    effects, levers = lever_effects(sweep_table(sweep_dir))
    write_csv(effects, out_dir / "lever_effects.csv")
    main_effects(effects, levers, out_dir, args.lang)
    heatmap(effects, out_dir, args.lang)
    print(f"figures of {len(effects)} lever combinations in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
