"""The HTML report: self-contained, complete, in the run's language; and its command line."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _fake_results import EXAMPLE_PROVENANCE, make_manifest, make_results, write_run

import frivilligsim
from frivilligsim.output import i18n, plots, report


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


def _small_results():
    return make_results(
        demographies=("MMMM",), n_seeds=2, n_municipalities=3, years=range(2024, 2029)
    )


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
    assert len(imgs) == len(plots.FIGURE_NAMES)
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


def test_report_has_question_scenarios_headline_and_provenance(run_en):
    _, text = run_en
    assert i18n.t("report.question.ageing_2050", "en") in text
    assert "3 × 2 × 4 = 24 runs (policies × demographic alternatives × seeds)" in text
    assert "synthetic_district_norway" in text
    assert "2024–2050" in text
    # headline: cocreation × MMMM volunteers in 2050, median across seeds
    results = make_results()
    last = results[(results["year"] == 2050) & (results["demography"] == "MMMM")]
    volunteers = last[last["policy"] == "cocreation"].groupby("seed")["volunteers"].sum()
    assert i18n.fmt_number(volunteers.median(), "en", 0) in text
    # provenance rows, escaped
    assert "Assumptions and provenance" in text
    assert "recruit_rate_young_retiree" in text
    assert "Frivillighetsbarometeret 2023, table 4" in text
    assert "&lt;2022&gt; &amp; interviews" in text
    for i in range(1, len(plots.FIGURE_NAMES) + 1):
        assert f"Figure {i}." in text


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


def test_lang_argument_overrides_manifest(monkeypatch, tmp_path):
    drawn = {}

    def fake_make_figures(results, out_dir, lang="en", synthetic=True):
        drawn.update(lang=lang, synthetic=synthetic, out_dir=out_dir)
        return {}

    monkeypatch.setattr(plots, "make_figures", fake_make_figures)
    run_dir = write_run(tmp_path, results=_small_results(), lang="en")
    text = report.write_report(run_dir, lang="nb").read_text(encoding="utf-8")
    assert drawn == {"lang": "nb", "synthetic": True, "out_dir": run_dir / "figures"}
    assert '<html lang="nb">' in text and "Forutsetninger og kilder" in text


def test_figures_in_another_language_are_not_reused(run_en):
    run_dir, _ = run_en
    assert report._existing_figures(run_dir, "en", True) is not None
    assert report._existing_figures(run_dir, "nb", True) is None
    assert report._existing_figures(run_dir, "en", False) is None


def test_failed_run_is_flagged(tmp_path):
    results = _small_results()
    manifest = make_manifest(results)
    manifest["status"] = "failed"
    text = report.render_html(results, manifest, {}, "en", tmp_path / "figures")
    assert "This run did not complete (status: failed)" in text
    manifest["status"] = "complete"
    text = report.render_html(results, manifest, {}, "en", tmp_path / "figures")
    assert "did not complete" not in text


def test_main_writes_report(run_en, capsys):
    run_dir, _ = run_en
    assert report.main([str(run_dir), "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip() == str(run_dir / "report.html")


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


def test_skipped_figure_is_explained(tmp_path):
    results = _small_results()
    figures = {"policy_difference": {"skipped": "mobilisation was not run", "png": None}}
    text = report.render_html(results, make_manifest(results), figures, "en", tmp_path)
    assert "Figure not drawn: mobilisation was not run" in text
    assert "<img" not in text
