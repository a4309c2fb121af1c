'''Leader and deputy leader: nominations, vacancy or challenge, the incumbent, the ballot.

What a rulebook says (``leadership.toml``, validated by :class:`Params`):

* **who must nominate** a candidate, separately for a *vacancy* and for a
  *challenge* to a sitting leader (:class:`Contest`):

  - ``parliamentary``: a share (``rate``) of the MPs, or of the MPs and MEPs
    together (``pool``), or a fixed number (``count``); a share is rounded as
    ``rounding`` says (Labour: up, :mod:`selectorate.procedures.numbers`);
  - ``supporting`` (Labour from 2018): *any one* route of a share of
    constituency parties (``clps_rate``) or of affiliates — at least
    ``affiliates_min`` of them, ``unions_min`` of them trade unions, together
    holding ``affiliated_membership_rate`` of the affiliated membership;
  - ``members``: individual members from enough local parties (Lib Dems,
    Greens);

* whether the **incumbent** is automatically on the ballot when challenged;
* the **ballot**: a counting-registry method ("irv" for Labour's one member
  one vote since 2014, "electoral-college" with its sections for 2010,
  "fptp" for the Conservative members' ballot of the final two after the MPs'
  exhaustive ballots in ``mps_stage``).

The functions are pure: :func:`nominations_outcome` (who is on the ballot,
and why), :func:`thresholds` (the figures alone), :func:`count_ballot` and
:func:`ballot_outcome` (the members' ballot through the counting core),
:func:`mps_ballot_outcome` (one Conservative MPs' ballot) and
:func:`confidence_vote_outcome` (letters to the 1922 Committee).

Replaying history under several rulebook versions is a loop::

    from selectorate.procedures import leadership
    record = leadership.record_from_dict(json_like)       # or build NominationRecord
    for rb in ("labour-2014", "labour-2018", "labour-2021"):
        params = load_rulebook(rb).procedure("leadership")  # a leadership.Params
        outcome = leadership.nominations_outcome(params, record, rulebook=rb)
        print(rb, outcome.decision, [d.subject for d in outcome.details
                                     if d.decision == "nominated"])

Example ``leadership.toml`` (Labour after the Collins reforms of March 2014)::

    source = "Labour Party Rule Book 2014, Chapter 4 Clause II"
    rounding = "up"
    offices = ["leader", "deputy"]
    incumbent_on_ballot = true
    incumbent_source = "NEC ruling of 12 July 2016 (18-14), upheld by the High Court"

    [vacancy]
    source = "Ch.4 Cl.II.2.B(i): 15 per cent of the Commons members of the PLP"
    [vacancy.parliamentary]
    pool = "mps"
    rate = "15%"

    [challenge]
    source = "Ch.4 Cl.II.2.B(ii): 20 per cent of the Commons members of the PLP"
    uncertain = ["the rule book is silent on the incumbent; this is the NEC's 2016 reading"]
    [challenge.parliamentary]
    pool = "mps"
    rate = "20%"

    [ballot]
    method = "irv"
    electorate = ["members", "affiliated_supporters", "registered_supporters"]
    source = "Collins Review, special conference 1 March 2014: OMOV preferential ballot"

The 2018 second stage is a ``[vacancy.supporting]`` table::

    [vacancy.supporting]
    clps_rate = "5%"
    affiliates_min = 3
    unions_min = 2
    affiliated_membership_rate = "5%"
    source = "Rule Book 2018 Ch.4 Cl.II.2.B(i)"

Sources: shared/facts/rulebooks.md §1 (timeline, rule text, rounding, the 2016
NEC ruling), §8 (Conservative, Lib Dem, Green comparators) and
labour_history.json (nomination counts, PLP sizes).
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
    Tri,
    all_of,
    any_of,
    check_choice,
    check_keys,
    check_rate,
    get_bool,
    get_int,
    get_str,
    join_names,
)
from selectorate.procedures.numbers import (
    ROUNDING_RULES,
    Rounding,
    explain_required,
    format_exact,
    format_rate,
    parse_rate,
    required,
)
from selectorate.procedures.outcome import Figure, Outcome

__all__ = [
    "Affiliate",
    "BallotRule",
    "ConfidenceVote",
    "Contest",
    "ExhaustiveStage",
    "Members",
    "NominationRecord",
    "Nominee",
    "Params",
    "Parliamentary",
    "Pools",
    "Section",
    "Supporting",
    "ballot_outcome",
    "confidence_vote_outcome",
    "count_ballot",
    "mps_ballot_outcome",
    "nominations_outcome",
    "record_from_dict",
    "thresholds",
]

PROCEDURE = "leadership"

#: Nominating pools a parliamentary requirement may name.
POOLS = {
    "mps": "MPs (Commons members of the parliamentary party)",
    "mps_meps": "MPs and MEPs (Commons members of the PLP and members of the EPLP)",
}


#: Candidate names that stand for "re-open nominations" (lower case).
RON_NAMES = ("ron", "re-open nominations", "reopen nominations", "re-open nominations (ron)")


# --------------------------------------------------------------------------- the rulebook's word


class Parliamentary(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Nominations from the parliamentary party: a share of ``pool`` or a fixed ``count``."""

    #: "mps" or "mps_meps" (MEPs added to Labour's pool at the 2015 conference).
    pool: str = "mps"
    #: Share of the pool, e.g. "15%"; rounded as ``Params.rounding`` says.
    rate: str | None = None
    #: A fixed number of nominators instead of a share (Conservatives: 8 MPs in 2019).
    count: int | None = None
    #: The pool leaves out the candidate (Lib Dems: 10% of the *other* MPs).
    others_only: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        check_choice("pool", self.pool, tuple(POOLS))
        check_rate("rate", self.rate)
        if (self.rate is None) == (self.count is None):
            raise ValueError("give exactly one of rate (a share of the pool) or count")
        if self.count is not None and self.count < 0:
            raise ValueError(f"count: cannot be negative ({self.count})")


class Supporting(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Supporting nominations: ANY ONE route suffices (Labour 2018: CLPs or affiliates).

    A route is given by its fields: ``clps_rate`` (a share of all constituency
    parties) and/or the affiliates route (``affiliates_min`` affiliates, at least
    ``unions_min`` of them trade unions, together holding at least
    ``affiliated_membership_rate`` of the whole affiliated membership).
    """

    clps_rate: str | None = None
    affiliates_min: int | None = None
    unions_min: int = 0
    affiliated_membership_rate: str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        check_rate("clps_rate", self.clps_rate)
        check_rate("affiliated_membership_rate", self.affiliated_membership_rate)
        if self.clps_rate is None and self.affiliates_min is None:
            raise ValueError("give clps_rate and/or affiliates_min (at least one route)")
        if self.affiliates_min is None and (
            self.unions_min or self.affiliated_membership_rate is not None
        ):
            raise ValueError("unions_min and affiliated_membership_rate need affiliates_min")


class Members(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Nominations by individual members (Lib Dems: 200 from 20 local parties; Greens: 20)."""

    min_members: int
    min_local_parties: int = 0
    source: str = ""


class Contest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a nomination needs in one kind of contest (a vacancy, or a challenge)."""

    parliamentary: Parliamentary | None = None
    supporting: Supporting | None = None
    members: Members | None = None
    source: str = ""
    notes: list[str] = []
    uncertain: list[str] = []


class Section(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One section of an electoral college and its share (Labour until 2014: a third each)."""

    name: str
    share: str
    electorate: list[str] = []

    def __post_init__(self) -> None:
        check_rate("share", self.share)


class ExhaustiveStage(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """MPs' exhaustive ballots before a members' vote (Conservatives).

    In ballot ``k`` (from 1) a candidate with fewer votes than ``minimums[k-1]``
    is eliminated; after the listed ballots (or when nobody is below the
    minimum) the candidate with fewest votes is; when ``final`` remain they go
    to the members.
    """

    minimums: list[int] = []
    final: int = 2
    source: str = ""
    uncertain: list[str] = []


class BallotRule(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How the vote is held: a counting-registry method and who votes."""

    #: Counting method name ("irv", "electoral-college", "fptp", ...).
    method: str = "irv"
    electorate: list[str] = []
    #: Sections of an electoral college (method "electoral-college").
    sections: list[Section] = []
    #: MPs' exhaustive ballots held before the members' ballot (Conservatives).
    mps_stage: ExhaustiveStage | None = None
    #: "Re-open nominations" stands as a candidate (Greens).
    ron: bool = False
    source: str = ""
    notes: list[str] = []
    uncertain: list[str] = []

    def __post_init__(self) -> None:
        if self.method == "electoral-college" and not self.sections:
            raise ValueError("sections: an electoral college needs its sections and shares")
        if self.sections:
            total = sum((parse_rate(s.share) for s in self.sections), Fraction(0))
            if total != 1:
                raise ValueError(f"sections: shares add up to {format_exact(total)}, not 1")


class ConfidenceVote(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A confidence vote forced by letters from MPs (Conservatives: 15% to the 1922 chair)."""

    letters_rate: str
    pool: str = "mps"
    #: May a leader who loses the vote stand in the contest that follows?
    loser_may_stand: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        check_rate("letters_rate", self.letters_rate)
        check_choice("pool", self.pool, tuple(POOLS))


class Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a rulebook says about electing its leader and deputy (``leadership.toml``)."""

    #: Citation of the rulebook chapter and clause (or the fact source).
    source: str
    #: How a share becomes a whole threshold: "up" (Labour) or "down".
    rounding: str = "up"
    offices: list[str] = msgspec.field(default_factory=lambda: ["leader", "deputy"])
    vacancy: Contest
    #: None: the rulebook provides no challenge to a sitting leader.
    challenge: Contest | None = None
    #: The incumbent is on the ballot without nominations when challenged.
    incumbent_on_ballot: bool = False
    incumbent_source: str = ""
    confidence_vote: ConfidenceVote | None = None
    ballot: BallotRule = msgspec.field(default_factory=BallotRule)
    notes: list[str] = []
    uncertain: list[str] = []

    def __post_init__(self) -> None:
        check_choice("rounding", self.rounding, tuple(ROUNDING_RULES))


# --------------------------------------------------------------------------- the record


@dataclass(slots=True)
class Affiliate:
    """An affiliated organisation and its affiliated membership."""

    name: str
    kind: Literal["union", "society", "other"] = "union"
    membership: int | None = None


@dataclass(slots=True)
class Pools:
    """The sizes of the nominating bodies when nominations closed.

    ``affiliated_membership`` defaults to the sum of the listed affiliates'
    memberships when every one of them gives it.
    """

    mps: int | None = None
    meps: int = 0
    clps: int | None = None
    affiliates: list[Affiliate] = field(default_factory=list)
    affiliated_membership: int | None = None

    def total_affiliated_membership(self) -> int | None:
        """The whole affiliated membership, if known."""
        if self.affiliated_membership is not None:
            return self.affiliated_membership
        if self.affiliates and all(a.membership is not None for a in self.affiliates):
            return sum(a.membership or 0 for a in self.affiliates)
        return None


@dataclass(slots=True)
class Nominee:
    """One candidate's nominations; ``None`` means "not known from the record".

    ``affiliates`` names the nominating affiliates (looked up in
    :attr:`Pools.affiliates` for their kind and membership); when only totals
    are published give ``affiliate_count``, ``union_count`` and
    ``affiliated_membership`` instead.
    """

    name: str
    mps: int | None = None
    meps: int = 0
    clps: int | None = None
    affiliates: list[str] | None = None
    affiliate_count: int | None = None
    union_count: int | None = None
    affiliated_membership: int | None = None
    members: int | None = None
    local_parties: int | None = None
    withdrawn: bool = False
    note: str = ""


@dataclass(slots=True)
class NominationRecord:
    """Who sought nomination, with how many nominations from whom, and the pools.

    ``contest`` is "vacancy" or "challenge" (a challenge names the
    ``incumbent``). ``mps_include_meps`` says that each ``Nominee.mps`` is a
    published combined MP+MEP figure whose split is unknown (2020).
    """

    candidates: list[Nominee]
    pools: Pools = field(default_factory=Pools)
    office: str = "leader"
    contest: Literal["vacancy", "challenge"] = "vacancy"
    incumbent: str | None = None
    mps_include_meps: bool = False
    title: str = ""
    source: str = ""


# --------------------------------------------------------------------------- nominations


def _contest_rule(params: Params, record: NominationRecord) -> Contest:
    if record.contest == "vacancy":
        return params.vacancy
    if params.challenge is None:
        raise ValueError("this rulebook provides no challenge to a sitting leader")
    return params.challenge


def _pool_size(rule: Parliamentary, pools: Pools) -> int | None:
    if pools.mps is None:
        return None
    size = pools.mps + (pools.meps if rule.pool == "mps_meps" else 0)
    return size - 1 if rule.others_only else size


def thresholds(params: Params, record: NominationRecord) -> list[Figure]:
    """The thresholds in force for ``record``'s contest, each with its arithmetic."""
    rule = _contest_rule(params, record)
    rounding: Rounding = params.rounding  # type: ignore[assignment]
    pools = record.pools
    figures: list[Figure] = []
    if rule.parliamentary is not None:
        par = rule.parliamentary
        who = POOLS[par.pool] + (" other than the candidate" if par.others_only else "")
        if par.count is not None:
            figures.append(Figure("parliamentary nominations needed", str(par.count),
                                  f"a fixed number of {who}"))
        else:
            size = _pool_size(par, pools)
            rate = parse_rate(par.rate)
            if size is None:
                figures.append(Figure("parliamentary nominations needed", "unknown",
                                      f"{format_rate(rate)} of {who}; pool size not given"))
            else:
                figures.append(Figure(
                    "parliamentary nominations needed",
                    str(required(rate, size, "at_least", rounding)),
                    f"{explain_required(rate, size, 'at_least', rounding)} {who}",
                ))
    sup = rule.supporting
    if sup is not None:
        if sup.clps_rate is not None:
            rate = parse_rate(sup.clps_rate)
            if pools.clps is None:
                figures.append(Figure("CLP nominations needed", "unknown",
                                      f"{format_rate(rate)} of CLPs; number of CLPs not given"))
            else:
                figures.append(Figure(
                    "CLP nominations needed", str(required(rate, pools.clps, "at_least", rounding)),
                    f"{explain_required(rate, pools.clps, 'at_least', rounding)} CLPs",
                ))
        if sup.affiliates_min is not None:
            figures.append(Figure("affiliates needed", str(sup.affiliates_min),
                                  f"of which trade unions: {sup.unions_min}"))
            if sup.affiliated_membership_rate is not None:
                rate = parse_rate(sup.affiliated_membership_rate)
                total = pools.total_affiliated_membership()
                if total is None:
                    figures.append(Figure("affiliated membership needed", "unknown",
                                          f"{format_rate(rate)} of the affiliated membership; "
                                          "total not given"))
                else:
                    figures.append(Figure(
                        "affiliated membership needed",
                        str(required(rate, total, "at_least", rounding)),
                        f"{explain_required(rate, total, 'at_least', rounding)} affiliated members",
                    ))
    if rule.members is not None:
        figures.append(Figure("member nominations needed", str(rule.members.min_members),
                              f"from at least {rule.members.min_local_parties} local parties"))
    return figures


def _test(have: int | None, need: int | None) -> Tri:
    if have is None or need is None:
        return None
    return have >= need


def _show(value: int | None) -> str:
    return "unknown" if value is None else str(value)


def _parliamentary(
    par: Parliamentary, nominee: Nominee, record: NominationRecord, rounding: Rounding,
    reasons: list[str], figures: list[Figure],
) -> Tri:
    pools = record.pools
    if par.count is not None:
        need: int | None = par.count
    else:
        size = _pool_size(par, pools)
        need = None if size is None else required(parse_rate(par.rate), size, "at_least", rounding)
    if nominee.mps is None:
        have = None
    elif par.pool == "mps_meps":
        have = nominee.mps + nominee.meps
    else:
        have = nominee.mps
        if record.mps_include_meps and pools.meps:
            reasons.append(
                "⚠ the record gives MP and MEP nominations as one figure; under an MPs-only "
                f"pool it may over-count by up to {pools.meps}"
            )
    ok = _test(have, need)
    label = "MP and MEP nominations" if par.pool == "mps_meps" else "MP nominations"
    figures.append(Figure(label, _show(have), f"needed {_show(need)}"))
    if ok is None:
        reasons.append(f"{label}: {_show(have)} of {_show(need)} needed — not established")
    else:
        verb = "meets" if ok else "is short of"
        reasons.append(f"{label}: {have} {verb} the {need} needed")
    return ok


def _affiliate_totals(nominee: Nominee, pools: Pools) -> tuple[int | None, int | None, int | None]:
    """(affiliates, unions among them, their affiliated membership) for ``nominee``."""
    if nominee.affiliates is None:
        return nominee.affiliate_count, nominee.union_count, nominee.affiliated_membership
    known = {a.name: a for a in pools.affiliates}
    missing = [n for n in nominee.affiliates if n not in known]
    if missing:
        raise RecordError(nominee.name, f"affiliate(s) not in the pools: {', '.join(missing)}")
    chosen = [known[n] for n in dict.fromkeys(nominee.affiliates)]
    unions = sum(1 for a in chosen if a.kind == "union")
    if any(a.membership is None for a in chosen):
        membership = None
    else:
        membership = sum(a.membership or 0 for a in chosen)
    return len(chosen), unions, membership


def _supporting(
    sup: Supporting, nominee: Nominee, record: NominationRecord, rounding: Rounding,
    reasons: list[str], figures: list[Figure],
) -> Tri:
    pools = record.pools
    routes: list[Tri] = []
    if sup.clps_rate is not None:
        need = (None if pools.clps is None
                else required(parse_rate(sup.clps_rate), pools.clps, "at_least", rounding))
        ok = _test(nominee.clps, need)
        figures.append(Figure("CLP nominations", _show(nominee.clps), f"needed {_show(need)}"))
        reasons.append(f"CLP route: {_show(nominee.clps)} of {_show(need)} CLPs — "
                       + {True: "met", False: "not met", None: "not established"}[ok])
        routes.append(ok)
    if sup.affiliates_min is not None:
        count, unions, membership = _affiliate_totals(nominee, pools)
        tests: list[Tri] = [_test(count, sup.affiliates_min), _test(unions, sup.unions_min)]
        parts = [f"{_show(count)} affiliates (need {sup.affiliates_min})",
                 f"{_show(unions)} unions (need {sup.unions_min})"]
        if sup.affiliated_membership_rate is not None:
            total = pools.total_affiliated_membership()
            need = (None if total is None else required(
                parse_rate(sup.affiliated_membership_rate), total, "at_least", rounding))
            tests.append(_test(membership, need))
            parts.append(f"{_show(membership)} affiliated members (need {_show(need)})")
        ok = all_of(tests)
        figures.append(Figure("affiliate nominations", _show(count), "; ".join(parts)))
        reasons.append("affiliate route: " + ", ".join(parts) + " — "
                       + {True: "met", False: "not met", None: "not established"}[ok])
        routes.append(ok)
    result = any_of(routes)
    if len(routes) > 1:
        reasons.append("supporting nominations (any one route): "
                       + {True: "met", False: "not met", None: "not established"}[result])
    return result


def _members(rule: Members, nominee: Nominee, reasons: list[str], figures: list[Figure]) -> Tri:
    ok = all_of([_test(nominee.members, rule.min_members),
                 _test(nominee.local_parties, rule.min_local_parties)])
    figures.append(Figure("member nominations", _show(nominee.members),
                          f"needed {rule.min_members} from {rule.min_local_parties} local parties"))
    reasons.append(
        f"members: {_show(nominee.members)} from {_show(nominee.local_parties)} local parties "
        f"(need {rule.min_members} from {rule.min_local_parties}) — "
        + {True: "met", False: "not met", None: "not established"}[ok]
    )
    return ok


def _nominee_outcome(
    params: Params, rule: Contest, nominee: Nominee, record: NominationRecord, rulebook: str
) -> Outcome:
    rounding: Rounding = params.rounding  # type: ignore[assignment]
    reasons: list[str] = []
    figures: list[Figure] = []
    cite = rule.source or params.source
    if nominee.note:
        reasons.append(nominee.note)
    if record.contest == "challenge" and nominee.name == record.incumbent:
        if params.incumbent_on_ballot:
            reasons.insert(0, "the incumbent is automatically on the ballot"
                           + (f" ({params.incumbent_source})" if params.incumbent_source else ""))
            return Outcome(PROCEDURE, "nominated", f"{nominee.name} (incumbent) is on the ballot.",
                           rulebook, params.incumbent_source or cite, params.source,
                           reasons=reasons, subject=nominee.name)
        reasons.insert(0, "this rulebook does not put the incumbent on the ballot automatically: "
                          "the incumbent needs nominations like a challenger")
    tests: list[Tri] = []
    if rule.parliamentary is not None:
        par = rule.parliamentary
        tests.append(_parliamentary(par, nominee, record, rounding, reasons, figures))
    if rule.supporting is not None:
        tests.append(_supporting(rule.supporting, nominee, record, rounding, reasons, figures))
    if rule.members is not None:
        tests.append(_members(rule.members, nominee, reasons, figures))
    ok = all_of(tests)
    if nominee.withdrawn:
        decision, summary = "withdrawn", f"{nominee.name} withdrew."
    elif ok is True:
        decision, summary = "nominated", f"{nominee.name} is validly nominated."
    elif ok is False:
        decision, summary = "not_nominated", f"{nominee.name} is not validly nominated."
    else:
        decision = "undetermined"
        summary = f"{nominee.name}: the record does not establish the nomination."
    return Outcome(PROCEDURE, decision, summary, rulebook, cite, params.source,
                   figures=figures, reasons=reasons, subject=nominee.name)


def nominations_outcome(params: Params, record: NominationRecord, *, rulebook: str = "") -> Outcome:
    """Who is on the ballot under ``params`` (one rulebook version), and why.

    Each candidate gets a detail :class:`Outcome` (``subject`` = name) whose
    ``decision`` is "nominated", "not_nominated", "withdrawn" or
    "undetermined" (the record lacks a figure the rule needs); its reasons
    give each requirement with the numbers. The overall ``decision`` is
    "contest" (two or more on the ballot), "elected_unopposed" (one, in a
    vacancy), "no_contest" (a challenge with no valid challenger),
    "no_valid_nominations" or "undetermined" (an undetermined candidate could
    change the result). ``figures`` hold the thresholds (:func:`thresholds`).

    Pure: ``params`` from any rulebook version, ``record`` from
    :func:`record_from_dict` or built directly; ``rulebook`` is the id quoted
    in the outcome.
    """
    rule = _contest_rule(params, record)
    details = [_nominee_outcome(params, rule, n, record, rulebook) for n in record.candidates]
    on = [d.subject for d in details if d.decision == "nominated"]
    undetermined = [d.subject for d in details if d.decision == "undetermined"]
    off = [d.subject for d in details if d.decision == "not_nominated"]
    withdrawn = [d.subject for d in details if d.decision == "withdrawn"]
    challengers = [n for n in on if n != record.incumbent]
    if undetermined:
        decision = "undetermined"
    elif record.contest == "challenge" and not challengers:
        decision = "no_contest"
    elif len(on) >= 2:
        decision = "contest"
    elif len(on) == 1:
        decision = "elected_unopposed"
    else:
        decision = "no_valid_nominations"
    parts = [f"on the ballot: {join_names(on)}."]
    if off:
        parts.append(f"Not nominated: {join_names(off)}.")
    if undetermined:
        parts.append(f"Not established from the record: {join_names(undetermined)}.")
    if withdrawn:
        parts.append(f"Withdrew: {join_names(withdrawn)}.")
    office = record.office.replace("_", " ")
    head = f"{record.title + ': ' if record.title else ''}{office} ({record.contest})"
    reasons = [ROUNDING_RULES[params.rounding]]
    if record.contest == "challenge":
        reasons.append(
            "incumbent automatically on the ballot" if params.incumbent_on_ballot
            else "the incumbent needs nominations like any challenger"
        )
    reasons += [f"⚠ {u}" for u in (*params.uncertain, *rule.uncertain)]
    return Outcome(
        PROCEDURE, decision, f"{head}: " + " ".join(parts), rulebook,
        rule.source or params.source, params.source,
        figures=thresholds(params, record), reasons=reasons, details=details,
        subject=record.title or office,
    )


# --------------------------------------------------------------------------- ballots


def count_ballot(
    params: Params,
    election: Election,
    *,
    sections: Mapping[str, Election] | None = None,
    **options: object,
) -> CountResult:
    """Count the members' ballot by the rulebook's method through the counting core.

    For "electoral-college" give ``sections`` (section name → its ballots);
    their shares come from the rulebook. ``options`` go to the counting method.
    """
    method = params.ballot.method
    if method == "electoral-college":
        if sections is None:
            raise ValueError("an electoral college needs the ballots of each section")
        wanted = [s.name for s in params.ballot.sections]
        if sorted(sections) != sorted(wanted):
            raise ValueError(f"sections given {sorted(sections)}; the rulebook has {wanted}")
        college = [(s.name, parse_rate(s.share), sections[s.name]) for s in params.ballot.sections]
        return counting.count(method, election, sections=college, **options)
    return counting.count(method, election, **options)


def ballot_outcome(
    params: Params,
    election: Election,
    *,
    rulebook: str = "",
    sections: Mapping[str, Election] | None = None,
    **options: object,
) -> Outcome:
    """The members' ballot (see :func:`count_ballot`) as an explained Outcome.

    Figures: each round's tallies; reasons: who was eliminated each round.
    Where the rulebook puts RON on the ballot (``ballot.ron``) the ballot file
    names it as a candidate ("RON" or "Re-open nominations"); if it wins, the
    decision is "reopen_nominations".
    """
    result = count_ballot(params, election, sections=sections, **options)
    figures: list[Figure] = []
    reasons: list[str] = []
    for rnd in result.rounds:
        tally = ", ".join(f"{name} {format_exact(v)}" for name, v in rnd.tally.items())
        figures.append(Figure(f"round {rnd.number}", tally,
                              f"exhausted {format_exact(rnd.inactive_total)}"))
        for action in rnd.actions:
            reasons.append(f"round {rnd.number}: {action.candidate} {action.kind}")
    winner = join_names(result.elected)
    decision = "elected" if result.elected else "no_winner"
    summary = f"{winner} elected by {params.ballot.method} in {len(result.rounds)} round(s)."
    if params.ballot.ron and any(n.strip().lower() in RON_NAMES for n in result.elected):
        decision = "reopen_nominations"
        summary = f"Re-open nominations won ({params.ballot.method}): nobody is elected."
    return Outcome(
        PROCEDURE, decision, summary,
        rulebook, params.ballot.source or params.source, params.source,
        figures=figures, reasons=reasons, subject=winner,
    )


def mps_ballot_outcome(
    params: Params,
    ballot: int,
    tallies: Mapping[str, int],
    *,
    rulebook: str = "",
) -> Outcome:
    """One MPs' exhaustive ballot (Conservatives): who is eliminated, who goes on.

    Candidates below this ballot's minimum are eliminated; if nobody is, the
    one with fewest votes is (a tie for fewest is reported, not broken). When
    no more than ``final`` candidates remain after the ballot they go to the
    members ("final").
    """
    stage = params.ballot.mps_stage
    if stage is None:
        raise ValueError("this rulebook holds no MPs' exhaustive ballots")
    if ballot < 1:
        raise ValueError("ballots are numbered from 1")
    reasons: list[str] = []
    figures = [Figure(name, str(v)) for name, v in tallies.items()]
    names = list(tallies)
    minimum = stage.minimums[ballot - 1] if ballot <= len(stage.minimums) else None
    eliminated: list[str] = []
    if len(names) > stage.final:
        if minimum is not None:
            figures.append(Figure("minimum to survive", str(minimum), f"ballot {ballot}"))
            eliminated = [n for n in names if tallies[n] < minimum]
            reasons.append(f"below the minimum of {minimum}: {join_names(eliminated)}")
        if not eliminated:
            low = min(tallies.values())
            lowest = [n for n in names if tallies[n] == low]
            if len(lowest) > 1:
                return Outcome(PROCEDURE, "tie", f"Ballot {ballot}: {join_names(lowest)} tie "
                               f"for fewest votes ({low}); the rules in the record do not say how "
                               "to break it.", rulebook, stage.source, params.source,
                               figures=figures, reasons=reasons, subject=f"MPs' ballot {ballot}")
            eliminated = lowest
            reasons.append(f"fewest votes: {lowest[0]} ({low})")
    remaining = [n for n in names if n not in eliminated]
    final = len(remaining) <= stage.final
    summary = f"Ballot {ballot}: eliminated {join_names(eliminated)}; "
    summary += (f"{join_names(remaining)} go to the members' ballot." if final
                else f"{len(remaining)} candidates continue.")
    reasons += [f"⚠ {u}" for u in stage.uncertain]
    details = [Outcome(PROCEDURE, "eliminated" if n in eliminated else
                       ("final" if final else "continues"), f"{n}: {tallies[n]} votes",
                       rulebook, stage.source, subject=n) for n in names]
    return Outcome(PROCEDURE, "final" if final else "continue", summary, rulebook, stage.source,
                   params.source, figures=figures, reasons=reasons, details=details,
                   subject=f"MPs' ballot {ballot}")


def confidence_vote_outcome(
    params: Params, letters: int, mps: int, *, rulebook: str = ""
) -> Outcome:
    """Whether ``letters`` from ``mps`` MPs force a confidence vote in the leader."""
    rule = params.confidence_vote
    if rule is None:
        raise ValueError("this rulebook has no confidence vote forced by letters")
    rounding: Rounding = params.rounding  # type: ignore[assignment]
    rate = parse_rate(rule.letters_rate)
    need = required(rate, mps, "at_least", rounding)
    ok = letters >= need
    figures = [Figure("letters needed", str(need), explain_required(rate, mps, "at_least",
                                                                     rounding)),
               Figure("letters", str(letters))]
    reasons = [f"{letters} letters {'reach' if ok else 'fall short of'} the {need} needed"]
    if not rule.loser_may_stand:
        reasons.append("a leader who loses the confidence vote cannot stand in the contest")
    return Outcome(PROCEDURE, "triggered" if ok else "not_triggered",
                   "A confidence vote is " + ("forced." if ok else "not forced."),
                   rulebook, rule.source or params.source, params.source, figures=figures,
                   reasons=reasons, subject="confidence vote")


# --------------------------------------------------------------------------- reading a record

_RECORD_KEYS = ("title", "office", "contest", "incumbent", "source", "mps_include_meps",
                "pools", "candidates")
_POOL_KEYS = ("mps", "meps", "clps", "affiliates", "affiliated_membership")
_AFFILIATE_KEYS = ("name", "kind", "membership")
_NOMINEE_KEYS = ("name", "mps", "meps", "clps", "affiliates", "affiliate_count", "union_count",
                 "affiliated_membership", "members", "local_parties", "withdrawn", "note")


def _affiliate(data: object, where: str) -> Affiliate:
    if not isinstance(data, Mapping):
        raise RecordError(where, "an affiliate must be an object with name, kind, membership")
    check_keys(data, _AFFILIATE_KEYS, where)
    kind = get_str(data, "kind", where, "union")
    if kind not in ("union", "society", "other"):
        raise RecordError(where, f"kind {kind!r} is not union, society or other")
    return Affiliate(get_str(data, "name", where), kind,  # type: ignore[arg-type]
                     get_int(data, "membership", where))


def _nominee(data: object, where: str) -> Nominee:
    if not isinstance(data, Mapping):
        raise RecordError(where, "a candidate must be an object")
    check_keys(data, _NOMINEE_KEYS, where)
    affiliates = data.get("affiliates")
    if affiliates is not None and (
        not isinstance(affiliates, Sequence) or isinstance(affiliates, str)
        or not all(isinstance(a, str) for a in affiliates)
    ):
        raise RecordError(where, "'affiliates' must be a list of affiliate names")
    return Nominee(
        name=get_str(data, "name", where),
        mps=get_int(data, "mps", where),
        meps=get_int(data, "meps", where) or 0,
        clps=get_int(data, "clps", where),
        affiliates=list(affiliates) if affiliates is not None else None,
        affiliate_count=get_int(data, "affiliate_count", where),
        union_count=get_int(data, "union_count", where),
        affiliated_membership=get_int(data, "affiliated_membership", where),
        members=get_int(data, "members", where),
        local_parties=get_int(data, "local_parties", where),
        withdrawn=get_bool(data, "withdrawn", where),
        note=get_str(data, "note", where, ""),
    )


def record_from_dict(data: Mapping[str, object]) -> NominationRecord:
    """A :class:`NominationRecord` from JSON-like data (the CLI's JSON format).

    Keys: ``title``, ``office``, ``contest`` ("vacancy"/"challenge"),
    ``incumbent``, ``mps_include_meps``, ``pools`` {``mps``, ``meps``,
    ``clps``, ``affiliated_membership``, ``affiliates``: [{``name``, ``kind``
    (union/society/other), ``membership``}]}, ``candidates``: [{``name``,
    ``mps``, ``meps``, ``clps``, ``affiliates`` (names) or ``affiliate_count``
    / ``union_count`` / ``affiliated_membership``, ``members``,
    ``local_parties``, ``withdrawn``, ``note``}]. Unknown keys are refused.
    Raises :class:`~selectorate.procedures._common.RecordError` naming the item.
    """
    check_keys(data, _RECORD_KEYS, "")
    contest = get_str(data, "contest", "", "vacancy")
    if contest not in ("vacancy", "challenge"):
        raise RecordError("contest", f"{contest!r} is not vacancy or challenge")
    pools_data = data.get("pools") or {}
    if not isinstance(pools_data, Mapping):
        raise RecordError("pools", "must be an object")
    check_keys(pools_data, _POOL_KEYS, "pools")
    affs = pools_data.get("affiliates") or []
    if not isinstance(affs, Sequence) or isinstance(affs, str):
        raise RecordError("pools.affiliates", "must be a list")
    pools = Pools(
        mps=get_int(pools_data, "mps", "pools"),
        meps=get_int(pools_data, "meps", "pools") or 0,
        clps=get_int(pools_data, "clps", "pools"),
        affiliates=[_affiliate(a, f"pools.affiliates[{i + 1}]") for i, a in enumerate(affs)],
        affiliated_membership=get_int(pools_data, "affiliated_membership", "pools"),
    )
    cands = data.get("candidates")
    if not isinstance(cands, Sequence) or isinstance(cands, str) or not cands:
        raise RecordError("candidates", "a non-empty list of candidates is required")
    candidates = [_nominee(c, f"candidates[{i + 1}]") for i, c in enumerate(cands)]
    known = {a.name for a in pools.affiliates}
    for i, c in enumerate(candidates):
        missing = [n for n in c.affiliates or [] if n not in known]
        if missing:
            raise RecordError(f"candidates[{i + 1}]",
                              f"affiliate(s) not listed in pools.affiliates: {', '.join(missing)}")
    names = [c.name for c in candidates]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise RecordError("candidates", f"listed twice: {', '.join(dupes)}")
    incumbent = data.get("incumbent")
    if incumbent is not None and not isinstance(incumbent, str):
        raise RecordError("incumbent", "must be a candidate's name")
    if contest == "challenge" and incumbent not in names:
        raise RecordError("incumbent", "a challenge names the incumbent among the candidates")
    return NominationRecord(
        candidates=candidates, pools=pools,
        office=get_str(data, "office", "", "leader"),
        contest=contest,  # type: ignore[arg-type]
        incumbent=incumbent,
        mps_include_meps=get_bool(data, "mps_include_meps", ""),
        title=get_str(data, "title", "", ""),
        source=get_str(data, "source", "", ""),
    )
