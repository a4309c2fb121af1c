"""The one error every reader raises: where the input is wrong, and how."""

from __future__ import annotations

import re
from pathlib import Path

#: Characters that end a line (str.splitlines); escaped so the message stays one line.
_LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with every line break escaped (``\\n``, ``\\r``, ``\\x85``...)."""
    return _LINE_BREAKS.sub(lambda m: repr(m.group())[1:-1], text)


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
        """``file:line: problem`` with whatever parts are known, always on one line.

        A line break quoted from the input (a file name, a cell) is escaped.
        """
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return one_line(f"{where}: {self.problem}")
