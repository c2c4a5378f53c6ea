"""Numba's compiled code on disk, dropped when any engine source changed.

Owns: the check, on import of frivilligsim, that the compiled code numba keeps next to the
sources (``__pycache__/*.nbi`` and ``*.nbc`` of ``core/`` and ``engines/``) was compiled from
the sources as they are now.

Why: numba's cache checks only the file that holds each compiled function. ``fast._month``
inlines rules from ``core/rules.py``, ``core/rng.py`` and ``core/demography.py``; after an edit
to one of those (a ``git pull`` in a checkout), numba would still load the old machine code of
``fast.py`` and give the old results. So a digest of every source file of these packages is
kept beside the compiled code, and when it differs the compiled code is deleted (numba compiles
again on first use, about a minute). A process that finds a compiled file removed under it
compiles too (numba treats a missing file as no cache).

Must not: fail an import. A folder that cannot be written is left as it is. Compiled code that
``NUMBA_CACHE_DIR`` sends elsewhere is not checked.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("core", "engines")
STAMP = "frivilligsim_sources.sha256"


def sources_digest(package: Path = PACKAGE) -> str:
    """SHA-256 over every ``.py`` file under the source folders (path and bytes, in order)."""
    digest = hashlib.sha256()
    for folder in SOURCE_DIRS:
        for path in sorted((package / folder).rglob("*.py")):
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def drop_stale_compiled_code(package: Path = PACKAGE) -> int:
    """Delete the compiled code if the sources changed since it was compiled; how many files."""
    try:
        digest = sources_digest(package)
        stamp = package / SOURCE_DIRS[0] / "__pycache__" / STAMP
        if stamp.is_file() and stamp.read_text().strip() == digest:
            return 0
        removed = 0
        for folder in SOURCE_DIRS:
            for cache_dir in (package / folder).rglob("__pycache__"):
                for path in [*cache_dir.glob("*.nbi"), *cache_dir.glob("*.nbc")]:
                    path.unlink(missing_ok=True)
                    removed += 1
        stamp.parent.mkdir(parents=True, exist_ok=True)
        partial = stamp.with_name(f"{STAMP}.{os.getpid()}")
        partial.write_text(digest + "\n")
        partial.replace(stamp)  # atomic: a process reading it sees the old or the new digest
        return removed
    except OSError:
        return 0
