"""The demography against SSB's own projection, on the packaged real District Norway (#14).

Reads only the packaged ``data/norway_2024`` files (SSB tables 07459 and 14288, classification
128). Bars from issue #14: MMMM within 1 % of SSB's District Norway totals in 2034 and 2050; per
municipality r >= 0.95 and mean absolute error < 3 % in 2050; the alternatives ordered; static
keeps every municipality's size and structure.
"""

from __future__ import annotations

import numpy as np
import pytest

from frivilligsim.core.demography import (
    build_rates,
    load_demography_config,
    project_population,
)
from frivilligsim.core.migration import expected_projection
from frivilligsim.inputs.projection import projection_targets
from frivilligsim.inputs.region import load_default_region

SEED = 11


@pytest.fixture(scope="module")
def district():
    """The 212 municipalities of classes 5 and 6 with their 1 January 2024 residents."""
    return load_default_region()


def rates(name, region, end=2050):
    cfg = load_demography_config(name)
    targets = None if cfg.static else projection_targets(region)
    return build_rates(
        cfg, 2024, end, region.population, targets, region.municipalities["municipality"]
    )


@pytest.fixture(scope="module")
def runs(district):
    """Every alternative projected once (seed 11): ``{name: (table, age_sex [m, y, 2, 106])}``."""
    names = ("MMMM", "LLML", "HHMH", "LHML", "HLMH", "static")
    return {n: project_population(district, rates(n, district), SEED, 2024, 2050) for n in names}


def totals(run, year):
    table = run[0]
    return table[table["year"] == year].set_index("municipality")["residents"]


def share70(age_sex):
    return age_sex[..., 70:].sum(axis=(-1, -2)) / age_sex.sum(axis=(-1, -2))


def test_the_packaged_district(district):
    assert district.population.shape == (212, 2, 106)
    assert district.population.sum() == 774_174
    t = projection_targets(district)
    assert t.sum(axis=0).tolist() == [782_564, 773_350]  # SSB table 14288, MMMM


def test_expected_mmmm_hits_every_municipality_exactly(district):
    """The fit is exact in expectation: the deterministic MMMM path meets SSB's two totals."""
    r = rates("MMMM", district, end=2049)
    path = expected_projection(
        district.population, r.death, r.fertility, r.out_migration, r.in_migration
    ).sum(axis=(2, 3))
    t = projection_targets(district)
    np.testing.assert_allclose(path[10], t[:, 0], rtol=1e-9)
    np.testing.assert_allclose(path[26], t[:, 1], rtol=1e-9)


def test_mmmm_reproduces_ssb_district_totals(runs):
    """Issue #14: within 1 % of 782,564 (2034) and 773,350 (2050)."""
    assert totals(runs["MMMM"], 2034).sum() == pytest.approx(782_564, rel=0.01)
    assert totals(runs["MMMM"], 2050).sum() == pytest.approx(773_350, rel=0.01)


def test_mmmm_follows_ssb_municipality_by_municipality(runs, district):
    """Issue #14: r >= 0.95 and mean absolute error < 3 % in 2050; SSB's growers grow."""
    t = projection_targets(district)
    model = totals(runs["MMMM"], 2050).loc[district.municipalities["municipality"]].to_numpy()
    assert np.corrcoef(model, t[:, 1])[0, 1] >= 0.95
    assert np.mean(np.abs(model / t[:, 1] - 1)) < 0.03
    start = district.population.sum(axis=(1, 2))
    grow_ssb, grow_model = t[:, 1] > start, model > start
    assert grow_ssb.sum() == 104
    assert abs(int(grow_model.sum()) - 104) <= 15  # sampling noise near zero growth


def test_mmmm_grows_to_2034_then_falls(runs):
    by = runs["MMMM"][0].groupby("year")["residents"].sum()
    assert by[2034] > by[2024] and by[2050] < by[2034]


def test_alternatives_bracket_mmmm_in_every_municipality(runs):
    """Issue #14: LLML below MMMM and HHMH above it, for every municipality's 2050 total."""
    low, mid, high = (totals(runs[n], 2050) for n in ("LLML", "MMMM", "HHMH"))
    assert (low < mid).all() and (mid < high).all()


def test_ageing_alternatives(runs):
    """LHML older than MMMM and HLMH younger, for the region and in most municipalities."""
    s = {n: share70(runs[n][1][:, -1]) for n in ("LHML", "MMMM", "HLMH")}
    region = {n: share70(runs[n][1][:, -1].sum(axis=0)) for n in s}
    assert region["LHML"] > region["MMMM"] > region["HLMH"]
    assert (s["LHML"] > s["MMMM"]).mean() > 0.95 and (s["HLMH"] < s["MMMM"]).mean() > 0.95


def test_share_70plus_2050_by_class(runs, district):
    """SSB: about a quarter in the least central municipalities in 2050 (docs/demography.md)."""
    last = runs["MMMM"][1][:, -1]
    k6 = (district.municipalities["centrality"] == 6).to_numpy()
    assert 0.22 <= share70(last[k6].sum(axis=0)) <= 0.27
    assert share70(last).max() > 0.26  # the most aged; SSB's "about a third" is not reached


def test_static_keeps_every_municipality(runs, district):
    """Issue #14: size and structure kept within sampling noise."""
    table, age_sex = runs["static"]
    start = district.population.sum(axis=(1, 2))
    end = age_sex[:, -1].sum(axis=(1, 2))
    # Each year about a tenth of the residents turn over (deaths, births, moves) and about 5 %
    # of a chance deviation is taken back (exits are per person, in-migrants a fixed number),
    # so the deviation settles at a variance of about 0.1 N / (2 * 0.05) = N: sd ~ sqrt(N).
    z = (end - start) / np.sqrt(start)
    assert np.abs(z).max() < 4.5 and np.abs(z).mean() < 1.2
    assert abs(end.sum() / start.sum() - 1) < 0.005
    s0, s1 = share70(district.population), share70(age_sex[:, -1])
    assert np.abs(s1 - s0).max() < 0.05
    assert (
        abs(share70(age_sex[:, -1].sum(axis=0)) - share70(district.population.sum(axis=0))) < 0.003
    )
    mean_age = (age_sex[:, :, :, :] * np.arange(106)).sum(axis=(0, 2, 3)) / age_sex.sum(
        axis=(0, 2, 3)
    )
    assert np.ptp(mean_age) < 0.3
