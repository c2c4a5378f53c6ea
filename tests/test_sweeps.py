"""Sweeps on one machine: folders that never collide, resuming a killed sweep without redoing
finished jobs, chunks of replicates per job, gathering with ``frivilligsim.workflow.collect``, and the
non-multirun ageing_2050 experiment writing all its runs into one table."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from frivilligsim.core.rng import replicate_seed
from frivilligsim.workflow import collect
from frivilligsim.workflow.sweep import completed_run, job_dirs

# Small and fast: 3 municipalities, 2024-2026, figures and report off.
TINY = [
    "experiment=smoke",
    "region.max_municipalities=3",
    "end_year=2026",
    "output.figures=false",
    "output.report=false",
    "output.progress=false",
]


def start(*args: str, cwd: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "frivilligsim", *args],
        cwd=cwd,
        env=dict(os.environ, HYDRA_FULL_ERROR="0", **(env or {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so a test can kill the whole sweep
    )


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[str, str]:
    stdout, stderr = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{stdout[-3000:]}\n{stderr[-3000:]}"
    return stdout, stderr


def sweep_dirs(cwd: Path, experiment: str = "smoke") -> list[Path]:
    root = cwd / "outputs" / "multirun" / experiment
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def sorted_table(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [
        c for c in ("job", "policy", "demography", "seed", "municipality", "year") if c in frame
    ]
    return frame.sort_values(keys).reset_index(drop=True)


# ---- folders that never collide -------------------------------------------------------------


@pytest.fixture(scope="module")
def two_sweeps(tmp_path_factory) -> dict:
    """Two sweeps with different overrides started at the same moment in one folder."""
    cwd = tmp_path_factory.mktemp("together")
    a = start("-m", *TINY, "seed=1,2", cwd=cwd)
    b = start("-m", *TINY, "seed=3,4", cwd=cwd)
    finish(a)
    finish(b)
    return {"cwd": cwd, "dirs": sweep_dirs(cwd)}


def test_two_sweeps_started_together_get_their_own_folders(two_sweeps):
    dirs = two_sweeps["dirs"]
    assert len(dirs) == 2
    seeds = {}
    for folder in dirs:
        identity = json.loads((folder / "sweep.json").read_text())
        assert identity["sweep_id"] == folder.name
        assert identity["n_jobs"] == 2
        swept = [o for o in identity["overrides"] if o.startswith("seed=")]
        seeds[folder.name] = swept[0]
        jobs = job_dirs(folder)
        assert len(jobs) == 2
        for job in jobs:
            assert completed_run(job)[0]
            manifest = json.loads((job / "manifest.json").read_text())
            assert f"seed={manifest['config']['seed']}" in job.name
            assert str(manifest["config"]["seed"]) in swept[0]
    assert sorted(seeds.values()) == ["seed=1,2", "seed=3,4"]


def test_a_folder_of_another_sweep_is_refused_before_any_run(two_sweeps, tmp_path):
    cwd = two_sweeps["cwd"]
    taken = two_sweeps["dirs"][0].name
    before = sorted(p.name for p in (cwd / "outputs" / "multirun" / "smoke" / taken).iterdir())
    proc = start("-m", *TINY, "seed=5,6", f"sweep_id={taken}", cwd=cwd)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode != 0
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "belongs to another sweep" in lines[0], stderr
    after = sorted(p.name for p in (cwd / "outputs" / "multirun" / "smoke" / taken).iterdir())
    assert after == before
    assert "seed=5" not in stdout


# ---- collect --------------------------------------------------------------------------------


def test_collect_gathers_keyed_by_the_swept_parameters(two_sweeps, capsys):
    folder = two_sweeps["dirs"][0]
    assert collect.main([str(folder)]) == 0
    table = pd.read_parquet(folder / collect.OUTPUT)
    assert "sweep.seed" in table.columns  # `seed` is taken by the replicate seed
    assert table["sweep.seed"].nunique() == 2
    assert table["job"].nunique() == 2
    for base, rows in table.groupby("sweep.seed"):
        assert set(rows["seed"]) == {replicate_seed(int(base), r) for r in range(2)}
    assert "collected 2 of 2 jobs" in capsys.readouterr().out


def test_collect_reports_missing_and_failed_jobs(two_sweeps, tmp_path, capsys):
    folder = tmp_path / "copy"
    shutil.copytree(two_sweeps["dirs"][1], folder)
    first, second = job_dirs(folder)
    manifest = json.loads((first / "manifest.json").read_text())
    manifest.update(status="failed", error="InvariantError: something broke")
    (first / "manifest.json").write_text(json.dumps(manifest))
    shutil.rmtree(second)

    assert collect.main([str(folder)]) == 1
    err = capsys.readouterr().err
    assert "failed:" in err and "InvariantError: something broke" in err
    assert "missing:" in err and "seed=" in err
    assert "2 of 2 jobs are not complete" in err
    assert not (folder / collect.OUTPUT).exists()

    (first / "manifest.json").write_text(json.dumps(dict(manifest, status="running")))
    (first / "manifest.json").write_text(json.dumps(dict(manifest, status="complete")))
    assert collect.main([str(folder), "--allow-incomplete"]) == 0
    captured = capsys.readouterr()
    assert "collected 1 of 2 jobs" in captured.out and "missing:" in captured.err
    assert pd.read_parquet(folder / collect.OUTPUT)["job"].nunique() == 1


def test_collect_of_a_folder_that_is_not_there(tmp_path, capsys):
    assert collect.main([str(tmp_path / "nope")]) == 2
    assert "is not a folder" in capsys.readouterr().err


# ---- resuming a killed sweep ----------------------------------------------------------------

PAUSE_HOOK = '''
import pathlib
import time

from hydra.experimental.callback import Callback


class Pause(Callback):
    """Test hook: job number `job` says so in `marker`, then waits to be killed."""

    def __init__(self, job, marker):
        self.job, self.marker = int(job), marker

    def on_job_start(self, config, **kwargs):
        if int(config.hydra.job.num) == self.job:
            pathlib.Path(self.marker).write_text("paused")
            time.sleep(600)
'''


def test_killed_sweep_resumes_without_redoing_finished_jobs(tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "pausehook.py").write_text(PAUSE_HOOK)
    marker = tmp_path / "paused"
    # 4 jobs, each a chunk of one replicate: replicates 0, 1, 2, 3 of one long run
    sweep = ["-m", *TINY, "replicates=1", "replicate_start=0,1,2,3"]
    pause = [
        "+hydra.callbacks.pause._target_=pausehook.Pause",
        "+hydra.callbacks.pause.job=2",
        f"+hydra.callbacks.pause.marker={marker}",
    ]
    # keep the caller's PYTHONPATH too (a worktree run imports its own src/ through it)
    path = os.pathsep.join(p for p in (str(hooks), os.environ.get("PYTHONPATH", "")) if p)
    killed = start(*sweep, *pause, cwd=tmp_path, env={"PYTHONPATH": path})
    whole = start(*sweep, "sweep_id=uninterrupted", cwd=tmp_path)
    deadline = time.monotonic() + 240
    while not marker.exists():
        assert killed.poll() is None, killed.communicate()
        assert time.monotonic() < deadline, "the sweep never reached job 2"
        time.sleep(0.05)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=60)

    folder = next(d for d in sweep_dirs(tmp_path) if d.name != "uninterrupted")
    jobs = {job.name: job for job in job_dirs(folder)}
    done = {name: job for name, job in jobs.items() if completed_run(job)[0]}
    assert sorted(done) == sorted(n for n in jobs if "replicate_start=0" in n or "start=1" in n)
    assert len(done) == 2 and len(jobs) == 3  # job 2 started, job 3 never did
    stamps = {name: (job / "results.parquet").stat().st_mtime_ns for name, job in done.items()}
    manifests = {name: (job / "manifest.json").read_bytes() for name, job in done.items()}
    assert collect.main([str(folder)]) == 1  # incomplete: 2 of 4

    stdout, stderr = finish(start(*sweep, cwd=tmp_path))
    log = stdout + stderr
    assert log.count("already complete, skipped") == 2
    assert "2 of 4 jobs already complete" in log
    for name, job in done.items():
        assert (job / "results.parquet").stat().st_mtime_ns == stamps[name]
        assert (job / "manifest.json").read_bytes() == manifests[name]
    assert all(completed_run(job)[0] for job in job_dirs(folder))
    finish(whole)

    assert collect.main([str(folder)]) == 0
    assert collect.main([str(tmp_path / "outputs/multirun/smoke/uninterrupted")]) == 0
    resumed = pd.read_parquet(folder / collect.OUTPUT)
    uninterrupted = pd.read_parquet(
        tmp_path / "outputs/multirun/smoke/uninterrupted" / collect.OUTPUT
    )
    assert set(resumed["replicate_start"]) == {0, 1, 2, 3}
    pd.testing.assert_frame_equal(sorted_table(resumed), sorted_table(uninterrupted))

    # the four chunks are the four replicates of one run: seeds from (base seed, replicate)
    import frivilligsim

    single = frivilligsim.run([o for o in TINY] + ["replicates=4"])
    chunks = resumed.drop(columns=["replicate_start", "job"])
    assert set(chunks["seed"]) == {replicate_seed(2024, r) for r in range(4)}
    keys = ["policy", "demography", "seed", "municipality", "year"]
    pd.testing.assert_frame_equal(
        chunks.sort_values(keys).reset_index(drop=True)[single.columns],
        single.sort_values(keys).reset_index(drop=True),
    )


# ---- ageing_2050: every run in one table ----------------------------------------------------


def test_ageing_2050_writes_all_80_runs_into_one_results_table(tmp_path):
    run_dir = tmp_path / "ageing"
    finish(
        start(
            "experiment=ageing_2050",
            "region.max_municipalities=3",
            "end_year=2026",
            "output.figures=false",
            "output.report=false",
            "output.progress=false",
            f"hydra.run.dir={run_dir}",
            cwd=tmp_path,
        )
    )
    results = pd.read_parquet(run_dir / "results.parquet")
    runs = results[["policy", "demography", "seed"]].drop_duplicates()
    assert len(runs) == 80
    assert set(results["policy"]) == {
        "cocreation",
        "mobilisation",
        "mobilisation_well",
        "as_planned",
    }
    assert set(results["demography"]) == {"MMMM", "LHML"}
    assert set(results["seed"]) == {replicate_seed(2024, r) for r in range(10)}
    assert runs.groupby(["policy", "demography"]).size().eq(10).all()
    assert set(results["year"]) == {2024, 2025, 2026}
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["scenarios"] == 80


# ---- one failing job does not stop the others -----------------------------------------------


def test_a_failing_job_does_not_stop_the_sweep(tmp_path):
    proc = start(
        "-m",
        *TINY,
        "region.municipalities=[NOPE],[1812]",  # the first job fails when it loads the region
        "sweep_id=one-fails",
        cwd=tmp_path,
    )
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stderr
    assert "1 of 2 jobs of sweep" in stderr and "did not finish" in stderr
    assert "Traceback" not in stdout + stderr
    folder = tmp_path / "outputs/multirun/smoke/one-fails"
    jobs = {("NOPE" in job.name): job for job in job_dirs(folder)}
    assert completed_run(jobs[False])[0]  # the job after the failing one ran
    manifest = json.loads((jobs[True] / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "NOPE" in manifest["error"]
    assert collect.main([str(folder)]) == 1


# ---- a sweep folder written before the layout moved --------------------------------------------

BEFORE_LAYOUT = Path(__file__).parent / "fixtures" / "sweep_before_layout"
BEFORE_COMMAND = [
    "-m",
    "experiment=smoke",
    "region.max_municipalities=2",
    "end_year=2025",
    "output.figures=false",
    "output.report=false",
    "output.progress=false",
    "seed=1,2",
]


def test_a_sweep_folder_from_before_the_layout_move_resumes(tmp_path):
    """Its saved configs name the old module paths (frivilligsim.sweep.SweepIdentity,
    frivilligsim.collect); job seed=1 finished then, job seed=2 never ran. The same command
    today claims the folder as the same sweep, skips the finished job and runs the other."""
    from omegaconf import OmegaConf

    from frivilligsim.scenario.config import load_config

    folder = tmp_path / "outputs" / "multirun" / "smoke" / "6cf6afa3e4"
    shutil.copytree(BEFORE_LAYOUT / "6cf6afa3e4", folder)
    saved = (folder / "multirun.yaml").read_text()
    assert "frivilligsim.sweep.SweepIdentity" in saved  # the old path is really in there
    (old_job,) = job_dirs(folder)
    # The model's config has grown since the folder was written; give the finished job today's
    # config so that only the module paths differ from a folder written now.
    manifest = json.loads((old_job / "manifest.json").read_text())
    overrides = [o for o in BEFORE_COMMAND[1:] if not o.startswith("seed=")] + ["seed=1"]
    manifest["config"] = OmegaConf.to_container(load_config(overrides), resolve=True)
    (old_job / "manifest.json").write_text(json.dumps(manifest))
    stamp = (old_job / "results.parquet").stat().st_mtime_ns

    stdout, stderr = finish(start(*BEFORE_COMMAND, cwd=tmp_path))
    log = stdout + stderr
    assert "1 of 2 jobs already complete" in log
    assert log.count("already complete, skipped") == 1
    assert (old_job / "results.parquet").stat().st_mtime_ns == stamp
    assert sorted(d.name for d in sweep_dirs(tmp_path)) == ["6cf6afa3e4"]
    assert all(completed_run(job)[0] for job in job_dirs(folder))
    assert len(job_dirs(folder)) == 2
    assert collect.main([str(folder)]) == 0
    gathered = pd.read_parquet(folder / collect.OUTPUT)
    assert gathered["job"].nunique() == 2 and set(gathered["sweep.seed"]) == {1, 2}


# ---- a sweep a person can follow --------------------------------------------------------------


def test_sweep_log_counts_jobs_and_labels_each_job_with_its_overrides(tmp_path):
    lever = "policies.mobilisation.order_intensity"
    stdout, stderr = finish(start("-m", *TINY, "replicates=1", f"{lever}=0.05,0.9", cwd=tmp_path))
    lines = (stdout + stderr).splitlines()
    done = [line for line in lines if "jobs done" in line]
    assert len(done) == 2, done
    assert "1 of 2 jobs done" in done[0] and "2 of 2 jobs done" in done[1]
    for value in ("0.05", "0.9"):
        # the table's label: the job's own swept override, on a line of its own
        label = [i for i, line in enumerate(lines) if line.startswith(f"{lever}={value} (2026,")]
        assert len(label) == 1, lines
        assert "3 municipalities" in lines[label[0]]  # not "whole region"
        assert any(f"{lever}={value}: complete" in line for line in done)
    assert "Headline results" not in stdout + stderr  # one short labelled table per job
