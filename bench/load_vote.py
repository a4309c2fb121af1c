"""Load test of casting ballots over HTTP against ``selectorate serve`` (gunicorn) on loopback.

Prepares a fresh data dir (and, with ``--database-url``, a fresh PostgreSQL
database ``<name>_loadvote`` next to the given one), seeds an open IRV contest
with N credentials, starts ``selectorate serve`` on 127.0.0.1, then runs the
voters, C at a time, through the real pages with CSRF: GET /vote/, POST the
code, POST the ranked ballot to the confirmation page, POST the cast. Two
measures (``--mode``): "flow" times each voter's whole walk; "cast" first walks
every voter to the confirmation page (untimed), then times the casts alone, C
at a time — the ballot box's own rate, since in a real ballot the pages before
it are spread over the day while the casts contend for the box. For each it
reports ballots/s, p50/p99 of the cast request, and the CPU milliseconds per
ballot spent by the server, PostgreSQL and the load generator (from /proc). It
checks afterwards that #CastBallot == #used credentials == #receipts the
voters were shown, that every receipt is in the box, and that the audit chain
verifies. Bounded: N voters and ``--time-limit`` seconds; stops the server.

    python bench/load_vote.py                       # SQLite
    python bench/load_vote.py --database-url postgres://selectorate:selectorate-ci@127.0.0.1:5432/selectorate
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_RECEIPT = re.compile(r'id="receipt">([^<]+)<')


def _fresh_postgres(url: str) -> str:
    """Drop and create ``<db>_loadvote`` beside the database of ``url``; its URL."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/") + "_loadvote"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def prepare(voters: int) -> list[str]:
    """Migrate, seed an open contest with ``voters`` credentials; the codes."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selectorate.web.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    sys.path.insert(0, str(ROOT / "tests" / "web"))
    import web_factories  # the web tests' builders

    from selectorate.web.elections import lifecycle, voting
    from selectorate.web.elections.models import Contest, Member, Organisation

    org = Organisation.objects.create(name="Load CLP", slug="load", rulebook_id="labour-2014")
    Member.objects.bulk_create(
        Member(organisation=org, member_no=f"L{i:06d}", name=f"Voter {i}",
               email=f"v{i}@example.org", joined=date(2020, 1, 1), paid_up_to=date(2030, 1, 1))
        for i in range(1, voters + 1)
    )
    contest = web_factories.contest(org)
    lifecycle.transition(contest, Contest.FROZEN, "officer")
    codes = [c.code for c in voting.issue_credentials(contest, "officer")]
    lifecycle.transition(contest, Contest.OPEN, "officer")
    from django.db import connections

    connections.close_all()
    return codes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    """``selectorate serve`` on 127.0.0.1:port; returns once / answers (or raises)."""
    cmd = [sys.executable, "-c", "from selectorate.cli import app; app()", "serve",
           "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10):
                return proc
        except OSError:  # refused, reset or timed out while the workers boot
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("serve did not answer within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group; SIGKILL after 30 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def confirmed_form(base: str, code: str, rng: random.Random) -> tuple[list[tuple[str, str]], str]:
    """Walk one voter to the confirmation page; (the cast form's fields, the Cookie header)."""
    opener, jar = _opener()

    def post(path: str, fields: list[tuple[str, str]], token: str) -> str:
        data = urllib.parse.urlencode([("csrfmiddlewaretoken", token), *fields]).encode()
        with opener.open(base + path, data=data, timeout=60) as response:
            return response.read().decode()

    with opener.open(base + "/vote/", timeout=60) as response:
        page = response.read().decode()
    token = _CSRF.search(page).group(1)
    page = post("/vote/", [("code", code)], token)
    order = rng.sample(range(1, 5), rng.randint(1, 4))
    page = post("/vote/confirm/", [("code", code)] +
                [(f"rank-{p}", str(i)) for i, p in enumerate(order, 1)], token)
    form = page[page.index('action="/vote/cast/"'):]
    fields = _HIDDEN.findall(form)  # the CSRF token is one of them
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return fields, cookie


def post_cast(
    host: str, port: int, fields: list[tuple[str, str]], cookie: str
) -> tuple[str | None, float]:
    """POST the confirmed ballot to /vote/cast/ on one fresh connection; (receipt, seconds)."""
    body = urllib.parse.urlencode(fields).encode()
    start = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request("POST", "/vote/cast/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
            "Referer": f"http://{host}:{port}/vote/confirm/"})
        page = conn.getresponse().read().decode()
    finally:
        conn.close()
    took = time.perf_counter() - start
    match = _RECEIPT.search(page)
    return (match.group(1).strip() if match else None), took


def vote(base: str, code: str, rng: random.Random, deadline: float) -> tuple[str | None, float]:
    """One voter's whole flow; (receipt or None, seconds the cast request took)."""
    if time.monotonic() > deadline:
        return None, 0.0
    fields, cookie = confirmed_form(base, code, rng)
    parts = urllib.parse.urlsplit(base)
    return post_cast(parts.hostname, parts.port, fields, cookie)


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes and their children so far (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / tick


def _server_pids(proc: subprocess.Popen) -> list[int]:
    """The gunicorn master and its workers."""
    out = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _postgres_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _report(label: str, results: list[tuple[str | None, float]], wall: float,
            cpu: dict[str, float]) -> None:
    times = sorted(t for r, t in results if r)
    n = len(times)
    p99 = times[max(0, int(n * 0.99 + 0.5) - 1)] if times else float("nan")
    p50 = statistics.median(times) if times else float("nan")
    per = ", ".join(f"{k} {v / max(n, 1) * 1000:.1f}" for k, v in cpu.items())
    print(f"  {label}: {n / wall:.0f} ballots/s ({n} in {wall:.1f} s); cast request p50 "
          f"{p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms; CPU ms per ballot: {per}")


def _measure(label: str, work, jobs: list, concurrency: int, proc: subprocess.Popen,
             pg: bool) -> tuple[list[tuple[str | None, float]], list[str]]:
    """Run ``work(job)`` for every job, ``concurrency`` at a time; report and return results."""
    server, db, me = _server_pids(proc), _postgres_pids() if pg else [], [os.getpid()]
    before = {"server": _cpu_seconds(server), "postgres": _cpu_seconds(db),
              "load generator": _cpu_seconds(me)}
    errors: list[str] = []
    results: list[tuple[str | None, float]] = []
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(work, job) for job in jobs]:
            try:
                results.append(future.result())
            except Exception as exc:  # a voter's failure is counted, not fatal
                errors.append(f"{type(exc).__name__}: {exc}")
    wall = time.perf_counter() - start
    after = {"server": _cpu_seconds(server), "postgres": _cpu_seconds(db),
             "load generator": _cpu_seconds(me)}
    cpu = {k: after[k] - before[k] for k in before if k != "postgres" or pg}
    errors += ["no receipt on the cast page"] * sum(1 for r, t in results if not r and t)
    _report(label, results, wall, cpu)
    return results, errors


def cast_with_wrk(port: int, forms: list[tuple[list[tuple[str, str]], str]], concurrency: int,
                  seconds: float, work_dir: Path, proc: subprocess.Popen,
                  pg: bool) -> tuple[list[str], list[str]]:
    """Post the confirmed ballots with ``wrk`` (bench/cast.lua) for ``seconds``; (receipts, errors).

    wrk (Debian package ``wrk``, C, epoll) costs the shared CPU far less than Python
    threads, so more of the two cores is left to the server and the database.
    """
    forms_file = work_dir / "forms.tsv"
    forms_file.write_text("".join(f"{cookie}\t{urllib.parse.urlencode(fields)}\n"
                                  for fields, cookie in forms))
    receipts_file = work_dir / "receipts.txt"
    threads = 2
    server, db = _server_pids(proc), _postgres_pids() if pg else []
    before = (_cpu_seconds(server), _cpu_seconds(db))
    cmd = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds:.0f}s",
           "--timeout", "30s", "-s", str(ROOT / "bench" / "cast.lua"),
           f"http://127.0.0.1:{port}", "--", str(forms_file), str(threads)]
    run = subprocess.run(cmd, capture_output=True, text=True,
                         env={**os.environ, "WRK_RECEIPTS": str(receipts_file)})
    server_cpu, db_cpu = _cpu_seconds(server) - before[0], _cpu_seconds(db) - before[1]
    if run.returncode != 0:
        return [], [f"wrk failed: {run.stderr.strip()[-500:]}"]
    receipts = receipts_file.read_text().split()
    line = next((ln for ln in run.stdout.splitlines() if ln.startswith("wrk: ")), "")
    n = len(receipts)
    exhausted = n >= len(forms)
    rate = f"{n / seconds:.0f}" if not exhausted else f"≥ {n / seconds:.0f} (ran out of ballots)"
    cpu = f"server {server_cpu / max(n, 1) * 1000:.1f}"
    if pg:
        cpu += f", postgres {db_cpu / max(n, 1) * 1000:.1f}"
    print(f"  cast only, wrk client ({concurrency} connections, {seconds:.0f} s): {rate} ballots/s "
          f"({n} receipts); {line[5:]}; CPU ms per ballot: {cpu}")
    errors = []
    m = re.search(r"(\d+) without a receipt", line)
    if m and int(m.group(1)):
        errors.append(f"{m.group(1)} cast replies without a receipt")
    return receipts, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default SQLite)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--mode", choices=["cast", "flow", "both"], default="both",
                        help="cast: every voter first walks to the confirmation page (untimed), "
                        "then all cast, C at a time (timed); flow: the whole 4-request flow "
                        "timed; both: half the voters each way (default)")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds for the voting")
    parser.add_argument("--client", choices=["python", "wrk"], default="python",
                        help="who posts the casts in the cast phase: Python threads, or wrk "
                        "(Debian package wrk) for --wrk-seconds")
    parser.add_argument("--wrk-seconds", type=float, default=10.0)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="selectorate-loadvote-"))
    os.environ["SELECTORATE_DATA_DIR"] = str(data_dir)
    os.environ["SELECTORATE_SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ.pop("SELECTORATE_DEBUG", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = _fresh_postgres(args.database_url)
    else:
        os.environ.pop("DATABASE_URL", None)
    t0 = time.perf_counter()
    codes = prepare(args.voters)
    print(f"prepared {len(codes)} credentials in {time.perf_counter() - t0:.1f} s ({data_dir})")

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(port, args.workers, args.threads, data_dir / "serve.log")
    rng = random.Random(1)
    rngs = [random.Random(rng.getrandbits(64)) for _ in codes]
    engine = "postgresql" if args.database_url else "sqlite"
    pg = bool(args.database_url)
    half = len(codes) // 2 if args.mode == "both" else len(codes)
    flow_jobs = list(zip(codes[:half], rngs[:half], strict=True)) if args.mode != "cast" else []
    cast_jobs = list(zip(codes[-half:], rngs[-half:], strict=True)) if args.mode != "flow" else []
    print(f"{engine}: gunicorn {args.workers} workers x {args.threads} threads, "
          f"{args.concurrency} voters at a time")
    errors: list[str] = []
    receipts: list[str] = []
    deadline = time.monotonic() + args.time_limit
    try:
        if flow_jobs:
            res, errs = _measure("whole flow (GET /vote/, POST code, POST ballot, POST cast)",
                                 lambda job: vote(base, job[0], job[1], deadline),
                                 flow_jobs, args.concurrency, proc, pg)
            receipts += [r for r, _ in res if r]
            errors += errs
        if cast_jobs:
            with ThreadPoolExecutor(args.concurrency) as pool:
                forms = list(pool.map(lambda job: confirmed_form(base, job[0], job[1]), cast_jobs))
            if args.client == "wrk":
                got, errs = cast_with_wrk(port, forms, args.concurrency, args.wrk_seconds,
                                          data_dir, proc, pg)
                receipts += got
                errors += errs
            else:
                res, errs = _measure("cast only (the confirmed ballots, posted C at a time)",
                                     lambda form: post_cast("127.0.0.1", port, *form),
                                     forms, args.concurrency, proc, pg)
                receipts += [r for r, _ in res if r]
                errors += errs
    finally:
        stop_server(proc)
    for message in sorted(set(errors))[:5]:
        print(f"  error: {message}")

    from selectorate.web.elections import audit, voting
    from selectorate.web.elections.models import CastBallot, Credential

    pending = audit.pending_count()
    audit.seal_pending()
    n_ballots = CastBallot.objects.count()
    n_used = Credential.objects.filter(used=True).count()
    in_box = CastBallot.objects.filter(
        receipt_hash__in=[voting.sha256(r) for r in receipts]).count()
    chain = audit.verify_chain()
    # wrk stops at its deadline with requests in flight: those ballots are committed
    # but their receipts were never read, at most one per connection.
    cut_off = n_ballots - len(receipts)
    allowed = args.concurrency if args.client == "wrk" and args.mode != "flow" else 0
    ok = (n_ballots == n_used and in_box == len(receipts) and 0 <= cut_off <= allowed
          and chain is None)
    print(f"  check: CastBallot {n_ballots}, used credentials {n_used}, receipts shown "
          f"{len(receipts)}, receipts in the box {in_box}, committed but cut off by the "
          f"client's stop {cut_off} (allowed {allowed}), errors {len(errors)}; audit entries "
          f"left pending at the end {pending}; audit chain "
          f"{'verifies' if chain is None else f'breaks at #{chain}'}: {'OK' if ok else 'FAILED'}")
    return 0 if ok and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
