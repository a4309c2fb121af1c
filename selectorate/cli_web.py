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


def _demo_text(info: object, port: int) -> str:
    lines = [f"Vale of Fennick CLP (fictional) — http://127.0.0.1:{port}/", "", "Logins:"]
    for user, password in info.logins.items():  # type: ignore[attr-defined]
        lines.append(f"  {user} / {password}    (http://127.0.0.1:{port}/admin/)")
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


@cli.app.command("serve")
def serve() -> None:
    """Run the web service for production: settings from the environment, migrate, gunicorn.

    ``SELECTORATE_BIND`` (default 127.0.0.1:8000) and ``WEB_CONCURRENCY`` (default 2
    workers) set where and how gunicorn listens; any other gunicorn setting can be
    given in ``GUNICORN_CMD_ARGS``.
    """
    _django(None)
    _migrate()
    bind = os.environ.get("SELECTORATE_BIND", "127.0.0.1:8000")
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    args = [sys.executable, "-m", "gunicorn", "selectorate.web.wsgi:application",
            "--bind", bind, "--workers", workers]  # fmt: skip
    sys.stdout.flush()
    os.execv(sys.executable, args)
