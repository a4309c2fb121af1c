"""``selectorate eligibility`` and ``selectorate whatif``: procedures run from the command line.

* ``selectorate eligibility REGISTER.csv --rulebook labour-2014 --freeze-date 2016-07-12
  --contest lab-leader-2016`` checks a membership register (columns:
  :mod:`selectorate.rulebooks.register`) and prints who may vote and, for
  everyone excluded, every reason.
* ``selectorate whatif nominations --record lab-leader-2015 --thresholds 5%,10%,15%,20%``
  or ``--rulebooks labour-2014,labour-2017,labour-2021`` replays a historical
  record under other rules and prints the results side by side
  (:mod:`selectorate.rulebooks.whatif`).

Errors are one line on standard error (``error: file: key: problem``): exit
status 1 for bad input, 2 for a wrong command line. Importing this module
registers the commands with :data:`selectorate.cli.app`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path

import typer

from selectorate import cli
from selectorate.procedures.outcome import Outcome
from selectorate.rulebooks.errors import RulebookError, UnknownRulebookError


class ProcedureFormat(StrEnum):
    """What the procedure commands print."""

    text = "text"
    json = "json"


class WhatIfKind(StrEnum):
    """What kind of record to replay."""

    nominations = "nominations"
    trigger = "trigger"
    nec = "nec"


@contextmanager
def _problems() -> Iterator[None]:
    """Rulebook and record errors as the CLI's one-line errors."""
    try:
        yield
    except UnknownRulebookError as exc:
        raise cli.UsageProblem(exc.problem) from None
    except RulebookError as exc:
        raise cli.InputProblem(exc.describe()) from None
    except FileNotFoundError as exc:
        raise cli.InputProblem(str(exc)) from None


def _date(text: str, option: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise cli.UsageProblem(f"{option} {text!r}: expected a date YYYY-MM-DD") from None


def _write(text: str, output: Path | None) -> None:
    cli._emit([text], output)


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- eligibility


def eligibility_text(outcome: Outcome, *, everyone: bool = False) -> str:
    """The eligibility check as plain text: summary, figures, then the excluded with reasons."""
    lines = [outcome.summary, f"rulebook: {outcome.rulebook}; {outcome.rule}", ""]
    width = max((len(f.name) for f in outcome.figures), default=0)
    for f in outcome.figures:
        lines.append(f"  {f.name.ljust(width)}  {f.value}" + (f"  ({f.how})" if f.how else ""))
    shown = [d for d in outcome.details if everyone or d.decision == "excluded"]
    if shown:
        lines += ["", "Excluded, with every reason:" if not everyone else "Everyone:"]
        for d in shown:
            cat = next((f.value for f in d.figures if f.name == "category"), "")
            route = next((f.value for f in d.figures if f.name == "route"), "")
            lines.append(f"  {d.subject}  {d.decision}  ({cat}{' → ' + route if route else ''})"
                         f"  {d.summary.split(' (')[0]}")  # fmt: skip
            for r in d.reasons:
                lines.append(f"      - {r}")
    for note in outcome.reasons:
        lines.append(f"note: {note}")
    if outcome.source:
        lines.append(f"source: {outcome.source}")
    return "\n".join(lines) + "\n"


@cli.app.command("eligibility")
def eligibility_command(
    register: Path = typer.Argument(..., help="The membership register (CSV, one member a row)."),
    rulebook: str = typer.Option(..., "--rulebook", "-r", help="Rulebook id or folder."),
    freeze_date: str = typer.Option(..., "--freeze-date", help="The freeze date, YYYY-MM-DD."),
    contest: str | None = typer.Option(
        None, "--contest", help="The NEC's decisions for this contest (e.g. lab-leader-2016)."
    ),
    everyone: bool = typer.Option(False, "--all", help="List the eligible too, not only the "
                                  "excluded."),  # fmt: skip
    fmt: ProcedureFormat = typer.Option(ProcedureFormat.text, "--format", "-f",
                                        help="text or json."),  # fmt: skip
    output: Path | None = typer.Option(None, "--output", "-o", help="Save instead of printing.",
                                       show_default=False),  # fmt: skip
) -> None:
    """Check a membership register at a freeze date: who may vote, and why each is excluded.

    Columns: member_id, name, category (member / affiliated_supporter /
    registered_supporter), status (active / lapsed / suspended / expelled /
    resigned), joined, and optionally paid_up_to, supporter_registered_on,
    fee_paid, fee_paid_on. Dates are YYYY-MM-DD.
    """
    from selectorate.procedures import eligibility
    from selectorate.rulebooks import load_rulebook
    from selectorate.rulebooks.register import read_register

    freeze = _date(freeze_date, "--freeze-date")
    with _problems():
        book = load_rulebook(rulebook)
        params = book.procedure("eligibility")
        people = read_register(register)
    try:
        outcome = eligibility.check_register(params, people, freeze, rulebook=book.id,
                                             contest=contest)  # fmt: skip
    except KeyError as exc:
        raise cli.UsageProblem(f"--contest: {exc.args[0]}") from None
    if fmt is ProcedureFormat.json:
        _write(_json(outcome.to_dict()), output)
    else:
        _write(eligibility_text(outcome, everyone=everyone), output)


# --------------------------------------------------------------------------- what-if


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@cli.app.command("whatif")
def whatif_command(
    kind: WhatIfKind = typer.Argument(..., help="nominations, trigger or nec."),
    record: str = typer.Option(..., "--record", help="A record id in labour_history.json "
                               "(e.g. lab-leader-2015) or a record file (.json)."),  # fmt: skip
    rulebooks: str | None = typer.Option(
        None, "--rulebooks", help="Compare these rulebook versions (comma-separated)."
    ),
    thresholds: str | None = typer.Option(
        None, "--thresholds", help="Vary the threshold over one rulebook, e.g. 5%,10%,15%,20%."
    ),
    rulebook: str | None = typer.Option(
        None, "--rulebook", help="With --thresholds: the rulebook to vary (default: the one in "
        "force when the record was made)."
    ),  # fmt: skip
    key: str | None = typer.Option(
        None, "--key", help="With --thresholds: the dotted rule key to vary (default: the "
        "record's threshold, e.g. vacancy.parliamentary.rate)."
    ),  # fmt: skip
    history: Path | None = typer.Option(
        None, "--history", help="labour_history.json (default: $SELECTORATE_HISTORY, or the "
        "shared facts beside the source checkout)."
    ),  # fmt: skip
    fmt: ProcedureFormat = typer.Option(ProcedureFormat.text, "--format", "-f",
                                        help="text or json."),  # fmt: skip
    output: Path | None = typer.Option(None, "--output", "-o", help="Save instead of printing.",
                                       show_default=False),  # fmt: skip
) -> None:
    """Replay a historical record under other rulebook versions, side by side.

    Example: selectorate whatif nominations --record lab-leader-2015
    --thresholds 5%,10%,15%,20%
    """
    from selectorate.rulebooks import whatif

    if rulebooks and thresholds:
        raise cli.UsageProblem("give --rulebooks or --thresholds, not both")
    with _problems():
        rec = _record(record, kind.value, history)
        procedure = whatif.PROCEDURE[rec.kind]
        if thresholds:
            base = rulebook or whatif.in_force(rec.when)
            if base is None:
                raise cli.UsageProblem(
                    f"no rulebook in force on {rec.when}; name one with --rulebook"
                )
            try:
                vary = key or whatif.threshold_key(rec)
            except ValueError as exc:
                raise cli.UsageProblem(str(exc)) from None
            try:
                scenarios = whatif.scenarios_varying(base, procedure, vary, _split(thresholds))
            except UnknownRulebookError:
                raise
            except RulebookError as exc:
                raise cli.UsageProblem(f"--thresholds: {exc.key}: {exc.problem}") from None
        else:
            ids = _split(rulebooks) if rulebooks else _labour_versions()
            scenarios = whatif.scenarios_from_rulebooks(ids, procedure)
        if not scenarios:
            raise cli.UsageProblem("nothing to compare: give --rulebooks or --thresholds")
        result = whatif.replay(rec, scenarios)
    if fmt is ProcedureFormat.json:
        _write(_json(result.to_dict()), output)
    else:
        _write(whatif.render_text(result), output)


def _record(text: str, kind: str, history: Path | None) -> object:
    from selectorate.rulebooks import whatif

    if text.endswith(".json") or Path(text).is_file():
        if history is not None:
            raise cli.UsageProblem("--history is for record ids, not record files")
        return whatif.record_from_file(text, kind)  # type: ignore[arg-type]
    records = whatif.load_history(whatif.find_history(history))
    if text not in records:
        known = ", ".join(r for r in records if records[r].kind == kind)
        raise cli.UsageProblem(f"--record {text!r}: no such {kind} record; known: {known}")
    rec = records[text]
    if rec.kind != kind:
        raise cli.UsageProblem(f"--record {text!r} is a {rec.kind} record, not {kind}")
    return rec


def _labour_versions() -> list[str]:
    from selectorate.rulebooks import list_rulebooks

    return [s.id for s in list_rulebooks()
            if s.organisation == "Labour Party (UK)" and s.status == "adopted"]  # fmt: skip
