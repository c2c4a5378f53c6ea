"""One hierarchy of the project's own errors.

Every user mistake (a bad config value, a malformed data file, an output directory that cannot
be written) raises a subclass of :class:`FrivilligsimError` whose message names what, where and
what was expected. The command line prints that one message and exits non-zero; library users
catch the typed exception.
"""

from __future__ import annotations


class FrivilligsimError(Exception):
    """Base class of every error the project raises on purpose."""

    exit_code = 2


class ConfigError(FrivilligsimError):
    """A config key, type, range or combination is invalid."""


class DataFileError(FrivilligsimError):
    """A region or SSB data file is missing or malformed.

    Args:
        path: the file.
        problem: what is wrong and what was expected.
        line: 1-based line number in the file, when one line is at fault.
    """

    def __init__(self, path, problem: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


class InvariantError(FrivilligsimError):
    """A model invariant was violated inside an engine (a bug, not a user mistake)."""

    exit_code = 3


class OutputError(FrivilligsimError):
    """Results could not be written (permissions, disk full, a foreign sweep directory)."""
