"""Counting a closed contest through the counting core, and storing the result.

The cast ballots become a :class:`selectorate.ballots.Election` (candidates in
ballot-paper order, one ballot per :class:`~.models.CastBallot`, in ballot-id
order — the ids are random, so the order reveals nothing), counted by
``selectorate.counting.registry.count`` with the contest's ``method`` and
``options``. The result is stored as selectorate's native JSON (which
``selectorate verify`` reads back) and as the HTML result sheet.

``Contest.options`` is JSON; an exact number is written ``{"fraction": "1/3"}``
as in the native result file (never a float).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.db import transaction

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.counting import registry
from selectorate.counting.result import CountResult
from selectorate.reports.html import render_html
from selectorate.reports.native_json import render_native_json
from selectorate.web.elections import lifecycle
from selectorate.web.elections.models import CastBallot, Contest, Result


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"fraction"}:
            return Fraction(str(value["fraction"]))
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, float):
        raise ValueError(f"option value {value!r} is a float: write {{'fraction': '…'}}")
    return value


def method_options(contest: Contest) -> dict[str, Any]:
    """The contest's counting options as keyword arguments (exact numbers as Fraction)."""
    return {str(k): _decode(v) for k, v in (contest.options or {}).items()}


def contest_election(contest: Contest) -> Election:
    """The contest's cast ballots as an Election for the counting core."""
    candidates = list(contest.candidates.order_by("position"))
    index = {c.position: i for i, c in enumerate(candidates)}
    ballots = [
        Ballot(rankings=tuple((index[p],) for p in rankings))
        for rankings in CastBallot.objects.filter(contest=contest)
        .order_by("id")
        .values_list("rankings", flat=True)
    ]
    return Election(
        candidates=tuple(Candidate(c.name) for c in candidates),
        ballots=ballots,
        seats=contest.seats,
        title=contest.title,
        metadata={"organisation": contest.organisation.name, "contest": str(contest.pk)},
    )


def count_election(contest: Contest) -> CountResult:
    """Count the contest's ballots by its method (no saving, no state change)."""
    return registry.count(contest.method, contest_election(contest), **method_options(contest))


@transaction.atomic
def count_contest(contest: Contest, actor: str) -> Result:
    """Count a closed contest, store its result and mark it counted (audited).

    Refused with ``TransitionRefused`` unless the contest is closed.
    """
    locked = Contest.objects.select_for_update().get(pk=contest.pk)
    if locked.state != Contest.CLOSED:
        lifecycle.check(locked, Contest.COUNTED)
    result = count_election(locked)
    stored, _ = Result.objects.update_or_create(
        contest=locked,
        defaults={
            "result_json": render_native_json(result),
            "sheet_html": render_html(result),
            "published_at": None,
        },
    )
    lifecycle.transition(
        locked,
        Contest.COUNTED,
        actor,
        {"method": locked.method, "elected": list(result.elected)},
    )
    contest.state = Contest.COUNTED
    return stored
