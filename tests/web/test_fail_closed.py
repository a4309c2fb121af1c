"""Fail closed: database unreachable or read-only → the cast gets an error, never a receipt.

Through Django's test client (real commits: ``transaction=True``), a valid
cast is POSTed while the database fails in one of six ways — it cannot be
reached at all; every write fails; only the last write (the audit line,
chained or pending, after the ballot is inserted and the code marked used)
fails; the COMMIT
fails; the connection is read-only (PostgreSQL ``SET SESSION
CHARACTERISTICS AS TRANSACTION READ ONLY``, SQLite ``PRAGMA query_only``).
Each time: an error status (5xx), no receipt and no "Your vote has been
cast" on the page, and nothing stored (no ballot, code unused, no audit
entry). Then the same POST with the database healthy gets a receipt, so the
test would see a receipt if one were given.

Against the live server (``selectorate serve``'s gunicorn, fresh database of
the run's engine), the same for a database that goes away while the server
runs (PostgreSQL: the database stops accepting connections and its sessions
are terminated; SQLite: the database file is no longer there to open) and
for a read-only database (PostgreSQL: ``ALTER DATABASE … SET
default_transaction_read_only = on``; SQLite: database file and folder
read-only, the server running without root's power to ignore file modes
when the tests run as root).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client
from live_server import Voter, live_server, postgres_url, sha256
from web_factories import contest, organisation

from selectorate.web.elections import lifecycle, voting
from selectorate.web.elections.models import AuditEntry, CastBallot, Contest, Credential

_WRITES = ("INSERT", "UPDATE", "DELETE")


def _open_contest() -> tuple[Contest, str]:
    c = contest(organisation(members=2))
    lifecycle.transition(c, Contest.FROZEN, "officer")
    code = voting.issue_credentials(c, "officer")[0].code
    lifecycle.transition(c, Contest.OPEN, "officer")
    return c, code


def _failing(predicate):
    """An execute wrapper raising OperationalError for the statements ``predicate`` picks."""
    def wrapper(execute, sql, params, many, context):
        if predicate(sql.lstrip().upper()):
            raise OperationalError("server closed the connection unexpectedly (test)")
        return execute(sql, params, many, context)
    return wrapper


@contextlib.contextmanager
def _unreachable():
    def refuse() -> None:
        raise OperationalError("could not connect to server: Connection refused (test)")
    with mock.patch.object(connection, "ensure_connection", refuse):
        yield


@contextlib.contextmanager
def _writes_fail():
    with connection.execute_wrapper(_failing(lambda sql: sql.startswith(_WRITES))):
        yield


@contextlib.contextmanager
def _audit_insert_fails():
    with connection.execute_wrapper(
        _failing(lambda sql: sql.startswith("INSERT") and "AUDITENTRY" in sql)
    ):
        yield


@contextlib.contextmanager
def _commit_fails():
    def refuse() -> None:
        raise OperationalError("the connection was lost during COMMIT (test)")
    with mock.patch.object(connection, "_commit", refuse):
        yield


@contextlib.contextmanager
def _read_only():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        else:
            cursor.execute("PRAGMA query_only = 1")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
            else:
                cursor.execute("PRAGMA query_only = 0")


FAILURES = {
    "unreachable": _unreachable,
    "every write fails": _writes_fail,
    "audit insert fails": _audit_insert_fails,
    "commit fails": _commit_fails,
    "read-only": _read_only,
}


def _no_receipt(status: int, body: str) -> None:
    assert status >= 500, status
    assert 'id="receipt"' not in body and "Your vote has been cast" not in body


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_cast_fails_closed_through_the_test_client(failure):
    c, code = _open_contest()
    client = Client(raise_request_exception=False)
    post = {"code": code, "rank-2": "1", "rank-1": "2"}
    with FAILURES[failure]():
        response = client.post("/vote/cast/", post)
    _no_receipt(response.status_code, response.content.decode())
    assert CastBallot.objects.filter(contest=c).count() == 0
    assert not Credential.objects.filter(contest=c, used=True).exists()
    assert not AuditEntry.objects.filter(contest=c, action="ballot cast").exists()
    # The same cast with the database healthy: a receipt (so a receipt would have shown).
    response = client.post("/vote/cast/", post)
    assert response.status_code == 200 and 'id="receipt"' in response.content.decode()
    assert list(CastBallot.objects.filter(contest=c).values_list("rankings", flat=True)) == [
        [2, 1]]


# ------------------------------------------------------------------ the live server


def _cast_fails(server, browser: Voter, fields, expect_ballots: int) -> None:
    reply = browser.cast(fields)
    assert reply.status is not None, reply.error
    _no_receipt(reply.status, reply.body)
    box = server.box()
    assert (box.ballots, box.used, box.audit_ballots) == (expect_ballots,) * 3


def _cast_works(server, browser: Voter, fields, expect_ballots: int) -> None:
    reply = browser.cast(fields)
    assert reply.status == 200 and reply.receipt, (reply.status, reply.error, reply.body[-500:])
    box = server.box()
    assert (box.ballots, box.used, box.audit_ballots) == (expect_ballots,) * 3
    assert sha256(reply.receipt) in box.receipt_hashes


def _live_postgres(server) -> None:
    browser = Voter(server.base)
    lost = browser.confirmed_form(server.codes[0], [3, 1])
    read_only = browser.confirmed_form(server.codes[1], [2])
    # 1. The database goes away: it takes no new connections and its sessions are ended.
    server.admin_sql('ALTER DATABASE "{db}" WITH ALLOW_CONNECTIONS false')
    server.admin_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = '{db}'")
    try:
        reply = browser.cast(lost)
    finally:
        server.admin_sql('ALTER DATABASE "{db}" WITH ALLOW_CONNECTIONS true')
    assert reply.status is not None, reply.error
    _no_receipt(reply.status, reply.body)
    box = server.box()
    assert (box.ballots, box.used, box.audit_ballots) == (0, 0, 0)
    # 2. The database is read-only for new sessions (a fresh server: its sessions were ended).
    server.admin_sql('ALTER DATABASE "{db}" SET default_transaction_read_only = on')
    try:
        server.stop()
        server.start(serve=False)
        _cast_fails(server, browser, read_only, 0)
        _cast_fails(server, browser, lost, 0)
    finally:
        server.admin_sql('ALTER DATABASE "{db}" RESET default_transaction_read_only')
    # 3. Healthy again (new sessions): both casts go through.
    server.stop()
    server.start(serve=False)
    _cast_works(server, browser, lost, 1)
    _cast_works(server, browser, read_only, 2)


def _live_sqlite(server) -> None:
    browser = Voter(server.base)
    db, folder = server.sqlite_path, server.data_dir
    # 1. The database file is not there to open (a folder stands in its place).
    fields = browser.confirmed_form(server.codes[0], [3, 1])
    aside = db.with_name("aside.sqlite3")
    db.rename(aside)
    db.mkdir()
    try:
        reply = browser.cast(fields)
        _no_receipt(reply.status or 0, reply.body)
    finally:
        db.rmdir()
        aside.rename(db)
    box = server.box()
    assert (box.ballots, box.used, box.audit_ballots) == (0, 0, 0)
    _cast_works(server, browser, fields, 1)
    # 2. The database file and its folder are read-only.
    fields = browser.confirmed_form(server.codes[1], [2])
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        _cast_fails(server, browser, fields, 1)
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
    _cast_works(server, browser, fields, 2)


def test_cast_fails_closed_on_the_live_server(tmp_path):
    # Root ignores file modes: on SQLite the server then runs without the capabilities that
    # let root write to read-only files (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH).
    prefix = []
    if os.geteuid() == 0 and not postgres_url():
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make SQLite read-only to it")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    with live_server(tmp_path, voters=2, workers=1, threads=2, start=False,
                     command_prefix=prefix) as server:
        server.start(serve=False)
        if server.engine == "sqlite":
            _live_sqlite(server)
        else:
            _live_postgres(server)
