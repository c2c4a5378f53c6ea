"""``experiment=projection``: the demography alone, from the command line (issue #14 item 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from frivilligsim.core.schema import N_AGES
from frivilligsim.workflow import projection


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


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """The documented multirun, on five municipalities: MMMM and static."""
    cwd = tmp_path_factory.mktemp("projection")
    result = cli(
        "-m",
        "experiment=projection",
        "demography=MMMM,static",
        "region.max_municipalities=5",
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return cwd


def job(sweep: Path, name: str) -> Path:
    found = [p.parent for p in sweep.rglob("projection.json") if f"demography={name}" in str(p)]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("name", ["MMMM", "static"])
def test_projection_writes_population_by_municipality(sweep, name):
    run_dir = job(sweep, name)
    pop = pd.read_parquet(run_dir / projection.POPULATION_FILE)
    assert list(pop.columns) == ["municipality", "year", "sex", "age", "persons"]
    assert pop["municipality"].nunique() == 5
    assert sorted(pop["year"].unique()) == list(range(2024, 2051))
    assert set(pop["sex"].astype(str)) == {"male", "female"}
    assert pop["age"].min() == 0 and pop["age"].max() == N_AGES - 1
    assert len(pop) == 5 * 27 * 2 * N_AGES
    results = pd.read_parquet(run_dir / "results.parquet")
    by_year = pop.groupby("year")["persons"].sum()
    np.testing.assert_array_equal(by_year.to_numpy(), results.groupby("year")["residents"].sum())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["task"] == "projection"
    info = json.loads((run_dir / "projection.json").read_text())
    assert info["demography"] == name
    for figure in (f"population_pyramid_{name}", "share_70plus_by_class", "projection_vs_ssb"):
        assert (run_dir / f"{figure}.png").stat().st_size > 5000


def test_static_and_mmmm_differ(sweep):
    totals = {
        n: pd.read_parquet(job(sweep, n) / "results.parquet").groupby("year")["residents"].sum()
        for n in ("MMMM", "static")
    }
    assert totals["MMMM"][2024] == totals["static"][2024]
    assert totals["MMMM"][2050] != totals["static"][2050]


def test_static_refuses_a_setting_it_would_ignore(tmp_path):
    result = cli(
        "experiment=projection", "demography=static", "demography.immigration_2030=2", cwd=tmp_path
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "immigration_2030" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_comparison_command_prints_every_alternative(capsys):
    """``python -m frivilligsim.workflow.projection`` (docs/demography.md section 5)."""
    projection.main(["--seed", "3"])
    out = capsys.readouterr().out
    for name in ("MMMM", "LLML", "HHMH", "LHML", "HLMH", "MMM0", "static"):
        assert f"\n{name:>10}" in out or f"\n{name}" in out
    assert "r_2050" in out and "share70_k6" in out
