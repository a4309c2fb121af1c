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
from selectorate.rulebooks.document import MISSING, flatten
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


def _table(title: str, *columns: str, no_wrap: Sequence[str] = ()) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold", no_wrap=c in no_wrap, min_width=min(len(c), 12))
    return table


def _short(value: Any, limit: int = 60) -> str:
    """A long text cut to ``limit`` characters (the full text is in ``show`` and JSON)."""
    text = _value(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows(key: str, value: Any) -> list[tuple[str, str]]:
    """A list of tables as one row per entry (citations left out); anything else as one row."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [
            (f"{key}[{i}]", ", ".join(f"{k} = {show_value(v)}" for k, v in entry.items()
                                      if not _is_documentation(k)))
            for i, entry in enumerate(value, start=1)
        ]  # fmt: skip
    return [(key, _value(value))]


def _is_documentation(key: str) -> bool:
    """Citations, notes and ⚠ readings: shown as text under the tables, not as rules."""
    last = key.rsplit(".", 1)[-1]
    return last in ("source", "notes", "uncertain", "note") or last.endswith("_source")


def _paragraphs(title: str, items: Sequence[tuple[str, str]]) -> Text:
    text = Text(f"{title}\n" if title else "")
    for label, body in items:
        text.append(f"  {label}: {body}\n" if label else f"  {body}\n")
    return text


def _documentation(key: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, list):
        return [(key, str(v)) for v in value]
    return [(key, str(value))]


def _sources(origins: Sequence[Any]) -> Text:
    """Each distinct origin once, by version then amendment number."""
    seen: dict[tuple[str, int, str], tuple[str, str]] = {}
    for o in origins:
        if o is not None:
            order = (o.version, o.amendment or 0, o.describe())
            seen.setdefault(order, (o.describe(), o.source + (f" ({o.note})" if o.note else "")))
    return _paragraphs("Sources", [seen[k] for k in sorted(seen)])


# --------------------------------------------------------------------------- commands


@rules_app.command("list")
def list_command(fmt: RulesFormat = _FORMAT) -> None:
    """List the shipped rulebooks: organisation, version, dates, what each derives from."""
    with _problems():
        books = list_rulebooks()
    if fmt is RulesFormat.json:
        _json([b.to_dict() for b in books])
        return
    parts: list[RenderableType] = []
    for organisation in dict.fromkeys(b.organisation for b in books):
        table = _table(organisation, "id", "status", "in force", "derived from", "title",
                       no_wrap=("id", "in force", "derived from"))  # fmt: skip
        for b in (b for b in books if b.organisation == organisation):
            start = b.effective_from.isoformat()
            end = b.effective_to.isoformat() if b.effective_to else ""
            until = f"{start} to {end}" if end else f"from {start}"
            table.add_row(b.id, b.status, until, b.derived_from or "", b.title)
        parts.append(table)
    if not parts:
        parts.append(Text("No rulebooks are shipped."))
    _print(parts)


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
    lines.extend(f"⚠ uncertain: {u}" for u in m.uncertain)
    return Text("\n".join(lines) + "\n")


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
    parts: list[RenderableType] = [_header(book)]
    structure = _table("Organisation", "key", "value", no_wrap=("key",))
    notes: list[tuple[str, str]] = []
    for key, value in flatten(book.organisation_data):
        if _is_documentation(key):
            notes.extend(_documentation(key, value))
        else:
            for row in _rows(key, value):
                structure.add_row(*row)
    parts.extend([structure, _paragraphs("", notes)])
    if book.amendments:
        amendments = _table("Amendments", "amendment", "rule", "before", "after",
                            no_wrap=("amendment",))  # fmt: skip
        cited = []
        for a in book.amendments:
            if _is_documentation(a.key):
                cited.append(f"{a.origin.describe()} ({a.procedure}.{a.key})")
            else:
                amendments.add_row(a.origin.describe(), f"{a.procedure}.{a.key}",
                                   _short(a.before), _short(a.after))  # fmt: skip
        parts.append(amendments)
        if cited:
            parts.append(Text(f"Citations and notes amended: {', '.join(cited)}\n"))
        parts.append(_sources([a.origin for a in book.amendments]))
    for procedure in book.procedures:
        rules = _table(procedure, "key", "value", "from", no_wrap=("from",))
        docs: list[tuple[str, str]] = []
        for rule in book.rules(procedure):
            if _is_documentation(rule.key):
                docs.extend(_documentation(rule.key, rule.value))
            else:
                for key, text in _rows(rule.key, rule.value):
                    rules.add_row(key, text, rule.origin.describe())
        parts.extend([rules, _paragraphs("", docs)])
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
    rules = [c for c in changes if not _is_documentation(c.key)]
    docs = [c for c in changes if _is_documentation(c.key)]
    table = _table(f"{a.id} -> {b.id}: {len(rules)} rules differ", "section", "key", a.id, b.id,
                   "by", no_wrap=("by",))  # fmt: skip
    for c in rules:
        by = c.origin.describe() if c.origin is not None else ""
        table.add_row(c.section, c.key, _short(c.before), _short(c.after), by)
    parts: list[RenderableType] = [table]
    if docs:
        listing = ", ".join(f"{c.section}.{c.key}" for c in docs)
        parts.append(Text(f"Citations and notes that also differ: {listing}\n"))
    parts.append(_sources([c.origin for c in rules]))
    _print(parts)


cli.app.add_typer(rules_app, name="rules")
