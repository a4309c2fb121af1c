"""The one error a malformed rulebook raises: ``file: key: problem`` on one line."""

from __future__ import annotations

from pathlib import Path

from selectorate.formats.errors import one_line


class RulebookError(Exception):
    """A rulebook that cannot be used, described in one line: ``file: key: problem``.

    ``path`` is the file at fault (as the loader found it: the folder the
    caller named, joined with the file's name); ``key`` is the dotted key
    inside that file (``vacancy.rate``, ``amendments[2].key``, or
    ``line 7`` for a TOML syntax error; list positions count from 1, as a
    reader counts entries in the file); ``problem`` says what is wrong.
    """

    def __init__(self, path: str | Path, key: str, problem: str) -> None:
        self.path = str(path)
        self.key = key
        self.problem = " ".join(problem.split())
        super().__init__(self.describe())

    def describe(self) -> str:
        """The one-line message ``file: key: problem`` (line breaks in a key are escaped)."""
        return one_line(f"{self.path}: {self.key}: {self.problem}")

    def __str__(self) -> str:
        return self.describe()


class UnknownRulebookError(RulebookError):
    """A rulebook name that names no shipped rulebook and no folder."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = list(known)
        listing = ", ".join(known) if known else "none"
        super().__init__(
            name, "rulebook", f"no rulebook called {name!r}; known rulebooks: {listing}"
        )
