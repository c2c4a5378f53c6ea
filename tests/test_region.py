"""The embedded synthetic District Norway region (region=synthetic) and the region config.

Targets are written out from the report (line numbers of shared/seed/report.txt), not read
from the code, so a change to the generator that drifts from the report fails here.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

from frivilligsim.core import schema
from frivilligsim.errors import ConfigError, DataFileError
from frivilligsim.inputs.region import (
    Region,
    RegionConfig,
    largest_remainder_counts,
    load_region,
    load_synthetic_region,
    municipality_key,
    municipality_keys,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "frivilligsim" / "data" / "synthetic"
FIXTURES = Path(__file__).parent / "fixtures" / "ssb"


@pytest.fixture(scope="module")
def region() -> Region:
    return load_synthetic_region()


def shares(values, categories):
    values = list(values)
    return np.array([values.count(c) / len(values) for c in categories])


# Structure ------------------------------------------------------------------------------------


def test_municipality_counts(region):
    m = region.municipalities
    assert len(m) == 212  # L230-231
    assert (m["centrality"] == 5).sum() == 104
    assert (m["centrality"] == 6).sum() == 108
    assert m["municipality"].is_unique
    assert list(m.columns) == [
        "municipality",
        "name",
        "centrality",
        "discourse",
        "volunteer_policy",
        "fiscal_stress",
        "travel_burden",
        "immigrant_share",
    ]


def test_centre_counts(region):
    c = region.centres
    assert len(c) == 210  # L244-247
    per_muni = c.groupby("municipality").size()
    assert len(per_muni) == 189
    assert (per_muni == 1).sum() == 172
    assert (per_muni == 2).sum() == 13
    assert (per_muni == 3).sum() == 4
    assert list(c["centre_id"]) == list(range(210))
    assert set(c["municipality"]) <= set(region.municipalities["municipality"])


def test_residents_and_70plus(region):
    pop = region.population
    assert pop.dtype == np.int64
    assert pop.shape == (212, 2, schema.N_AGES)
    assert (pop >= 0).all()
    total = pop.sum()
    assert abs(total - 750_000) <= 0.03 * 750_000  # L1076
    assert pop[:, :, 70:].sum() / total == pytest.approx(0.17, abs=0.01)  # L1084


def test_sizes_are_skewed(region):
    sizes = region.population.sum(axis=(1, 2))
    in_band = ((sizes >= 1_000) & (sizes <= 10_000)).mean()
    assert in_band >= 0.7  # "most district municipalities have 1 000-10 000 residents"
    assert sizes.mean() > np.median(sizes) * 1.15  # right-skewed
    assert sizes.min() >= 150 and sizes.max() <= 50_000
    k5 = sizes[region.municipalities["centrality"].to_numpy() == 5]
    k6 = sizes[region.municipalities["centrality"].to_numpy() == 6]
    assert np.median(k5) > np.median(k6)


def test_every_municipality_has_old_and_young(region):
    pop = region.population
    share70 = pop[:, :, 70:].sum(axis=(1, 2)) / pop.sum(axis=(1, 2))
    assert share70.min() > 0.08 and share70.max() < 0.32
    assert (pop[:, :, :18].sum(axis=(1, 2)) > 0).all()
    c = region.municipalities["centrality"].to_numpy()
    assert share70[c == 6].mean() > share70[c == 5].mean()  # the least central are older


# Attribute distributions (exact quotas, so tolerance is rounding only) -------------------------


@pytest.mark.parametrize(
    "column, categories, target, lines",
    [
        ("ownership", schema.OWNERSHIP, [0.60, 0.25, 0.15], "L1093-1094"),
        ("role", schema.ROLE, [0.42 / 1.01, 0.47 / 1.01, 0.12 / 1.01], "L1262-1266"),
        ("agreement", schema.AGREEMENT, [0.51, 0.07, 0.40, 0.02], "L1595-1597"),
        (
            "compensation",
            schema.COMPENSATION,
            [0.43 / 0.98, 0.34 / 0.98, 0.17 / 0.98, 0.04 / 0.98],
            "L1687-1690",
        ),
    ],
)
def test_centre_attribute_shares(region, column, categories, target, lines):
    got = shares(region.centres[column], categories)
    np.testing.assert_allclose(got, target, atol=0.005, err_msg=f"{column} vs {lines}")


def test_co_located_two_thirds(region):
    assert region.centres["co_located"].dtype == bool
    assert region.centres["co_located"].mean() == pytest.approx(2 / 3, abs=0.005)  # L1934-1940


@pytest.mark.parametrize(
    "column, categories, target, lines",
    [
        ("discourse", schema.DISCOURSE, [0.62, 0.12, 0.21, 0.05], "L796-1024"),
        ("volunteer_policy", schema.VOLUNTEER_POLICY, [0.22, 0.29, 0.49], "L616-619"),
    ],
)
def test_municipal_attribute_shares(region, column, categories, target, lines):
    got = shares(region.municipalities[column], categories)
    np.testing.assert_allclose(got, target, atol=0.005, err_msg=f"{column} vs {lines}")


def test_attributes_are_shuffled_not_blocked(region):
    # quotas placed in a keyed random order: the first 20 municipalities are not all one value
    assert region.municipalities["discourse"].iloc[:20].nunique() >= 2
    assert region.centres["ownership"].iloc[:20].nunique() >= 2
    assert region.municipalities["centrality"].iloc[:20].nunique() == 2


def test_continuous_attributes_in_unit_interval(region):
    for column in ("fiscal_stress", "travel_burden", "immigrant_share"):
        values = region.municipalities[column].to_numpy()
        assert values.dtype == np.float64
        assert ((values >= 0) & (values <= 1)).all(), column
        assert values.std() > 0.02, column


def test_largest_remainder_counts():
    assert list(largest_remainder_counts([0.6, 0.25, 0.15], 210)) == [126, 53, 31]
    assert largest_remainder_counts([0.42, 0.47, 0.12], 210).sum() == 210
    assert list(largest_remainder_counts([1, 1, 1], 4)) == [2, 1, 1]


# Synthetic labelling and reproducibility ----------------------------------------------------


def test_labelled_synthetic(region):
    assert region.synthetic is True
    assert "synthetic" in region.name
    assert region.municipalities["name"].str.startswith("Synthetic municipality").all()
    assert region.municipalities["municipality"].str.fullmatch(r"S\d{3}").all()
    for name in ("municipalities.csv", "centres.csv"):
        assert (DATA / name).read_text().startswith("# SYNTHETIC")
    readme = (DATA / "README.md").read_text()
    assert "SYNTHETIC" in readme and "make_default_region.py" in readme


def test_shipped_size_under_300kb():
    total = sum(p.stat().st_size for p in DATA.iterdir() if p.is_file())
    assert total < 300 * 1024


def test_generator_reproduces_shipped_files(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "make_default_region", ROOT / "scripts" / "make_default_region.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(tmp_path)
    for name in ("municipalities.csv", "centres.csv", "population.csv.gz"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


# Keys ----------------------------------------------------------------------------------------


def test_municipality_keys(region):
    assert municipality_key("1812") == 1812
    assert municipality_key("S017") == 17
    keys = municipality_keys(region)
    assert keys.dtype == np.int64 and len(np.unique(keys)) == 212
    with pytest.raises(ConfigError):
        municipality_key("Oslo")


# load_region ---------------------------------------------------------------------------------


def test_load_region_default_is_whole_region(region):
    r = load_region(RegionConfig(name="synthetic"))
    assert r.n_municipalities == 212 and len(r.centres) == 210
    np.testing.assert_array_equal(r.population, region.population)


def test_max_municipalities_takes_first_in_stable_order(region):
    r = load_region(RegionConfig(name="synthetic", max_municipalities=5))
    assert list(r.municipalities["municipality"]) == list(region.municipalities["municipality"][:5])
    np.testing.assert_array_equal(r.population, region.population[:5])
    assert list(r.centres["centre_id"]) == list(range(len(r.centres)))
    assert set(r.centres["municipality"]) <= set(r.municipalities["municipality"])


def test_explicit_subset_keeps_region_order(region):
    r = load_region(RegionConfig(name="synthetic", municipalities=["S017", "S003"]))
    assert list(r.municipalities["municipality"]) == ["S003", "S017"]
    i3 = list(region.municipalities["municipality"]).index("S003")
    np.testing.assert_array_equal(r.population[0], region.population[i3])
    expected = region.centres[region.centres["municipality"].isin(["S003", "S017"])]
    assert len(r.centres) == len(expected)
    assert list(r.centres["ownership"]) == list(expected["ownership"])


def test_centrality_filter(region):
    r = load_region(RegionConfig(name="synthetic", centrality=[6]))
    assert r.n_municipalities == 108
    assert (r.municipalities["centrality"] == 6).all()


def test_unknown_code_names_code_and_valid_ones():
    with pytest.raises(ConfigError) as err:
        load_region(RegionConfig(name="synthetic", municipalities=["S001", "X999"]))
    assert "X999" in str(err.value) and "S001" in str(err.value)


@pytest.mark.parametrize(
    "cfg, words",
    [
        (RegionConfig(name="narnia"), ["narnia", "district_norway", "norway", "synthetic", "ssb"]),
        (RegionConfig(centrality=[7]), ["centrality", "7"]),
        (RegionConfig(name="synthetic", max_municipalities=0), ["max_municipalities"]),
        (RegionConfig(name="ssb"), ["population_csv", "centrality_csv"]),
        (RegionConfig(name="synthetic", centrality=[1]), ["no municipality"]),
        (RegionConfig(name="synthetic", municipalities=[]), ["no municipality"]),
    ],
)
def test_bad_region_config(cfg, words):
    with pytest.raises(ConfigError) as err:
        load_region(cfg)
    for w in words:
        assert w in str(err.value)


def test_load_region_accepts_dictconfig():
    from omegaconf import OmegaConf

    cfg = OmegaConf.merge(
        OmegaConf.structured(RegionConfig), {"name": "synthetic", "max_municipalities": 3}
    )
    assert load_region(cfg).n_municipalities == 3


# Region from SSB files -----------------------------------------------------------------------


def ssb_cfg(**kw) -> RegionConfig:
    base = dict(
        name="ssb",
        population_csv=str(FIXTURES / "07459_long_utf8bom.csv"),
        centrality_csv=str(FIXTURES / "klass128_codes.csv"),
    )
    return RegionConfig(**{**base, **kw})


def test_ssb_region_keeps_district_municipalities():
    r = load_region(ssb_cfg())
    assert list(r.municipalities["municipality"]) == ["1812", "1815", "1816"]  # 1804 is class 3
    assert list(r.municipalities["name"]) == ["Sømna", "Vega", "Vevelstad"]
    assert r.synthetic is False
    assert "synthetic" in r.name and "ssb" in r.name
    assert r.population.shape == (3, 2, 106) and r.population.dtype == np.int64
    assert set(r.municipalities["discourse"]) <= set(schema.DISCOURSE)
    assert len(r.centres) >= 1
    assert set(r.centres["ownership"]) <= set(schema.OWNERSHIP)
    assert list(r.centres["centre_id"]) == list(range(len(r.centres)))


def test_ssb_region_attributes_do_not_depend_on_subset():
    full = load_region(ssb_cfg()).municipalities.set_index("municipality")
    one = load_region(ssb_cfg(municipalities=["1815"])).municipalities.set_index("municipality")
    assert one.loc["1815"].equals(full.loc["1815"])


def test_ssb_region_all_classes():
    r = load_region(ssb_cfg(centrality=[1, 2, 3, 4, 5, 6]))
    assert list(r.municipalities["municipality"]) == ["1804", "1812", "1815", "1816"]


def test_ssb_code_in_wrong_class_is_config_error():
    with pytest.raises(ConfigError) as err:
        load_region(ssb_cfg(municipalities=["1804"]))
    assert "1804" in str(err.value)


def test_municipality_missing_from_centrality_file(tmp_path):
    klass = tmp_path / "klass.csv"
    lines = (FIXTURES / "klass128_codes.csv").read_text().splitlines()
    klass.write_text("\n".join(line for line in lines if not line.startswith('"1816"')) + "\n")
    with pytest.raises(DataFileError) as err:
        load_region(ssb_cfg(centrality_csv=str(klass)))
    msg = str(err.value)
    assert str(klass) in msg and "1816 Vevelstad" in msg and "no centrality" in msg


def test_ssb_missing_file_is_data_file_error(tmp_path):
    with pytest.raises(DataFileError) as err:
        load_region(ssb_cfg(population_csv=str(tmp_path / "nope.csv")))
    assert "nope.csv" in str(err.value) and "not found" in str(err.value)


def test_corrupt_embedded_file_is_data_file_error(tmp_path, monkeypatch):
    import frivilligsim.inputs.region as region_module

    copy = tmp_path / "district_norway"
    shutil.copytree(DATA, copy)
    (copy / "centres.csv").write_text("# SYNTHETIC\ncentre_id,municipality\n0,S001\n")
    monkeypatch.setattr(region_module, "_data_file", lambda name: copy / name)
    with pytest.raises(DataFileError) as err:
        load_synthetic_region()
    assert "centres.csv" in str(err.value) and "missing column" in str(err.value)
