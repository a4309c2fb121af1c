"""Annual conference: card votes, delegate entitlement and the rule-change timetable.

Facts (shared/facts/rulebooks.md §4; card votes in labour_history.json
``labour_conference_card_votes``):

* **Card votes.** Affiliates hold 50% of conference votes and CLPs 50%
  (since 1996; Minkin, via New Socialist). Each delegation casts votes equal
  to the members it represents; the CLP and the affiliate totals are each
  turned into a share of their section, each share is weighted by the
  section's 50%, and the two are added (LabourList 2021-10, Dave Levy,
  labourunions.org.uk). Worked example, 2021 card vote 1: CLPs 342,921 for,
  8,723 against; affiliates 1,810,113 for, 4,825 against; 48.76 + 49.87 =
  98.63% for. Rule changes are always decided by card vote. Percentages are
  printed to two places, rounded half up (how the published figures read);
  the decision uses the exact value.
* **Majority.** A motion or rule change passes with more votes for than
  against (more than 50% of the weighted vote). A proposal enters the party
  programme only with "not less than two-thirds of the votes recorded on a
  card vote" (Ch.1 Cl.V.2, 2016).
* **Delegates** (Ch.3 Cl.I.1.B–C, as quoted by Dave Levy): one delegate for
  the first 749 members and one more for each further 250 or part of 250; an
  extra woman delegate when women members number at least 100; an extra youth
  delegate when Young Labour members number at least 30; no more than six
  delegates from 2022 (NEC 16–11, Sept 2022). At least every second delegate
  must be a woman. ⚠ Whether the extra delegates count towards the cap of six
  is not stated; ``cap_includes_extras`` says which reading is used.
* **One-year rule.** A constitutional amendment from a CLP or affiliate is
  debated at the conference of the *following* year; NEC amendments are
  exempt. In force in 2017; abolished at the 2018 conference (in 2019
  proposals submitted in both 2018 and 2019 were debated; ⚠ the year is
  inferred from two editions of Labour First's guide); reinstated at the 2022
  conference (card vote 1, NEC package).
* **Three-year rule.** "When party conference has made a decision on a
  constitutional amendment, no resolution to amend that part of the
  constitution or rules of the party shall appear on the agenda for a period
  of three years from the time such decision is made, except … of immediate
  importance" in the NEC's opinion (Rule Book 2014 Ch.3 Cl.III.2.H). Read as
  ``three_year_unit = "years"``: decided at conference D, back on the agenda
  from conference D+3 (⚠ "three years from the time" ends at about the
  conference of D+3; the reading that admits it is used). By 2022 the test
  was "the same or a similar primary objective", barred at "the following
  three conferences" (``"conferences"``): the CAC ruled out in 2022 a
  proposal last decided in 2018, because no conference was held in 2020
  (LabourList 2022-08).
* Each CLP may submit one motion *or* one constitutional amendment a year.

Example ``conference.toml``::

    source = "Labour Rule Book 2014 Ch.1 Cl.V-VI, Ch.3"

    [card_vote]
    clp_share = "50%"
    affiliate_share = "50%"
    majority = "50%"
    programme_majority = "2/3"
    source = "LabourList 2021-10; New Socialist (Minkin)"

    [delegates]
    first_band = 749
    per_further = 250
    cap = 0
    extra_woman_if_women_at_least = 100
    extra_youth_if_young_at_least = 30
    source = "Rule Book Ch.3 Cl.I.1.B-C (Dave Levy)"

    [rule_changes]
    one_year_rule = true
    nec_exempt = true
    three_year_rule = true
    three_year_unit = "years"
    no_conference_years = [2020]
    source = "Rule Book 2014 Ch.3 Cl.III.2.H; Labour First guides 2018, 2019"
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

import msgspec

from selectorate.procedures.numbers import format_rate, parse_rate
from selectorate.procedures.outcome import Figure, Outcome

__all__ = [
    "CardVote",
    "Delegates",
    "Params",
    "RuleChanges",
    "card_vote",
    "delegates",
    "percent",
    "round_half_up",
    "rule_change_timetable",
]

PROCEDURE = "conference"


class CardVote(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How a card vote is weighted and what majority carries it."""

    #: Weight of the CLP section in the result.
    clp_share: str = "50%"
    #: Weight of the affiliates' section.
    affiliate_share: str = "50%"
    #: A motion passes with MORE than this share of the weighted vote.
    majority: str = "50%"
    #: A proposal enters the party programme with AT LEAST this share.
    programme_majority: str = "2/3"
    #: Places the published percentages are printed to.
    places: int = 2
    source: str = ""


class Delegates(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A CLP's delegate entitlement."""

    #: One delegate for the first this-many members.
    first_band: int = 749
    #: One more for each further this-many members or part thereof.
    per_further: int = 250
    #: Most delegates a CLP may send (0: no cap; 6 from 2022).
    cap: int = 0
    #: Whether the extra woman and youth delegates count towards the cap (⚠ unknown).
    cap_includes_extras: bool = False
    #: An extra woman delegate when women members are at least this many (0: no rule).
    extra_woman_if_women_at_least: int = 0
    #: An extra youth delegate when Young Labour members are at least this many (0: no rule).
    extra_youth_if_young_at_least: int = 0
    source: str = ""


class RuleChanges(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """When a proposed rule change reaches conference."""

    #: A CLP or affiliate amendment is debated the year after it is submitted.
    one_year_rule: bool = False
    #: The NEC's own amendments are exempt from the one-year rule.
    nec_exempt: bool = True
    #: A subject decided at conference cannot return for three years.
    three_year_rule: bool = True
    #: "years": back from conference D+3; "conferences": barred at the next three held.
    three_year_unit: Literal["years", "conferences"] = "years"
    #: The NEC may waive the three-year rule for a matter "of immediate importance".
    nec_may_waive: bool = True
    #: Years in which no conference was held (2020).
    no_conference_years: list[int] = []
    #: One motion or one constitutional amendment per CLP a year.
    one_proposal_per_clp: bool = True
    source: str = ""


class Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a rulebook version says about annual conference."""

    #: Citation of the rulebook clause(s) and fact sources.
    source: str
    card_vote: CardVote = msgspec.field(default_factory=CardVote)
    delegates: Delegates = msgspec.field(default_factory=Delegates)
    rule_changes: RuleChanges = msgspec.field(default_factory=RuleChanges)
    notes: list[str] = []
    uncertain: list[str] = []

    def __post_init__(self) -> None:
        """Check the rates and numbers the types alone cannot."""
        cv = self.card_vote
        shares = [parse_rate(cv.clp_share), parse_rate(cv.affiliate_share)]
        if sum(shares) != 1:
            raise ValueError(
                f"card_vote: clp_share {cv.clp_share!r} and affiliate_share "
                f"{cv.affiliate_share!r} must add up to 100%"
            )
        parse_rate(cv.majority)
        parse_rate(cv.programme_majority)
        if cv.places < 0:
            raise ValueError("card_vote.places: cannot be negative")
        d = self.delegates
        if d.first_band < 1 or d.per_further < 1 or d.cap < 0:
            raise ValueError("delegates: first_band and per_further must be at least 1")


# --------------------------------------------------------------------------- card votes


def round_half_up(value: Fraction, places: int) -> Fraction:
    """``value`` rounded to ``places`` decimal places, halves away from zero."""
    scale = 10**places
    scaled = abs(value) * scale
    rounded = math.floor(scaled + Fraction(1, 2))
    return Fraction(rounded if value >= 0 else -rounded, scale)


def percent(value: Fraction, places: int = 2) -> str:
    """A share (0–1) as a percentage printed to ``places`` places: ``"98.63"``."""
    rounded = round_half_up(value * 100, places)
    sign = "-" if rounded < 0 else ""
    scaled = abs(rounded) * 10**places
    whole, frac = divmod(int(scaled), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def _section_share(votes_for: int, votes_against: int, name: str) -> Fraction:
    if votes_for < 0 or votes_against < 0:
        raise ValueError(f"{name}: votes cannot be negative")
    total = votes_for + votes_against
    if total == 0:
        raise ValueError(f"{name}: no votes were recorded, so the section has no share to weigh")
    return Fraction(votes_for, total)


def card_vote(
    params: Params,
    *,
    clp_for: int,
    clp_against: int,
    affiliate_for: int,
    affiliate_against: int,
    programme: bool = False,
    motion: str = "",
    rulebook: str = "",
) -> Outcome:
    """Weigh a card vote: each section's share of its own votes, weighted 50/50, added.

    ``programme=True`` applies the two-thirds majority needed to enter the
    party programme instead of a simple majority. Figures give each section's
    component and the weighted total exactly and as printed.
    """
    cv = params.card_vote
    clp_w, aff_w = parse_rate(cv.clp_share), parse_rate(cv.affiliate_share)
    clp = clp_w * _section_share(clp_for, clp_against, "CLPs")
    aff = aff_w * _section_share(affiliate_for, affiliate_against, "affiliates")
    total = clp + aff
    p = cv.places
    if programme:
        need = parse_rate(cv.programme_majority)
        passed = total >= need
        rule = f"at least {format_rate(need)} of the weighted card vote (party programme)"
    else:
        need = parse_rate(cv.majority)
        passed = total > need
        rule = f"more than {format_rate(need)} of the weighted card vote"
    figures = [
        Figure("CLPs", f"{clp_for} for, {clp_against} against",
               f"{percent(Fraction(clp_for, clp_for + clp_against), p)}% of the CLP vote"),
        Figure("affiliates", f"{affiliate_for} for, {affiliate_against} against",
               f"{percent(Fraction(affiliate_for, affiliate_for + affiliate_against), p)}% "
               "of the affiliates' vote"),
        Figure("CLP component", percent(clp, p),
               f"{cv.clp_share} × {clp_for}/{clp_for + clp_against}"),
        Figure("affiliate component", percent(aff, p),
               f"{cv.affiliate_share} × {affiliate_for}/{affiliate_for + affiliate_against}"),
        Figure("for", percent(total, p), "CLP component + affiliate component, exact sum rounded"),
        Figure("against", percent(1 - total, p)),
    ]  # fmt: skip
    what = motion or "the motion"
    return Outcome(
        procedure=PROCEDURE,
        decision="carried" if passed else "lost",
        summary=f"{what} {'carried' if passed else 'lost'}: {percent(total, p)}% for, "
        f"{percent(1 - total, p)}% against",
        rulebook=rulebook,
        rule=f"card vote: CLPs {cv.clp_share}, affiliates {cv.affiliate_share}; {rule}",
        source=cv.source or params.source,
        figures=figures,
        reasons=[
            f"CLPs: {percent(clp, p)} of the {cv.clp_share}; affiliates: {percent(aff, p)} of "
            f"the {cv.affiliate_share}; together {percent(total, p)}%"
        ],
        subject=motion,
    )


# --------------------------------------------------------------------------- delegates


def delegates(
    params: Params, members: int, *, women: int = 0, young: int = 0, rulebook: str = ""
) -> Outcome:
    """A CLP's delegates to conference from its membership, with the extra delegates and cap."""
    d = params.delegates
    if members < 0 or women < 0 or young < 0:
        raise ValueError("membership numbers cannot be negative")
    base = 1 + (math.ceil((members - d.first_band) / d.per_further) if members > d.first_band
                else 0)  # fmt: skip
    reasons = [
        f"1 delegate for the first {d.first_band} members"
        + (f", 1 more for each further {d.per_further} or part: {base} for {members} members"
           if members > d.first_band else f": {members} members")  # fmt: skip
    ]
    extras = []
    if d.extra_woman_if_women_at_least and women >= d.extra_woman_if_women_at_least:
        extras.append("woman")
        reasons.append(f"an extra woman delegate: {women} women members "
                       f"(at least {d.extra_woman_if_women_at_least})")  # fmt: skip
    if d.extra_youth_if_young_at_least and young >= d.extra_youth_if_young_at_least:
        extras.append("youth")
        reasons.append(f"an extra youth delegate: {young} Young Labour members "
                       f"(at least {d.extra_youth_if_young_at_least})")  # fmt: skip
    if d.cap and d.cap_includes_extras:
        total = min(base + len(extras), d.cap)
        capped = base + len(extras) > d.cap
    elif d.cap:
        total = min(base, d.cap) + len(extras)
        capped = base > d.cap
    else:
        total, capped = base + len(extras), False
    if capped:
        reasons.append(
            f"capped at {d.cap}" + (" (extra delegates included)" if d.cap_includes_extras
                                    else " (extra delegates on top)")  # fmt: skip
        )
    main = min(base, d.cap) if d.cap else base
    women_needed = main // 2 if main > 1 else 0
    figures = [
        Figure("members", str(members)),
        Figure("delegates by membership", str(base)),
        Figure("extra delegates", str(len(extras)), ", ".join(extras)),
        Figure("delegates", str(total)),
        Figure("women among the delegates by membership", f"at least {women_needed}",
               "every second delegate a woman; a single delegate a woman every other year"),
    ]  # fmt: skip
    return Outcome(
        procedure=PROCEDURE,
        decision="delegates",
        summary=f"{total} delegate{'s' if total != 1 else ''} for {members} members",
        rulebook=rulebook,
        rule=f"1 per first {d.first_band} members, +1 per further {d.per_further} or part"
        + (f", at most {d.cap}" if d.cap else ""),
        source=d.source or params.source,
        figures=figures,
        reasons=reasons,
    )


# --------------------------------------------------------------------------- rule changes


def _conferences_after(year: int, count: int, skipped: set[int]) -> list[int]:
    """The next ``count`` conference years after ``year``, skipping years without one."""
    out: list[int] = []
    y = year
    while len(out) < count:
        y += 1
        if y not in skipped:
            out.append(y)
    return out


def rule_change_timetable(
    params: Params,
    *,
    submitted: int,
    proposer: Literal["clp", "affiliate", "nec"] = "clp",
    last_decided: int | None = None,
    waived: bool = False,
    rulebook: str = "",
) -> Outcome:
    """The conference at which a proposed rule change submitted in ``submitted`` is debated.

    ``params`` is the rulebook in force when the proposal is submitted.
    ``last_decided`` is the year conference last decided the same subject
    (for the three-year rule); ``waived``: the NEC ruled the matter "of
    immediate importance". Decision ``"scheduled"`` (figure ``conference``:
    the year) or ``"ruled out"`` (figure ``first allowed``).
    """
    rc = params.rule_changes
    skipped = set(rc.no_conference_years)
    reasons: list[str] = []
    target = submitted
    if rc.one_year_rule and not (proposer == "nec" and rc.nec_exempt):
        target = submitted + 1
        reasons.append(
            f"one-year rule: a {proposer.upper()} amendment submitted in {submitted} is "
            f"debated at the following year's conference, {target}"
        )
    elif rc.one_year_rule:
        reasons.append("one-year rule: NEC amendments are exempt")
    else:
        reasons.append(f"no one-year rule: debated at the {submitted} conference")
    while target in skipped:
        reasons.append(f"no conference was held in {target}")
        target += 1
    barred: list[int] = []
    if rc.three_year_rule and last_decided is not None:
        if rc.three_year_unit == "years":
            barred = [y for y in range(last_decided + 1, last_decided + 3)]
            rule3 = (
                f"three-year rule: the subject was decided in {last_decided}; it may not return "
                f"for three years, i.e. before the {last_decided + 3} conference"
            )
        else:
            barred = _conferences_after(last_decided, 3, skipped)
            rule3 = (
                f"three-year rule: the subject was decided in {last_decided}; it is barred at "
                f"the following three conferences ({', '.join(map(str, barred))})"
            )
        reasons.append(rule3)
    figures = [Figure("submitted", str(submitted)), Figure("proposer", proposer)]
    if target in barred and waived and rc.nec_may_waive:
        reasons.append("the NEC ruled the matter of immediate importance: the bar is waived")
        barred = []
    if target in barred:
        first = max(barred) + 1
        while first in skipped:
            first += 1
        figures.append(Figure("first allowed", str(first)))
        return Outcome(
            procedure=PROCEDURE,
            decision="ruled out",
            summary=f"ruled out of order for {target}: the same subject was decided in "
            f"{last_decided}; first allowed in {first}",
            rulebook=rulebook,
            rule="three-year rule",
            source=rc.source or params.source,
            figures=figures,
            reasons=reasons,
        )
    figures.append(Figure("conference", str(target)))
    return Outcome(
        procedure=PROCEDURE,
        decision="scheduled",
        summary=f"debated at the {target} conference",
        rulebook=rulebook,
        rule="one-year rule" if rc.one_year_rule else "no one-year rule",
        source=rc.source or params.source,
        figures=figures,
        reasons=reasons,
    )
