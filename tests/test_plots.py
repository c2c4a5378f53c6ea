"""Figures: files written, the data behind each plot, and language of every visible text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from _fake_results import make_results
from matplotlib._pylab_helpers import Gcf
from PIL import Image

from frivilligsim.core import schema
from frivilligsim.output import aggregates, i18n, plots

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def results():
    return make_results()


@pytest.fixture(scope="module")
def figs_en(results, tmp_path_factory):
    return plots.make_figures(results, tmp_path_factory.mktemp("figs_en"), lang="en")


@pytest.fixture(scope="module")
def figs_nb(results, tmp_path_factory):
    return plots.make_figures(results, tmp_path_factory.mktemp("figs_nb"), lang="nb")


def _regional_manual(results: pd.DataFrame, column: str) -> pd.Series:
    """Sum over municipalities, by (policy, demography, seed, year), computed independently."""
    return results.groupby(["policy", "demography", "seed", "year"])[column].sum()


# Files ---------------------------------------------------------------------------------------


def test_every_figure_is_written_as_png_and_svg(figs_en):
    assert set(figs_en) == set(plots.FIGURE_NAMES)
    for name, fig in figs_en.items():
        assert "skipped" not in fig, name
        with Image.open(fig["png"]) as im:
            im.verify()
        with Image.open(fig["png"]) as im:
            assert im.format == "PNG"
            assert im.size[0] >= 800 and im.size[1] >= 400, (name, im.size)
            assert im.size == fig["size_px"]
        root = ET.parse(fig["svg"]).getroot()
        assert root.tag == SVG_NS + "svg", name
        svg = fig["svg"].read_text(encoding="utf-8")
        assert "<dc:date>" not in svg  # no timestamp: the same figure gives the same file
        assert fig["csv"].is_file()
        assert not fig["data"].empty


def test_no_figures_left_open(figs_en):
    assert Gcf.get_num_fig_managers() == 0


def test_index_lists_figures_and_language(figs_en):
    import json

    out_dir = figs_en["fan_volunteers"]["png"].parent
    index = json.loads((out_dir / plots.INDEX_FILE).read_text(encoding="utf-8"))
    assert index["lang"] == "en" and index["synthetic"] is True
    assert set(index["figures"]) == set(plots.FIGURE_NAMES)


# Data behind the plots -----------------------------------------------------------------------


def test_fan_volunteers_bands_cover_every_scenario(results, figs_en):
    data = figs_en["fan_volunteers"]["data"]
    combos = data.groupby(["policy", "demography"]).size()
    assert len(combos) == 3 * 2
    assert (combos == 27).all()
    assert (data["n"] == 4).all()
    assert (data["q05"] <= data["q25"]).all()
    assert (data["q25"] <= data["median"]).all() and (data["median"] <= data["q75"]).all()
    assert (data["q75"] <= data["q95"]).all()
    manual = _regional_manual(results, "volunteers").groupby(["policy", "demography", "year"])
    expected = manual.median()
    got = data.set_index(["policy", "demography", "year"])["median"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index().astype(float), check_names=False
    )


@pytest.mark.parametrize("metric", plots.FAN_METRICS)
def test_every_fan_chart_has_its_metric(figs_en, metric):
    fig = figs_en[f"fan_{metric}"]
    assert set(fig["data"]["metric"]) == {metric}
    shown = fig["texts"]["ylabels"][0].replace("\n", " ")  # long labels break before the unit
    assert shown == i18n.t(f"metric.{metric}.axis", "en")


def test_cocreation_keeps_more_volunteers_in_fake_results(figs_en):
    data = figs_en["fan_volunteers"]["data"]
    last = data[data["year"] == 2050].set_index(["policy", "demography"])["median"]
    for demo in ("MMMM", "LLML"):
        assert last[("cocreation", demo)] > last[("mobilisation", demo)]


def test_policy_difference_equals_manual_pairing(results, figs_en):
    fig = figs_en["policy_difference"]
    data = fig["data"]
    for metric in ("volunteers", "coverage"):
        if metric == "volunteers":
            regional = _regional_manual(results, "volunteers")
        else:
            covered = (results["coverage"] * results["demand_hours"]).groupby(
                [results[k] for k in ("policy", "demography", "seed", "year")]
            )
            regional = covered.sum() / _regional_manual(results, "demand_hours")
        wide = regional.unstack("policy")
        diff = (wide["cocreation"] - wide["mobilisation"]).groupby(["demography", "year"])
        got = data[data["metric"] == metric].set_index(["demography", "year"])
        np.testing.assert_allclose(got["median"], diff.median().loc[got.index], rtol=1e-12)
        np.testing.assert_allclose(got["q05"], diff.quantile(0.05).loc[got.index], rtol=1e-12)
        np.testing.assert_allclose(got["q95"], diff.quantile(0.95).loc[got.index], rtol=1e-12)
    assert (data.loc[data["metric"] == "volunteers", "median"] > 0).all()
    pairs = fig["pairs"]
    assert len(pairs) == 2 * 4 * 27  # demography × seed × year


def test_demand_supply_has_every_area_for_first_demography(figs_en):
    data = figs_en["demand_supply"]["data"]
    assert set(data["area"]) == set(schema.AREAS)
    assert set(data["demography"]) == {"MMMM"}
    assert set(data["policy"]) == set(schema.POLICIES)
    assert (data["volunteer_hours"] <= data["demand_hours"] + 1e-9).all()


def test_volunteers_by_cohort_stacks_four_cohorts(figs_en, results):
    data = figs_en["volunteers_by_cohort"]["data"]
    assert [f"volunteers_{c}" for c in schema.COHORTS] == [
        c for c in data.columns if c.startswith("volunteers_")
    ]
    assert set(data["demography"]) == {"MMMM"}
    row = data[(data["policy"] == "cocreation") & (data["year"] == 2030)].iloc[0]
    manual = _regional_manual(results, "volunteers_senior").loc[("cocreation", "MMMM")]
    assert row["volunteers_senior"] == manual.xs(2030, level="year").median()


def test_coverage_distribution_counts_municipalities_below_threshold(results, figs_en):
    fig = figs_en["coverage_2050_distribution"]
    dist = fig["data"]
    assert set(dist["year"]) == {2050}
    assert (dist.groupby(["policy", "demography"]).size() == 5).all()
    manual = (
        results[results["year"] == 2050]
        .groupby(["policy", "demography", "municipality"])["coverage"]
        .median()
        .lt(plots.COVERAGE_THRESHOLD)
        .groupby(["policy", "demography"])
        .sum()
    )
    counts = fig["below_threshold"].set_index(["policy", "demography"])["below"]
    pd.testing.assert_series_equal(
        counts.sort_index(), manual.sort_index().astype(counts.dtype), check_names=False
    )
    # the counts are printed under each policy
    ticks = fig["texts"]["xticklabels"]
    for (pol, demo), k in counts.items():
        assert f"{i18n.policy_label(pol, 'en')}\n{k} of 5 below 0.25" in ticks, demo


def test_regional_aggregation_rules():
    rows = pd.DataFrame(
        {
            "year": [2024, 2024],
            "municipality": ["A", "B"],
            "policy": ["cocreation"] * 2,
            "demography": ["MMMM"] * 2,
            "seed": [1, 1],
            "volunteers": [10, 30],
            "demand_hours": [100.0, 300.0],
            "coverage": [0.5, 0.1],
            "mean_motivation": [0.8, 0.4],
            "leader_strain": [1.5, 0.0],
            "centres": [1, 0],
        }
    )
    r = aggregates.regional_series(rows).iloc[0]
    assert r["volunteers"] == 40 and r["centres"] == 1 and r["municipalities"] == 2
    assert r["coverage"] == pytest.approx((50 + 30) / 400)
    assert r["mean_motivation"] == pytest.approx((8 + 12) / 40)
    assert r["leader_strain"] == pytest.approx(1.5)  # B has no centre and does not count


# Language ------------------------------------------------------------------------------------


def _words(text: str) -> set[str]:
    text = re.sub(r"{\w+}", " ", text)  # not the names of placeholders
    return {w.lower() for w in re.findall(r"[A-Za-zÆØÅæøå]{3,}", text)}


def _english_only_words() -> set[str]:
    en_words = set().union(*(_words(v) for v in i18n.en.values()))
    nb_words = set().union(*(_words(v) for v in i18n.nb.values()))
    return en_words - nb_words


def _svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(el.itertext()) for el in root.iter(SVG_NS + "text")]


def test_nb_figures_have_no_english(figs_nb, figs_en):
    english = _english_only_words()
    assert {"volunteers", "coverage", "year", "policy", "demand"} <= english
    # the check finds English where there is English
    assert {w for t in figs_en["demand_supply"]["texts"]["all"] for w in _words(t)} & english
    for name, fig in figs_nb.items():
        shown = fig["texts"]["all"]
        assert shown, name
        leaked = {w for text in shown for w in _words(text)} & english
        assert not leaked, (name, leaked)
        in_svg = {w for text in _svg_texts(fig["svg"]) for w in _words(text)} & english
        assert not in_svg, (name, in_svg)
        assert fig["texts"]["footer"] == (
            "Kilde: frivilligsim-simulering; syntetisk Distrikts-Norge-region"
        )


def test_nb_labels_use_the_report_terms(figs_nb):
    legend = figs_nb["fan_volunteers"]["texts"]["legend"]
    assert legend[:3] == ["Samskaping", "Mobilisering", "Som planlagt"]
    assert figs_nb["fan_volunteers"]["texts"]["xlabels"][0] == "År"
    assert set(figs_nb["demand_supply"]["texts"]["panel_titles"]) == {
        "Helse, pleie, omsorg og eldre",
        "Mangfold, inkludering og integrering",
        "Barn, unge, oppvekst og skole",
        "Kultur, fritid og idrett",
    }
    assert figs_nb["volunteers_by_cohort"]["texts"]["legend"] == [
        "Ungdom 13–25",
        "Voksne 26–61",
        "Unge eldre 62–75",
        "Eldre 76+",
    ]
    # decimal comma and space as thousands separator on the axes
    ticks = figs_nb["coverage_2050_distribution"]["texts"]["all"]
    assert "0,2" in ticks and "0.2" not in ticks


def test_en_figures_have_titles_units_and_footer(figs_en):
    for name, fig in figs_en.items():
        texts = fig["texts"]
        assert texts["title"], name
        assert texts["legend"], name
        assert any(texts["ylabels"]) and any(texts["xlabels"]), name
        assert (
            texts["footer"] == "Source: frivilligsim simulation; synthetic District Norway region"
        )
    assert figs_en["fan_volunteers"]["texts"]["ylabels"][0] == "Volunteers (persons)"
    assert figs_en["demand_supply"]["texts"]["ylabels"][0] == "Hours per year"
    assert figs_en["fan_coverage"]["texts"]["ylabels"][0] == "Coverage of demand (share)"


def test_policy_difference_is_skipped_without_mobilisation(tmp_path):
    small = make_results(
        policies=("cocreation", "as_planned"),
        demographies=("MMMM",),
        n_seeds=2,
        n_municipalities=3,
        years=range(2024, 2029),
    )
    figs = plots.make_figures(small, tmp_path, lang="nb", synthetic=False)
    skipped = figs["policy_difference"]
    assert skipped["png"] is None and skipped["data"].empty
    assert "Mobilisering" in skipped["skipped"]
    drawn = [n for n, f in figs.items() if not f.get("skipped")]
    assert len(drawn) == len(plots.FIGURE_NAMES) - 1
    assert figs["fan_volunteers"]["texts"]["footer"] == (
        "Kilde: frivilligsim-simulering; befolkning: Statistisk sentralbyrå (SSB), "
        "tabell 07459 og klassifikasjon 128, CC BY 4.0"
    )
    assert not (tmp_path / "policy_difference.png").exists()


def test_unknown_language_is_refused(results, tmp_path):
    with pytest.raises(ValueError, match="unknown language"):
        i18n.t("axis.year", "de")
    with pytest.raises(ValueError, match="unknown language"):
        plots.make_figures(results, tmp_path, lang="de")
    assert not any(tmp_path.iterdir())


def test_both_languages_have_the_same_labels():
    assert set(i18n.en) == set(i18n.nb)
    for key in i18n.en:
        fields_en = set(re.findall(r"{(\w+)}", i18n.en[key]))
        assert fields_en == set(re.findall(r"{(\w+)}", i18n.nb[key])), key
    assert [i18n.policy_label(p, "nb") for p in schema.POLICIES] == [
        "Samskaping",
        "Mobilisering",
        "Som planlagt",
    ]
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "en")


def test_number_formatting():
    assert i18n.fmt_number(12345.678, "en", 1) == "12,345.7"
    assert i18n.fmt_number(12345.678, "nb", 1) == "12\u00a0345,7"
    assert i18n.fmt_number(-0.25, "nb", 2) == "\u22120,25"
    assert i18n.fmt_number(-0.0001, "en", 2) == "0.00"
    assert i18n.fmt_number(float("nan"), "en") == "–"
