"""A self-contained HTML report of one run, in English or Norwegian bokmål.

Owns report.html: the question the experiment asks, the scenarios run, a headline table, the
figures (embedded as base64 PNG, so the file opens offline and can be mailed on its own) and
the assumptions with their sources. Reads only the run directory: results.parquet,
manifest.json and the figures folder (made with :func:`frivilligsim.output.plots.make_figures` when
missing or drawn in another language).

Command line::

    python -m frivilligsim.report <run dir> [--lang nb]

Must not: compute model quantities (aggregates.py does) or load anything from the network; the
HTML must not reference external CSS, scripts, fonts or images.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import os
import struct
import sys
from pathlib import Path

import pandas as pd

from frivilligsim.core import schema
from frivilligsim.errors import ConfigError, DataFileError, FrivilligsimError
from frivilligsim.output import aggregates, i18n, plots

RESULTS = "results.parquet"
MANIFEST = "manifest.json"
REPORT = "report.html"
FIGURES_DIR = "figures"
QUESTIONS = ("ageing_2050", "policy_sweep", "smoke")
_DONE_STATUSES = {"complete", "completed", "finished", "done", "ok", "success", "succeeded"}
_HEADLINE = (("volunteers", 0), ("coverage", 2), ("mean_motivation", 2))


# Reading the run directory -------------------------------------------------------------------


def _read_run(run_dir: Path) -> tuple[pd.DataFrame, dict]:
    expected = "expected a run directory containing results.parquet and manifest.json"
    if not run_dir.is_dir():
        raise DataFileError(run_dir, f"is not a directory; {expected}")
    for name in (RESULTS, MANIFEST):
        if not (run_dir / name).is_file():
            raise DataFileError(run_dir / name, f"is missing; {expected}")
    try:
        manifest = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(run_dir / MANIFEST, f"cannot be read as JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise DataFileError(run_dir / MANIFEST, "expected a JSON object at the top level")
    try:
        results = pd.read_parquet(run_dir / RESULTS)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise DataFileError(run_dir / RESULTS, f"cannot be read as parquet: {exc}") from None
    missing = [c for c in schema.REQUIRED_COLUMNS if c not in results.columns]
    if missing:
        raise DataFileError(run_dir / RESULTS, f"lacks required columns: {', '.join(missing)}")
    if results.empty:
        raise DataFileError(run_dir / RESULTS, "has no rows")
    return results, manifest


def _config(manifest: dict) -> dict:
    config = manifest.get("config")
    return config if isinstance(config, dict) else {}


def _experiment_name(manifest: dict) -> str:
    return str(
        _config(manifest).get("experiment_name") or manifest.get("experiment_name") or "default"
    )


def _region_name(manifest: dict) -> str:
    region = _config(manifest).get("region")
    if isinstance(region, dict):
        return str(region.get("name") or "")
    return str(region or "")


# Figures -------------------------------------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def _existing_figures(run_dir: Path, lang: str, synthetic: bool) -> dict[str, dict] | None:
    """The figures already in the run's figures folder if complete, current and in ``lang``."""
    index_path = run_dir / FIGURES_DIR / plots.INDEX_FILE
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        if index_path.stat().st_mtime < (run_dir / RESULTS).stat().st_mtime:
            return None  # drawn from an earlier results table
    except (OSError, ValueError):
        return None
    if index.get("lang") != lang or index.get("synthetic") != bool(synthetic):
        return None
    entries = index.get("figures") or {}
    if set(entries) != set(plots.FIGURE_NAMES):
        return None
    fig_dir = run_dir / FIGURES_DIR
    figures = {}
    for name, entry in entries.items():
        if entry.get("skipped"):
            figures[name] = {"skipped": entry["skipped"], "png": None, "title": ""}
            continue
        png = fig_dir / str(entry.get("png"))
        if not png.is_file():
            return None
        figures[name] = {"png": png, "title": entry.get("title", "")}
    return figures


def _figures(results: pd.DataFrame, run_dir: Path, lang: str, synthetic: bool) -> dict:
    existing = _existing_figures(run_dir, lang, synthetic)
    if existing is not None:
        return existing
    return plots.make_figures(results, run_dir / FIGURES_DIR, lang=lang, synthetic=synthetic)


def _caption(name: str, results: pd.DataFrame, lang: str) -> str:
    first_demo = i18n.demography_label(aggregates.demographies_of(results)[0], lang)
    if name.startswith("fan_"):
        metric = name.removeprefix("fan_")
        return i18n.t("caption.fan", lang, title=i18n.t(f"metric.{metric}.title", lang))
    if name in ("demand_supply", "volunteers_by_cohort"):
        return i18n.t(f"caption.{name}", lang, demography=first_demo)
    if name == "coverage_2050_distribution":
        thr = i18n.fmt_number(plots.COVERAGE_THRESHOLD, lang, 2)
        return i18n.t(f"caption.{name}", lang, year=int(results["year"].max()), thr=thr)
    return i18n.t(f"caption.{name}", lang)


# HTML ----------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f4f1; color: #1a1a1a;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Liberation Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 40px 48px; background: #fff; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 0 0 0.4rem; }
h2 { font-size: 1.35rem; margin: 2.4rem 0 0.8rem; padding-top: 0.6rem;
  border-top: 2px solid #0072B2; }
p { margin: 0.5rem 0 0.9rem; max-width: 75ch; }
.meta { color: #555; font-size: 0.9rem; }
.question { font-size: 1.15rem; font-weight: 600; max-width: 75ch; }
.note { border-left: 5px solid #E69F00; background: #fdf6e6; padding: 0.7rem 1rem;
  max-width: 80ch; }
.warning { border-left: 5px solid #D55E00; background: #fbeae1; padding: 0.7rem 1rem;
  max-width: 80ch; font-weight: 600; }
nav ol { columns: 2; padding-left: 1.4rem; margin: 0.4rem 0; }
nav a { color: #0062a0; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.95rem; }
th, td { border-bottom: 1px solid #d9d9d9; padding: 0.4rem 0.8rem; text-align: left;
  vertical-align: top; }
thead th { border-bottom: 2px solid #333; background: #f2f2f2; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th .unit { font-weight: normal; white-space: nowrap; }
.interval { color: #555; }
table.headline tbody th { font-weight: 600; background: #fafafa; }
table.headline tr.group-start > * { border-top: 2px solid #999; }
table.kv th { font-weight: 600; width: 16rem; background: none; }
table.provenance td.name, table.provenance td.value { white-space: nowrap; }
table.provenance td.value { font-variant-numeric: tabular-nums; }
table.provenance td.source { overflow-wrap: anywhere; }
table.provenance tr.group th { background: #eef3f8; padding-top: 0.6rem; }
figure { margin: 1.6rem 0 2.2rem; break-inside: avoid; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
figcaption { margin-top: 0.5rem; font-size: 0.95rem; color: #333; max-width: 90ch; }
.skipped { color: #555; font-style: italic; }
code { font-size: 0.9em; }
@media print { body { background: #fff; } main { padding: 0; }
  h2 { break-after: avoid; } }
"""

# Counts, once the page has loaded, the images that decoded; read by the headless browser test.
_SCRIPT = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  document.body.dataset.imagesTotal = String(imgs.length);
  document.body.dataset.imagesLoaded = String(ok.length);
});
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _kv_table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th scope='row'>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table class='kv'><tbody>{body}</tbody></table>"


def _status_label(status, lang: str) -> str:
    if not status:
        return i18n.t("report.sc.unknown", lang)
    status = str(status)
    key = "complete" if status.lower() in _DONE_STATUSES else status.lower()
    try:
        return i18n.t(f"status.{key}", lang)
    except KeyError:
        return status


def _scenarios(results: pd.DataFrame, manifest: dict, lang: str) -> str:
    t = i18n.t
    policies = aggregates.policies_of(results)
    demos = aggregates.demographies_of(results)
    seeds = sorted(int(s) for s in pd.unique(results["seed"]))
    synthetic = bool(manifest.get("synthetic_region", True))
    region = _region_name(manifest) or t("report.sc.unknown", lang)
    region_kind = t("report.sc.synthetic" if synthetic else "report.sc.real", lang)
    unknown = t("report.sc.unknown", lang)
    seed_text = str(len(seeds))
    if len(seeds) <= 12:
        seed_text += " (" + ", ".join(str(s) for s in seeds) + ")"
    commit = str(manifest.get("git_commit") or unknown)
    rows = [
        (t("report.sc.experiment", lang), _experiment_name(manifest)),
        (t("report.sc.region", lang), f"{region} ({region_kind})"),
        (t("report.sc.municipalities", lang), str(results["municipality"].nunique())),
        (
            t("report.sc.policies", lang),
            ", ".join(i18n.policy_label(p, lang) for p in policies),
        ),
        (
            t("report.sc.demographies", lang),
            ", ".join(i18n.demography_label(d, lang) for d in demos),
        ),
        (t("report.sc.replicates", lang), seed_text),
        (
            t("report.sc.combinations", lang),
            t(
                "report.sc.combinations.value",
                lang,
                p=len(policies),
                d=len(demos),
                s=len(seeds),
                total=len(policies) * len(demos) * len(seeds),
            ),
        ),
        (
            t("report.sc.years", lang),
            f"{int(results['year'].min())}–{int(results['year'].max())}",
        ),
        (t("report.sc.version", lang), str(manifest.get("version") or unknown)),
        (t("report.sc.commit", lang), commit[:12]),
        (t("report.sc.started", lang), str(manifest.get("started") or unknown)),
        (t("report.sc.finished", lang), str(manifest.get("finished") or unknown)),
        (t("report.sc.status", lang), _status_label(manifest.get("status"), lang)),
    ]
    return _kv_table(rows)


def headline_table(results: pd.DataFrame) -> pd.DataFrame:
    """Final-year regional volunteers, coverage and mean motivation: quantiles across seeds.

    One row per (policy, demography, metric) with ``median``, ``q05`` and ``q95``.
    """
    regional = aggregates.regional_series(results)
    return aggregates.final_year_summary(regional, [m for m, _ in _HEADLINE])


def _header_cell(label: str, numeric: bool = False) -> str:
    """A column header with its unit on a line of its own that does not break."""
    cls = " class='num'" if numeric else ""
    name, sep, unit = label.partition(" (")
    if sep:
        return f"<th scope='col'{cls}>{_e(name)}<br><span class='unit'>({_e(unit)}</span></th>"
    return f"<th scope='col'{cls}>{_e(label)}</th>"


def _headline(results: pd.DataFrame, lang: str) -> tuple[str, str]:
    t = i18n.t
    summary = headline_table(results).set_index(["policy", "demography", "metric"])
    year = int(results["year"].max())
    cols = {
        "volunteers": t("report.col.volunteers", lang),
        "coverage": t("report.col.coverage", lang),
        "mean_motivation": t("report.col.motivation", lang),
    }
    head = (
        "<tr>"
        + _header_cell(t("report.col.demography", lang))
        + _header_cell(t("report.col.policy", lang))
        + "".join(_header_cell(cols[m], numeric=True) for m, _ in _HEADLINE)
        + "</tr>"
    )
    policies = aggregates.policies_of(results)
    body = []
    for demo in aggregates.demographies_of(results):
        for k, pol in enumerate(policies):
            cells = []
            for metric, decimals in _HEADLINE:
                key = (pol, demo, metric)
                if key not in summary.index:
                    cells.append("<td class='num'>–</td>")
                    continue
                r = summary.loc[key]
                med, lo, hi = (
                    i18n.fmt_number(r[q], lang, decimals) for q in ("median", "q05", "q95")
                )
                cells.append(
                    f"<td class='num'><strong>{_e(med)}</strong> "
                    f"<span class='interval'>({_e(lo)}–{_e(hi)})</span></td>"
                )
            demo_cell = (
                f"<th scope='rowgroup' rowspan='{len(policies)}'>"
                f"{_e(i18n.demography_label(demo, lang))}</th>"
                if k == 0
                else ""
            )
            first = " class='group-start'" if k == 0 else ""
            body.append(
                f"<tr{first}>{demo_cell}<td>{_e(i18n.policy_label(pol, lang))}</td>"
                f"{''.join(cells)}</tr>"
            )
    note = t("report.headline.note", lang, year=year, n=aggregates.n_seeds(results))
    table = f"<table class='headline'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
    return f"<p>{_e(note)}</p>{table}", str(year)


def _img_tag(png: Path, alt: str) -> str:
    data = Path(png).read_bytes()
    width, height = _png_size(data)
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return f"<img src='{uri}' alt='{_e(alt)}' width='{width}' height='{height}'>"


def _figures_html(figures: dict, results: pd.DataFrame, lang: str, fig_dir: Path) -> str:
    parts = []
    number = 0
    for name in plots.FIGURE_NAMES:
        if name not in figures:
            continue
        fig = figures[name]
        caption = _caption(name, results, lang)
        if fig.get("skipped"):
            parts.append(
                f"<figure id='fig-{_e(name)}'><p class='skipped'>"
                f"{_e(i18n.t('report.figure.skipped', lang, reason=fig['skipped']))}</p>"
                f"<figcaption>{_e(caption)}</figcaption></figure>"
            )
            continue
        number += 1
        label = i18n.t("report.figure", lang, i=number)
        parts.append(
            f"<figure id='fig-{_e(name)}'>{_img_tag(fig['png'], fig.get('title') or caption)}"
            f"<figcaption><strong>{_e(label)}.</strong> {_e(caption)}</figcaption></figure>"
        )
    # figures other modules put in the same folder (e.g. demography), drawn in the run's lang
    for png in sorted(fig_dir.glob("*.png")):
        if png.stem in plots.FIGURE_NAMES:
            continue
        number += 1
        label = i18n.t("report.figure", lang, i=number)
        parts.append(
            f"<figure id='fig-{_e(png.stem)}'>{_img_tag(png, png.stem)}"
            f"<figcaption><strong>{_e(label)}.</strong> <code>{_e(png.name)}</code>"
            "</figcaption></figure>"
        )
    return "".join(parts)


def _format_value(value, lang: str) -> str:
    if isinstance(value, bool):
        return i18n.t("value.yes" if value else "value.no", lang)
    if isinstance(value, float):
        text = f"{value:.6g}"  # parameters keep their significant digits
        text = text.replace(".", ",") if lang == "nb" else text
        return text.replace("-", "\u2212", 1) if text.startswith("-") else text
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _provenance(manifest: dict, lang: str) -> str:
    t = i18n.t
    rows = manifest.get("provenance")
    if not isinstance(rows, list) or not rows:
        return f"<p class='note'>{_e(t('report.provenance.absent', lang))}</p>"
    unknown = t("report.sc.unknown", lang)
    head = "".join(
        f"<th scope='col'>{_e(t(k, lang))}</th>"
        for k in ("report.col.parameter", "report.col.value", "report.col.source")
    )
    body = []
    group = object()
    for row in rows:
        row = row if isinstance(row, dict) else {"value": row}
        if row.get("group", "") != group:
            group = row.get("group", "")
            label = f"{t('report.col.group', lang)}: {group}" if group else ""
            body.append(f"<tr class='group'><th scope='rowgroup' colspan='3'>{_e(label)}</th></tr>")
        body.append(
            "<tr>"
            f"<td class='name'><code>{_e(row.get('name', ''))}</code></td>"
            f"<td class='value'>{_e(_format_value(row.get('value', ''), lang))}</td>"
            f"<td class='source'>{_e(row.get('source') or unknown)}</td>"
            "</tr>"
        )
    return (
        f"<p>{_e(t('report.provenance.intro', lang))}</p>"
        f"<table class='provenance'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def render_html(results: pd.DataFrame, manifest: dict, figures: dict, lang: str, fig_dir: Path):
    """The report as one HTML string (images embedded)."""
    t = i18n.t
    experiment = _experiment_name(manifest)
    question_key = (
        f"report.question.{experiment}" if experiment in QUESTIONS else "report.question.generic"
    )
    end = int(results["year"].max())
    title = t("report.title", lang, end=end)
    status = str(manifest.get("status") or "")
    warnings = []
    if status and status.lower() not in _DONE_STATUSES:
        warnings.append(
            f"<p class='warning'>"
            f"{_e(t('report.warn.status', lang, status=_status_label(status, lang)))}</p>"
        )
    if bool(manifest.get("synthetic_region", True)):
        warnings.append(f"<p class='note'>{_e(t('report.warn.synthetic', lang))}</p>")
    headline, year = _headline(results, lang)
    sections = [
        ("question", t("report.question", lang)),
        ("scenarios", t("report.scenarios", lang)),
        ("headline", t("report.headline", lang, year=year)),
        ("figures", t("report.figures", lang)),
        ("provenance", t("report.provenance", lang)),
    ]
    nav = "".join(f"<li><a href='#{sid}'>{_e(name)}</a></li>" for sid, name in sections)
    footer = t(
        "footer.synthetic" if manifest.get("synthetic_region", True) else "footer.real", lang
    )
    version = manifest.get("version") or ""
    return f"""<!DOCTYPE html>
<html lang="{_e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{_e(title)}</h1>
<p class="meta">{_e(t("report.sc.experiment", lang))}: <code>{_e(experiment)}</code>.
{_e(t("report.generated", lang, version=version))} {_e(footer)}.</p>
{"".join(warnings)}
<nav><ol>{nav}</ol></nav>
<h2 id="question">{_e(sections[0][1])}</h2>
<p class="question">{_e(t(question_key, lang))}</p>
<p>{_e(t("report.policies.explained", lang))}</p>
<h2 id="scenarios">{_e(sections[1][1])}</h2>
{_scenarios(results, manifest, lang)}
<h2 id="headline">{_e(sections[2][1])}</h2>
{headline}
<h2 id="figures">{_e(sections[3][1])}</h2>
<p>{_e(t("report.figures.data", lang))}</p>
{_figures_html(figures, results, lang, fig_dir)}
<h2 id="provenance">{_e(sections[4][1])}</h2>
{_provenance(manifest, lang)}
</main>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def _write_atomic(path: Path, text: str):
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_report(run_dir: Path, lang: str | None = None) -> Path:
    """Write ``run_dir/report.html`` from the run's results and manifest; return its path.

    The language is ``lang`` if given, else the manifest's ``config.lang``, else English.
    Figures are taken from ``run_dir/figures`` when they are complete and in that language,
    else drawn there with :func:`frivilligsim.output.plots.make_figures`.

    Raises:
        DataFileError: results.parquet or manifest.json is missing or unreadable.
        ConfigError: the language is not one of :data:`frivilligsim.output.i18n.LANGS`.
    """
    run_dir = Path(run_dir)
    results, manifest = _read_run(run_dir)
    lang = lang or _config(manifest).get("lang") or "en"
    try:
        i18n.check_lang(lang)
    except ValueError as exc:
        raise ConfigError(f"lang: {exc}") from None
    synthetic = bool(manifest.get("synthetic_region", True))
    figures = _figures(results, run_dir, lang, synthetic)
    out = run_dir / REPORT
    _write_atomic(out, render_html(results, manifest, figures, lang, run_dir / FIGURES_DIR))
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m frivilligsim.report <run dir> [--lang nb]``; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m frivilligsim.report",
        description="Write report.html (self-contained, figures embedded) for a run directory.",
    )
    parser.add_argument(
        "run_dir", type=Path, help="directory with results.parquet and manifest.json"
    )
    parser.add_argument(
        "--lang", choices=i18n.LANGS, default=None, help="language (default: the run's config.lang)"
    )
    args = parser.parse_args(argv)
    try:
        path = write_report(args.run_dir, lang=args.lang)
    except FrivilligsimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
