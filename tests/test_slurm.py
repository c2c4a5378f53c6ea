"""A real SLURM cluster: a small multirun through ``hydra/launcher=slurm`` (submitit).

Needs a reachable SLURM controller with an idle node; CI starts a single-node cluster with
``bash scripts/local-slurm.sh start``. Skipped, with the reason, where ``sinfo`` is missing or
no node is idle. Checks that the jobs really went through SLURM (job ids in each manifest and
submitit's folders), that the gathered results equal the joblib launcher's for the same seeds,
value by value, and that a re-launch through SLURM skips the finished jobs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from frivilligsim.workflow import collect
from frivilligsim.workflow.sweep import completed_run, job_dirs

pytestmark = pytest.mark.slurm

SWEEP = [
    "-m",
    "experiment=smoke",
    "region.max_municipalities=3",
    "end_year=2026",
    "replicates=1",
    "replicate_start=0,1",
    "policies.mobilisation.order_intensity=0.2,0.6",
    "output.figures=false",
    "output.report=false",
    "output.progress=false",
]
SLURM = [
    "hydra/launcher=slurm",
    "hydra.launcher.cpus_per_task=1",
    "hydra.launcher.mem_gb=1",
    "hydra.launcher.timeout_min=5",
    "hydra.launcher.signal_delay_s=10",
]


def idle_nodes() -> tuple[bool, str]:
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return False, "SLURM's sinfo/sbatch not found (CI starts scripts/local-slurm.sh)"
    try:
        result = subprocess.run(
            ["sinfo", "-h", "-N", "-o", "%N %t"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"sinfo failed: {exc}"
    if result.returncode != 0:
        return False, f"sinfo cannot reach a controller: {result.stderr.strip()[:200]}"
    states = [line.split() for line in result.stdout.splitlines() if line.strip()]
    if not any(s[-1].rstrip("*~#") in ("idle", "mix") for s in states):
        return False, f"no idle SLURM node (sinfo: {result.stdout.strip()[:200] or 'none'})"
    return True, ""


@pytest.fixture(scope="module")
def cluster():
    ok, reason = idle_nodes()
    if not ok:
        pytest.skip(reason)


def launch(*args: str, cwd: Path) -> tuple[str, str]:
    result = subprocess.run(
        [sys.executable, "-m", "frivilligsim", *args],
        cwd=cwd,
        env=dict(os.environ, HYDRA_FULL_ERROR="0"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout, result.stderr


def test_sweep_through_slurm_equals_joblib_and_resumes(cluster, tmp_path):
    joblib = subprocess.Popen(
        [sys.executable, "-m", "frivilligsim", *SWEEP, "hydra/launcher=joblib", "sweep_id=joblib"],
        cwd=tmp_path,
        env=dict(os.environ, HYDRA_FULL_ERROR="0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    launch(*SWEEP, *SLURM, "sweep_id=slurm", cwd=tmp_path)
    stdout, stderr = joblib.communicate(timeout=300)
    assert joblib.returncode == 0, stderr[-3000:]

    root = tmp_path / "outputs" / "multirun" / "smoke"
    slurm_dir, joblib_dir = root / "slurm", root / "joblib"
    jobs = job_dirs(slurm_dir)
    assert len(jobs) == 4
    submitit = slurm_dir / ".submitit"
    assert submitit.is_dir()
    array_ids = set()
    for job in jobs:
        assert completed_run(job)[0], job
        manifest = json.loads((job / "manifest.json").read_text())
        ids = manifest["slurm"]
        assert ids and ids["SLURM_JOB_ID"].isdigit(), manifest.get("slurm")
        array_ids.add(ids["SLURM_ARRAY_JOB_ID"])
        # submitit's folder of this array task holds its SLURM log
        task = submitit / f"{ids['SLURM_ARRAY_JOB_ID']}_{ids['SLURM_ARRAY_TASK_ID']}"
        assert task.is_dir(), sorted(p.name for p in submitit.iterdir())
    assert len(array_ids) == 1  # one SLURM job array for the sweep
    for job in job_dirs(joblib_dir):
        assert json.loads((job / "manifest.json").read_text())["slurm"] is None

    assert collect.main([str(slurm_dir)]) == 0
    assert collect.main([str(joblib_dir)]) == 0
    through_slurm = pd.read_parquet(slurm_dir / collect.OUTPUT)
    through_joblib = pd.read_parquet(joblib_dir / collect.OUTPUT)
    assert set(through_slurm["policies.mobilisation.order_intensity"]) == {0.2, 0.6}
    keys = ["job", "policy", "demography", "seed", "municipality", "year"]
    pd.testing.assert_frame_equal(
        through_slurm.sort_values(keys).reset_index(drop=True),
        through_joblib.sort_values(keys).reset_index(drop=True),
        check_exact=True,
    )

    # a re-launch through SLURM finds every job finished and leaves the results alone
    stamps = {job: (job / "results.parquet").stat().st_mtime_ns for job in jobs}
    launch(*SWEEP, *SLURM, "sweep_id=slurm", cwd=tmp_path)
    for job, stamp in stamps.items():
        assert (job / "results.parquet").stat().st_mtime_ns == stamp
        log = (job / "__main__.log").read_text()
        assert "already complete, skipped" in log


ENSEMBLE = [
    "experiment=ensemble",
    "region.max_municipalities=3",
    "end_year=2028",
    "ensemble.parameters=[recruit_base_adult,dropout_base]",
    "ensemble.population=4",
    "ensemble.generations=1",
    "ensemble.seeds=1",
    "ensemble.policies=[as_planned,cocreation]",
    "output.progress=false",
]


def test_ensemble_stages_through_slurm_equal_one_process(cluster, tmp_path):
    """The ensemble's simulate stage as SLURM jobs (one per chunk), then gather."""
    shared, alone = tmp_path / "shared", tmp_path / "alone"
    launch(*ENSEMBLE, "ensemble.stage=fit", f"ensemble.dir={shared}", cwd=tmp_path)
    launch(*ENSEMBLE, f"ensemble.dir={alone}", cwd=tmp_path)  # every stage in one process
    assert (shared / "parameter_sets.csv").read_bytes() == (
        alone / "parameter_sets.csv"
    ).read_bytes()
    launch(
        "-m",
        *ENSEMBLE,
        "ensemble.stage=simulate",
        f"ensemble.dir={shared}",
        "ensemble.n_chunks=2",
        "ensemble.chunk=0,1",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        *SLURM,
        cwd=tmp_path,
    )
    jobs = job_dirs(tmp_path / "sweep")
    assert len(jobs) == 2
    for job in jobs:
        ids = json.loads((job / "manifest.json").read_text())["slurm"]
        assert ids and ids["SLURM_JOB_ID"].isdigit()
    launch(*ENSEMBLE, "ensemble.stage=gather", f"ensemble.dir={shared}", cwd=tmp_path)
    pd.testing.assert_frame_equal(
        pd.read_parquet(shared / "ensemble_results.parquet"),
        pd.read_parquet(alone / "ensemble_results.parquet"),
        check_exact=True,
    )


def test_sobol_chunks_through_slurm_equal_one_process(cluster, tmp_path):
    """The sensitivity analysis split into SLURM jobs: Sobol rows evaluated per chunk."""
    from frivilligsim.analysis import sensitivity as sa
    from frivilligsim.scenario.config import load_config, validate

    folder = tmp_path / "stages"
    overrides = [
        "experiment=sensitivity",
        "end_year=2026",
        "sensitivity.municipalities=2",
        "sensitivity.trajectories=2",
        "sensitivity.parameters=[dropout_base,word_of_mouth]",
        "sensitivity.levers=false",
        "sensitivity.mechanisms=false",
        "sensitivity.seeds=1",
        "sensitivity.sobol_top=2",
        "sensitivity.sobol_samples=4",
        f"sensitivity.dir={folder}",
        "output.progress=false",
    ]
    run = sa.prepare(validate(load_config(overrides)))
    folder.mkdir()
    sa.morris(run, folder)
    sa.sobol_sample(run, folder)
    launch(
        "-m",
        *overrides,
        "sensitivity.stage=sobol_evaluate",
        "sensitivity.n_chunks=2",
        "sensitivity.chunk=0,1",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        *SLURM,
        cwd=tmp_path,
    )
    for job in job_dirs(tmp_path / "sweep"):
        ids = json.loads((job / "manifest.json").read_text())["slurm"]
        assert ids and ids["SLURM_JOB_ID"].isdigit()
    through_slurm = sa.sobol_analyse(run, folder)
    one = tmp_path / "one"
    one.mkdir()
    for name in ("morris_design.json", "sobol_design.json", "sobol_samples.csv"):
        (one / name).write_bytes((folder / name).read_bytes())
    sa.sobol_evaluate(run, one, 0, 1)
    pd.testing.assert_frame_equal(through_slurm, sa.sobol_analyse(run, one), check_exact=True)
