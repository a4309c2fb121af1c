"""RCTab's per-precinct and per-batch ("slice") reports, JSON and CSV.

A slice result (:mod:`selectorate.counting.slices`) is rendered by the
ordinary RCTab renderers (:mod:`.rctab_json`, :mod:`.rctab_csv`) and then
given the few differences RCTab's ``ResultsWriter`` makes for a slice
(``generateBySliceSummaryFiles``; checked byte for byte against the expected
files ``shared/conformance/rctab/*/Tabulate by */``, RCTab 2.0.0):

JSON
    ``config`` gains the slice: ``"precinct" : "<id>"`` or ``"batch" : "<id>"``.
CSV
    * the ``Final Threshold`` row of the contest information becomes
      ``Precinct,<id>`` (``Batch,<id>``);
    * the action rows are labelled ``Eliminated†`` and ``Elected†``;
    * candidates keep the **contest's** row order (its round-1 tally), the same
      in every slice;
    * there is no ``Current Round Threshold`` row and no ``Residual surplus``
      row;
    * the sheet ends with ``†Elect/Eliminate decisions are from the full
      contest. All other results on this report are at the precinct level.``
      (``batch level``) after an empty line, before the tie-break footnote if
      there is one.

Files (``getFileStringForSlice``): the slice id with every character other
than ``A-Z a-z 0-9 _ - .`` replaced by ``_``, then ``_precinct`` or
``_batch``; a name already used gets ``_2``, ``_3``, …; they are written in
the folders ``Tabulate by Precinct`` and ``Tabulate by Batch``.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping

from selectorate.counting.result import CountResult
from selectorate.reports.rctab_csv import (
    _line,  # Commons CSV quoting of one row, shared with the contest sheet
    rctab_candidate_order,
    render_rctab_csv_passes,
)
from selectorate.reports.rctab_json import _emit, rctab_json_document

#: The folder RCTab writes each kind of slice report in.
SLICE_FOLDERS = {"precinct": "Tabulate by Precinct", "batch": "Tabulate by Batch"}
#: How the CSV's contest information names the slice (Java ``TabulateBySlice.toString``).
SLICE_LABELS = {"precinct": "Precinct", "batch": "Batch"}

_DROPPED_ROWS = ("Current Round Threshold", "Residual surplus")


def slice_footnote(kind: str) -> str:
    """The line RCTab ends every slice sheet with."""
    return (
        "†Elect/Eliminate decisions are from the full contest. "
        f"All other results on this report are at the {kind} level."
    )


def sanitize_for_file_name(text: str) -> str:
    """RCTab's ``sanitizeStringForOutput``: keep ``A-Za-z0-9_-.``, anything else becomes ``_``.

    Java replaces each UTF-16 unit, so a character outside the BMP gives two.
    """
    out = []
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch in "_-."):
            out.append(ch)
        else:
            out.append("__" if ord(ch) > 0xFFFF else "_")
    return "".join(out)


def slice_file_names(kind: str, slice_ids: list[str]) -> dict[str, str]:
    """Slice id -> RCTab's file string for it (``<sanitized id>_<kind>``, made unique)."""
    taken: set[str] = set()
    names: dict[str, str] = {}
    for sid in slice_ids:
        base = f"{sanitize_for_file_name(sid)}_{kind}"
        name, number = base, 2
        while name in taken:
            name = f"{base}_{number}"
            number += 1
        taken.add(name)
        names[sid] = name
    return names


def _passes(result: CountResult) -> list[CountResult]:
    return result.passes if result.passes and not result.rounds else [result]


def render_slice_json(
    slice_result: CountResult, contest_output: Mapping[str, object], kind: str, slice_id: str
) -> list[str]:
    """RCTab's detailed-report JSON of one slice, one document per pass."""
    docs = []
    for one in _passes(slice_result):
        document = rctab_json_document(one, contest_output)
        config = document["config"]
        assert isinstance(config, dict)
        config[kind] = slice_id
        docs.append(_emit(document, 0))
    return docs


def _first_cell(line: str) -> str:
    return next(csv.reader([line.rstrip("\n")]))[0] if line.strip() else ""


def _slice_sheet(sheet: str, overall: CountResult, kind: str, slice_id: str) -> str:
    lines = sheet.splitlines(keepends=True)
    firsts = [_first_cell(line) for line in lines]
    out: list[str] = []
    order = rctab_candidate_order(overall.rounds[0])
    start = firsts.index("Elected") + 1
    stop = firsts.index("Active Ballots")
    rows = {firsts[i]: lines[i] for i in range(start, stop)}
    if set(rows) != set(order):
        raise ValueError("the slice's candidates are not the contest's")
    footnote_at = len(lines)
    if firsts[-1].startswith("*Tie resolved"):
        footnote_at = len(lines) - 2  # an empty line, then the tie-break footnote
    for i, line in enumerate(lines):
        first = firsts[i]
        if i == footnote_at:
            out += ["\n", _line([slice_footnote(kind)])]
        if start <= i < stop:
            if i == start:
                out += [rows[name] for name in order]
            continue
        if first == "Final Threshold":
            out.append(_line([SLICE_LABELS[kind], slice_id]))
        elif first in ("Eliminated", "Elected"):
            out.append(first + "†" + line[len(first) :])
        elif first not in _DROPPED_ROWS:
            out.append(line)
    if footnote_at == len(lines):
        out += ["\n", _line([slice_footnote(kind)])]
    return "".join(out)


def render_slice_csv(
    slice_result: CountResult,
    overall: CountResult,
    contest_output: Mapping[str, object],
    kind: str,
    slice_id: str,
    *,
    generated_by: str | None = None,
) -> list[str]:
    """RCTab's detailed-report CSV of one slice, one sheet per pass.

    ``overall`` is the contest's result: its round-1 tally orders the rows.
    """
    sheets = render_rctab_csv_passes(slice_result, contest_output, generated_by=generated_by)
    contest = _passes(overall)
    if len(sheets) != len(contest):
        raise ValueError("the slice and the contest have different numbers of passes")
    return [
        _slice_sheet(sheet, one, kind, slice_id) for sheet, one in zip(sheets, contest, strict=True)
    ]


def slice_file_stem(contest_stem: str, file_string: str) -> str:
    """The file stem of a slice report written next to the contest report ``contest_stem``.

    RCTab names its reports ``<timestamp>_detailed_report`` and
    ``<timestamp>_<file string>_detailed_report``; a contest stem ending in
    ``detailed_report`` is treated the same way, any other gets
    ``_<file string>`` appended.
    """
    tail = "detailed_report"
    if contest_stem.endswith(tail):
        return f"{contest_stem[: -len(tail)]}{file_string}_{tail}"
    return f"{contest_stem}_{file_string}"
