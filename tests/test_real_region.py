"""The embedded real region (SSB 2024): the facts of the packaged data, the centre rule,
region=norway, region.centres_csv, the boundaries and the projection totals.

The numbers are written out from shared/data/README.md and the report (line numbers of
shared/seed/report.txt), not read from the code; nothing here reads ../shared.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from frivilligsim.core import schema
from frivilligsim.errors import ConfigError, DataFileError
from frivilligsim.inputs.region import (
    AGREEMENT_GIVEN_OWNERSHIP,
    CO_LOCATED_GIVEN_OWNERSHIP,
    OWNERSHIP_SHARES,
    RegionConfig,
    load_default_region,
    load_geometry,
    load_projection,
    load_region,
    place_centres,
)

DATA = Path(__file__).resolve().parents[1] / "src" / "frivilligsim" / "data" / "norway_2024"


@pytest.fixture(scope="module")
def district():
    return load_region(RegionConfig())


@pytest.fixture(scope="module")
def norway():
    return load_region(RegionConfig(name="norway", centrality=[1, 2, 3, 4, 5, 6]))


# The packaged data --------------------------------------------------------------------------


def test_district_norway_is_the_212_real_municipalities(district):
    m = district.municipalities
    assert district.synthetic is False
    assert len(m) == 212 and m["municipality"].is_unique  # L230
    assert (m["centrality"] == 5).sum() == 104 and (m["centrality"] == 6).sum() == 108
    assert m["municipality"].str.fullmatch(r"\d{4}").all()
    assert list(m["municipality"]) == sorted(m["municipality"])
    named = dict(zip(m["municipality"], m["name"], strict=True))
    assert named["1812"] == "Sømna" and named["1818"] == "Herøy (Nordland)"
    assert "0301" not in named  # Oslo is class 1


def test_district_norway_residents_and_70plus(district):
    pop = district.population
    assert pop.shape == (212, 2, schema.N_AGES) and pop.dtype == np.int64
    assert int(pop.sum()) == 774_174
    assert round(pop[:, :, 70:].sum() / pop.sum(), 4) == 0.1725
    assert district.data_year == 2024
    assert "Statistics Norway (SSB), table 07459 and classification 128, CC BY 4.0" in (
        district.attribution
    )


def test_default_region_is_district_norway(district):
    default = load_default_region()
    assert list(default.municipalities["municipality"]) == list(
        district.municipalities["municipality"]
    )


def test_norway_is_all_357(norway):
    assert norway.n_municipalities == 357
    assert norway.residents == 5_550_203
    counts = norway.municipalities["centrality"].value_counts().sort_index()
    assert counts.to_dict() == {1: 5, 2: 21, 3: 54, 4: 65, 5: 104, 6: 108}
    assert "norway" in norway.name


def test_shipped_files_match_their_checksums():
    listed = dict(line.split("  ")[::-1] for line in (DATA / "SHA256SUMS").read_text().splitlines())
    assert set(listed) == {
        "municipalities.csv",
        "population.csv.gz",
        "projection_mmmm.csv",
        "geometry.json.gz",
    }
    for name, digest in listed.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name
    total = sum(p.stat().st_size for p in DATA.iterdir())
    assert total < 400 * 1024
    readme = (DATA / "README.md").read_text()
    assert "table 07459 and classification 128, CC BY 4.0" in readme
    assert "© Kartverket (CC BY 4.0)" in readme


def test_projection_totals():
    proj = load_projection()
    assert len(proj) == 357 and proj["municipality"].is_unique
    assert int(proj["persons_2050"].sum()) == 6_114_899
    district_codes = set(load_region(RegionConfig()).municipalities["municipality"])
    d = proj[proj["municipality"].isin(district_codes)]
    assert int(d["persons_2034"].sum()) == 782_564 and int(d["persons_2050"].sum()) == 773_350


def test_geometry_projected_and_complete():
    geo = load_geometry()
    assert len(geo) == 357
    ring = geo["1812"][0][0]
    assert ring.ndim == 2 and ring.shape[1] == 2
    # EPSG:25833 metres: Sømna lies near 65.3 N, 12.2 E
    assert 350_000 < ring[:, 0].mean() < 450_000 and 7_200_000 < ring[:, 1].mean() < 7_300_000

    def area(r):
        x, y = r[:, 0], r[:, 1]
        return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))

    total = sum(
        area(poly[0]) - sum(area(h) for h in poly[1:]) for polys in geo.values() for poly in polys
    )
    assert 300_000e6 < total < 340_000e6  # mainland Norway's land, about 320 000 km2
    assert set(load_geometry(["1812", "1815"])) == {"1812", "1815"}
    with pytest.raises(ConfigError):
        load_geometry(["9998"])


# Centres -------------------------------------------------------------------------------------


def test_district_centres_follow_the_report(district):
    c = district.centres
    per = c.groupby("municipality").size()
    assert len(c) == 210 and len(per) == 189  # L244
    assert ((per == 1).sum(), (per == 2).sum(), (per == 3).sum()) == (172, 13, 4)
    assert list(c["centre_id"]) == list(range(210))


def test_centres_by_population_rank(district):
    residents = pd.Series(
        district.population.sum(axis=(1, 2)), index=district.municipalities["municipality"]
    )
    n = district.centres.groupby("municipality").size().reindex(residents.index, fill_value=0)
    order = residents.sort_values(ascending=False, kind="stable").index
    assert list(n[order]) == sorted(n, reverse=True)  # more residents, never fewer centres
    assert set(residents.sort_values().index[:23]) == set(n[n == 0].index)


def test_norway_centres_follow_the_national_count(norway, district):
    per = norway.centres.groupby("municipality").size()
    assert len(norway.centres) == 532 and len(per) == 333  # L187-188
    # District Norway's centres are the same in both runs
    cols = ["municipality", "ownership", "role", "agreement", "co_located", "compensation"]
    in_district = norway.centres[
        norway.centres["municipality"].isin(set(district.municipalities["municipality"]))
    ]
    pd.testing.assert_frame_equal(
        in_district[cols].reset_index(drop=True), district.centres[cols].reset_index(drop=True)
    )


def test_place_centres_is_deterministic_and_scales():
    codes = [f"{1000 + i}" for i in range(10)]
    residents = np.arange(10) * 100 + 50
    a = place_centres(codes, [6] * 10, residents)
    assert list(a) == list(place_centres(codes, [6] * 10, residents))
    assert a.sum() >= 9 and a[np.argmin(residents)] <= a[np.argmax(residents)]


def test_centre_attributes_are_joint(district, norway):
    for region in (district, norway):
        c = region.centres
        n = len(c)
        counts = c["ownership"].value_counts()
        for own, share in zip(schema.OWNERSHIP, OWNERSHIP_SHARES, strict=True):
            assert abs(counts[own] - share * n) <= 1
        assert c["co_located"].mean() == pytest.approx(2 / 3, abs=0.01)  # L1934-1940
        agreement = c["agreement"].value_counts(normalize=True)
        for cat, share in zip(schema.AGREEMENT, (0.51, 0.07, 0.40, 0.02), strict=True):
            assert agreement[cat] == pytest.approx(share, abs=0.015)  # L1595-1597
        by_own = c.groupby("ownership")
        cooperation = by_own["agreement"].apply(lambda s: (s == "cooperation").mean())
        co_located = by_own["co_located"].mean()
        # L1597-1600: agreements "særlig høy" for voluntary-owned centres
        assert cooperation["voluntary_org"] > cooperation["municipal"] + 0.2
        # L1937-1940: municipal centres far more often co-located
        assert co_located["municipal"] > co_located["voluntary_org"] + 0.3
    for table in (AGREEMENT_GIVEN_OWNERSHIP,):
        for shares in table.values():
            assert sum(shares) == pytest.approx(1.0)
    marginal = sum(
        s * CO_LOCATED_GIVEN_OWNERSHIP[o]
        for o, s in zip(schema.OWNERSHIP, OWNERSHIP_SHARES, strict=True)
    )
    assert marginal == pytest.approx(2 / 3, abs=1e-3)


def test_subset_keeps_centres_and_attributes(district):
    one = load_region(RegionConfig(municipalities=["1812"]))
    assert list(one.municipalities["name"]) == ["Sømna"]
    full = district.centres[district.centres["municipality"] == "1812"]
    assert list(one.centres["ownership"]) == list(full["ownership"])


# region.centres_csv --------------------------------------------------------------------------


def test_centres_csv_replaces_the_rule(tmp_path):
    path = tmp_path / "centres.csv"
    path.write_text(
        "municipality,centre,ownership,co_located\n"
        "1812,Sømna frivilligsentral,voluntary_org,\n"
        "1815,Vega frivilligsentral,,true\n"
        "1815,Ylvingen frivilligsentral,,\n",
        encoding="utf-8",
    )
    r = load_region(RegionConfig(centres_csv=str(path)))
    c = r.centres
    assert len(c) == 3 and list(c["municipality"]) == ["1812", "1815", "1815"]
    assert list(c["centre_name"]) == [
        "Sømna frivilligsentral",
        "Vega frivilligsentral",
        "Ylvingen frivilligsentral",
    ]
    assert c.loc[0, "ownership"] == "voluntary_org" and bool(c.loc[1, "co_located"])
    assert set(c["agreement"]) <= set(schema.AGREEMENT)
    assert "centres_csv" in r.sources and len(r.sources["centres_csv"]["sha256"]) == 64


@pytest.mark.parametrize(
    "text, words",
    [
        ("municipality,name\n1812,x\n", ["missing column 'centre'"]),
        ("municipality,centre\n9998,x\n", ["9998", "not in the region"]),
        ("municipality,centre,ownership\n1812,x,state\n", ["ownership 'state'"]),
        ("municipality,centre,co_located\n1812,x,maybe\n", ["co_located 'maybe'"]),
    ],
)
def test_bad_centres_csv(tmp_path, text, words):
    path = tmp_path / "centres.csv"
    path.write_text(text)
    with pytest.raises(DataFileError) as err:
        load_region(RegionConfig(centres_csv=str(path)))
    for w in words:
        assert w in str(err.value)


# Data year -----------------------------------------------------------------------------------


def test_packaged_region_checks_start_year():
    load_region(RegionConfig(max_municipalities=1), start_year=2024)
    with pytest.raises(ConfigError) as err:
        load_region(RegionConfig(max_municipalities=1), start_year=2025)
    assert "start_year=2025" in str(err.value) and "2024" in str(err.value)
    r = load_region(RegionConfig(max_municipalities=1, data_year=2024), start_year=2025)
    assert r.data_year == 2024


def test_a_municipality_with_many_centres_runs(tmp_path):
    """The fast engine once held at most 8 centres per municipality; Oslo has 28 by the rule."""
    import frivilligsim

    path = tmp_path / "centres.csv"
    path.write_text("municipality,centre\n" + "".join(f"1815,Vega {i}\n" for i in range(12)))
    table = frivilligsim.run(
        [
            "region.municipalities=[1815]",
            f"region.centres_csv={path}",
            "end_year=2025",
            "output.figures=false",
        ],
        seed=1,
    )
    assert list(table["municipality_name"].unique()) == ["Vega"]
    assert table["coverage"].between(0, 1).all()
