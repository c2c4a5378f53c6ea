"""The headline and municipality tables: numbers from the results, xlsx and Norwegian CSV."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from _fake_results import make_results

from frivilligsim.output import aggregates, tables


@pytest.fixture(scope="module")
def results():
    return make_results(demographies=("MMMM",), n_seeds=3, n_municipalities=5)


def test_municipality_table_has_one_row_per_municipality_policy_and_demography(results):
    info = pd.DataFrame(
        {"municipality": ["1811", "1812"], "name": ["Bindal", "Sømna"], "centrality": [6, 6]}
    )
    table = aggregates.municipality_table(results, info)
    assert len(table) == 5 * 3 * 1
    row = table[(table["municipality"] == "1812") & (table["policy"] == "cocreation")].iloc[0]
    assert row["municipality_name"] == "Sømna" and row["centrality"] == 6
    last = results[
        (results["municipality"] == "1812")
        & (results["policy"] == "cocreation")
        & (results["year"] == 2050)
    ]
    assert row["volunteers_2050"] == last["volunteers"].median()
    assert row["volunteers_2050_q05"] == pytest.approx(last["volunteers"].quantile(0.05))
    assert row["coverage_2050_q95"] == pytest.approx(last["coverage"].quantile(0.95))
    first = results[
        (results["municipality"] == "1812")
        & (results["policy"] == "cocreation")
        & (results["year"] == 2024)
    ]
    assert row["residents_2024"] == first["residents"].median()
    share = (first["residents_70plus"] / first["residents"]).median()
    assert row["share_70plus_2024"] == pytest.approx(share)
    # without a centre: no coverage (not 0), and the names come from the results' own column
    none = table[table["municipality"] == "1818"]
    assert (~none["has_centre"]).all() and none["coverage_2050"].isna().all()
    assert set(none["municipality_name"]) == {"Herøy (Nordland)"}
    assert table["centrality"].isna().sum() == 3 * 3


def test_run_tables_in_english_read_back_with_openpyxl(results, tmp_path):
    written = tables.write_run_tables(results, tmp_path, "en")
    csv = pd.read_csv(tmp_path / "headline.csv")
    assert list(csv.columns[:4]) == ["policy", "demography", "year", "outcome"]
    assert set(csv["year"]) == {2024, 2050}
    book = openpyxl.load_workbook(tmp_path / "municipalities.xlsx", read_only=True)
    sheet = book["municipalities"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("municipality", "name", "centrality_class")
    assert len(rows) == 1 + 5 * 3
    assert rows[1][0] == "1811"  # the code stays text, leading digits and all
    assert written["municipalities"] == [
        tmp_path / "municipalities.csv",
        tmp_path / "municipalities.xlsx",
    ]
    head = openpyxl.load_workbook(tmp_path / "headline.xlsx", read_only=True)["headline"]
    values = list(head.iter_rows(values_only=True))
    regional = aggregates.regional_series(results)
    last = regional[(regional["year"] == 2050) & (regional["policy"] == "cocreation")]
    row = next(
        r for r in values if r[:4] == ("Co-creation", "Main alternative (MMMM)", 2050, "volunteers")
    )
    assert row[4] == pytest.approx(last["volunteers"].median(), abs=0.05)


def test_norwegian_csv_uses_semicolons_and_decimal_commas(results, tmp_path):
    tables.write_run_tables(results, tmp_path, "nb")
    raw = (tmp_path / "municipalities.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads æøå
    text = raw.decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.startswith("kommunenummer;kommune;sentralitetsklasse;politikkalternativ")
    assert "," not in header
    fields = first.split(";")
    assert fields[0] == "1811" and fields[3] == "Samskaping"
    share = fields[header.split(";").index("andel_70pluss_2024")]
    assert "," in share and "." not in share
    back = tables.read_csv(tmp_path / "municipalities.csv", "nb")
    assert back["kommunenummer"].iloc[0] == "1811"
    assert back["andel_70pluss_2024"].dtype.kind == "f"
    head = (tmp_path / "headline.csv").read_text("utf-8-sig").splitlines()
    assert head[0].split(";")[:4] == ["politikkalternativ", "demografialternativ", "år", "resultat"]
    book = openpyxl.load_workbook(tmp_path / "headline.xlsx", read_only=True)
    assert next(book["headline"].iter_rows(values_only=True))[0] == "politikkalternativ"


def test_one_replicate_has_no_band_in_the_table(tmp_path):
    one = make_results(
        demographies=("MMMM",), n_seeds=1, n_municipalities=2, years=range(2024, 2027)
    )
    tables.write_run_tables(one, tmp_path, "en")
    head = pd.read_csv(tmp_path / "headline.csv")
    assert (head["replicates"] == 1).all()
    assert head["band_low_5pct"].isna().all() and head["band_high_95pct"].isna().all()
