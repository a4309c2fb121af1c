"""``selectorate whip rebels``: who voted against their party's whip, division by division.

``selectorate whip rebels FILE... --party NAME [--whip FILE] [--format text|json]``
reads House of Commons division exports (Commons Votes CSV or linked-data CSV, told
apart by content; a folder stands for its ``*.csv`` files), takes each division's whip
for the party from ``--whip`` (declared) or else from the party's majority (inferred),
and prints each division's rebels and absentees and each member's tally. The JSON
form is issue 7's::

    {"divisions": [{"number", "date", "title",
                    "whip": {"direction", "basis", "source"} | null,
                    "rebels": [{"name", "vote"}], "absent": [names] | null}],
     "members": [{"name", "rebellions", "votes_cast", "absences"}]}

Divisions come by date then number; members by rebellions (most first), then name.
``absent`` is null for a linked-data record, which does not list non-voters.
Bad input is one line, ``error: file:line: problem`` (exit 1); a party no record
prints is a usage error (exit 2). Importing this module registers the command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from io import StringIO
from pathlib import Path

import typer
from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from selectorate import cli
from selectorate.divisions import PartyMap, PartyRecord, party_record, read_divisions, read_whips
from selectorate.divisions.model import Division

#: The credit the Open Parliament Licence asks for (shared/conformance/divisions/README.md).
CREDIT = "Contains Parliamentary information licensed under the Open Parliament Licence v3.0."

whip_app = typer.Typer(
    name="whip",
    help=(
        "The whip record of UK House of Commons divisions: who voted against their party's "
        "whip, who was absent when whipped.\n\n"
        "Typical use: selectorate whip rebels Division*.csv --party Labour --whip whips.csv"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class WhipFormat(StrEnum):
    """What ``whip rebels`` prints."""

    text = "text"
    json = "json"


def _aliases(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        label, sep, party = pair.partition("=")
        if not sep or not label.strip() or not party.strip():
            raise cli.UsageProblem(
                f"--alias {pair!r}: expected LABEL=PARTY, e.g. 'Lab Co-op=Labour'"
            )
        out[label.strip()] = party.strip()
    return out


@whip_app.command("rebels")
def rebels_command(
    files: list[Path] = typer.Argument(
        ...,
        metavar="FILE",
        help="Division exports: Commons Votes CSV or linked-data CSV (or folders of them).",
        show_default=False,
    ),
    party: str = typer.Option(
        ..., "--party", "-p", help="The party, e.g. Labour (Labour (Co-op) counts as Labour).",
        show_default=False,
    ),  # fmt: skip
    whip: Path | None = typer.Option(
        None, "--whip", "-w", show_default=False,
        help="Declared whips: CSV date,division,party,whip,source (see docs/whip.md). "
        "Divisions without a declared whip use the party's majority, marked inferred.",
    ),  # fmt: skip
    alias: list[str] = typer.Option(
        [], "--alias", metavar="LABEL=PARTY", show_default=False,
        help="Count a party label as a party (repeatable), added to the default map.",
    ),  # fmt: skip
    fmt: WhipFormat = typer.Option(WhipFormat.text, "--format", "-f", help="text or json."),
) -> None:
    """Each division's whip, rebels and absentees for one party, and each member's tally.

    A rebel voted against the whip (with an abstain whip, any vote is a rebellion);
    absent means not voting when whipped aye or no, counted apart. Tellers and the chair
    are neither. Absentees are known only from Commons Votes exports.
    """
    party_map = PartyMap().with_aliases(_aliases(alias))
    divisions = read_divisions(files)
    book = read_whips(whip, party_map) if whip is not None else None
    record = party_record(divisions, party, book, party_map)
    if not record.members:
        printed = sorted({party_map.canonical(v.party) for d in divisions for v in d.votes})
        raise cli.UsageProblem(
            f"--party {party!r}: no member of that party in these divisions "
            f"(parties printed: {', '.join(printed)})"
        )
    if fmt is WhipFormat.json:
        text = json.dumps(record.to_dict(), indent=2, ensure_ascii=False)
        cli._emit([text + "\n"], None)
        return
    _print(_text(record, divisions))


# --------------------------------------------------------------------------- text


def _table(title: str, *columns: str, right: Sequence[str] = ()) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for c in columns:
        table.add_column(c, overflow="fold", justify="right" if c in right else "left")
    return table


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _text(record: PartyRecord, divisions: Sequence[Division]) -> list[RenderableType]:
    first, last = record.divisions[0].division.date, record.divisions[-1].division.date
    span = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
    parts: list[RenderableType] = [
        Text(f"Whip record: {record.party}, {_count(len(record.divisions), 'division')}, {span}\n")
    ]
    numbers = ("div", "ayes", "noes", "rebels", "absent")
    summary = _table("Divisions", "date", "div", "title", "whip", "basis", "ayes", "noes",
                     "rebels", "absent", right=numbers)  # fmt: skip
    for r in record.divisions:
        d = r.division
        summary.add_row(
            d.date.isoformat(), str(d.number), d.title,
            str(r.whip.direction) if r.whip else "none", str(r.whip.basis) if r.whip else "",
            str(d.ayes), str(d.noes), str(len(r.rebels)),
            "?" if r.absent is None else str(len(r.absent)),
        )  # fmt: skip
    parts.append(summary)

    rebels = _table("Rebels", "date", "div", "member", "voted", "whip", right=("div",))
    for r in record.divisions:
        for v in r.rebels:
            whip = str(r.whip.direction) if r.whip else ""
            rebels.add_row(r.division.date.isoformat(), str(r.division.number), v.name,
                           str(v.vote), whip)  # fmt: skip
    parts.append(rebels if rebels.row_count else Text("No rebels.\n"))

    absent = [(r, v) for r in record.divisions for v in r.absent or ()]
    if absent:
        table = _table("Absent when whipped", "date", "div", "member", "whip", right=("div",))
        for r, v in absent:
            table.add_row(r.division.date.isoformat(), str(r.division.number), v.name,
                          str(r.whip.direction) if r.whip else "")  # fmt: skip
        parts.append(table)

    shown = [m for m in record.members if m.rebellions or m.absences]
    members = _table(f"Members of {record.party} ({len(record.members)})", "member",
                     "rebellions", "votes cast", "absences",
                     right=("rebellions", "votes cast", "absences"))  # fmt: skip
    for m in shown:
        members.add_row(m.name, str(m.rebellions), str(m.votes_cast), str(m.absences))
    parts.append(members)
    others = len(record.members) - len(shown)
    if others:
        parts.append(Text(f"{others} other members: no rebellion, no absence recorded.\n"))

    notes = [f"  {r.division.number} ({r.division.date.isoformat()}): "
             f"{r.whip.basis} — {r.whip.source}" for r in record.divisions if r.whip]  # fmt: skip
    if notes:
        parts.append(Text("Whips\n" + "\n".join(notes) + "\n"))
    listing = sum(1 for d in divisions if d.lists_non_voters)
    if listing < len(divisions):
        parts.append(Text(
            f"Absences are known from Commons Votes exports only: {listing} of "
            f"{len(divisions)} records list non-voters ('?' above).\n"
        ))  # fmt: skip
    for d in divisions:
        if not d.totals_agree:
            parts.append(Text(
                f"Warning: {d.describe()} prints {d.ayes_printed} ayes and {d.noes_printed} "
                f"noes but lists {d.ayes} and {d.noes} ({d.source}).\n"
            ))  # fmt: skip
    parts.append(Text(CREDIT + "\n"))
    return parts


def _print(renderables: Sequence[RenderableType]) -> None:
    """In colour on a terminal; otherwise plain text at a fixed width."""
    if sys.stdout.isatty():
        console = Console(highlight=False, emoji=False, markup=False)
        for r in renderables:
            console.print(r)
        return
    buffer = StringIO()
    console = Console(file=buffer, width=cli._text_width(None), color_system=None,
                      force_terminal=False, highlight=False, emoji=False, markup=False)  # fmt: skip
    for r in renderables:
        console.print(r)
    text = "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())
    cli._emit([text + "\n"], None)


cli.app.add_typer(whip_app, name="whip")
