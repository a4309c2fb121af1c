"""An MP's whip record on the page of a trigger ballot or no-confidence motion about them.

Before a trigger ballot or a no-confidence motion, members want the record, not the
rumour (issue 7): how their MP voted in the Commons, when the party whipped otherwise,
and how that compares with colleagues. The analysis is the library's
(:mod:`selectorate.divisions`); this module only loads the records and shapes them for
the template partial ``elections/_whip_record.html``.

Configuration (environment, read here, not in settings):

* ``SELECTORATE_DIVISIONS_DIR``: a folder of division exports (Commons Votes CSV or
  linked-data CSV, see ``docs/whip.md``). Unset: the section says no division records
  are loaded.
* ``SELECTORATE_WHIPS_FILE``: optional declared-whip CSV; without it every whip is
  inferred from the party's majority (and marked so).

The records are read once per process (per pair of settings) and kept: restart the
service after changing the files. The partial calls the ``whip_record`` template tag
(``{% load whip_record_tags %}``), registered by ``templatetags/whip_record_tags.py``.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from django import template

from selectorate.divisions import (
    Division,
    DivisionFileError,
    WhipBook,
    member_history,
    read_divisions,
    read_whips,
)
from selectorate.divisions.record import Standing

DIVISIONS_ENV = "SELECTORATE_DIVISIONS_DIR"
WHIPS_ENV = "SELECTORATE_WHIPS_FILE"
#: Contest kinds about a sitting MP (``Contest.KINDS``).
KINDS = ("trigger_ballot", "motion")
CREDIT = "Contains Parliamentary information licensed under the Open Parliament Licence v3.0."

register = template.Library()
log = logging.getLogger(__name__)

_STANDING_WORDS = {
    Standing.REBEL: "against the whip",
    Standing.LOYAL: "with the whip",
    Standing.ABSENT: "absent when whipped",
    Standing.TELLER: "teller",
    Standing.BOTH: "both lobbies",
    Standing.NO_WHIP: "no whip",
}
_VOTE_WORDS = {
    "aye": "Aye",
    "no": "No",
    "no_vote": "did not vote",
    "teller_aye": "teller (ayes)",
    "teller_no": "teller (noes)",
    "both": "both lobbies",
}


@dataclass(frozen=True)
class Loaded:
    """The division records and declared whips, or why they could not be read."""

    divisions: tuple[Division, ...]
    whips: WhipBook | None
    error: str = ""


@lru_cache(maxsize=4)
def load(directory: str, whips_file: str) -> Loaded:
    """Read the folder's division exports and the whip file once per process."""
    try:
        divisions = tuple(read_divisions([directory]))
        whips = read_whips(whips_file) if whips_file else None
    except DivisionFileError as exc:
        log.error("whip record: %s", exc.describe())
        where = Path(exc.path).name if exc.path else "input"
        line = f":{exc.line}" if exc.line is not None else ""
        return Loaded((), None, f"{where}{line}: {exc.problem}")
    return Loaded(divisions, whips)


def _subject(name: str) -> str:
    """The MP's name from a contest subject: "Kate Hoey MP" → "Kate Hoey"."""
    return re.sub(r"\s+MP$", "", name.strip(), flags=re.IGNORECASE)


def _exact(value: Fraction) -> str:
    """A median: whole, or with a half as ``.5`` (never a float)."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator // 2}.5" if value.denominator == 2 else str(value)


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, …"""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def whip_context(contest: Any) -> dict[str, Any]:
    """What the partial shows for ``contest`` (``applies`` False: show nothing)."""
    subject = _subject(getattr(contest, "subject", "") or "")
    if getattr(contest, "kind", "") not in KINDS or not subject:
        return {"applies": False}
    base: dict[str, Any] = {"applies": True, "subject": subject, "credit": CREDIT}
    directory = os.environ.get(DIVISIONS_ENV, "").strip()
    if not directory:
        return {**base, "configured": False}
    loaded = load(directory, os.environ.get(WHIPS_ENV, "").strip())
    base.update(configured=True, division_count=len(loaded.divisions))
    if loaded.error:
        return {**base, "error": loaded.error}
    history = member_history(loaded.divisions, subject, loaded.whips)
    if history is None:
        return {**base, "found": False}
    rank, of, tied = history.rank
    colleagues = history.colleagues
    rows = []
    for row in history.rows:
        d, whip = row.division, row.whip
        rows.append({
            "date": d.date.isoformat(),
            "number": d.number,
            "title": d.title,
            "party": row.party,
            "whip": str(whip.direction) if whip else "none known",
            "basis": str(whip.basis) if whip else "",
            "source": whip.source if whip else "",
            "vote": _VOTE_WORDS[str(row.vote.vote)],
            "standing": _STANDING_WORDS[row.standing],
            "rebel": row.standing is Standing.REBEL,
        })  # fmt: skip
    record = history.record
    return {
        **base,
        "found": True,
        "name": history.name,
        "party": history.party,
        "divisions": record.divisions,
        "rebellions": record.rebellions,
        "votes_cast": record.votes_cast,
        "absences": record.absences,
        "rank_text": ("joint " if tied else "") + _ordinal(rank),
        "of": of,
        "median": _exact(colleagues.median_rebellions()),
        "colleagues_rebelling": sum(1 for m in colleagues.members if m.rebellions),
        "non_voters_listed": sum(1 for d in loaded.divisions if d.lists_non_voters),
        "unlisted": history.unlisted,
        "rows": rows,
    }


@register.simple_tag
def whip_record(contest: Any) -> dict[str, Any]:
    """``{% whip_record contest as whip %}``: the context of :func:`whip_context`."""
    return whip_context(contest)
