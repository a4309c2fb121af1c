"""A contest's life as a state machine: each step states its preconditions.

    draft → nominations → frozen → credentials → open → closed → counted → published

(a contest may also be frozen straight from draft when it takes no
nominations, e.g. a motion). :func:`transition` checks that the step is
allowed from the current state and that its preconditions hold, does the step's
work, saves, and writes one audit entry — or raises :class:`TransitionRefused`
with one clear sentence saying why not, changing nothing.

Preconditions:

* **nominations** — only from draft.
* **frozen** — a freeze date, more candidates than seats, and a register that
  is not empty; when leaving nominations, every candidate qualifies under the
  rulebook's nomination thresholds (:func:`.nominations.refusal`: leadership,
  selection, STV executive) — the refusal gives the procedure's reasons;
  freezing stores the electorate with reasons (:mod:`.electorate`).
* **credentials** — at least one eligible elector, and a credential for every
  eligible elector (issue them with :func:`.voting.issue_credentials`).
* **open** — only once credentials are issued.
* **closed** — only from open.
* **counted** — only from closed, with a stored result (:func:`.counting.count_contest`).
* **published** — only from counted; stamps the result, which is then immutable.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from selectorate.web.elections import audit
from selectorate.web.elections.models import Contest, Result

#: The states each state may move to.
ALLOWED: dict[str, tuple[str, ...]] = {
    Contest.DRAFT: (Contest.NOMINATIONS, Contest.FROZEN),
    Contest.NOMINATIONS: (Contest.FROZEN,),
    Contest.FROZEN: (Contest.CREDENTIALS,),
    Contest.CREDENTIALS: (Contest.OPEN,),
    Contest.OPEN: (Contest.CLOSED,),
    Contest.CLOSED: (Contest.COUNTED,),
    Contest.COUNTED: (Contest.PUBLISHED,),
    Contest.PUBLISHED: (),
}

STATE_NAMES = dict(Contest.STATES)

_VERB = {
    Contest.DRAFT: "return to draft",
    Contest.NOMINATIONS: "open nominations for",
    Contest.FROZEN: "freeze the electorate of",
    Contest.CREDENTIALS: "mark credentials issued for",
    Contest.OPEN: "open voting in",
    Contest.CLOSED: "close voting in",
    Contest.COUNTED: "mark as counted",
    Contest.PUBLISHED: "publish the result of",
}

_WHY_NOT = {
    Contest.DRAFT: "no contest goes back to draft",
    Contest.NOMINATIONS: "nominations open only from draft",
    Contest.FROZEN: "the electorate is frozen from draft or nominations",
    Contest.CREDENTIALS: "credentials are issued only once the electorate is frozen",
    Contest.OPEN: "voting opens only once credentials are issued",
    Contest.CLOSED: "only an open contest can be closed",
    Contest.COUNTED: "a contest is counted only after it is closed",
    Contest.PUBLISHED: "a result is published only after the count",
}


class TransitionRefused(Exception):
    """A state change that is not allowed now; the message says why, in one sentence."""


def allowed_targets(contest: Contest) -> tuple[str, ...]:
    """The states ``contest`` may move to from its current state (preconditions aside)."""
    return ALLOWED.get(contest.state, ())


def _refuse(contest: Contest, to_state: str, why: str) -> TransitionRefused:
    verb = _VERB.get(to_state, f"move to {to_state!r}")
    return TransitionRefused(f"Cannot {verb} “{contest.title}”: {why}.")


def check(contest: Contest, to_state: str) -> None:
    """Raise :class:`TransitionRefused` unless ``contest`` may move to ``to_state`` now."""
    if to_state not in ALLOWED:
        known = ", ".join(ALLOWED)
        raise _refuse(contest, to_state, f"{to_state!r} is not a state (states: {known})")
    if to_state not in ALLOWED[contest.state]:
        here = STATE_NAMES[contest.state]
        raise _refuse(contest, to_state, f"it is {here}, and {_WHY_NOT[to_state]}")
    if to_state == Contest.FROZEN:
        if contest.freeze_date is None:
            raise _refuse(contest, to_state, "no freeze date is set")
        candidates = contest.candidates.count()
        if candidates <= contest.seats:
            raise _refuse(
                contest,
                to_state,
                f"it has {candidates} candidate(s) for {contest.seats} seat(s); "
                "a ballot needs more candidates than seats",
            )
        if not contest.organisation.members.exists():
            raise _refuse(contest, to_state, "the organisation's register is empty")
        if contest.state == Contest.NOMINATIONS:
            from selectorate.web.elections.nominations import refusal

            why = refusal(contest)
            if why:
                raise _refuse(contest, to_state, why)
    elif to_state == Contest.CREDENTIALS:
        eligible = contest.electors.filter(eligible=True)
        if not eligible.exists():
            raise _refuse(contest, to_state, "nobody on the frozen electorate is eligible")
        missing = eligible.filter(credential__isnull=True).count()
        if missing:
            raise _refuse(
                contest, to_state, f"{missing} eligible elector(s) have no credential yet"
            )
    elif to_state == Contest.COUNTED:
        if not Result.objects.filter(contest=contest).exists():
            raise _refuse(contest, to_state, "no result has been stored by a count")


@transaction.atomic
def transition(
    contest: Contest, to_state: str, actor: str, details: dict[str, Any] | None = None
) -> Contest:
    """Move ``contest`` to ``to_state`` as ``actor``, doing the step's work and auditing it.

    The contest row is locked for the step, so two officers cannot both do it.
    Returns the updated contest (``contest`` itself is refreshed too).
    """
    locked = Contest.objects.select_for_update().get(pk=contest.pk)
    check(locked, to_state)
    extra: dict[str, Any] = dict(details or {})
    if to_state == Contest.FROZEN:
        from selectorate.web.elections.electorate import freeze_electorate

        eligible, excluded = freeze_electorate(locked)
        extra.update(eligible=eligible, excluded=excluded, freeze_date=str(locked.freeze_date))
    elif to_state == Contest.CLOSED:
        from selectorate.web.elections.voting import mix_ballots

        ballots, box_sha256 = mix_ballots(locked)
        extra.update(ballots=ballots, box_sha256=box_sha256)
    elif to_state == Contest.PUBLISHED:
        result = Result.objects.get(contest=locked)
        result.published_at = timezone.now()
        result.save(update_fields=["published_at"])
    from_state = locked.state
    locked.state = to_state
    locked.save(update_fields=["state"])
    audit.record(
        f"contest {to_state}",
        actor,
        locked,
        {"from": from_state, "to": to_state, **extra},
    )
    contest.state = to_state
    return locked
