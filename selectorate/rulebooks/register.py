"""Reading a membership register (CSV) for an eligibility check.

One person per row; the first row names the columns (any order, each once).
Rows are numbered as a spreadsheet numbers them: the header is row 1, the
first person row 2.

======================== ======== ==============================================
column                   required meaning
======================== ======== ==============================================
member_id                yes      unique id (membership number)
name                     yes      the person's name
category                 yes      ``member``, ``affiliated_supporter`` or
                                  ``registered_supporter``
status                   yes      ``active``, ``lapsed``, ``suspended``,
                                  ``expelled`` or ``resigned``
joined                   yes      YYYY-MM-DD: start of the *current* continuous
                                  membership (an affiliated supporter: of the
                                  affiliated union or society); may be empty
                                  for a registered supporter
paid_up_to               no       YYYY-MM-DD: subscription paid up to (members)
supporter_registered_on  no       YYYY-MM-DD: signed up as an affiliated or
                                  registered supporter
fee_paid                 no       registered-supporter fee paid, in pounds:
                                  ``25``, ``£25``, ``3.00``; a member who
                                  also paid it is checked on both routes
fee_paid_on              no       YYYY-MM-DD: when the fee was paid
======================== ======== ==============================================

Empty cells mean "not recorded". Every problem raises
:class:`~selectorate.rulebooks.errors.RulebookError` naming the file, the row
and the column (``register.csv: row 7, column 'joined': '2016-13-01' is not a
date (YYYY-MM-DD)``); the whole file is read and checked before anything is
returned, so a bad register never yields a partial list.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from fractions import Fraction
from pathlib import Path

from selectorate.procedures.eligibility import CATEGORIES, STATUSES, Registrant, parse_money
from selectorate.rulebooks.errors import RulebookError

__all__ = ["COLUMNS", "REQUIRED_COLUMNS", "read_register"]

#: Every column a register may have, in the documented order.
COLUMNS = (
    "member_id",
    "name",
    "category",
    "status",
    "joined",
    "paid_up_to",
    "supporter_registered_on",
    "fee_paid",
    "fee_paid_on",
)
#: The columns a register must have.
REQUIRED_COLUMNS = ("member_id", "name", "category", "status", "joined")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_COLUMNS = ("joined", "paid_up_to", "supporter_registered_on", "fee_paid_on")


def _error(path: Path, row: int, column: str | None, problem: str) -> RulebookError:
    key = f"row {row}" if column is None else f"row {row}, column {column!r}"
    return RulebookError(path, key, problem)


def _date(path: Path, row: int, column: str, text: str) -> date | None:
    if not text:
        return None
    if not _DATE.match(text):
        raise _error(path, row, column, f"{text!r} is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _error(path, row, column, f"{text!r} is not a date (YYYY-MM-DD)") from None


def _choice(path: Path, row: int, column: str, text: str, allowed: tuple[str, ...]) -> str:
    if text not in allowed:
        shown = repr(text) if text else "an empty cell"
        raise _error(path, row, column, f"{shown} is not one of {', '.join(allowed)}")
    return text


def read_register(path: str | Path) -> list[Registrant]:
    """Every person on the register at ``path``, in file order; RulebookError on any problem."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise RulebookError(path, "file", "no such file") from None
    except IsADirectoryError:
        raise RulebookError(path, "file", "is a folder, not a file") from None
    except OSError as exc:
        raise RulebookError(path, "file", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RulebookError(path, "file", f"not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise RulebookError(path, "file", f"not a CSV file ({exc})") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise _error(path, 1, None, "no header row naming the columns")
    header = [cell.strip() for cell in rows[0]]
    for i, name in enumerate(header):
        if name not in COLUMNS:
            raise _error(
                path, 1, name or f"#{i + 1}",
                f"unknown column; the columns are {', '.join(COLUMNS)}",
            )  # fmt: skip
        if header.index(name) != i:
            raise _error(path, 1, name, "column named twice")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise _error(path, 1, None, f"missing column(s): {', '.join(missing)}")

    people: list[Registrant] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) != len(header):
            raise _error(
                path, number, None,
                f"{len(cells)} cells where the header has {len(header)} columns",
            )  # fmt: skip
        cell = {name: value.strip() for name, value in zip(header, cells, strict=True)}
        member_id = cell["member_id"]
        if not member_id:
            raise _error(path, number, "member_id", "empty: every row needs a member id")
        if member_id in seen:
            raise _error(
                path, number, "member_id", f"{member_id!r} is already on row {seen[member_id]}"
            )
        seen[member_id] = number
        if not cell["name"]:
            raise _error(path, number, "name", "empty: every row needs a name")
        category = _choice(path, number, "category", cell["category"], CATEGORIES)
        status = _choice(path, number, "status", cell["status"], STATUSES)
        dates = {c: _date(path, number, c, cell.get(c, "")) for c in _DATE_COLUMNS}
        fee: Fraction | None = None
        if cell.get("fee_paid", ""):
            try:
                fee = parse_money(cell["fee_paid"])
            except ValueError as exc:
                raise _error(path, number, "fee_paid", str(exc)) from None
        people.append(
            Registrant(
                member_id=member_id,
                name=cell["name"],
                category=category,
                status=status,
                joined=dates["joined"],
                paid_up_to=dates["paid_up_to"],
                supporter_registered_on=dates["supporter_registered_on"],
                fee_paid=fee,
                fee_paid_on=dates["fee_paid_on"],
                row=number,
            )
        )
    return people
