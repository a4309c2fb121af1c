"""Receipts: 128 random bits each, different for identical ballots, and no page shows choices.

A receipt proves that a ballot is in the box without saying what it holds, so
it must not be derivable from the ballot or the voter (an ElectionBuddy-style
code H(choices + voter id) can be reversed by trying every ballot). Ours is
``secrets.token_urlsafe(16)``: 16 bytes from the OS's CSPRNG, 22 URL-safe
base64 characters; only its sha256 is stored with the ballot.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter

import pytest
from django.test import Client
from h2_support import open_contest, organisation, rank_fields

from selectorate.web.elections import counting, lifecycle, voting
from selectorate.web.elections.models import CastBallot, Contest

pytestmark = pytest.mark.django_db

URLSAFE = re.compile(r"[A-Za-z0-9_-]{22}")
NAMES = ("Aurelio Penhallow", "Brunhilde Oakenshaw", "Cosimo Thistlewood", "Drusilla Vantongeren")


def _contest(n: int, slug: str = "receipts") -> tuple[Contest, list[str]]:
    org = organisation(slug, [(f"R{i:04d}", f"Member {i}", "") for i in range(n)])
    c, issued = open_contest(org, NAMES)
    return c, [i.code for i in issued]


def test_every_receipt_is_128_bits_from_the_csprng(monkeypatch):
    drawn: list[tuple[int, str]] = []
    real = secrets.token_urlsafe

    def spy(nbytes=None):
        token = real(nbytes)
        drawn.append((nbytes, token))
        return token

    monkeypatch.setattr(voting.secrets, "token_urlsafe", spy)
    c, codes = _contest(300)
    positions = set(range(1, 5))
    receipts = [voting.cast(c, code, [1 + k % 4], positions=positions) for k, code in
                enumerate(codes[:280])]
    web = Client()
    for code in codes[280:]:
        page = web.post("/vote/cast/", {"code": code, **rank_fields([2, 1])}).content.decode()
        receipts.append(re.search(r'id="receipt">([^<]+)<', page).group(1))
    # Each cast drew exactly one token of 16 bytes, and the receipt *is* that token.
    assert [n for n, _ in drawn] == [16] * len(receipts)
    assert [t for _, t in drawn] == receipts
    assert all(URLSAFE.fullmatch(r) for r in receipts) and len(set(receipts)) == len(receipts)
    # Only the hash is stored, and it is the sha256 of the receipt.
    stored = set(CastBallot.objects.filter(contest=c).values_list("receipt_hash", flat=True))
    assert stored == {voting.sha256(r) for r in receipts}
    assert not any(r in h for r in receipts for h in stored)


def test_the_generator_gives_10000_distinct_receipts_of_16_bytes():
    receipts = [secrets.token_urlsafe(16) for _ in range(10_000)]
    assert len(set(receipts)) == 10_000
    assert all(URLSAFE.fullmatch(r) for r in receipts)
    # 22 base64 characters hold 132 bits; the last carries only the 16th byte's last 2 bits,
    # so it is one of 4 characters: the token is exactly 16 bytes = 128 bits.
    assert set(r[-1] for r in receipts) == {"A", "Q", "g", "w"}
    # Each of the first 21 characters is spread over the 64-letter alphabet.
    firsts = Counter(r[0] for r in receipts)
    assert len(firsts) == 64 and max(firsts.values()) < 3 * 10_000 / 64


def test_identical_ballots_get_different_receipts():
    c, codes = _contest(200, "identical")
    receipts = [voting.cast(c, code, [3, 1, 4]) for code in codes]
    assert len(set(receipts)) == 200
    rows = CastBallot.objects.filter(contest=c)
    assert {tuple(r) for r in rows.values_list("rankings", flat=True)} == {(3, 1, 4)}
    assert rows.values("receipt_hash").distinct().count() == 200


def _no_choice(text: str, ranking: list[int]) -> list[str]:
    found = [n for n in NAMES if n in text]
    found += re.findall(r'name="rank-\d+"', text)
    found += [p for p in (str(ranking), ",".join(map(str, ranking))) if p in text]
    return found


def test_no_page_shows_the_choices_after_submission():
    c, codes = _contest(4, "pages")
    ranking = [4, 2, 3]
    voter = Client()
    assert voter.post("/vote/", {"code": codes[0]}).status_code == 200
    confirm = voter.post("/vote/confirm/", {"code": codes[0], **rank_fields(ranking)})
    assert all(n in confirm.content.decode() for n in (NAMES[3], NAMES[1]))  # before: shown
    cast = voter.post("/vote/cast/", {"code": codes[0], **rank_fields(ranking)})
    assert cast.status_code == 200 and "no-store" in cast["Cache-Control"]
    receipt = re.search(r'id="receipt">([^<]+)<', cast.content.decode()).group(1)
    other = voting.cast(c, codes[1], [1])  # a different ballot, for comparison
    pages = {"cast": cast.content.decode()}
    # The voter comes back: the code, the ballot pages, the receipt check.
    for path in ("/vote/", "/vote/confirm/", "/vote/ballot/", "/vote/cast/"):
        pages[f"again {path}"] = voter.post(path, {"code": codes[0]}).content.decode()
    pages["home"] = voter.get("/").content.decode()
    pages["receipt, open"] = voter.post("/receipt/", {"receipt": receipt}).content.decode()
    lifecycle.transition(c, Contest.CLOSED, "officer")
    answers = {}
    for label, code in (("mine", receipt), ("other", other)):
        page = voter.post("/receipt/", {"receipt": code}).content.decode()
        pages[f"receipt, closed, {label}"] = page
        answers[label] = re.search(r'<div class="notice[^"]*"[^>]*id="answer">.*?</div>', page,
                                   re.S).group(0)
    counting.count_contest(c, "officer")
    lifecycle.transition(c, Contest.PUBLISHED, "officer")
    pages["receipt, published"] = voter.post("/receipt/", {"receipt": receipt}).content.decode()
    assert {k: _no_choice(v, ranking) for k, v in pages.items() if _no_choice(v, ranking)} == {}
    # Two different ballots get the very same answer: it says "included", nothing more.
    assert answers["mine"] == answers["other"] and "Included" in answers["mine"]
    # Nothing of the ballot was kept in a session or a cookie: the voter never got a session.
    assert set(voter.cookies) <= {"csrftoken"}
