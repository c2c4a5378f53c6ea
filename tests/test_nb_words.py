"""With lang=nb every figure, caption, table and terminal line is Norwegian: a word-list check.

The list holds English words that have no place in a bokmål output. Codes (parameter names,
the experiment's name, file names) and the provenance sources, which are given in English on
purpose and marked lang="en", are left out of the check.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from _fake_results import EXAMPLE_PROVENANCE, make_results, write_run
from rich.console import Console
from test_report import squares

from frivilligsim.output import aggregates, maps, report, tables
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.workflow.experiment import print_headline

ENGLISH = {
    "the", "and", "of", "with", "without", "from", "in", "to", "is", "are",
    "volunteer", "volunteers", "coverage", "demand", "figure", "policy", "policies",
    "replicate", "replicates", "residents", "resident", "year", "years", "men", "women",
    "share", "source", "sources", "below", "above", "headline", "model", "demography",
    "report", "main", "alternative", "ageing", "difference", "municipality",
    "municipalities", "boundaries", "mean", "motivation", "co-creation", "mobilisation",
    "planned", "group", "seed", "seeds", "outcome", "not", "shown", "hours", "age",
    "children", "centre", "centres", "band", "map", "none", "done",
    "outputs", "results", "synthetic",
}  # fmt: skip
SVG_NS = "{http://www.w3.org/2000/svg}"


def english_words(text: str) -> set[str]:
    words = re.findall(r"[A-Za-zÆØÅæøå][A-Za-zÆØÅæøå-]*", text)
    return {w.lower() for w in words} & ENGLISH


class _Visible(HTMLParser):
    """The text a reader sees, without code, the English sources, scripts and styles."""

    SKIP = {"code", "script", "style"}

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skip = tag in self.SKIP or attrs.get("lang") == "en"
        self.stack.append(skip or (bool(self.stack) and self.stack[-1]))
        if tag == "img":
            self.stack.pop()
            self.parts.append(attrs.get("alt") or "")

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html_text: str) -> str:
    parser = _Visible()
    parser.feed(html_text)
    return " ".join(parser.parts)


def test_the_word_list_finds_english():
    assert english_words("Volunteers in 2050, by municipality") == {
        "volunteers", "in", "municipality",
    }  # fmt: skip
    assert not english_words("Frivillige i 2050, etter kommune; Hovedalternativet (MMMM)")


@pytest.fixture(scope="module")
def nb_run(tmp_path_factory):
    results = make_results(demographies=("MMMM", "LHML"), n_seeds=2, n_municipalities=5)
    codes = sorted(results["municipality"].unique())
    mp = pytest.MonkeyPatch()
    mp.setattr(maps, "load_boundaries", lambda: squares(codes))
    run_dir = write_run(
        tmp_path_factory.mktemp("nb"),
        results,
        lang="nb",
        provenance=EXAMPLE_PROVENANCE,
        synthetic=False,
    )
    region = report.write_report(run_dir)
    muni = report.write_report(run_dir, municipality="1812")
    mp.undo()
    return run_dir, results, region, muni


def test_nb_report_text_has_no_english(nb_run):
    _, _, region, muni = nb_run
    for path in (region, muni):
        leaked = english_words(visible_text(path.read_text("utf-8")))
        assert not leaked, (path.name, leaked)


def test_nb_figures_have_no_english(nb_run):
    run_dir = nb_run[0]
    svgs = sorted((run_dir / "figures").glob("*.svg")) + sorted(
        (run_dir / "figures_1812").glob("*.svg")
    )
    names = {p.stem for p in svgs}
    assert {"map_2050", "share_70plus", "population_pyramid_LHML", "fan_volunteers"} <= names
    for svg in svgs:
        root = ET.parse(svg).getroot()
        text = " ".join("".join(el.itertext()) for el in root.iter(SVG_NS + "text"))
        assert text.strip(), svg.name
        leaked = english_words(text)
        assert not leaked, (svg.name, leaked)


def test_nb_tables_have_no_english(nb_run, tmp_path):
    results = nb_run[1]
    tables.write_run_tables(results, tmp_path, "nb")
    for name in ("headline.csv", "municipalities.csv"):
        text = (tmp_path / name).read_text("utf-8-sig")
        leaked = english_words(text.replace("_", " "))
        assert not leaked, (name, leaked)


def test_nb_terminal_has_no_english():
    results = make_results(demographies=("MMMM",), n_seeds=2, n_municipalities=3)
    console = Console(record=True, width=200)
    print_headline(aggregates.regional_series(results), validate(load_config(["lang=nb"])), console)
    text = console.export_text()
    assert "Hovedresultater, 2050, ved siden av 2024" in text and "Samskaping" in text
    leaked = english_words(text)
    assert not leaked, leaked
    console = Console(record=True, width=200)
    print_headline(aggregates.regional_series(results), validate(load_config([])), console)
    assert english_words(console.export_text())  # the check can fail
