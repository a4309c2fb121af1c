"""The classic STV result sheet: one column per stage, transfers and totals.

This is the sheet a returning officer pins up after an STV count (the layout
of the ERS's "How to conduct an election by STV" and of Scottish councils'
published results): the stages run left to right; stage 1 shows the first
preferences; every later stage shows two columns, what that stage's transfer
moved (``+`` received, ``-`` given away) and each candidate's resulting total.
Under the candidates come the non-transferable papers, the loss by fractions
(value lost to the rule's rounding) and the totals, which equal the valid vote
at every stage (a transfer column adds up to zero), then the quota.

Marks in a total cell: ``(E)`` elected at that stage, ``(X)`` excluded at the
end of that stage (their papers move at the next stage), ``(U)`` a seat won
by RON (re-open nominations) and left unfilled; ``-`` means no longer in the
count.

:func:`render_stv_sheet` gives the whole sheet as plain text;
:func:`stv_sheet_lines` only the stage table (used by
:mod:`selectorate.reports.text` for STV results); :func:`stv_table_html` and
:func:`transfers_chart_svg` are the HTML table and the chart of the transfers
used by :mod:`selectorate.reports.html`. Numbers follow
:mod:`selectorate.reports.numbers`; output is deterministic.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from html import escape

from selectorate.counting.result import EXHAUSTED, RESIDUAL_SURPLUS, CountResult, Round
from selectorate.reports.numbers import fixed, format_value

__all__ = [
    "STV_METHODS",
    "is_stv_result",
    "render_stv_sheet",
    "stage_heading",
    "stv_sheet_lines",
    "stv_table_html",
    "transfers_chart_svg",
]

#: The STV rules of ``notes/stv_contract.md`` (their variants start with one of these names).
STV_METHODS = ("scottish-stv", "wigm", "ers97", "irish", "meek", "meek-nz", "warren")

ELECTED, EXCLUDED, UNFILLED = "(E)", "(X)", "(U)"
_MARKS = {"elected": ELECTED, "eliminated": EXCLUDED, "excluded": EXCLUDED,
          "withdrawn": EXCLUDED, "unfilled": UNFILLED}  # fmt: skip
_NOT_IN_COUNT = "-"
LEGEND = (
    "(E) elected at this stage; (X) excluded at the end of this stage, papers transferred at "
    "the next; (U) seat won by RON, left unfilled; - no longer in the count. Each transfer "
    "column adds up to zero and every stage's total is the valid vote."
)


def is_stv_result(result: CountResult) -> bool:
    """True for a result of one of the STV rules of the STV contract (or a variant of one)."""
    return any(result.method == m or result.method.startswith(m + "-") for m in STV_METHODS)


Formatter = Callable[[Fraction], str]


def _formatter(result: CountResult) -> Formatter:
    places = result.decimal_places
    return lambda v: format_value(v, places)


def _signed(fmt: Formatter, value: Fraction) -> str:
    if value == 0:
        return ""
    text = fmt(value)
    return text if text.startswith("-") else "+" + text


def stage_heading(result: CountResult, index: int) -> str:
    """What produced stage ``index + 1``: "First preferences", "Surplus of A", "Exclusion of B"…"""
    if index == 0:
        return "First preferences"
    parts: list[str] = []
    for action in result.rounds[index - 1].actions:
        if action.kind == "surplus":
            parts.append(f"Surplus of {action.candidate}")
        elif action.kind == "eliminated":
            parts.append(f"Exclusion of {action.candidate}")
        elif action.kind == "excluded":
            parts.append(f"Exclusion of {action.candidate} (rule)")
        elif action.kind == "withdrawn":
            parts.append(f"Withdrawal of {action.candidate}")
        elif action.transfers:
            parts.append(f"Transfer from {action.candidate}")
    return "; ".join(parts) if parts else "Recount"


@dataclass(slots=True)
class _Row:
    label: str
    transfers: list[str]  # one per stage ("" for stage 1)
    totals: list[str]  # one per stage
    kind: str = ""  # "candidate", "summary", "total"


def _marks(rnd: Round) -> dict[str, str]:
    marks: dict[str, str] = {}
    for action in rnd.actions:
        mark = _MARKS.get(action.kind)
        if mark is not None:
            marks[action.candidate] = mark
    return marks


def _rows(result: CountResult, fmt: Formatter) -> list[_Row]:
    rounds = result.rounds
    in_count = [c for c in result.candidates if any(c in r.tally for r in rounds)]
    marks = [_marks(r) for r in rounds]
    rows: list[_Row] = []
    for name in in_count:
        transfers, totals = [], []
        for k, rnd in enumerate(rounds):
            before = rounds[k - 1].tally.get(name) if k else None
            now = rnd.tally.get(name)
            if k == 0 or (before is None and now is None):
                transfers.append("")
            else:
                transfers.append(_signed(fmt, (now or Fraction(0)) - (before or Fraction(0))))
            if now is None:
                totals.append(_NOT_IN_COUNT)
            else:
                totals.append(fmt(now) + (" " + marks[k][name] if name in marks[k] else ""))
        rows.append(_Row(name, transfers, totals, "candidate"))

    def summary(label: str, values: list[Fraction]) -> None:
        deltas = [""] + [_signed(fmt, b - a) for a, b in zip(values, values[1:], strict=False)]
        rows.append(_Row(label, deltas, [fmt(v) for v in values], "summary"))

    summary("Non-transferable papers", [r.inactive_total for r in rounds])
    summary("Loss by fractions", [r.residual_surplus for r in rounds])
    totals = [r.active + r.inactive_total + r.residual_surplus for r in rounds]
    net = [""] + [_signed(fmt, b - a) or "0" for a, b in zip(totals, totals[1:], strict=False)]
    rows.append(_Row("Totals", net, [fmt(v) for v in totals], "total"))
    quota = ["" if r.threshold is None else fmt(r.threshold) for r in rounds]
    rows.append(_Row("Quota", [""] * len(rounds), quota, "summary"))
    return rows


def _widths(rows: list[_Row], k: int, heading: str) -> tuple[int, int]:
    """Widths of stage ``k``'s transfer column (0 for stage 1) and total column."""
    total_w = max([len("Total")] + [len(r.totals[k]) for r in rows])
    if k == 0:
        return 0, max(total_w, len("Votes"), len(heading))
    transfer_w = max([len("Transfer")] + [len(r.transfers[k]) for r in rows])
    return transfer_w, total_w


def stv_sheet_lines(result: CountResult, width: int = 100) -> list[str]:
    """The stage table as plain-text lines, split into blocks of stages that fit ``width``."""
    if not result.rounds:
        return []
    fmt = _formatter(result)
    rows = _rows(result, fmt)
    headings = [stage_heading(result, k) for k in range(len(result.rounds))]
    label_w = min(32, max(len(r.label) for r in rows), max(12, width // 3))
    spans = []
    for k in range(len(result.rounds)):
        tw, vw = _widths(rows, k, headings[k])
        spans.append((tw, vw, vw if k == 0 else tw + 2 + vw))
    blocks: list[list[int]] = []
    used = label_w
    for k, (_, _, span) in enumerate(spans):
        if blocks and used + 3 + span <= width:
            blocks[-1].append(k)
            used += 3 + span
        else:
            blocks.append([k])
            used = label_w + 3 + span
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        if len(blocks) > 1:
            first, last = result.rounds[block[0]].number, result.rounds[block[-1]].number
            lines.append(f"Stages {first}-{last}" if first != last else f"Stage {first}")
        wrapped = {k: textwrap.wrap(headings[k], spans[k][2]) or [""] for k in block}
        depth = max(len(w) for w in wrapped.values())
        head = [
            " " * label_w
            + "".join("   " + f"Stage {result.rounds[k].number}".ljust(spans[k][2]) for k in block)
        ]
        for i in range(depth):
            head.append(" " * label_w + "".join(
                "   " + (wrapped[k][i] if i < len(wrapped[k]) else "").ljust(spans[k][2])
                for k in block))  # fmt: skip
        sub = "Candidate".ljust(label_w)
        for k in block:
            tw, vw, _ = spans[k]
            sub += "   " + ("Votes".rjust(vw) if k == 0 else
                            "Transfer".rjust(tw) + "  " + "Total".rjust(vw))  # fmt: skip
        lines += [h.rstrip() for h in head] + [sub.rstrip(), "-" * len(sub.rstrip())]
        for row in rows:
            if row.kind == "total":
                lines.append("-" * len(sub.rstrip()))
            label = row.label if len(row.label) <= label_w else row.label[: label_w - 1] + "…"
            line = label.ljust(label_w)
            for k in block:
                tw, vw, _ = spans[k]
                cell = row.totals[k].rjust(vw)
                line += "   " + (cell if k == 0 else row.transfers[k].rjust(tw) + "  " + cell)
            lines.append(line.rstrip())
    return lines


def render_stv_sheet(result: CountResult, width: int = 100) -> str:
    """The whole classic STV sheet as plain text (ends with a newline)."""
    fmt = _formatter(result)
    title = result.title or "Result of the count"
    lines = [title, "=" * min(len(title), width), ""]
    valid = result.total_ballots - result.undervotes
    lines.append(f"Method: {result.method}    Seats: {result.seats}    Valid vote: {fmt(valid)}")
    if result.undervotes:
        lines.append(f"Blank papers (not valid, not counted): {fmt(result.undervotes)}")
    if result.final_threshold is not None:
        lines.append(f"Quota: {fmt(result.final_threshold)}")
    if result.decimal_places is not None:
        lines.append(f"Arithmetic: fixed point, {result.decimal_places} decimal places")
    else:
        lines.append("Arithmetic: exact; fractions shown to 4 places")
    lines.append("Elected: " + (", ".join(result.elected) if result.elected else "nobody"))
    lines.append("")
    lines += stv_sheet_lines(result, width)
    lines.append("")
    lines += textwrap.wrap(LEGEND, width)
    ties = [(r.number, t) for r in result.rounds for t in r.tie_breaks]
    if ties:
        lines += ["", "Ties"]
        for number, tie in ties:
            text = (f"Stage {number}: tie for {tie.purpose} between {', '.join(tie.tied)}; "
                    f"{tie.chosen} chosen by {tie.method}")  # fmt: skip
            text += f" ({tie.detail})." if tie.detail else "."
            lines += textwrap.wrap(text, width, subsequent_indent="  ")
    if result.notes:
        lines += ["", "Notes"]
        for note in result.notes:
            lines += textwrap.wrap("- " + note, width, subsequent_indent="  ")
    return "\n".join(line.rstrip() for line in lines) + "\n"


# --------------------------------------------------------------------------- HTML


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def stv_table_html(result: CountResult, caption: str = "Stage by stage") -> str:
    """The stage table as an accessible HTML table (stages as column groups)."""
    fmt = _formatter(result)
    rounds = result.rounds
    rows = _rows(result, fmt)
    out = ['<div class="table-wrap"><table class="stv-sheet">', f"<caption>{_e(caption)}</caption>"]
    out.append('<thead><tr><th scope="col" rowspan="3">Candidate</th>')
    for k, rnd in enumerate(rounds):
        span = "" if k == 0 else ' colspan="2"'
        out.append(f'<th scope="colgroup"{span}>Stage {rnd.number}</th>')
    out.append("</tr><tr>")
    for k in range(len(rounds)):
        span = "" if k == 0 else ' colspan="2"'
        out.append(f'<th scope="colgroup"{span}>{_e(stage_heading(result, k))}</th>')
    out.append("</tr><tr>")
    for k in range(len(rounds)):
        out.append('<th scope="col">Votes</th>' if k == 0 else
                   '<th scope="col">Transfer</th><th scope="col">Total</th>')  # fmt: skip
    out.append("</tr></thead><tbody>")
    elected = set(result.elected)
    for row in rows:
        cls = "summary" if row.kind in ("summary", "total") else ""
        if row.kind == "candidate" and row.label in elected:
            cls = "elected"
        cells = []
        for k in range(len(rounds)):
            if k:
                cells.append(f"<td>{_e(row.transfers[k])}</td>")
            cells.append(f"<td>{_e(row.totals[k])}</td>")
        attr = f' class="{cls}"' if cls else ""
        out.append(f'<tr{attr}><th scope="row">{_e(row.label)}</th>{"".join(cells)}</tr>')
    out.append(f'</tbody></table></div><p class="legend">{_e(LEGEND)}</p>')
    return "".join(out)


def _recipients(result: CountResult, transfers: dict[str, Fraction]) -> list[str]:
    order = [c for c in result.candidates if c in transfers]
    order += [k for k in (EXHAUSTED, RESIDUAL_SURPLUS) if k in transfers]
    return order + [k for k in transfers if k not in order]


def _recipient_label(key: str) -> str:
    if key == EXHAUSTED:
        return "non-transferable"
    if key == RESIDUAL_SURPLUS:
        return "loss by fractions"
    return key


def transfers_chart_svg(result: CountResult, ident: str, colour: Callable[[str], str]) -> str:
    """Inline SVG: one bar per transfer (surplus or exclusion), split by where it went.

    ``colour(name)`` gives a candidate's colour (the page's palette); the
    non-transferable papers are grey and the loss by fractions light grey.
    Empty when the count made no transfer.
    """
    fmt = _formatter(result)
    moves = [
        (result.rounds[k + 1].number, action)
        for k, rnd in enumerate(result.rounds[:-1])
        for action in rnd.actions
        if action.transfers
    ]
    if not moves:
        return ""
    largest = max(sum((v for v in a.transfers.values() if v > 0), Fraction(0)) for _, a in moves)
    if largest <= 0:
        return ""
    label_w, bar_w, row_h, note_h = 90, 640, 22, 16
    height = 10 + len(moves) * (row_h + note_h + 8)
    width = label_w + bar_w + 20
    desc = []
    for stage, action in moves:
        parts = ", ".join(
            f"{_recipient_label(k)} {fmt(action.transfers[k])}"
            for k in _recipients(result, action.transfers)
        )
        desc.append(f"Stage {stage}: {action.kind} of {action.candidate}: {parts}.")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-ttitle {ident}-tdesc">',
        f'<title id="{ident}-ttitle">Transfers at each stage, by recipient</title>',
        f'<desc id="{ident}-tdesc">{_e(" ".join(desc))}</desc>',
    ]
    y = 10
    for stage, action in moves:
        out.append(f'<text x="0" y="{y + 15}" font-size="13" fill="#1a1a1a">Stage {stage}</text>')
        x = Fraction(label_w)
        for key in _recipients(result, action.transfers):
            value = action.transfers[key]
            if value <= 0:
                continue
            if key == EXHAUSTED:
                fill = "#9E9E9E"
            elif key == RESIDUAL_SURPLUS:
                fill = "#D0D0D0"
            else:
                fill = colour(key)
            w = value * bar_w / largest
            out.append(
                f'<rect x="{fixed(x, 2)}" y="{y}" width="{fixed(w, 2)}" height="{row_h}" '
                f'fill="{fill}" stroke="#ffffff" stroke-width="1">'
                f"<title>{_e(_recipient_label(key))}: +{_e(fmt(value))}</title></rect>"
            )
            x += w
        kind = {"surplus": "surplus of", "eliminated": "exclusion of",
                "excluded": "exclusion of"}.get(action.kind, action.kind)  # fmt: skip
        total = fmt(sum(action.transfers.values(), Fraction(0)))
        note = f"{kind} {action.candidate}: {total}"
        out.append(
            f'<text x="{label_w}" y="{y + row_h + 13}" font-size="11" fill="#333">{_e(note)}</text>'
        )
        y += row_h + note_h + 8
    out.append("</svg>")
    return "".join(out)
