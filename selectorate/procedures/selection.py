'''Selecting a parliamentary candidate: nominations, the shortlist, the members' ballot.

Labour's selection, after a vacancy or a triggered MP (rulebooks.md §2.2):

* **nominations** from party branches and affiliates — since the 2013 NEC
  revision "one man and/or one woman, or two women in an all-women selection,
  plus a BAME nomination", and only applicants with **at least one**
  nomination from a branch or affiliate may be shortlisted (Left Futures,
  Jan 2013);
* the **shortlist**, drawn up locally (in a by-election by an NEC panel), with
  gender balance, and **all-women shortlists** where the NEC so decides (a
  triggered woman MP faced one in 2019); a triggered MP is on the shortlist;
* the **ballot**: "a vote, by eliminating ballot, of all eligible individual
  members … on the basis of one member one vote", at hustings plus postal
  votes — an alternative-vote count, done here by the counting core; the
  winner is subject to NEC endorsement.

What a rulebook says is :class:`Params` (``selection.toml``); the record is a
:class:`SelectionRecord` (applicants, each unit's nominations, whether the
selection is all-women, the shortlist drawn up). :func:`shortlist_outcome`
checks nominations and the shortlist; :func:`ballot_outcome` counts the
members' ballot.

Example ``selection.toml`` (Labour 2014)::

    source = "NEC procedures for the selection of parliamentary candidates (2013 revision)"

    [nominations]
    per_unit_men = 1
    per_unit_women = 1
    per_unit_women_aws = 2
    bame_extra = true
    min_to_shortlist = 1
    source = "Left Futures, Jan 2013"

    [shortlist]
    by = "clp_executive"
    by_election = "nec_panel"
    women_min_share = "1/2"
    mp_included = true

    [ballot]
    method = "irv"
    electorate = ["eligible individual members of the CLP"]
    nec_endorsement = true
'''

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import msgspec

from selectorate.ballots import Election
from selectorate.counting import registry as counting
from selectorate.counting.result import CountResult
from selectorate.procedures._common import (
    RecordError,
    check_keys,
    check_rate,
    get_bool,
    get_str,
    join_names,
)
from selectorate.procedures.numbers import format_exact, format_rate, parse_rate
from selectorate.procedures.outcome import Figure, Outcome

__all__ = [
    "Applicant",
    "Nominations",
    "Params",
    "SelectionBallot",
    "SelectionRecord",
    "Shortlisting",
    "UnitNomination",
    "ballot_outcome",
    "count_ballot",
    "record_from_dict",
    "shortlist_outcome",
]

PROCEDURE = "selection"


class Nominations(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Who may nominate, and how many each unit may nominate."""

    from_branches: bool = True
    from_affiliates: bool = True
    #: Most men / women one unit may nominate (women only in an all-women selection).
    per_unit_men: int = 1
    per_unit_women: int = 1
    per_unit_women_aws: int = 2
    #: One further nomination, if that nominee is BAME.
    bame_extra: bool = True
    #: Fewest branch + affiliate nominations to be considered for the shortlist.
    min_to_shortlist: int = 1
    source: str = ""
    uncertain: list[str] = []


class Shortlisting(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Who draws up the shortlist and what it must contain."""

    #: Who shortlists in an ordinary selection ("clp_executive", "nec_panel", ...).
    by: str = "clp_executive"
    #: Who shortlists in a by-election.
    by_election: str = "nec_panel"
    #: At least this share of the shortlist are women (ignored in an all-women selection).
    women_min_share: str | None = None
    #: At least this many BAME candidates on the shortlist.
    bame_min: int = 0
    #: A triggered sitting MP is on the shortlist.
    mp_included: bool = True
    source: str = ""
    uncertain: list[str] = []

    def __post_init__(self) -> None:
        check_rate("women_min_share", self.women_min_share)


class SelectionBallot(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The members' ballot."""

    method: str = "irv"
    electorate: list[str] = []
    postal_votes: bool = True
    nec_endorsement: bool = True
    source: str = ""


class Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a rulebook says about selecting a candidate (``selection.toml``)."""

    source: str
    nominations: Nominations = msgspec.field(default_factory=Nominations)
    shortlist: Shortlisting = msgspec.field(default_factory=Shortlisting)
    ballot: SelectionBallot = msgspec.field(default_factory=SelectionBallot)
    notes: list[str] = []
    uncertain: list[str] = []


# --------------------------------------------------------------------------- the record


@dataclass(slots=True)
class Applicant:
    """An applicant for selection."""

    name: str
    gender: Literal["woman", "man", "other"] | None = None
    bame: bool = False
    #: The sitting MP (a triggered MP in an open selection).
    sitting_mp: bool = False


@dataclass(slots=True)
class UnitNomination:
    """One branch's or affiliate's nominations."""

    unit: str
    kind: Literal["branch", "affiliate"] = "branch"
    nominees: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SelectionRecord:
    """A selection: applicants, nominations, whether all-women, and the shortlist drawn up."""

    clp: str
    applicants: list[Applicant]
    #: Each unit's nominations; None when they are not recorded (then who may be
    #: shortlisted on nominations is "undetermined").
    nominations: list[UnitNomination] | None = None
    all_women: bool = False
    by_election: bool = False
    #: The shortlist as drawn up, to be checked (None: not yet drawn up).
    shortlist: list[str] | None = None
    source: str = ""


# --------------------------------------------------------------------------- nominations


def _unit_ok(params: Params, record: SelectionRecord, unit: UnitNomination,
             people: Mapping[str, Applicant]) -> str:
    """"" when ``unit``'s nominations are within the limits, else why not."""
    rule = params.nominations
    max_men = 0 if record.all_women else rule.per_unit_men
    max_women = rule.per_unit_women_aws if record.all_women else rule.per_unit_women
    nominees = [people[n] for n in dict.fromkeys(unit.nominees)]

    def fits(group: list[Applicant]) -> bool:
        men = sum(1 for a in group if a.gender != "woman")
        women = sum(1 for a in group if a.gender == "woman")
        return men <= max_men and women <= max_women

    if fits(nominees):
        return ""
    if rule.bame_extra:
        for i, a in enumerate(nominees):
            if a.bame and fits(nominees[:i] + nominees[i + 1:]):
                return ""
    limit = (f"{max_women} women" if record.all_women
             else f"{max_men} man and {max_women} woman")
    extra = " plus one BAME nominee" if rule.bame_extra else ""
    return f"{unit.unit} nominated {join_names([a.name for a in nominees])}: more than " \
           f"{limit}{extra}; its nominations are disregarded"


def _count_nominations(
    params: Params, record: SelectionRecord, reasons: list[str]
) -> dict[str, tuple[int, int]]:
    """(branch, affiliate) nominations per applicant, from the valid units."""
    people = {a.name: a for a in record.applicants}
    counts = {a.name: (0, 0) for a in record.applicants}
    for unit in record.nominations or []:
        if unit.kind == "branch" and not params.nominations.from_branches:
            reasons.append(f"{unit.unit}: branches do not nominate under this rulebook")
            continue
        if unit.kind == "affiliate" and not params.nominations.from_affiliates:
            reasons.append(f"{unit.unit}: affiliates do not nominate under this rulebook")
            continue
        problem = _unit_ok(params, record, unit, people)
        if problem:
            reasons.append(problem)
            continue
        for name in dict.fromkeys(unit.nominees):
            b, a = counts[name]
            counts[name] = (b + 1, a) if unit.kind == "branch" else (b, a + 1)
    return counts


def shortlist_outcome(params: Params, record: SelectionRecord, *, rulebook: str = "") -> Outcome:
    """Who may be shortlisted, and whether the shortlist drawn up keeps the rules.

    Each applicant gets a detail: "automatically_shortlisted" (a triggered
    MP), "eligible", "not_eligible" (too few nominations), "excluded" (a man
    in an all-women selection) or "undetermined" (nominations not recorded).
    The overall ``decision`` is "eligible_list" when no shortlist is given,
    else "valid_shortlist", "invalid_shortlist" or "undetermined" (the
    shortlist names someone whose nominations are not recorded).
    """
    reasons: list[str] = []
    counts = _count_nominations(params, record, reasons)
    rule = params.nominations
    short = params.shortlist
    details: list[Outcome] = []
    allowed: list[str] = []
    automatic: list[str] = []
    for a in record.applicants:
        b, f = counts[a.name]
        figs = [Figure("branch nominations", str(b)), Figure("affiliate nominations", str(f))]
        if record.all_women and a.gender != "woman":
            decision, why = "excluded", "an all-women shortlist"
        elif a.sitting_mp and short.mp_included:
            decision, why = "automatically_shortlisted", "the sitting MP is on the shortlist"
        elif record.nominations is None and rule.min_to_shortlist:
            decision = "undetermined"
            why = f"nominations not recorded; at least {rule.min_to_shortlist} needed"
        elif b + f < rule.min_to_shortlist:
            decision = "not_eligible"
            why = f"{b + f} nominations; at least {rule.min_to_shortlist} needed to be shortlisted"
        else:
            decision, why = "eligible", f"{b + f} nominations (at least {rule.min_to_shortlist})"
        if decision in ("eligible", "automatically_shortlisted"):
            allowed.append(a.name)
        if decision == "automatically_shortlisted":
            automatic.append(a.name)
        details.append(Outcome(PROCEDURE, decision, f"{a.name}: {why}.", rulebook,
                               rule.source or params.source, params.source, figures=figs,
                               reasons=[why], subject=a.name))
    figures: list[Figure] = []
    cite = short.source or params.source
    uncertain = [f"⚠ {u}" for u in (*params.uncertain, *rule.uncertain, *short.uncertain)]
    who = short.by_election if record.by_election else short.by
    reasons.insert(0, f"shortlisted by: {who.replace('_', ' ')}")
    if record.shortlist is None:
        return Outcome(PROCEDURE, "eligible_list",
                       f"{record.clp}: may be shortlisted: {join_names(allowed)}.", rulebook,
                       cite, params.source, figures=figures, reasons=reasons + uncertain,
                       details=details, subject=record.clp)
    problems: list[str] = []
    people = {a.name: a for a in record.applicants}
    unknown = [d.subject for d in details if d.decision == "undetermined"]
    for name in record.shortlist:
        if name not in people:
            problems.append(f"{name} did not apply")
        elif name not in allowed and name not in unknown:
            problems.append(f"{name} may not be shortlisted")
    for name in automatic:
        if name not in record.shortlist:
            problems.append(f"{name} (the sitting MP) must be on the shortlist")
    listed = [people[n] for n in record.shortlist if n in people]
    women = sum(1 for a in listed if a.gender == "woman")
    figures.append(Figure("shortlist", str(len(listed))))
    figures.append(Figure("women on the shortlist", str(women)))
    if short.women_min_share is not None and not record.all_women and listed:
        rate = parse_rate(short.women_min_share)
        ok = Fraction(women, len(listed)) >= rate
        figures[-1].how = f"at least {format_rate(rate)} of {len(listed)} = " \
                          f"{format_exact(rate * len(listed))} needed"
        if not ok:
            problems.append(f"{women} women of {len(listed)}: fewer than {format_rate(rate)}")
    bame = sum(1 for a in listed if a.bame)
    if short.bame_min and bame < short.bame_min:
        problems.append(f"{bame} BAME candidates; at least {short.bame_min} needed")
    pending = [n for n in record.shortlist if n in unknown]
    if problems:
        decision = "invalid_shortlist"
        verdict = "breaks the rules: " + "; ".join(problems) + "."
    elif pending:
        decision = "undetermined"
        verdict = f"keeps the rules if {join_names(pending)} had the nominations needed."
    else:
        decision, verdict = "valid_shortlist", "keeps the rules."
    summary = f"{record.clp}: the shortlist ({join_names(record.shortlist)}) {verdict}"
    return Outcome(PROCEDURE, decision, summary, rulebook, cite, params.source, figures=figures,
                   reasons=reasons + problems + uncertain, details=details, subject=record.clp)


# --------------------------------------------------------------------------- the ballot


def count_ballot(
    params: Params, election: Election, *, shortlist: Sequence[str] | None = None,
    **options: object,
) -> CountResult:
    """The members' ballot by the rulebook's method; candidates not on ``shortlist`` excluded."""
    if shortlist is not None:
        unknown = [n for n in shortlist if n not in election.names]
        if unknown:
            raise ValueError(f"shortlisted but not on the ballot: {', '.join(unknown)}")
        election = election.with_excluded([n for n in election.names if n not in shortlist])
    return counting.count(params.ballot.method, election, **options)


def ballot_outcome(
    params: Params, election: Election, *, shortlist: Sequence[str] | None = None,
    rulebook: str = "", **options: object,
) -> Outcome:
    """The members' ballot as an explained Outcome: rounds, eliminations, the winner."""
    result = count_ballot(params, election, shortlist=shortlist, **options)
    figures = []
    reasons = []
    for rnd in result.rounds:
        tally = ", ".join(f"{n} {format_exact(v)}" for n, v in rnd.tally.items())
        figures.append(Figure(f"round {rnd.number}", tally,
                              "" if rnd.threshold is None
                              else f"threshold {format_exact(rnd.threshold)}"))
        reasons += [f"round {rnd.number}: {a.candidate} {a.kind}" for a in rnd.actions]
    who = join_names(result.elected)
    summary = f"{who} selected by {params.ballot.method} in {len(result.rounds)} round(s)"
    summary += ", subject to NEC endorsement." if params.ballot.nec_endorsement else "."
    return Outcome(PROCEDURE, "selected" if result.elected else "no_winner", summary, rulebook,
                   params.ballot.source or params.source, params.source, figures=figures,
                   reasons=reasons, subject=who)


# --------------------------------------------------------------------------- reading a record

_RECORD_KEYS = ("clp", "applicants", "nominations", "all_women", "by_election", "shortlist",
                "source")


def record_from_dict(data: Mapping[str, object]) -> SelectionRecord:
    """A :class:`SelectionRecord` from JSON-like data.

    Keys: ``clp``; ``applicants``: [{``name``, ``gender`` (woman/man/other),
    ``bame``, ``sitting_mp``}]; ``nominations``: [{``unit``, ``kind``
    (branch/affiliate), ``nominees``: [names]}]; ``all_women``;
    ``by_election``; ``shortlist``: [names]; ``source``.
    """
    check_keys(data, _RECORD_KEYS, "")
    raw = data.get("applicants")
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise RecordError("applicants", "a non-empty list is required")
    applicants: list[Applicant] = []
    for i, a in enumerate(raw):
        where = f"applicants[{i + 1}]"
        if not isinstance(a, Mapping):
            raise RecordError(where, "must be an object")
        check_keys(a, ("name", "gender", "bame", "sitting_mp"), where)
        gender = a.get("gender")
        if gender not in (None, "woman", "man", "other"):
            raise RecordError(where, f"gender {gender!r} is not woman, man or other")
        applicants.append(Applicant(get_str(a, "name", where), gender,  # type: ignore[arg-type]
                                    get_bool(a, "bame", where), get_bool(a, "sitting_mp", where)))
    names = [a.name for a in applicants]
    raw_noms = data.get("nominations")
    if raw_noms is not None and not isinstance(raw_noms, list):
        raise RecordError("nominations", "must be a list")
    noms: list[UnitNomination] = []
    for i, u in enumerate(raw_noms or []):
        where = f"nominations[{i + 1}]"
        if not isinstance(u, Mapping):
            raise RecordError(where, "must be an object")
        check_keys(u, ("unit", "kind", "nominees"), where)
        kind = get_str(u, "kind", where, "branch")
        if kind not in ("branch", "affiliate"):
            raise RecordError(where, f"kind {kind!r} is not branch or affiliate")
        nominees = u.get("nominees") or []
        if not isinstance(nominees, list) or not all(isinstance(n, str) for n in nominees):
            raise RecordError(where, "'nominees' must be a list of applicants' names")
        unknown = [n for n in nominees if n not in names]
        if unknown:
            raise RecordError(where, f"not an applicant: {', '.join(unknown)}")
        noms.append(UnitNomination(get_str(u, "unit", where), kind, list(nominees)))  # type: ignore[arg-type]
    shortlist = data.get("shortlist")
    if shortlist is not None and (not isinstance(shortlist, list)
                                  or not all(isinstance(n, str) for n in shortlist)):
        raise RecordError("shortlist", "must be a list of names")
    return SelectionRecord(
        clp=get_str(data, "clp", ""), applicants=applicants,
        nominations=noms if raw_noms is not None else None,
        all_women=get_bool(data, "all_women", ""), by_election=get_bool(data, "by_election", ""),
        shortlist=list(shortlist) if shortlist is not None else None,
        source=get_str(data, "source", "", ""),
    )
