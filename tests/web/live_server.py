"""A real ``selectorate serve`` (gunicorn) on loopback, for the integrity tests of issue 6.

:func:`live_server` prepares a fresh data dir in a temporary folder and, when
``DATABASE_URL`` names PostgreSQL, a fresh database ``<db>_live_<random>``
beside it (dropped afterwards); seeds an organisation, an officer login and an
open four-candidate IRV contest with N voting credentials (in a child process,
so the test process's own Django test database is untouched); starts
``selectorate serve --workers K --threads T`` on a free port and yields a
:class:`LiveServer`: base URL, codes, and helpers to stop, kill -9 and restart
the server, and to read the ballot box straight from the database.

:class:`Voter` walks the voter's real pages with CSRF (``GET /vote/``, POST the
code, POST the ballot to ``/vote/confirm/``, then the hidden fields of the
confirmation page to ``/vote/cast/``), one cookie jar per voter.

Run as a script (``python live_server.py seed N``) it is the seeding child.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVE = [sys.executable, "-c", "from selectorate.cli import app; app()", "serve"]
OFFICER = ("live-officer", "live-officer-pw-x7Q2m9Lp")  # the seeded officer login

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_RECEIPT = re.compile(r'id="receipt">([^<]+)<')
#: Environment variables of the test process that must not leak into the server.
_OWN_ENV = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS")


def sha256(text: str) -> str:
    """Hex sha256, as :func:`selectorate.web.elections.voting.sha256` stores receipts."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def normalise(page: str) -> str:
    """A page with its CSRF tokens blanked, so two replies can be compared byte for byte."""
    return _CSRF.sub('name="csrfmiddlewaretoken" value=""', page)


# ------------------------------------------------------------------ the voter


@dataclass
class Reply:
    """One HTTP reply (``status`` None when the connection failed)."""

    status: int | None
    body: str = ""
    error: str = ""

    @property
    def receipt(self) -> str | None:
        """The receipt code shown on the page, if any."""
        match = _RECEIPT.search(self.body)
        return match.group(1).strip() if match else None


class Voter:
    """One browser: its own cookie jar, walking the real voter pages."""

    def __init__(self, base: str, timeout: float = 60) -> None:
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def request(self, path: str, fields: list[tuple[str, str]] | None = None) -> Reply:
        """GET (no fields) or POST (fields, plus the CSRF token) ``path``."""
        data = None
        if fields is not None:
            data = urllib.parse.urlencode([("csrfmiddlewaretoken", self.token), *fields]).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=self.timeout) as resp:
                return Reply(resp.status, resp.read().decode())
        except urllib.error.HTTPError as exc:
            try:
                return Reply(exc.code, exc.read().decode(errors="replace"))
            except (OSError, http.client.HTTPException) as cut:  # the body was cut off
                return Reply(None, error=f"{exc.code}, then {type(cut).__name__}: {cut}")
        except (OSError, http.client.HTTPException) as exc:
            return Reply(None, error=f"{type(exc).__name__}: {exc}")

    def start(self) -> Reply:
        """GET /vote/: the code form and a CSRF cookie."""
        reply = self.request("/vote/")
        match = _CSRF.search(reply.body)
        if match:
            self.token = match.group(1)
        return reply

    def confirmed_form(self, code: str, order: list[int]) -> list[tuple[str, str]]:
        """Walk code → ballot → confirmation; the confirmation page's hidden cast fields."""
        if not self.token:
            self.start()
        reply = self.request("/vote/", [("code", code)])
        assert reply.status == 200, (reply.status, reply.error, reply.body[-500:])
        reply = self.request(
            "/vote/confirm/",
            [("code", code)] + [(f"rank-{p}", str(i)) for i, p in enumerate(order, 1)],
        )
        assert reply.status == 200, (reply.status, reply.error, reply.body[-500:])
        form = reply.body[reply.body.index('action="/vote/cast/"') :]
        self.token = _CSRF.search(form).group(1)
        return [(n, v) for n, v in HIDDEN.findall(form) if n != "csrfmiddlewaretoken"]

    def cast(self, fields: list[tuple[str, str]]) -> Reply:
        """POST a confirmed ballot to /vote/cast/."""
        return self.request("/vote/cast/", fields)

    def login(self, username: str, password: str) -> None:
        """Sign in at /accounts/login/ (officers)."""
        page = self.request("/accounts/login/")
        self.token = _CSRF.search(page.body).group(1)
        reply = self.request("/accounts/login/", [("username", username), ("password", password)])
        assert reply.status == 200 and "Sign out" in reply.body, (reply.status, reply.body[-500:])
        self.token = _CSRF.search(reply.body).group(1)


def cast_fields(code: str, order: list[int]) -> list[tuple[str, str]]:
    """The hidden fields a confirmation page carries for a ranked ballot (see ``BallotForm``)."""
    return [("code", code)] + [(f"rank-{p}", str(i)) for i, p in enumerate(order, 1)]


# ------------------------------------------------------------------ the server


def group_alive(pgid: int) -> list[int]:
    """The pids of process group ``pgid`` that have not exited (zombies count as exited)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] not in "ZX":
            alive.append(int(entry.name))
    return alive


@dataclass
class Box:
    """The ballot box of the live contest, read from the database."""

    ballots: int
    used: int
    receipt_hashes: set[str]
    #: "ballot cast" audit lines, chained or still pending.
    audit_ballots: int


@dataclass
class LiveServer:
    """A seeded database and (when started) ``selectorate serve`` in front of it."""

    tmp: Path
    database_url: str  # "" for SQLite in the data dir
    workers: int
    threads: int
    #: The open contests seeded: [{"id": contest id, "codes": [voting codes]}, ...].
    contests: list[dict] = field(default_factory=list)
    port: int = 0
    proc: subprocess.Popen | None = None
    starts: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)
    #: PostgreSQL: the run's own database, to run statements about the live one from.
    admin_url: str = ""
    #: More gunicorn options, appended to GUNICORN_CMD_ARGS.
    gunicorn_args: str = ""
    #: A command the server runs under, e.g. ``setpriv`` dropping capabilities.
    command_prefix: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        """The voting codes of the first contest."""
        return self.contests[0]["codes"]

    @property
    def contest_id(self) -> int:
        """The id of the first contest."""
        return self.contests[0]["id"]

    @property
    def data_dir(self) -> Path:
        """The server's data dir (SQLite database, static files)."""
        return self.tmp / "data"

    @property
    def engine(self) -> str:
        """"postgresql" or "sqlite"."""
        return "postgresql" if self.database_url else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        """The SQLite database file (when the engine is SQLite)."""
        return self.data_dir / "selectorate.sqlite3"

    @property
    def base(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        """Gunicorn's access log: ``<worker pid> <status> <request line>`` per request."""
        return self.tmp / "access.log"

    def env(self) -> dict[str, str]:
        """The server's environment: nothing of the test process's Django settings."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("SELECTORATE_") and k not in _OWN_ENV}
        env["SELECTORATE_DATA_DIR"] = str(self.data_dir)
        env["SELECTORATE_SECRET_KEY"] = "live-" + hashlib.sha256(str(self.tmp).encode()).hexdigest()
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        # The access log names the worker (%(p)s) that answered each request.
        env["GUNICORN_CMD_ARGS"] = (
            f"--access-logfile {self.access_log} --access-logformat '%(p)s %(s)s %(r)s' "
            f"--graceful-timeout 5 {self.gunicorn_args}"
        ).strip()
        # gunicorn >= 25.1 opens a control socket in $XDG_RUNTIME_DIR (else ~/.gunicorn), one
        # path for every instance of the user: each live server gets its own.
        env["XDG_RUNTIME_DIR"] = str(self.tmp)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def seed(self, voters: int, contests: int = 1) -> None:
        """Migrate the fresh database and seed the open contest(s) (in a child process)."""
        run = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "seed", str(voters), str(contests)],
            env=self.env() | {"DJANGO_SETTINGS_MODULE": "selectorate.web.settings"},
            capture_output=True, text=True, timeout=300, check=False,
        )
        if run.returncode != 0:
            raise RuntimeError(f"seeding failed: {run.stderr[-3000:]}")
        self.contests = json.loads(run.stdout.strip().splitlines()[-1])

    def start(self, serve: bool = True, timeout: float = 120, preload: bool = False) -> None:
        """Start the server (``selectorate serve``, or gunicorn alone) on a free port.

        ``serve=False`` starts exactly what ``serve`` execs (gunicorn) without
        its migrate/collectstatic steps, for quick restarts and for databases
        ``serve`` would refuse to start with; ``preload`` (with ``serve=False``)
        loads the application once in the master before forking the workers,
        which halves the CPU a restart costs. Returns once ``/vote/`` answers.
        Env ``SELECTORATE_LIVE_WSGI=module:app`` serves that app instead (gunicorn
        alone), to show that a test fails against a deliberately broken variant.
        """
        if not self.port:
            self.port = free_port()
        bind = f"127.0.0.1:{self.port}"
        # To show a test bites: serve another WSGI app (a deliberately broken variant).
        app = os.environ.get("SELECTORATE_LIVE_WSGI", "")
        serve = serve and not app
        if serve:
            cmd = SERVE + ["--bind", bind, "--workers", str(self.workers),
                           "--threads", str(self.threads)]
        else:
            cmd = [sys.executable, "-m", "gunicorn", app or "selectorate.web.wsgi:application",
                   "--bind", bind, "--workers", str(self.workers), "--threads", str(self.threads)]
            cmd += ["--preload"] if preload else []
        log = (self.tmp / "serve.log").open("ab")
        env = self.env() if serve else self.env() | {
            "DJANGO_SETTINGS_MODULE": "selectorate.web.settings"}
        self.proc = subprocess.Popen(self.command_prefix + cmd, stdout=log, stderr=log, env=env,
                                     cwd=self.tmp, start_new_session=True)
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "/vote/", timeout=5):
                    return
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server did not answer within {timeout} s: {self.log_tail()}")

    def log_tail(self) -> str:
        """The end of the server's log."""
        path = self.tmp / "serve.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM the server's process group (SIGKILL after 20 s)."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def kill(self) -> None:
        """kill -9 the whole process group (gunicorn master and workers) and reap it."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)
            # The workers are orphans now; wait until each has exited (a zombie holds no socket).
            deadline = time.monotonic() + 10
            while group_alive(self.proc.pid) and time.monotonic() < deadline:
                time.sleep(0.01)
        self.proc = None

    # -------------------------------------------------------------- the database

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        """Run one query on the live database in its own connection; all rows."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                cur = conn.execute(query.replace("?", "%s"), params)
                return cur.fetchall() if cur.description else []
        conn = sqlite3.connect(self.sqlite_path, timeout=30)
        try:
            rows = conn.execute(query, params).fetchall()
            conn.commit()
            return rows
        finally:
            conn.close()

    def admin_sql(self, query: str) -> None:
        """PostgreSQL: run ``query`` (``{db}`` stands for the live database) from the admin URL."""
        import psycopg

        name = urllib.parse.urlsplit(self.database_url).path.lstrip("/")
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(query.replace("{db}", name))

    def box(self, contest_id: int | None = None) -> Box:
        """Ballots, used credentials and receipt hashes of a contest (the first); audited casts."""
        cid = (contest_id or self.contest_id,)
        return Box(
            ballots=self.sql("SELECT COUNT(*) FROM elections_castballot WHERE contest_id = ?",
                             cid)[0][0],
            used=self.sql("SELECT COUNT(*) FROM elections_credential "
                          "WHERE contest_id = ? AND used", cid)[0][0],
            receipt_hashes={r[0] for r in self.sql(
                "SELECT receipt_hash FROM elections_castballot WHERE contest_id = ?", cid)},
            # A cast's audit line is chained at once, or left pending (in the cast's own
            # transaction) for the next writer to chain: count both.
            audit_ballots=sum(
                self.sql(f"SELECT COUNT(*) FROM {table} "
                         "WHERE contest_id = ? AND action = 'ballot cast'", cid)[0][0]
                for table in ("elections_auditentry", "elections_pendingauditentry")
            ),
        )

    def state(self, contest_id: int | None = None) -> str:
        """The state of a contest (the first)."""
        return self.sql("SELECT state FROM elections_contest WHERE id = ?",
                        (contest_id or self.contest_id,))[0][0]

    def inspect(self) -> dict:
        """What the server's own Django connection sees (child process): see :func:`_inspect`."""
        run = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "inspect"],
            env=self.env() | {"DJANGO_SETTINGS_MODULE": "selectorate.web.settings"},
            capture_output=True, text=True, timeout=120, check=False,
        )
        if run.returncode != 0:
            raise RuntimeError(f"inspect failed: {run.stderr[-3000:]}")
        return json.loads(run.stdout.strip().splitlines()[-1])

    def worker_pids(self, path: str = "/vote/cast/") -> set[str]:
        """The distinct gunicorn worker pids that answered requests for ``path``."""
        if not self.access_log.exists():
            return set()
        pids = set()
        for line in self.access_log.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[3] == path:
                pids.add(parts[0])
        return pids


#: This process's migrated, empty template database (PostgreSQL URL or SQLite file), made once.
_TEMPLATE: dict[str, str] = {}


def _migrate_child(env: dict[str, str]) -> None:
    run = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "migrate"],
        env=env | {"DJANGO_SETTINGS_MODULE": "selectorate.web.settings"},
        capture_output=True, text=True, timeout=300, check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"migrate failed: {run.stderr[-3000:]}")


def _template(server: LiveServer) -> str:
    """A migrated empty database to copy (once per process; dropped when the process exits).

    Migrating PostgreSQL takes seconds; copying a template (``CREATE DATABASE …
    TEMPLATE``) or an SQLite file does not.
    """
    key = server.admin_url or "sqlite"
    if key in _TEMPLATE:
        return _TEMPLATE[key]
    folder = Path(tempfile.mkdtemp(prefix="selectorate-live-template-"))
    atexit.register(shutil.rmtree, folder, True)
    env = server.env() | {"SELECTORATE_DATA_DIR": str(folder)}
    if server.admin_url:
        import psycopg

        parts = urllib.parse.urlsplit(server.admin_url)
        name = f"{parts.path.lstrip('/')}_live_tpl_{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(server.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = urllib.parse.urlunsplit(parts._replace(path="/" + name))
        atexit.register(drop_postgres, url, server.admin_url)
        _migrate_child(env | {"DATABASE_URL": url})
        _TEMPLATE[key] = name
    else:
        _migrate_child(env)
        _TEMPLATE[key] = str(folder / "selectorate.sqlite3")
    return _TEMPLATE[key]


def _fresh_database(server: LiveServer) -> None:
    """A fresh migrated database for ``server``: ``<db>_live_<random>`` or a SQLite file."""
    template = _template(server)
    if server.admin_url:
        import psycopg

        parts = urllib.parse.urlsplit(server.admin_url)
        name = f"{parts.path.lstrip('/')}_live_{secrets.token_hex(4)}"
        with psycopg.connect(server.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        server.database_url = urllib.parse.urlunsplit(parts._replace(path="/" + name))
    else:
        shutil.copyfile(template, server.sqlite_path)


def drop_postgres(url: str, admin_url: str) -> None:
    """Drop the database of ``url``, connected to the database of ``admin_url``."""
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_url() -> str:
    """The test run's PostgreSQL URL, or "" when the tests run on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


@contextlib.contextmanager
def live_server(tmp: Path, voters: int, workers: int = 2, threads: int = 4,
                start: bool = True, extra_env: dict[str, str] | None = None,
                contests: int = 1, gunicorn_args: str = "",
                command_prefix: list[str] | None = None) -> Iterator[LiveServer]:
    """A fresh seeded database (same engine as the test run) and a started server.

    ``contests`` open contests are seeded, each with a code for every one of
    the ``voters`` members.

    Stops the server and drops the PostgreSQL database afterwards.
    """
    base_url = postgres_url()
    server = LiveServer(tmp=tmp, database_url="", workers=workers, threads=threads,
                        extra_env=dict(extra_env or {}), gunicorn_args=gunicorn_args,
                        command_prefix=list(command_prefix or []),
                        admin_url=base_url)
    server.data_dir.mkdir(parents=True, exist_ok=True)
    _fresh_database(server)
    try:
        server.seed(voters, contests)
        if start:
            server.start()
        yield server
    finally:
        server.kill()
        if server.database_url:
            drop_postgres(server.database_url, base_url)


# ------------------------------------------------------------------ the seeding child


def _seed(voters: int, contests: int) -> list[dict]:
    """Migrate; ``voters`` members, an officer login and ``contests`` open IRV contests."""
    from datetime import date

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import web_factories

    from selectorate.web.elections import lifecycle, voting
    from selectorate.web.elections.models import Contest, Member, Organisation

    org = Organisation.objects.create(name="Live CLP", slug="live", rulebook_id="labour-2014")
    Member.objects.bulk_create(
        Member(organisation=org, member_no=f"L{i:06d}", name=f"Voter {i}",
               email=f"v{i}@example.org", joined=date(2020, 1, 1), paid_up_to=date(2030, 1, 1))
        for i in range(1, voters + 1)
    )
    officer = User.objects.create_user(OFFICER[0], password=OFFICER[1])
    officer.groups.add(Group.objects.get_or_create(name="officer")[0])
    seeded = []
    for _ in range(contests):
        contest = web_factories.contest(org)
        lifecycle.transition(contest, Contest.FROZEN, "officer")
        codes = [c.code for c in voting.issue_credentials(contest, "officer")]
        lifecycle.transition(contest, Contest.OPEN, "officer")
        seeded.append({"id": contest.pk, "codes": codes})
    return seeded


def _inspect() -> dict:
    """The audit chain's first bad entry (None: it verifies) and the durability settings.

    Read through Django's own connection with the service's settings, so
    whatever the settings do to the connection shows: SQLite's journal mode and
    ``synchronous`` level; PostgreSQL's ``synchronous_commit``, ``fsync`` and
    ``full_page_writes``.
    """
    import django

    django.setup()
    from django.db import connection

    from selectorate.web.elections import audit

    settings: dict[str, str] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for pragma in ("journal_mode", "synchronous"):
                cursor.execute(f"PRAGMA {pragma}")
                settings[pragma] = str(cursor.fetchone()[0]).lower()
        else:
            for name in ("synchronous_commit", "fsync", "full_page_writes",
                         "default_transaction_read_only"):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
    return {"vendor": connection.vendor, "chain": audit.verify_chain(), "settings": settings}


if __name__ == "__main__":
    if sys.argv[1:2] == ["migrate"]:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    elif sys.argv[1:2] == ["seed"]:
        print(json.dumps(_seed(int(sys.argv[2]), int(sys.argv[3]))))
    elif sys.argv[1:2] == ["inspect"]:
        print(json.dumps(_inspect()))
    else:
        sys.exit("usage: live_server.py migrate | seed VOTERS CONTESTS | inspect")
