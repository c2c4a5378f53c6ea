"""Where each parameter value comes from, read from the comments of the config files.

Every value line in ``conf/model``, ``conf/policy`` and ``conf/demography`` ends with a comment
naming its source: a report line (``L1084``), an external statistic, or ``assumption``. This
module reads those comments so the manifest and the report can list them next to the values.
Must not: parse YAML values (OmegaConf does that); it only pairs keys with comments.
"""

from __future__ import annotations

import re
from pathlib import Path

_LINE = re.compile(
    r"^(?P<indent>\s*)(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*:\s*(?P<value>[^#]*?)\s*#\s*(?P<source>.+)$"
)


def read_sources(path: Path) -> dict[str, str]:
    """Map each top-level key of a YAML file to the comment on its line."""
    sources: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        if match and not match.group("indent") and match.group("value"):
            sources[match.group("key")] = match.group("source").strip()
    return sources


def provenance_rows(conf_dir: Path, chosen: dict[str, str], values: dict[str, dict]) -> list[dict]:
    """Rows of (group, name, value, source) for the chosen option of each group."""
    rows = []
    for group, option in chosen.items():
        path = Path(conf_dir) / group / f"{option}.yaml"
        if not path.exists():
            continue
        sources = read_sources(path)
        for name, value in values.get(group, {}).items():
            if isinstance(value, (dict, list)):
                continue
            rows.append(
                {"group": group, "name": name, "value": value, "source": sources.get(name, "")}
            )
    return rows
