"""Anonymised ballot exports of a closed contest, and the published record.

Every export is built from the cast ballots alone (:class:`~.models.CastBallot`
holds no link to a voter), and on top of that:

* the ballots are **shuffled** with :class:`secrets.SystemRandom` (the OS's
  CSPRNG) on every export, so the order says nothing about when a ballot was
  cast, and two exports of the same contest need not list ballots in the same
  order (the count does not depend on ballot order);
* **no ballot ids, receipt hashes or timestamps** are written: a ballot is its
  rankings only (the CDF's CVR ids are the ballot's place in this shuffled
  export, ``1``, ``2``, …);
* in the **CSV**, a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is prefixed with ``'`` so that a spreadsheet shows it as text
  instead of running it as a formula (OWASP, "CSV Injection").

Formats: BLT (:func:`selectorate.formats.blt.format_blt`), CSV in rank columns
(:func:`selectorate.formats.csv_ballots.format_csv`) and the NIST SP 1500-103
cast vote record report in JSON (:mod:`selectorate.formats.cdf_writer`).

The **published record** (:func:`published_record`) is what a scrutineer or a
losing candidate needs to check the result without trusting the service: the
result in selectorate's native JSON, exactly as stored by the count, and the
ballots as BLT. ``selectorate verify result.json ballots.blt`` recounts it.
"""

from __future__ import annotations

import csv
import io
import secrets
import zipfile
from datetime import UTC, datetime

from selectorate.ballots import Election
from selectorate.formats.blt import format_blt
from selectorate.formats.cdf_writer import build_cdf_report, jackson_dumps
from selectorate.formats.csv_ballots import format_csv
from selectorate.web.elections.counting import contest_election
from selectorate.web.elections.models import Contest, Result

#: States in which a contest's ballots may be exported (voting is over).
EXPORTABLE_STATES = (Contest.CLOSED, Contest.COUNTED, Contest.PUBLISHED)
#: Leading characters a spreadsheet may read as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Export formats: name -> (file name suffix, MIME type).
FORMATS = {
    "blt": (".blt", "text/plain; charset=utf-8"),
    "csv": (".csv", "text/csv; charset=utf-8"),
    "cdf": ("_cvr_cdf.json", "application/json"),
}


class ExportRefused(Exception):
    """The contest's ballots cannot be exported now; the message says why."""


def _check_exportable(contest: Contest) -> None:
    if contest.state not in EXPORTABLE_STATES:
        raise ExportRefused(
            f"The ballots of “{contest.title}” can be exported only once voting is closed "
            f"(it is {contest.get_state_display()})."
        )


def anonymised_election(contest: Contest) -> Election:
    """The contest's ballots as an Election, shuffled, with nothing but the rankings.

    Refused (:class:`ExportRefused`) unless voting in ``contest`` is closed.
    """
    _check_exportable(contest)
    election = contest_election(contest)
    ballots = list(election.ballots)
    secrets.SystemRandom().shuffle(ballots)
    return Election(
        candidates=election.candidates,
        ballots=ballots,
        seats=election.seats,
        title=election.title,
    )


def neutralise_cell(cell: str) -> str:
    """``cell`` made safe to open in a spreadsheet (a formula-looking cell gets a ``'``)."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def export_blt(contest: Contest) -> str:
    """The anonymised ballots as BLT text (``selectorate count`` and ``verify`` read it)."""
    return format_blt(anonymised_election(contest), nicknames=False)


def export_csv(contest: Contest) -> str:
    """The anonymised ballots as CSV (one row per ballot, ``Rank 1``, ``Rank 2``, … columns)."""
    election = anonymised_election(contest)
    # Web ballots never rank two candidates equal, so the equal-rank separator only
    # has to be absent from the names (a name may well contain "=").
    sep = next(s for s in ("=", "|", "/", ";", "\u2016") if not any(s in n for n in election.names))
    text = format_csv(election, layout="ranks", equal_sep=sep)
    out = io.StringIO()
    rows = [
        [neutralise_cell(cell) for cell in row]
        for row in csv.reader(io.StringIO(text, newline=""))
    ]
    # A lone carriage return is left unquoted with "\n" line ends: quote every cell then.
    quoting = csv.QUOTE_ALL if any("\r" in cell for row in rows for cell in row) else (
        csv.QUOTE_MINIMAL
    )
    writer = csv.writer(out, lineterminator="\n", quoting=quoting)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def export_cdf_json(contest: Contest) -> str:
    """The anonymised ballots as a NIST CDF cast vote record report (JSON text).

    ``GeneratedDate`` is the day of the export at midnight UTC: a report-level
    date the schema requires, which says nothing about any ballot.
    """
    election = anonymised_election(contest)
    day = datetime.now(UTC).date().isoformat()
    report = build_cdf_report(
        election,
        contest_name=contest.title,
        jurisdiction=contest.organisation.name,
        cvr_ids=[str(n) for n in range(1, len(election.ballots) + 1)],
        generated_date=f"{day}T00:00:00Z",
    )
    report["ReportingDevice"] = [
        {
            "@id": "rd-001",
            "@type": "CVR.ReportingDevice",
            "Application": "selectorate",
            "Manufacturer": "selectorate",
        }
    ]
    return jackson_dumps(report) + "\n"


def export(contest: Contest, fmt: str) -> str:
    """The export of ``contest`` in ``fmt`` (``blt``, ``csv`` or ``cdf``)."""
    writers = {"blt": export_blt, "csv": export_csv, "cdf": export_cdf_json}
    if fmt not in writers:
        raise ExportRefused(f"Unknown export format {fmt!r}; choose one of {', '.join(writers)}.")
    return writers[fmt](contest)


def export_filename(contest: Contest, fmt: str) -> str:
    """A download file name for an export: ``<organisation>-contest-<id><suffix>``."""
    return f"{contest.organisation.slug}-contest-{contest.pk}{FORMATS[fmt][0]}"


def published_record(contest: Contest) -> dict[str, str]:
    """The published record: ``result.json`` (as counted) and ``ballots.blt``.

    ``selectorate verify result.json ballots.blt`` recounts the ballots by the
    rule and options the result records and checks every stage. Refused
    (:class:`ExportRefused`) until the contest has been counted.
    """
    _check_exportable(contest)
    result = Result.objects.filter(contest=contest).first()
    if result is None or contest.state not in (Contest.COUNTED, Contest.PUBLISHED):
        raise ExportRefused(f"“{contest.title}” has not been counted yet.")
    return {"result.json": result.result_json, "ballots.blt": export_blt(contest)}


def published_record_zip(contest: Contest) -> bytes:
    """The published record as a zip archive (fixed member dates, so nothing leaks)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in published_record(contest).items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return out.getvalue()
