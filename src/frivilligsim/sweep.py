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
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, ListConfig, OmegaConf

from .errors import ConfigError, FrivilligsimError, OutputError

log = logging.getLogger(__name__)

IDENTITY = "sweep.json"
RESULTS = "results.parquet"
MANIFEST = "manifest.json"

# Overrides that do not change what a sweep computes: where and how it runs, progress bars.
EXCLUDED_KEYS = ("sweep_id", "output.progress")
EXCLUDED_PREFIXES = ("hydra.", "hydra/", "slurm.")
# Config keys ignored when comparing a finished run's config with a re-launch's.
IGNORED_CONFIG_KEYS = ("sweep_id", "slurm", ("output", "progress"))

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
    from . import __version__
    from .results import now_iso

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


def job_dirs(sweep_dir: Path) -> list[Path]:
    """The job folders of a sweep: those holding Hydra's ``.hydra/overrides.yaml``."""
    sweep_dir = Path(sweep_dir)
    found = []
    for marker in sweep_dir.rglob(".hydra/overrides.yaml"):
        job = marker.parent.parent
        if ".submitit" not in job.relative_to(sweep_dir).parts:
            found.append(job)
    return sorted(found)


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

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """List every job that did not finish; exit 1 if any (so scripts and CI notice)."""
        from .collect import scan

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


# ---- finished runs --------------------------------------------------------------------------


def _without_ignored(config: Any) -> Any:
    config = json.loads(json.dumps(config, default=str))
    if not isinstance(config, dict):
        return config
    for key in IGNORED_CONFIG_KEYS:
        if isinstance(key, tuple):
            node = config
            for part in key[:-1]:
                node = node.get(part, {}) if isinstance(node, dict) else {}
            if isinstance(node, dict):
                node.pop(key[-1], None)
        else:
            config.pop(key, None)
    return config


def read_manifest(run_dir: Path) -> dict | None:
    try:
        data = json.loads((Path(run_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def results_readable(path: Path, full: bool = True) -> bool:
    """Whether a parquet file reads: the whole table, or (``full=False``) its footer only."""
    try:
        import pyarrow.parquet as pq

        if full:
            pq.read_table(path)
        else:
            pq.ParquetFile(path).metadata  # noqa: B018 - reading the footer is the check
        return True
    except Exception:
        return False


def completed_run(
    run_dir: Path, resolved: dict | None = None, full_read: bool = True
) -> tuple[bool, str]:
    """(True, "") if ``run_dir`` holds a finished run (of config ``resolved``, when given).

    Finished: the manifest says ``complete`` and ``results.parquet`` reads (the whole table;
    only its footer with ``full_read=False``, for quick scans of many jobs). Otherwise (False,
    why): no manifest, still running or killed, failed, unreadable results, another config.
    """
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    if manifest is None:
        return False, "no manifest"
    status = manifest.get("status")
    if status != "complete":
        return False, f"status {status}"
    if not results_readable(run_dir / RESULTS, full=full_read):
        return False, f"{RESULTS} missing or unreadable"
    if resolved is not None and "config" in manifest:
        if _without_ignored(manifest["config"]) != _without_ignored(resolved):
            return False, "finished with another config"
    return True, ""


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

    from .cli import overrides_from_argv

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

    from .cli import check_command_line as check_values
    from .config import CONF_DIR, register_schemas

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

    from .config import CONF_DIR, register_schemas

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
    "register_resolvers",
    "sweep_id",
]
