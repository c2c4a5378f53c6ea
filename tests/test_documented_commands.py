"""Every command in README.md and docs/*.md runs, and every override it shows changes the output.

Commands are read from the documents themselves: ``python -m frivilligsim ...`` lines of fenced
code blocks and inline code spans, and ``frivilligsim.run(...)`` examples. Each runs in this
process in a cheap variant: a reduced region and horizon, no figures or report, launchers
replaced by the basic one, at most two values per swept key, small task budgets (CHEAP and
CAPS below say exactly what is changed). A documented command that no longer runs, or an
override that no longer changes anything, fails here.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

import frivilligsim
from frivilligsim.errors import ConfigError
from frivilligsim.scenario.config import load_config
from frivilligsim.workflow import collect

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FIXTURES = ROOT / "tests" / "fixtures" / "ssb"
pytestmark = pytest.mark.filterwarnings(
    r"ignore:\s*'hydra/launcher/joblib' is validated:UserWarning"
)

COMMAND = re.compile(r"(?:^|\s)(?:\S*/)?python -m (frivilligsim[\w.]*)(.*)")
RUN_CALL = re.compile(r"frivilligsim\.run\((.*?)\)")

# Added to every run unless the command sets the key itself.
CHEAP = {
    "region.max_municipalities": "2",
    "end_year": "2026",
    "output.figures": "false",
    "output.report": "false",
    "output.progress": "false",
    "replicates": "1",
}
# Per task experiment: what keeps it to seconds (calibration needs its window to 2027).
CHEAP_TASK = {
    "calibrate": {
        "end_year": "2027",
        "calibration.max_evaluations": "3",
        "calibration.fit_seeds": "1",
        "calibration.check_seeds": "1",
    },
    "validate": {"replicates": "1"},
    "ensemble": {
        "end_year": "2027",
        "ensemble.parameters": "[recruit_base_adult,dropout_base]",
        "ensemble.population": "4",
        "ensemble.generations": "1",
        "ensemble.fit_seeds": "1",
        "ensemble.seeds": "1",
        "ensemble.municipalities": "2",
        "ensemble.policies": "[as_planned,cocreation]",
    },
    "ensemble_quick": {
        "end_year": "2027",
        "ensemble.population": "4",
        "ensemble.generations": "1",
        "ensemble.fit_seeds": "1",
        "ensemble.seeds": "1",
        "ensemble.municipalities": "2",
        "ensemble.policies": "[as_planned,cocreation]",
    },
    "decomposition": {"replicates": "1"},
    "projection": {},
    "sensitivity": {
        "sensitivity.municipalities": "2",
        "sensitivity.parameters": "[leader_admin_share,recruit_hours_share]",
        "sensitivity.trajectories": "1",
        "sensitivity.sobol_top": "2",
        "sensitivity.sobol_samples": "4",
    },
}
# Documented values replaced by cheap ones (the key stays, so the command's shape stays).
CAPS = {
    "replicates": lambda v: str(min(int(v), 2)),
    "sensitivity.sobol_samples": lambda v: "4",
    "sensitivity.n_chunks": lambda v: "2",
    "calibration.write_defaults": lambda v: "false",  # must not rewrite conf/model/default.yaml
    # pyabc forks its workers, which cannot start inside this pytest process; workers > 1 runs
    # as its own command in tests/test_ensemble.py
    "ensemble.workers": lambda v: "1",
    "ensemble.n_chunks": lambda v: "2",  # the sweep over ensemble.chunk is cut to two jobs
    "region.population_csv": lambda v: str(FIXTURES / "07459_long_utf8bom.csv"),
    "region.centrality_csv": lambda v: str(FIXTURES / "klass128_column.csv"),
}
# Keys that say where or how a run goes, not what it computes.
NOT_RESULTS = ("experiment", "output.", "sweep_id", "hydra", "calibration.", "sensitivity.")


@dataclass
class Command:
    where: str  # document:line
    module: str  # frivilligsim, frivilligsim.collect, ...
    args: list[str]
    error: str | None = None  # the documented error line printed below a `$ ` command


def _command_lines(text: str) -> list[tuple[int, str, bool]]:
    """(line number, text, in a fenced block) of every line that may hold a command; fenced
    lines ending in a backslash are joined with the next."""
    out, fenced, pending = [], False, None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            if pending is not None:
                pending = (pending[0], pending[1] + " " + line.strip(), True)
            else:
                pending = (number, line.strip(), True)
            if not pending[1].endswith("\\"):
                out.append(pending)
                pending = None
            else:
                pending = (pending[0], pending[1][:-1], True)
        else:
            out += [(number, span, False) for span in re.findall(r"`([^`]+)`", line)]
    return out


def documented_commands() -> list[Command]:
    found: list[Command] = []
    for doc in DOCUMENTS:
        lines = doc.read_text(encoding="utf-8").splitlines()
        for number, line, fenced in _command_lines("\n".join(lines)):
            match = COMMAND.search(line)
            if match is None or (
                not fenced and not line.lstrip("$ ").startswith(("python", ".venv", "nohup"))
            ):
                continue
            body = match.group(2).split(" #")[0]
            body = body.replace("<sweep id>", "<sweep_id>").replace("<sweep dir>", "<sweep_dir>")
            args = []
            for token in shlex.split(body):
                if token.startswith((">", "2>", "&")):
                    break
                if token != "...":
                    args.append(token)
            if match.group(1) == "frivilligsim.collect" and not args:
                continue  # the module named in prose, not a command
            error = None
            if fenced and line.startswith("$ ") and number < len(lines):
                after = lines[number]
                error = after if after.startswith("frivilligsim: error:") else None
            found.append(Command(f"{doc.name}:{number}", match.group(1), args, error))
    return found


def documented_run_calls() -> list[tuple[str, list, dict]]:
    calls = []
    for doc in DOCUMENTS:
        text = doc.read_text(encoding="utf-8")
        for match in RUN_CALL.finditer(text):
            line_no = text.count("\n", 0, match.start()) + 1
            node = ast.parse(f"f({match.group(1)})", mode="eval").body
            args = [ast.literal_eval(a) for a in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            overrides = [o for o in (args[0] if args else []) if o is not Ellipsis]
            calls.append((f"{doc.name}:{line_no}", overrides, kwargs))
    return calls


COMMANDS = documented_commands()
# each distinct command once, in document order (a later collect reads the sweep before it)
DISTINCT = list({(c.module, tuple(c.args), c.error): c for c in COMMANDS}.values())
RUN_CALLS = documented_run_calls()


# ---- cheap variants ---------------------------------------------------------------------------


def _key(arg: str) -> str:
    return arg.lstrip("+~").partition("=")[0]


def _values(arg: str) -> list[str]:
    item = OverridesParser.create().parse_override(arg)
    if item.is_sweep_override():
        return [str(v) for v in item.sweep_string_iterator()]
    return [item.get_value_element_as_str()]


def cheap_overrides(args: list[str], shared: Path) -> list[str]:
    """The command's overrides made cheap (module docstring); flags like --cfg kept."""
    out = []
    for arg in args:
        arg = arg.replace("$D", str(shared))
        key = _key(arg)
        if arg.startswith("-") or "=" not in arg:
            out.append(arg)
        elif key == "hydra/launcher":
            out.append("hydra/launcher=basic")
        elif key.startswith("hydra.launcher."):
            continue  # settings of the replaced launcher
        elif key in CAPS:
            out.append(f"{key}={CAPS[key](arg.partition('=')[2])}")
        else:
            values = _values(arg)
            out.append(f"{key}={','.join(values[:2])}" if len(values) > 2 else arg)
    given = {_key(a) for a in out}
    experiment = next((a.partition("=")[2] for a in out if _key(a) == "experiment"), None)
    extra = dict(CHEAP, **CHEAP_TASK.get(experiment, {}))
    # after the last override: Hydra reads overrides before flags such as `--cfg job`
    at = max((i + 1 for i, a in enumerate(out) if "=" in a and not a.startswith("-")), default=0)
    out[at:at] = [f"{k}={v}" for k, v in extra.items() if k not in given]
    if "-m" in out or "--multirun" in out:
        out += _cheap_sweeper_params(out)
    return out


def _cheap_sweeper_params(args: list[str]) -> list[str]:
    """An experiment's own swept values (hydra.sweeper.params), cut to two jobs."""
    from hydra import compose, initialize_config_dir

    from frivilligsim.scenario.config import CONF_DIR

    overrides = [a for a in args if not a.startswith("-")]
    given = {_key(a) for a in overrides}
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        first = [f"{_key(a)}={_values(a)[0]}" for a in overrides]
        cfg = compose("config", overrides=first, return_hydra_config=True)
    params = cfg.hydra.sweeper.params or {}
    out = []
    for i, (key, value) in enumerate(params.items()):
        if key not in given:
            values = _values(f"{key}={value}")
            out.append(f"{key}={','.join(values[: 2 if i == 0 else 1])}")
    return out


def run_module(module: str, args: list[str], monkeypatch, capsys) -> tuple[int, str]:
    """``python -m <module> <args>`` in this process: (exit code, stdout + stderr)."""
    monkeypatch.setattr(sys, "argv", [module, *args])
    code = 0
    try:
        if module == "frivilligsim":
            from frivilligsim.__main__ import main

            main()
        elif module == "frivilligsim.collect":
            code = collect.main(args)
        else:
            code = importlib.import_module(module).main(args) or 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def check_original(args: list[str]) -> str | None:
    """The command-line checks on the command as documented (launcher settings included);
    a problem, or None. Without SLURM, a slurm launcher must be refused for that reason only."""
    from frivilligsim.workflow import cli, sweep

    try:
        cli.check_command_line(args)
        sweep.check_command_line(args)
    except ConfigError as exc:
        if "needs SLURM's sbatch" in str(exc) and shutil.which("sbatch") is None:
            return None
        return str(exc)
    return None


def newest_sweep(cwd: Path, experiment: str | None) -> Path | None:
    root = cwd / "outputs" / "multirun"
    pattern = f"{experiment}/*/sweep.json" if experiment else "*/*/sweep.json"
    found = sorted(root.glob(pattern), key=lambda p: p.stat().st_mtime)
    return found[-1].parent if found else None


def fill_placeholders(args: list[str], cwd: Path) -> list[str]:
    out = []
    for arg in args:
        match = re.match(r"outputs/multirun/(\w+)/<sweep_id>", arg)
        if match or arg == "<sweep_dir>":
            sweep = newest_sweep(cwd, match.group(1) if match else None)
            assert sweep is not None, f"no sweep ran before `{arg}`"
            arg = str(sweep)
        run = re.fullmatch(r"outputs/(\w+)/<run>", arg)
        if run:  # the newest finished, unstaged run folder of that experiment
            found = sorted(
                (m for m in (cwd / "outputs" / run.group(1)).glob("*/manifest.json") if _whole(m)),
                key=lambda p: p.stat().st_mtime,
            )
            assert found, f"no {run.group(1)} run before `{arg}`"
            arg = str(found[-1].parent)
        out.append(arg)
    return out


def _whole(manifest: Path) -> bool:
    """A complete run that did all of its task in its own folder (not one stage of it)."""
    data = json.loads(manifest.read_text("utf-8"))
    config = data.get("config") or {}
    task = config.get(str(data.get("task") or config.get("task")))
    task = task if isinstance(task, dict) else {}
    return (
        data.get("status") == "complete"
        and task.get("stage", "all") == "all"
        and not task.get("dir")
    )


def cheap_report_args(args: list[str]) -> list[str]:
    """A report's documented --municipality replaced by one the cheap run has (it simulates
    the first municipalities of the region only)."""
    if "--municipality" not in args:
        return args
    folder = Path(args[0])
    if (folder / "results.parquet").is_file() and not (
        folder / "headline_uncertainty.csv"
    ).is_file():
        codes = pd.read_parquet(folder / "results.parquet", columns=["municipality"])
    else:
        codes = pd.read_csv(folder / "municipality_uncertainty.csv", dtype={"municipality": str})
    out = list(args)
    out[out.index("--municipality") + 1] = str(sorted(codes["municipality"].astype(str))[0])
    return out


# ---- the tests --------------------------------------------------------------------------------


def test_the_documents_hold_the_commands_this_test_expects():
    where = {c.where.split(":")[0] for c in COMMANDS}
    assert {"README.md", "sweeps.md", "calibration.md", "demography.md"} <= where
    assert any(c.module == "frivilligsim.collect" for c in COMMANDS)
    assert any(where.startswith("README.md") for where, _, _ in RUN_CALLS)
    assert len(COMMANDS) > 30


def _document(command) -> str:
    return command.where.split(":", 1)[0]


@pytest.mark.parametrize("document", sorted({_document(c) for c in COMMANDS}))
def test_every_documented_command_runs(document, tmp_path, monkeypatch, capsys):
    """Each document's commands in their order (one test per document, so they run in parallel)."""
    monkeypatch.chdir(tmp_path)
    shared = tmp_path / "shared"
    failures, ran = [], set()
    mine = [c for c in COMMANDS if _document(c) == document]
    for command in {(c.module, tuple(c.args), c.error): c for c in mine}.values():
        args = fill_placeholders(command.args, tmp_path)
        if command.module == "frivilligsim":
            problem = None if command.error else check_original(args)
            if problem:
                failures.append(f"{command.where}: `{' '.join(args)}`: {problem}")
            args = cheap_overrides(args, shared)
        elif command.module == "frivilligsim.report":
            args = cheap_report_args(args)
        # a cheap variant already run (the same sweep on another launcher) is not run again
        variant = (command.module, *(a for a in args if not a.startswith("hydra/launcher=")))
        if variant in ran:
            continue
        ran.add(variant)
        code, text = run_module(command.module, args, monkeypatch, capsys)
        if command.error is not None:  # a documented mistake: exit 2 and the documented line
            lines = [x for x in text.splitlines() if x.strip()]
            if code != 2 or lines != [command.error]:
                failures.append(f"{command.where}: expected `{command.error}`, got {code}: {text}")
        elif code != 0:
            tail = "\n".join(text.splitlines()[-5:])
            failures.append(f"{command.where}: `{' '.join(args)}` exit {code}:\n{tail}")
        elif "-m" in args and is_simulation(args):
            failures += jobs_that_match(newest_sweep(tmp_path, None), command.where)
    assert not failures, "\n".join(failures)


def is_simulation(args: list[str]) -> bool:
    experiment = next((a.partition("=")[2] for a in args if _key(a) == "experiment"), None)
    return experiment not in CHEAP_TASK and "--cfg" not in args and "--help" not in args


def jobs_that_match(sweep: Path | None, where: str) -> list[str]:
    """Every swept value changes the results: no two jobs of the sweep give the same table."""
    table = collect.collect(sweep).table
    by_job = {job: rows.drop(columns="job") for job, rows in table.groupby("job")}
    by_job = {
        job: rows[[c for c in rows if c in FIRST_RESULT_COLUMNS]] for job, rows in by_job.items()
    }
    seen, out = {}, []
    for job, rows in by_job.items():
        digest = pd.util.hash_pandas_object(rows.reset_index(drop=True)).sum()
        if digest in seen:
            out.append(f"{where}: jobs {seen[digest]} and {job} give the same results")
        seen[digest] = job
    return out


FIRST_RESULT_COLUMNS = (
    "year",
    "municipality",
    "volunteers",
    "volunteer_hours",
    "coverage",
    "mean_motivation",
    "orders_issued",
    "recruits",
    "dropouts",
    "residents",
)


def _without(args: list[str], drop: str) -> list[str]:
    return [a for a in args if a != drop]


def _differs(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return a.shape != b.shape or not a.reset_index(drop=True).equals(b.reset_index(drop=True))


def _same_config(a: list[str], b: list[str]) -> bool:
    """Whether two override lists compose the same config (one only restates a default)."""
    from omegaconf import OmegaConf

    from frivilligsim.scenario.config import load_config

    return OmegaConf.to_container(load_config(a), resolve=True) == OmegaConf.to_container(
        load_config(b), resolve=True
    )


def test_every_documented_override_changes_the_results(tmp_path):
    """Single runs: taking any one override away gives other results (run() on the same
    cheap variant as the command)."""
    shared = tmp_path / "shared"
    checked = 0
    for command in DISTINCT:
        args = command.args
        if command.module != "frivilligsim" or command.error or "-m" in args:
            continue
        if not is_simulation(args):
            continue
        for arg in args:
            key = _key(arg)
            if "=" not in arg or key.startswith(NOT_RESULTS) or key in CAPS and "csv" in key:
                continue
            if _same_config(
                cheap_overrides(args, shared), cheap_overrides(_without(args, arg), shared)
            ):
                continue  # an explicit default (demography=MMMM) changes no setting: no no-op
            with_it = frivilligsim.run(cheap_overrides(args, shared))
            without = frivilligsim.run(cheap_overrides(_without(args, arg), shared))
            assert _differs(with_it, without), f"{command.where}: {arg} changes nothing"
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("where,overrides,kwargs", RUN_CALLS, ids=[w for w, _, _ in RUN_CALLS])
def test_every_documented_run_example_runs_and_each_override_counts(where, overrides, kwargs):
    extra = [f"{k}={v}" for k, v in CHEAP.items() if k not in {_key(o) for o in overrides}]
    results = frivilligsim.run([*overrides, *extra], **kwargs)
    assert len(results) > 0
    for override in overrides:
        if _key(override).startswith(NOT_RESULTS):
            continue
        without = frivilligsim.run([*_without(overrides, override), *extra], **kwargs)
        assert _differs(results, without), f"{where}: {override} changes nothing"


def test_the_readme_example_changes_with_the_lever():
    """README's run() example: the lever it shows moves the results of the policy it names."""
    where, overrides, kwargs = next(c for c in RUN_CALLS if c[0].startswith("README.md"))
    lever = next(o for o in overrides if _key(o).endswith("order_intensity"))
    key = _key(lever)
    totals = {}
    for value in (0.0, 0.5, 1.0):
        chosen = [o for o in overrides if o != lever] + [f"{key}={value}"]
        results = frivilligsim.run([*chosen, "region.max_municipalities=2"], **kwargs)
        named = key.split(".")[1] if key.startswith("policies.") else None
        rows = results[results["policy"] == named] if named else results
        totals[value] = rows["orders_issued"].sum()
    assert totals[0.0] < totals[0.5] < totals[1.0], totals


def test_run_takes_one_override_string_and_refuses_what_changes_nothing():
    one = frivilligsim.run("experiment=smoke", seed=3)
    listed = frivilligsim.run(["experiment=smoke"], seed=3)
    pd.testing.assert_frame_equal(one, listed)
    with pytest.raises(ConfigError, match="write policies.cocreation.order_intensity=0.5"):
        frivilligsim.run(["experiment=smoke", "policy.order_intensity=0.5"])
    with pytest.raises(ConfigError, match="did you mean policy.order_intensity"):
        frivilligsim.run(["experiment=smoke", "+policy.order_intensty=0.5"])
    assert load_config("experiment=smoke").compare.policies == ["cocreation", "mobilisation"]
