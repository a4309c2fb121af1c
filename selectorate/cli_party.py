"""``selectorate nominations`` and ``selectorate trigger-ballot``: party procedures from a record.

Both read a small record (JSON or CSV), apply one rulebook version
(``--rulebook ID``, a shipped id such as ``labour-2018`` or a rulebook folder)
and print the explained outcome: the rule, the thresholds with their
arithmetic, and a decision per candidate or per branch. ``--format json``
prints :meth:`Outcome.to_dict`.

Errors are one line: a bad record is ``error: file:row: problem`` (exit 1), an
unknown rulebook exits 2, a malformed rulebook is ``error: file: key: problem``
(exit 1). Examples: ``docs/examples/nominations_*.{json,csv}`` and
``docs/examples/trigger_ballot_*.{json,csv}``.

Importing this module registers the commands with :data:`selectorate.cli.app`.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from selectorate import cli
from selectorate.formats.errors import BallotFileError
from selectorate.procedures import leadership, reselection, trigger_ballot
from selectorate.procedures._common import RecordError
from selectorate.procedures.outcome import Outcome
from selectorate.rulebooks import Rulebook, RulebookError, UnknownRulebookError, load_rulebook


class PartyFormat(StrEnum):
    """What the party commands print."""

    text = "text"
    json = "json"


_FORMAT = typer.Option(PartyFormat.text, "--format", "-f", help="text or json.")
_RULEBOOK = typer.Option(
    ..., "--rulebook", "-r", metavar="ID",
    help="The rulebook version: a shipped id (see 'selectorate rules list') or a folder.",
)


@contextmanager
def _problems() -> Iterator[None]:
    """Rulebook errors as the CLI's one-line errors (unknown name: 2, malformed: 1)."""
    try:
        yield
    except UnknownRulebookError as exc:
        raise cli.UsageProblem(exc.problem) from None
    except RulebookError as exc:
        raise cli.InputProblem(exc.describe()) from None


def _rulebook(name: str, procedure: str) -> tuple[Rulebook, Any]:
    with _problems():
        book = load_rulebook(name)
        return book, book.procedure(procedure)


# --------------------------------------------------------------------------- reading records


def _read_text(path: Path) -> str:
    if not path.exists():
        raise BallotFileError(path, None, "no such file")
    if path.is_dir():
        raise BallotFileError(path, None, "is a folder, not a file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BallotFileError(path, None, f"cannot read: {exc}") from None


def _read_json(path: Path) -> Mapping[str, object]:
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise BallotFileError(path, exc.lineno, f"not valid JSON: {exc.msg}") from None
    if not isinstance(data, Mapping):
        raise BallotFileError(path, None, "the JSON must be an object")
    return data


def _csv_rows(path: Path, columns: tuple[str, ...], first: str) -> list[tuple[int, dict[str, str]]]:
    """``(line, row)`` for each data row; unknown or missing columns are errors."""
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    header = [h.strip() for h in reader.fieldnames or []]
    if first not in header:
        raise BallotFileError(path, 1, f"the header must include {first!r} "
                                       f"(columns: {', '.join(columns)})")
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise BallotFileError(path, 1, f"unknown column(s) {', '.join(map(repr, unknown))}; "
                                       f"known: {', '.join(columns)}")
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            raise BallotFileError(path, reader.line_num, "more cells than header columns")
        cleaned = {k: (v or "").strip() for k, v in row.items()}
        if not any(cleaned.values()):
            continue
        rows.append((reader.line_num, cleaned))
    if not rows:
        raise BallotFileError(path, None, "no data rows")
    return rows


def _cells(row: Mapping[str, str], ints: tuple[str, ...]) -> dict[str, object]:
    """A CSV row as record data: empty cells dropped, whole-number columns converted."""
    out: dict[str, object] = {}
    for key, value in row.items():
        if value == "":
            continue
        if key in ints:
            if not value.isdigit():
                raise RecordError(key, f"{value!r} is not a whole number")
            out[key] = int(value)
        else:
            out[key] = value
    return out


# --------------------------------------------------------------------------- rendering


def render_outcome(outcome: Outcome, width: int = 100) -> str:
    """An Outcome as plain text: summary, rule, figures, reasons, then each detail."""
    wrap = textwrap.TextWrapper(width=width, subsequent_indent="    ", break_long_words=False,
                                break_on_hyphens=False)
    lines = [wrap.fill(outcome.summary), ""]
    lines.append(wrap.fill(f"rulebook: {outcome.rulebook}"))
    lines.append(wrap.fill(f"rule: {outcome.rule}"))
    if outcome.source and outcome.source != outcome.rule:
        lines.append(wrap.fill(f"source: {outcome.source}"))
    if not outcome.binding:
        lines.append("binding: no (recorded, no constitutional effect)")
    lines.append(f"decision: {outcome.decision}")
    for f in outcome.figures:
        lines.append(wrap.fill(f"  {f.name}: {f.value}" + (f"  ({f.how})" if f.how else "")))
    for r in outcome.reasons:
        lines.append(wrap.fill(f"  - {r}"))
    for d in outcome.details:
        lines.append("")
        lines.append(f"{d.subject}: {d.decision}")
        for f in d.figures:
            lines.append(wrap.fill(f"    {f.name}: {f.value}" + (f"  ({f.how})" if f.how else "")))
        for r in d.reasons:
            lines.append(wrap.fill(f"    - {r}"))
    return "\n".join(lines) + "\n"


def _emit(outcome: Outcome, fmt: PartyFormat) -> None:
    if fmt is PartyFormat.json:
        cli._emit([json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False) + "\n"], None)
    else:
        cli._emit([render_outcome(outcome, cli._text_width(None))], None)


# --------------------------------------------------------------------------- nominations

_NOMINEE_COLUMNS = ("candidate", "mps", "meps", "clps", "affiliates", "unions",
                    "affiliated_membership", "members", "local_parties", "withdrawn", "note")
_NOMINEE_INTS = ("mps", "meps", "clps", "affiliates", "unions", "affiliated_membership",
                 "members", "local_parties")


def _nominations_csv(path: Path) -> dict[str, object]:
    candidates = []
    for line, row in _csv_rows(path, _NOMINEE_COLUMNS, "candidate"):
        try:
            cells = _cells(row, _NOMINEE_INTS)
        except RecordError as exc:
            raise BallotFileError(path, line, str(exc)) from None
        if "candidate" not in cells:
            raise BallotFileError(path, line, "the candidate's name is empty")
        cells["name"] = cells.pop("candidate")
        for old, new in (("affiliates", "affiliate_count"), ("unions", "union_count")):
            if old in cells:
                cells[new] = cells.pop(old)
        candidates.append((line, cells))
    return {"candidates": [c for _, c in candidates], "_lines": [ln for ln, _ in candidates]}


def _fill_pools(
    data: dict[str, object], book: Rulebook, options: Mapping[str, int | None]
) -> list[str]:
    """Pool sizes: command-line options, else the record, else the rulebook's organisation."""
    pools = dict(data.get("pools") or {})  # type: ignore[call-overload]
    org = book.organisation
    group = org.parliamentary_group
    clps = org.constituency_parties
    affs = org.affiliates
    from_book = {
        "mps": group.commons_members if group else None,
        "meps": group.european_members if group else None,
        "clps": clps.count if clps else None,
        "affiliated_membership": affs.affiliated_membership if affs else None,
    }
    notes: list[str] = []
    for key in ("mps", "meps", "clps", "affiliated_membership"):
        if options.get(key) is not None:
            pools[key] = options[key]
            notes.append(f"{key}: {options[key]} (command line)")
        elif pools.get(key) is not None:
            notes.append(f"{key}: {pools[key]} (record)")
        elif from_book[key] is not None:
            pools[key] = from_book[key]
            notes.append(f"{key}: {from_book[key]} (rulebook {book.id} organisation)")
    data["pools"] = pools
    return notes


@cli.app.command("nominations")
def nominations_command(
    record: Path = typer.Argument(
        ..., metavar="RECORD", show_default=False,
        help=(
            "The nominations: a .json record or a .csv table. CSV: one row per candidate, "
            "header 'candidate,mps,meps,clps,affiliates,unions,affiliated_membership,members,"
            "local_parties,withdrawn,note' (any subset, 'candidate' required; empty cell = "
            "not known), e.g. 'Jeremy Corbyn,36'. JSON: {\"title\", \"office\", \"contest\", "
            "\"incumbent\", \"pools\": {\"mps\", \"meps\", \"clps\", \"affiliated_membership\", "
            "\"affiliates\": [{\"name\", \"kind\", \"membership\"}]}, \"candidates\": [{\"name\", "
            "\"mps\", \"meps\", \"clps\", \"affiliates\": [names], \"withdrawn\"}]}. Examples in "
            "docs/examples/nominations_*."
        ),
    ),
    rulebook: str = _RULEBOOK,
    contest: str | None = typer.Option(
        None, "--contest", metavar="vacancy|challenge",
        help="A vacancy or a challenge (overrides the record; default vacancy).",
        show_default=False,
    ),
    incumbent: str | None = typer.Option(
        None, "--incumbent", metavar="NAME", help="The challenged leader (a challenge).",
        show_default=False,
    ),
    office: str | None = typer.Option(None, "--office", help="leader or deputy (for the text).",
                                      show_default=False),
    mps: int | None = typer.Option(None, "--mps", min=0, metavar="N", show_default=False,
                                   help="MPs in the nominating pool."),
    meps: int | None = typer.Option(None, "--meps", min=0, metavar="N", show_default=False,
                                    help="MEPs in the nominating pool."),
    clps: int | None = typer.Option(None, "--clps", min=0, metavar="N", show_default=False,
                                    help="Constituency parties (the 5% route)."),
    affiliated_membership: int | None = typer.Option(
        None, "--affiliated-membership", min=0, metavar="N", show_default=False,
        help="The whole affiliated membership (the affiliates' 5% route).",
    ),
    fmt: PartyFormat = _FORMAT,
) -> None:
    """Who is validly nominated for leader or deputy under a rulebook version, and why.

    Thresholds are computed from the rulebook (e.g. 15% of the MPs, rounded up
    as Labour rounds) and the pool sizes, taken from the command line, else the
    record, else the rulebook's organisation. Example:
    selectorate nominations docs/examples/nominations_2015_leader.csv -r labour-2014 --mps 232
    """
    book, params = _rulebook(rulebook, "leadership")
    data: dict[str, object]
    lines: list[int] = []
    if record.suffix.lower() == ".csv":
        data = _nominations_csv(record)
        lines = data.pop("_lines")  # type: ignore[assignment]
    elif record.suffix.lower() == ".json":
        data = dict(_read_json(record))
    else:
        raise BallotFileError(record, None, "expected a .json or .csv record")
    for key, value in (("contest", contest), ("incumbent", incumbent), ("office", office)):
        if value is not None:
            data[key] = value
    notes = _fill_pools(data, book, {"mps": mps, "meps": meps, "clps": clps,
                                     "affiliated_membership": affiliated_membership})
    try:
        parsed = leadership.record_from_dict(data)
        outcome = leadership.nominations_outcome(params, parsed, rulebook=book.id)
    except RecordError as exc:
        line = _line_of(exc.where, lines)
        raise BallotFileError(record, line, exc.problem if line else str(exc)) from None
    except ValueError as exc:
        raise cli.UsageProblem(f"{book.id}: {exc}") from None
    outcome.reasons.extend(f"pool {n}" for n in notes)
    _emit(outcome, fmt)


def _line_of(where: str, lines: list[int]) -> int | None:
    """The CSV line of ``candidates[k]``/``units[k]`` (None for JSON records)."""
    if not lines or "[" not in where:
        return None
    try:
        k = int(where.split("[", 1)[1].split("]", 1)[0])
    except ValueError:
        return None
    return lines[k - 1] if 0 < k <= len(lines) else None


# --------------------------------------------------------------------------- trigger ballots

_UNIT_COLUMNS = ("unit", "kind", "decision", "for_selection", "for_mp", "present")


def _units_csv(path: Path) -> tuple[list[dict[str, object]], list[int]]:
    units, lines = [], []
    for line, row in _csv_rows(path, _UNIT_COLUMNS, "unit"):
        try:
            cells = _cells(row, ("for_selection", "for_mp", "present"))
        except RecordError as exc:
            raise BallotFileError(path, line, str(exc)) from None
        if "unit" not in cells:
            raise BallotFileError(path, line, "the unit's name is empty")
        cells["name"] = cells.pop("unit")
        units.append(cells)
        lines.append(line)
    return units, lines


@cli.app.command("trigger-ballot")
def trigger_ballot_command(
    record: Path = typer.Argument(
        ..., metavar="RECORD", show_default=False,
        help=(
            "The branch and affiliate votes: a .csv table or a .json record. CSV: one row per "
            "unit, header 'unit,kind,decision,for_selection,for_mp,present' ('unit' required; "
            "kind = branch or affiliate; decision = selection or mp, or give the members' votes "
            "for_selection and for_mp and let the unit decide by simple majority), e.g. "
            "'Newington ward,branch,,12,9'. JSON: {\"mp\", \"clp\", \"units\": [...]} or side "
            "totals {\"mp\", \"branches\": {\"for_selection\", \"for_mp\", \"not_voting\"}, "
            "\"affiliates\": {...}}. Examples in docs/examples/trigger_ballot_*."
        ),
    ),
    rulebook: str = _RULEBOOK,
    mp: str | None = typer.Option(None, "--mp", metavar="NAME", show_default=False,
                                  help="The sitting MP (required for a CSV record)."),
    clp: str | None = typer.Option(None, "--clp", metavar="NAME", show_default=False,
                                   help="The constituency party."),
    fmt: PartyFormat = _FORMAT,
) -> None:
    """Does a sitting MP face an open selection under a rulebook version, and why.

    Applies the rulebook's trigger ballot (or, where the rulebook makes
    reselection mandatory, its reselection rule) to the units' votes. Example:
    selectorate trigger-ballot docs/examples/trigger_ballot_barking_2019.json --rulebook labour-2018
    --mp "Margaret Hodge" --clp Barking
    """
    with _problems():
        book = load_rulebook(rulebook)
        trigger = book.procedure("trigger_ballot")
        resel = book.params.get("reselection")
    lines: list[int] = []
    if record.suffix.lower() == ".csv":
        units, lines = _units_csv(record)
        data: dict[str, object] = {"units": units}
    elif record.suffix.lower() == ".json":
        data = dict(_read_json(record))
    else:
        raise BallotFileError(record, None, "expected a .csv or .json record")
    if mp is not None:
        data["mp"] = mp
    if clp is not None:
        data["clp"] = clp
    if "mp" not in data:
        raise cli.UsageProblem("name the sitting MP with --mp (or \"mp\" in a JSON record)")
    try:
        parsed = trigger_ballot.record_from_dict(data)
    except RecordError as exc:
        line = _line_of(exc.where, lines)
        raise BallotFileError(record, line, exc.problem if line else str(exc)) from None
    if isinstance(resel, reselection.Params) and resel.mandatory:
        outcome = reselection.reselection_outcome(resel, parsed, trigger=trigger,
                                                  rulebook=book.id)
    else:
        outcome = trigger_ballot.trigger_ballot_outcome(trigger, parsed, rulebook=book.id)
    _emit(outcome, fmt)
