"""Hydra config: launcher options, the policy_sweep experiment, --help/--cfg, sweep ids and
folders, finished-run detection, and one clear line for every bad command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from frivilligsim.errors import ConfigError, OutputError
from frivilligsim.scenario.config import CONF_DIR, load_config, register_schemas
from frivilligsim.workflow import sweep

ROOT = Path(__file__).resolve().parents[1]
# conf/hydra/launcher/joblib.yaml is checked against the joblib plugin's schema on purpose
pytestmark = pytest.mark.filterwarnings(
    r"ignore:\s*'hydra/launcher/joblib' is validated:UserWarning"
)


def hydra_compose(overrides: list[str], conf_dir: Path = CONF_DIR):
    register_schemas()
    sweep.register_resolvers()
    with initialize_config_dir(config_dir=str(conf_dir), version_base="1.3"):
        return compose("config", overrides=overrides, return_hydra_config=True)


def cli(*args: str, cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, HYDRA_FULL_ERROR="0")
    return subprocess.Popen(
        [sys.executable, "-m", "frivilligsim", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# ---- launchers ------------------------------------------------------------------------------


def test_joblib_launcher_defaults():
    cfg = hydra_compose(["hydra/launcher=joblib"])
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("JoblibLauncher")
    assert launcher.n_jobs == 2
    assert launcher.prefer == "processes"


def test_slurm_launcher_defaults_and_site_settings():
    cfg = hydra_compose(["hydra/launcher=slurm"])
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("SlurmLauncher")
    assert launcher.tasks_per_node == 1
    assert launcher.timeout_min > 0 and launcher.mem_gb > 0 and launcher.cpus_per_task >= 1
    assert launcher.array_parallelism >= 1
    assert launcher.partition is None and launcher.account is None
    assert f"export NUMBA_NUM_THREADS={launcher.cpus_per_task}" in list(launcher.setup)
    assert str(launcher.submitit_folder).endswith("/.submitit/%j")

    cfg = hydra_compose(
        ["hydra/launcher=slurm", "slurm.partition=short", "hydra.launcher.cpus_per_task=8"]
    )
    assert cfg.hydra.launcher.partition == "short"
    assert "export NUMBA_NUM_THREADS=8" in list(cfg.hydra.launcher.setup)


def test_local_default_yaml_sets_partition_and_account(tmp_path):
    """conf/local/default.yaml (git-ignored) is where per-machine SLURM settings live."""
    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf)
    (conf / "local" / "default.yaml").write_text(
        "# @package _global_\nslurm:\n  partition: normal\n  account: nn1234k\n"
    )
    cfg = hydra_compose(["hydra/launcher=slurm"], conf_dir=conf)
    assert cfg.hydra.launcher.partition == "normal"
    assert cfg.hydra.launcher.account == "nn1234k"
    # ... and the basic launcher is not disturbed by them
    cfg = hydra_compose([], conf_dir=conf)
    assert cfg.slurm.partition == "normal"
    assert "partition" not in cfg.hydra.launcher


def test_gitignore_keeps_local_settings_out():
    ignore = (ROOT / ".gitignore").read_text()
    assert "/src/frivilligsim/conf/local/*" in ignore


# ---- policy_sweep ---------------------------------------------------------------------------


def test_policy_sweep_experiment_is_a_multirun_over_the_main_levers():
    path = CONF_DIR / "experiment" / "policy_sweep.yaml"
    text = path.read_text()
    assert text.startswith("# @package _global_")
    assert "python -m frivilligsim -m experiment=policy_sweep" in text
    cfg = hydra_compose(["experiment=policy_sweep"])
    params = OmegaConf.to_container(cfg.hydra.sweeper.params)
    assert set(params) == {
        "policy.order_intensity",
        "policy.influence_on_orders",
        "policy.evaluation_interval",
        "policy.decline_penalty",
    }
    assert cfg.experiment_name == "policy_sweep"
    assert cfg.region.max_municipalities is not None and cfg.region.max_municipalities <= 50
    assert cfg.end_year <= 2040
    jobs = sweep.expand_jobs(["experiment=policy_sweep"], params)
    n = 1
    for value in params.values():
        n *= len(str(value).split(","))
    assert len(jobs) == n
    assert len({tuple(sorted(j)) for j in jobs}) == n


# ---- --help and --cfg -----------------------------------------------------------------------


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """``python -m frivilligsim ARGS`` in this process: (exit code, stdout, stderr)."""
    from frivilligsim.__main__ import main

    monkeypatch.setattr(sys, "argv", ["frivilligsim", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_help_and_cfg_job_show_the_composed_config(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "--help")
    assert code == 0, err
    assert "hydra/launcher: basic, joblib, slurm" in out
    assert "experiment:" in out and "policy_sweep" in out
    assert "replicate_start: 0" in out

    code, out, err = run_main(monkeypatch, capsys, "--cfg", "job")
    assert code == 0, err
    cfg = OmegaConf.create(out)
    assert cfg.replicate_start == 0 and cfg.sweep_id is None and cfg.seed == 2024
    assert "hydra" not in cfg

    code, out, err = run_main(monkeypatch, capsys, "--cfg", "job", "experiment=policy_sweep")
    assert code == 0, err
    cfg = OmegaConf.create(out)
    assert cfg.experiment_name == "policy_sweep" and cfg.policy.name == "mobilisation"

    code, out, err = run_main(monkeypatch, capsys, "--cfg", "hydra", "hydra/launcher=slurm")
    assert code == 0, err
    assert "SlurmLauncher" in out
    assert not (tmp_path / "outputs").exists()


def test_help_from_the_command_line(tmp_path):
    proc = cli("--help", cwd=tmp_path)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "hydra/launcher: basic, joblib, slurm" in stdout


# ---- bad command lines: one line, non-zero exit, nothing run ---------------------------------

BAD = [
    (["policy=nope"], "is not an option of config group 'policy'"),
    (["-m", "policy=cocreation,nope"], "policy=nope is not an option"),
    (["seed=abc"], "could not be converted to Integer"),
    (["-m", "seed=1,abc"], "could not be converted to Integer"),
    (["policy.order_intensity=7"], "out of range"),
    (
        ["-m", "policies.mobilisation.order_intensity=0.5,7"],
        "policies.mobilisation.order_intensity=7.0 is out of range",
    ),
    # settings that would change nothing are refused, saying what to write instead
    (
        ["policy.order_intensity=0.5"],
        "write policies.cocreation.order_intensity=0.5 or policies.mobilisation.order_intensity=0.5",
    ),
    (["policy=mobilisation"], "policy=mobilisation changes nothing"),
    (["-m", "policy=cocreation,mobilisation"], "add compare.policies=[] to run one policy per job"),
    (
        ["-m", "demography=MMMM,LHML", "compare.demographies=[MMMM,LHML]"],
        "add compare.demographies=[] to run one demography per job",
    ),
    (
        ["policies.as_planned.order_intensity=0.5"],
        "policies.as_planned.order_intensity=0.5 changes",
    ),
    (["demographies.LHML.tfr_2050=1.8"], "demographies.LHML.tfr_2050=1.8 changes nothing"),
    # a key the schema does not know, also when added with `+` (Hydra's own hint)
    (["+policy.order_intensty=0.5"], "did you mean policy.order_intensity?"),
    (["+model.motivaton_decay=0.5"], "did you mean model.motivation_decay?"),
    (["policies.mobilsation.order_intensity=0.5"], "did you mean policies.mobilisation?"),
    (["+brand_new_key=1"], "brand_new_key is not a config key"),
    (["-m", "hydra/launcher=nope"], "hydra/launcher=nope is not an option"),
    (["hydra/launcher=nope"], "choose one of: basic, joblib, slurm"),
    (["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=two"], "hydra.launcher.n_jobs"),
    (["-m", "replicate_start=0,-10"], "replicate_start=-10 is out of range"),
    (["-m", "sweep_id=../elsewhere"], "not a usable folder name"),
    (["-m", "sweep_id=a,b"], "cannot be swept"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_command_line_stops_with_one_line(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, *args, "experiment=smoke")
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("frivilligsim: error: ") and message in lines[0]
    assert "Traceback" not in out + err
    assert not (tmp_path / "outputs").exists()


def test_a_policy_override_of_the_projection_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ("experiment=projection", "policies.cocreation.order_intensity=0.3")
    code, out, err = run_main(monkeypatch, capsys, *args)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, err
    assert "changes nothing: task=projection runs the demography only" in lines[0]
    assert not (tmp_path / "outputs").exists()


def test_bad_command_lines_exit_non_zero_from_the_shell(tmp_path):
    cases = [
        ["-m", "policy=cocreation,nope", "experiment=smoke"],
        ["-m", "hydra/launcher=nope", "experiment=smoke"],
        ["+model.motivaton_decay=0.5"],
    ]
    procs = [(case, cli(*case, cwd=tmp_path)) for case in cases]
    for case, proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 2, case
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("frivilligsim: error: "), (case, stderr)
    assert not (tmp_path / "outputs").exists()


# ---- sweep ids and folders ------------------------------------------------------------------


def test_sweep_id_is_derived_from_what_the_sweep_is():
    sid = sweep.sweep_id(None, "smoke", ["seed=1,2", "policy=cocreation"], None)
    assert sid == sweep.sweep_id(None, "smoke", ["policy=cocreation", "seed=2,1"], None)
    # launcher choice, hydra settings, progress bars and site settings do not count
    same = ["seed=1,2", "policy=cocreation", "output.progress=false", "slurm.partition=x"]
    assert sid == sweep.sweep_id(None, "smoke", same, None)
    # other overrides, experiment or sweeper params do
    assert sid != sweep.sweep_id(None, "smoke", ["seed=1,2,3", "policy=cocreation"], None)
    assert sid != sweep.sweep_id(None, "other", ["seed=1,2", "policy=cocreation"], None)
    assert sid != sweep.sweep_id(
        None, "smoke", ["seed=1,2", "policy=cocreation"], {"policy.order_intensity": "0.1,0.2"}
    )
    assert sweep.sweep_id("my-sweep_1", "smoke", ["seed=1"], None) == "my-sweep_1"
    with pytest.raises(ConfigError):
        sweep.sweep_id("../x", "smoke", [], None)


def test_sweep_dir_of_a_composed_config_ignores_the_launcher():
    def sweep_dir(overrides):
        # hydra.overrides.task holds the command line's overrides, as in a launching process
        return str(hydra_compose(overrides).hydra.sweep.dir)

    a = sweep_dir(["experiment=smoke", "seed=1"])
    b = sweep_dir(["experiment=smoke", "seed=1", "hydra/launcher=joblib"])
    c = sweep_dir(["experiment=smoke", "seed=2"])
    d = sweep_dir(["experiment=smoke", "seed=1", "sweep_id=named"])
    assert a == b
    assert a != c
    assert a.startswith("outputs/multirun/smoke/")
    assert d == "outputs/multirun/smoke/named"


def test_job_dirname_is_one_safe_folder_name():
    assert sweep.job_dirname("a=1,b=2") == "a=1,b=2"
    assert sweep.job_dirname("") == "default"
    assert "/" not in sweep.job_dirname("region.population_csv=/data/x.csv,seed=1")
    long = ",".join(f"policy.key_{i}=0.{i}" for i in range(40))
    name = sweep.job_dirname(long)
    assert len(name.encode()) <= 200 and name != sweep.job_dirname(long + ",x=1")


def _identity(overrides, name="smoke"):
    core = sweep.identity_core(name, overrides, None)
    return {"sweep_id": sweep.derived_id(core), **core, "jobs": None}


def test_claim_sweep_dir_new_resume_and_refuse(tmp_path):
    folder = tmp_path / "s"
    mine = _identity(["seed=1,2"])
    assert sweep.claim_sweep_dir(folder, mine) == "new"
    assert json.loads((folder / "sweep.json").read_text())["overrides"] == ["seed=1,2"]
    assert sweep.claim_sweep_dir(folder, _identity(["seed=2,1"])) == "resume"
    with pytest.raises(OutputError, match="belongs to another sweep"):
        sweep.claim_sweep_dir(folder, _identity(["seed=1,2,3"]))
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "results.parquet").write_text("x")
    with pytest.raises(OutputError, match="no sweep.json"):
        sweep.claim_sweep_dir(foreign, mine)


def test_two_sweeps_claiming_one_folder_at_once_one_wins(tmp_path):
    folder = tmp_path / "race"
    outcomes = []
    barrier = threading.Barrier(8)

    def claim(i):
        barrier.wait()
        try:
            outcomes.append((i, sweep.claim_sweep_dir(folder, _identity([f"seed={i}"]))))
        except OutputError:
            outcomes.append((i, "refused"))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(state for _, state in outcomes).count("new") == 1
    assert sorted(state for _, state in outcomes).count("refused") == 7
    winner = next(i for i, state in outcomes if state == "new")
    assert json.loads((folder / "sweep.json").read_text())["overrides"] == [f"seed={winner}"]


# ---- finished runs --------------------------------------------------------------------------


def _fake_run(folder: Path, status="complete", config=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"year": [2024], "volunteers": [3]}).to_parquet(folder / "results.parquet")
    manifest = {"status": status, "config": config or {"seed": 1, "output": {"progress": True}}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_completed_run(tmp_path):
    config = {"seed": 1, "output": {"progress": True}, "sweep_id": None}
    run = _fake_run(tmp_path / "ok", config=config)
    assert sweep.completed_run(run) == (True, "")
    relaunch = {"seed": 1, "output": {"progress": False}, "sweep_id": "named", "slurm": {}}
    assert sweep.completed_run(run, relaunch)[0]
    assert not sweep.completed_run(run, {"seed": 2, "output": {"progress": True}})[0]
    assert sweep.completed_run(_fake_run(tmp_path / "r", "running")) == (False, "status running")
    assert not sweep.completed_run(_fake_run(tmp_path / "f", "failed"))[0]
    broken = _fake_run(tmp_path / "broken")
    (broken / "results.parquet").write_bytes(b"PAR1 not really")
    assert not sweep.completed_run(broken)[0]
    assert sweep.completed_run(tmp_path / "nothing") == (False, "no manifest")


def test_values_swept_by_an_experiment_file_are_checked_too(tmp_path, monkeypatch):
    import frivilligsim.scenario.config
    import frivilligsim.workflow.cli
    import frivilligsim.workflow.sweep

    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf)
    (conf / "experiment" / "bad_sweep.yaml").write_text(
        "# @package _global_\nexperiment_name: bad_sweep\n"
        "hydra:\n  sweeper:\n    params:\n      policy.order_intensity: 0.1,7\n"
    )
    monkeypatch.setattr(frivilligsim.scenario.config, "CONF_DIR", conf)
    monkeypatch.setattr(frivilligsim.workflow.cli, "CONF_DIR", conf)
    monkeypatch.setattr(frivilligsim.workflow.sweep, "CONF_DIR", conf)
    with pytest.raises(ConfigError) as info:
        sweep.check_command_line(["-m", "experiment=bad_sweep"])
    assert "policy.order_intensity=7.0 is out of range" in str(info.value)
    assert "hydra.sweeper.params" in str(info.value)
    # a command-line value list replaces the file's, and is what gets checked
    sweep.check_command_line(["-m", "experiment=bad_sweep", "policy.order_intensity=0.1,0.2"])


# ---- per-option overrides: policies.<name>.* and demographies.<name>.* --------------------------


def test_per_policy_overrides_reach_the_named_policy_wherever_it_runs():
    from frivilligsim.scenario.config import load_policy, option_for, validate

    run = validate(load_config(["experiment=smoke", "policies.mobilisation.order_intensity=0.5"]))
    assert option_for(run, "policy", "mobilisation").order_intensity == 0.5
    assert option_for(run, "policy", "cocreation") == load_policy("cocreation")
    # the run's own policy edited with policy.*: still works when it is among those compared
    own = validate(
        load_config(["experiment=smoke", "policy=mobilisation", "policy.order_intensity=0.4"])
    )
    assert option_for(own, "policy", "mobilisation").order_intensity == 0.4
    # as_planned reads the mobilisation preset for municipalities whose plans mobilise
    planned = validate(load_config(["policies.mobilisation.decline_penalty=0.3"]))
    assert planned.policy.name == "as_planned"
    assert option_for(planned, "policy", "mobilisation").decline_penalty == 0.3


def test_a_single_override_string_and_an_unknown_plus_key_in_load_config():
    assert load_config("experiment=smoke").experiment_name == "smoke"
    with pytest.raises(ConfigError, match="did you mean policy.order_intensity"):
        load_config(["experiment=smoke", "+policy.order_intensty=0.5"])
