"""The HTML report: self-contained, complete, in the run's language; per municipality; CLI."""

from __future__ import annotations

import base64
import html
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _fake_results import (
    EXAMPLE_PROVENANCE,
    make_manifest,
    make_results,
    population_by_age,
    write_run,
)

import frivilligsim
from frivilligsim.output import aggregates, i18n, maps, plots, report
from frivilligsim.output.report_html import Page, render_html, resolve_source

REPO = Path(__file__).resolve().parents[1]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html_text: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html_text)
    return parser.tags


def _small_results(n_seeds=2):
    return make_results(
        demographies=("MMMM",), n_seeds=n_seeds, n_municipalities=3, years=range(2024, 2029)
    )


def squares(codes) -> dict:
    """Boundaries for a map test: one square per code (the first with a hole), plus one
    municipality outside the run."""
    out = {}
    for i, code in enumerate([*codes, "9999"]):
        x0 = 1000.0 * i
        outer = np.array([[x0, 0], [x0 + 900, 0], [x0 + 900, 900], [x0, 900]], float)
        rings = [outer]
        if i == 0:
            rings.append(np.array([[x0 + 300, 300], [x0 + 600, 300], [x0 + 600, 600]], float))
        out[code] = [rings]
    return out


def _page_html(results, manifest=None, lang="en") -> str:
    """The report's text without figures: fast, for tests of the words and numbers."""
    manifest = make_manifest(results) if manifest is None else manifest
    page = Page(
        results=results,
        manifest=manifest,
        lang=lang,
        n_municipalities=results["municipality"].nunique(),
        ages=population_by_age(results),
    )
    return html.unescape(render_html(page))


@pytest.fixture(scope="module")
def run_en(tmp_path_factory):
    run_dir = write_run(tmp_path_factory.mktemp("run_en"), provenance=EXAMPLE_PROVENANCE)
    path = report.write_report(run_dir)
    return run_dir, path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def run_nb(tmp_path_factory):
    run_dir = write_run(tmp_path_factory.mktemp("run_nb"), lang="nb", experiment_name="other")
    path = report.write_report(run_dir)
    return run_dir, path.read_text(encoding="utf-8")


def test_report_is_written_to_report_html(run_en):
    run_dir, text = run_en
    assert (run_dir / "report.html").is_file()
    assert text.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in text


def test_one_embedded_png_per_figure_and_nothing_external(run_en):
    _, text = run_en
    tags = _tags(text)
    imgs = [a for t, a in tags if t == "img"]
    # scenario figures, a pyramid per demographic alternative and the 70+ share (no map: the
    # fake region is synthetic)
    assert len(imgs) == len(plots.FIGURE_NAMES) + 2 + 1
    for attrs in imgs:
        src = attrs["src"]
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert int(attrs["width"]) >= 800
        assert attrs["alt"]
    for tag, attrs in tags:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not re.match(r"\s*(https?:)?//", value), (tag, value)
        assert tag != "link", "no external stylesheets"
        if tag == "script":
            assert "src" not in attrs
    assert "@import" not in text and "url(" not in text


def test_report_has_question_scenarios_and_provenance(run_en):
    _, text = run_en
    assert i18n.t("report.question.ageing_2050", "en") in text
    assert "3 × 2 × 4 = 24 runs (policies × demographic alternatives × seeds)" in text
    assert "synthetic_district_norway" in text
    assert "2024–2050" in text
    assert "Assumptions and provenance" in text
    assert "recruit_rate_young_retiree" in text
    assert "Frivillighetsbarometeret 2023, table 4" in text
    assert "&lt;2022&gt; &amp; interviews" in text
    for i in range(1, len(plots.FIGURE_NAMES) + 4):
        assert f"Figure {i}." in text
    # demography figures have captions, not file names
    assert "population_pyramid_MMMM.png" not in text
    caption = i18n.t("caption.share_70plus", "en", place="the region")
    assert html.escape(caption, quote=True) in text
    # the two notes on reading the bands and the trend
    assert "The bands in this report show chance only" in text
    assert "Part of the fall in volunteers after 2024 is the model settling" in text


def test_replicates_are_numbered_with_the_base_seed(tmp_path):
    results = _small_results()
    results["seed"] = results["seed"] + 1315736711499957385  # the long seeds a run derives
    manifest = make_manifest(results)
    manifest["config"]["seed"] = 2024
    text = _page_html(results, manifest)
    assert (
        "2 replicates, numbered 0–1; each one's random seed is derived from the base seed 2024"
        in text
    )
    assert "1315736711499957" not in text


def test_headline_is_median_and_band_of_first_and_last_year(run_en):
    run_dir, text = run_en
    results = pd.read_parquet(run_dir / "results.parquet")  # the table read back
    for year in (2024, 2050):
        rows = results[
            (results["year"] == year)
            & (results["demography"] == "MMMM")
            & (results["policy"] == "cocreation")
        ]
        per_seed = rows.groupby("seed")["volunteers"].sum()
        med = i18n.fmt_number(per_seed.median(), "en", 0)
        lo = i18n.fmt_number(per_seed.quantile(0.05), "en", 0)
        hi = i18n.fmt_number(per_seed.quantile(0.95), "en", 0)
        assert f"<strong>{med}</strong><br><span class='interval'>({lo}–{hi})</span>" in text
    assert "median across 4 replicates" in text


def test_one_replicate_shows_no_band():
    results = _small_results(n_seeds=1)
    text = _page_html(results)
    assert "from 1 replicate, so there is no band" in text
    assert "class='interval'" not in text
    assert "1 replicates" not in text
    assert "1 replicate (replicate 0)" in text


def test_coverage_is_defined_and_both_averages_are_given(run_en):
    run_dir, text = run_en
    text = html.unescape(text)
    assert "Coverage of demand: the share of the year's demand" in text
    assert "Read coverage as illustrative" in text and "L2277-2282" in text
    results = pd.read_parquet(run_dir / "results.parquet")
    last = results[(results["year"] == 2050) & (results["demography"] == "MMMM")]
    with_centre = last[(last["centres"] > 0) & (last["policy"] == "cocreation")]
    plain = with_centre.groupby("seed")["coverage"].mean().median()
    rows = last[last["policy"] == "cocreation"].groupby("seed")
    weighted = (
        rows.apply(lambda g: (g["coverage"] * g["demand_hours"]).sum() / g["demand_hours"].sum())
    ).median()
    assert abs(plain - weighted) > 1e-3  # two different numbers, both shown
    assert f"Co-creation {i18n.fmt_number(plain, 'en', 3)}" in text
    assert f"Co-creation {i18n.fmt_number(weighted, 'en', 3)}" in text


def test_every_reference_resolves_inside_the_repository(tmp_path):
    results = _small_results()
    provenance = [
        {
            "group": "demography",
            "name": "name",
            "value": "MMMM",
            "source": "SSB (MODEL.md section 6)",
        },
        {"group": "model", "name": "x", "value": 1.0, "source": "MODEL.md section 9"},
    ]
    run_dir = write_run(tmp_path, results, make_manifest(results, provenance=provenance))
    text = report.write_report(run_dir).read_text("utf-8")
    assert "MODEL.md" not in text
    cited = set(re.findall(r"docs/[\w.]+\.md", text))
    assert {"docs/ODD.md", "docs/demography.md", "docs/calibration.md"} <= cited
    for path in cited:
        assert (REPO / path).is_file(), path
    for section in re.findall(r"docs/ODD\.md section ([\d.]+)", text):
        heading = re.compile(rf"^#+ {re.escape(section)}[. ]", re.M)
        assert heading.search((REPO / "docs/ODD.md").read_text("utf-8")), section
    assert resolve_source("see MODEL.md s. 5") == "see docs/ODD.md section 5"


def test_report_in_norwegian_from_manifest(run_nb):
    _, text = run_nb
    assert '<html lang="nb">' in text
    assert "Forutsetninger og kilder" in text
    assert i18n.t("report.provenance.absent", "nb") in text
    assert i18n.t("report.question.generic", "nb") in text
    assert "Samskaping" in text and "Hovedalternativet (MMMM)" in text
    for english in ("Assumptions and provenance", "Headline results", "Figure 1.", "Policy"):
        assert english not in text
    assert "Figur 1." in text


def test_existing_figures_are_reused(run_en):
    run_dir, _ = run_en
    png = run_dir / "figures" / "fan_volunteers.png"
    before = png.stat().st_mtime_ns
    report.write_report(run_dir)
    assert png.stat().st_mtime_ns == before


def test_another_language_gets_its_own_files_and_overwrites_nothing(tmp_path, capsys):
    run_dir = write_run(tmp_path, _small_results(), lang="en")
    english = report.write_report(run_dir)
    before = {p: p.read_bytes() for p in [english, *sorted((run_dir / "figures").iterdir())]}
    assert report.main([str(run_dir), "--lang", "nb"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(run_dir / "report.nb.html")
    nb_text = (run_dir / "report.nb.html").read_text("utf-8")
    assert '<html lang="nb">' in nb_text and "Forutsetninger og kilder" in nb_text
    assert (run_dir / "figures_nb" / "fan_volunteers.png").is_file()
    for path, data in before.items():
        assert path.read_bytes() == data, path
    assert len(list((run_dir / "figures").iterdir())) == len(before) - 1


def test_municipality_report(tmp_path, capsys):
    results = _small_results()
    run_dir = write_run(tmp_path, results)
    assert report.main([str(run_dir), "--municipality", "1812"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == str(run_dir / "report_1812.html")
    text = Path(out[-1]).read_text("utf-8")
    assert "<h1>Sømna (1812): volunteering and welfare demand to 2028</h1>" in text
    assert (run_dir / "figures_1812" / "fan_volunteers.png").is_file()
    assert not (run_dir / "report.html").exists() and not (run_dir / "figures").exists()
    # its headline is the municipality's own numbers
    rows = results[(results["municipality"] == "1812") & (results["year"] == 2028)]
    per_seed = rows[rows["policy"] == "cocreation"].set_index("seed")["volunteers"]
    assert f"<strong>{i18n.fmt_number(per_seed.median(), 'en', 0)}</strong>" in text
    assert report.main([str(run_dir), "--municipality", "1812", "--lang", "nb"]) == 0
    nb_path = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert nb_path == run_dir / "report_1812.nb.html"
    assert "Sømna (1812): frivillighet og velferdsbehov fram mot 2028" in nb_path.read_text("utf-8")


def test_unknown_municipality_is_one_line_and_exit_2(tmp_path, capsys):
    run_dir = write_run(tmp_path, _small_results())
    assert report.main([str(run_dir), "--municipality", "0301"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.count("\n") == 0 and captured.out == ""
    assert "municipality 0301 is not in this run" in err and "1811" in err
    assert not list(run_dir.glob("report_0301*"))


def test_map_of_a_real_region(tmp_path, monkeypatch):
    results = _small_results()
    codes = sorted(results["municipality"].unique())
    monkeypatch.setattr(maps, "load_boundaries", lambda: squares(codes))
    run_dir = write_run(tmp_path, results, synthetic=False)
    text = report.write_report(run_dir).read_text("utf-8")
    assert "<figure id='fig-map'>" in text and "© Kartverket (CC BY 4.0)" in text
    svg = (run_dir / "figures" / "map_2028.svg").read_text("utf-8")
    assert "© Kartverket (CC BY 4.0)" in svg
    drawn = pd.read_csv(run_dir / "figures" / "map_2028.csv", dtype={"municipality": str})
    last = results[(results["year"] == 2028) & (results["policy"] == "as_planned")]
    rate = (1000 * last["volunteers"] / last["residents"]).groupby(last["municipality"]).median()
    assert np.allclose(drawn.set_index("municipality")["level"], rate.loc[drawn["municipality"]])
    # a municipality's map outlines it on the same map
    entry = maps.make_map(results, tmp_path / "m", synthetic=False, highlight="1811")
    assert entry["png"].is_file() and "Sømna" not in entry["title"]


def test_synthetic_region_has_no_map_and_says_why(run_en):
    text = html.unescape(run_en[1])
    assert i18n.t("report.map.none", "en", reason=i18n.t("report.map.synthetic", "en")) in text


def _older_but_better(factor: float) -> pd.DataFrame:
    results = make_results(demographies=("MMMM", "LHML"), n_seeds=2, n_municipalities=3)
    lhml = results["demography"] == "LHML"
    results.loc[lhml, "residents_70plus"] = (results.loc[lhml, "residents_70plus"] * 1.3).round()
    results.loc[lhml, "volunteers"] = (results.loc[lhml, "volunteers"] * factor).round()
    results.loc[lhml, "volunteers_senior"] = (
        results.loc[lhml, "volunteers_senior"] * factor**4
    ).round()
    return results


def test_an_unexpected_ordering_is_explained_from_the_results():
    results = _older_but_better(1.2)
    text = _page_html(results)
    regional = aggregates.regional_series(results)
    last = regional[regional["year"] == 2050]
    share = last.groupby("demography").apply(
        lambda g: (g["residents_70plus"] / g["residents"]).median()
    )
    assert (
        "Strong ageing (LHML) has an older population than Main alternative (MMMM) in 2050 "
        f"(70+ share {100 * share['LHML']:.1f} % against {100 * share['MMMM']:.1f} %), yet under "
        "every policy it has more volunteers"
    ) in text
    assert "The extra volunteers are in these age groups: Seniors 76+" in text


def test_an_expected_ordering_needs_no_explanation():
    text = _page_html(_older_but_better(0.8))
    assert "has an older population than" not in text
    assert "so there is no unexpected ordering to explain" in text


def test_failed_run_is_flagged(tmp_path):
    results = _small_results()
    manifest = make_manifest(results)
    manifest["status"] = "failed"
    page = Page(results=results, manifest=manifest, lang="en")
    assert "This run did not complete (status: failed)" in render_html(page)
    page.manifest = {**manifest, "status": "complete"}
    assert "did not complete" not in render_html(page)


def test_skipped_figure_is_explained():
    results = _small_results()
    page = Page(
        results=results,
        manifest=make_manifest(results),
        lang="en",
        figures={"policy_difference": {"skipped": "mobilisation was not run", "png": None}},
        figure_names=plots.FIGURE_NAMES,
        captions={n: n for n in plots.FIGURE_NAMES},
    )
    text = render_html(page)
    assert "Figure not drawn: mobilisation was not run" in text
    assert "<img" not in text


def test_main_on_a_directory_without_results(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    assert report.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "results.parquet" in err and "is missing" in err


def test_module_command_line_exits_2_without_traceback(tmp_path):
    src = str(Path(frivilligsim.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "frivilligsim.report", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "is not a directory" in proc.stderr


def test_bad_manifest_language_is_a_config_error(tmp_path):
    results = _small_results()
    run_dir = write_run(tmp_path, results=results, manifest=make_manifest(results, lang="de"))
    with pytest.raises(frivilligsim.errors.ConfigError, match="unknown language"):
        report.write_report(run_dir)
