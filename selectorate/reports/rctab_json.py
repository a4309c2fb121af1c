"""RCTab's "detailed report" JSON (``jsonFormatVersion`` "1").

Source: RCTab ``ResultsWriter.generateSummaryJson`` (BrightSpots/rcv). The
document has four keys, written by Jackson with sorted keys and its default
pretty printer (reproduced here byte for byte):

- ``config``: contest, date, generatedBy, jurisdiction, office;
- ``jsonFormatVersion``: ``"1"``;
- ``results``: one object per round with ``round``, ``tally`` (candidate →
  votes), ``tallyResults`` (the round's ``elected`` then ``eliminated``
  decisions, each with the ``transfers`` its ballots made into the next
  round), ``threshold`` and ``inactiveBallots`` (cumulative, by cause; with
  ``finalRoundSurplus`` in the last round of a count with surpluses);
- ``summary``: finalThreshold, numCandidates, numWinners, totalNumBallots,
  undervotes.

Every vote number is a string in Java ``BigDecimal.toString`` form: whole
votes plain ("8"), fixed-point values with the scale they were computed at
("8.0000"). RCTab-rule results carry those scales
(:class:`~selectorate.counting.rctab_engine.RctabRound`); for other results
whole numbers print plainly and others with ``decimal_places`` (or as many
places as they need; a value no decimal expresses, such as 1/3, is rounded
half to even to ``max(decimal_places, 4)`` places).

An STV count (``notes/stv_contract.md``) gives one ``results`` entry per stage:
``results[k].tally`` holds every continuing and elected candidate's total at
stage ``k + 1``, and ``tallyResults`` what was done at the end of it (a surplus
transfer appears as an "elected" entry carrying the transfers, see
``_RCTAB_KIND``).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from selectorate import __version__
from selectorate.counting.java_collections import java_string_key
from selectorate.counting.rctab_engine import FINAL_ROUND_SURPLUS, RctabRound
from selectorate.counting.result import INACTIVE_CAUSES, CountResult, Round
from selectorate.reports.numbers import EXACT_DISPLAY_PLACES, is_finite_decimal

JsonValue = object


def java_decimal_string(value: Fraction, scale: int) -> str:
    """``BigDecimal.toString()`` of ``value`` held at ``scale`` decimals."""
    unscaled = value * 10**scale
    if unscaled.denominator != 1:
        raise ValueError(f"{value} does not fit in {scale} decimal places")
    units = unscaled.numerator
    sign = "-" if units < 0 else ""
    digits = str(abs(units))
    if scale == 0:
        return sign + digits
    adjusted = len(digits) - 1 - scale
    if scale > 0 and adjusted >= -6:
        if len(digits) <= scale:
            digits = "0" * (scale - len(digits) + 1) + digits
        return f"{sign}{digits[:-scale]}.{digits[-scale:]}"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}E{'+' if adjusted > 0 else ''}{adjusted}"


def _places_needed(value: Fraction) -> int:
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
        if places > 40:
            raise ValueError(f"{value} is not a terminating decimal")
    return places


def _scale(value: Fraction, hint: int | None, result: CountResult) -> int:
    if hint is not None:
        return hint
    if value.denominator == 1:
        return 0
    if result.decimal_places is not None:
        return max(result.decimal_places, _places_needed(value))
    return _places_needed(value)


def _number(value: Fraction, hint: int | None, result: CountResult) -> str:
    value = Fraction(value)
    if hint is None and not is_finite_decimal(value):
        # An exact-fraction count (Meek, Warren with rational arithmetic): no decimal
        # holds 1/3, so print it rounded half to even as the sheets do; the exact
        # value is in selectorate's own JSON.
        places = max(result.decimal_places or 0, EXACT_DISPLAY_PLACES)
        return java_decimal_string(Fraction(round(value * 10**places), 10**places), places)
    return java_decimal_string(value, _scale(value, hint, result))


#: How the actions of an STV count (``notes/stv_contract.md``) appear in RCTab's
#: ``tallyResults``, which knows only "elected" and "eliminated": a surplus transfer
#: hangs off an "elected" entry (RCTab's own place for a winner's transfers), merged
#: with the winner's election when both happen at the same stage; exclusions by
#: the rulebook (group minimums, withdrawals) are eliminations.
_RCTAB_KIND = {"elected": "elected", "surplus": "elected", "eliminated": "eliminated",
               "excluded": "eliminated", "withdrawn": "eliminated"}  # fmt: skip


def _stv_entries(rnd: Round, result: CountResult) -> list[JsonValue]:
    """``tallyResults`` of a stage of a count that is not RCTab's (no ``RctabRound``)."""
    entries: dict[tuple[str, str], dict[str, Fraction]] = {}
    for action in rnd.actions:
        kind = _RCTAB_KIND.get(action.kind)
        if kind is None:  # "unfilled": a RON seat, not a winner
            continue
        moved = entries.setdefault((kind, action.candidate), {})
        for recipient, value in action.transfers.items():
            moved[recipient] = moved.get(recipient, Fraction(0)) + value
    out: list[JsonValue] = []
    for kind in ("elected", "eliminated"):
        for (k, name), moved in entries.items():
            if k == kind:
                transfers = {r: _number(moved[r], None, result) for r in sorted(moved)}
                out.append({kind: name, "transfers": transfers})
    return out


def _round_json(rnd: Round, result: CountResult) -> dict[str, JsonValue]:
    extra = rnd if isinstance(rnd, RctabRound) else None
    tally = {
        name: _number(v, extra.tally_scale.get(name) if extra else None, result)
        for name, v in rnd.tally.items()
    }
    inactive: dict[str, JsonValue] = {}
    for cause in (*INACTIVE_CAUSES, FINAL_ROUND_SURPLUS):
        if cause in rnd.inactive:
            hint = extra.inactive_scale.get(cause) if extra else None
            inactive[cause] = _number(rnd.inactive[cause], hint, result)
        elif cause != FINAL_ROUND_SURPLUS:
            inactive[cause] = "0"
    actions: list[JsonValue] = []
    for kind in ("elected", "eliminated") if extra is not None else ():
        for action in rnd.actions:
            if action.kind != kind:
                continue
            transfers = {
                recipient: _number(
                    v,
                    extra.transfer_scale.get((action.candidate, recipient)) if extra else None,
                    result,
                )
                for recipient, v in action.transfers.items()
            }
            actions.append({kind: action.candidate, "transfers": transfers})
    if extra is None:
        actions = _stv_entries(rnd, result)
    threshold: JsonValue = None
    if rnd.threshold is not None:
        threshold = _number(rnd.threshold, extra.threshold_scale if extra else None, result)
    return {
        "inactiveBallots": inactive,
        "round": rnd.number,
        "tally": tally,
        "tallyResults": actions,
        "threshold": threshold,
    }


def rctab_json_document(
    result: CountResult, contest_output: Mapping[str, object]
) -> dict[str, JsonValue]:
    """The detailed report of one (single-pass) result as plain Python data."""
    config = {
        "contest": contest_output.get("contestName"),
        "date": contest_output.get("contestDate"),
        "generatedBy": contest_output.get("generatedBy", f"selectorate {__version__}"),
        "jurisdiction": contest_output.get("contestJurisdiction"),
        "office": contest_output.get("contestOffice"),
    }
    final = result.rounds[-1] if result.rounds else None
    final_threshold: JsonValue = None
    if final is not None and final.threshold is not None:
        hint = final.threshold_scale if isinstance(final, RctabRound) else None
        final_threshold = _number(final.threshold, hint, result)
    summary = {
        "finalThreshold": final_threshold,
        "numCandidates": len(result.candidates),
        "numWinners": result.seats,
        "totalNumBallots": _number(result.total_ballots, None, result),
        "undervotes": int(result.undervotes),
    }
    return {
        "config": config,
        "jsonFormatVersion": "1",
        "results": [_round_json(r, result) for r in result.rounds],
        "summary": summary,
    }


def _string(text: str) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _emit(value: JsonValue, level: int) -> str:
    """Jackson ``DefaultPrettyPrinter`` layout with keys sorted as Java strings."""
    if isinstance(value, dict):
        if not value:
            return "{ }"
        pad = "  " * (level + 1)
        items = sorted(value.items(), key=lambda kv: java_string_key(kv[0]))
        body = ",\n".join(f"{pad}{_string(k)} : {_emit(v, level + 1)}" for k, v in items)
        return "{\n" + body + "\n" + "  " * level + "}"
    if isinstance(value, list):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(_emit(v, level) for v in value) + " ]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _string(str(value))


def render_rctab_json(result: CountResult, contest_output: Mapping[str, object]) -> str:
    """RCTab's detailed-report JSON for ``result`` (one pass), as RCTab writes it."""
    if result.passes and not result.rounds:
        raise ValueError(
            "a multi-pass result has one report per pass: use render_rctab_json_passes"
        )
    return _emit(rctab_json_document(result, contest_output), 0)


def render_rctab_json_passes(
    result: CountResult, contest_output: Mapping[str, object]
) -> list[str]:
    """One detailed report per pass of a multi-pass result (a single one otherwise)."""
    if not result.passes:
        return [render_rctab_json(result, contest_output)]
    return [render_rctab_json(p, contest_output) for p in result.passes]
