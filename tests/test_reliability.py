"""Failing well: crashes leave a failed manifest and no half-written results; invariants hold."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import frivilligsim
from frivilligsim.errors import ConfigError, FrivilligsimError, OutputError
from frivilligsim.output import results
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.workflow import experiment

SHORT = [
    "region.max_municipalities=3",
    "end_year=2026",
    "output.figures=false",
    "output.report=false",
    "output.progress=false",
]


def test_crash_leaves_failed_manifest_and_no_results(tmp_path, monkeypatch):
    run = validate(load_config(SHORT))

    def boom(*args, **kwargs):
        raise RuntimeError("simulated crash in the engine")
        yield  # pragma: no cover

    monkeypatch.setattr(experiment, "run_scenarios", boom)
    with pytest.raises(RuntimeError):
        experiment.run_experiment(run, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "simulated crash in the engine" in manifest["error"]
    assert not (tmp_path / "results.parquet").exists()
    assert not list(tmp_path.glob(".results.parquet.*")), "no temporary file left behind"


@pytest.mark.parametrize(
    ("err", "expected"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "permission denied"),
    ],
)
def test_disk_full_or_permission_error_is_one_clear_message(tmp_path, monkeypatch, err, expected):
    def refuse(src, dst):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(results.os, "replace", refuse)
    frame = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(OutputError, match=expected) as info:
        results.write_parquet(frame, tmp_path / "results.parquet")
    assert str(tmp_path / "results.parquet") in str(info.value)
    assert not list(tmp_path.iterdir()), "the temporary file is removed"


def test_output_folder_that_is_a_file_is_refused(tmp_path):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        results.write_csv(pd.DataFrame({"a": [1]}), blocker / "summary.csv")


def test_sigkill_mid_run_never_leaves_an_unreadable_results_file(tmp_path):
    """Kill a run at several moments; results.parquet is either absent or complete."""
    env = dict(os.environ, HYDRA_FULL_ERROR="0")
    args = [
        sys.executable,
        "-m",
        "frivilligsim",
        "experiment=smoke",
        "output.figures=false",
        "hydra.run.dir=run",
    ]
    outcomes = []
    for delay in (1.5, 3.0, 4.5):
        cwd = tmp_path / f"kill_{delay}"
        cwd.mkdir()
        proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        path = cwd / "run" / "results.parquet"
        if path.exists():
            frame = pd.read_parquet(path)  # must read
            assert len(frame) > 0
            outcomes.append("complete")
        else:
            outcomes.append("absent")
        # the next run in the same place completes cleanly
    again = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert pd.read_parquet(cwd / "run" / "results.parquet").shape[0] > 0
    assert json.loads((cwd / "run" / "manifest.json").read_text())["status"] == "complete"


# ---- property-based: valid configs keep every invariant; invalid ones are refused ----------

LEVERS = st.fixed_dictionaries(
    {
        "policy.order_intensity": st.floats(0, 1),
        "policy.influence_on_orders": st.floats(0, 1),
        "policy.cocreation_share": st.floats(0, 1),
        "policy.decline_penalty": st.floats(0, 1),
        "policy.evaluation_interval": st.integers(0, 24),
        "model.followup_protected_share": st.floats(0, 1),
        "model.supplement_principle": st.floats(0, 1),
        "policy.municipal_backup": st.booleans(),
        "policy.decline_response": st.sampled_from(["persist", "back_off"]),
        "policy.labour_shortage": st.floats(-0.2, 0.2),
        "model.motivation_loss_orders": st.floats(0, 1),
        "model.motivation_decay": st.floats(0, 1),
        "model.dropout_base": st.floats(0, 0.5),
        "model.recruit_base_young_retiree": st.floats(0, 0.05),
        "model.turnover_base": st.floats(0, 0.2),
        "model.vacancy_months": st.integers(0, 36),
        "model.order_duration_months": st.floats(1, 60),
        "model.leader_hours_per_month": st.floats(20, 250),
    }
)


@given(levers=LEVERS, seed=st.integers(0, 2**31))
def test_random_valid_configs_keep_every_invariant(levers, seed):
    overrides = ["region.max_municipalities=2", "end_year=2026", "engine.check_invariants=true"]
    overrides += [f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in levers.items()]
    table = frivilligsim.run(
        overrides, seed=seed
    )  # the engine raises InvariantError on a violation
    assert table["mean_motivation"].between(0, 1).all()
    assert table["coverage"].between(0, 1).all()
    assert (
        (
            table[
                [
                    "volunteer_hours",
                    "hours_ordered",
                    "hours_cocreated",
                    "volunteers",
                    "recruits",
                    "dropouts",
                ]
            ]
            >= 0
        )
        .all()
        .all()
    )
    assert (
        table["hours_ordered"] + table["hours_cocreated"]
        <= table["volunteer_hours"] * (1 + 1e-9) + 1e-9
    ).all()


BAD_VALUES = st.sampled_from(
    [
        ("policy.order_intensity", st.floats(1.0001, 1e6)),
        ("policy.influence_on_orders", st.floats(-1e6, -1e-6)),
        ("model.motivation_decay", st.floats(1.0001, 1e3)),
        ("model.dropout_base", st.floats(-5, -1e-9)),
        ("model.leader_hours_per_month", st.floats(250.01, 1e5)),
        ("policy.evaluation_interval", st.integers(121, 10**6)),
        ("replicates", st.integers(-100, 0)),
        ("end_year", st.integers(1000, 2023)),
    ]
)


@given(data=st.data())
def test_random_invalid_configs_are_refused_naming_the_key(data):
    key, values = data.draw(BAD_VALUES)
    value = data.draw(values)
    with pytest.raises(ConfigError) as info:
        load_config([f"{key}={value}"])
    assert key in str(info.value)


def test_library_errors_share_one_hierarchy():
    from frivilligsim.errors import DataFileError, InvariantError

    for cls in (ConfigError, DataFileError, InvariantError, OutputError):
        assert issubclass(cls, FrivilligsimError)
    assert "file.csv, line 3: bad" in str(DataFileError(Path("file.csv"), "bad", 3))
