"""``selectorate serve``: ``--check`` judges the settings; the real thing serves pages and CSS."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

CLI = [sys.executable, "-c", "from selectorate.cli import app; app()", "serve"]


def _env(tmp_path, **extra):
    """A clean environment: SQLite in ``tmp_path``, no inherited Django settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SELECTORATE_") and k not in ("DATABASE_URL",
                                                             "DJANGO_SETTINGS_MODULE",
                                                             "WEB_CONCURRENCY",
                                                             "GUNICORN_CMD_ARGS")}
    env["SELECTORATE_DATA_DIR"] = str(tmp_path / "data")
    env.update(extra)
    return env


def _run(args, env):
    return subprocess.run(CLI + args, capture_output=True, text=True, env=env, timeout=120,
                          check=False)


def test_check_refuses_without_secret_key(tmp_path):
    run = _run(["--check"], _env(tmp_path))
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "SELECTORATE_SECRET_KEY is not set" in lines[0]


def test_check_refuses_short_key_and_bad_bind(tmp_path):
    run = _run(["--check"], _env(tmp_path, SELECTORATE_SECRET_KEY="short"))
    assert run.returncode == 1 and "32 or more" in run.stderr
    key = secrets.token_urlsafe(40)
    run = _run(["--check", "--bind", "nowhere"], _env(tmp_path, SELECTORATE_SECRET_KEY=key))
    assert run.returncode == 1 and "--bind" in run.stderr


def test_check_refuses_unreachable_database(tmp_path):
    env = _env(tmp_path, SELECTORATE_SECRET_KEY=secrets.token_urlsafe(40),
               DATABASE_URL=f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3")
    run = _run(["--check"], env)
    assert run.returncode == 1
    assert run.stderr.strip().count("\n") == 0 and "cannot connect to the database" in run.stderr


def test_check_accepts_good_settings(tmp_path):
    run = _run(["--check", "--workers", "3"],
               _env(tmp_path, SELECTORATE_SECRET_KEY=secrets.token_urlsafe(40)))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("selectorate serve: ok:") and "3 workers" in run.stdout


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def test_serve_answers_pages_and_static_files(tmp_path):
    port = _free_port()
    env = _env(tmp_path, SELECTORATE_SECRET_KEY=secrets.token_urlsafe(40))
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(CLI + ["--bind", f"127.0.0.1:{port}", "--workers", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                status, _, body = _get(base + "/")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "serve did not answer within 120 s"
                time.sleep(0.3)
        assert status == 200 and b"<html" in body.lower()
        status, ctype, body = _get(base + "/static/elections/site.css")
        assert status == 200 and ctype.startswith("text/css") and body
        assert (tmp_path / "data" / "static" / "elections" / "site.css").is_file()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()
