"""The demo organisation seeds deterministically; ``selectorate demo --no-serve`` runs."""

import json
import os
import subprocess
import sys

import pytest

from selectorate.web import demo
from selectorate.web.elections import audit
from selectorate.web.elections.models import (
    Candidate,
    CastBallot,
    Contest,
    Elector,
    Member,
    Result,
)

pytestmark = pytest.mark.django_db


def _snapshot():
    members = list(Member.objects.order_by("member_no").values_list(
        "member_no", "name", "joined", "status", "paid_up_to", "unit__name",
        "registered_supporter"))
    contests = list(Contest.objects.order_by("title").values_list("title", "kind", "state"))
    electors = sorted(Elector.objects.values_list("contest__title", "member__member_no",
                                                  "eligible", "reason"))
    ballots = sorted((b.contest.title, tuple(b.rankings))
                     for b in CastBallot.objects.select_related("contest"))
    result = json.loads(Result.objects.get().result_json)
    return members, contests, electors, ballots, result


def test_demo_seeds_deterministically():
    info = demo.seed_demo()
    first = _snapshot()
    members, contests, electors, ballots, result = first
    assert 250 <= len(members) <= 350
    states = {kind: state for _, kind, state in contests}
    assert states == {"motion": "open", "trigger_ballot": "nominations",
                      "selection": "open", "leadership": "published"}
    assert any(not e[2] for e in electors) and any(e[2] for e in electors)
    assert result["elected"] and result["method"] == "irv"
    assert all(len(codes) == 3 for codes in info.codes.values())
    assert audit.verify_chain() is None
    assert sorted(info.logins) == ["candidate", "officer", "scrutineer"]
    with pytest.raises(RuntimeError):
        demo.seed_demo()
    # Wipe and seed again: the same register, electorates, ballots and result.
    Result.objects.all().update(published_at=None)
    from selectorate.web.elections.models import AuditEntry, AuditHead, Organisation

    AuditEntry.objects.all().delete()
    AuditHead.objects.update(last_seq=0, last_hash=audit.GENESIS)
    Result.objects.all().delete()
    Contest.objects.all().delete()
    Organisation.objects.all().delete()
    from django.contrib.auth.models import User

    User.objects.all().delete()
    demo.seed_demo()
    assert _snapshot() == first


def test_demo_command_prints_codes(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "SELECTORATE_DATA_DIR", "DJANGO_SETTINGS_MODULE")}
    run = subprocess.run(
        [sys.executable, "-c", "from selectorate.cli import app; app()", "demo", "--no-serve",
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "officer / " in run.stdout and "scrutineer / " in run.stdout
    assert "candidate / " in run.stdout
    codes = [ln.strip() for ln in run.stdout.splitlines() if ln.startswith("    ")]
    assert len(codes) == 6 and all(len(c) == 23 and c.count("-") == 3 for c in codes)
    assert (tmp_path / "data" / "selectorate.sqlite3").is_file()


def test_demo_candidate_login_sees_their_selection():
    info = demo.seed_demo()
    from django.test import Client

    client = Client()
    assert client.login(username="candidate", password=info.logins["candidate"])
    standing = Candidate.objects.get(user__username="candidate")
    assert (standing.name, standing.contest.kind) == (demo.CANDIDATE_NAME, "selection")
    page = client.get("/candidate/").content.decode()
    assert standing.contest.title in page and "open for voting" in page
    # Avery Brook's own nominations, from a branch and an affiliate; nobody else's.
    assert "Fennick Town branch" in page and "Fictional Workers&#x27; Union" in page
    assert "Upper Vale branch" not in page
    assert client.get("/officer/").status_code == 403
    assert client.get("/admin/").status_code == 302  # not staff: the admin asks to sign in
