"""Reading and checking a voter's ballot form: numbered preferences, one mark, or up to N marks.

Pure form logic, no database writes: the pages in :mod:`.views_vote` use it to
validate what a voter typed and to carry the choices, unsaved, from the ballot
to the confirmation page and on to :func:`.voting.cast`. The rankings it
returns are what :class:`~.models.CastBallot` stores: candidate positions in
preference order.

Three ballot styles:

* **ranked** (IRV, STV and the other preferential methods): a number box per
  candidate; 1 is the first preference; numbers may stop early but must not
  repeat or skip (the usual instruction on a UK STV paper);
* **single** (``fptp``, motions — For or Against —, trigger ballots, card votes): one radio;
* **block** (``block``): a checkbox per candidate, at most ``seats`` ticked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import QueryDict

from selectorate.web.elections.models import Candidate, Contest

RANKED, SINGLE, BLOCK = "ranked", "single", "block"
#: Contest kinds whose ballot takes exactly one choice (as :func:`.voting.check_rankings` checks).
SINGLE_CHOICE_KINDS = ("motion", "trigger_ballot", "card_vote")


#: States in which a contest's ballot (its candidates) can no longer change: the
#: lifecycle and the admin refuse any change once nominations close.
_FIXED = (Contest.OPEN, Contest.CLOSED, Contest.COUNTED, Contest.PUBLISHED)
#: Candidates of fixed ballots, per process, keyed by (contest id, creation time) so a
#: reused id (a test database rolled back) never finds another contest's ballot.
_FIXED_BALLOTS: dict[tuple[int, object], list[Candidate]] = {}


def ballot_candidates(contest: Contest) -> list[Candidate]:
    """``contest``'s candidates in ballot order (read once per process once voting opens)."""
    if contest.state not in _FIXED:
        return list(contest.candidates.order_by("position"))
    key = (contest.pk, contest.created_at)
    cached = _FIXED_BALLOTS.get(key)
    if cached is None:
        if len(_FIXED_BALLOTS) > 1000:
            _FIXED_BALLOTS.clear()
        cached = _FIXED_BALLOTS[key] = list(contest.candidates.order_by("position"))
    return cached


def ballot_style(contest: Contest) -> str:
    """How the voter marks ``contest``'s ballot: ranked, single or block."""
    if contest.kind in SINGLE_CHOICE_KINDS or contest.method == "fptp":
        return SINGLE
    if contest.method == "block":
        return BLOCK
    return RANKED


@dataclass
class Problem:
    """One thing wrong with the form: the id of the field to fix and a message for the voter."""

    field: str
    message: str


@dataclass
class BallotForm:
    """A filled-in (or empty) ballot form for ``contest``."""

    contest: Contest
    candidates: list[Candidate]
    style: str
    #: What the voter typed or chose, by candidate position (for redisplay).
    values: dict[int, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Candidate positions in preference order, once valid.
    rankings: list[int] = field(default_factory=list)
    #: Positions flagged invalid on redisplay.
    invalid: set[int] = field(default_factory=set)

    # -- reading ----------------------------------------------------------------

    @classmethod
    def empty(cls, contest: Contest) -> BallotForm:
        """A blank ballot for ``contest``."""
        return cls(contest, ballot_candidates(contest), ballot_style(contest))

    @classmethod
    def from_post(cls, contest: Contest, data: QueryDict) -> BallotForm:
        """The ballot the voter submitted, checked; ``problems`` lists what to fix."""
        form = cls.empty(contest)
        if form.style == RANKED:
            form._read_ranked(data)
        elif form.style == SINGLE:
            form._read_single(data)
        else:
            form._read_block(data)
        return form

    @property
    def valid(self) -> bool:
        """True when the ballot can be cast as it is."""
        return not self.problems and bool(self.rankings)

    def _name(self, position: int) -> str:
        for c in self.candidates:
            if c.position == position:
                return c.name
        return str(position)

    def _fail(self, position: int | None, message: str, positions: tuple[int, ...] = ()) -> None:
        first = position if position is not None else self.candidates[0].position
        field_id = ("rank-" if self.style == RANKED else "choice-") + str(first)
        self.problems.append(Problem(field_id, message))
        self.invalid.update(positions or ([position] if position is not None else []))

    def _read_ranked(self, data: QueryDict) -> None:
        n = len(self.candidates)
        numbers: dict[int, int] = {}
        for c in self.candidates:
            raw = data.get(f"rank-{c.position}", "").strip()
            self.values[c.position] = raw
            if not raw:
                continue
            if not raw.isdigit() or not 1 <= int(raw) <= n:
                self._fail(
                    c.position,
                    f"The number next to {c.name} must be a whole number from 1 to {n}.",
                )
                continue
            numbers[c.position] = int(raw)
        if self.problems:
            return
        if not numbers:
            self._fail(None, "Number at least one candidate: write 1 next to your first choice.")
            return
        by_number: dict[int, list[int]] = {}
        for position, number in numbers.items():
            by_number.setdefault(number, []).append(position)
        for number in sorted(by_number):
            positions = by_number[number]
            if len(positions) > 1:
                names = " and ".join(self._name(p) for p in positions)
                self._fail(
                    positions[0],
                    f"You gave the number {number} to more than one candidate ({names}). "
                    "Give each number to one candidate only.",
                    tuple(positions),
                )
        if self.problems:
            return
        used = sorted(by_number)
        for expected, number in enumerate(used, start=1):
            if number != expected:
                positions = by_number[number]
                if expected == 1:
                    message = (
                        "There is no number 1. Start with 1 for your first choice, "
                        "then 2, 3 and so on."
                    )
                else:
                    message = (
                        f"You skipped the number {expected}. Number your choices "
                        f"1, 2, 3 and so on without gaps (the highest is now {used[-1]})."
                    )
                self._fail(positions[0], message, tuple(positions))
                return
        self.rankings = [by_number[number][0] for number in used]

    def _read_single(self, data: QueryDict) -> None:
        raw = data.get("choice", "").strip()
        positions = {str(c.position): c.position for c in self.candidates}
        if raw in positions:
            self.values[positions[raw]] = "checked"
            self.rankings = [positions[raw]]
        elif self.contest.kind == "motion":
            names = " or ".join(c.name for c in self.candidates)
            self._fail(None, f"Choose how you vote on the motion: {names}.")
        else:
            self._fail(None, "Choose one candidate.")

    def _read_block(self, data: QueryDict) -> None:
        positions = {str(c.position): c.position for c in self.candidates}
        chosen = [positions[v] for v in data.getlist("choice") if v in positions]
        chosen = sorted(set(chosen))
        for p in chosen:
            self.values[p] = "checked"
        seats = self.contest.seats
        if not chosen:
            self._fail(None, f"Choose at least one candidate (up to {seats}).")
        elif len(chosen) > seats:
            self._fail(
                chosen[0],
                f"You chose {len(chosen)} candidates. Choose no more than {seats}.",
                tuple(chosen),
            )
        else:
            self.rankings = chosen

    # -- showing ----------------------------------------------------------------

    def rows(self) -> list[dict[str, object]]:
        """One row per candidate for the ballot template."""
        return [
            {
                "position": c.position,
                "name": c.name,
                "value": self.values.get(c.position, ""),
                "checked": self.values.get(c.position) == "checked",
                "invalid": c.position in self.invalid,
            }
            for c in self.candidates
        ]

    def chosen_names(self) -> list[str]:
        """The names of the chosen candidates, in preference order."""
        return [self._name(p) for p in self.rankings]

    def unranked_names(self) -> list[str]:
        """Candidates left without a number (ranked ballots)."""
        ranked = set(self.rankings)
        return [c.name for c in self.candidates if c.position not in ranked]

    def hidden_fields(self) -> list[tuple[str, str]]:
        """The valid choices as (name, value) pairs, to carry through the confirmation page."""
        if self.style == RANKED:
            return [(f"rank-{p}", str(i)) for i, p in enumerate(self.rankings, start=1)]
        return [("choice", str(p)) for p in self.rankings]
