"""The one error every reader raises: where the input is wrong, and how."""

from __future__ import annotations

from pathlib import Path


class BallotFileError(ValueError):
    """Bad input: names the file, the line or row (when known) and the problem.

    ``str(error)`` is the single line the CLI prints, e.g.
    ``ballots.blt:7: ballot weight 'x' is not a whole number``.
    """

    def __init__(self, path: str | Path | None, line: int | None, problem: str) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.problem = problem
        super().__init__(self.describe())

    def describe(self) -> str:
        """``file:line: problem`` with whatever parts are known."""
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.problem}"
