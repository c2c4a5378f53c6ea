"""Demography: rates, the step_year kernel, conservation, calibration bars and the figures."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numba
import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from frivilligsim.core import rng
from frivilligsim.core.demography import (
    ID_SHIFT,
    DemographyConfig,
    build_rates,
    compact_alive,
    initial_residents,
    life_expectancy,
    load_demography_config,
    project_region,
    step_year,
)
from frivilligsim.core.schema import DEMOGRAPHIES, N_AGES
from frivilligsim.errors import ConfigError
from frivilligsim.inputs.region import (
    RegionConfig,
    load_region,
    load_synthetic_region,
    municipality_keys,
)

CONF = Path(__file__).resolve().parents[1] / "src" / "frivilligsim" / "conf"


@pytest.fixture(scope="module")
def region():
    return load_synthetic_region()


@pytest.fixture(scope="module")
def small_region():
    return load_region(RegionConfig(name="synthetic", max_municipalities=6))


@pytest.fixture(scope="module")
def projections(region):
    """Every alternative projected once on the default region (seed 7)."""
    out = {}
    for name in DEMOGRAPHIES:
        rates = build_rates(load_demography_config(name), 2024, 2050)
        out[name] = project_region(region, rates, 7, 2024, 2050)
    return out


def share70(age_sex, k):
    return age_sex[k, :, 70:].sum() / age_sex[k].sum()


# Config and yaml -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", DEMOGRAPHIES)
def test_yaml_matches_dataclass_and_has_provenance(name):
    path = CONF / "demography" / f"{name}.yaml"
    text = path.read_text()
    assert text.startswith("#"), "a header comment first"
    values = yaml.safe_load(text)
    assert set(values) == {f.name for f in dataclasses.fields(DemographyConfig)}
    assert values["name"] == name
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            comment = line.split("#", 1)[1].strip() if "#" in line else ""
            assert re.search(r"L\d+|SSB|assumption|MODEL\.md", comment), line
    load_demography_config(name)  # validates the ranges


@pytest.mark.parametrize("name", ["district_norway", "norway", "synthetic", "ssb"])
def test_region_yaml_matches_dataclass(name):
    path = CONF / "region" / f"{name}.yaml"
    text = path.read_text()
    assert text.startswith("#")
    values = yaml.safe_load(text)
    assert set(values) == {f.name for f in dataclasses.fields(RegionConfig)}
    assert values["name"] == name
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.search(r"#.*(L\d+|SSB|ssb|assumption|required|embedded|MODEL)", line), line


def test_letters_order_the_parameters():
    cfg = {n: load_demography_config(n) for n in DEMOGRAPHIES}
    fert = {"L": cfg["LLML"].tfr_target, "M": cfg["MMMM"].tfr_target, "H": cfg["HHMH"].tfr_target}
    assert fert["L"] < fert["M"] < fert["H"]
    life = [cfg[n].mortality_improvement for n in ("LLML", "MMMM", "HHMH")]
    assert life[0] < life[1] < life[2]
    imm = [cfg[n].immigration_per_resident for n in ("MMM0", "LLML", "MMMM", "HHMH")]
    assert imm[0] == 0 < imm[1] < imm[2] < imm[3]
    assert cfg["MMM0"].emigration_scale == 0  # no migration abroad at all: net zero
    assert cfg["LHML"].tfr_target == fert["L"] and cfg["HLMH"].tfr_target == fert["H"]
    assert DemographyConfig() == cfg["MMMM"]  # the dataclass defaults are the main alternative


def test_every_field_has_range_and_source():
    for f in dataclasses.fields(DemographyConfig):
        if f.name == "name":
            continue
        lo, hi = f.metadata["range"]
        assert lo <= getattr(DemographyConfig(), f.name) <= hi
        assert f.metadata["source"]


@pytest.mark.parametrize(
    "kw, word",
    [
        ({"tfr_target": 4.0}, "tfr_target"),
        ({"mortality_improvement": -0.01}, "mortality_improvement"),
        ({"name": "XXXX"}, "XXXX"),
        ({"immigration_per_resident": "lots"}, "immigration_per_resident"),
    ],
)
def test_validate_rejects(kw, word):
    with pytest.raises(ConfigError) as err:
        DemographyConfig(**kw).validate()
    assert word in str(err.value)


def test_build_rates_accepts_omegaconf_and_validates_it():
    from omegaconf import OmegaConf

    node = OmegaConf.merge(
        OmegaConf.structured(DemographyConfig), OmegaConf.load(CONF / "demography" / "LHML.yaml")
    )
    r = build_rates(node, 2024, 2030)
    np.testing.assert_array_equal(
        r.fertility, build_rates(load_demography_config("LHML"), 2024, 2030).fertility
    )
    with pytest.raises(ConfigError) as err:
        build_rates({"tfr_target": 9.0}, 2024, 2030)
    assert "tfr_target" in str(err.value)
    with pytest.raises(ConfigError) as err:
        build_rates({"fertility": 1.5}, 2024, 2030)
    assert "fertility" in str(err.value)


# Rates ----------------------------------------------------------------------------------------


def test_rate_shapes_and_bounds():
    r = build_rates(DemographyConfig(), 2024, 2050)
    assert r.start_year == 2024 and r.n_years == 27
    assert r.death.shape == (27, 2, N_AGES)
    for a in (r.fertility, r.out_migration, r.in_migration):
        assert a.shape == (27, N_AGES) and a.dtype == np.float64
    assert ((r.death > 0) & (r.death < 1)).all()
    assert ((r.out_migration >= 0) & (r.out_migration < 1)).all()
    assert (r.in_migration >= 0).all()
    assert r.fertility[:, :15].sum() == 0 and r.fertility[:, 50:].sum() == 0
    # death rises with age after childhood; men die more than women at 70
    assert (np.diff(r.death[0, 0, 10:]) > 0).all()
    assert r.death[0, 0, 70] > r.death[0, 1, 70]
    # out-migration peaks among young adults
    assert 17 <= int(np.argmax(r.out_migration[0])) <= 24


def test_fertility_path_reaches_tfr():
    r = build_rates(DemographyConfig(tfr_start=1.44, tfr_target=1.8), 2024, 2050)
    tfr = r.fertility.sum(axis=1)
    assert tfr[0] == pytest.approx(1.44)
    assert tfr[10] == pytest.approx(1.8) and tfr[-1] == pytest.approx(1.8)
    assert (np.diff(tfr[:11]) > 0).all()


def test_life_expectancy_matches_config_and_improves():
    r = build_rates(DemographyConfig(), 2023, 2050)
    e0 = life_expectancy(r.death[0])
    assert e0 == pytest.approx([80.6, 84.0], abs=0.05)
    e_l = life_expectancy(build_rates(load_demography_config("LLML"), 2050, 2050).death[0])
    e_m = life_expectancy(r.death[-1])
    e_h = life_expectancy(build_rates(load_demography_config("HHMH"), 2050, 2050).death[0])
    assert (e_l < e_m).all() and (e_m < e_h).all()
    assert (e_m - e0 > 1.5).all() and (e_m - e0 < 5).all()


def test_mmm0_has_no_migration_abroad():
    r0 = build_rates(load_demography_config("MMM0"), 2024, 2030)
    rm = build_rates(load_demography_config("MMMM"), 2024, 2030)
    assert (r0.in_migration < rm.in_migration).all()
    assert (r0.out_migration < rm.out_migration).all()


def test_rates_offset_out_of_range():
    r = build_rates(DemographyConfig(), 2024, 2030)
    with pytest.raises(ConfigError):
        r.offset(2031)
    with pytest.raises(ConfigError):
        build_rates(DemographyConfig(), 2030, 2024)


# Kernel ---------------------------------------------------------------------------------------


def test_initial_residents_order_and_ids():
    row = np.zeros((2, N_AGES), np.int64)
    row[0, 3], row[1, 0], row[1, 105] = 2, 1, 1
    age, sex, ids = initial_residents(row, 1812)
    assert age.dtype == np.int16 and sex.dtype == np.int8 and ids.dtype == np.int64
    assert list(age) == [3, 3, 0, 105] and list(sex) == [0, 0, 1, 1]
    cell = 2**16  # demography.INITIAL_CELL
    expected = [(0 * N_AGES + 3) * cell, (0 * N_AGES + 3) * cell + 1, (1 * N_AGES + 0) * cell]
    expected.append((1 * N_AGES + 105) * cell)
    assert list(ids) == [1812 * ID_SHIFT + serial for serial in expected]


def test_adding_one_initial_resident_keeps_everyone_elses_id():
    """Ids are per (sex, age) cell, so one more person changes no one else's draws."""
    row = np.full((2, N_AGES), 3, np.int64)
    _, _, ids = initial_residents(row, 5)
    row[0, 40] += 1
    _, _, more = initial_residents(row, 5)
    assert set(ids) < set(more) and len(set(more) - set(ids)) == 1


def one_municipality(n_per_cell=5, capacity_factor=2.0):
    row = np.full((2, N_AGES), n_per_cell, np.int64)
    age, sex, ids = initial_residents(row, 17)
    cap = int(len(age) * capacity_factor)
    buf = (
        np.zeros(cap, np.int16),
        np.zeros(cap, np.int8),
        np.zeros(cap, np.int64),
        np.zeros(cap, np.int8),
    )
    buf[0][: len(age)], buf[1][: len(age)], buf[2][: len(age)] = age, sex, ids
    return buf, len(age)


def run_step(buf, n, seed=3, year=2024, rates=None, muni_key=17):
    r = rates or build_rates(DemographyConfig(), 2024, 2050)
    k = year - r.start_year
    return step_year(
        *buf,
        n,
        n,
        muni_key,
        seed,
        year,
        r.death[k],
        r.fertility[k],
        r.out_migration[k],
        r.in_migration[k],
    )


def test_step_year_marks_exits_and_ages_survivors():
    buf, n = one_municipality()
    before = buf[0][:n].copy()
    n_new, serial, births, deaths, n_in, n_out = run_step(buf, n)
    age, sex, ids, exit_reason = buf
    assert n_new == n + births + n_in and serial == n_new
    assert (exit_reason[:n] == 1).sum() == deaths > 0
    assert (exit_reason[:n] == 2).sum() == n_out > 0
    stay = exit_reason[:n] == 0
    assert (age[:n][stay] == np.minimum(before[stay] + 1, 105)).all()
    assert (age[:n][~stay] == before[~stay]).all()  # exits keep their age on 1 January
    assert (exit_reason[n:n_new] == 0).all()
    assert (age[n : n + births] == 0).all()
    new_ids = ids[n:n_new]
    assert list(new_ids) == [17 * ID_SHIFT + s for s in range(n, n_new)]
    # the newborns' sexes come from BIRTH_SEX keyed by their own ids
    for j in range(births):
        u = rng.uniform(3, int(new_ids[j]), 2024, rng.BIRTH_SEX, 0)
        assert sex[n + j] == (0 if u < 0.513 else 1)


def test_step_year_deaths_follow_keyed_draws():
    buf, n = one_municipality()
    r = build_rates(DemographyConfig(), 2024, 2030)
    age0, sex0, ids0 = buf[0][:n].copy(), buf[1][:n].copy(), buf[2][:n].copy()
    run_step(buf, n, seed=11, rates=r)
    for i in range(0, n, 37):
        u = rng.uniform(11, int(ids0[i]), 2024, rng.DEATH, 0)
        assert (buf[3][i] == 1) == (u < r.death[0, sex0[i], age0[i]])


def test_step_year_is_deterministic():
    a, n = one_municipality()
    b, _ = one_municipality()
    assert run_step(a, n) == run_step(b, n)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    c, _ = one_municipality()
    d, _ = one_municipality()
    assert run_step(c, n, seed=4) != run_step(d, n, seed=3)


def test_step_year_capacity_overflow_returns_sentinel():
    buf, n = one_municipality(capacity_factor=1.0)
    assert run_step(buf, n)[0] == -1


def test_compact_alive_keeps_order():
    age = np.arange(6, dtype=np.int16)
    sex = np.zeros(6, np.int8)
    ids = np.arange(6, dtype=np.int64) + 100
    exit_reason = np.array([0, 1, 0, 2, 0, 0], np.int8)
    assert compact_alive(age, sex, ids, exit_reason, 6) == 4
    assert list(ids[:4]) == [100, 102, 104, 105] and list(age[:4]) == [0, 2, 4, 5]


# Conservation (property) ----------------------------------------------------------------------


@given(seed=st.integers(min_value=0, max_value=2**62), year=st.integers(2024, 2050))
def test_step_year_conserves_residents(seed, year):
    buf, n = one_municipality(n_per_cell=2)
    n_new, _, births, deaths, n_in, n_out = run_step(buf, n, seed=seed, year=year)
    alive = compact_alive(*buf, n_new)
    assert alive == n + births - deaths + n_in - n_out
    assert len(np.unique(buf[2][:alive])) == alive


@given(seed=st.integers(min_value=0, max_value=2**62))
def test_projection_conserves_residents_per_municipality(small_region, seed):
    rates = build_rates(load_demography_config("HHMH"), 2024, 2034)
    table, age_sex = project_region(small_region, rates, seed, 2024, 2034)
    t = table.sort_values(["municipality", "year"])
    for _, g in t.groupby("municipality"):
        flow = (g["births"] - g["deaths"] + g["in_migrants"] - g["out_migrants"]).to_numpy()
        res = g["residents"].to_numpy()
        np.testing.assert_array_equal(res[1:], res[:-1] + flow[:-1])
    np.testing.assert_array_equal(
        age_sex.sum(axis=(1, 2)), table.groupby("year")["residents"].sum().to_numpy()
    )
    first = table[table["year"] == 2024]["residents"].to_numpy()
    np.testing.assert_array_equal(first, small_region.population.sum(axis=(1, 2)))


# Projection -----------------------------------------------------------------------------------


def test_projection_table_layout(projections, region):
    table, age_sex = projections["MMMM"]
    assert list(table.columns) == [
        "year",
        "municipality",
        "residents",
        "residents_70plus",
        "residents_80plus",
        "births",
        "deaths",
        "in_migrants",
        "out_migrants",
    ]
    assert len(table) == 27 * 212
    assert list(table["municipality"][:212]) == list(region.municipalities["municipality"])
    assert age_sex.shape == (27, 2, N_AGES) and age_sex.dtype == np.int64
    np.testing.assert_array_equal(age_sex[0], region.population.sum(axis=0))
    assert (table["residents_80plus"] <= table["residents_70plus"]).all()


def test_main_alternative_calibration(projections):
    """MODEL.md s. 6 / L1083-1085: decline to 2050, 70+ from about 17 % to about 24 %."""
    _, age_sex = projections["MMMM"]
    assert age_sex[-1].sum() < age_sex[0].sum()
    assert share70(age_sex, 0) == pytest.approx(0.17, abs=0.01)
    assert share70(age_sex, -1) == pytest.approx(0.24, abs=0.02)


def test_alternatives_order_ageing(projections):
    s = {n: share70(projections[n][1], -1) for n in DEMOGRAPHIES}
    assert s["LHML"] > s["MMMM"] > s["HLMH"]  # strong ageing above, weak ageing below
    pop = {n: projections[n][1][-1].sum() for n in DEMOGRAPHIES}
    assert pop["HHMH"] > pop["MMMM"] > pop["LLML"]
    assert pop["MMM0"] < pop["MMMM"]


def test_projection_independent_of_thread_count(small_region):
    rates = build_rates(DemographyConfig(), 2024, 2030)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = project_region(small_region, rates, 5, 2024, 2030)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = project_region(small_region, rates, 5, 2024, 2030)
    finally:
        numba.set_num_threads(before)
    assert one[0].equals(many[0])
    np.testing.assert_array_equal(one[1], many[1])


def test_municipality_draws_do_not_depend_on_other_municipalities(region):
    rates = build_rates(DemographyConfig(), 2024, 2028)
    few = load_region(RegionConfig(name="synthetic", municipalities=["S005", "S009"]))
    one = load_region(RegionConfig(name="synthetic", municipalities=["S009"]))
    t_few, _ = project_region(few, rates, 3, 2024, 2028)
    t_one, _ = project_region(one, rates, 3, 2024, 2028)
    a = t_few[t_few["municipality"] == "S009"].reset_index(drop=True)
    assert a.equals(t_one)
    assert list(municipality_keys(one)) == [9]


def test_different_seeds_differ(small_region):
    rates = build_rates(DemographyConfig(), 2024, 2026)
    a, _ = project_region(small_region, rates, 1, 2024, 2026)
    b, _ = project_region(small_region, rates, 2, 2024, 2026)
    assert not a.equals(b)


# Figures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_figures_written_with_labels(tmp_path, projections, lang):
    import pandas as pd

    from frivilligsim.output.plots_demography import plot_population_pyramid, plot_share_70plus

    _, age_sex = projections["MMMM"]
    paths = plot_population_pyramid(age_sex[0], age_sex[-1], tmp_path / "pyr.png", lang=lang)
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert all(p.stat().st_size > 5000 for p in paths)
    svg = paths[1].read_text()
    caption = "Synthetic region" if lang == "en" else "Syntetisk region"
    assert caption in svg
    assert ("Age (years)" if lang == "en" else "Alder (år)") in svg
    table = pd.concat([projections[n][0].assign(demography=n) for n in ("MMMM", "LHML", "HLMH")])
    paths = plot_share_70plus(table, tmp_path / "share", lang)
    svg = paths[1].read_text()
    assert "LHML" in svg and caption in svg
    assert ("70+" in svg) and ("Year" in svg if lang == "en" else "År" in svg)
