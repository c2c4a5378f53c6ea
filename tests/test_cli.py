"""The command line: a real run writes the fixed outputs; bad input gets one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from frivilligsim.core import schema

ROOT = Path(__file__).resolve().parents[1]


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


def run_dir_of(cwd: Path, experiment: str) -> Path:
    runs = sorted((cwd / "outputs" / experiment).iterdir())
    assert len(runs) == 1, runs
    return runs[0]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("cli")
    result = cli("experiment=smoke", "output.figures=false", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return run_dir_of(cwd, "smoke")


def test_run_writes_results_summary_and_manifest(smoke_run):
    results = pd.read_parquet(smoke_run / "results.parquet")
    for column in schema.REQUIRED_COLUMNS:
        assert column in results.columns, column
    assert not results[list(schema.REQUIRED_COLUMNS)].isna().any().any()
    assert set(results["year"]) == set(range(2024, 2028))
    keys = ["year", "municipality", "policy", "demography", "seed"]
    assert not results.duplicated(keys).any(), (
        "one row per (year, municipality, policy, demography, seed)"
    )
    assert set(results["policy"]) == {"cocreation", "mobilisation"}
    assert results["seed"].nunique() == 2
    assert (results["coverage"].between(0, 1)).all()
    assert (results["mean_motivation"].between(0, 1)).all()
    summary = pd.read_csv(smoke_run / "summary.csv")
    assert {"policy", "demography", "seed", "year", "volunteers", "coverage"} <= set(
        summary.columns
    )
    manifest = json.loads((smoke_run / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["config"]["experiment_name"] == "smoke"
    assert manifest["config"]["policy"]["order_intensity"] == pytest.approx(0.2)
    assert manifest["version"]
    assert sorted(manifest["seeds"]) == sorted(results["seed"].unique().tolist())
    assert manifest["started"] <= manifest["finished"]
    assert any(row["source"].startswith("L192") for row in manifest["provenance"])
    # the real region: kommunenummer and names, data year and checksums in the manifest
    assert results["municipality"].str.fullmatch(r"\d{4}").all()
    assert results["municipality_name"].notna().all()
    assert manifest["region"]["data_year"] == 2024 and manifest["synthetic_region"] is False
    assert "table 07459 and classification 128" in manifest["region"]["attribution"]
    assert all(len(f["sha256"]) == 64 for f in manifest["region"]["files"].values())


def test_same_seed_gives_identical_results(smoke_run, tmp_path):
    again = cli("experiment=smoke", "output.figures=false", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    first = pd.read_parquet(smoke_run / "results.parquet")
    second = pd.read_parquet(run_dir_of(tmp_path, "smoke") / "results.parquet")
    pd.testing.assert_frame_equal(first, second, check_exact=True)


def test_headline_table_is_printed(tmp_path):
    result = cli("experiment=smoke", "output.figures=false", "replicates=1", cwd=tmp_path)
    assert result.returncode == 0
    text = result.stdout + result.stderr
    assert "Headline results, 2027" in text
    assert "cocreation" in text and "mobilisation" in text


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            "policy=nonsense",
            "choose one of: as_planned, cocreation, mobilisation, mobilisation_well",
        ),
        ("demography=XXXX", "choose one of: HHMH, HLMH, LHML, LLML, MMM0, MMMM"),
        ("engine=turbo", "engine=turbo is not an option"),
        (
            "model.motivation_decay=-0.1",
            "model.motivation_decay=-0.1 is out of range; expected a value in [0, 1]",
        ),
        ("policy.order_intensity=1.5", "policy.order_intensity=1.5 is out of range"),
        ("seed=abc", "seed: Value 'abc' of type 'str' could not be converted to Integer"),
        ("end_year=2000", "end_year=2000 is before start_year=2024"),
        ("lang=de", "lang=de is not allowed; choose one of: en, nb"),
        ("replicates=0", "replicates=0 is out of range"),
        ("nokey=3", "nokey is not a config key"),
        ("model.initial_share_youth=0.5", "sum to"),
        ("compare.policies=[cocreation,bogus]", "compare.policies=bogus is not allowed"),
    ],
)
def test_bad_input_gets_one_clear_line(tmp_path, override, expected):
    result = cli("experiment=ageing_2050", override, cwd=tmp_path)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("frivilligsim: error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "outputs").exists(), "nothing runs before the config is valid"


def test_help_and_cfg_show_the_composed_config(tmp_path):
    result = cli("experiment=ageing_2050", "--cfg", "job", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "experiment_name: ageing_2050" in result.stdout
    assert "order_intensity" in result.stdout
    helped = cli("--help", cwd=tmp_path)
    assert helped.returncode == 0
    assert "policy: as_planned, cocreation, mobilisation" in helped.stdout


def test_bad_data_file_gets_one_clear_line(tmp_path):
    bad = tmp_path / "pop.csv"
    bad.write_text(
        '"region";"kjønn";"alder";"Personer 2024"\n"1812 Sømna";"Menn";"abc år";5\n',
        encoding="utf-8",
    )
    centrality = Path(__file__).parent / "fixtures" / "ssb" / "klass128_column.csv"
    result = cli(
        "region=ssb",
        f"region.population_csv={bad}",
        f"region.centrality_csv={centrality}",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        f"frivilligsim: error: {bad}, line 2: age 'abc år' is not a single year of age like '067 år' or '105 år eller eldre'"
    ]
    missing = cli(
        "region=ssb",
        "region.population_csv=/no/such.csv",
        f"region.centrality_csv={centrality}",
        cwd=tmp_path,
    )
    assert missing.returncode == 2 and "/no/such.csv: file not found" in missing.stderr
    assert "Traceback" not in missing.stderr
