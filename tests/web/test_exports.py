"""Anonymised ballot exports and the published record that `selectorate verify` recounts."""

import csv
import io
import json
import zipfile
from collections import Counter

import pytest
from typer.testing import CliRunner
from web_factories import contest, organisation

from selectorate.cli import app
from selectorate.formats.blt import parse_blt
from selectorate.formats.csv_ballots import parse_csv
from selectorate.web.elections import counting, exports, lifecycle, voting
from selectorate.web.elections.models import CastBallot, Contest

pytestmark = pytest.mark.django_db

NAMES = ("=SUM(A1:A9)", "+Birch", "-Cedar", "@Damson", "Elm")
VOTES = [[1, 2], [2, 1, 3], [3], [4, 5, 1], [5, 4], [1], [2, 3], [3, 2, 1], [1, 5], [4, 1]]


def _closed(method="irv", names=NAMES, votes=VOTES, seats=1, options=None):
    org = organisation(members=len(votes))
    c = contest(org, names=names, method=method)
    Contest.objects.filter(pk=c.pk).update(seats=seats, options=options or {})
    c.refresh_from_db()
    lifecycle.transition(c, Contest.FROZEN, "officer")
    codes = [i.code for i in voting.issue_credentials(c, "officer")]
    lifecycle.transition(c, Contest.OPEN, "officer")
    with pytest.raises(exports.ExportRefused):
        exports.export_blt(c)  # not while voting is open
    for code, rankings in zip(codes, votes, strict=True):
        voting.cast(c, code, rankings)
    lifecycle.transition(c, Contest.CLOSED, "officer")
    return c


def _as_rankings(election):
    return Counter(tuple(r[0] for r in b.rankings) for b in election.ballots)


def _cast_rankings(votes):
    return Counter(tuple(p - 1 for p in v) for v in votes)


def test_blt_csv_and_cdf_hold_the_same_ballots_and_nothing_else():
    c = _closed()
    secrets_in_db = [
        s for b in CastBallot.objects.filter(contest=c) for s in (b.id, b.receipt_hash)
    ]
    blt = exports.export_blt(c)
    election = parse_blt(blt)
    assert [x.name for x in election.candidates] == list(NAMES)
    assert _as_rankings(election) == _cast_rankings(VOTES)

    text = exports.export_csv(c)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Rank 1", "Rank 2", "Rank 3"]
    cells = {cell for row in rows[1:] for cell in row if cell}
    # Formula-looking names are neutralised; plain ones are untouched.
    assert cells == {"'=SUM(A1:A9)", "'+Birch", "'-Cedar", "'@Damson", "Elm"}
    assert len(rows) == 1 + len(VOTES)

    cdf = json.loads(exports.export_cdf_json(c))
    assert len(cdf["CVR"]) == len(VOTES)
    assert sorted(int(v["BallotPrePrintedId"]) for v in cdf["CVR"]) == list(
        range(1, len(VOTES) + 1)
    )
    assert cdf["GeneratedDate"].endswith("T00:00:00Z")
    assert cdf["ReportingDevice"][0]["Application"] == "selectorate"

    for text in (blt, exports.export_csv(c), exports.export_cdf_json(c)):
        for secret in secrets_in_db:
            assert secret not in text


def test_csv_export_reads_back_once_unneutralised():
    c = _closed(names=("Ash", "Birch", "Cedar", "Damson", "Elm"))
    election = parse_csv(
        exports.export_csv(c),
        candidates=[f"{n}" for n in ("Ash", "Birch", "Cedar", "Damson", "Elm")],
    )
    assert _as_rankings(election) == _cast_rankings(VOTES)


def test_exports_are_shuffled():
    votes = [[1 + (n % 4)] for n in range(24)]
    c = _closed(names=("A", "B", "C", "D"), votes=votes)
    orders = {exports.export_blt(c) for _ in range(6)}
    # 24 ballots, 6 for each of 4 names: six identical shuffles are (practically) impossible.
    assert len(orders) > 1
    assert all(_as_rankings(parse_blt(t)) == _cast_rankings(votes) for t in orders)


def test_neutralise_cell():
    assert exports.neutralise_cell("=1+1") == "'=1+1"
    assert exports.neutralise_cell("\tx") == "'\tx"
    assert exports.neutralise_cell("Ann") == "Ann"
    assert exports.neutralise_cell("") == ""


def test_unknown_format_is_refused():
    c = _closed()
    with pytest.raises(exports.ExportRefused):
        exports.export(c, "xlsx")


@pytest.mark.parametrize(
    ("method", "seats", "options"),
    [("irv", 1, {}), ("fptp", 1, {}), ("scottish-stv", 2, {"seed": "published before the count"})],
)
def test_published_record_is_verified_by_selectorate_verify(tmp_path, method, seats, options):
    c = _closed(method=method, seats=seats, options=options)
    with pytest.raises(exports.ExportRefused):
        exports.published_record(c)  # closed but not counted
    counting.count_contest(c, "officer")
    lifecycle.transition(c, Contest.PUBLISHED, "officer")
    with zipfile.ZipFile(io.BytesIO(exports.published_record_zip(c))) as archive:
        assert sorted(archive.namelist()) == ["ballots.blt", "result.json"]
        archive.extractall(tmp_path)
    result = CliRunner().invoke(
        app, ["verify", str(tmp_path / "result.json"), str(tmp_path / "ballots.blt")]
    )
    assert result.exit_code == 0, result.output
    assert "verified" in result.output


def test_the_public_result_page_shows_the_audit_chain_at_publication():
    """The published page carries the chain's end at publication, an anchor kept outside
    the database: verify_chain accepts it, and a rewrite of that entry is caught by it."""
    from django.test import Client

    from selectorate.web.elections import audit
    from selectorate.web.elections.models import AuditEntry

    c = _closed()
    counting.count_contest(c, "officer")
    lifecycle.transition(c, Contest.PUBLISHED, "officer")
    entry = AuditEntry.objects.get(contest=c, action="contest published")
    assert (entry.seq, entry.hash) == audit.chain_head()  # the last entry when published
    page = Client().get(f"/results/{c.pk}/").content.decode()
    assert f"entry number {entry.seq}, whose hash is" in page and entry.hash in page
    assert audit.verify_chain(anchors=[(entry.seq, entry.hash)]) is None
    assert audit.verify_chain(anchors=[(entry.seq, "0" * 64)]) is not None
