"""A self-contained HTML result sheet: one file, no scripts, no external assets.

The page can be mailed, archived or put on a noticeboard web site as it is:
the style sheet is inline and the chart is inline SVG, drawn from exact values
(coordinates are computed as fractions and printed to two places). It is
written to be read by everyone: the round table has a caption and header
cells with ``scope``, the chart is an ``img`` with a title and a text
description that states every figure it shows, colour is never the only
carrier of meaning (the same facts are in the table and in words), and every
name from the ballot file is escaped. The same result always gives the same
bytes (no timestamps).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from html import escape

from selectorate.counting.result import (
    EXHAUSTED,
    INACTIVE_CAUSES,
    RESIDUAL_SURPLUS,
    CountResult,
    Round,
)
from selectorate.reports.numbers import fixed, format_value
from selectorate.reports.rules_text import rules_rows
from selectorate.reports.stv_sheet import is_stv_result, stv_table_html, transfers_chart_svg
from selectorate.reports.text import (
    INACTIVE_LABELS,
    is_weighted,
    section_rows,
    tie_break_sentence,
)

#: Okabe–Ito and Tableau colours, distinguishable with common colour blindness.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
    "#D55E00", "#F0E442", "#4E79A7", "#B07AA1", "#9C755F",
    "#76B7B2", "#EDC948",
)  # fmt: skip
INACTIVE_COLOUR = "#9E9E9E"
ROUNDING_COLOUR = "#D0D0D0"

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.25rem}h2{font-size:1.2rem;margin-top:2rem}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dl.summary dt{font-weight:600}dl.summary dd{margin:0}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.4rem 0}
th,td{border:1px solid #c8c8c8;padding:.25rem .5rem}
thead th{background:#f0f0f0}td{text-align:right;white-space:nowrap}
th[scope=row]{text-align:left;font-weight:normal}
tr.elected th[scope=row]{font-weight:700}
tr.summary th,tr.summary td{background:#fafafa}
.mark{font-size:.8em;font-weight:700;margin-left:.25em}
.elected-mark{color:#00612e}.eliminated-mark{color:#8a1c1c}
.legend{font-size:.9em;color:#444}
figure{margin:1rem 0}svg{max-width:100%;height:auto}
footer{margin-top:3rem;font-size:.85em;color:#555}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _colour(result: CountResult, candidate: str) -> str:
    try:
        index = result.candidates.index(candidate)
    except ValueError:
        index = len(result.candidates)
    return PALETTE[index % len(PALETTE)]


def _counted(rnd: Round) -> Fraction:
    return rnd.active + rnd.inactive_total + rnd.residual_surplus


def _px(value: Fraction) -> str:
    return fixed(value, 2)


def _chart(result: CountResult, fmt: _Fmt, ident: str) -> str:
    """Stacked bars, one per round, with each round's decisions written beneath."""
    rounds = result.rounds
    scale_total = max((_counted(r) for r in rounds), default=Fraction(0))
    if scale_total <= 0:
        return ""
    label_w, bar_w, row_h, note_h, top = 90, 640, 26, 18, 10
    in_count = [c for c in result.candidates if any(c in r.tally for r in rounds)]
    height = top + len(rounds) * (row_h + note_h + 8) + 24 + 22 * ((len(in_count) + 3) // 4)
    width = label_w + bar_w + 20
    out: list[str] = []
    desc_parts = []
    for rnd in rounds:
        votes = "; ".join(f"{c} {fmt(v)}" for c, v in rnd.tally.items())
        decided = ", ".join(f"{a.candidate} {a.kind}" for a in rnd.actions)
        inactive = fmt(rnd.inactive_total)
        desc_parts.append(
            f"Round {rnd.number}: {votes}; inactive {inactive}"
            + (f"; threshold {fmt(rnd.threshold)}" if rnd.threshold is not None else "")
            + (f"; {decided}" if decided else "")
            + "."
        )
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
    )
    out.append(f'<title id="{ident}-title">Votes by round, stacked by candidate</title>')
    out.append(f'<desc id="{ident}-desc">{_e(" ".join(desc_parts))}</desc>')
    y = top
    for rnd in rounds:
        out.append(
            f'<text x="0" y="{y + 17}" font-size="13" fill="#1a1a1a">Round {rnd.number}</text>'
        )
        x = Fraction(label_w)
        segments = [(c, v, _colour(result, c)) for c, v in rnd.tally.items()]
        segments.append(("inactive ballots", rnd.inactive_total, INACTIVE_COLOUR))
        segments.append(("lost to rounding", rnd.residual_surplus, ROUNDING_COLOUR))
        for name, value, colour in segments:
            if value <= 0:
                continue
            w = value * bar_w / scale_total
            out.append(
                f'<rect x="{_px(x)}" y="{y}" width="{_px(w)}" height="{row_h}" '
                f'fill="{colour}" stroke="#ffffff" stroke-width="1">'
                f"<title>{_e(name)}: {_e(fmt(value))}</title></rect>"
            )
            x += w
        note = _round_note(result, rnd, fmt)
        if rnd.threshold is not None:
            note = f"threshold {fmt(rnd.threshold)}" + (f"; {note}" if note else "")
        out.append(
            f'<text x="{label_w}" y="{y + row_h + 14}" font-size="11" fill="#333">{_e(note)}</text>'
        )
        y += row_h + note_h + 8
    y += 8
    legend = [(c, _colour(result, c)) for c in in_count]
    legend += [("inactive ballots", INACTIVE_COLOUR)]
    if any(r.residual_surplus for r in rounds):
        legend.append(("lost to rounding", ROUNDING_COLOUR))
    for i, (name, colour) in enumerate(legend):
        lx = label_w + (i % 4) * (bar_w // 4)
        ly = y + (i // 4) * 22
        out.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{colour}"/>')
        out.append(
            f'<text x="{lx + 16}" y="{ly + 11}" font-size="12" fill="#1a1a1a">{_e(name)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _round_note(result: CountResult, rnd: Round, fmt: _Fmt) -> str:
    parts = []
    for action in rnd.actions:
        text = f"{action.candidate} {action.kind}"
        if action.transfers:
            moved = ", ".join(
                f"{_recipient(k)} {_signed(fmt(action.transfers[k]))}"
                for k in _transfer_order(result, action.transfers)
            )
            text += f" → {moved}"
        parts.append(text)
    return "; ".join(parts)


def _recipient(key: str) -> str:
    if key == EXHAUSTED:
        return "no further preference"
    if key == RESIDUAL_SURPLUS:
        return "lost to rounding"
    return key


def _signed(text: str) -> str:
    return text if text.startswith("-") else "+" + text


def _transfer_order(result: CountResult, transfers: dict[str, Fraction]) -> list[str]:
    order = [c for c in result.candidates if c in transfers]
    order += [k for k in (EXHAUSTED, RESIDUAL_SURPLUS) if k in transfers]
    return order + [k for k in transfers if k not in order]


class _Fmt:
    def __init__(self, result: CountResult) -> None:
        self.places = result.decimal_places

    def __call__(self, value: Fraction | int) -> str:
        return format_value(value, self.places)


def _marks(rnd: Round) -> dict[str, str]:
    marks = {}
    for action in rnd.actions:
        if action.kind == "elected":
            marks[action.candidate] = "elected"
        elif action.kind in ("eliminated", "excluded", "withdrawn"):
            marks[action.candidate] = "eliminated"
    return marks


def _mark_html(kind: str) -> str:
    letter = "E" if kind == "elected" else "X"
    label = "elected" if kind == "elected" else "eliminated"
    return (
        f'<span class="mark {kind}-mark" title="{label} at the end of this round">'
        f'({letter})<span class="visually-hidden"> {label}</span></span>'
    )


def _table(result: CountResult, fmt: _Fmt, caption: str) -> str:
    rounds = result.rounds
    in_count = [c for c in result.candidates if any(c in r.tally for r in rounds)]
    elected = set(result.elected)
    marks = [_marks(r) for r in rounds]
    rows = ["<thead><tr>", '<th scope="col">Candidate</th>']
    rows += [f'<th scope="col">Round {r.number}</th>' for r in rounds]
    rows.append("</tr></thead><tbody>")
    for c in in_count:
        cls = ' class="elected"' if c in elected else ""
        cells = []
        for rnd, mark in zip(rounds, marks, strict=True):
            if c in rnd.tally:
                cell = _e(fmt(rnd.tally[c]))
                if c in mark:
                    cell += _mark_html(mark[c])
            else:
                cell = '<span title="no longer in the count">–</span>'
            cells.append(f"<td>{cell}</td>")
        rows.append(f'<tr{cls}><th scope="row">{_e(c)}</th>{"".join(cells)}</tr>')

    def summary_row(label: str, values: Iterable[str]) -> None:
        cells = "".join(f"<td>{_e(v)}</td>" for v in values)
        rows.append(f'<tr class="summary"><th scope="row">{_e(label)}</th>{cells}</tr>')

    summary_row("Votes for candidates", (fmt(r.active) for r in rounds))
    keys = [k for k in INACTIVE_CAUSES if any(r.inactive.get(k) for r in rounds)]
    keys += sorted({k for r in rounds for k in r.inactive if k not in INACTIVE_CAUSES})
    for key in keys:
        label = "Inactive: " + INACTIVE_LABELS.get(key, key)
        summary_row(label, (fmt(r.inactive.get(key, Fraction(0))) for r in rounds))
    if any(r.residual_surplus for r in rounds):
        summary_row("Lost to rounding", (fmt(r.residual_surplus) for r in rounds))
    if result.undervotes:
        summary_row("Blank ballots", (fmt(result.undervotes) for _ in rounds))
    if not is_weighted(result):
        summary_row(
            "Total",
            (
                fmt(r.active + r.inactive_total + r.residual_surplus + result.undervotes)
                for r in rounds
            ),
        )
    if any(r.threshold is not None for r in rounds):
        summary_row("Threshold", ("" if r.threshold is None else fmt(r.threshold) for r in rounds))
    rows.append("</tbody>")
    legend = "(E) elected and (X) eliminated at the end of the round; – no longer in the count."
    if is_weighted(result):
        legend += " The figures are the sections’ weighted totals; each section’s own votes follow."
    else:
        legend += (
            " “Total” adds the votes, inactive ballots, rounding losses and blank ballots "
            "of a round: it equals the ballots cast."
        )
    out = (
        f'<div class="table-wrap"><table><caption>{_e(caption)}</caption>'
        + "".join(rows)
        + f'</table></div><p class="legend">{legend}</p>'
    )
    for name, section in section_rows(result, fmt):
        head = "".join(f'<th scope="col">Round {r.number}</th>' for r in rounds)
        body = "".join(
            f'<tr><th scope="row">{_e(label)}</th>'
            + "".join(f"<td>{_e(c)}</td>" for c in cells)
            + "</tr>"
            for label, cells in section
        )
        out += (
            f'<div class="table-wrap"><table><caption>Section: {_e(name)}</caption>'
            f'<thead><tr><th scope="col">Candidate</th>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )
    return out


def _section(result: CountResult, ident: str, heading_level: int = 2) -> str:
    fmt = _Fmt(result)
    h = f"h{heading_level}"
    out = []
    items = [
        ("Method", result.method),
        ("Seats", str(result.seats)),
        ("Ballots", fmt(result.total_ballots)),
    ]
    if result.undervotes:
        items.append(("Blank ballots", fmt(result.undervotes)))
    if result.final_threshold is not None:
        items.append(("Threshold (last round)", fmt(result.final_threshold)))
    if result.decimal_places is None:
        items.append(("Arithmetic", "exact fractions; shown to 4 places, rounded half to even"))
    else:
        items.append(("Arithmetic", f"fixed point, {result.decimal_places} decimal places"))
    items += rules_rows(result)
    items.append(("Elected", ", ".join(result.elected) or "nobody"))
    out.append('<dl class="summary">')
    out += [f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items]
    out.append("</dl>")
    if result.rounds:
        chart = _chart(result, fmt, ident)
        if chart:
            out.append(f"<{h}>Chart of the rounds</{h}>")
            out.append(
                f"<figure>{chart}<figcaption>Each bar is one round: the votes of each "
                "candidate, then the ballots no longer counting. Under each bar: the round's "
                "threshold, the decisions at the end of the round and where the votes went. "
                "The same figures are in the table below.</figcaption></figure>"
            )
        if is_stv_result(result):
            out.append(_stv_parts(result, ident, h))
        else:
            out.append(f"<{h}>Round by round</{h}>")
            out.append(_table(result, fmt, "Votes of each candidate, round by round"))
        decisions = []
        for rnd in result.rounds:
            note = _round_note(result, rnd, fmt)
            if note:
                decisions.append(f"<li>Round {rnd.number}: {_e(note)}</li>")
        if decisions:
            out.append(f"<{h}>Decisions and transfers</{h}><ol>{''.join(decisions)}</ol>")
        ties = [tie_break_sentence(r.number, t) for r in result.rounds for t in r.tie_breaks]
        out.append(f"<{h}>Tie-breaks</{h}>")
        if ties:
            out.append("<ul>" + "".join(f"<li>{_e(t)}</li>" for t in ties) + "</ul>")
        else:
            out.append("<p>None were needed.</p>")
    if result.notes:
        out.append(f"<{h}>Notes</{h}><ul>")
        out += [f"<li>{_e(n)}</li>" for n in result.notes]
        out.append("</ul>")
    for i, sub in enumerate(result.passes, start=1):
        out.append(f'<section aria-labelledby="{ident}-pass{i}">')
        out.append(f'<{h} id="{ident}-pass{i}">Pass {i}</{h}>')
        out.append(_section(sub, f"{ident}-pass{i}", min(heading_level + 1, 6)))
        out.append("</section>")
    return "".join(out)


def _stv_parts(result: CountResult, ident: str, h: str) -> str:
    """The classic STV sheet: a chart of each stage's transfers, then the stage table."""
    out = ""
    chart = transfers_chart_svg(result, ident, lambda name: _colour(result, name))
    if chart:
        out += (
            f"<{h}>Transfers at each stage</{h}><figure>{chart}<figcaption>Each bar is one "
            "transfer (a surplus or an exclusion), split by where its value went. The same "
            "figures are in the table below.</figcaption></figure>"
        )
    return out + f"<{h}>Stage by stage</{h}>" + stv_table_html(result, "Votes at each stage")


def render_html(result: CountResult, *, lang: str = "en") -> str:
    """The complete HTML document for ``result`` (UTF-8 text, ends with a newline)."""
    from selectorate import __version__

    title = result.title or "Result of the count"
    css = _CSS.strip().replace("\n", "")
    css += (
        ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;"
        "clip:rect(0 0 0 0);white-space:nowrap}"
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{_e(title)}</h1>\n"
        + _section(result, "count")
        + "\n</main>\n<footer>Counted and rendered by selectorate "
        f"{_e(__version__)}, method “{_e(result.method)}”. Every figure is exact; "
        "see the JSON result for the values as fractions.</footer>\n</body>\n</html>\n"
    )
