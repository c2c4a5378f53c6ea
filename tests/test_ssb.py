"""SSB loaders: Statbank table 07459 and Klass 128, good files and one test per malformation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from frivilligsim.errors import DataFileError, FrivilligsimError
from frivilligsim.inputs.ssb import read_centrality_klass128, read_population_07459

FIXTURES = Path(__file__).parent / "fixtures" / "ssb"
LONG = FIXTURES / "07459_long_utf8bom.csv"
WIDE = FIXTURES / "07459_wide_cp1252.csv"
KLASS = FIXTURES / "klass128_codes.csv"


def long_lines() -> list[str]:
    return LONG.read_text(encoding="utf-8-sig").splitlines()


def write(tmp_path, lines, name="bad.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def line_of(lines, startswith: str) -> int:
    """1-based line number of the first line starting with ``startswith``."""
    return next(i + 1 for i, line in enumerate(lines) if line.startswith(startswith))


# Good files ----------------------------------------------------------------------------------


def test_long_export():
    munis, pop = read_population_07459(LONG)
    assert list(munis["code"]) == ["1804", "1812", "1815", "1816"]  # "0 Hele landet" skipped
    assert list(munis["name"]) == ["Bodø", "Sømna", "Vega", "Vevelstad"]
    assert pop.dtype == np.int64 and pop.shape == (4, 2, 106)
    # spot values straight from the file
    lines = long_lines()
    row = lines[line_of(lines, '"1812 Sømna";"2 Kvinner";"067 år"') - 1]
    assert pop[1, 1, 67] == int(row.rsplit(";", 1)[1])
    row = lines[line_of(lines, '"1816 Vevelstad";"1 Menn";"105 år eller eldre"') - 1]
    assert pop[3, 0, 105] == int(row.rsplit(";", 1)[1])


def test_wide_cp1252_export_matches_long():
    munis_w, pop_w = read_population_07459(WIDE)  # latest year (2024) by default
    munis_l, pop_l = read_population_07459(LONG)
    assert list(munis_w["name"]) == list(munis_l["name"])  # "ø" decoded from Windows-1252
    np.testing.assert_array_equal(pop_w, pop_l)
    _, pop_2023 = read_population_07459(WIDE, year=2023)
    assert pop_2023.sum() != pop_w.sum()


def test_missing_year_is_reported():
    with pytest.raises(DataFileError) as err:
        read_population_07459(WIDE, year=2019)
    assert "2019" in str(err.value) and "2023" in str(err.value)


def test_english_labels_and_comma_separator(tmp_path):
    out = ['"region","sex","age","contents","year","Population"']
    for line in long_lines()[3:]:
        region, sex, age, _, year, count = line.split(";")
        sex = sex.replace("1 Menn", "1 Males").replace("2 Kvinner", "2 Females")
        age = age.replace("år eller eldre", "years or older").replace("år", "years")
        out.append(",".join([region, sex, age, '"Persons"', year, count]))
    munis, pop = read_population_07459(write(tmp_path, out, "english.csv"))
    np.testing.assert_array_equal(pop, read_population_07459(LONG)[1])


@pytest.mark.parametrize(
    "name", ["klass128_codes.csv", "klass128_column.csv", "klass128_correspondence.csv"]
)
def test_klass_layouts_agree(name):
    table = read_centrality_klass128(FIXTURES / name)
    assert list(table.columns) == ["code", "name", "centrality"]
    assert list(table["code"]) == ["1804", "1812", "1815", "1816", "1818"]
    assert list(table["centrality"]) == [3, 5, 6, 6, 5]
    assert table["centrality"].dtype == np.int64
    assert table.loc[0, "name"] == "Bodø"


def test_klass_reversed_correspondence(tmp_path):
    lines = ['"sourceCode";"sourceName";"targetCode";"targetName"', '"6";"Minst";"1815";"Vega"']
    table = read_centrality_klass128(write(tmp_path, lines))
    assert list(table["code"]) == ["1815"] and list(table["centrality"]) == [6]


# Malformed 07459 files: one test per kind ------------------------------------------------------


def expect_error(path, *words, line=None, reader=read_population_07459):
    with pytest.raises(DataFileError) as err:
        reader(path)
    msg = str(err.value)
    assert isinstance(err.value, FrivilligsimError)
    assert str(path) in msg, msg  # names the file
    for w in words:
        assert w in msg, msg  # names the problem
    if line is not None:
        assert err.value.line == line and f"line {line}:" in msg, msg
    return err.value


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\xef\xbb\xbf\n\n")
    expect_error(path, "empty")


def test_missing_file(tmp_path):
    expect_error(tmp_path / "absent.csv", "not found")


def test_missing_age_column(tmp_path):
    lines = long_lines()
    lines[2] = lines[2].replace('"alder"', '"aldersgruppe"')
    expect_error(write(tmp_path, lines), "missing column", "alder", line=3)


def test_missing_count_column_in_wide_export(tmp_path):
    lines = WIDE.read_text(encoding="cp1252").splitlines()
    lines = [";".join(line.split(";")[:3]) for line in lines]
    lines[0] = '"region";"kjønn";"alder";"statistikkvariabel"'  # no count column at all
    lines = [lines[0]] + [line + ';"Personer"' for line in lines[1:]]
    expect_error(write(tmp_path, lines), "missing count column", line=1)


def test_non_numeric_age(tmp_path):
    lines = long_lines()
    n = line_of(lines, '"1815 Vega";"1 Menn";"042 år"')
    lines[n - 1] = lines[n - 1].replace('"042 år"', '"førtito år"')
    expect_error(write(tmp_path, lines), "age", "førtito", line=n)


def test_age_above_open_group(tmp_path):
    lines = long_lines()
    n = line_of(lines, '"1815 Vega";"1 Menn";"104 år"')
    lines[n - 1] = lines[n - 1].replace('"104 år"', '"106 år"')
    expect_error(write(tmp_path, lines), "106", "open top group", line=n)


def test_negative_count(tmp_path):
    lines = long_lines()
    n = line_of(lines, '"1812 Sømna";"2 Kvinner";"030 år"')
    lines[n - 1] = lines[n - 1].rsplit(";", 1)[0] + ";-4"
    expect_error(write(tmp_path, lines), "negative", "1812", line=n)


def test_missing_value_symbol(tmp_path):
    lines = long_lines()
    n = line_of(lines, '"1812 Sømna";"2 Kvinner";"031 år"')
    lines[n - 1] = lines[n - 1].rsplit(";", 1)[0] + ';".."'
    expect_error(write(tmp_path, lines), "'..'", "missing or confidential", line=n)


def test_non_integer_count(tmp_path):
    lines = long_lines()
    n = line_of(lines, '"1812 Sømna";"2 Kvinner";"032 år"')
    lines[n - 1] = lines[n - 1].rsplit(";", 1)[0] + ";12.5"
    expect_error(write(tmp_path, lines), "not a whole number", line=n)


def test_duplicate_municipality_sex_age(tmp_path):
    lines = long_lines()
    first = line_of(lines, '"1815 Vega";"2 Kvinner";"080 år"')
    lines.append(lines[first - 1])
    expect_error(
        write(tmp_path, lines), "duplicate", "1815", f"first on line {first}", line=len(lines)
    )


def test_partial_file_missing_rows(tmp_path):
    lines = long_lines()[:-10]  # truncated download: the last ages of 1816 women are gone
    expect_error(write(tmp_path, lines), "1816 Vevelstad", "lacks 10", "partial")


def test_wrong_field_count(tmp_path):
    lines = long_lines()
    n = line_of(lines, '"1812 Sømna";"1 Menn";"010 år"')
    lines[n - 1] = lines[n - 1] + ";99"
    expect_error(write(tmp_path, lines), "expected 6 fields", "found 7", line=n)


def test_wrong_encoding_undecodable_bytes(tmp_path):
    raw = LONG.read_bytes().replace(b"Vevelstad", b"Vevel\x81stad", 1)
    path = tmp_path / "bad_bytes.csv"
    path.write_bytes(raw)
    lines = long_lines()
    n = line_of(lines, '"1816 Vevelstad"')
    expect_error(path, "wrong encoding", "0x81", line=n)


def test_wrong_encoding_utf16(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_text(LONG.read_text(encoding="utf-8-sig"), encoding="utf-16")
    expect_error(path, "wrong encoding", "UTF-16")


def test_bad_region_value(tmp_path):
    lines = long_lines()
    n = line_of(lines, '"1815 Vega";"1 Menn";"001 år"')
    lines[n - 1] = lines[n - 1].replace('"1815 Vega"', '"Vega kommune"')
    expect_error(write(tmp_path, lines), "region", "Vega kommune", line=n)


def test_sex_total_rejected(tmp_path):
    lines = long_lines()
    n = line_of(lines, '"1815 Vega";"1 Menn";"001 år"')
    lines[n - 1] = lines[n - 1].replace('"1 Menn"', '"0 Begge kjønn"')
    expect_error(write(tmp_path, lines), "sex", "Begge", line=n)


def test_sex_code_and_label_disagree(tmp_path):
    lines = long_lines()
    n = line_of(lines, '"1815 Vega";"1 Menn";"002 år"')
    lines[n - 1] = lines[n - 1].replace('"1 Menn"', '"1 Kvinner"')
    expect_error(write(tmp_path, lines), "sex", "disagree", line=n)


def test_bad_year_value(tmp_path):
    lines = long_lines()
    n = line_of(lines, '"1815 Vega";"1 Menn";"003 år"')
    lines[n - 1] = lines[n - 1].replace('"2024"', '"2024K1"')
    expect_error(write(tmp_path, lines), "year", "2024K1", line=n)


def test_two_statistics_variables(tmp_path):
    lines = long_lines()
    n = line_of(lines, '"1815 Vega";"1 Menn";"004 år"')
    lines[n - 1] = lines[n - 1].replace('"Personer"', '"Endring"')
    expect_error(write(tmp_path, lines), "more than one statistics variable", line=n)


def test_data_after_footnotes(tmp_path):
    lines = long_lines()
    lines.insert(len(lines) - 5, '"Kilde: Statistisk sentralbyrå"')
    expect_error(write(tmp_path, lines), "after footnote", line=len(lines) - 4)


def test_footnotes_at_end_are_accepted(tmp_path):
    lines = long_lines() + ["", '"Kilde: Statistisk sentralbyrå"', '"Fotnote: ..."']
    _, pop = read_population_07459(write(tmp_path, lines))
    np.testing.assert_array_equal(pop, read_population_07459(LONG)[1])


def test_no_header(tmp_path):
    expect_error(write(tmp_path, ['"just a title"', "", '"another line"']), "no header line")


def test_only_aggregates(tmp_path):
    lines = long_lines()[:4]  # title, blank, header, "0 Hele landet"
    expect_error(write(tmp_path, lines), "no municipality rows")


# Malformed Klass 128 files -------------------------------------------------------------------


def klass_lines() -> list[str]:
    return KLASS.read_text().splitlines()


def test_klass_empty(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text("")
    expect_error(path, "empty", reader=read_centrality_klass128)


def test_klass_class_out_of_range(tmp_path):
    lines = klass_lines()
    n = line_of(lines, '"1815"')
    lines[n - 1] = lines[n - 1].replace('"1815";"6"', '"1815";"7"')
    expect_error(write(tmp_path, lines), "1815", "not 1-6", line=n, reader=read_centrality_klass128)


def test_klass_duplicate_municipality(tmp_path):
    lines = klass_lines()
    first = line_of(lines, '"1812"')
    lines.append(lines[first - 1])
    expect_error(
        write(tmp_path, lines),
        "duplicate municipality 1812",
        line=len(lines),
        reader=read_centrality_klass128,
    )


def test_klass_missing_code_column(tmp_path):
    lines = ["kommune_navn;sentralitet", "Vega;6"]
    expect_error(
        write(tmp_path, lines), "missing column", "code", line=1, reader=read_centrality_klass128
    )


def test_klass_missing_class_column(tmp_path):
    lines = ["code;name", "1815;Vega"]
    expect_error(
        write(tmp_path, lines), "missing centrality", line=1, reader=read_centrality_klass128
    )


def test_klass_non_numeric_code(tmp_path):
    lines = klass_lines()
    n = line_of(lines, '"1816"')
    lines[n - 1] = lines[n - 1].replace('"1816"', '"Vevelstad"', 1)
    expect_error(write(tmp_path, lines), "not a number", line=n, reader=read_centrality_klass128)


def test_klass_wrong_field_count(tmp_path):
    lines = klass_lines()
    n = line_of(lines, '"1816"')
    lines[n - 1] = '"1816";"6"'
    expect_error(
        write(tmp_path, lines), "expected 9 fields", line=n, reader=read_centrality_klass128
    )
