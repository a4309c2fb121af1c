"""Nominations checked against the rulebook's thresholds, and who must leave the ballot.

:func:`check` builds the procedure's record from the contest's
:class:`~.models.Nomination` rows and the rulebook, and returns the
procedure's explained :class:`~selectorate.procedures.outcome.Outcome`:

* **leadership** — :func:`selectorate.procedures.leadership.nominations_outcome`
  for the contest's case (:func:`leadership_case`: the office, a vacancy or a
  challenge to the sitting holder, fixed when the contest was created): MP
  nominations (``mp`` rows) and, where the case's rule asks for them, CLP
  (``clp``), affiliate (``affiliate``, named units of the organisation with
  their affiliated membership) and member (``member``) nominations. The pool
  sizes come from the rulebook's ``[organisation]``
  (``parliamentary_group.commons_members``, ``constituency_parties.count``,
  ``affiliates.affiliated_membership``) — e.g. labour-2014: 232 MPs, so a
  vacancy's 15% rounds up to 35 (Ch.4 Cl.II.2.B(i)) and a challenge's 20% to
  47 (Ch.4 Cl.II.2.B(ii)); in a challenge the sitting holder is on the ballot
  without nominations where the rulebook says so (``incumbent_on_ballot``),
  and a challenge with no validly nominated challenger has no ballot;
* **selection** — :func:`selectorate.procedures.selection.shortlist_outcome`:
  one unit nomination per nominating ``branch`` / ``affiliate`` (grouped by
  the nominator's name), the per-unit limits and ``min_to_shortlist`` applied;
* **stv_executive** — :func:`selectorate.procedures.nec.check_nominations`:
  ``clp`` nominations against ``nominations_required``.

Motions, card votes and trigger ballots have no candidate thresholds (the
trigger ballot's thresholds apply to the branches' and affiliates' votes, not
to nominations), so :func:`check` returns None for them.

:func:`unqualified` lists the candidates the outcome keeps off the ballot with
the procedure's reasons; :func:`withdraw_unqualified` removes them (closing the
gaps in ballot positions) and writes one audit entry per candidate with the
reasons. The lifecycle refuses to leave ``nominations`` while any remain —
once at least one nomination is recorded for the contest; a contest whose
nominations were taken outside the service (none recorded) is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from selectorate.procedures import leadership, nec, selection
from selectorate.procedures.outcome import Outcome
from selectorate.rulebooks import load_rulebook
from selectorate.web.elections import audit
from selectorate.web.elections.contest_plan import LEADERSHIP_CASES, case_label, leadership_pools
from selectorate.web.elections.models import Candidate, Contest, Nomination

#: Contest kinds whose rulebook procedure sets nomination thresholds.
CHECKED_KINDS = ("leadership", "selection", "stv_executive")
#: Detail decisions that keep a candidate off the ballot.
OFF_BALLOT = ("not_nominated", "not nominated", "not_eligible", "excluded")
#: Detail decisions the record cannot settle (the transition is refused on them).
UNSETTLED = ("undetermined",)


class NominationRefused(Exception):
    """A nomination that was not recorded; the message says why."""


def record_nomination(
    contest: Contest, candidate: Candidate, kind: str, name: str, actor: str
) -> Nomination:
    """Record one nomination of ``candidate`` by ``name`` (a ``kind`` of nominator), audited.

    Refused (:class:`NominationRefused`) unless nominations are open, for an
    unknown nominator kind, an empty or over-long name, or a repeat nomination.
    """
    name = name.strip()
    if kind not in dict(Nomination.KINDS):
        raise NominationRefused(
            "Choose who nominates (" + ", ".join(k for k, _ in Nomination.KINDS) + ")."
        )
    if not name or len(name) > 200:
        raise NominationRefused("The nominator's name must be 1 to 200 characters.")
    try:
        with transaction.atomic():
            locked = Contest.objects.select_for_update().get(pk=contest.pk)
            if locked.state != Contest.NOMINATIONS:
                raise NominationRefused(
                    f"Nominations are recorded only while they are open; “{locked.title}” "
                    f"is {locked.get_state_display()}."
                )
            row = Nomination.objects.create(contest=locked, candidate=candidate,
                                            nominator_kind=kind, nominator_name=name)
            audit.record("nomination recorded", actor, locked, {
                "candidate": candidate.name, "nominator_kind": kind, "nominator_name": name})
    except IntegrityError:
        raise NominationRefused(f"{name} has already nominated {candidate.name}.") from None
    return row


@dataclass(slots=True)
class Disqualified:
    """A candidate the procedure keeps off the ballot, and why."""

    candidate: Candidate
    decision: str
    summary: str
    reasons: list[str]


def _by_candidate(contest: Contest) -> dict[int, dict[str, list[str]]]:
    rows: dict[int, dict[str, list[str]]] = {}
    for n in Nomination.objects.filter(contest=contest).order_by("nominator_kind",
                                                                  "nominator_name", "id"):
        rows.setdefault(n.candidate_id, {}).setdefault(n.nominator_kind, []).append(
            n.nominator_name
        )
    return rows


@dataclass(frozen=True, slots=True)
class LeadershipCase:
    """Which leadership election a contest is: the office, a vacancy or a challenge, who sits."""

    office: str = "leader"
    case: str = "vacancy"
    #: The sitting holder (a challenge), spelt as on the ballot.
    incumbent: str = ""

    @property
    def label(self) -> str:
        """E.g. "challenge to the sitting leader, Ash"."""
        return case_label(self.office, self.case, self.incumbent)


#: Nominator kinds (``Nomination.KINDS``) each part of a leadership rule counts.
_COUNTED_BY = (("parliamentary", "mp"), ("supporting", "clp"), ("supporting", "affiliate"),
               ("members", "member"))


def leadership_case(contest: Contest) -> LeadershipCase | None:
    """The leadership case of a contest (None unless it is a leadership election).

    Read from ``Contest.leadership``, which :func:`.contest_plan.create_contest`
    fixes at creation (and records in the "contest created" audit entry). A
    contest created without one (the admin, older data) is a vacancy for leader.
    """
    if contest.kind != "leadership":
        return None
    data = contest.leadership or {}
    case = data.get("case") if data.get("case") in LEADERSHIP_CASES else "vacancy"
    return LeadershipCase(office=str(data.get("office") or "leader"), case=case,
                          incumbent=str(data.get("incumbent") or "") if case == "challenge"
                          else "")


def counted_kinds(contest: Contest) -> list[str]:
    """The nominator kinds the contest's rule counts (leadership; [] when not known)."""
    lc = leadership_case(contest)
    if lc is None:
        return []
    params: leadership.Params = load_rulebook(
        contest.rulebook_id or contest.organisation.rulebook_id).procedure("leadership")
    rule = params.challenge if lc.case == "challenge" else params.vacancy
    if rule is None:
        return []
    out: list[str] = []
    for part, kind in _COUNTED_BY:
        value = getattr(rule, part)
        if value is None or kind in out:
            continue
        if kind == "clp" and value.clps_rate is None:
            continue
        if kind == "affiliate" and value.affiliates_min is None:
            continue
        out.append(kind)
    return out


def _leadership(contest: Contest, rb_id: str) -> Outcome:
    rb = load_rulebook(rb_id)
    params: leadership.Params = rb.procedure("leadership")
    lc = leadership_case(contest) or LeadershipCase()
    if lc.case == "challenge" and params.challenge is None:
        return Outcome(
            leadership.PROCEDURE, "undetermined",
            f"{contest.title}: rulebook {rb.id} provides no challenge to a sitting "
            f"{lc.office}, so the nominations cannot be checked as one.",
            rb.id, params.source, params.source, subject=contest.title)
    units = contest.organisation.units.filter(kind="affiliate").order_by("name")
    affiliates = [
        leadership.Affiliate(u.name, "union" if u.affiliate_type == "union" else "society"
                             if u.affiliate_type == "society" else "other",
                             u.affiliated_membership)
        for u in units
    ]
    pools = leadership_pools(rb, affiliates)
    rows = _by_candidate(contest)
    rule = params.challenge if lc.case == "challenge" else params.vacancy
    assert rule is not None  # a challenge without a rule is answered above
    known = {x.name for x in affiliates}
    nominees = []
    for cand in contest.candidates.order_by("position"):
        mine = rows.get(cand.pk, {})
        nominees.append(leadership.Nominee(
            name=cand.name,
            mps=len(mine.get("mp", [])),
            clps=len(mine.get("clp", [])),
            affiliates=([a for a in mine.get("affiliate", []) if a in known]
                        if rule.supporting is not None else None),
            members=len(mine.get("member", [])),
            # Local parties of nominating members are not recorded; unknown, not zero.
            local_parties=None,
        ))
    record = leadership.NominationRecord(
        candidates=nominees, pools=pools, office=lc.office,
        contest=lc.case,  # type: ignore[arg-type]
        incumbent=lc.incumbent or None, title=contest.title)
    return leadership.nominations_outcome(params, record, rulebook=rb.id)


def _selection(contest: Contest, rb_id: str) -> Outcome:
    rb = load_rulebook(rb_id)
    params: selection.Params = rb.procedure("selection")
    units: dict[tuple[str, str], list[str]] = {}
    for n in Nomination.objects.filter(
        contest=contest, nominator_kind__in=("branch", "affiliate")
    ).select_related("candidate").order_by("nominator_kind", "nominator_name",
                                            "candidate__position"):
        units.setdefault((n.nominator_kind, n.nominator_name), []).append(n.candidate.name)
    record = selection.SelectionRecord(
        clp=contest.organisation.name,
        applicants=[selection.Applicant(name=c.name)
                    for c in contest.candidates.order_by("position")],
        nominations=[selection.UnitNomination(unit=name, kind=kind, nominees=names)  # type: ignore[arg-type]
                     for (kind, name), names in sorted(units.items())],
    )
    return selection.shortlist_outcome(params, record, rulebook=rb.id)


def _nec(contest: Contest, rb_id: str) -> Outcome:
    rb = load_rulebook(rb_id)
    params: nec.Params = rb.procedure("nec")
    rows = _by_candidate(contest)
    counts = {c.name: len(rows.get(c.pk, {}).get("clp", []))
              for c in contest.candidates.order_by("position")}
    return nec.check_nominations(params, counts, rulebook=rb.id)


def check(contest: Contest) -> Outcome | None:
    """The procedure's explained outcome for the contest's nominations (None: no thresholds)."""
    rb_id = contest.rulebook_id or contest.organisation.rulebook_id
    if contest.kind == "leadership":
        return _leadership(contest, rb_id)
    if contest.kind == "selection":
        return _selection(contest, rb_id)
    if contest.kind == "stv_executive":
        return _nec(contest, rb_id)
    return None


def unqualified(contest: Contest, outcome: Outcome) -> tuple[list[Disqualified], list[str]]:
    """(candidates the outcome keeps off the ballot, names the record cannot settle)."""
    by_name = {c.name: c for c in contest.candidates.order_by("position")}
    off: list[Disqualified] = []
    unsettled: list[str] = []
    for d in outcome.details:
        cand = by_name.get(d.subject)
        if cand is None:
            continue
        if d.decision in OFF_BALLOT:
            off.append(Disqualified(cand, d.decision, d.summary, list(d.reasons)))
        elif d.decision in UNSETTLED:
            unsettled.append(cand.name)
    return off, unsettled


def refusal(contest: Contest) -> str:
    """Why the contest may not leave nominations yet ("" when it may)."""
    if contest.kind not in CHECKED_KINDS:
        return ""
    if not Nomination.objects.filter(contest=contest).exists():
        # Nominations not taken in the service (e.g. a paper process): nothing to check.
        return ""
    outcome = check(contest)
    if outcome is None:
        return ""
    off, unsettled = unqualified(contest, outcome)
    parts = []
    for d in off:
        why = "; ".join(d.reasons) or d.summary
        parts.append(f"{d.candidate.name} does not qualify under {outcome.rulebook} "
                     f"({outcome.rule}): {why}")
    for name in unsettled:
        parts.append(f"the nominations of {name} cannot be established from the record")
    if outcome.decision == "undetermined" and not outcome.details:
        parts.append(outcome.summary.rstrip("."))
    if outcome.decision == "no_contest":
        lc = leadership_case(contest) or LeadershipCase()
        office = lc.office.replace("_", " ")
        who = f"{lc.incumbent} (the sitting {office})" if lc.incumbent else \
            f"the sitting {office}"
        parts.append(f"no challenger to {who} is validly nominated, so there is no ballot: "
                     f"{lc.incumbent or 'the sitting ' + office} continues in office")
        return "; ".join(parts)
    if not parts:
        return ""
    return "; ".join(parts) + (" — withdraw them on the nominations page first"
                               if off or unsettled else "")


@transaction.atomic
def withdraw_unqualified(contest: Contest, actor: str) -> list[Disqualified]:
    """Remove every candidate the procedure keeps off the ballot, auditing each with its reasons.

    Only while nominations are open. Ballot positions are closed up (no
    ballot exists yet). Returns the withdrawn candidates.
    """
    locked = Contest.objects.select_for_update().get(pk=contest.pk)
    if locked.state != Contest.NOMINATIONS:
        raise ValueError("candidates are withdrawn only while nominations are open")
    outcome = check(locked)
    if outcome is None:
        return []
    off, _ = unqualified(locked, outcome)
    for d in off:
        audit.record(
            "candidate withdrawn",
            actor,
            locked,
            {
                "candidate": d.candidate.name,
                "position": d.candidate.position,
                "decision": d.decision,
                "summary": d.summary,
                "reasons": d.reasons,
                "rule": outcome.rule,
                "rulebook": outcome.rulebook,
                "nominations": Nomination.objects.filter(candidate=d.candidate).count(),
            },
        )
        d.candidate.delete()
    if off:
        for new, cand in enumerate(locked.candidates.order_by("position"), start=1):
            if cand.position != new:
                cand.position = new
                cand.save(update_fields=["position"])
    return off
