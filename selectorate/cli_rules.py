"""``selectorate rules``: list the shipped rulebooks, show one, compare two.

``rules list``, ``rules show NAME`` and ``rules diff A B`` print rich tables
(``--format json`` for machines). NAME is a shipped rulebook id such as
``labour-2017`` or the path of a rulebook folder. A malformed rulebook is
one line on standard error, ``error: file: key: problem``, exit status 1; an
unknown rulebook name exits with status 2.

Importing this module registers the sub-command with :data:`selectorate.cli.app`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from io import StringIO
from typing import Any

import typer
from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from selectorate import cli
from selectorate.rulebooks import (
    Rulebook,
    RulebookError,
    UnknownRulebookError,
    diff,
    list_rulebooks,
    load_rulebook,
)
from selectorate.rulebooks.document import MISSING
from selectorate.rulebooks.schema import show_value

rules_app = typer.Typer(
    name="rules",
    help=(
        "The rulebooks: each version of an organisation's rules, where every rule came from, "
        "and what changed between versions.\n\n"
        "Typical use: selectorate rules diff labour-2017 labour-2018"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class RulesFormat(StrEnum):
    """What the ``rules`` commands print."""

    text = "text"
    json = "json"


_FORMAT = typer.Option(RulesFormat.text, "--format", "-f", help="text (tables) or json.")


@contextmanager
def _problems() -> Iterator[None]:
    """Rulebook errors as the CLI's one-line errors (unknown name: 2, malformed: 1)."""
    try:
        yield
    except UnknownRulebookError as exc:
        raise cli.UsageProblem(exc.problem) from None
    except RulebookError as exc:
        raise cli.InputProblem(exc.describe()) from None


def _print(renderables: Sequence[RenderableType]) -> None:
    """Print in colour on a terminal; otherwise plain text at a fixed width."""
    if sys.stdout.isatty():
        console = Console(highlight=False, emoji=False, markup=False)
        for r in renderables:
            console.print(r)
        return
    buffer = StringIO()
    console = Console(
        file=buffer,
        width=cli._text_width(None),
        color_system=None,
        force_terminal=False,
        highlight=False,
        emoji=False,
        markup=False,
    )
    for r in renderables:
        console.print(r)
    text = "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())
    cli._emit([text + "\n"], None)


def _json(data: object) -> None:
    cli._emit([json.dumps(data, indent=2, ensure_ascii=False) + "\n"], None)


def _value(value: Any) -> str:
    return "—" if value is MISSING else show_value(value)


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    return table


# --------------------------------------------------------------------------- commands


@rules_app.command("list")
def list_command(fmt: RulesFormat = _FORMAT) -> None:
    """List the shipped rulebooks: organisation, version, dates, what each derives from."""
    with _problems():
        books = list_rulebooks()
    if fmt is RulesFormat.json:
        _json([b.to_dict() for b in books])
        return
    table = _table("Rulebooks", "id", "organisation", "title", "status", "in force", "derived from",
                   "procedures")  # fmt: skip
    for b in books:
        until = b.effective_to.isoformat() if b.effective_to else ""
        table.add_row(
            b.id,
            b.organisation,
            b.title,
            b.status,
            f"{b.effective_from.isoformat()} – {until}" if until else
            f"from {b.effective_from.isoformat()}",
            (b.derived_from or "") + (f" (+{b.amendments} amendments)" if b.amendments else ""),
            ", ".join(b.procedures),
        )  # fmt: skip
    _print([table])


def _header(book: Rulebook) -> Text:
    m = book.meta
    lines = [
        f"{m.title} ({book.id})",
        f"organisation: {m.organisation}",
        f"status: {m.status}",
        f"in force: from {m.effective_from.isoformat()}"
        + (f" to {m.effective_to.isoformat()}" if m.effective_to else ""),
    ]
    if len(book.lineage) > 1:
        lines.append("derived: " + " -> ".join(book.lineage))
    lines.append(f"source: {m.source}")
    lines.extend(f"note: {n}" for n in m.notes)
    lines.extend(f"uncertain: {u}" for u in m.uncertain)
    return Text("\n".join(lines))


@rules_app.command("show")
def show_command(
    name: str = typer.Argument(..., help="A rulebook id (see 'selectorate rules list') or folder."),
    fmt: RulesFormat = _FORMAT,
) -> None:
    """Show one rulebook: its structure, its amendments, and every rule with where it came from."""
    with _problems():
        book = load_rulebook(name)
    if fmt is RulesFormat.json:
        _json(book.to_dict())
        return
    from selectorate.rulebooks.document import flatten

    parts: list[RenderableType] = [_header(book)]
    structure = _table("Organisation", "key", "value")
    for key, value in flatten(book.organisation_data):
        structure.add_row(key, _value(value))
    parts.append(structure)
    if book.amendments:
        amendments = _table("Amendments", "version", "#", "procedure", "key", "before", "after",
                            "source", "note")  # fmt: skip
        for a in book.amendments:
            amendments.add_row(a.version, str(a.index), a.procedure, a.key, _value(a.before),
                               _value(a.after), a.source, a.note)  # fmt: skip
        parts.append(amendments)
    for procedure in book.procedures:
        rules = _table(f"{procedure}", "key", "value", "from", "source")
        for rule in book.rules(procedure):
            rules.add_row(rule.key, _value(rule.value), rule.origin.describe(), rule.origin.source)
        parts.append(rules)
    _print([Group(*parts)])


@rules_app.command("diff")
def diff_command(
    first: str = typer.Argument(..., help="The earlier rulebook (id or folder)."),
    second: str = typer.Argument(..., help="The later rulebook (id or folder)."),
    fmt: RulesFormat = _FORMAT,
) -> None:
    """What changed from one rulebook version to another, and which amendment changed it."""
    with _problems():
        a, b = load_rulebook(first), load_rulebook(second)
        changes = diff(a, b)
    if fmt is RulesFormat.json:
        _json({"from": a.id, "to": b.id, "changes": [c.to_dict() for c in changes]})
        return
    if not changes:
        _print([Text(f"{a.id} and {b.id} define the same rules.")])
        return
    table = _table(f"{a.id} -> {b.id}", "section", "key", a.id, b.id, "by", "source")
    for c in changes:
        by = c.origin.describe() if c.origin is not None else ""
        source = c.origin.source if c.origin is not None else ""
        table.add_row(c.section, c.key, _value(c.before), _value(c.after), by, source)
    _print([table])


cli.app.add_typer(rules_app, name="rules")
