"""Sweep folders that never collide, and re-launches that resume: the multirun machinery.

Owns:

* the ``sweep_id`` resolver of ``hydra.sweep.dir``: a short id derived from what the sweep *is*
  (experiment name, task overrides and ``hydra.sweeper.params``; the launcher, ``hydra.*``
  settings, ``output.progress``, ``slurm.*`` and the value order of a sweep do not count), or
  the name given with ``sweep_id=<name>``;
* the ``job_dirname`` resolver of ``hydra.sweep.subdir`` (Hydra's override_dirname, made safe
  for a file system);
* the ``sweep.json`` identity file written in the sweep folder before any job starts
  (:class:`SweepIdentity`, a Hydra callback): the same sweep resumes, another sweep is refused;
* :func:`completed_run`: whether a job's run directory already holds a finished run, so that a
  re-launch skips it;
* :func:`check_command_line`: the command-line checks of the ``hydra/...`` groups and of the
  sweep keys (``sweep_id``, ``replicate_start``), one clear line each.

Must not: run simulations or read results beyond checking they can be read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, ListConfig, OmegaConf

from frivilligsim import __version__
from frivilligsim.errors import ConfigError, FrivilligsimError, OutputError
from frivilligsim.output.results import now_iso
from frivilligsim.scenario.config import CONF_DIR, register_schemas
from frivilligsim.workflow.cli import check_command_line as check_values
from frivilligsim.workflow.cli import overrides_from_argv
from frivilligsim.workflow.rundir import MANIFEST, completed_run, job_dirs, read_manifest

log = logging.getLogger(__name__)

IDENTITY = "sweep.json"

# Overrides that do not change what a sweep computes: where and how it runs, progress bars.
EXCLUDED_KEYS = ("sweep_id", "output.progress")
EXCLUDED_PREFIXES = ("hydra.", "hydra/", "slurm.")

SWEEP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MAX_DIRNAME = 200


# ---- ids and names --------------------------------------------------------------------------


def is_excluded(key: str) -> bool:
    """True for override keys that do not change what a sweep computes."""
    key = key.lstrip("+~")
    return key in EXCLUDED_KEYS or key == "hydra" or key.startswith(EXCLUDED_PREFIXES)


def _parser():
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create()


def _canonical(override) -> tuple[str, str]:
    """(key with its +/~ prefix, value) of a parsed override; sweep values sorted."""
    key = override.get_key_element()
    if override.is_sweep_override():
        try:
            values = sorted(str(v) for v in override.sweep_string_iterator())
            return key, ",".join(values)
        except Exception:  # interval sweeps and friends: keep them as written
            return key, str(override.input_line).partition("=")[2]
    return key, override.get_value_element_as_str()


def canonical_overrides(overrides: list[str] | None) -> list[str]:
    """The overrides that define a sweep, in a canonical form (sorted, excluded keys dropped)."""
    if not overrides:
        return []
    parsed = _parser().parse_overrides(overrides=[str(o) for o in overrides])
    out = [f"{k}={v}" for k, v in map(_canonical, parsed) if not is_excluded(k)]
    return sorted(out)


def canonical_params(params: dict | None) -> dict[str, str]:
    """``hydra.sweeper.params`` in a canonical form (keys sorted, sweep values sorted)."""
    if not params:
        return {}
    lines = canonical_overrides([f"{k}={v}" for k, v in params.items()])
    return dict(line.split("=", 1) for line in lines)


def _plain(value: Any) -> Any:
    if isinstance(value, DictConfig | ListConfig):
        return OmegaConf.to_container(value, resolve=True)
    return value


def identity_core(experiment_name: str, overrides, sweeper_params) -> dict:
    """What makes two sweeps the same sweep."""
    return {
        "experiment_name": str(experiment_name),
        "overrides": canonical_overrides(_plain(overrides)),
        "sweeper_params": canonical_params(_plain(sweeper_params)),
    }


def derived_id(core: dict) -> str:
    text = json.dumps(core, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=5).hexdigest()


def check_sweep_name(name: str) -> str:
    if not SWEEP_NAME.match(name):
        raise ConfigError(
            f"sweep_id={name} is not a usable folder name; use letters, digits, '.', '_' and '-' "
            "(at most 100, starting with a letter or digit)"
        )
    return name


def sweep_id(explicit=None, experiment_name="default", overrides=None, sweeper_params=None) -> str:
    """The folder name of a sweep: ``explicit`` if given, else an id derived from the sweep.

    Used as ``${sweep_id:${sweep_id},${experiment_name},${hydra.overrides.task},
    ${hydra.sweeper.params}}``; cached, so every job of the sweep sees the launching process's
    value (Hydra copies the resolver cache into each job's config).
    """
    if explicit not in (None, ""):
        return check_sweep_name(str(explicit))
    return derived_id(identity_core(experiment_name, overrides, sweeper_params))


def job_dirname(override_dirname: str | None) -> str:
    """A job's folder inside the sweep: Hydra's override_dirname, safe as one folder name."""
    name = str(override_dirname or "").replace(os.sep, "%2F")
    if not name:
        return "default"
    if len(name.encode()) > MAX_DIRNAME:
        digest = hashlib.blake2b(name.encode(), digest_size=6).hexdigest()
        name = name.encode()[: MAX_DIRNAME - 14].decode(errors="ignore") + "--" + digest
    return name


def register_resolvers() -> None:
    """The resolvers used by conf/config.yaml's hydra section (idempotent)."""
    if not OmegaConf.has_resolver("run_id"):
        import uuid

        OmegaConf.register_new_resolver("run_id", lambda: uuid.uuid4().hex[:6], use_cache=True)
    if not OmegaConf.has_resolver("sweep_id"):
        OmegaConf.register_new_resolver("sweep_id", sweep_id, use_cache=True)
    if not OmegaConf.has_resolver("job_dirname"):
        OmegaConf.register_new_resolver("job_dirname", job_dirname)


def quiet_hydra_warnings() -> None:
    """Silence Hydra's notice that conf/hydra/launcher/joblib.yaml is checked against the
    joblib plugin's schema of the same name: that check is wanted (typed launcher settings)."""
    warnings.filterwarnings(
        "ignore",
        message=r"\s*'hydra/launcher/joblib' is validated against ConfigStore schema",
        category=UserWarning,
    )


# Jobs unpickle the SweepIdentity callback (and so import this module) before they resolve
# their output folder: registering here makes the resolvers exist in every job process.
register_resolvers()
quiet_hydra_warnings()


# ---- the expected jobs of a sweep -----------------------------------------------------------


def expand_jobs(overrides: list[str], sweeper_params: dict | None) -> list[list[str]] | None:
    """Every job's overrides, as Hydra's basic sweeper makes them; None if it cannot be told."""
    try:
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

        lines = [f"{k}={v}" for k, v in (sweeper_params or {}).items()] + list(overrides)
        parsed = _parser().parse_overrides(overrides=lines)
        return BasicSweeper.split_arguments(parsed, None)[0]
    except Exception:
        return None


def job_key(overrides: list[str]) -> tuple[str, ...]:
    """A job's identity: its canonical overrides without the excluded keys."""
    return tuple(canonical_overrides(overrides))


# ---- sweep.json -----------------------------------------------------------------------------


def identity_of(config: DictConfig) -> dict:
    """The identity record of the sweep that ``config`` (the launching config) describes."""
    overrides = list(OmegaConf.to_container(config.hydra.overrides.task, resolve=False))
    params = _plain(OmegaConf.select(config, "hydra.sweeper.params", default=None))
    core = identity_core(config.experiment_name, overrides, params)
    sweeper = str(OmegaConf.select(config, "hydra.sweeper._target_", default="") or "")
    jobs = expand_jobs(overrides, params) if sweeper.endswith("BasicSweeper") else None
    return {
        "sweep_id": str(config.hydra.sweep.dir).rstrip("/").rsplit("/", 1)[-1],
        **core,
        "jobs": [sorted(job_key(job)) for job in jobs] if jobs is not None else None,
        "n_jobs": len(jobs) if jobs is not None else None,
        "created": now_iso(),
        "version": __version__,
        "command": ["python", "-m", "frivilligsim", *sys.argv[1:]],
    }


def same_sweep(a: dict, b: dict) -> bool:
    keys = ("experiment_name", "overrides", "sweeper_params")
    return all(a.get(k) == b.get(k) for k in keys)


def _describe(ident: dict) -> str:
    parts = [*ident.get("overrides", [])]
    parts += [f"{k}={v}" for k, v in (ident.get("sweeper_params") or {}).items()]
    return f"experiment {ident.get('experiment_name')}: {' '.join(parts) or '(no overrides)'}"


def claim_sweep_dir(sweep_dir: Path, ident: dict) -> str:
    """Write ``sweep.json`` in a new sweep folder, or accept the same sweep's folder.

    Returns "new" or "resume"; raises OutputError for a folder that belongs to another sweep
    or holds files but no identity. Creating the identity is atomic (a hard link), so two
    sweeps started at the same moment cannot both claim one folder.
    """
    sweep_dir = Path(sweep_dir)
    path = sweep_dir / IDENTITY
    others = (
        [p for p in sweep_dir.iterdir() if not p.name.startswith(f".{IDENTITY}.")]
        if sweep_dir.is_dir()
        else []
    )
    if not path.exists() and others:
        raise OutputError(
            f"{sweep_dir} holds files but no {IDENTITY}: it is not a frivilligsim sweep folder; "
            "choose another sweep_id=<name> or move it away"
        )
    try:
        sweep_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{IDENTITY}.", suffix=".tmp", dir=sweep_dir)
        tmp = Path(name)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(ident, indent=2, ensure_ascii=False) + "\n")
        tmp.chmod(0o644)
        try:
            os.link(tmp, path)  # atomic and exclusive: fails if the identity exists
            return "new"
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: exclusive create instead
            if _create_exclusive(path, tmp.read_bytes()):
                return "new"
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        other = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path} cannot be read ({exc}); move the folder away") from None
    if not same_sweep(other, ident):
        raise OutputError(
            f"{sweep_dir} belongs to another sweep ({_describe(other)}); this one is "
            f"{_describe(ident)}; choose another sweep_id=<name>"
        )
    return "resume"


def _create_exclusive(path: Path, data: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return True


class SweepIdentity(Callback):
    """Hydra callback: claim the sweep folder before any job starts (see ``claim_sweep_dir``)."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            sweep_dir = Path(str(config.hydra.sweep.dir))
            ident = identity_of(config)
            state = claim_sweep_dir(sweep_dir, ident)
        except FrivilligsimError as exc:
            print(f"frivilligsim: error: {exc}", file=sys.stderr)
            sys.exit(exc.exit_code)
        if state == "resume":
            done = sum(completed_run(job, full_read=False)[0] for job in job_dirs(sweep_dir))
            total = ident.get("n_jobs")
            of = f" of {total}" if total is not None else ""
            message = f"resuming sweep {sweep_dir}: {done}{of} jobs already complete"
        else:
            message = f"sweep {sweep_dir}: {ident.get('n_jobs') or '?'} jobs"
        log.info(message)

    def on_job_end(self, config: DictConfig, job_return: Any = None, **kwargs: Any) -> None:
        """One progress line per job of a sweep: ``3 of 54 jobs done`` and the job's label."""
        from hydra.types import RunMode

        if OmegaConf.select(config, "hydra.mode", default=None) != RunMode.MULTIRUN:
            return
        try:
            log.info(progress_line(Path(str(config.hydra.sweep.dir)), config))
        except Exception as exc:  # progress is a courtesy: never fail a job over it
            log.debug("no sweep progress line: %s", exc)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """List every job that did not finish; exit 1 if any (so scripts and CI notice)."""
        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            found = scan(sweep_dir, full_read=False)
        except FrivilligsimError as exc:  # pragma: no cover - the folder vanished
            print(f"frivilligsim: error: {exc}", file=sys.stderr)
            sys.exit(exc.exit_code)
        for job in found.problems:
            where = job.path if job.path is not None else " ".join(job.overrides)
            print(f"frivilligsim: {job.status}: {where}: {job.detail}", file=sys.stderr)
        total, done = len(found.jobs), len(found.complete)
        if found.problems:
            print(
                f"frivilligsim: error: {total - done} of {total} jobs of sweep {sweep_dir} did "
                "not finish (listed above); fix the cause and run the same command again: "
                "finished jobs are skipped",
                file=sys.stderr,
            )
            sys.exit(1)
        log.info(
            "sweep %s: all %d jobs complete; gather them with: python -m frivilligsim.collect %s",
            sweep_dir,
            total,
            sweep_dir,
        )


# ---- progress and labels of a sweep's jobs -------------------------------------------------


def _read_identity(sweep_dir: Path) -> dict:
    try:
        return json.loads((Path(sweep_dir) / IDENTITY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def job_label(overrides: list[str], sweep_dir: Path | None = None) -> str:
    """A job's label: its overrides of the keys whose value differs between the sweep's jobs
    (all its overrides if the sweep's job list is not known), e.g.
    ``policy.order_intensity=0.05 policy.decline_penalty=0.1``."""
    own = canonical_overrides(overrides)
    jobs = _read_identity(sweep_dir).get("jobs") if sweep_dir is not None else None
    if isinstance(jobs, list) and len(jobs) > 1:
        values: dict[str, set[str]] = {}
        for job in jobs:
            for line in job:
                key, _, value = line.partition("=")
                values.setdefault(key, set()).add(value)
        varying = [line for line in own if len(values.get(line.partition("=")[0], ())) > 1]
        own = varying or own
    return " ".join(own) or "(no overrides)"


def progress_line(sweep_dir: Path, config: DictConfig) -> str:
    """``sweep <dir>: 3 of 54 jobs done; #2 <label>: complete`` after a job of the sweep ends."""
    sweep_dir = Path(sweep_dir)
    overrides = [str(o) for o in OmegaConf.select(config, "hydra.overrides.task") or []]
    run_dir = Path(str(OmegaConf.select(config, "hydra.runtime.output_dir") or ""))
    done = sum(completed_run(job, full_read=False)[0] for job in job_dirs(sweep_dir))
    total = _read_identity(sweep_dir).get("n_jobs")
    state = "complete" if completed_run(run_dir, full_read=False)[0] else "not complete"
    number = OmegaConf.select(config, "hydra.job.num", default=None)
    which = f"#{number} " if number is not None else ""
    of = f" of {total}" if total else ""
    label = job_label(overrides, sweep_dir)
    return f"sweep {sweep_dir}: {done}{of} jobs done; {which}{label}: {state}"


# ---- the state of a sweep folder -----------------------------------------------------------


@dataclass
class Job:
    key: tuple[str, ...]  # canonical overrides (excluded keys dropped)
    overrides: list[str]
    path: Path | None = None
    status: str = "missing"  # complete | missing | not started | running | failed | unreadable
    detail: str = ""


@dataclass
class Collected:
    sweep_dir: Path
    jobs: list[Job]
    swept: list[str]
    table: pd.DataFrame | None = None
    output: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> list[Job]:
        return [j for j in self.jobs if j.status == "complete"]

    @property
    def problems(self) -> list[Job]:
        return [j for j in self.jobs if j.status != "complete"]


# ---- reading a sweep ------------------------------------------------------------------------


def _read_overrides(job_dir: Path) -> list[str] | None:
    path = job_dir / ".hydra" / "overrides.yaml"
    if path.is_file():
        from omegaconf import OmegaConf

        try:
            return [str(x) for x in OmegaConf.to_container(OmegaConf.load(path))]
        except Exception:
            pass
    manifest = read_manifest(job_dir) or {}
    hydra = manifest.get("hydra") or {}
    if isinstance(hydra.get("overrides"), list):
        return [str(x) for x in hydra["overrides"]]
    return None


def _expected(sweep_dir: Path) -> tuple[list[list[str]] | None, list[str], list[str]]:
    """(expected jobs' overrides or None, sweep overrides, notes) from sweep.json/multirun.yaml."""
    notes: list[str] = []
    identity = sweep_dir / IDENTITY
    if identity.is_file():
        try:
            data = json.loads(identity.read_text(encoding="utf-8"))
            params = data.get("sweeper_params") or {}
            overrides = list(data.get("overrides") or [])
            lines = overrides + [f"{k}={v}" for k, v in params.items()]
            jobs = data.get("jobs")
            return (jobs if isinstance(jobs, list) else None), lines, notes
        except (OSError, ValueError) as exc:
            notes.append(f"{identity} cannot be read ({exc}); using the job folders found")
    multirun = sweep_dir / "multirun.yaml"
    if multirun.is_file():
        from omegaconf import OmegaConf

        try:
            cfg = OmegaConf.load(multirun)
            overrides = [str(x) for x in OmegaConf.select(cfg, "hydra.overrides.task") or []]
            params = OmegaConf.select(cfg, "hydra.sweeper.params")
            params = OmegaConf.to_container(params) if params is not None else {}
            jobs = expand_jobs(overrides, params)
            lines = overrides + [f"{k}={v}" for k, v in params.items()]
            return jobs, lines, notes
        except Exception as exc:  # an unreadable multirun.yaml: fall back to the folders
            notes.append(f"{multirun} cannot be read ({exc}); using the job folders found")
    return None, [], notes


def _swept_keys(sweep_lines: list[str], jobs: list[Job]) -> list[str]:
    """Keys swept by the sweep's overrides or params, plus any key whose value varies."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    keys: list[str] = []
    try:
        for item in OverridesParser.create().parse_overrides(overrides=sweep_lines):
            key = item.get_key_element()
            if item.is_sweep_override() and not is_excluded(key) and key not in keys:
                keys.append(key)
    except Exception:
        pass
    values: dict[str, set[str]] = {}
    for job in jobs:
        for line in job.key:
            key, _, value = line.partition("=")
            values.setdefault(key, set()).add(value)
    for key, seen in values.items():
        if len(seen) > 1 and key not in keys:
            keys.append(key)
    return keys


def override_value(line: str) -> Any:
    """The typed value of one override ("a.b=0.3" -> 0.3)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        return OverridesParser.create().parse_override(line).value()
    except Exception:
        return line.partition("=")[2]


def scan(sweep_dir: Path, full_read: bool = True) -> Collected:
    """Every job of a sweep with its status (``full_read=False``: results' footers only)."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise OutputError(
            f"{sweep_dir} is not a folder; give the sweep folder (it holds sweep.json)"
        )
    expected, sweep_lines, notes = _expected(sweep_dir)
    found: dict[tuple[str, ...], Path] = {}
    unnamed: list[Path] = []
    for path in job_dirs(sweep_dir):
        overrides = _read_overrides(path)
        if overrides is None:
            unnamed.append(path)
            continue
        found[job_key(overrides)] = path
    if (sweep_dir / MANIFEST).is_file() and not (sweep_dir / ".hydra").is_dir():
        notes.append(f"{sweep_dir} holds a single run, not a sweep")
    jobs: list[Job] = []
    if expected is not None:
        for overrides in expected:
            key = job_key(overrides)
            jobs.append(Job(key, list(overrides), found.pop(key, None)))
        for path in sorted(found.values(), key=str):
            notes.append(f"{path.name}: not a job of this sweep's overrides; left out")
    else:
        jobs = [Job(key, list(key), path) for key, path in sorted(found.items())]
    for path in unnamed:
        notes.append(f"{path}: no overrides recorded; left out")
    for job in jobs:
        _status(job, full_read)
    swept = _swept_keys(sweep_lines, jobs)
    return Collected(sweep_dir, jobs, swept, notes=notes)


def _status(job: Job, full_read: bool = True) -> None:
    if job.path is None:
        job.status, job.detail = "missing", "no job folder (never launched)"
        return
    done, why = completed_run(job.path, full_read=full_read)
    if done:
        job.status = "complete"
        return
    manifest = read_manifest(job.path)
    if manifest is None:
        job.status, job.detail = "not started", "no manifest.json"
    elif manifest.get("status") == "failed":
        job.status, job.detail = "failed", str(manifest.get("error") or "failed")
    elif manifest.get("status") == "running":
        job.status, job.detail = "running", "manifest says running: still running, or killed"
    elif manifest.get("status") == "complete":
        job.status, job.detail = "unreadable", why
    else:
        job.status, job.detail = "unknown", why


# ---- command-line checks --------------------------------------------------------------------


def _values(item) -> list[str]:
    if item.is_sweep_override():
        try:
            return [str(v) for v in item.sweep_string_iterator()]
        except Exception:
            return [str(item.input_line).partition("=")[2]]
    return [item.get_value_element_as_str()]


def check_command_line(argv: list[str]) -> None:
    """Checks cli.check_command_line leaves to this module, one clear line each.

    ``hydra/<group>=<option>`` must name an option (e.g. hydra/launcher=joblib|slurm), hydra
    settings must compose (types), ``sweep_id`` must be one safe folder name, ``replicate_start``
    must be 0 or more, and ``hydra/launcher=slurm`` with -m needs SLURM's ``sbatch``.
    """
    from hydra.errors import HydraException

    parsed = overrides_from_argv(argv)
    if parsed is None:
        return
    overrides, multirun = parsed
    try:
        items = _parser().parse_overrides(overrides=overrides)
    except HydraException:
        return  # cli.check_command_line reports unreadable overrides
    hydra_items = [i for i in items if i.key_or_group.startswith("hydra")]
    for item in items:
        key = item.key_or_group
        if key == "sweep_id":
            if item.is_sweep_override():
                raise ConfigError("sweep_id names one folder; it cannot be swept")
            value = item.get_value_element_as_str()
            if value not in ("null", ""):
                check_sweep_name(value)
        elif key == "replicate_start":
            for value in _values(item):
                if value.lstrip("-").isdigit() and int(value) < 0:
                    raise ConfigError(
                        f"replicate_start={value} is out of range; expected 0 or more"
                    )
    if hydra_items:
        _check_hydra_overrides(items, hydra_items)
    launcher = {v for i in hydra_items if i.key_or_group == "hydra/launcher" for v in _values(i)}
    if multirun and "slurm" in launcher and shutil.which("sbatch") is None:
        raise ConfigError(
            "hydra/launcher=slurm needs SLURM's sbatch on PATH (run on a cluster login node); "
            "for local parallel runs use hydra/launcher=joblib"
        )
    if multirun:
        _check_sweeper_params(items, overrides)


def _check_sweeper_params(items, overrides: list[str]) -> None:
    """Check every value an experiment file sweeps (``hydra.sweeper.params``), as if each
    had been given on the command line (cli.check_command_line checks each swept value)."""
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    register_schemas()
    first = [f"{i.get_key_element()}={_values(i)[0]}" for i in items]
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose(config_name="config", overrides=first, return_hydra_config=True)
        params = OmegaConf.select(cfg, "hydra.sweeper.params", default=None)
    except (HydraException, OmegaConfBaseException, ValueError):
        return  # composing is checked (and reported) by cli.check_command_line
    if not params:
        return
    given = {i.get_key_element().lstrip("+~") for i in items}
    extra = [f"{k}={v}" for k, v in params.items() if str(k) not in given]
    if not extra:
        return
    try:
        check_values(["-m", *overrides, *extra])
    except ConfigError as exc:
        raise ConfigError(f"{exc} (a value of hydra.sweeper.params in the experiment)") from None


def _check_hydra_overrides(items, hydra_items) -> None:
    """Compose with the hydra config (first values, then each swept value) to check it."""
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException, MissingConfigException
    from omegaconf.errors import OmegaConfBaseException

    register_schemas()
    fixed = [
        f"{i.get_key_element()}={_values(i)[0]}"
        for i in items
        if not i.key_or_group.startswith("hydra")
    ]
    choices = [None] + [(i, v) for i in hydra_items if i.is_sweep_override() for v in _values(i)]
    for choice in choices:
        chosen = list(fixed)
        for item in hydra_items:
            value = choice[1] if choice and choice[0] is item else _values(item)[0]
            chosen.append(f"{item.get_key_element()}={value}")
        try:
            with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
                compose(config_name="config", overrides=chosen, return_hydra_config=True)
        except MissingConfigException as exc:
            missing = str(getattr(exc, "missing_cfg_file", "") or "")
            group, _, option = missing.rpartition("/")
            options = sorted(set(getattr(exc, "options", None) or []))
            choose = f"; choose one of: {', '.join(options)}" if options else ""
            if not group:
                raise ConfigError(_one_line(exc)) from None
            raise ConfigError(
                f"{group}={option} is not an option of config group '{group}'{choose}"
            ) from None
        except (HydraException, OmegaConfBaseException, ValueError) as exc:
            raise ConfigError(_one_line(exc)) from None


def _one_line(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    text = lines[0] if lines else type(cause).__name__
    key = getattr(cause, "full_key", None)
    return f"{key}: {text}" if key else text


__all__ = [
    "IDENTITY",
    "SweepIdentity",
    "canonical_overrides",
    "check_command_line",
    "claim_sweep_dir",
    "completed_run",
    "expand_jobs",
    "identity_of",
    "job_dirs",
    "job_dirname",
    "job_key",
    "job_label",
    "progress_line",
    "register_resolvers",
    "sweep_id",
]
