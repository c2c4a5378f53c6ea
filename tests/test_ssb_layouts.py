"""SSB files read as they come: every real layout of Statbank's CSV download and Klass's code
lists and correspondence tables loads to the same numbers as the tidy files; each refused kind
gets one clear line and exit 2 through the command line.

Fixtures: tests/fixtures/ssb/layout_*.csv and tidy_*.csv, written by make_layouts.py there.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from frivilligsim.errors import ConfigError, DataFileError
from frivilligsim.inputs.region import RegionConfig, load_region
from frivilligsim.inputs.ssb import read_centrality_klass128, read_population

FIXTURES = Path(__file__).parent / "fixtures" / "ssb"
POPULATION_LAYOUTS = [
    "layout_nb_long_title_bom_crlf.csv",
    "layout_en_long_comma_k_prefix.csv",
    "layout_nb_sex_in_heading_latin1.csv",
    "layout_en_sex_in_heading.csv",
    "layout_full_export_non_municipal.csv",
]
KLASS_LAYOUTS = [
    "layout_klass_codes_zero_padded_historical.csv",
    "layout_klass_correspondence_zero_padded.csv",
    "klass128_codes.csv",
    "klass128_column.csv",
    "klass128_correspondence.csv",
]


def tidy_population() -> tuple[list[str], np.ndarray]:
    tidy = pd.read_csv(FIXTURES / "tidy_population_2024.csv", dtype={"kommunenummer": str})
    codes = list(dict.fromkeys(tidy["kommunenummer"]))
    pop = np.zeros((len(codes), 2, 106), np.int64)
    for row in tidy.itertuples(index=False):
        pop[codes.index(row.kommunenummer), int(row.sex == "female"), row.age] = row.persons
    return codes, pop


@pytest.mark.parametrize("name", POPULATION_LAYOUTS)
def test_population_layouts_match_the_tidy_file(name):
    codes, pop = tidy_population()
    found = read_population(FIXTURES / name)
    assert list(found.municipalities["code"]) == codes
    assert list(found.municipalities["name"]) == ["Bodø", "Sømna", "Vega", "Vevelstad"]
    np.testing.assert_array_equal(found.population, pop)
    assert found.year == 2024


def test_full_export_names_what_it_skips():
    found = read_population(FIXTURES / "layout_full_export_non_municipal.csv")
    assert found.skipped == (
        "2111 Svalbard",
        "2211 Jan Mayen",
        "2311 Sokkelen sør for 62 grader N",
        "2321 Sokkelen nord for 62 grader N",
        "9999 Uoppgitt kommune",
    )
    assert found.ended == ("1805 Narvik (-2019)",)


@pytest.mark.parametrize("name", KLASS_LAYOUTS)
def test_klass_layouts_match_the_tidy_file(name):
    tidy = pd.read_csv(FIXTURES / "tidy_centrality_2024.csv", dtype={"kommunenummer": str})
    want = dict(zip(tidy["kommunenummer"], tidy["centrality_class"], strict=True))
    table = read_centrality_klass128(FIXTURES / name)
    got = dict(zip(table["code"], table["centrality"], strict=True))
    assert {c: got[c] for c in want} == want  # historical codes may come along; they are unused


def test_historical_klass_rows_lose_to_current_ones():
    table = read_centrality_klass128(FIXTURES / "layout_klass_codes_zero_padded_historical.csv")
    assert table["code"].is_unique
    assert table.set_index("code").loc["1812", "centrality"] == 5  # not the ended class 6 row


def ssb(pop: str, klass: str = "layout_klass_codes_zero_padded_historical.csv", **kw):
    return RegionConfig(
        name="ssb",
        population_csv=str(FIXTURES / pop),
        centrality_csv=str(FIXTURES / klass),
        **kw,
    )


@pytest.mark.parametrize("pop", POPULATION_LAYOUTS)
@pytest.mark.parametrize("klass", KLASS_LAYOUTS[:2])
def test_every_layout_gives_the_same_region(pop, klass):
    reference = load_region(
        ssb("layout_nb_long_title_bom_crlf.csv", "klass128_column.csv"), start_year=2024
    )
    region = load_region(ssb(pop, klass), start_year=2024)
    assert list(region.municipalities["municipality"]) == ["1812", "1815", "1816"]
    np.testing.assert_array_equal(region.population, reference.population)
    pd.testing.assert_frame_equal(region.municipalities, reference.municipalities)
    pd.testing.assert_frame_equal(region.centres, reference.centres)
    assert region.data_year == 2024
    assert set(region.sources) == {"population_csv", "centrality_csv"}


def test_ssb_region_equals_the_embedded_one_for_the_same_municipalities():
    # the same rule places centres and draws attributes, whoever read the numbers
    codes, _ = tidy_population()
    mine = load_region(ssb("layout_nb_long_title_bom_crlf.csv", centrality=[1, 2, 3, 4, 5, 6]))
    embedded = load_region(RegionConfig(name="norway", centrality=[1, 2, 3, 4, 5, 6]))
    kept = embedded.municipalities["municipality"].isin(codes).to_numpy()
    np.testing.assert_array_equal(mine.population, embedded.population[kept])


def test_skipped_regions_are_one_log_line(caplog):
    with caplog.at_level(logging.WARNING, logger="frivilligsim"):
        region = load_region(ssb("layout_full_export_non_municipal.csv"))
    lines = [r.getMessage() for r in caplog.records if "non-municipal" in r.getMessage()]
    assert len(lines) == 1
    assert "skipped 5 non-municipal region(s): 2111 Svalbard, 2211 Jan Mayen" in lines[0]
    assert region.notes and "Svalbard" in region.notes[0]


# Refused kinds -------------------------------------------------------------------------------


def test_year_2023_file_is_refused_naming_both_years():
    with pytest.raises(DataFileError) as err:
        load_region(ssb("layout_year_2023.csv"), start_year=2024)
    msg = str(err.value)
    assert "1 January 2023" in msg and "start_year=2024" in msg and "region.data_year=2023" in msg


def test_year_2023_file_runs_when_asked_for_on_purpose():
    region = load_region(ssb("layout_year_2023.csv", data_year=2023), start_year=2024)
    assert region.data_year == 2023
    np.testing.assert_array_equal(region.population, tidy_population()[1][1:])


def test_no_sex_file_says_how_to_export():
    with pytest.raises(DataFileError) as err:
        read_population(FIXTURES / "layout_no_sex.csv")
    assert "no sex dimension" in str(err.value) and "'Menn' and 'Kvinner'" in str(err.value)


def test_2008_standard_is_refused_naming_the_version():
    with pytest.raises(DataFileError) as err:
        read_centrality_klass128(FIXTURES / "layout_klass_2008_standard.csv")
    assert "2008" in str(err.value) and "Sentralitet 2024" in str(err.value)


def test_data_year_not_in_file():
    with pytest.raises(DataFileError) as err:
        load_region(ssb("layout_nb_long_title_bom_crlf.csv", data_year=2019))
    assert "2019" in str(err.value) and "2024" in str(err.value)


def test_packaged_data_year_cannot_be_changed():
    with pytest.raises(ConfigError):
        load_region(RegionConfig(data_year=2023))


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, HYDRA_FULL_ERROR="0")
    return subprocess.run(
        [sys.executable, "-m", "frivilligsim", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize(
    "pop, klass, words",
    [
        ("layout_year_2023.csv", "klass128_column.csv", ["1 January 2023", "start_year=2024"]),
        ("layout_no_sex.csv", "klass128_column.csv", ["no sex dimension"]),
        (
            "layout_nb_long_title_bom_crlf.csv",
            "layout_klass_2008_standard.csv",
            ["old 2008 centrality standard"],
        ),
    ],
)
def test_refused_kinds_get_one_line_and_exit_2(tmp_path, pop, klass, words):
    result = cli(
        "experiment=smoke",
        "output.figures=false",
        "region=ssb",
        f"region.population_csv={FIXTURES / pop}",
        f"region.centrality_csv={FIXTURES / klass}",
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("frivilligsim: error: ")
    for w in words:
        assert w in lines[0]
    assert "Traceback" not in result.stderr


def test_fixtures_are_what_the_generator_writes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_layouts", FIXTURES / "make_layouts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    for name in module.build():
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name
