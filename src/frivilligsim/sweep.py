"""Sweep directories: a name derived from the sweep's overrides, so a re-launch resumes it.

Owns the ``sweep_id`` resolver used by ``hydra.sweep.dir``.
"""

from __future__ import annotations

import hashlib
import sys


def sweep_id() -> str:
    """A short id from the command line's overrides: the same sweep gets the same folder."""
    args = sorted(
        a for a in sys.argv[1:] if not a.startswith("-") and not a.startswith("hydra/launcher")
    )
    digest = hashlib.blake2b("\0".join(args).encode(), digest_size=4).hexdigest()
    return digest
