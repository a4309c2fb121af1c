"""Importing a membership register (CSV) into an organisation: check first, then save.

The file is read by :func:`selectorate.rulebooks.register.read_register`, so it
is checked exactly as ``selectorate`` checks a register on the command line
(every row, each problem named by row and column), and nothing is saved when a
row is wrong. Two optional columns that only the service needs are taken off
before that check: ``email`` (where credentials are mailed) and ``unit`` (the
name of a branch or affiliate of the organisation).

How a register row becomes a :class:`~.models.Member` (see :mod:`.electorate`
for the way back):

* status ``expelled`` is stored as ``suspended`` and ``resigned`` as ``lapsed``
  (the service keeps three statuses; all of these are ineligible);
* an ``affiliated_supporter`` needs a ``unit`` naming one of the organisation's
  affiliates, or the row is not imported;
* a ``registered_supporter`` is stored with its registration date (or fee
  date) as the join date; a row with no usable date is not imported.

The whole file is refused, naming the row and column, for what the database
could not store as given: a NUL character or a lone surrogate anywhere, a cell
longer than its field (``member_id`` 40, ``name`` 200, ``email`` 254 characters),
an ``email`` that is not an address, a row that fills only ``email``/``unit``, or
an extra column named twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from selectorate.procedures.eligibility import Registrant
from selectorate.rulebooks.errors import RulebookError
from selectorate.rulebooks.register import COLUMNS, REQUIRED_COLUMNS, read_register
from selectorate.web.elections import audit
from selectorate.web.elections.models import Member, Organisation, Unit

#: Columns the service reads besides the register's own.
EXTRA_COLUMNS = ("email", "unit")
_STATUS = {"expelled": "suspended", "resigned": "lapsed"}


@dataclass
class Row:
    """One importable person: the member's fields as they will be saved."""

    member_no: str
    fields: dict[str, object]


@dataclass
class Report:
    """What an import would do; ``problem`` set means the file is refused as a whole."""

    organisation: Organisation
    filename: str
    text: str
    digest: str
    problem: str = ""
    rows: list[Row] = field(default_factory=list)
    breakdown: list[tuple[str, str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        """People in the file (imported or not)."""
        return len(self.rows) + len(self.skipped)

    @property
    def importable(self) -> int:
        """People that saving would write."""
        return len(self.rows)


def digest(text: str) -> str:
    """sha256 of the register text, recorded in the audit log when it is saved."""
    # surrogatepass: a text with a lone surrogate (from JSON) gets a digest, then is refused
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _unstorable(text: str, filename: str) -> str:
    """Why the database cannot store ``text`` (NUL, lone surrogate), naming the line; or ""."""
    for k, ch in enumerate(text):
        if ch == "\x00" or "\ud800" <= ch <= "\udfff":
            line = text.count("\n", 0, k) + 1
            what = "a NUL character" if ch == "\x00" else f"a lone surrogate (U+{ord(ch):04X})"
            return f"{filename}: line {line}: {what}; save the file as plain UTF-8 text"
    return ""


def _split(text: str, filename: str) -> tuple[str, list[dict[str, str]]]:
    """The register's own columns as CSV text, and the extra columns of each person row."""
    text = text.removeprefix("\ufeff")  # a BOM (the API takes the text as sent)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RulebookError(filename, "file", f"not a CSV file ({exc})") from None
    if not rows:
        return text, []
    header = [c.strip() for c in rows[0]]
    keep = [i for i, name in enumerate(header) if name not in EXTRA_COLUMNS]
    extra = [i for i, name in enumerate(header) if name in EXTRA_COLUMNS]
    for i in extra:
        if header.index(header[i]) != i:
            raise RulebookError(filename, f"row 1, column {header[i]!r}", "column named twice")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    extras: list[dict[str, str]] = []
    for number, cells in enumerate(rows, start=1):
        if number > 1 and not any(c.strip() for c in cells):
            writer.writerow([])  # keep row numbers; read_register skips blank lines
            continue
        if len(cells) != len(header):
            raise RulebookError(
                filename, f"row {number}",
                f"{len(cells)} cells where the header has {len(header)} columns",
            )  # fmt: skip
        if number > 1 and not any(cells[i].strip() for i in keep):
            # read_register would skip this row and the extras of the rows below would
            # shift onto the wrong people (an email sent to someone else's credential).
            raise RulebookError(
                filename, f"row {number}", "only email/unit given: the register's cells are empty"
            )
        writer.writerow([cells[i] for i in keep])
        if number > 1:
            extras.append({header[i]: cells[i].strip() for i in extra})
    return out.getvalue(), extras


def _read(text: str, filename: str) -> tuple[list[Registrant], list[dict[str, str]]]:
    """The register's people and their extra cells; RulebookError naming ``filename``."""
    core, extras = _split(text, filename)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.csv"
        path.write_text(core, encoding="utf-8")
        try:
            people = read_register(path)
        except RulebookError as exc:
            raise RulebookError(filename, exc.key, exc.problem) from None
    return people, extras


#: Register column -> the Member field it is stored in (whose max_length bounds it).
_STORED = (("member_id", "member_no"), ("name", "name"), ("email", "email"))


def _field_problem(person: Registrant, extra: dict[str, str], filename: str) -> str:
    """Why ``person``'s row cannot be stored (too long, a bad email), or ""."""
    values = {"member_id": person.member_id, "name": person.name, "email": extra.get("email", "")}
    where = f"{filename}: row {person.row}"
    for column, field_name in _STORED:
        limit = Member._meta.get_field(field_name).max_length
        if limit is not None and len(values[column]) > limit:
            return f"{where}, column {column!r}: longer than {limit} characters"
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            return f"{where}, column 'email': {values['email']!r} is not an email address"
    return ""


def _member_fields(
    person: Registrant, extra: dict[str, str], units: dict[str, Unit]
) -> tuple[dict[str, object] | None, str]:
    """The Member fields for one register row, or None and the reason it is not imported."""
    where = f"row {person.row} ({person.member_id})"
    unit = None
    unit_name = extra.get("unit", "")
    if unit_name:
        unit = units.get(unit_name)
        if unit is None:
            return None, f"{where}: unit {unit_name!r} is not a unit of this organisation"
    joined: date | None = person.joined
    supporter = person.category == "registered_supporter"
    if person.category == "affiliated_supporter":
        if unit is None or unit.kind != Unit.AFFILIATE:
            return None, f"{where}: an affiliated supporter needs a 'unit' naming an affiliate"
        joined = person.supporter_registered_on or person.joined
    elif supporter:
        joined = person.supporter_registered_on or person.fee_paid_on or person.joined
    if joined is None:
        return None, f"{where}: no join or registration date"
    return {
        "name": person.name,
        "email": extra.get("email", ""),
        "joined": joined,
        "status": _STATUS.get(person.status, person.status),
        "paid_up_to": person.paid_up_to,
        "unit": unit,
        "registered_supporter": supporter,
    }, ""


def check(organisation: Organisation, filename: str, text: str) -> Report:
    """Check a register for ``organisation`` and say what saving it would do; saves nothing."""
    report = Report(organisation, filename, text, digest(text))
    report.problem = _unstorable(text, filename)
    if report.problem:
        return report
    try:
        people, extras = _read(text, filename)
    except RulebookError as exc:
        report.problem = str(exc)
        return report
    if not people:
        report.problem = f"{filename}: the register has no person rows"
        return report
    for person, extra in zip(people, extras, strict=True):
        report.problem = _field_problem(person, extra, filename)
        if report.problem:
            return report
    units = {u.name: u for u in Unit.objects.filter(organisation=organisation)}
    existing = {m.member_no: m for m in Member.objects.filter(organisation=organisation)}
    counts: Counter[tuple[str, str]] = Counter()
    renamed: Counter[str] = Counter()
    for person, extra in zip(people, extras, strict=False):
        counts[(person.category, person.status)] += 1
        values, why = _member_fields(person, extra, units)
        if values is None:
            report.skipped.append(why)
            continue
        if person.status in _STATUS:
            renamed[person.status] += 1
        report.rows.append(Row(person.member_id, values))
        old = existing.get(person.member_id)
        if old is None:
            report.new += 1
        elif any(
            (old.unit_id if k == "unit" else getattr(old, k))
            != (v.pk if k == "unit" and v is not None else v)
            for k, v in values.items()
        ):
            report.updated += 1
        else:
            report.unchanged += 1
    report.breakdown = [(c, s, n) for (c, s), n in sorted(counts.items())]
    for status, n in sorted(renamed.items()):
        report.notes.append(
            f"{n} person(s) with status {status!r} will be stored as "
            f"{_STATUS[status]!r} (not eligible either way)."
        )
    if "email" not in (text.splitlines()[0] if text else ""):
        report.notes.append(
            "The file has no 'email' column: credentials cannot be emailed "
            "to these people, only sent by mail merge."
        )
    return report


@transaction.atomic
def save(report: Report, actor: str) -> int:
    """Write a checked report's people to the register (insert or update); audited."""
    for row in report.rows:
        Member.objects.update_or_create(
            organisation=report.organisation, member_no=row.member_no, defaults=row.fields
        )
    audit.record(
        "register imported",
        actor,
        None,
        {
            "organisation": report.organisation.slug,
            "file": report.filename,
            "sha256": report.digest,
            "new": report.new,
            "updated": report.updated,
            "skipped": len(report.skipped),
        },
    )
    return len(report.rows)


__all__ = ["COLUMNS", "EXTRA_COLUMNS", "REQUIRED_COLUMNS", "Report", "check", "digest", "save"]
