"""Crash durability: kill -9 the server (and, separately, PostgreSQL) under load, 20 times.

``selectorate serve`` (2 workers x 4 threads) on a fresh database of the run's
engine; four voter threads cast ballots at a steady pace (about 50 ballots/s
in all, each a real POST of a confirmed ballot to /vote/cast/ with CSRF, each
code tried once). At a random moment (0.1–0.8 s after the server answers)
the whole gunicorn process group — master and workers — gets SIGKILL, and the
server is started again (gunicorn on the same port, as ``serve`` execs it,
but loading the app once in the master: half the CPU of a restart); 20 times.
Then every code whose cast got no answer (connection reset, error) is tried
once more, as a voter would: it gets either a receipt (the first try was
never committed) or "already voted" (committed, but the reply was lost).
Checked:

* 0 acknowledged ballots lost: every receipt shown is in the box;
* 0 duplicates: #CastBallot == #used codes == #"ballot cast" audit lines (chained or pending),
  and == receipts shown + codes answered "already voted" on the retry
  (committed but never acknowledged: allowed, counted and reported);
* no first try is refused as "already voted"; the audit chain verifies.

:func:`test_postgresql_crash_durability` does the same but SIGKILLs
PostgreSQL itself (every process of the cluster serving DATABASE_URL), then
``pg_ctlcluster <version> <cluster> start``; 20 times. It stops the database
for everyone, so it runs only when asked: ``SELECTORATE_PG_CRASH_TEST=1``,
with DATABASE_URL on PostgreSQL, as root, alone (``-p no:xdist``).

Why no receipt comes before its commit is durable (read from the code):
``views_vote.cast`` is ``non_atomic_requests``, so the ``transaction.atomic()``
block in ``voting.cast`` is the outermost one: COMMIT runs when that block
exits, before ``return receipt``; if COMMIT fails, the exception propagates
and the voter gets a 500 page, never the receipt (``test_fail_closed``'s
"commit fails" case checks exactly that). (Were the view in the request's
transaction instead, Django would hand the rendered page to gunicorn only
after the request's block had committed: the same guarantee.) COMMIT returns
only once the commit is on disk when PostgreSQL runs with ``synchronous_commit
= on`` and ``fsync = on``, and SQLite with a rollback journal (or WAL) and
``synchronous = FULL`` — the defaults; settings.py changes neither.
:func:`test_commits_are_durable` checks those settings as the server's own
connection sees them.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from live_server import Reply, Voter, cast_fields, live_server, postgres_url, sha256

KILLS = 20
THREADS = 4
RATE = 50.0  # ballots per second, all threads together


class Load:
    """Voter threads casting at a steady pace; each code is tried once; pausable."""

    def __init__(self, server, codes: list[str], seed: int) -> None:
        self.server = server
        self.codes = iter(codes)
        self.lock = threading.Lock()
        self.up = threading.Event()
        self.up.set()
        self.stopping = threading.Event()
        self.tries: dict[str, tuple[list[int], Reply]] = {}
        self.threads = [threading.Thread(target=self._run, args=(seed + i,))
                        for i in range(THREADS)]

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        browser = Voter(self.server.base, timeout=15)
        interval = THREADS / RATE
        while not self.stopping.is_set():
            if not self.up.wait(timeout=0.2):
                continue
            if not browser.token and browser.start().status != 200:
                time.sleep(0.05)
                continue
            with self.lock:
                code = next(self.codes, None)
            if code is None:
                return
            order = rng.sample(range(1, 5), rng.randint(1, 4))
            began = time.monotonic()
            reply = browser.cast(cast_fields(code, order))
            with self.lock:
                self.tries[code] = (order, reply)
            time.sleep(max(0.0, interval - (time.monotonic() - began)))

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.up.set()
        for t in self.threads:
            t.join()


def _crash_cycles(server, load: Load, crash, rng: random.Random) -> None:
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.1, 0.8))
        crash(load)
    time.sleep(0.5)


def _settle(server, load: Load) -> dict:
    """Retry every unanswered code once; check the box; the figures."""
    receipts = {code: r.receipt for code, (_, r) in load.tries.items() if r.receipt}
    first_refused = [code for code, (_, r) in load.tries.items() if r.status == 409]
    unknown = [code for code, (_, r) in load.tries.items() if not r.receipt and r.status != 409]
    local = threading.local()

    def retry(code: str) -> Reply:
        if not hasattr(local, "browser"):
            local.browser = Voter(server.base, timeout=30)
            local.browser.start()
        return local.browser.cast(cast_fields(code, load.tries[code][0]))

    with ThreadPoolExecutor(THREADS) as pool:
        replies = list(pool.map(retry, unknown))
    retried = Counter()
    for code, reply in zip(unknown, replies, strict=True):
        if reply.receipt:
            receipts[code] = reply.receipt
            retried["receipt"] += 1
        elif reply.status == 409 and "You have already voted" in reply.body:
            retried["already voted"] += 1
        else:
            retried[f"other {reply.status} {reply.error}"] += 1
    server.stop()
    box = server.box()
    lost = [code for code, receipt in receipts.items() if sha256(receipt) not in box.receipt_hashes]
    checks = server.inspect()
    figures = {
        "engine": server.engine, "kills": KILLS, "casts tried": len(load.tries),
        "acknowledged": len(receipts) - retried["receipt"],
        "unanswered first tries": len(unknown), "retry: receipt": retried["receipt"],
        "retry: already voted (committed, unacknowledged)": retried["already voted"],
        "lost": len(lost), "ballots": box.ballots, "used codes": box.used,
        "audit 'ballot cast'": box.audit_ballots,
    }
    print(f"\ncrash durability: {figures}")
    assert not first_refused, f"{len(first_refused)} fresh codes refused as already voted"
    assert set(retried) <= {"receipt", "already voted"}, retried
    assert lost == [], f"{len(lost)} acknowledged ballots lost"
    assert len(set(receipts.values())) == len(receipts)
    assert box.ballots == box.used == box.audit_ballots == len(receipts) + retried["already voted"]
    assert checks["chain"] is None, f"audit chain breaks at #{checks['chain']}"
    assert figures["acknowledged"] >= KILLS, "too little load to prove anything"
    return figures


def test_server_kill_9_under_load_loses_no_acknowledged_ballot(tmp_path):
    rng = random.Random(99)

    def crash(load: Load) -> None:
        # Casts in flight now are cut off; voters do not start new ones until the server is
        # back (else they would burn codes on a dead server, which proves nothing more).
        load.up.clear()
        server.kill()
        server.start(serve=False, preload=True)
        load.up.set()

    with live_server(tmp_path, voters=1500, workers=2, threads=4) as server:
        with Load(server, server.codes, seed=1) as load:
            _crash_cycles(server, load, crash, rng)
        _settle(server, load)


# ------------------------------------------------------------------ PostgreSQL itself


def _cluster_of(url: str) -> tuple[str, str, Path]:
    """(version, cluster name, data directory) of the local cluster listening on url's port."""
    port = str(urllib.parse.urlsplit(url).port or 5432)
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        version, cluster, cport, _status, _owner, data_dir, *_ = line.split()
        if cport == port:
            return version, cluster, Path(data_dir)
    raise RuntimeError(f"no local PostgreSQL cluster on port {port}: {out}")


def _postgres_pids(data_dir: Path) -> list[int]:
    """Every live process of the cluster: those working in its data directory (zombies aside)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.readlink(entry / "cwd") == str(data_dir.resolve()):
                    pids.append(int(entry.name))
    return pids


def _kill_cluster(data_dir: Path) -> None:
    """SIGKILL every process of the cluster; return once all are gone, postmaster reaped."""
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    deadline = time.monotonic() + 60
    while pids := _postgres_pids(data_dir):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert time.monotonic() < deadline, f"PostgreSQL processes {pids} survive SIGKILL"
        time.sleep(0.02)
    # PostgreSQL will not start while its old postmaster's pid exists, even as a zombie:
    # wait until init has reaped it.
    while Path(f"/proc/{postmaster}").exists():
        assert time.monotonic() < deadline, "the killed postmaster is never reaped"
        time.sleep(0.05)


def _wait_ready(url: str, timeout: float = 60) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.skipif(not (postgres_url() and os.environ.get("SELECTORATE_PG_CRASH_TEST") == "1"),
                    reason="kills PostgreSQL: only with DATABASE_URL on PostgreSQL and "
                           "SELECTORATE_PG_CRASH_TEST=1, run alone (-p no:xdist)")
def test_postgresql_crash_durability(tmp_path):
    from django.db import connections

    rng = random.Random(2024)
    version, cluster, data_dir = _cluster_of(postgres_url())
    connections.close_all()

    def crash(load: Load) -> None:
        load.up.clear()
        _kill_cluster(data_dir)
        subprocess.run(["pg_ctlcluster", version, cluster, "start"], check=True,
                       capture_output=True, timeout=120)
        _wait_ready(server.database_url)
        load.up.set()

    try:
        with live_server(tmp_path, voters=1500, workers=2, threads=4) as server:
            with Load(server, server.codes, seed=2) as load:
                _crash_cycles(server, load, crash, rng)
            _settle(server, load)
    finally:
        connections.close_all()


# ------------------------------------------------------------------ durable commits


def test_commits_are_durable(tmp_path):
    """The server's connection commits durably: what the module docstring's argument rests on."""
    with live_server(tmp_path, voters=1, start=False) as server:
        checks = server.inspect()
    settings = checks["settings"]
    if checks["vendor"] == "sqlite":
        # A journal on disk, and FULL (2) or EXTRA (3): the commit is fsynced before it returns
        # (WAL with NORMAL would survive a process crash but not a power cut).
        assert settings["journal_mode"] in ("delete", "truncate", "persist", "wal"), settings
        assert int(settings["synchronous"]) >= 2, settings
    else:
        assert settings["synchronous_commit"] in ("on", "remote_write", "remote_apply"), settings
        assert settings["fsync"] == "on" and settings["full_page_writes"] == "on", settings
        assert settings["default_transaction_read_only"] == "off", settings
