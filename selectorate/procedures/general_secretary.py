'''The General Secretary: appointed by the NEC, or elected by the members as proposed.

Labour's rule: the General Secretary is "elected by party conference on the
recommendation of the NEC" (Rule Book 2020 Ch.4 Cl.II.4.A); in a vacancy the
NEC appoints, subject to approval at the next conference (rulebooks.md §5).
In practice the NEC chooses by secret ballot after interviews: Jennie Formby
35–2 over Christine Blower (20 March 2018); David Evans 20–16 (26 May 2020),
confirmed by a conference card vote on 25 September 2021.

The CLPD proposal for conference 2018 (not adopted): after NEC interviews the
**top four** go to a one-member-one-vote ballot of the members.

What a rulebook says (``general_secretary.toml``, validated by :class:`Params`):

* ``method``: "nec_appointment" or "member_ballot";
* the NEC's vote: ``nec_majority`` (a rate) and ``comparison`` of ``nec_base``
  ("votes_cast", or "nec_members" with ``nec_members`` the NEC's size);
* ``confirmation``: "conference" (the NEC's choice is provisional until
  conference approves it) or "none";
* ``[member_ballot]``: ``shortlist_size`` (chosen by the NEC's votes) and the
  counting ``method`` of the members' ballot.

Example ``general_secretary.toml`` (Labour)::

    source = "Labour Party Rule Book, Ch.4 Cl.II.4.A"
    method = "nec_appointment"
    nec_majority = "1/2"
    comparison = "more_than"
    nec_base = "votes_cast"
    confirmation = "conference"

and the CLPD proposal, as a derived version would amend it::

    method = "member_ballot"
    [member_ballot]
    shortlist_size = 4
    method = "irv"
'''

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from selectorate.ballots import Election
from selectorate.counting import registry as counting
from selectorate.procedures._common import check_choice, check_rate, join_names
from selectorate.procedures.numbers import format_exact, format_rate, parse_rate
from selectorate.procedures.outcome import Figure, Outcome

__all__ = ["MemberBallot", "Params", "appointment_outcome", "member_ballot_outcome",
           "shortlist_outcome"]

PROCEDURE = "general_secretary"


class MemberBallot(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A members' ballot of an NEC shortlist (the CLPD proposal)."""

    shortlist_size: int = 4
    #: Counting method of the members' ballot.
    method: str = "irv"
    electorate: list[str] = msgspec.field(default_factory=lambda: ["members"])
    source: str = ""
    uncertain: list[str] = []


class Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a rulebook says about choosing the General Secretary."""

    source: str
    method: str = "nec_appointment"
    nec_majority: str = "1/2"
    comparison: str = "more_than"
    #: "votes_cast" (NEC members voting) or "nec_members" (the whole NEC, ``nec_members``).
    nec_base: str = "votes_cast"
    nec_members: int | None = None
    #: "conference": the appointment stands once conference approves it.
    confirmation: str = "conference"
    member_ballot: MemberBallot | None = None
    notes: list[str] = []
    uncertain: list[str] = []

    def __post_init__(self) -> None:
        check_choice("method", self.method, ("nec_appointment", "member_ballot"))
        check_rate("nec_majority", self.nec_majority)
        check_choice("comparison", self.comparison, ("at_least", "more_than"))
        check_choice("nec_base", self.nec_base, ("votes_cast", "nec_members"))
        check_choice("confirmation", self.confirmation, ("conference", "none"))
        if self.nec_base == "nec_members" and self.nec_members is None:
            raise ValueError("nec_members: needed when nec_base = \"nec_members\"")
        if self.method == "member_ballot" and self.member_ballot is None:
            raise ValueError("member_ballot: a members' ballot needs its [member_ballot] table")


def appointment_outcome(
    params: Params, nec_votes: Mapping[str, int], *, rulebook: str = ""
) -> Outcome:
    """Whether the NEC's ballot appoints someone: a candidate with the required majority.

    ``nec_votes`` maps each candidate (or a line such as "others combined") to
    NEC votes. ``decision``: "appointed" (provisional until conference if
    ``confirmation`` is "conference") or "no_majority" (the NEC must ballot
    again; the rules in the record do not say how).
    """
    cast = sum(nec_votes.values())
    base = cast if params.nec_base == "votes_cast" else params.nec_members or 0
    rate = parse_rate(params.nec_majority)
    needed = rate * base
    words = "more than" if params.comparison == "more_than" else "at least"
    figures = [Figure(name, str(v)) for name, v in nec_votes.items()]
    figures.append(Figure("needed", f"{words} {format_exact(needed)}",
                          f"{format_rate(rate)} of {base} ({params.nec_base.replace('_', ' ')})"))
    winners = [name for name, v in nec_votes.items()
               if v > 0 and (v > needed if params.comparison == "more_than" else v >= needed)]
    reasons = [f"⚠ {u}" for u in params.uncertain]
    if len(winners) != 1:
        return Outcome(PROCEDURE, "no_majority", "No candidate has the NEC majority required.",
                       rulebook, params.source, params.source, figures=figures, reasons=reasons,
                       subject="General Secretary")
    who = winners[0]
    summary = f"{who} is appointed by the NEC ({nec_votes[who]} of {cast} votes)"
    if params.confirmation == "conference":
        summary += ", subject to approval by the next conference."
        reasons.insert(0, "the NEC's appointment is provisional until conference approves it")
    else:
        summary += "."
    binding = params.method == "nec_appointment"
    if not binding:
        reasons.insert(0, "under this rulebook the NEC only shortlists; the members elect")
    return Outcome(PROCEDURE, "appointed", summary, rulebook, params.source, params.source,
                   binding, figures, reasons, subject=who)


def shortlist_outcome(
    params: Params, nec_votes: Mapping[str, int], *, rulebook: str = ""
) -> Outcome:
    """The NEC's shortlist for a members' ballot: the ``shortlist_size`` most-voted candidates.

    A tie across the cut is reported ("tie"), not broken.
    """
    if params.member_ballot is None:
        raise ValueError("this rulebook holds no members' ballot for General Secretary")
    size = params.member_ballot.shortlist_size
    order = sorted(nec_votes, key=lambda n: -nec_votes[n])  # stable: record order among equals
    figures = [Figure(name, str(nec_votes[name])) for name in order]
    if len(order) > size and nec_votes[order[size - 1]] == nec_votes[order[size]]:
        tied = [n for n in order if nec_votes[n] == nec_votes[order[size]]]
        return Outcome(PROCEDURE, "tie", f"{join_names(tied)} tie at the cut for the "
                       f"shortlist of {size}.", rulebook, params.member_ballot.source or
                       params.source, params.source, figures=figures, subject="shortlist")
    chosen = order[:size]
    return Outcome(PROCEDURE, "shortlisted", f"Shortlisted for the members' ballot: "
                   f"{join_names(chosen)}.", rulebook, params.member_ballot.source or
                   params.source, params.source, figures=figures,
                   details=[Outcome(PROCEDURE, "shortlisted" if n in chosen else "not_shortlisted",
                                    f"{n}: {nec_votes[n]} NEC votes", rulebook, "", subject=n)
                            for n in order],
                   subject="shortlist")


def member_ballot_outcome(
    params: Params, election: Election, *, rulebook: str = "", **options: object
) -> Outcome:
    """The members' ballot, counted by the rulebook's method through the counting core."""
    if params.member_ballot is None:
        raise ValueError("this rulebook holds no members' ballot for General Secretary")
    result = counting.count(params.member_ballot.method, election, **options)
    figures = [Figure(f"round {r.number}",
                      ", ".join(f"{n} {format_exact(v)}" for n, v in r.tally.items()))
               for r in result.rounds]
    who = join_names(result.elected)
    reasons = [f"⚠ {u}" for u in (*params.uncertain, *params.member_ballot.uncertain)]
    return Outcome(PROCEDURE, "elected" if result.elected else "no_winner",
                   f"{who} elected General Secretary by the members "
                   f"({params.member_ballot.method}).", rulebook,
                   params.member_ballot.source or params.source, params.source,
                   figures=figures, reasons=reasons, subject=who)
