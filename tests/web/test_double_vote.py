"""Double vote: 200 simultaneous casts with ONE code, against the real server → one ballot.

Against ``selectorate serve`` (gunicorn, 2 worker processes x 8 threads) on a
fresh database of the run's engine (SQLite, or PostgreSQL by DATABASE_URL).
200 browsers each walk the voter's pages with the same code up to the
confirmation page (each with its own cookie jar, CSRF token and ranking), then
all 200 POST their confirmed ballot to /vote/cast/ at once (released together
by a barrier). Exactly one gets a receipt; exactly one ballot is stored, the
one that browser confirmed; the code is used once and the audit log holds one
"ballot cast". The 199 other replies are byte-identical (CSRF tokens aside)
to each other and to the "already voted" reply obtained afterwards. The
gunicorn access log (worker pid per request) shows that both workers answered
casts. Three rounds, each with a fresh code.

The JSON API offers no casting (voters do not use it, see ``api.py``), so
there is no API path to test; :func:`test_api_offers_no_casting` keeps it so.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from live_server import Reply, Voter, live_server, normalise, sha256

SUBMISSIONS = 200
ROUNDS = 3


def _round(server, voters: list[Voter], code: str, rng: random.Random) -> dict:
    orders = [rng.sample(range(1, 5), rng.randint(1, 4)) for _ in range(SUBMISSIONS)]
    with ThreadPoolExecutor(8) as pool:
        forms = list(pool.map(lambda vo: vo[0].confirmed_form(code, vo[1]),
                              zip(voters, orders, strict=True)))
    barrier = threading.Barrier(SUBMISSIONS)
    replies: list[Reply | None] = [None] * SUBMISSIONS

    def fire(i: int) -> None:
        barrier.wait()
        replies[i] = voters[i].cast(forms[i])

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(SUBMISSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The "already voted" reply, asked for separately after the storm (a fresh browser).
    late = Voter(server.base)
    late.start()
    reference = late.cast(forms[0])
    by_code = late.request("/vote/", [("code", code)])
    return {"orders": orders, "replies": replies, "reference": reference, "by_code": by_code}


def test_200_concurrent_casts_with_one_code_store_one_ballot(tmp_path):
    rng = random.Random(20240301)
    with live_server(tmp_path, voters=ROUNDS + 1, workers=2, threads=8) as server:
        figures = []
        # 200 browsers, each with its own cookie jar and CSRF token, kept for the three rounds.
        voters = [Voter(server.base) for _ in range(SUBMISSIONS)]
        for n in range(ROUNDS):
            code = server.codes[n]
            out = _round(server, voters, code, rng)
            replies = out["replies"]
            assert all(r is not None and r.status is not None for r in replies), [
                r.error for r in replies if r is not None and r.status is None][:3]
            winners = [i for i, r in enumerate(replies) if r.receipt]
            assert len(winners) == 1, Counter(r.status for r in replies)
            winner = winners[0]
            assert replies[winner].status == 200
            others = [normalise(r.body) for i, r in enumerate(replies) if i != winner]
            assert Counter(r.status for i, r in enumerate(replies) if i != winner) == {409: 199}
            assert len(set(others)) == 1, "the refusals differ from each other"
            reference = out["reference"]
            assert reference.status == 409 and reference.receipt is None
            assert "You have already voted" in reference.body
            assert others[0] == normalise(reference.body), "a refusal differs from 'already voted'"
            assert out["by_code"].status == 409
            assert normalise(out["by_code"].body) == others[0]

            box = server.box()
            assert (box.ballots, box.used, box.audit_ballots) == (n + 1, n + 1, n + 1)
            assert sha256(replies[winner].receipt) in box.receipt_hashes
            stored = server.sql(
                "SELECT rankings FROM elections_castballot WHERE receipt_hash = ?",
                (sha256(replies[winner].receipt),))
            assert len(stored) == 1
            rankings = stored[0][0]
            rankings = rankings if isinstance(rankings, list) else json.loads(rankings)
            assert rankings == out["orders"][winner], "the stored ballot is not the receipted one"
            figures.append((1, len(others)))
        pids = server.worker_pids("/vote/cast/")
        print(f"\ndouble vote ({server.engine}): {ROUNDS} rounds x {SUBMISSIONS} casts, "
              f"one code each, 2 workers x 8 threads: receipts/refusals per round {figures}; "
              f"worker pids that answered casts: {len(pids)}")
        assert len(pids) >= 2, f"only worker(s) {pids} answered the casts"


def test_api_offers_no_casting():
    """The JSON API has no route that casts a ballot (else the double-vote test must cover it)."""
    from selectorate.web.elections.api import api

    schema = api.get_openapi_schema()
    paths = " ".join(schema["paths"]).lower()
    assert "cast" not in paths and "vote" not in paths and "ballot" not in paths
