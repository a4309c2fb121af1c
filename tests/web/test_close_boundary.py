"""Close boundary: ballots cast while an officer closes voting, against the real server.

``selectorate serve`` (2 workers x 4 threads) on a fresh database of the run's
engine. Six voter threads cast ballots one after another, about 60 a second
in all (each a real POST of a confirmed ballot to /vote/cast/ with CSRF)
while, after a random moment, an officer signed in to the site POSTs "close"
to the contest's transition URL; the voters go on for a while after the
officer's reply. Then the officer counts. Checked, per run:

* every reply is a receipt (200) or a refusal (409) — no error, no lost reply;
* every ballot acknowledged with a receipt is in the box, and the box holds
  nothing else: #CastBallot == #receipts == #used codes == #"ballot cast"
  audit lines (chained or pending);
* every cast sent after the officer's reply (so after the close committed:
  the transition's transaction commits before its reply is sent) is refused,
  and there are such casts; every cast answered before the close was sent got
  a receipt;
* no ballot landed after the close: in the audit chain every "ballot cast"
  line comes before the "contest closed" line, and none is left pending;
* the count covers exactly the receipted ballots: total ballots == receipts,
  and the first-round tally of each candidate == the receipted ballots that
  put them first.

Three runs (the close at different moments), one server.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from fractions import Fraction

import pytest
from live_server import HIDDEN, OFFICER, Voter, cast_fields, live_server, sha256

VOTERS = 6
RATE = 60.0  # casts per second at most, all voters together (300 codes last 5 s)
RUNS = 3
CANDIDATES = ("Ash", "Birch", "Cedar", "Damson")  # web_factories.contest's names


def _run(server, contest_id: int, codes: list[str], rng: random.Random) -> dict:
    """Cast from VOTERS threads, close midway; each cast's (sent, answered, order, reply)."""
    pending = iter(codes)
    lock = threading.Lock()
    stop = threading.Event()
    log: list[tuple[float, float, list[int], object]] = []

    def voter(seed: int) -> None:
        own = random.Random(seed)
        browser = Voter(server.base)
        browser.start()
        while not stop.is_set():
            with lock:
                code = next(pending, None)
            if code is None:
                return
            order = own.sample(range(1, 5), own.randint(1, 4))
            sent = time.monotonic()
            reply = browser.cast(cast_fields(code, order))
            log.append((sent, time.monotonic(), order, reply))
            time.sleep(max(0.0, VOTERS / RATE - (time.monotonic() - sent)))

    officer = Voter(server.base)
    officer.login(*OFFICER)
    threads = [threading.Thread(target=voter, args=(rng.getrandbits(32),)) for _ in range(VOTERS)]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(0.5, 1.5))
    close_sent = time.monotonic()
    closed = officer.request(f"/officer/contests/{contest_id}/transition/",
                             [("to_state", "closed")])
    close_answered = time.monotonic()
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    assert closed.status == 200 and "is now closed" in closed.body, closed.body[-800:]
    assert next(pending, None) is not None, "the codes ran out before the close"
    counted = officer.request(f"/officer/contests/{contest_id}/transition/",
                              [("to_state", "counted")])
    assert counted.status == 200, counted.body[-800:]
    return {"log": log, "close_sent": close_sent, "close_answered": close_answered}


def test_ballots_acknowledged_before_close_are_counted_later_ones_refused(tmp_path):
    rng = random.Random(7)
    with live_server(tmp_path, voters=300, workers=2, threads=4, contests=RUNS) as server:
        figures = []
        for contest in server.contests:
            cid = contest["id"]
            out = _run(server, cid, contest["codes"], rng)
            log = out["log"]
            statuses = Counter(reply.status for _, _, _, reply in log)
            assert set(statuses) <= {200, 409}, (statuses, [
                r.error or r.body[-300:] for _, _, _, r in log if r.status not in (200, 409)][:3])
            receipts = [(order, reply.receipt) for _, _, order, reply in log if reply.receipt]
            assert len(receipts) == statuses[200], "a 200 reply without a receipt"
            for _, _, _, reply in log:
                if reply.status == 409:
                    assert "closed" in reply.body or "not open" in reply.body, reply.body[-500:]
            after = [reply for sent, _, _, reply in log if sent > out["close_answered"]]
            before = [reply for _, answered, _, reply in log if answered < out["close_sent"]]
            assert after, "no cast was sent after the close: the test proves nothing"
            assert all(r.receipt is None for r in after), "a ballot sent after the close was taken"
            assert all(r.receipt for r in before), "a ballot was refused before the close"

            box = server.box(cid)
            assert box.ballots == len(receipts) == box.used == box.audit_ballots, (box, receipts)
            assert {sha256(r) for _, r in receipts} == box.receipt_hashes
            assert server.state(cid) == "counted"
            # No ballot landed after the close: every "ballot cast" line is chained before the
            # "contest closed" line (a close chains the casts' pending lines first) and none is
            # still pending.
            lines = server.sql("SELECT seq, action FROM elections_auditentry WHERE contest_id = ? "
                               "AND action IN ('ballot cast', 'contest closed') ORDER BY seq",
                               (cid,))
            closed_at = [seq for seq, action in lines if action == "contest closed"]
            assert len(closed_at) == 1
            assert all(seq < closed_at[0] for seq, action in lines if action == "ballot cast")
            assert server.sql("SELECT COUNT(*) FROM elections_pendingauditentry "
                              "WHERE contest_id = ?", (cid,)) == [(0,)]

            result = json.loads(server.sql(
                "SELECT result_json FROM elections_result WHERE contest_id = ?",
                (cid,))[0][0])
            first = Counter(CANDIDATES[order[0] - 1] for order, _ in receipts)
            assert Fraction(result["total_ballots"]) == len(receipts)
            tally = {name: Fraction(v) for name, v in result["rounds"][0]["tally"].items()}
            assert tally == {name: Fraction(first[name]) for name in CANDIDATES}
            overlap = len(log) - len(after) - len(before)
            figures.append((len(log), len(receipts), len(after), overlap))
        print(f"\nclose boundary ({server.engine}): {RUNS} runs; per run (casts sent, receipts = "
              f"ballots counted, sent after the close (all refused), in flight during the "
              f"close): {figures}")


@pytest.mark.django_db
def test_the_load_posts_what_the_confirmation_page_carries():
    """The threads above POST ``cast_fields``: exactly the confirmation page's hidden fields."""
    from django.test import Client
    from web_factories import contest, organisation

    from selectorate.web.elections import lifecycle, voting
    from selectorate.web.elections.models import Contest

    c = contest(organisation(members=1))
    lifecycle.transition(c, Contest.FROZEN, "officer")
    code = voting.issue_credentials(c, "officer")[0].code
    lifecycle.transition(c, Contest.OPEN, "officer")
    page = Client().post("/vote/confirm/", {"code": code, "rank-3": "1", "rank-1": "2"})
    form = page.content.decode()
    form = form[form.index('action="/vote/cast/"'):]
    hidden = [(n, v) for n, v in HIDDEN.findall(form) if n != "csrfmiddlewaretoken"]
    assert hidden == cast_fields(code, [3, 1])
