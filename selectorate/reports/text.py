"""The result sheet for a terminal (and for a plain-text file).

One sheet says everything a candidate, a scrutineer or a returning officer
needs to check a count: the rules in force, the threshold, every round's
votes, what each decision moved where, ballots that stopped counting and
why, every tie and how it was broken, and a check that every round accounts
for every ballot. Numbers follow :mod:`selectorate.reports.numbers`.

:func:`render_text` returns the sheet as a string (no colour, fixed width,
byte-identical for the same result); :func:`print_text` prints it on a
``rich`` console, in colour when that console is a terminal.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from fractions import Fraction

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from selectorate.counting.result import (
    EXHAUSTED,
    INACTIVE_CAUSES,
    RESIDUAL_SURPLUS,
    CountResult,
    Round,
    TieBreak,
)
from selectorate.reports.numbers import EXACT_DISPLAY_PLACES, format_value
from selectorate.reports.rules_text import rules_rows
from selectorate.reports.stv_sheet import LEGEND, is_stv_result, stv_sheet_lines

#: Plain-English names of the inactive causes and other ``Round.inactive`` keys.
INACTIVE_LABELS = {
    "overvotes": "overvotes",
    "skippedRankings": "skipped rankings",
    "exhaustedChoices": "no further preference",
    "repeatedRankings": "repeated rankings",
    "finalRoundSurplus": "final round surplus",
}

ELECTED_MARK = "(E)"
ELIMINATED_MARK = "(X)"


def _label(key: str) -> str:
    if key in INACTIVE_LABELS:
        return INACTIVE_LABELS[key]
    words = "".join(" " + ch.lower() if ch.isupper() else ch for ch in key)
    return words.strip().replace("_", " ")


def _quoted(names: Iterable[str]) -> str:
    items = [f'"{n}"' for n in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class _Formatter:
    def __init__(self, result: CountResult) -> None:
        self.places = result.decimal_places

    def __call__(self, value: Fraction | int) -> str:
        return format_value(value, self.places)


def _summary(result: CountResult, fmt: _Formatter) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("Method", Text(result.method))
    grid.add_row("Seats", Text(str(result.seats)))
    grid.add_row("Ballots", Text(fmt(result.total_ballots)))
    if result.undervotes:
        grid.add_row(
            "Blank ballots", Text(f"{fmt(result.undervotes)} (in the total, never counted)")
        )
    threshold = result.final_threshold
    if threshold is not None:
        grid.add_row("Threshold", Text(fmt(threshold) + _threshold_note(result)))
    if result.decimal_places is None:
        arithmetic = (
            "exact fractions; non-whole values are shown to "
            f"{EXACT_DISPLAY_PLACES} places, rounded half to even"
        )
    else:
        arithmetic = f"fixed point, {result.decimal_places} decimal places (as the rules count)"
    grid.add_row("Arithmetic", Text(arithmetic))
    for label, text in rules_rows(result):
        grid.add_row(label, Text(text))
    elected = ", ".join(result.elected) if result.elected else "nobody"
    grid.add_row("Elected", Text(elected, style="bold green"))
    return grid


def _threshold_note(result: CountResult) -> str:
    values = {r.threshold for r in result.rounds if r.threshold is not None}
    return " (in the last round; it changed from round to round)" if len(values) > 1 else ""


def _round_marks(rnd: Round) -> dict[str, str]:
    marks: dict[str, str] = {}
    for action in rnd.actions:
        if action.kind == "elected":
            marks[action.candidate] = ELECTED_MARK
        elif action.kind in ("eliminated", "excluded", "withdrawn"):
            marks[action.candidate] = ELIMINATED_MARK
    return marks


def _rows(result: CountResult, fmt: _Formatter) -> list[tuple[str, list[str], str]]:
    """(label, one cell per round, style) for every row of the round table."""
    rounds = result.rounds
    in_count = [c for c in result.candidates if any(c in r.tally for r in rounds)]
    marks = [_round_marks(r) for r in rounds]
    elected = set(result.elected)
    rows: list[tuple[str, list[str], str]] = []
    for candidate in in_count:
        cells = []
        for rnd, mark in zip(rounds, marks, strict=True):
            if candidate in rnd.tally:
                cell = fmt(rnd.tally[candidate])
                if candidate in mark:
                    cell += " " + mark[candidate]
            else:
                cell = "-"
            cells.append(cell)
        rows.append((candidate, cells, "green" if candidate in elected else ""))
    rows.append(("Votes for candidates", [fmt(r.active) for r in rounds], "bold"))
    keys = [c for c in INACTIVE_CAUSES if any(r.inactive.get(c) for r in rounds)]
    keys += sorted({k for r in rounds for k in r.inactive if k not in INACTIVE_CAUSES})
    for key in keys:
        cells = [fmt(r.inactive.get(key, Fraction(0))) for r in rounds]
        rows.append((f"Inactive: {_label(key)}", cells, "dim"))
    if any(r.residual_surplus for r in rounds):
        rows.append(("Lost to rounding", [fmt(r.residual_surplus) for r in rounds], "dim"))
    if result.undervotes:
        rows.append(("Blank ballots", [fmt(result.undervotes)] * len(rounds), "dim"))
    if not is_weighted(result):
        totals = [
            fmt(r.active + r.inactive_total + r.residual_surplus + result.undervotes)
            for r in rounds
        ]
        rows.append(("Total", totals, "bold"))
    if any(r.threshold is not None for r in rounds):
        cells = ["" if r.threshold is None else fmt(r.threshold) for r in rounds]
        rows.append(("Threshold", cells, "bold"))
    return rows


def is_weighted(result: CountResult) -> bool:
    """True for a count of weighted sections (an electoral college): its tally is not ballots."""
    return any(getattr(r, "sections", None) for r in result.rounds)


def section_rows(
    result: CountResult, fmt: Callable[[Fraction], str]
) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """Each section's own figures: (section, [(row label, one cell per round)])."""
    names: list[str] = []
    for rnd in result.rounds:
        names += [n for n in getattr(rnd, "sections", {}) if n not in names]
    out = []
    for name in names:
        keys: list[str] = []
        for rnd in result.rounds:
            figures = getattr(rnd, "sections", {}).get(name, {})
            keys += [k for k in figures if k not in keys]
        keys = [c for c in result.candidates if c in keys] + [
            k for k in keys if k not in result.candidates
        ]
        rows = []
        for key in keys:
            cells = []
            for rnd in result.rounds:
                figures = getattr(rnd, "sections", {}).get(name, {})
                cells.append(fmt(figures[key]) if key in figures else "-")
            label = "no further preference" if key == EXHAUSTED else key
            rows.append((label, cells))
        out.append((name, rows))
    return out


def _chunked_tables(
    title: str,
    first_column: str,
    rows: list[tuple[str, list[str], str]],
    rounds: list[Round],
    width: int,
) -> list[RenderableType]:
    """One label column and one column per round, split into tables that fit ``width``."""
    name_width = min(32, max(len(label) for label, _, _ in rows))
    cell_width = max(
        [len(f"Round {r.number}") for r in rounds] + [len(c) for _, cells, _ in rows for c in cells]
    )
    per_table = max(1, (width - name_width - 4) // (cell_width + 3))
    tables: list[RenderableType] = []
    for start in range(0, len(rounds), per_table):
        chunk = range(start, min(start + per_table, len(rounds)))
        heading = title
        if len(rounds) > per_table:
            heading += f" (rounds {rounds[chunk[0]].number}-{rounds[chunk[-1]].number})"
        table = Table(title=heading, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
        table.add_column(first_column, no_wrap=False, max_width=name_width)
        for i in chunk:
            table.add_column(f"Round {rounds[i].number}", justify="right", no_wrap=True)
        for label, cells, style in rows:
            table.add_row(Text(label), *(Text(cells[i]) for i in chunk), style=style or None)
        tables.append(table)
    return tables


def _round_tables(result: CountResult, fmt: _Formatter, width: int) -> list[RenderableType]:
    if is_stv_result(result):  # the classic STV sheet: stages, transfers and totals
        table = Text("\n".join(stv_sheet_lines(result, width)), no_wrap=True, overflow="ignore")
        return [Text("Votes by stage", style="bold"), table, Text(LEGEND, style="dim")]
    rounds = result.rounds
    tables = _chunked_tables("Votes by round", "Candidate", _rows(result, fmt), rounds, width)
    legend = (
        f"{ELECTED_MARK} elected and {ELIMINATED_MARK} eliminated at the end of the round; "
        "- no longer in the count."
    )
    if is_weighted(result):
        legend += " The figures above are the sections' weighted totals; each section's own "
        legend += "votes follow."
        for name, rows in section_rows(result, fmt):
            styled = [(label, cells, "") for label, cells in rows]
            tables += _chunked_tables(f"Section: {name}", "Candidate", styled, rounds, width)
    else:
        legend += (
            " 'Total' adds votes, inactive ballots, rounding losses and blank ballots: "
            "it equals the ballots cast in every round."
        )
    tables.append(Text(legend, style="dim"))
    return tables


def _ordered_transfers(result: CountResult, transfers: dict[str, Fraction]) -> list[str]:
    order = [c for c in result.candidates if c in transfers]
    order += [k for k in (EXHAUSTED, RESIDUAL_SURPLUS) if k in transfers]
    order += [k for k in transfers if k not in order]
    return order


def _transfer_lines(result: CountResult, fmt: _Formatter) -> list[Text]:
    lines: list[Text] = []
    for rnd in result.rounds:
        for action in rnd.actions:
            line = Text(f"Round {rnd.number}: ")
            line.append(action.candidate, style="bold")
            held = rnd.tally.get(action.candidate)
            line.append(f" {action.kind}")
            if held is not None:
                line.append(f" with {fmt(held)}")
                surplus_rule = result.seats > 1
                if (
                    surplus_rule
                    and action.kind == "elected"
                    and rnd.threshold is not None
                    and held > rnd.threshold
                ):
                    line.append(f" (surplus {fmt(held - rnd.threshold)})")
            if action.transfers:
                moved = [
                    f"{_transfer_name(k)} {_signed(fmt, action.transfers[k])}"
                    for k in _ordered_transfers(result, action.transfers)
                ]
                line.append("; transferred: " + ", ".join(moved))
            elif action.kind == "elected" and result.seats > 1:
                line.append("; no transfer")
            lines.append(line)
    return lines


def _transfer_name(key: str) -> str:
    if key == EXHAUSTED:
        return "no further preference"
    if key == RESIDUAL_SURPLUS:
        return "lost to rounding"
    return key


def _signed(fmt: _Formatter, value: Fraction) -> str:
    text = fmt(value)
    return text if text.startswith("-") else "+" + text


def tie_break_sentence(round_number: int, tie: TieBreak) -> str:
    """One plain sentence: which tie, who was chosen, how and why."""
    text = (
        f"Round {round_number}: tie for {tie.purpose} between {_quoted(tie.tied)}; "
        f'"{tie.chosen}" chosen by {tie.method}'
    )
    if tie.detail:
        text += f" ({tie.detail})"
    return text + "."


def _sheet(result: CountResult, width: int, heading: str | None = None) -> list[RenderableType]:
    fmt = _Formatter(result)
    parts: list[RenderableType] = []
    title = heading or result.title or "Result of the count"
    parts.append(Text(title, style="bold underline"))
    parts.append(_summary(result, fmt))
    excluded = [c for c in result.candidates if not any(c in r.tally for r in result.rounds)]
    if result.rounds:
        parts.append(Text(""))
        parts.extend(_round_tables(result, fmt, width))
        transfers = _transfer_lines(result, fmt)
        if transfers:
            parts.append(Text(""))
            parts.append(Text("Decisions and transfers", style="bold"))
            parts.extend(transfers)
        ties = [tie_break_sentence(r.number, t) for r in result.rounds for t in r.tie_breaks]
        parts.append(Text(""))
        parts.append(Text("Tie-breaks", style="bold"))
        if ties:
            parts.extend(Text(t) for t in ties)
        else:
            parts.append(Text("None were needed."))
    if excluded and result.rounds:
        parts.append(Text(""))
        parts.append(Text("Not in the count (excluded or withdrawn): " + ", ".join(excluded)))
    if result.notes:
        parts.append(Text(""))
        parts.append(Text("Notes", style="bold"))
        parts.extend(Text("- " + note) for note in result.notes)
    for i, sub in enumerate(result.passes, start=1):
        parts.append(Text(""))
        sub_title = f"Pass {i}" + (
            f": {sub.title}" if sub.title and sub.title != result.title else ""
        )
        parts.extend(_sheet(sub, width, heading=sub_title))
    return parts


def sheet_renderable(result: CountResult, width: int = 100) -> RenderableType:
    """The whole sheet as one ``rich`` renderable, laid out for ``width`` columns."""
    return Group(*_sheet(result, width))


def render_text(result: CountResult, width: int = 100) -> str:
    """The sheet as plain text: no colour, ``width`` columns, deterministic."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system=None,
        force_terminal=False,
        no_color=True,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
        _environ={},
    )
    console.print(sheet_renderable(result, width))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def print_text(result: CountResult, console: Console) -> None:
    """Print the sheet on ``console`` (colour only if that console is a terminal)."""
    console.print(sheet_renderable(result, console.width))
