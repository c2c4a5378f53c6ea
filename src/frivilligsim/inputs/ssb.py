"""Readers for Statistics Norway (SSB) files: Statbank table 07459 and Klass 128 centrality.

Owns the parsing and validation of the two CSV formats a user downloads to run the model on
real municipalities. Both are read offline; nothing here touches the network.

Must not: build a :class:`~frivilligsim.inputs.region.Region` (that is :mod:`frivilligsim.inputs.region`),
or let a pandas/KeyError escape: every malformed file raises
:class:`~frivilligsim.errors.DataFileError` naming the file, the 1-based line and the problem.

Accepted formats (tolerant of labels and languages, strict on structure):

**Table 07459** ("Befolkning, etter region, kjønn, alder og år"), a Statbank CSV export,
separated by ``;`` (``,`` and tab also accepted), values optionally quoted, encoded UTF-8
(with or without BOM) or Windows-1252/Latin-1. Title lines (one field) and blank lines may
precede the header; footnote lines (one field) may follow the data. The header must name:

- a region column (``region``), values ``"1812 Sømna"``, ``"K-1812 Sømna"`` or ``"1812"``;
  regions whose code has fewer than 4 digits (``"0 Hele landet"``, ``"18 Nordland"``) are
  aggregates and are skipped; non-municipal regions (Svalbard 21xx, Jan Mayen 22xx, the
  continental shelf 23xx, unknown 99xx) and ended municipalities (``"1805 Narvik (-2019)"``)
  are skipped and named in :class:`PopulationFile`;
- a sex column (``kjønn`` / ``sex``), values ``"1 Menn"``, ``"2 Kvinner"``, ``"Menn"``,
  ``"Kvinner"``, ``"1"``, ``"2"`` (or English ``Males`` / ``Females``), or the sex folded into
  the count columns' headings (``"Personer 2024 Menn"``, ``"Persons 2024 Males"``); a file
  with no sex at all is refused with how to export it by sex;
- an age column (``alder`` / ``age``), values ``"067 år"``, ``"67"``, ``"105 år eller eldre"``
  (``"years"`` / ``"or older"`` in English); all ages 0-105 must be present;
- optionally a contents column (``statistikkvariabel`` / ``contents``) with one value;
- either a year column (``år`` / ``tid`` / ``year``) and exactly one count column (long
  format, the count column's label is free, e.g. ``"07459: Befolkning, ..."``), or no year
  column and one count column per year whose label ends in the year (wide format, e.g.
  ``"Personer 2024"``).

Counts must be whole numbers >= 0 (SSB's ``.``/``..``/``:`` symbols are rejected), and each
(municipality, sex, age, year) must appear once.

**Klass 128** (SSB's centrality classification, classes 1 most central to 6 least central),
separated by ``;``, ``,`` or tab, one of three layouts:

1. a Klass code list with ``code;parentCode;level;name;...``: level-1 rows are the classes
   (codes 1-6, or ``01``-``06`` as Klass writes them), level-2 rows are municipalities
   (4-digit codes) whose ``parentCode`` is their class;
2. a table with ``code`` (or ``kommunenummer``/``municipality``), optional ``name``, and a
   class column named ``centrality``, ``sentralitet``, ``sentralitetsklasse``, ``klasse`` or
   ``class`` (value ``6`` or ``"6 Minst sentrale kommuner"``);
3. a Klass correspondence table ``sourceCode;sourceName;targetCode;targetName`` between
   municipalities (4-digit codes) and classes (1-6), in either direction.

A code listed more than once with different ``validFrom``/``validTo`` (historical rows) takes
its current row. Class 0 marks SSB's old 2008 standard (classes 0-3), which is refused.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from frivilligsim.core.schema import MAX_AGE, N_AGES
from frivilligsim.errors import DataFileError

_MISSING_SYMBOLS = {".", "..", "...", ":", "-"}


# Text and rows -------------------------------------------------------------------------------


def _read_text(path) -> str:
    """The file's text: UTF-8 (BOM allowed), else Windows-1252; errors name the file."""
    p = Path(path)
    if not p.is_file():
        raise DataFileError(p, "file not found" if not p.exists() else "not a regular file")
    raw = p.read_bytes()
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise DataFileError(p, "file is empty")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DataFileError(
            p,
            "wrong encoding: the file contains NUL bytes (UTF-16 or binary?); export the table "
            "as CSV in UTF-8 or Windows-1252 (Latin-1)",
            line,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise DataFileError(
                p,
                f"wrong encoding: byte 0x{raw[exc.start]:02x} is neither UTF-8 nor "
                "Windows-1252 (Latin-1); export the table as CSV in one of them",
                line,
            ) from utf8_error


def _sniff_delimiter(line: str) -> str:
    counts = {d: len(next(csv.reader([line], delimiter=d))) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ";"))
    return best


def _fields(line: str, delimiter: str) -> list[str]:
    return [f.strip() for f in next(csv.reader([line], delimiter=delimiter))]


def _norm(label: str) -> str:
    """Lower-case ASCII-ish form of a header label ("Kjønn" -> "kjonn", "År" -> "ar")."""
    text = label.strip().strip('"').lower().replace("ø", "o").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _lines(text: str) -> list[tuple[int, str]]:
    return [(i + 1, line) for i, line in enumerate(text.splitlines())]


def _find_header(path, lines, min_fields: int, prefer=frozenset()) -> tuple[int, str, list[str]]:
    """The first line with at least ``min_fields`` fields; blank and title lines may precede.

    A line with one of the labels in ``prefer`` wins over an earlier one without (an unquoted
    title line with commas in it is not the header).
    """
    first = None
    for lineno, line in lines:
        if first is not None and lineno > first[0] + 20:
            break
        if not line.strip():
            continue
        delimiter = _sniff_delimiter(line)
        fields = _fields(line, delimiter)
        if len(fields) >= min_fields:
            if not prefer or any(_norm(f) in prefer for f in fields):
                return lineno, delimiter, fields
            first = first or (lineno, delimiter, fields)
    if first is not None:
        return first
    raise DataFileError(
        path,
        f"no header line with at least {min_fields} columns separated by ';' (or ',' or tab) "
        "was found; is this a CSV export?",
    )


def _column(path, header, lineno, names, what: str, required: bool = True):
    """Index of the first header label whose normalised form is in ``names``."""
    normalised = [_norm(h) for h in header]
    for i, h in enumerate(normalised):
        if h in names:
            return i
    if required:
        raise DataFileError(
            path,
            f"missing column {what}; the header has {header}",
            lineno,
        )
    return None


# Table 07459 ---------------------------------------------------------------------------------

_REGION_RE = re.compile(r"^(?:K-)?(\d{1,4})(?:\s+(.*\S))?\s*$")
_SEX_RE = re.compile(
    r"^(?:(?P<code>[12])\b\s*)?(?P<label>menn|mann|males?|men|kvinner|kvinne|females?|women)?$"
)
_AGE_RE = re.compile(
    r"^(?P<age>\d{1,3})\s*(?:ar|years?)?(?P<open>\s*(?:eller eldre|or older|and over|\+))?$"
)


def _parse_sex(path, value: str, lineno: int) -> int:
    m = _SEX_RE.match(_norm(value))
    if not m or (m["code"] is None and m["label"] is None):
        raise DataFileError(
            path, f"sex {value!r} is not '1 Menn' or '2 Kvinner' (totals are not accepted)", lineno
        )
    from_label = None
    if m["label"] is not None:
        from_label = 0 if m["label"] in ("menn", "mann", "male", "males", "men") else 1
    from_code = None if m["code"] is None else int(m["code"]) - 1
    if from_label is not None and from_code is not None and from_label != from_code:
        raise DataFileError(
            path, f"sex {value!r}: the code and the label disagree (1 = Menn, 2 = Kvinner)", lineno
        )
    return from_code if from_code is not None else from_label


def _parse_age(path, value: str, lineno: int) -> int:
    m = _AGE_RE.match(_norm(value))
    if not m:
        raise DataFileError(
            path,
            f"age {value!r} is not a single year of age like '067 år' or '105 år eller eldre'",
            lineno,
        )
    age = int(m["age"])
    if age > MAX_AGE:
        raise DataFileError(path, f"age {age} is above the open top group {MAX_AGE}", lineno)
    if m["open"] and age != MAX_AGE:
        raise DataFileError(
            path,
            f"open age group {value!r} is not supported; export single years up to "
            f"'{MAX_AGE} år eller eldre'",
            lineno,
        )
    return age


def _parse_count(path, value: str, lineno: int, label: str) -> int:
    text = value.replace("\u00a0", "").replace(" ", "")
    if text in _MISSING_SYMBOLS:
        raise DataFileError(
            path,
            f"{label}: SSB symbol {value!r} (missing or confidential) where a count is expected",
            lineno,
        )
    if not re.fullmatch(r"-?\d+", text):
        raise DataFileError(path, f"{label}: count {value!r} is not a whole number", lineno)
    count = int(text)
    if count < 0:
        raise DataFileError(path, f"{label}: count {count} is negative", lineno)
    return count


_NON_MUNICIPAL_PREFIXES = ("21", "22", "23", "99")  # Svalbard, Jan Mayen, the shelf, unknown
_NON_MUNICIPAL_NAME = re.compile(
    r"svalbard|jan mayen|sokkel|continental shelf|uoppgitt|unknown|ukjent|uten fast bosted",
    re.IGNORECASE,
)
_ENDED_NAME = re.compile(r"\s*\((?:\d{4})?\s*-\s*(\d{4})\)$")  # "Kristiansund (-2007)"
_REGION_LABELS = {"region", "kommune", "region/kommune"}
_SEX_WORDS = {
    "menn": 0,
    "mann": 0,
    "male": 0,
    "males": 0,
    "men": 0,
    "kvinner": 1,
    "kvinne": 1,
    "female": 1,
    "females": 1,
    "women": 1,
}
_BOTH_SEXES = re.compile(r"begge kjonn|both sexes|alle|total")
NO_SEX_HELP = (
    "the file has no sex dimension (kjønn): frivilligsim needs residents by sex and single "
    "year of age. In Statbank table 07459 choose both 'Menn' and 'Kvinner' under 'kjønn' "
    "(not the total 'Begge kjønn'), every single year under 'alder', and download the CSV again"
)


def is_non_municipal(code: str, name: str) -> bool:
    """True for a region with a 4-digit code that is not a municipality: Svalbard (21xx),
    Jan Mayen (22xx), the continental shelf (23xx), "unknown" (99xx) and the like."""
    return code[:2] in _NON_MUNICIPAL_PREFIXES or bool(_NON_MUNICIPAL_NAME.search(name))


def _heading_sex_year(label: str) -> tuple[int | None, int | None]:
    """(sex, year) named by a count column's heading ("Personer 2024 Menn" -> (0, 2024))."""
    m = re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", label)
    year = int(m.group(1)) if m else None
    norm = _norm(label)
    if _BOTH_SEXES.search(norm):
        return None, year
    sexes = {_SEX_WORDS[w] for w in re.findall(r"[a-z]+", norm) if w in _SEX_WORDS}
    return (sexes.pop() if len(sexes) == 1 else None), year


@dataclass(frozen=True)
class PopulationFile:
    """What :func:`read_population` found in a table 07459 export.

    Attributes:
        municipalities: columns ``code`` (4-digit string) and ``name``, in the file's order.
        population: int64 ``[n, 2 (0 men, 1 women), 106]`` on 1 January ``year``.
        year: the year read.
        years: every year in the file.
        skipped: ``"code name"`` of the non-municipal regions left out (Svalbard, ...).
        ended: ``"code name"`` of historical municipalities left out (a name ending "(-YYYY)").
    """

    municipalities: pd.DataFrame
    population: np.ndarray
    year: int
    years: tuple[int, ...]
    skipped: tuple[str, ...] = ()
    ended: tuple[str, ...] = ()


def read_population_07459(path, year: int | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a Statbank table 07459 CSV export of population by municipality, sex and age.

    Args:
        path: the CSV file.
        year: the year to read; ``None`` takes the latest year in the file.

    Returns:
        ``(municipalities, population)``: a DataFrame with columns ``code`` (4-digit string)
        and ``name``, in the file's order, and int64 counts ``[n, 2 (0 men, 1 women), 106]``.
        :func:`read_population` also returns the year and the regions left out.

    Raises:
        DataFileError: naming the file, the line and the problem.
    """
    found = read_population(path, year)
    return found.municipalities, found.population


@dataclass(frozen=True)
class _PopulationLayout:
    """The columns of a 07459 export: index of each dimension, and each count column's
    sex and year when they are folded into the value headings."""

    header_line: int
    delim: str
    header: list
    i_region: int
    i_sex: int | None
    i_age: int
    i_year: int | None
    i_contents: int | None
    value_cols: list
    col_sex: dict
    col_year: dict


def _population_layout(path, lines) -> _PopulationLayout:
    """Where the region, sex, age, year and count columns of a 07459 export are."""
    header_line, delim, header = _find_header(path, lines, 3, prefer=_REGION_LABELS)
    i_region = _column(path, header, header_line, _REGION_LABELS, "'region'")
    i_sex = _column(path, header, header_line, {"kjonn", "sex", "kjnn"}, "'kjønn' (sex)", False)
    i_age = _column(path, header, header_line, {"alder", "age"}, "'alder' (age)")
    i_year = _column(
        path, header, header_line, {"ar", "tid", "year", "time", "aar"}, "'år' (year)", False
    )
    i_contents = _column(
        path,
        header,
        header_line,
        {"statistikkvariabel", "contents", "statistic", "statistics variable"},
        "'statistikkvariabel'",
        False,
    )
    used = {i_region, i_sex, i_age, i_year, i_contents} - {None}
    value_cols = [i for i in range(len(header)) if i not in used]
    if not value_cols:
        raise DataFileError(
            path, "missing count column: the header has no column of counts", header_line
        )
    heading = {i: _heading_sex_year(header[i]) for i in value_cols}
    col_sex: dict[int, int | None] = dict.fromkeys(value_cols)
    if i_sex is None:
        with_sex = [i for i in value_cols if heading[i][0] is not None]
        if not with_sex:
            raise DataFileError(path, NO_SEX_HELP, header_line)
        without = [header[i] for i in value_cols if heading[i][0] is None]
        if without:
            raise DataFileError(
                path,
                f"count column(s) {without} name no sex while others do ({header[with_sex[0]]!r}); "
                "export 'Menn' and 'Kvinner' only",
                header_line,
            )
        col_sex = {i: heading[i][0] for i in value_cols}
    col_year: dict[int, int | None] = dict.fromkeys(value_cols)
    if i_year is None:
        for i in value_cols:
            if heading[i][1] is None:
                raise DataFileError(
                    path,
                    f"missing column 'år' (year), and count column {header[i]!r} does not name "
                    "a year (expected e.g. 'Personer 2024' or 'Persons 2024 Males')",
                    header_line,
                )
            col_year[i] = heading[i][1]
    seen_cols: dict[tuple, int] = {}
    for i in value_cols:
        key = (col_sex[i], col_year[i])
        if key in seen_cols:
            if i_year is not None and i_sex is not None:
                raise DataFileError(
                    path,
                    "with a year column the export must have exactly one count column, found "
                    f"{[header[j] for j in value_cols]}",
                    header_line,
                )
            raise DataFileError(
                path,
                f"count columns {header[seen_cols[key]]!r} and {header[i]!r} hold the same "
                "sex and year",
                header_line,
            )
        seen_cols[key] = i
    return _PopulationLayout(
        header_line,
        delim,
        header,
        i_region,
        i_sex,
        i_age,
        i_year,
        i_contents,
        value_cols,
        col_sex,
        col_year,
    )


def _population_rows(path, lines, lay: _PopulationLayout):
    """Every municipal count of the export: ``counts[(code, sex, age, year)] = (count, line)``,
    with names, and the non-municipal and ended regions skipped."""
    header_line, delim, header = lay.header_line, lay.delim, lay.header
    i_region, i_sex, i_age, i_year, i_contents = (
        lay.i_region,
        lay.i_sex,
        lay.i_age,
        lay.i_year,
        lay.i_contents,
    )
    value_cols, col_sex, col_year = lay.value_cols, lay.col_sex, lay.col_year
    n_fields = len(header)

    counts: dict[tuple[str, int, int, int], tuple[int, int]] = {}  # key -> (count, line)
    names: dict[str, str] = {}
    skipped: dict[str, str] = {}
    ended: dict[str, str] = {}
    contents_seen: dict[str, int] = {}
    notes_started = False
    data_rows = 0
    for lineno, line in lines:
        if lineno <= header_line or not line.strip():
            continue
        fields = _fields(line, delim)
        if len(fields) == 1:
            notes_started = data_rows > 0
            if data_rows == 0:
                raise DataFileError(
                    path, f"expected {n_fields} fields separated by {delim!r}, found 1", lineno
                )
            continue
        if notes_started:
            raise DataFileError(path, "data row after footnote lines", lineno)
        if len(fields) != n_fields:
            raise DataFileError(
                path,
                f"expected {n_fields} fields separated by {delim!r} like the header, found "
                f"{len(fields)}",
                lineno,
            )
        data_rows += 1
        m = _REGION_RE.match(fields[i_region])
        if not m:
            raise DataFileError(
                path, f"region {fields[i_region]!r} is not like '1812 Sømna'", lineno
            )
        code, name = m.group(1), (m.group(2) or "")
        if len(code) < 4:
            continue  # the country or a county: an aggregate, not a municipality
        if is_non_municipal(code, name):
            skipped.setdefault(code, f"{code} {name}".strip())
            continue
        if _ENDED_NAME.search(name):
            ended.setdefault(code, f"{code} {name}".strip())
            continue  # a historical municipality (Statbank marks it "(-2019)")
        name = re.sub(r"\s*\(\d{4}\s*-\s*(\d{4})?\)$", "", name)  # "Narvik (2020-)"
        names.setdefault(code, name or code)
        age = _parse_age(path, fields[i_age], lineno)
        row_sex = _parse_sex(path, fields[i_sex], lineno) if i_sex is not None else None
        if i_contents is not None:
            contents_seen.setdefault(fields[i_contents], lineno)
            if len(contents_seen) > 1:
                raise DataFileError(
                    path,
                    f"more than one statistics variable ({list(contents_seen)}); export only "
                    "'Personer'",
                    lineno,
                )
        row_year = None
        if i_year is not None:
            if not re.fullmatch(r"\d{4}", fields[i_year]):
                raise DataFileError(path, f"year {fields[i_year]!r} is not a 4-digit year", lineno)
            row_year = int(fields[i_year])
        for i in value_cols:
            sex = row_sex if row_sex is not None else col_sex[i]
            y = row_year if row_year is not None else col_year[i]
            sex_text = fields[i_sex] if i_sex is not None else header[i]
            label = f"{code} {names[code]}, {sex_text}, {fields[i_age]}, {y}"
            c = _parse_count(path, fields[i], lineno, label)
            key = (code, sex, age, y)
            if key in counts:
                raise DataFileError(
                    path,
                    f"duplicate row for municipality {code}, sex {sex_text!r}, age "
                    f"{fields[i_age]!r}, year {y} (first on line {counts[key][1]})",
                    lineno,
                )
            counts[key] = (c, lineno)
    return counts, names, skipped, ended


def _population_array(path, counts, names, year):
    """The municipalities of ``year`` (default: the latest) as ``[n, 2, 106]`` counts."""
    if not counts:
        raise DataFileError(path, "no municipality rows (4-digit region codes) after the header")
    years = sorted({k[3] for k in counts})
    if year is None:
        year = years[-1]
    elif year not in years:
        raise DataFileError(path, f"year {year} is not in the file (it has {years})")
    in_year = {k[0] for k in counts if k[3] == year}
    codes = [c for c in names if c in in_year]
    population = np.zeros((len(codes), 2, N_AGES), np.int64)
    sex_label = ("Menn", "Kvinner")
    for m_i, code in enumerate(codes):
        missing = []
        for s in (0, 1):
            for a in range(N_AGES):
                cell = counts.get((code, s, a, year))
                if cell is None:
                    missing.append(f"{sex_label[s]} {a} år")
                else:
                    population[m_i, s, a] = cell[0]
        if missing:
            raise DataFileError(
                path,
                f"municipality {code} {names[code]} lacks {len(missing)} of {2 * N_AGES} "
                f"sex-age counts for {year} (e.g. {', '.join(missing[:3])}); the file is partial",
            )
    return codes, population, years, year


def read_population(path, year: int | None = None) -> PopulationFile:
    """Read a table 07459 export (see the module docstring); ``year=None`` takes the latest."""
    lines = _lines(_read_text(path))
    layout = _population_layout(path, lines)
    counts, names, skipped, ended = _population_rows(path, lines, layout)
    codes, population, years, year = _population_array(path, counts, names, year)
    municipalities = pd.DataFrame({"code": codes, "name": [names[c] for c in codes]})
    return PopulationFile(
        municipalities=municipalities,
        population=population,
        year=int(year),
        years=tuple(int(y) for y in years),
        skipped=tuple(skipped.values()),
        ended=tuple(ended.values()),
    )


# Klass 128 -----------------------------------------------------------------------------------

_CLASS_NAMES = {
    "centrality",
    "sentralitet",
    "sentralitetsklasse",
    "sentralitetsgrad",
    "klasse",
    "class",
    "centrality class",
}


OLD_STANDARD_HELP = (
    "this is SSB's old 2008 centrality standard (classes 0-3); frivilligsim needs the 2020 "
    "standard (classes 1-6, 6 least central), as Klass classification 128 'Sentralitet' "
    "version 'Sentralitet 2024' (or 2020) gives it"
)


def _parse_class(path, value: str, lineno: int, code: str) -> int:
    m = re.match(r"^\s*0?([0-9])(?:\s|$)", value)
    if m and m.group(1) == "0":
        raise DataFileError(
            path, f"centrality class {value!r} of municipality {code}: {OLD_STANDARD_HELP}", lineno
        )
    if not m or not 1 <= int(m.group(1)) <= 6:
        raise DataFileError(
            path, f"centrality class {value!r} of municipality {code} is not 1-6", lineno
        )
    return int(m.group(1))


def _municipality_code(code: str) -> str:
    """A 3-digit municipality code lost its leading zero in a spreadsheet ("301" -> "0301")."""
    return code.zfill(4) if len(code) == 3 else code


def _parse_code(path, value: str, lineno: int) -> str:
    m = re.fullmatch(r"(?:K-)?(\d+)", value.strip())
    if not m:
        raise DataFileError(path, f"code {value!r} is not a number", lineno)
    return m.group(1)


def read_centrality_klass128(path) -> pd.DataFrame:
    """Read SSB's centrality classification (Klass 128) in one of the accepted layouts.

    Returns:
        DataFrame with columns ``code`` (4-digit string), ``name`` and ``centrality`` (int
        1-6), one row per municipality in the file's order.

    Raises:
        DataFileError: naming the file, the line and the problem.
    """
    text = _read_text(path)
    lines = _lines(text)
    header_line, delim, header = _find_header(path, lines, 2)
    norm = [_norm(h) for h in header]
    n_fields = len(header)

    def rows():
        for lineno, line in lines:
            if lineno <= header_line or not line.strip():
                continue
            fields = _fields(line, delim)
            if len(fields) != n_fields:
                raise DataFileError(
                    path,
                    f"expected {n_fields} fields separated by {delim!r} like the header, found "
                    f"{len(fields)}",
                    lineno,
                )
            yield lineno, fields

    out: list[tuple[str, str, int, int, tuple]] = []  # code, name, class, line, validity
    i_from = next((i for i, h in enumerate(norm) if h in ("validfrom", "gyldig fra")), None)
    i_to = next((i for i, h in enumerate(norm) if h in ("validto", "gyldig til")), None)

    def _validity(f, lineno) -> tuple[str, str]:
        return (
            f[i_from].strip() if i_from is not None else "",
            f[i_to].strip() if i_to is not None else "",
        )

    def _valid_key(valid: tuple[str, str]) -> tuple:
        start, stop = valid
        return (stop == "", stop, start)  # open-ended first, then the latest end, then start

    if "sourcecode" in norm and "targetcode" in norm:
        i_src, i_tgt = norm.index("sourcecode"), norm.index("targetcode")
        i_src_name = norm.index("sourcename") if "sourcename" in norm else None
        i_tgt_name = norm.index("targetname") if "targetname" in norm else None
        for lineno, f in rows():
            src = _municipality_code(_parse_code(path, f[i_src], lineno))
            tgt = _municipality_code(_parse_code(path, f[i_tgt], lineno))
            valid = _validity(f, lineno)
            if len(src) == 4 and len(tgt) <= 2:
                name = f[i_src_name] if i_src_name is not None else src
                out.append((src, name, _parse_class(path, tgt, lineno, src), lineno, valid))
            elif len(tgt) == 4 and len(src) <= 2:
                name = f[i_tgt_name] if i_tgt_name is not None else tgt
                out.append((tgt, name, _parse_class(path, src, lineno, tgt), lineno, valid))
            else:
                raise DataFileError(
                    path,
                    f"correspondence row {f[i_src]!r} -> {f[i_tgt]!r} does not pair a 4-digit "
                    "municipality with a centrality class 1-6",
                    lineno,
                )
    else:
        i_code = _column(
            path,
            header,
            header_line,
            {"code", "kode", "kommunenummer", "municipality", "kommunenr", "knr"},
            "'code' (municipality number)",
        )
        i_name = _column(path, header, header_line, {"name", "navn", "kommunenavn"}, "", False)
        i_class = next((i for i, h in enumerate(norm) if h in _CLASS_NAMES), None)
        i_parent = norm.index("parentcode") if "parentcode" in norm else None
        i_level = norm.index("level") if "level" in norm else None
        if i_class is None and i_parent is None:
            raise DataFileError(
                path,
                "missing centrality: expected a 'parentCode' column (Klass code list) or a "
                f"class column ('centrality' or 'sentralitet'); the header has {header}",
                header_line,
            )
        for lineno, f in rows():
            code = _municipality_code(_parse_code(path, f[i_code], lineno))
            level = f[i_level].strip() if i_level is not None else ""
            if i_class is None and (len(code) <= 2 or level == "1"):
                if re.fullmatch(r"0?0", code):
                    raise DataFileError(path, f"class {code!r}: {OLD_STANDARD_HELP}", lineno)
                if not re.fullmatch(r"0?[1-6]", code):
                    raise DataFileError(
                        path, f"level-1 code {code!r} is not a centrality class 1-6", lineno
                    )
                continue  # a class row of the code list ("01".."06" as Klass writes them)
            if len(code) != 4:
                raise DataFileError(
                    path, f"municipality code {f[i_code]!r} does not have 4 digits", lineno
                )
            value = f[i_class] if i_class is not None else f[i_parent]
            name = f[i_name] if i_name is not None else code
            out.append(
                (code, name, _parse_class(path, value, lineno, code), lineno, _validity(f, lineno))
            )
    if not out:
        raise DataFileError(path, "no municipality rows (4-digit codes) after the header")
    # A code listed more than once with different validity periods (a Klass list over a range
    # of dates): the current row (no end date, else the latest) wins. Other repeats are errors.
    chosen: dict[str, tuple] = {}
    for row in out:
        code, _, _, lineno, valid = row
        first = chosen.get(code)
        if first is None:
            chosen[code] = row
            continue
        if valid == ("", "") or valid == first[4]:
            raise DataFileError(
                path, f"duplicate municipality {code} (first on line {first[3]})", lineno
            )
        if _valid_key(valid) > _valid_key(first[4]):
            chosen[code] = row
    out = [row for row in out if chosen[row[0]] is row]
    return pd.DataFrame(
        {
            "code": [r[0] for r in out],
            "name": [r[1] for r in out],
            "centrality": np.array([r[2] for r in out], dtype=np.int64),
        }
    )
