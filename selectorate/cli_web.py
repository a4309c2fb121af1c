"""``selectorate demo`` and ``selectorate serve``: the web service from the command line.

``demo`` keeps everything in one data folder (SQLite database, secret key,
the demo logins and a few unused demo voting codes), migrates it, seeds the
fictional organisation on first run, prints the logins and codes, and serves
on ``127.0.0.1`` with Django's development server. ``serve`` is for
production: settings from the environment (``DATABASE_URL``,
``SELECTORATE_SECRET_KEY``, ``SELECTORATE_ALLOWED_HOSTS``…, see
:mod:`selectorate.web.settings`), migrations, then gunicorn.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from selectorate import cli

#: Kept in the data folder so a second ``selectorate demo`` can print them again (demo only).
_DEMO_FILE = "demo-logins.txt"
#: Stands for the port in the saved text (a later run may serve on another port).
_PORT = 65535


def _django(data_dir: Path | None) -> None:
    """Point the settings at ``data_dir`` (before Django reads them) and set Django up."""
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        os.environ["SELECTORATE_DATA_DIR"] = str(data_dir.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selectorate.web.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _gunicorn_version() -> tuple[int, ...]:
    from importlib.metadata import version

    return tuple(int(part) for part in version("gunicorn").split(".")[:2] if part.isdigit())


def _demo_text(info: object, port: int) -> str:
    lines = [f"Vale of Fennick CLP (fictional) — http://127.0.0.1:{port}/", "", "Logins:"]
    pages = {"officer": "officer/", "scrutineer": "scrutineer/audit/", "candidate": "candidate/"}
    for user, password in info.logins.items():  # type: ignore[attr-defined]
        page = pages.get(user, "admin/")
        lines.append(f"  {user} / {password}    (http://127.0.0.1:{port}/{page})")
    lines += ["", "Voting codes (each votes once):"]
    for title, codes in info.codes.items():  # type: ignore[attr-defined]
        lines.append(f"  {title}:")
        lines += [f"    {code}" for code in codes]
    return "\n".join(lines) + "\n"


@cli.app.command("demo")
def demo(
    port: int = typer.Option(8000, "--port", help="Port on 127.0.0.1 to serve on."),
    data_dir: Path = typer.Option(
        Path("selectorate-data"), "--data-dir", help="Folder for the database and secret key."
    ),
    no_serve: bool = typer.Option(
        False, "--no-serve", help="Set up and print the logins, but do not start the server."
    ),
) -> None:
    """Run the web service on a demo organisation (SQLite, seeded on first run)."""
    if not 0 < port < 65536:
        raise cli.UsageProblem(f"--port {port}: expected a port number from 1 to 65535")
    _django(data_dir)
    _migrate()
    from selectorate.web import demo as seed

    saved = data_dir / _DEMO_FILE
    if not seed.is_seeded():
        info = seed.seed_demo()
        text = _demo_text(info, _PORT)
        fd = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    elif saved.is_file():
        text = saved.read_text(encoding="utf-8")
    else:
        text = f"The demo is already seeded in {data_dir} (logins file {saved} is missing).\n"
    typer.echo(text.replace(str(_PORT), str(port)), nl=False)
    sys.stdout.flush()
    if no_serve:
        return
    from django.core.management import call_command

    # DEBUG stays off; --insecure lets the development server serve the admin's static files.
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, insecure_serving=True)


def _default_workers() -> int:
    """Gunicorn's rule of thumb: two workers per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def _serve_problem(bind: str, workers: int, threads: int) -> str | None:
    """What is wrong with the production settings (environment and options), or None."""
    key = os.environ.get("SELECTORATE_SECRET_KEY", "")
    if not key:
        return "SELECTORATE_SECRET_KEY is not set (serve needs a fixed key of 32+ characters)"
    if len(key) < 32:
        return f"SELECTORATE_SECRET_KEY is {len(key)} characters long; use 32 or more"
    if workers < 1 or threads < 1:
        return f"--workers {workers} --threads {threads}: both must be at least 1"
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        return f"--bind {bind!r}: expected HOST:PORT, e.g. 127.0.0.1:8000"
    url = os.environ.get("DATABASE_URL", "")
    if url:
        import dj_database_url

        try:
            dj_database_url.parse(url)
        except Exception as exc:
            return f"DATABASE_URL cannot be read: {exc}"
    hosts = os.environ.get("SELECTORATE_ALLOWED_HOSTS")  # unset: loopback names only
    if hosts is not None and not any(h.strip() for h in hosts.split(",")):
        return "SELECTORATE_ALLOWED_HOSTS is empty: list the host names the service answers to"
    return None


def _database_problem() -> str | None:
    """None when the configured database answers, else one line saying why not."""
    from django.db import connection

    try:
        connection.ensure_connection()
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"cannot connect to the database ({connection.vendor}): {first}"
    finally:
        connection.close()
    return None


@cli.app.command("serve")
def serve(
    bind: str = typer.Option(
        None, "--bind", help="HOST:PORT to listen on [env SELECTORATE_BIND; 127.0.0.1:8000]."
    ),
    workers: int = typer.Option(
        None, "--workers", help="Gunicorn worker processes [env WEB_CONCURRENCY; 2 x cores + 1]."
    ),
    threads: int = typer.Option(
        1, "--threads", help="Threads per worker (more than 1 uses gunicorn's gthread worker)."
    ),
    check: bool = typer.Option(
        False, "--check", help="Only check the settings and the database, print one line, exit."
    ),
) -> None:
    """Run the web service for production: settings from the environment, migrate, gunicorn.

    Needs ``SELECTORATE_SECRET_KEY``; reads ``DATABASE_URL`` (default SQLite in
    ``SELECTORATE_DATA_DIR``) and ``SELECTORATE_ALLOWED_HOSTS`` (see
    :mod:`selectorate.web.settings`). Migrates the database, collects the static
    files into ``<data dir>/static`` (served by WhiteNoise), then replaces itself
    with gunicorn. Any other gunicorn setting can be given in ``GUNICORN_CMD_ARGS``.
    """
    bind = bind or os.environ.get("SELECTORATE_BIND", "127.0.0.1:8000")
    if workers is None:
        env_workers = os.environ.get("WEB_CONCURRENCY", "")
        workers = int(env_workers) if env_workers.isdigit() else _default_workers()
    problem = _serve_problem(bind, workers, threads)
    if problem is None:
        # The data dir holds the static files (and the SQLite database, when that is the one).
        _django(Path(os.environ.get("SELECTORATE_DATA_DIR", "selectorate-data")))
        problem = _database_problem()
    if problem is not None:
        typer.echo(f"selectorate serve: error: {problem}", err=True)
        raise typer.Exit(1)
    if check:
        from django.conf import settings

        db = settings.DATABASES["default"]
        typer.echo(
            f"selectorate serve: ok: {db['ENGINE'].rsplit('.', 1)[-1]} database answers, "
            f"would serve on {bind} with {workers} workers x {threads} threads"
        )
        return
    _migrate()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    from django.db import connections

    connections.close_all()
    from django.conf import settings

    args = [sys.executable, "-m", "gunicorn", "selectorate.web.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--threads", str(threads)]  # fmt: skip
    # gunicorn >= 25.1 opens a control socket, by default one per user
    # (~/.gunicorn/gunicorn.ctl): a second instance would take over the first's. Keep
    # each instance's beside its data.
    if _gunicorn_version() >= (25, 1):
        args += ["--control-socket", str(Path(settings.DATA_DIR) / "gunicorn.ctl")]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, args)
