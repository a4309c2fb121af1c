"""Helpers shared by the secrecy, receipt, no-partial-results and immutability tests.

* :func:`open_contest` — an organisation with a given register, one contest
  frozen, codes issued and voting open, through the service's own lifecycle;
* :func:`spearman` — Spearman's rank correlation, exactly (a Fraction);
* :func:`order_draws_unlinked` — the test of "|ρ| < 0.02 over 10k ballots"
  made safe from chance (see its docstring).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from typing import Any

from django.test import Client
from web_factories import FREEZE

from selectorate.web.elections import lifecycle, voting
from selectorate.web.elections.models import Candidate, Contest, Member, Organisation

#: One random order of n ballots has sd(ρ) = 1/√(n−1) ≈ 0.01 at n = 10,000, so the
#: issue's bound 0.02 is only 2 sd: one ideal shuffle in 22 would fail it. We draw
#: DRAWS independent orders and require every |ρ| < SINGLE_BOUND (5 sd: p ≈ 6e-7 per
#: draw) and |mean ρ| < MEAN_BOUND (the issue's 0.02; the mean of 5 has sd ≈ 0.0045,
#: so 0.02 is 4.5 sd: p ≈ 7e-6). A real leak (ρ near ±1, or any |ρ| ≥ 0.05 every time)
#: fails both.
DRAWS = 5
SINGLE_BOUND = Fraction(1, 20)
MEAN_BOUND = Fraction(1, 50)


def organisation(slug: str, people: Sequence[tuple[str, str, str]]) -> Organisation:
    """An organisation whose register is ``people`` = (member_no, name, email), all eligible."""
    org = Organisation.objects.create(name=f"Org {slug}", slug=slug, rulebook_id="labour-2014")
    Member.objects.bulk_create(
        [
            Member(
                organisation=org,
                member_no=no,
                name=name,
                email=email,
                joined=date(2020, 1, 1),
                paid_up_to=date(2026, 1, 1),
            )
            for no, name, email in people
        ],
        batch_size=500,
    )
    return org


def open_contest(
    org: Organisation,
    names: Sequence[str],
    *,
    method: str = "irv",
    kind: str = "selection",
    title: str = "Selection of a candidate",
) -> tuple[Contest, list[voting.IssuedCode]]:
    """A contest of ``org`` with candidates ``names``, frozen, codes issued, voting open."""
    c = Contest.objects.create(
        organisation=org,
        title=title,
        kind=kind,
        rulebook_id=org.rulebook_id,
        method=method,
        seats=1,
        freeze_date=FREEZE,
    )
    Candidate.objects.bulk_create(
        [Candidate(contest=c, name=n, position=p) for p, n in enumerate(names, start=1)]
    )
    lifecycle.transition(c, Contest.FROZEN, "officer")
    issued = voting.issue_credentials(c, "officer")
    lifecycle.transition(c, Contest.OPEN, "officer")
    c.refresh_from_db()
    return c, issued


def rank_fields(rankings: Sequence[int]) -> dict[str, str]:
    """The ballot form's fields for ``rankings`` (candidate positions in preference order)."""
    return {f"rank-{pos}": str(pref) for pref, pos in enumerate(rankings, start=1)}


def spearman(observed: Sequence[int]) -> Fraction:
    """Spearman's ρ between positions 0..n-1 and ``observed`` (a permutation of 0..n-1), exactly.

    With no ties, ρ = 1 − 6 Σ d² / (n (n² − 1)).
    """
    n = len(observed)
    if sorted(observed) != list(range(n)):
        raise ValueError("observed must be a permutation of 0..n-1")
    d2 = sum((i - r) ** 2 for i, r in enumerate(observed))
    return 1 - Fraction(6 * d2, n * (n * n - 1))


def order_draws_unlinked(rhos: Sequence[Fraction]) -> bool:
    """Whether independent draws of ρ show no link (see :data:`DRAWS`)."""
    mean = sum(rhos, Fraction(0)) / len(rhos)
    return all(abs(r) < SINGLE_BOUND for r in rhos) and abs(mean) < MEAN_BOUND


def show(rhos: Sequence[Fraction]) -> str:
    """ρ values for a message or the figures (4 decimals; the test compares exact Fractions)."""
    mean = sum(rhos, Fraction(0)) / len(rhos)
    return ", ".join(f"{float(r):+.4f}" for r in rhos) + f" (mean {float(mean):+.4f})"


def cdf_rankings(report_text: str) -> list[tuple[str, ...]]:
    """Each CVR's ranking as candidate names, in the report's order (NIST CDF JSON)."""
    report = json.loads(report_text)
    names: dict[str, str] = {}
    for election in report["Election"]:
        by_id = {c["@id"]: c["Name"] for c in election["Candidate"]}
        for contest in election["Contest"]:
            for sel in contest["ContestSelection"]:
                names[sel["@id"]] = by_id[sel["CandidateIds"][0]]
    out = []
    for cvr in report["CVR"]:
        marks = []
        for snap in cvr["CVRSnapshot"]:
            for con in snap["CVRContest"]:
                for sel in con.get("CVRContestSelection", []):
                    for pos in sel["SelectionPosition"]:
                        marks.append((pos["Rank"], names[sel["ContestSelectionId"]]))
        out.append(tuple(name for _, name in sorted(marks)))
    return out


def logged_in(user: Any) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client
