"""RCTab's round-by-round "detailed report" CSV, byte for byte.

RCTab (the Universal RCV Tabulator, github.com/BrightSpots/rcv) writes, next to
its JSON, a spreadsheet that US election offices publish: a *Contest
Information* block, a *Contest Summary* block, then one ``Votes / % of vote /
transfer`` column triple per round. This module renders the same sheet from a
:class:`~selectorate.counting.result.CountResult`, so that a count by
selectorate's RCTab-rule methods can be compared with RCTab's own files with
``cmp``. The layout rules below were read off RCTab's ``ResultsWriter`` and
checked against the expected reports of its regression suite
(``shared/conformance/rctab/*/…_expected_detailed_report.csv``, RCTab 2.0.0):

* **Candidate rows** follow RCTab's display order: the round-1 tally sorted
  by votes, highest first, "Undeclared Write-ins" last, with ties left in the
  iteration order of the Java ``HashMap`` that holds that tally (bucket
  ``(h ^ h >>> 16) & (capacity - 1)`` of ``String.hashCode``; capacity the
  smallest power of two ≥ 16 holding the tally at load factor 0.75). This is
  reproduced exactly by :func:`rctab_candidate_order`.
* **Eliminated / Elected** cells list the round's candidates in Java string
  order joined by ``"; "``; a candidate whose fate a tie-break decided carries
  ``*`` and the sheet ends with ``*Tie resolved in accordance with election
  law``. ``Winner(s)`` lists winners by round of election, then in string order.
* **% of vote** is :func:`~selectorate.reports.numbers.rctab_percent` of the
  round's active ballots in the modes whose threshold follows the round
  (single-winner and bottoms-up to a percentage, unless the first round fixes
  the threshold), else of round 1's active ballots (STV, multi-pass passes).
* **transfer** is the next round's value minus this round's (0 in the last
  round); a candidate absent from a tally counts 0 there.
* **Active Ballots** is the sum of the tally plus any final-round surplus
  (RCTab's "active and locked in" ballots).
* Numbers print as Java ``BigDecimal`` does, at the scale RCTab carries
  (``8`` and ``8.0000`` are different cells). The RCTab-rule methods record
  those scales on their rounds (``tally_scale``, ``inactive_scale`` and
  ``threshold_scale`` of :class:`selectorate.counting.rctab_engine.RctabRound`,
  read here by attribute name); a round without them prints the shortest
  exact decimal, which matches every integer-valued report (all IRV ones).
* Cells are quoted as Apache Commons CSV's default format does (a value is
  quoted when it contains ``,``, ``"``, CR or LF, starts with a character up
  to ``#`` or ends with one up to a space); lines end with LF, as in the
  committed expected files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction

from selectorate.counting.result import INACTIVE_CAUSES, CountResult, Round
from selectorate.reports.numbers import exact_decimal, rctab_percent, scaled_decimal

#: RCTab's name for the pseudo-candidate that collects undeclared write-ins.
UNDECLARED_WRITE_INS = "Undeclared Write-ins"
#: Key of ``Round.inactive`` under which RCTab-rule methods record the surplus
#: left with the winners once every seat is filled (RCTab's ``finalRoundSurplus``).
FINAL_ROUND_SURPLUS = "finalRoundSurplus"
TIE_FOOTNOTE = "*Tie resolved in accordance with election law"
#: The registry names of the RCTab-rule methods (RCTab's winnerElectionMode values).
RCTAB_METHODS = ("irv", "stv-rctab", "multi-pass-irv", "bottoms-up", "bottoms-up-percentage")

_INACTIVE_LABELS = {
    "overvotes": "Overvotes",
    "skippedRankings": "Skipped Rankings",
    "exhaustedChoices": "Exhausted Choices",
    "repeatedRankings": "Repeated Rankings",
}


def java_string_key(text: str) -> bytes:
    """Sort key reproducing Java's ``String.compareTo`` (UTF-16 code units)."""
    return text.encode("utf-16-be")


def java_string_hash(text: str) -> int:
    """Java's ``String.hashCode`` as an unsigned 32-bit integer."""
    data = text.encode("utf-16-be")
    h = 0
    for i in range(0, len(data), 2):
        h = (31 * h + int.from_bytes(data[i : i + 2], "big")) & 0xFFFFFFFF
    return h


def java_hashmap_order(keys: Sequence[str]) -> list[str]:
    """The order in which a ``java.util.HashMap`` filled with ``keys`` (in order) iterates.

    Buckets are visited in index order and keys within a bucket in insertion
    order. (A bucket of eight or more colliding keys would make Java resize or
    build a tree; with candidate lists that never happens in practice.)
    """
    capacity = 16
    while len(keys) > capacity * 3 // 4:
        capacity *= 2

    def bucket(key: str) -> int:
        h = java_string_hash(key)
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(keys, key=bucket)  # sorted() is stable: insertion order within a bucket


def rctab_candidate_order(first_round: Round) -> list[str]:
    """RCTab's row order: round-1 votes descending, ties in HashMap order, write-ins last."""
    keys = java_hashmap_order(list(first_round.tally))
    return sorted(keys, key=lambda c: (c == UNDECLARED_WRITE_INS, -first_round.tally[c]))


def _quote(value: str, first: bool) -> str:
    """One cell as Commons CSV's ``QuoteMode.MINIMAL`` writes it."""
    if value == "":
        return '""' if first else ""
    needs = value[0] <= "#" or value[-1] <= " " or any(ch in value for ch in ',"\r\n')
    if needs:
        return '"' + value.replace('"', '""') + '"'
    return value


def _line(cells: Iterable[str]) -> str:
    return ",".join(_quote(c, i == 0) for i, c in enumerate(cells)) + "\n"


def _max_places(places: Iterable[int | None]) -> int | None:
    known = [p for p in places if p is not None]
    return max(known) if known else None


def _scales(rnd: Round, name: str) -> Mapping[str, int]:
    """A scale table of an RCTab-rule round (``tally_scale``/``inactive_scale``), else empty."""
    table = getattr(rnd, name, None)
    return table if isinstance(table, Mapping) else {}


def threshold_scale(rnd: Round) -> int | None:
    """The scale RCTab prints the round's threshold with, when the method recorded it."""
    scale = getattr(rnd, "threshold_scale", None)
    return scale if isinstance(scale, int) else None


class _Sheet:
    """The numbers of one report, round by round, with their print scales."""

    def __init__(self, result: CountResult) -> None:
        self.result = result
        self.rounds = result.rounds

    def tally(self, rnd: Round, candidate: str) -> tuple[Fraction, int | None]:
        if candidate not in rnd.tally:
            return Fraction(0), 0
        return rnd.tally[candidate], _scales(rnd, "tally_scale").get(candidate)

    def inactive(self, rnd: Round, cause: str) -> tuple[Fraction, int | None]:
        scales = _scales(rnd, "inactive_scale")
        if cause not in rnd.inactive:
            return Fraction(0), (0 if scales else None)
        return rnd.inactive[cause], scales.get(cause)

    def inactive_total(self, rnd: Round) -> tuple[Fraction, int | None]:
        values = [self.inactive(rnd, c) for c in INACTIVE_CAUSES]
        return sum((v for v, _ in values), Fraction(0)), _max_places(p for _, p in values)

    def final_surplus(self, rnd: Round) -> tuple[Fraction, int | None]:
        value = rnd.inactive.get(FINAL_ROUND_SURPLUS, Fraction(0))
        places = _scales(rnd, "inactive_scale").get(FINAL_ROUND_SURPLUS)
        if places is None and value != 0:
            places = self.result.decimal_places
        return value, places

    def active(self, rnd: Round) -> tuple[Fraction, int | None]:
        surplus, surplus_places = self.final_surplus(rnd)
        places = _max_places(
            [*(_scales(rnd, "tally_scale").get(c) for c in rnd.tally), surplus_places]
        )
        return rnd.active + surplus, places


def _number(value: Fraction, places: int | None) -> str:
    return scaled_decimal(value, places)


def _difference(this: tuple[Fraction, int | None], following: tuple[Fraction, int | None]) -> str:
    value = following[0] - this[0]
    return _number(value, _max_places([this[1], following[1]]))


def _tie_marked(rnd: Round) -> set[str]:
    """Candidates whose action in ``rnd`` a tie-break decided."""
    marked: set[str] = set()
    for tie in rnd.tie_breaks:
        marked.update(tie.tied)
        marked.add(tie.chosen)
    return marked


def _action_cell(rnd: Round, kinds: tuple[str, ...]) -> tuple[str, bool]:
    """The Eliminated/Elected cell of one round, and whether it carries a tie mark."""
    names = sorted({a.candidate for a in rnd.actions if a.kind in kinds}, key=java_string_key)
    marked = _tie_marked(rnd)
    cells = [n + "*" if n in marked else n for n in names]
    return "; ".join(cells), any(n in marked for n in names)


def _winners(result: CountResult) -> list[str]:
    winners: list[str] = []
    for rnd in result.rounds:
        elected = {a.candidate for a in rnd.actions if a.kind == "elected"}
        winners.extend(sorted(elected - set(winners), key=java_string_key))
    if not winners:
        winners = list(result.elected)
    return winners


def _seats_text(result: CountResult) -> str:
    share = result.options.get("bottoms_up_percentage")
    if result.method == "bottoms-up-percentage" and share is not None:
        pct = exact_decimal(Fraction(share) * 100) or str(Fraction(share) * 100)
        return f"All candidates over the {pct}% threshold"
    return str(result.seats)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def render_rctab_csv(
    result: CountResult,
    contest_output: Mapping[str, object] | None = None,
    *,
    generated_by: str | None = None,
    single_winner: bool | None = None,
    uses_surpluses: bool | None = None,
    percent_of_current_round: bool | None = None,
    summary_only: bool = False,
) -> str:
    """The RCTab detailed report of one count (one pass of a multi-pass count).

    ``contest_output`` is the config's ``outputSettings`` (``contestName``,
    ``contestJurisdiction``, ``contestOffice``, ``contestDate``); without it
    the result's title names the contest. ``generated_by`` defaults to
    ``"selectorate <version>"`` (RCTab writes ``"RCTab 2.0.0"``).
    ``single_winner`` (RCTab's ``singleWinnerMajority`` mode) defaults to
    ``result.method == "irv"`` (for a method that is not an RCTab rule: one
    seat); ``uses_surpluses`` (the STV modes, which add a ``Final Round
    Surplus`` row) to ``result.method == "stv-rctab"``;
    ``percent_of_current_round`` to single-winner or bottoms-up-percentage
    counts whose first round does not fix the threshold.
    ``summary_only`` leaves out the "Inactive Ballots by …" rows, as RCTab's
    ``summary_report.csv`` does.
    """
    if not result.rounds:
        raise ValueError(
            "this result has no rounds of its own"
            + ("; render each of its passes" if result.passes else "")
        )
    if generated_by is None:
        from selectorate import __version__

        generated_by = f"selectorate {__version__}"
    if single_winner is None:
        rctab_rule = result.method in RCTAB_METHODS
        single_winner = result.method == "irv" or (not rctab_rule and result.seats == 1)
    if uses_surpluses is None:
        uses_surpluses = result.method == "stv-rctab"
    output = dict(contest_output or {})
    if percent_of_current_round is None:
        follows_round = single_winner or result.method == "bottoms-up-percentage"
        percent_of_current_round = follows_round and not bool(
            result.options.get("first_round_determines_threshold", False)
        )
    sheet = _Sheet(result)
    rounds = result.rounds
    last = rounds[-1]

    lines: list[str] = []
    add = lines.append
    add(_line(["Contest Information"]))
    add(_line(["Generated By", generated_by]))
    add(_line(["CSV Format Version", "1"]))
    add(_line(["Type of Election", "Single-Winner" if single_winner else "Multi-Winner"]))
    add(_line(["Contest", _text(output.get("contestName", result.title))]))
    add(_line(["Jurisdiction", _text(output.get("contestJurisdiction"))]))
    add(_line(["Office", _text(output.get("contestOffice"))]))
    add(_line(["Date", _text(output.get("contestDate"))]))
    add(_line(["Winner(s)", ", ".join(_winners(result))]))
    threshold = last.threshold
    add(
        _line(
            [
                "Final Threshold",
                "" if threshold is None else _number(threshold, threshold_scale(last)),
            ]
        )
    )
    add("\n")
    add(_line(["Contest Summary"]))
    add(_line(["Number to be Elected", _seats_text(result)]))
    add(_line(["Number of Candidates", str(len(rounds[0].tally))]))
    add(_line(["Total Number of Ballots", _number(result.total_ballots, None)]))
    add(_line(["Number of Undervotes (No Rankings)", _number(result.undervotes, None)]))
    add("\n")

    header = ["Rounds"]
    for rnd in rounds:
        header += [f"Round {rnd.number} Votes", "% of vote", "transfer"]
    add(_line(header))

    any_tie_mark = False
    for label, kinds in (("Eliminated", ("eliminated",)), ("Elected", ("elected",))):
        row = [label]
        for rnd in rounds:
            cell, marked = _action_cell(rnd, kinds)
            any_tie_mark = any_tie_mark or marked
            row += [cell, "", ""]
        add(_line(row))

    round_one_active = sheet.active(rounds[0])[0]
    for candidate in rctab_candidate_order(rounds[0]):
        row = [candidate]
        for i, rnd in enumerate(rounds):
            value = sheet.tally(rnd, candidate)
            row.append(_number(*value))
            if percent_of_current_round:
                divisor = sheet.active(rnd)[0]
            else:
                divisor = round_one_active
            row.append(rctab_percent(value[0], divisor))
            if i + 1 < len(rounds):
                row.append(_difference(value, sheet.tally(rounds[i + 1], candidate)))
            else:
                row.append("0")
        add(_line(row))

    row = ["Active Ballots"]
    for rnd in rounds:
        row += [_number(*sheet.active(rnd)), "", ""]
    add(_line(row))
    row = ["Current Round Threshold"]
    for rnd in rounds:
        row += [
            "" if rnd.threshold is None else _number(rnd.threshold, threshold_scale(rnd)),
            "",
            "",
        ]
    add(_line(row))

    def inactive_row(label: str, getter: Callable[[Round], tuple[Fraction, int | None]]) -> None:
        row = [label]
        for i, rnd in enumerate(rounds):
            value = getter(rnd)
            row += [_number(*value), ""]
            if i + 1 < len(rounds):
                row.append(_difference(value, getter(rounds[i + 1])))
            else:
                row.append("0")
        add(_line(row))

    if not summary_only:
        for cause in INACTIVE_CAUSES:
            inactive_row(
                f"Inactive Ballots by {_INACTIVE_LABELS[cause]}",
                lambda rnd, cause=cause: sheet.inactive(rnd, cause),
            )
    inactive_row("Inactive Ballots Total", sheet.inactive_total)

    if last.residual_surplus > 0:
        row = ["Residual surplus"]
        for rnd in rounds:
            residual = rnd.residual_surplus
            places = result.decimal_places if residual != 0 else None
            row += [_number(residual, places), "", ""]
        add(_line(row))

    if uses_surpluses:
        row = ["Final Round Surplus"]
        for rnd in rounds:
            value, places = sheet.final_surplus(rnd)
            shown = value != 0 or (places is not None and places > 0)
            row += [_number(value, places) if shown else "", "", ""]
        add(_line(row))

    if any_tie_mark:
        add("\n")
        add(_line([TIE_FOOTNOTE]))
    return "".join(lines)


def render_rctab_csv_passes(
    result: CountResult,
    contest_output: Mapping[str, object] | None = None,
    *,
    generated_by: str | None = None,
) -> list[str]:
    """One report per pass of a multi-pass count (RCTab writes ``…_1``, ``…_2``, …), else one."""
    if not result.passes:
        return [render_rctab_csv(result, contest_output, generated_by=generated_by)]
    return [
        render_rctab_csv(
            p,
            contest_output,
            generated_by=generated_by,
            single_winner=False,
            uses_surpluses=False,
            percent_of_current_round=False,
        )
        for p in result.passes
    ]
