"""The report of an ensemble run folder: what the model can say, with both kinds of range.

Owns the ensemble report (report.html and report.md, en or nb, for the region or one
municipality), the ensemble folder's ``municipalities.csv`` and the terminal headline of an
ensemble run. It leads with what the model can and cannot say, then gives the end-year headline
of each policy and demography with the range across plausible versions of the model (the
ensemble) and the range from chance (seeds), the paired difference to the reference policy and
the share of the ensemble where its sign holds; a figure of both bands per year; the posterior
predictive check; the policy gap lever by lever with ageing apart from policy (from a
decomposition run folder); and the assumptions with the most influence (from a sensitivity run
folder). Every number is rounded by :mod:`frivilligsim.output.rounding`.

Reads (all written by ``experiment=ensemble``): headline_uncertainty.csv,
municipality_uncertainty.csv, posterior_predictive.csv, parameter_sets.csv, yearly_uncertainty.csv,
ensemble.json and manifest.json; a decomposition folder's policy_gap_decomposition.csv (+ detail,
ageing_and_policy.csv, decomposition.json); a sensitivity folder's sobol_indices.csv or
morris_indices.csv, sobol_convergence.csv and manifest.json (parameter provenance).
Must not: compute model quantities (the analyses wrote them) or hold words (i18n.py does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from frivilligsim.errors import ConfigError, DataFileError
from frivilligsim.output import i18n, rounding, tables, uncertainty_figures
from frivilligsim.output.report_html import _e, _img_tag, _rich, html_page
from frivilligsim.output.run_files import check_lang, municipality_info, output_names, write_atomic

HEADLINE = "headline_uncertainty.csv"
MUNICIPALITIES = "municipality_uncertainty.csv"
CHECK = "posterior_predictive.csv"
SETS = "parameter_sets.csv"
YEARLY = "yearly_uncertainty.csv"
TOP_INFLUENCE = 8
HEADLINE_OUTCOMES = ("volunteers", "coverage")


def is_ensemble_folder(folder: Path) -> bool:
    return (Path(folder) / HEADLINE).is_file()


# Reading -------------------------------------------------------------------------------------


def _csv(path: Path, required: bool = True) -> pd.DataFrame | None:
    if not path.is_file():
        if required:
            raise DataFileError(path, "is missing; expected an ensemble run folder")
        return None
    try:
        return pd.read_csv(path, dtype={"municipality": str})
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataFileError(path, f"cannot be read as CSV: {exc}") from None


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class Ensemble:
    """What an ensemble folder holds (optional parts None)."""

    folder: Path
    headline: pd.DataFrame
    municipalities: pd.DataFrame | None
    check: pd.DataFrame | None
    sets: pd.DataFrame | None
    yearly: pd.DataFrame | None
    manifest: dict
    info: dict

    @property
    def config(self) -> dict:
        config = self.manifest.get("config")
        return config if isinstance(config, dict) else {}

    @property
    def year(self) -> int:
        return int(self.headline["year"].max())

    @property
    def reference(self) -> str:
        refs = self.headline["compared_with"].dropna()
        refs = [r for r in refs if str(r)]
        return str(refs[0]) if refs else str(self.headline["policy"].iloc[0])


def read_ensemble(folder: Path, manifest: dict | None = None) -> Ensemble:
    folder = Path(folder)
    if not folder.is_dir():
        raise DataFileError(folder, "is not a directory; expected an ensemble run folder")
    headline = _csv(folder / HEADLINE)
    missing = {"policy", "demography", "outcome", "value", "ensemble_low"} - set(headline.columns)
    if missing or headline.empty:
        raise DataFileError(folder / HEADLINE, "has no rows or lacks the ensemble's columns")
    return Ensemble(
        folder=folder,
        headline=headline,
        municipalities=_csv(folder / MUNICIPALITIES, required=False),
        check=_csv(folder / CHECK, required=False),
        sets=_csv(folder / SETS, required=False),
        yearly=_csv(folder / YEARLY, required=False),
        manifest=manifest if manifest is not None else _json(folder / "manifest.json"),
        info=_json(folder / "ensemble.json"),
    )


@dataclass
class Decomposition:
    folder: Path
    table: pd.DataFrame
    detail: pd.DataFrame | None
    ageing: pd.DataFrame | None
    info: dict


def read_decomposition(folder, lang: str) -> Decomposition:
    folder = Path(folder)
    path = folder / "policy_gap_decomposition.csv"
    table = _csv(path, required=False) if folder.is_dir() else None
    if table is None or not {"lever", "contribution"} <= set(table.columns):
        raise ConfigError(i18n.t("error.decomposition_dir", lang, path=folder))
    if "total" not in set(table["lever"]):
        raise ConfigError(i18n.t("error.decomposition_dir", lang, path=folder))
    return Decomposition(
        folder,
        table,
        _csv(folder / "policy_gap_decomposition_detail.csv", required=False),
        _csv(folder / "ageing_and_policy.csv", required=False),
        _json(folder / "decomposition.json"),
    )


@dataclass
class Sensitivity:
    folder: Path
    method: str  # sobol | morris
    indices: pd.DataFrame
    convergence: pd.DataFrame | None
    provenance: dict = field(default_factory=dict)


def read_sensitivity(folder, lang: str) -> Sensitivity:
    folder = Path(folder)
    sobol = _csv(folder / "sobol_indices.csv", required=False) if folder.is_dir() else None
    morris = _csv(folder / "morris_indices.csv", required=False) if folder.is_dir() else None
    if sobol is not None and not {"parameter", "outcome", "ST"} <= set(sobol.columns):
        raise DataFileError(
            folder / "sobol_indices.csv", "lacks the columns parameter, outcome, ST"
        )
    if sobol is not None:
        method, indices = "sobol", sobol
    elif morris is not None and {"parameter", "outcome", "mu_star"} <= set(morris.columns):
        method, indices = "morris", morris
    else:
        raise ConfigError(i18n.t("error.sensitivity_dir", lang, path=folder))
    rows = _json(folder / "manifest.json").get("provenance") or []
    provenance = {r.get("name"): r.get("source", "") for r in rows if isinstance(r, dict)}
    if not provenance:  # a stage folder has no manifest: the packaged parameter comments
        from frivilligsim.scenario.config import CONF_DIR
        from frivilligsim.scenario.provenance import read_sources

        provenance = dict(read_sources(CONF_DIR / "model" / "default.yaml"))
    return Sensitivity(folder, method, indices, _convergence(folder), provenance)


def _convergence(folder: Path) -> pd.DataFrame | None:
    """sobol_convergence.csv, its yes/no columns checked (a stray value must not read as yes)."""
    path = folder / "sobol_convergence.csv"
    table = _csv(path, required=False)
    if table is None:
        return None
    for column in ("outcome", "converged", "s1_within_st"):
        if column not in table.columns:
            raise DataFileError(path, f"lacks the column {column}")
    for column in ("converged", "s1_within_st"):
        if table[column].dtype != bool:
            raise DataFileError(path, f"column {column} must be True or False in every row")
    return table


# Blocks: the report's content once, rendered as HTML and as markdown --------------------------


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()
    english: tuple[int, ...] = ()  # columns given in English on purpose (provenance sources)


@dataclass
class Figure:
    png: Path
    caption: str


# A block is ("p", text), ("note", text), ("ul", [text, ...]), ("details", (summary, text)), a
# Table or a Figure; text may hold `code` in backticks.


def _fmt_share(x, lang: str) -> str:
    return "–" if pd.isna(x) else f"{i18n.fmt_number(100 * float(x), lang, 0)} %"


def _row_numbers(row: dict, lang: str) -> dict:
    """One headline row's numbers as shown: rounded by the rule of rounding.py."""
    step = rounding.row_step(row)
    out = {
        "value": rounding.fmt_rounded(row["value"], step, lang),
        "ensemble": rounding.fmt_range(row["ensemble_low"], row["ensemble_high"], step, lang),
        "seed": rounding.fmt_range(row["seed_low"], row["seed_high"], step, lang),
        "elow": rounding.fmt_rounded(row["ensemble_low"], step, lang),
        "ehigh": rounding.fmt_rounded(row["ensemble_high"], step, lang),
        "slow": rounding.fmt_rounded(row["seed_low"], step, lang),
        "shigh": rounding.fmt_rounded(row["seed_high"], step, lang),
        "diff": "",
        "diff_ensemble": "",
        "diff_seed": "",
        "sign": "",
    }
    if str(row.get("compared_with") or "") and not pd.isna(row.get("difference")):
        d = rounding.row_step(row, "difference")
        out["diff"] = rounding.fmt_rounded(row["difference"], d, lang, signed=True)
        out["diff_ensemble"] = rounding.fmt_range(
            row["difference_low"], row["difference_high"], d, lang, signed=True
        )
        out["diff_seed"] = rounding.fmt_range(
            row["difference_seed_low"], row["difference_seed_high"], d, lang, signed=True
        )
        out["sign"] = _fmt_share(row.get("sign_holds_share"), lang)
        ends = (row["difference"], row["difference_low"], row["difference_high"])
        out["no_diff"] = all(rounding.round_to(x, d) == 0 for x in ends)
    return out


def _labels(row: dict, lang: str, with_demography: bool, with_outcome: bool) -> list[str]:
    cells = [i18n.policy_label(row["policy"], lang)]
    if with_demography:
        cells.append(i18n.demography_label(row["demography"], lang))
    if with_outcome:
        cells.append(i18n.t(f"metric.{row['outcome']}.title", lang))
    return cells


def headline_tables(rows: pd.DataFrame, lang: str, ref: str) -> list[Table]:
    """The end-year levels with both ranges, and the paired differences to ``ref``."""
    t = lambda key_, **kw: i18n.t(key_, lang, **kw)  # noqa: E731
    demo = rows["demography"].nunique() > 1
    lead = [t("report.col.policy")] + ([t("report.col.demography")] if demo else [])
    lead.append(t("unc.col.outcome"))
    ranges = [t("unc.col.ensemble"), t("unc.col.seed")]
    levels, diffs = [], []
    for row in rows.to_dict(orient="records"):
        n = _row_numbers(row, lang)
        labels = _labels(row, lang, demo, True)
        levels.append([*labels, n["value"], n["ensemble"], n["seed"]])
        if n["diff"]:
            diffs.append([*labels, n["diff"], n["diff_ensemble"], n["diff_seed"], n["sign"]])
    k = len(lead)
    out = [Table([*lead, t("unc.col.value"), *ranges], levels, (k, k + 1, k + 2))]
    if diffs:
        header = [*lead, t("unc.col.diff", ref=i18n.policy_label(ref, lang)), *ranges]
        out.append(Table([*header, t("unc.col.sign")], diffs, (k, k + 1, k + 2, k + 3)))
    return out


def municipality_table(rows: pd.DataFrame, lang: str, ref: str) -> Table:
    """One row per municipality and policy (volunteers): both ranges and the difference."""
    t = lambda key_, **kw: i18n.t(key_, lang, **kw)  # noqa: E731
    demo = rows["demography"].nunique() > 1
    header = [t("unc.col.municipality"), t("report.col.policy")]
    header += [t("report.col.demography")] if demo else []
    k = len(header)
    header += [t("unc.col.value"), t("unc.col.ensemble"), t("unc.col.seed")]
    header += [t("unc.col.diff", ref=i18n.policy_label(ref, lang)), t("unc.col.sign")]
    body = []
    for row in rows.to_dict(orient="records"):
        n = _row_numbers(row, lang)
        diff = f"{n['diff']} ({n['diff_ensemble']})" if n["diff"] else ""
        body.append(
            [
                str(row["place"]),
                *_labels(row, lang, demo, False),
                n["value"],
                n["ensemble"],
                n["seed"],
                diff,
                n["sign"],
            ]
        )
    return Table(header, body, tuple(range(k, len(header))))


def _sentences(rows: pd.DataFrame, lang: str, ref: str, year: int) -> list[str]:
    """The headline in words, one item per policy (and demography) for volunteers."""
    items = []
    for row in rows[rows["outcome"] == "volunteers"].to_dict(orient="records"):
        n = _row_numbers(row, lang)
        policy = i18n.policy_label(row["policy"], lang)
        if rows["demography"].nunique() > 1:
            policy += f" ({i18n.demography_label(row['demography'], lang)})"
        text = i18n.t(
            "unc.headline.sentence",
            lang,
            policy=policy,
            value=n["value"],
            what=i18n.t("unc.what.volunteers", lang),
            year=year,
            **{k: n[k] for k in ("elow", "ehigh", "slow", "shigh")},
        )
        if n["diff"] and (n["sign"] == "–" or n.get("no_diff")):  # none at this precision
            text += " " + i18n.t("unc.headline.diff.none", lang, ref=i18n.policy_label(ref, lang))
        elif n["diff"]:
            text += " " + i18n.t(
                "unc.headline.diff",
                lang,
                ref=i18n.policy_label(ref, lang),
                diff=n["diff"],
                dlow=n["diff_ensemble"],
                dslow=n["diff_seed"],
                share=n["sign"].removesuffix(" %"),
            )
        items.append(text)
    return items


def _can_say(ens: Ensemble, lang: str, n_municipalities: int) -> list:
    t = lambda key_, **kw: i18n.t(key_, lang, **kw)  # noqa: E731
    items = [t("unc.can_say.ranges")]
    if ens.check is not None and len(ens.check):
        targets = [
            t(
                "unc.target.item",
                name=_target_name(r["target"], lang),
                value=i18n.fmt_number(r["report_value"], lang, 2 if r["report_value"] < 1 else 0),
                tol=i18n.fmt_number(r["tolerance_abs"], lang, 2 if r["report_value"] < 1 else 1),
                source=r.get("source", ""),
            )
            for r in ens.check.to_dict(orient="records")
        ]
        items.append(t("unc.can_say.targets", n=len(targets), targets="; ".join(targets)))
        missed = [_target_name(r["target"], lang) for _, r in ens.check.iterrows() if not r["pass"]]
        key = "unc.can_say.check.fail" if missed else "unc.can_say.check.pass"
        items.append(t(key, targets=", ".join(missed)))
    varied = varied_parameters(ens)
    drawn = [v for v in drawn_parameters(ens) if v in varied]
    fitted = [v for v in varied if v not in drawn]
    factor = float(ens.config.get("ensemble", {}).get("bound_factor", 0.5) or 0.5)
    bounds = {
        "low": i18n.fmt_number(100 * (1 - factor), lang),
        "high": i18n.fmt_number(100 * (1 + factor), lang),
    }
    if fitted:
        names = ", ".join(f"`{v}`" for v in fitted)
        key = "unc.can_say.fitted" if drawn else "unc.can_say.varied"
        items.append(t(key, n=len(fitted), names=names, **bounds))
    if drawn:
        items.append(t("unc.can_say.drawn", n=len(drawn), **bounds))
    fixed = [
        r["name"]
        for r in ens.manifest.get("provenance") or []
        if isinstance(r, dict)
        and r.get("group") == "model"
        and str(r.get("source", "")).split(" ")[0].rstrip(":;,") in ("assumption", "calibrated")
        and r.get("name") not in varied
    ]
    details = None
    if fixed:
        items.append(t("unc.can_say.fixed", n=len(fixed)))
        details = (t("unc.can_say.fixed.list", n=len(fixed)), ", ".join(f"`{f}`" for f in fixed))
    elif drawn:
        details = (t("unc.can_say.drawn.list", n=len(drawn)), ", ".join(f"`{d}`" for d in drawn))
    if not fixed and not ens.manifest.get("provenance"):
        items.append(t("unc.can_say.fixed.unknown"))
    eff = effective_sets(ens)
    if ens.sets is not None and len(ens.sets) and eff is not None:
        seeds = int(ens.headline["seeds_per_set"].min())
        items.append(
            t("unc.can_say.sets", n=len(ens.sets), seeds=seeds, eff=i18n.fmt_number(eff, lang, 1))
        )
    subset = ens.config.get("ensemble", {}).get("municipalities") is not None
    if n_municipalities:
        key = "unc.can_say.subset" if subset else "unc.can_say.municipalities"
        items.append(t(key, n=n_municipalities))
    items += [t("report.settling"), t("unc.can_say.coverage"), t("unc.can_say.rounding")]
    return [("ul", items)] + ([("details", details)] if details else [])


def varied_parameters(ens: Ensemble) -> list[str]:
    """The parameters the ensemble varied: the value columns of parameter_sets.csv (what was
    really drawn), else the fit's record of them."""
    if ens.sets is not None:
        meta = {"parameter_set", "weight", "abc_distance"}
        return [c for c in ens.sets.columns if c not in meta and not c.startswith("abc_")]
    return list(ens.info.get("parameters") or [])


def drawn_parameters(ens: Ensemble) -> list[str]:
    """The parameters drawn from their prior for each set rather than fitted
    (``ensemble.draw_others``), as the fit recorded them in ensemble_design.json."""
    design = _json(ens.folder / "ensemble_design.json")
    return list((design or {}).get("drawn_from_prior") or ens.info.get("drawn_from_prior") or [])


def effective_sets(ens: Ensemble) -> float | None:
    """Kish's effective number of parameter sets as the fit recorded it (ensemble.json, else
    the last generation of abc_generations.csv); None when neither is there."""
    if ens.info.get("effective_sets") is not None:
        return float(ens.info["effective_sets"])
    generations = _csv(ens.folder / "abc_generations.csv", required=False)
    if generations is not None and "effective_sets" in generations and len(generations):
        return float(generations["effective_sets"].iloc[-1])
    return None


def _target_name(target: str, lang: str) -> str:
    key = f"unc.target.{target}"
    return i18n.t(key, lang) if key in i18n.en else target


def _check(ens: Ensemble, lang: str) -> list:
    t = lambda key_, **kw: i18n.t(key_, lang, **kw)  # noqa: E731
    if ens.check is None or ens.check.empty:
        return [("p", t("unc.check.missing"))]
    header = [
        t("unc.col.target"),
        t("unc.col.study"),
        t("unc.col.tolerance"),
        t("unc.col.mean"),
        t("unc.col.p90"),
        t("unc.col.within"),
        t("unc.col.result"),
    ]
    rows = []
    for r in ens.check.to_dict(orient="records"):
        d = 3 if abs(r["report_value"]) < 1 else 1
        rows.append(
            [
                f"{_target_name(r['target'], lang)} ({r.get('source', '')})",
                i18n.fmt_number(r["report_value"], lang, d),
                "± " + i18n.fmt_number(r["tolerance_abs"], lang, d),
                i18n.fmt_number(r["ensemble_mean"], lang, d),
                f"{i18n.fmt_number(r['ensemble_p05'], lang, d)}–"
                f"{i18n.fmt_number(r['ensemble_p95'], lang, d)}",
                _fmt_share(r["share_of_sets_within_tolerance"], lang),
                t("unc.pass.yes" if r["pass"] else "unc.pass.no"),
            ]
        )
    return [("p", t("unc.check.text")), Table(header, rows, (1, 2, 3, 4, 5))]


def _gap(dec: Decomposition | None, lang: str, fig_dir: Path, synthetic: bool, ens_year=None):
    t = lambda key_, **kw: i18n.t(key_, lang, **kw)  # noqa: E731
    if dec is None:
        return [("p", t("unc.gap.missing"))]
    info = dec.info
    frm, to = info.get("from_policy", "mobilisation"), info.get("to_policy", "cocreation")
    outcome = str(info.get("outcome", ""))
    year = int(outcome.rsplit("_", 1)[-1]) if outcome[-4:].isdigit() else 0
    table = dec.table
    total = float(table.loc[table["lever"] == "total", "contribution"].iloc[0])
    levers = table[table["lever"] != "total"]
    levers = levers.reindex(levers["contribution"].abs().sort_values(ascending=False).index)
    d = 0 if abs(total) >= 100 else 1
    alone = {}
    if dec.detail is not None and {"lever", "alone"} <= set(dec.detail.columns):
        alone = dict(zip(dec.detail["lever"], dec.detail["alone"], strict=True))
    rows = []
    for r in levers.to_dict(orient="records"):
        share = r["contribution"] / total if total else float("nan")
        rows.append(
            [
                f"`{r['lever']}`",
                i18n.fmt_number(r["contribution"], lang, d),
                _fmt_share(share, lang),
                i18n.fmt_number(alone.get(r["lever"], float("nan")), lang, d),
            ]
        )
    rows.append([t("unc.lever.total"), i18n.fmt_number(total, lang, d), "100 %", ""])
    header = [t("unc.col.lever"), t("unc.col.contribution"), t("unc.col.share"), t("unc.col.alone")]
    names = {"to": i18n.policy_label(to, lang), "frm": i18n.policy_label(frm, lang), "year": year}
    text = t(
        "unc.gap.text",
        **names,
        total=i18n.fmt_number(total, lang, d),
        # rounded first: a float sum a hair above the total's .5 must not print one more
        sum=i18n.fmt_number(round(float(levers["contribution"].sum()), 6), lang, d),
        dir=str(dec.folder),
        n=info.get("municipalities", "–"),
        seeds=len(info.get("seeds") or []) or "–",
    )
    fig = uncertainty_figures.decomposition_waterfall(
        dec.table, fig_dir, lang, synthetic, frm, to, year
    )
    blocks = [
        ("p", text),
        Table(header, rows, (1, 2, 3)),
        Figure(fig["png"], t("unc.caption.gap", **names)),
    ]
    if ens_year is not None and year != ens_year:
        blocks.insert(1, ("note", t("unc.gap.other_year", year=year, ens_year=ens_year)))
    return blocks + _ageing(dec, lang, year)


def _ageing(dec: Decomposition, lang: str, year: int) -> list:
    t = lambda key_, **kw: i18n.t(key_, lang, **kw)  # noqa: E731
    if dec.ageing is None or dec.ageing.empty:
        return [("p", t("unc.ageing.missing"))]
    rows = []
    for r in dec.ageing.to_dict(orient="records"):
        under = str(r["under"])
        if under == "both":
            under = t("unc.under.both")
        elif f"policy.{under}" in i18n.en:
            under = i18n.policy_label(under, lang)
        else:
            under = i18n.demography_label(under, lang)
        d = 0 if abs(r["contribution"]) >= 100 else 1
        rows.append(
            [
                t(f"unc.effect.{r['effect']}"),
                under,
                i18n.fmt_number(r["contribution"], lang, d),
                f"{i18n.fmt_number(r['seed_min'], lang, d)} – "
                f"{i18n.fmt_number(r['seed_max'], lang, d)}",
            ]
        )
    header = [
        t("unc.col.effect"),
        t("unc.col.under"),
        t("unc.col.contribution"),
        t("unc.col.seedrange"),
    ]
    return [("p", t("unc.ageing.text", year=year)), Table(header, rows, (2, 3))]


def influential(
    sens: Sensitivity, year: int | None = None, kind: str = "volunteers"
) -> tuple[str, pd.DataFrame]:
    """The outcome ranked and its top parameters by ST or mu*.

    ``kind`` is the outcome's stem: ``volunteers`` (the level) or ``volunteer_difference``
    (the policy gap, co-creation minus mobilisation); the end year's when there. Returns
    ``("", empty)`` when the folder has no such outcome.
    """
    outcomes = list(dict.fromkeys(sens.indices["outcome"]))
    stem = f"{kind}_"
    preferred = [o for o in outcomes if o == f"{stem}{year}"] or [
        o for o in outcomes if o.startswith(stem) and o[len(stem) :].isdigit()
    ]
    if not preferred and kind != "volunteers":
        return "", sens.indices.iloc[:0]
    outcome = preferred[0] if preferred else outcomes[0]
    rows = sens.indices[sens.indices["outcome"] == outcome]
    column = "ST" if sens.method == "sobol" else "mu_star_normalised"
    column = column if column in rows else "mu_star"
    top = rows.sort_values(column, ascending=False).head(TOP_INFLUENCE)
    return outcome, top.assign(index_value=top[column])


def _influence(sens: Sensitivity | None, lang: str, year: int) -> list:
    """The ranking for the 2050 level of volunteers, then for the policy gap (when ranked)."""
    if sens is None:
        return [("p", i18n.t("unc.influence.missing", lang))]
    blocks = _ranking(sens, lang, *influential(sens, year), intro=f"unc.influence.{sens.method}")
    outcome, top = influential(sens, year, "volunteer_difference")
    if outcome:
        blocks += _ranking(sens, lang, outcome, top, intro="unc.influence.gap")
    return blocks


def _ranking(sens: Sensitivity, lang: str, outcome: str, top: pd.DataFrame, intro: str) -> list:
    """One outcome's most influential inputs: what the index is, its convergence, the table."""
    t = lambda key_, **kw: i18n.t(key_, lang, **kw)  # noqa: E731
    blocks = [("p", t(intro, dir=str(sens.folder), outcome=f"`{outcome}`", k=len(top)))]
    if sens.method == "sobol":
        conv = sens.convergence
        if conv is None or outcome not in set(conv["outcome"]):
            blocks.append(("note", t("unc.influence.converged.none")))
        else:
            blocks.append(_convergence_note(conv.set_index("outcome").loc[outcome], t))
    rows = []
    for k, r in enumerate(top.to_dict(orient="records"), start=1):
        name = str(r["parameter"])
        source = sens.provenance.get(name, "")
        if name.startswith("policy."):
            source = t("unc.source.lever")
        elif name.startswith("mechanism."):
            source = t("unc.source.mechanism")
        rows.append([str(k), f"`{name}`", i18n.fmt_number(r["index_value"], lang, 3), source])
    header = [
        t("unc.col.rank"),
        t("report.col.parameter"),
        t("unc.col.index"),
        t("report.col.source"),
    ]
    blocks.append(Table(header, rows, (0, 2), english=(3,)))
    return blocks


def _convergence_note(check: pd.Series, t) -> tuple[str, str]:
    """Passed; failed only by ties the intervals cannot break (order changes among inputs whose
    intervals overlap, first order within total); or failed."""
    if bool(check["converged"]):
        return ("p", t("unc.influence.converged.yes"))
    beyond = check.get("reversals_beyond_intervals")
    if bool(check["s1_within_st"]) and beyond is not None and int(beyond) == 0:
        return ("note", t("unc.influence.converged.ties"))
    return ("note", t("unc.influence.converged.no"))


def _bands(ens: Ensemble, lang: str, fig_dir: Path, synthetic: bool) -> list:
    if ens.yearly is None or ens.yearly.empty:
        return [("p", i18n.t("unc.figure.missing", lang))]
    policies = list(dict.fromkeys(ens.headline["policy"]))
    fig = uncertainty_figures.ensemble_bands(ens.yearly, fig_dir, lang, synthetic, policies)
    return [Figure(fig["png"], i18n.t("unc.caption.bands", lang))]


def municipality_rows(ens: Ensemble, names: dict, outcome: str = "volunteers") -> pd.DataFrame:
    munis = ens.municipalities
    if munis is None:
        return pd.DataFrame()
    rows = munis[munis["outcome"] == outcome].copy()
    rows["place"] = [f"{names.get(c) or c} ({c})" for c in rows["municipality"]]
    return rows.sort_values(["place", "policy"])


# Rendering -----------------------------------------------------------------------------------


def _html_block(block, lang: str) -> str:
    if isinstance(block, Table):
        head = "".join(
            f"<th scope='col'{' style=text-align:right' if i in block.numeric else ''}>{_e(h)}</th>"
            for i, h in enumerate(block.header)
        )
        body = "".join(
            "<tr>"
            + "".join(
                f"<td{' class=num' if i in block.numeric else ''}"
                f"{' lang=en' if i in block.english else ''}>{_rich(c)}</td>"
                for i, c in enumerate(row)
            )
            + "</tr>"
            for row in block.rows
        )
        return (
            f"<table class='headline'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    if isinstance(block, Figure):
        return (
            f"<figure>{_img_tag(block.png, block.caption)}"
            f"<figcaption>{_e(block.caption)}</figcaption></figure>"
        )
    kind, content = block
    if kind == "ul":
        return "<ul>" + "".join(f"<li>{_rich(x)}</li>" for x in content) + "</ul>"
    if kind == "details":
        summary, text = content
        return f"<details><summary>{_e(summary)}</summary><p>{_rich(text)}</p></details>"
    cls = " class='note'" if kind == "note" else ""
    return f"<p{cls}>{_rich(content)}</p>"


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_block(block, base: Path) -> str:
    if isinstance(block, Table):
        align = ["---:" if i in block.numeric else "---" for i in range(len(block.header))]
        lines = ["| " + " | ".join(_md_cell(h) for h in block.header) + " |"]
        lines.append("| " + " | ".join(align) + " |")
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
        return "\n".join(lines)
    if isinstance(block, Figure):
        rel = (
            Path(block.png).relative_to(base) if Path(block.png).is_relative_to(base) else block.png
        )
        return f"![{_md_cell(block.caption)}]({rel.as_posix()})\n\n*{block.caption}*"
    kind, content = block
    if kind == "ul":
        return "\n".join(f"- {x}" for x in content)
    if kind == "details":
        return f"{content[0]}: {content[1]}"
    return f"> {content}" if kind == "note" else content


def render_html(title: str, meta: str, sections, lang: str) -> str:
    html_sections = [
        (sid, name, "".join(_html_block(b, lang) for b in blocks)) for sid, name, blocks in sections
    ]
    return html_page(lang, title, _rich(meta), html_sections)


def render_markdown(title: str, meta: str, sections, base: Path) -> str:
    parts = [f"# {title}", meta]
    for _sid, name, blocks in sections:
        parts.append(f"## {name}")
        parts += [_md_block(b, base) for b in blocks]
    return "\n\n".join(parts) + "\n"


# Writing -------------------------------------------------------------------------------------


def _dirs_from(ens: Ensemble, decomposition_dir, sensitivity_dir) -> tuple:
    """The flags if given, else the run's ``report.decomposition_dir``/``sensitivity_dir``."""
    keys = ens.config.get("report") if isinstance(ens.config.get("report"), dict) else {}
    return (
        decomposition_dir if decomposition_dir is not None else keys.get("decomposition_dir"),
        sensitivity_dir if sensitivity_dir is not None else keys.get("sensitivity_dir"),
    )


def _names(ens: Ensemble) -> dict:
    if ens.municipalities is None:
        return {}
    codes = pd.DataFrame({"municipality": sorted(set(ens.municipalities["municipality"]))})
    info = municipality_info(codes, ens.manifest)
    return {
        c: (n if isinstance(n, str) and n else None)
        for c, n in zip(info["municipality"], info["name"], strict=True)
    }


def _municipality_sections(ens, lang, code, names, region_report) -> tuple[str, list]:
    t = lambda key_, **kw: i18n.t(key_, lang, **kw)  # noqa: E731
    known = (
        sorted(set(ens.municipalities["municipality"])) if ens.municipalities is not None else []
    )
    if code not in known:
        raise ConfigError(
            t("error.municipality", code=code, n=len(known), examples=", ".join(known[:3]))
        )
    place = f"{names.get(code) or code} ({code})"
    rows = ens.municipalities[ens.municipalities["municipality"] == code]
    rows = rows[rows["outcome"].isin(HEADLINE_OUTCOMES)]
    ref, year = ens.reference, ens.year
    head = [
        ("p", t("unc.headline.text", place=place, year=year, ref=i18n.policy_label(ref, lang))),
        ("ul", _sentences(rows, lang, ref, year)),
        *headline_tables(rows, lang, ref),
        ("note", t("unc.muni.note", place=place, region_report=region_report)),
    ]
    return place, head


def build_sections(
    ens,
    lang,
    fig_dir,
    decomposition=None,
    sensitivity=None,
    municipality=None,
    region_report="report.html",
):
    """(title, sections) of the report; each section is (id, heading, blocks)."""
    t = lambda key_, **kw: i18n.t(key_, lang, **kw)  # noqa: E731
    synthetic = bool(ens.manifest.get("synthetic_region", False))
    names = _names(ens)
    n_munis = len(names)
    year, ref = ens.year, ens.reference
    sections = [("can_say", t("unc.can_say"), _can_say(ens, lang, n_munis))]
    if municipality is not None:
        place, head = _municipality_sections(ens, lang, str(municipality), names, region_report)
        sections.append(("headline", t("unc.headline", year=year), head))
        return t("unc.muni.title", name=place, end=year), sections
    rows = ens.headline[ens.headline["outcome"].isin(HEADLINE_OUTCOMES)]
    region = t("place.region")
    head = [
        (
            "p",
            t(
                "unc.headline.text",
                place=region[:1].upper() + region[1:],
                year=year,
                ref=i18n.policy_label(ref, lang),
            ),
        ),
        ("ul", _sentences(rows, lang, ref, year)),
        *headline_tables(rows, lang, ref),
    ]
    sections.append(("headline", t("unc.headline", year=year), head))
    sections.append(("figure", t("unc.figure"), _bands(ens, lang, fig_dir, synthetic)))
    sections.append(("check", t("unc.check"), _check(ens, lang)))
    sections.append(("gap", t("unc.gap"), _gap(decomposition, lang, fig_dir, synthetic, year)))
    sections.append(("influence", t("unc.influence"), _influence(sensitivity, lang, year)))
    munis = municipality_rows(ens, names)
    if len(munis):
        blocks = [("p", t("unc.munis.text", year=year)), municipality_table(munis, lang, ref)]
        sections.append(("municipalities", t("unc.munis"), blocks))
    return t("unc.title", end=year), sections


def municipality_frame(ens: Ensemble, names: dict, lang: str) -> pd.DataFrame:
    """``municipalities.csv`` of an ensemble folder: one row per municipality x policy x
    demography x outcome with both ranges, raw and rounded (rounding.py)."""
    frame = rounding.add_rounded_columns(ens.municipalities)
    frame.insert(1, "municipality_name", [names.get(c) for c in frame["municipality"]])
    return tables._labelled(frame, lang)


def write_uncertainty_report(
    folder: Path,
    lang: str | None = None,
    municipality: str | None = None,
    decomposition_dir=None,
    sensitivity_dir=None,
    manifest: dict | None = None,
) -> Path:
    """Write the ensemble report of ``folder`` (report.html and report.md, names as
    output/report.py gives them); returns the HTML's path.

    Raises:
        DataFileError: the folder is not an ensemble folder or a file in it is unreadable.
        ConfigError: a bad language, municipality, decomposition or sensitivity folder.
    """
    ens = read_ensemble(Path(folder), manifest)
    run_lang = check_lang(ens.config.get("lang") or "en")
    lang = check_lang(lang or run_lang)
    dec_dir, sens_dir = _dirs_from(ens, decomposition_dir, sensitivity_dir)
    dec = read_decomposition(dec_dir, lang) if dec_dir else None
    sens = read_sensitivity(sens_dir, lang) if sens_dir else None
    code = None if municipality is None else str(municipality)
    report_name, fig_name = output_names(run_lang, lang, code)
    fig_dir = ens.folder / fig_name
    fig_dir.mkdir(parents=True, exist_ok=True)
    region_report = output_names(run_lang, lang)[0]
    title, sections = build_sections(ens, lang, fig_dir, dec, sens, code, region_report)
    experiment = ens.config.get("experiment_name") or ens.manifest.get("experiment_name")
    experiment = experiment or f"ensemble.dir={ens.folder}"  # a stage folder has no manifest
    meta = f"{i18n.t('report.sc.experiment', lang)}: `{experiment}`. " + i18n.t(
        "report.generated", lang, version=ens.manifest.get("version") or ""
    )
    out = ens.folder / report_name
    write_atomic(out, render_html(title, meta, sections, lang))
    write_atomic(out.with_suffix(".md"), render_markdown(title, meta, sections, ens.folder))
    if code is None and lang == run_lang and ens.municipalities is not None:
        frame = municipality_frame(ens, _names(ens), lang)
        tables.write_table(frame, ens.folder / tables.MUNICIPALITIES, lang)
    return out


# The terminal --------------------------------------------------------------------------------


def print_headline(folder: Path, lang: str, console, scope: str = "") -> None:
    """The end-year headline of an ensemble folder, rounded as in the report."""
    from rich import box
    from rich.table import Table as RichTable

    ens = read_ensemble(Path(folder))
    ref, year = ens.reference, ens.year
    rows = ens.headline[ens.headline["outcome"].isin(HEADLINE_OUTCOMES)]
    sets = int(rows["parameter_sets"].max())
    demos = list(dict.fromkeys(rows["demography"]))
    scope = ", ".join([scope, *demos]) if len(demos) == 1 and scope else scope
    title = i18n.t("unc.term.title", lang, end=year, scope=scope, sets=sets)
    table = RichTable(title=title, box=box.SIMPLE_HEAD, padding=(0, 1))
    table.add_column(i18n.t("term.outcome", lang), overflow="fold", min_width=12)
    for key in ("unc.term.value", "unc.term.range", "unc.term.chance", "unc.term.diff"):
        label = i18n.t(key, lang, ref=i18n.policy_label(ref, lang))
        table.add_column(label, justify="right", no_wrap=True)
    groups = list(rows.groupby(["policy", "demography"], sort=False))
    for k, ((policy, demo), group) in enumerate(groups):
        name = policy if lang == "en" else i18n.policy_label(policy, lang)
        name += f" ({demo})" if len(demos) > 1 else ""
        table.add_row(f"[bold]{name}[/bold]")
        records = group.to_dict(orient="records")
        for j, row in enumerate(records):
            n = _row_numbers(row, lang)
            diff = f"{n['diff']}\n{n['diff_ensemble']}" if n["diff"] else ""
            outcome = "  " + i18n.t(f"term.{row['outcome']}", lang)
            last = j == len(records) - 1 and k < len(groups) - 1
            table.add_row(outcome, n["value"], n["ensemble"], n["seed"], diff, end_section=last)
    console.print(table)
