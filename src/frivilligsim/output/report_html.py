"""The HTML of a report: sections, tables and embedded figures, in English or bokmål.

Owns the page: the question, the scenarios run, what each outcome means, the headline (first and
last year, median and 90 % band across replicates), the explanation of unexpected orderings,
the map, the results by municipality, the figures (base64 PNG, so the file opens offline and can
be mailed on its own) and the assumptions with their sources, every source resolved to a file
of the repository. Must not: read files other than the figures it embeds, load anything from
the network, or compute model quantities (aggregates.py and orderings.py do).
"""

from __future__ import annotations

import base64
import html
import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from frivilligsim.output import aggregates, i18n, orderings

QUESTIONS = ("ageing_2050", "policy_sweep", "smoke")
DONE_STATUSES = {"complete", "completed", "finished", "done", "ok", "success", "succeeded"}
_HEADLINE = (("volunteers", 0), ("coverage", 2), ("mean_motivation", 2))

# The model specification's sections, as the configuration comments cite them, and where each
# now lives in this repository
_SPEC_SECTIONS = {
    "1": "docs/ODD.md section 1",
    "2": "docs/ODD.md section 2",
    "3": "docs/ODD.md section 3",
    "4": "docs/ODD.md section 4",
    "5": "docs/ODD.md section 5",
    "6": "docs/ODD.md section 6 and docs/demography.md",
    "7": "docs/ODD.md section 7",
    "8": "docs/ODD.md section 7.9",
    "9": "docs/calibration.md",
}
_SPEC_REF = re.compile(r"MODEL\.md,? (?:section|s\.)\s*(\d+)")


def resolve_source(text: str) -> str:
    """A source with every reference to the model specification pointed at docs/ in the repo."""
    return _SPEC_REF.sub(lambda m: _SPEC_SECTIONS.get(m.group(1), "docs/ODD.md"), str(text))


@dataclass
class Page:
    """What one report shows: the run, the language, and for a municipality report its place."""

    results: pd.DataFrame
    manifest: dict
    lang: str
    figures: dict = field(default_factory=dict)
    extra_figures: list = field(default_factory=list)  # (name, png, caption)
    map_figure: dict | None = None
    ages: pd.DataFrame | None = None
    captions: dict = field(default_factory=dict)
    figure_names: tuple = ()
    municipality: str | None = None
    place: str | None = None
    centrality: object = None
    n_municipalities: int = 0
    region_report: str = "report.html"


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _rich(text: str) -> str:
    """Escaped text with `backticked` spans (file names, commands) set as code."""
    parts = _e(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _t(key: str, page: Page, **fields) -> str:
    return i18n.t(key, page.lang, **fields)


def _config(manifest: dict) -> dict:
    config = manifest.get("config")
    return config if isinstance(config, dict) else {}


def experiment_name(manifest: dict) -> str:
    return str(
        _config(manifest).get("experiment_name") or manifest.get("experiment_name") or "default"
    )


def _region_name(manifest: dict) -> str:
    region = _config(manifest).get("region")
    if isinstance(region, dict):
        return str(region.get("name") or "")
    return str(region or "")


def _synthetic(manifest: dict) -> bool:
    return bool(manifest.get("synthetic_region", True))


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def _img_tag(png: Path, alt: str) -> str:
    data = Path(png).read_bytes()
    width, height = png_size(data)
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return f"<img src='{uri}' alt='{_e(alt)}' width='{width}' height='{height}'>"


def _kv_table(rows: list[tuple[str, str]]) -> str:
    """Rows of a name and a value; a value in backticks is a code (see :func:`_rich`)."""
    body = "".join(f"<tr><th scope='row'>{_e(k)}</th><td>{_rich(v)}</td></tr>" for k, v in rows)
    return f"<table class='kv'><tbody>{body}</tbody></table>"


def status_label(status, lang: str) -> str:
    if not status:
        return i18n.t("report.sc.unknown", lang)
    status = str(status)
    key = "complete" if status.lower() in DONE_STATUSES else status.lower()
    try:
        return i18n.t(f"status.{key}", lang)
    except KeyError:
        return status


# Scenarios -----------------------------------------------------------------------------------


def _replicates_text(page: Page) -> str:
    n = aggregates.n_seeds(page.results)
    base = _config(page.manifest).get("seed")
    base = _t("report.sc.unknown", page) if base is None else base
    if n == 1:
        return _t("report.sc.replicates.one", page, base=base)
    return _t("report.sc.replicates.value", page, n=n, last=n - 1, base=base)


def _scenarios(page: Page) -> str:
    results, manifest, lang = page.results, page.manifest, page.lang
    policies = aggregates.policies_of(results)
    demos = aggregates.demographies_of(results)
    n = aggregates.n_seeds(results)
    unknown = _t("report.sc.unknown", page)
    region = _region_name(manifest) or unknown
    kind = _t("report.sc.synthetic" if _synthetic(manifest) else "report.sc.real", page)
    rows = [
        (_t("report.sc.experiment", page), f"`{experiment_name(manifest)}`"),
        (_t("report.sc.region", page), f"`{region}` ({kind})"),
        (_t("report.sc.municipalities", page), str(page.n_municipalities)),
        (
            _t("report.sc.policies", page),
            ", ".join(i18n.policy_label(p, lang) for p in policies),
        ),
        (
            _t("report.sc.demographies", page),
            ", ".join(i18n.demography_label(d, lang) for d in demos),
        ),
        (_t("report.sc.replicates", page), _replicates_text(page)),
        (
            _t("report.sc.combinations", page),
            _t(
                "report.sc.combinations.value",
                page,
                p=len(policies),
                d=len(demos),
                s=n,
                total=len(policies) * len(demos) * n,
            ),
        ),
        (
            _t("report.sc.years", page),
            f"{int(results['year'].min())}–{int(results['year'].max())}",
        ),
        (_t("report.sc.version", page), str(manifest.get("version") or unknown)),
        (_t("report.sc.commit", page), str(manifest.get("git_commit") or unknown)[:12]),
        (_t("report.sc.started", page), str(manifest.get("started") or unknown)),
        (_t("report.sc.finished", page), str(manifest.get("finished") or unknown)),
        (_t("report.sc.status", page), status_label(manifest.get("status"), lang)),
    ]
    return _kv_table(rows)


# Definitions ---------------------------------------------------------------------------------


def _definitions(page: Page) -> str:
    lang, results = page.lang, page.results
    end = int(results["year"].max())
    paras = [_t("def.volunteers", page), _t("def.coverage", page)]
    if page.municipality is None:
        demo = aggregates.demographies_of(results)[0]
        means = aggregates.mean_of_municipal_coverage(results, end)
        means = means[means["demography"] == demo].set_index("policy")["coverage"]
        regional = aggregates.regional_series(results)
        regional = regional[(regional["year"] == end) & (regional["demography"] == demo)]
        regional = regional.groupby("policy")["coverage"].median()
        policies = [p for p in aggregates.policies_of(results) if p in means.index]
        if policies:
            values = ", ".join(
                f"{i18n.policy_label(p, lang)} {i18n.fmt_number(means[p], lang, 3)}"
                for p in policies
            )
            reg = ", ".join(
                f"{i18n.policy_label(p, lang)} {i18n.fmt_number(regional[p], lang, 3)}"
                for p in policies
            )
            paras.append(
                _t(
                    "def.coverage.mean",
                    page,
                    values=values,
                    year=end,
                    demography=i18n.demography_label(demo, lang),
                    regional=reg,
                )
            )
    paras += [
        _t("def.coverage.illustrative", page),
        _t("def.motivation", page),
        _t("def.replicates", page),
    ]
    cls = ["", "", "", "note", "", ""] if len(paras) == 6 else ["", "", "note", "", ""]
    return "".join(
        f"<p class='{c}'>{_e(text)}</p>" if c else f"<p>{_e(text)}</p>"
        for c, text in zip(cls, paras, strict=True)
    )


# Headline ------------------------------------------------------------------------------------


def _header_cell(label: str, numeric: bool = False, colspan: int = 1, rowspan: int = 1) -> str:
    """A column header with its unit on a line of its own that does not break."""
    attrs = " class='num'" if numeric else ""
    attrs += f" colspan='{colspan}'" if colspan > 1 else ""
    attrs += f" rowspan='{rowspan}'" if rowspan > 1 else ""
    name, sep, unit = label.partition(" (")
    if sep:
        return f"<th scope='col'{attrs}>{_e(name)}<br><span class='unit'>({_e(unit)}</span></th>"
    return f"<th scope='col'{attrs}>{_e(label)}</th>"


def _band_cell(row, lang: str, decimals: int) -> str:
    med = i18n.fmt_number(row["median"], lang, decimals)
    if int(row["n"]) <= 1:
        return f"<td class='num'><strong>{_e(med)}</strong></td>"
    lo, hi = (i18n.fmt_number(row[q], lang, decimals) for q in ("q05", "q95"))
    return (
        f"<td class='num'><strong>{_e(med)}</strong><br>"
        f"<span class='interval'>({_e(lo)}–{_e(hi)})</span></td>"
    )


def _headline(page: Page) -> str:
    results, lang = page.results, page.lang
    start, end = int(results["year"].min()), int(results["year"].max())
    head = aggregates.headline(aggregates.regional_series(results), (start, end))
    head = head.set_index(["policy", "demography", "metric", "year"])
    cols = {
        "volunteers": _t("report.col.volunteers", page),
        "coverage": _t("report.col.coverage", page),
        "mean_motivation": _t("report.col.motivation", page),
    }
    top = (
        "<tr>"
        + _header_cell(_t("report.col.demography", page), rowspan=2)
        + _header_cell(_t("report.col.policy", page), rowspan=2)
        + "".join(_header_cell(cols[m], numeric=True, colspan=2) for m, _ in _HEADLINE)
        + "</tr><tr>"
        + "".join(f"<th scope='col' class='num'>{y}</th>" for _ in _HEADLINE for y in (start, end))
        + "</tr>"
    )
    policies = aggregates.policies_of(results)
    body = []
    for demo in aggregates.demographies_of(results):
        for k, pol in enumerate(policies):
            cells = []
            for metric, decimals in _HEADLINE:
                for year in (start, end):
                    key = (pol, demo, metric, year)
                    if key not in head.index:
                        cells.append("<td class='num'>–</td>")
                    else:
                        cells.append(_band_cell(head.loc[key], lang, decimals))
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
    n = aggregates.n_seeds(results)
    key = "report.headline.note" if page.municipality is None else "report.headline.note.muni"
    key += ".one" if n == 1 else ""
    note = _t(key, page, start=start, year=end, n=n, place=page.place or "")
    table = f"<table class='headline'><thead>{top}</thead><tbody>{''.join(body)}</tbody></table>"
    return f"<p>{_rich(note)}</p>{table}"


# Orderings -----------------------------------------------------------------------------------


def _signed(x: float, lang: str, decimals: int = 0) -> str:
    text = i18n.fmt_number(x, lang, decimals)
    return text if text.startswith("\u2212") or text in ("0", "–") else "+" + text


def _range(values, lang: str, decimals: int) -> str:
    lo, hi = float(min(values)), float(max(values))
    if i18n.fmt_number(lo, lang, decimals) == i18n.fmt_number(hi, lang, decimals):
        return _signed(lo, lang, decimals)
    return f"{_signed(lo, lang, decimals)} … {_signed(hi, lang, decimals)}"


def _percent(x: float, lang: str) -> str:
    return f"{_signed(100 * x, lang, 1)} %"


def _contrast_html(c: orderings.Contrast, page: Page) -> str:
    lang = page.lang
    bp = c.by_policy
    what = []
    if c.more_volunteers:
        what.append(
            _t(
                "order.more_volunteers",
                page,
                range=_range(bp["volunteers"] - bp["volunteers_ref"], lang, 0),
            )
        )
    if c.higher_coverage:
        what.append(
            _t(
                "order.higher_coverage",
                page,
                range=_range(bp["coverage"] - bp["coverage_ref"], lang, 3),
            )
        )
    demo, ref = i18n.demography_label(c.demography, lang), i18n.demography_label(c.reference, lang)
    claim = _t(
        "order.claim",
        page,
        demo=demo,
        reference=ref,
        year=c.year,
        share=f"{i18n.fmt_number(100 * c.share_70plus, lang, 1)} %",
        share_ref=f"{i18n.fmt_number(100 * c.share_70plus_ref, lang, 1)} %",
        what=_t("order.join", page).join(what),
    )
    items = []
    for band, delta in c.residents.items():
        items.append(
            _t(
                "order.residents",
                page,
                delta=_signed(delta, lang),
                band=_t(f"order.band.{band}", page) if f"order.band.{band}" in i18n.en else band,
                kind=_t(f"order.kind.{band}", page) if f"order.kind.{band}" in i18n.en else "",
            ).replace(" ()", "")
        )
    ranked = sorted(c.volunteers_by_cohort.items(), key=lambda kv: -kv[1])
    items += [
        _t("order.cohort", page, delta=_signed(d, lang), cohort=i18n.cohort_label(k, lang))
        for k, d in ranked
    ]
    areas = sorted(c.demand_by_area.items(), key=lambda kv: kv[1])
    items += [
        _t("order.area", page, area=i18n.area_label(a, lang), delta=_percent(d, lang))
        for a, d in areas
    ]
    summary = []
    gained = [i18n.cohort_label(k, lang) for k, d in ranked if d > 0]
    if c.more_volunteers and gained:
        summary.append(_t("order.summary.volunteers", page, cohorts=", ".join(gained)))
    if c.higher_coverage and c.demand_total < 0:
        delta = _percent(c.demand_total, lang)
        summary.append(_t("order.summary.demand", page, delta=delta, reference=ref))
    summary.append(_t("order.summary.note", page, year=c.year, demo=demo, reference=ref))
    lis = "".join(f"<li>{_e(x)}</li>" for x in items)
    return (
        f"<p>{_e(claim)} {_e(_t('order.because', page))}</p><ul>{lis}</ul>"
        f"<p>{_e(' '.join(summary))}</p>"
    )


def _orderings(page: Page) -> str:
    found = orderings.surprising_orderings(page.results, page.ages)
    if not found:
        ref = i18n.demography_label(aggregates.demographies_of(page.results)[0], page.lang)
        return f"<p>{_e(_t('report.orderings.none', page, reference=ref))}</p>"
    return "".join(_contrast_html(c, page) for c in found)


# Map, municipalities, figures ----------------------------------------------------------------


def _figure(
    fig_id: str, png: Path, number: int | None, caption: str, page: Page, alt: str = ""
) -> str:
    label = (
        "" if number is None else f"<strong>{_e(_t('report.figure', page, i=number))}.</strong> "
    )
    return (
        f"<figure id='fig-{_e(fig_id)}'>{_img_tag(png, alt or caption)}"
        f"<figcaption>{label}{_e(caption)}</figcaption></figure>"
    )


def _map(page: Page) -> str:
    entry = page.map_figure or {}
    if not entry.get("png"):
        reason = entry.get("skipped") or _t("report.map.missing", page)
        return f"<p class='skipped'>{_e(_t('report.map.none', page, reason=reason))}</p>"
    meta = entry.get("meta") or {}
    key = "caption.map" if meta.get("paired") else "caption.map.one"
    caption = _t(
        key,
        page,
        year=meta.get("year", ""),
        policy=i18n.policy_label(meta.get("policy", ""), page.lang),
        demography=i18n.demography_label(meta.get("demography", ""), page.lang),
    )
    return _figure("map", entry["png"], None, caption, page, alt=entry.get("title", ""))


def _municipalities(page: Page) -> str:
    start, end = int(page.results["year"].min()), int(page.results["year"].max())
    return f"<p>{_rich(_t('report.municipalities.text', page, start=start, end=end))}</p>"


def _municipality_table(page: Page) -> str:
    """Residents and 70+ share of the municipality in the first and last year."""
    results, lang = page.results, page.lang
    start, end = int(results["year"].min()), int(results["year"].max())
    table = aggregates.municipality_table(results)
    demos = aggregates.demographies_of(results)
    head = (
        "<tr>"
        + _header_cell(_t("report.col.demography", page))
        + _header_cell(f"{_t('report.col.residents', page)}", numeric=True, colspan=2)
        + _header_cell(_t("report.col.share_70plus", page), numeric=True, colspan=2)
        + "</tr><tr><th></th>"
        + "".join(f"<th class='num'>{y}</th>" for _ in range(2) for y in (start, end))
        + "</tr>"
    )
    body = []
    for demo in demos:
        row = table[table["demography"] == demo].iloc[0]
        cells = [i18n.fmt_number(row[f"residents_{y}"], lang, 0) for y in (start, end)]
        cells += [
            f"{i18n.fmt_number(100 * row[f'share_70plus_{y}'], lang, 1)} %" for y in (start, end)
        ]
        body.append(
            f"<tr><td>{_e(i18n.demography_label(demo, lang))}</td>"
            + "".join(f"<td class='num'>{_e(c)}</td>" for c in cells)
            + "</tr>"
        )
    return f"<table class='headline'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _figures_html(page: Page, captions: dict[str, str], names) -> str:
    parts = []
    number = 0
    for name in names:
        if name not in page.figures:
            continue
        fig = page.figures[name]
        caption = captions[name]
        if fig.get("skipped"):
            reason = _t("report.figure.skipped", page, reason=fig["skipped"])
            parts.append(
                f"<figure id='fig-{_e(name)}'><p class='skipped'>{_e(reason)}</p>"
                f"<figcaption>{_e(caption)}</figcaption></figure>"
            )
            continue
        number += 1
        parts.append(_figure(name, fig["png"], number, caption, page, fig.get("title") or ""))
    for name, png, caption in page.extra_figures:
        number += 1
        parts.append(_figure(name, png, number, caption, page))
    return "".join(parts)


# Provenance ----------------------------------------------------------------------------------


def _format_value(value, lang: str) -> tuple[str, bool]:
    """The value as shown, and whether it is a code (shown as such, not translated)."""
    if isinstance(value, bool):
        return i18n.t("value.yes" if value else "value.no", lang), False
    if isinstance(value, float):
        text = f"{value:.6g}"  # parameters keep their significant digits
        text = text.replace(".", ",") if lang == "nb" else text
        return (text.replace("-", "\u2212", 1) if text.startswith("-") else text), False
    if isinstance(value, int):
        return str(value), False
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False), True
    return str(value), True


def _group_label(group: str, page: Page) -> str:
    """The group's name in the page's language; a group without one is shown as code."""
    key = f"group.{group}"
    return _e(_t(key, page)) if key in i18n.en else f"<code>{_e(group)}</code>"


def _provenance(page: Page) -> str:
    rows = page.manifest.get("provenance")
    if not isinstance(rows, list) or not rows:
        return f"<p class='note'>{_e(_t('report.provenance.absent', page))}</p>"
    unknown = _t("report.sc.unknown", page)
    head = "".join(
        f"<th scope='col'>{_e(_t(k, page))}</th>"
        for k in ("report.col.parameter", "report.col.value", "report.col.source")
    )
    body = []
    group = object()
    for row in rows:
        row = row if isinstance(row, dict) else {"value": row}
        if row.get("group", "") != group:
            group = row.get("group", "")
            label = f"{_e(_t('report.col.group', page))}: {_group_label(group, page)}"
            label = label if group else ""
            body.append(f"<tr class='group'><th scope='rowgroup' colspan='3'>{label}</th></tr>")
        value, is_code = _format_value(row.get("value", ""), page.lang)
        value = f"<code>{_e(value)}</code>" if is_code else _e(value)
        body.append(
            "<tr>"
            f"<td class='name'><code>{_e(row.get('name', ''))}</code></td>"
            f"<td class='value'>{value}</td>"
            f"<td class='source' lang='en'>{_e(resolve_source(row.get('source') or unknown))}</td>"
            "</tr>"
        )
    return (
        f"<p>{_e(_t('report.provenance.intro', page))}</p>"
        f"<table class='provenance'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


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
table.provenance td.source { overflow-wrap: anywhere; }\nul { max-width: 75ch; }
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


def _sections(page: Page) -> list[tuple[str, str, str]]:
    """(id, heading, body) of each section, in order."""
    t = lambda key, **kw: _t(key, page, **kw)  # noqa: E731
    year = int(page.results["year"].max())
    out = []
    if page.municipality is None:
        name = experiment_name(page.manifest)
        q_key = f"report.question.{name}" if name in QUESTIONS else "report.question.generic"
        question = f"<p class='question'>{_e(t(q_key))}</p>"
    else:
        question = f"<p class='question'>{_rich(muni_intro(page))}</p>" + (
            f"<p class='note'>{_e(t('report.muni.centre.none', name=page.place))}</p>"
            if not _has_centre(page)
            else ""
        )
    question += f"<p>{_e(t('report.policies.explained'))}</p>"
    question += f"<p>{_e(t('report.policies.gap'))}</p>"
    out.append(("question", t("report.question"), question))
    out.append(("scenarios", t("report.scenarios"), _scenarios(page)))
    out.append(("definitions", t("report.definitions"), _definitions(page)))
    out.append(("headline", t("report.headline", year=year), _headline(page)))
    if page.municipality is None:
        out.append(("orderings", t("report.orderings"), _orderings(page)))
    out.append(("map", t("report.map"), _map(page)))
    if page.municipality is None:
        out.append(("municipalities", t("report.municipalities"), _municipalities(page)))
    else:
        out.append(("municipality", t("report.muni.table"), _municipality_table(page)))
    figures = f"<p>{_e(t('report.figures.data'))}</p>" + _figures_html(
        page, page.captions, page.figure_names
    )
    out.append(("figures", t("report.figures"), figures))
    out.append(("provenance", t("report.provenance"), _provenance(page)))
    return out


def _has_centre(page: Page) -> bool:
    return "centres" not in page.results or bool((page.results["centres"] > 0).any())


def muni_intro(page: Page) -> str:
    unknown = _t("report.sc.unknown", page)
    centrality = unknown if page.centrality is None or pd.isna(page.centrality) else page.centrality
    return _t(
        "report.muni.intro",
        page,
        name=str(page.place).removesuffix(f" ({page.municipality})"),
        code=page.municipality,
        centrality=centrality,
        municipalities=page.n_municipalities,
        region_report=page.region_report,
    )


def render_html(page: Page) -> str:
    """The report as one HTML string (images embedded)."""
    t = lambda key, **kw: _t(key, page, **kw)  # noqa: E731
    end = int(page.results["year"].max())
    if page.municipality is None:
        title = t("report.title", end=end)
    else:
        title = t("report.muni.title", name=page.place, end=end)
    status = str(page.manifest.get("status") or "")
    warnings = []
    if status and status.lower() not in DONE_STATUSES:
        label = status_label(status, page.lang)
        warnings.append(f"<p class='warning'>{_e(t('report.warn.status', status=label))}</p>")
    if _synthetic(page.manifest):
        warnings.append(f"<p class='note'>{_e(t('report.warn.synthetic'))}</p>")
    warnings.append(f"<p class='note'>{_rich(t('report.chance_only'))}</p>")
    warnings.append(f"<p class='note'>{_rich(t('report.settling'))}</p>")
    sections = _sections(page)
    footer = t("footer.synthetic" if _synthetic(page.manifest) else "footer.real")
    version = page.manifest.get("version") or ""
    experiment = experiment_name(page.manifest)
    meta = (
        f"{_e(t('report.sc.experiment'))}: <code>{_e(experiment)}</code>.\n"
        f"{_e(t('report.generated', version=version))} {_e(footer)}."
    )
    return html_page(page.lang, title, meta, sections, "".join(warnings))


def html_page(lang: str, title: str, meta_html: str, sections, before_nav: str = "") -> str:
    """A self-contained report page: title, meta line, contents list, then the sections
    ``(id, heading, html)``; shared by the run report and the ensemble report."""
    nav = "".join(f"<li><a href='#{sid}'>{_e(name)}</a></li>" for sid, name, _ in sections)
    body = "".join(
        f"<h2 id='{sid}'>{_e(name)}</h2>\n{content}\n" for sid, name, content in sections
    )
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
<p class="meta">{meta_html}</p>
{before_nav}
<nav><ol>{nav}</ol></nav>
{body}</main>
<script>{_SCRIPT}</script>
</body>
</html>
"""
