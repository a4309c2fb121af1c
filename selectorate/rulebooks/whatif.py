"""What-if: replay a historical record under other rulebook versions, side by side.

A *record* is what happened (nominations per candidate, a trigger ballot's
branch votes, an NEC election's vote totals); a *scenario* is a set of rules
(a rulebook version, or a version with one rule changed, e.g. the nomination
threshold set to 5%, 10%, 15% and 20%). :func:`replay` runs the procedure once
per scenario and lines the results up: one row per candidate (or MP), one
column per scenario, each cell saying what the rules decided and by how many
the figure cleared or missed the threshold.

The record is held fixed: in a real contest under another threshold, people
would have nominated differently (in 2015 several MPs "lent" Jeremy Corbyn
their nominations to get him on the ballot). A replay answers "who would
these numbers have put on the ballot", not "who would have stood".

Records come from ``labour_history.json`` (shared/facts; see
:func:`history_records`) or from a record file in the procedure's own JSON
format (``leadership.record_from_dict``, ``trigger_ballot.record_from_dict``).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import msgspec

from selectorate.procedures import leadership, nec, trigger_ballot
from selectorate.procedures.outcome import Figure, Outcome
from selectorate.rulebooks import schema
from selectorate.rulebooks.document import list_rulebooks, load_rulebook
from selectorate.rulebooks.errors import RulebookError

__all__ = [
    "HISTORY_ENV",
    "Cell",
    "HistoryRecord",
    "Scenario",
    "WhatIf",
    "find_history",
    "history_records",
    "in_force",
    "load_history",
    "record_from_file",
    "render_text",
    "replay",
    "rule_change_timetable",
    "scenarios_from_rulebooks",
    "scenarios_varying",
]

Kind = Literal["nominations", "trigger", "nec"]

#: The procedure each kind of record is replayed under.
PROCEDURE: dict[str, str] = {
    "nominations": "leadership",
    "trigger": "trigger_ballot",
    "nec": "nec",
}

#: Environment variable naming labour_history.json when it is not found by itself.
HISTORY_ENV = "SELECTORATE_HISTORY"


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class NecRecord:
    """An NEC CLP-section election by bloc vote: vote totals per candidate."""

    id: str
    seats: int
    totals: dict[str, int]
    elected: list[str]
    #: False for a partial election (Jan 2018: three new seats only): seats stay as recorded.
    full_section: bool = True
    title: str = ""
    source: str = ""


@dataclass(slots=True)
class HistoryRecord:
    """One replayable record: what kind, when (to find the rulebook in force), the data."""

    id: str
    kind: Kind
    title: str
    when: date
    record: Any  # leadership.NominationRecord | trigger_ballot.TriggerRecord | NecRecord
    #: What happened, per subject, for the "actual" column (e.g. "on the ballot").
    actual: dict[str, str] = field(default_factory=dict)
    source: str = ""
    notes: list[str] = field(default_factory=list)


def find_history(explicit: str | Path | None = None) -> Path:
    """Where labour_history.json is: ``explicit``, else ``$SELECTORATE_HISTORY``, else a copy
    bundled as ``selectorate/data/labour_history.json``, else ``shared/facts/`` beside the
    source checkout. :class:`FileNotFoundError` naming the places looked at otherwise."""
    if explicit is not None:
        return Path(explicit)
    candidates: list[Path] = []
    env = os.environ.get(HISTORY_ENV)
    if env:
        candidates.append(Path(env))
    here = Path(__file__).resolve()
    candidates.append(here.parents[1] / "data" / "labour_history.json")
    candidates.append(here.parents[2].parent / "shared" / "facts" / "labour_history.json")
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        "labour_history.json not found (looked at "
        + ", ".join(str(p) for p in candidates)
        + f"); give --history PATH or set {HISTORY_ENV}"
    )



def _read_json(path: Path) -> object:
    """Parse the JSON file at ``path``; any failure is one RulebookError naming the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulebookError(path, "file", "no such file") from None
    except IsADirectoryError:
        raise RulebookError(path, "file", "is a folder, not a file") from None
    except OSError as exc:
        raise RulebookError(path, "file", f"cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RulebookError(path, "file", f"not a JSON file ({exc})") from None
    except RecursionError:
        raise RulebookError(path, "file", "not a usable JSON file (nested too deeply)") from None
    except ValueError as exc:  # a number too long for int() (more than 4,300 digits)
        raise RulebookError(path, "file", f"not a usable JSON file ({exc})") from None

def load_history(path: str | Path) -> dict[str, HistoryRecord]:
    """The replayable records of labour_history.json at ``path``, by id."""
    path = Path(path)
    data = _read_json(path)
    try:
        return history_records(data)
    except (KeyError, TypeError, ValueError, StopIteration) as exc:
        problem = f"not in labour_history.json's layout ({exc!r})"
        raise RulebookError(path, "file", problem) from None


def _by_id(items: Sequence[Mapping[str, Any]], record_id: str) -> Mapping[str, Any]:
    return next(x for x in items if x["id"] == record_id)


def history_records(data: Mapping[str, Any]) -> dict[str, HistoryRecord]:
    """Records built from labour_history.json's data (see the module docstring).

    Built: ``lab-leader-2015``, ``lab-leader-2016``, ``lab-leader-2020``,
    ``lab-deputy-2020`` (nominations), ``tb-2019-hull-north`` and
    ``tb-2019-barking`` (trigger ballots), and every bloc-vote NEC election
    with full results (``nec-clp-2012`` … ``nec-clp-2018-01-additional``).
    Figures the JSON flags as uncertain are carried with a note.
    """
    out: dict[str, HistoryRecord] = {}
    elections = data["labour_leadership_elections"]
    for rec in (_leader_2015(elections), _leader_2016(elections), _leader_2020(elections),
                _deputy_2020(elections)):  # fmt: skip
        out[rec.id] = rec
    for item in data["labour_trigger_ballots_and_selections"]:
        rec = _trigger(item)
        if rec is not None:
            out[rec.id] = rec
    for item in data["labour_nec_elections"]:
        if item.get("method") == "FPTP_BLOC" and "results" in item:
            nec_rec = NecRecord(
                id=item["id"], seats=item["seats"], totals=dict(item["results"]),
                elected=list(item["elected"]), full_section="additional" not in item["id"],
                title=f"NEC CLP section {item['id'].removeprefix('nec-clp-')}",
                source=_sources(item.get("source")),
            )  # fmt: skip
            declared = item.get("declared")
            year = int(item["id"].split("-")[2])
            out[item["id"]] = HistoryRecord(
                id=item["id"], kind="nec", title=nec_rec.title,
                when=date.fromisoformat(declared) if declared else date(year, 8, 1),
                record=nec_rec,
                actual={n: ("elected" if n in nec_rec.elected else "not elected")
                        for n in nec_rec.totals},
                source=nec_rec.source,
                notes=list(item.get("flags", [])) + ([item["note"]] if "note" in item else []),
            )  # fmt: skip
    return out


def _sources(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value or "")


def _leader_2015(elections: Sequence[Mapping[str, Any]]) -> HistoryRecord:
    e = _by_id(elections, "lab-leader-2015")
    noms = e["nominations"]
    clps = noms["clp_supporting"]["counts"]
    unions = noms["trade_unions_supporting"]["counts"]
    societies = noms["socialist_societies_supporting"]["counts"]
    candidates = []
    notes = [
        "Nominations closed 15 June 2015; the threshold applied was 35 (15% of 232 MPs).",
        "Cooper 59 and Kendall 41 are from the compiler's memory (UNVERIFIED); their sum with "
        "Burnham 68 and Corbyn 36 matches 232 MPs less 28 non-nominators.",
        "CLP and affiliate supporting nominations are Wikipedia-derived; in 2015 they had no "
        "effect. The CLP count (646) is the sum of that table including the 256 CLPs that "
        "nominated nobody.",
        "MEPs were not in the 2015 nominating pool; under later rules their nominations "
        "(unknown) would add to the candidates' figures.",
    ]
    for item in noms["plp"]:
        name = item["candidate"]
        if item["count"] is None:
            candidates.append(leadership.Nominee(name=name, withdrawn=True,
                                                 note=item.get("note", "")))  # fmt: skip
            continue
        candidates.append(
            leadership.Nominee(
                name=name, mps=item["count"], clps=clps.get(name),
                affiliate_count=unions.get(name, 0) + societies.get(name, 0),
                union_count=unions.get(name, 0),
                note="⚠ MP count unverified" if "UNVERIFIED" in item.get("flags", []) else "",
            )
        )  # fmt: skip
    pools = leadership.Pools(mps=e["nomination_rule"]["stage1"]["pool_size"], meps=20,
                             clps=sum(clps.values()))  # fmt: skip
    record = leadership.NominationRecord(
        candidates=candidates, pools=pools, office="leader", contest="vacancy",
        title="Labour leader 2015", source=_sources(e["nomination_rule"]["source"]),
    )  # fmt: skip
    actual = {c.name: ("withdrew" if c.withdrawn else "on the ballot") for c in candidates}
    return HistoryRecord("lab-leader-2015", "nominations", record.title, date(2015, 6, 15),
                         record, actual, record.source, notes)  # fmt: skip


def _leader_2016(elections: Sequence[Mapping[str, Any]]) -> HistoryRecord:
    e = _by_id(elections, "lab-leader-2016")
    noms = e["nominations"]
    final = [n for n in noms["plp_eplp"] if n["candidate"] == "Owen Smith"][-1]
    eagle = next(n for n in noms["plp_eplp"] if n["candidate"] == "Angela Eagle")
    clps = noms["clp_supporting"]["counts"]
    unions = noms["affiliates_supporting"]["trade_unions"]
    societies = noms["affiliates_supporting"]["socialist_societies"]
    pool = e["trigger"]["challenger_threshold"]["pool_size"]
    candidates = [
        leadership.Nominee(name="Jeremy Corbyn", clps=clps["Jeremy Corbyn"],
                           affiliate_count=unions["Jeremy Corbyn"] + societies["Jeremy Corbyn"],
                           union_count=unions["Jeremy Corbyn"],
                           note="incumbent; no nominations recorded"),
        leadership.Nominee(name="Owen Smith", mps=162, meps=10, clps=clps["Owen Smith"],
                           affiliate_count=unions["Owen Smith"] + societies["Owen Smith"],
                           union_count=unions["Owen Smith"],
                           note=f"final: {final['detail']} at {final['as_of']}"),
        leadership.Nominee(name="Angela Eagle", mps=eagle["count"], withdrawn=True,
                           note=f"{eagle['count']} MPs and MEPs when she withdrew, 19 July"),
    ]  # fmt: skip
    pools = leadership.Pools(mps=pool - 20, meps=20)
    record = leadership.NominationRecord(
        candidates=candidates, pools=pools, office="leader", contest="challenge",
        incumbent="Jeremy Corbyn", title="Labour leader 2016 (challenge)",
        source=_sources(e["trigger"]["source"]),
    )  # fmt: skip
    notes = [
        "The pool of 251 MPs and MEPs is split as 231 MPs + 20 MEPs (20 MEPs: Nov 2015).",
        "Eagle's count is as of 19 July (BBC: about 65); she is recorded as withdrawn.",
        "CLP and affiliate supporting nominations are Wikipedia-derived and garbled (UNCERTAIN).",
        "The NEC ruled 18-14 on 12 July 2016 that the incumbent is on the ballot automatically.",
    ]
    actual = {"Jeremy Corbyn": "on the ballot (incumbent)", "Owen Smith": "on the ballot",
              "Angela Eagle": "withdrew"}  # fmt: skip
    return HistoryRecord("lab-leader-2016", "nominations", record.title, date(2016, 7, 20),
                         record, actual, record.source, notes)  # fmt: skip


def _leader_2020(elections: Sequence[Mapping[str, Any]]) -> HistoryRecord:
    e = _by_id(elections, "lab-leader-2020")
    noms = e["nominations"]
    clps = {k: v for k, v in noms["clp_interim_2020-02-14_morning"].items() if k != "source"}
    affs = {k: v["affiliates"] for k, v in noms["clp_affiliate_interim_2020-02-11"].items()
            if k != "source"}  # fmt: skip
    candidates = []
    for item in noms["plp_eplp_final"]:
        name = item["candidate"]
        withdrew = "withdrew" in item.get("note", "")
        candidates.append(
            leadership.Nominee(name=name, mps=item["count"], clps=clps.get(name),
                               affiliate_count=affs.get(name), withdrawn=withdrew,
                               note=item.get("note", ""))
        )  # fmt: skip
    stage2 = e["nomination_rule"]["stage2_any_of"][0]
    pools = leadership.Pools(mps=202, meps=10, clps=stage2["pool_size"])
    record = leadership.NominationRecord(
        candidates=candidates, pools=pools, office="leader", contest="vacancy",
        mps_include_meps=True, title="Labour leader 2020",
        source=_sources(noms["plp_eplp_final_source"]),
    )  # fmt: skip
    notes = [
        "MP and MEP nominations are published as one figure per candidate (split unknown).",
        "CLP nominations are the interim counts of 14 Feb 2020 (morning); affiliate counts those "
        "of 11 Feb. Final totals were not verified. Jess Phillips withdrew during the CLP stage.",
        "Starmer: Guardian 88, binlabour and leaderscouncil 89 (CONFLICT); 88 is used.",
        "The affiliates route also needs 5% of the affiliated membership, not in the record: "
        "where it decides, the result is 'undetermined'.",
    ]
    actual = {"Keir Starmer": "on the ballot", "Rebecca Long-Bailey": "on the ballot",
              "Lisa Nandy": "on the ballot", "Jess Phillips": "withdrew (CLP stage)",
              "Emily Thornberry": "not on the ballot (CLP stage)",
              "Clive Lewis": "withdrew"}  # fmt: skip
    return HistoryRecord("lab-leader-2020", "nominations", record.title, date(2020, 1, 13),
                         record, actual, record.source, notes)  # fmt: skip


def _deputy_2020(elections: Sequence[Mapping[str, Any]]) -> HistoryRecord:
    e = _by_id(elections, "lab-deputy-2020")
    noms = e["nominations"]
    interim = noms["clp_affiliate_interim_2020-02-11"]
    candidates = []
    for name, count in noms["plp_eplp_final"].items():
        if isinstance(count, str):
            candidates.append(leadership.Nominee(name=name, withdrawn=True, note=count))
            continue
        stage2 = interim.get(name, {})
        candidates.append(
            leadership.Nominee(name=name, mps=count, clps=stage2.get("clps"),
                               affiliate_count=stage2.get("affiliates"),
                               note=f"qualified {stage2['qualified']} via {stage2['route']}"
                               if stage2 else "")
        )  # fmt: skip
    pools = leadership.Pools(mps=202, meps=10, clps=648)
    record = leadership.NominationRecord(
        candidates=candidates, pools=pools, office="deputy", contest="vacancy",
        mps_include_meps=True, title="Labour deputy leader 2020",
        source=_sources(noms["plp_eplp_source"]),
    )  # fmt: skip
    notes = [
        "MP and MEP nominations are published as one figure per candidate (split unknown).",
        "CLP and affiliate counts are the interim figures of 11 Feb 2020. Burgon and Rayner "
        "qualified through affiliates, whose membership share is not in the record.",
    ]
    actual = {c.name: ("withdrew" if c.withdrawn else "on the ballot") for c in candidates}
    return HistoryRecord("lab-deputy-2020", "nominations", record.title, date(2020, 1, 13),
                         record, actual, record.source, notes)  # fmt: skip


def _trigger(item: Mapping[str, Any]) -> HistoryRecord | None:
    if item["id"] == "tb-2019-hull-north":
        total, sel = item["branches_total"], item["branches_for_selection"]
        side = trigger_ballot.Side(for_selection=sel, for_mp=total - sel)
        notes = ["Only party branches are recorded (4 of 10 for a selection; one version of "
                 "the article says three). Affiliates' votes are not in the record."]  # fmt: skip
    elif item["id"] == "tb-2019-barking":
        side = trigger_ballot.Side(for_selection=item["branches_for_selection"],
                                   for_mp=item["branches_for_automatic"])  # fmt: skip
        notes = ["5 units for a selection and 6 for the MP, recorded as one side (the record "
                 "does not split branches from affiliates)."]  # fmt: skip
    else:
        return None
    record = trigger_ballot.TriggerRecord(
        mp=item["mp"], branches=side, clp=item.get("clp", ""),
        title=f"Trigger ballot 2019: {item['mp']}", source=_sources(item["source"]),
    )  # fmt: skip
    return HistoryRecord(item["id"], "trigger", record.title, date(2019, 9, 1), record,
                         {item["mp"]: "triggered"}, record.source, notes)  # fmt: skip


def record_from_file(path: str | Path, kind: Kind) -> HistoryRecord:
    """A record file in the procedure's own JSON format (see ``record_from_dict``)."""
    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, Mapping):
        raise RulebookError(path, "file", "a record is a JSON object")
    try:
        if kind == "nominations":
            record: Any = leadership.record_from_dict(data)
        elif kind == "trigger":
            record = trigger_ballot.record_from_dict(data)
        else:
            raise RulebookError(path, "file", "NEC records are read from labour_history.json")
    except ValueError as exc:
        raise RulebookError(path, getattr(exc, "where", "") or "record",
                            getattr(exc, "problem", str(exc))) from None  # fmt: skip
    title = getattr(record, "title", "") or path.stem
    source = getattr(record, "source", "")
    return HistoryRecord(path.stem, kind, title, date.min, record, {}, source)


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True, slots=True)
class Scenario:
    """One set of rules to replay under: a rulebook version, perhaps with one rule changed."""

    label: str  # the column heading
    rulebook: str  # the version the rules come from
    params: Any  # the procedure's Params
    change: str = ""  # e.g. "vacancy.parliamentary.rate = 10%"


def in_force(on: date, organisation: str = "Labour Party (UK)") -> str | None:
    """The adopted rulebook of ``organisation`` in force on ``on`` (latest effective_from)."""
    best = None
    for s in list_rulebooks():
        if s.organisation != organisation or s.status != "adopted":
            continue
        if s.effective_from <= on and (s.effective_to is None or on <= s.effective_to):
            if best is None or s.effective_from > best.effective_from:
                best = s
    return best.id if best is not None else None


def scenarios_from_rulebooks(ids: Sequence[str], procedure: str) -> list[Scenario]:
    """One scenario per rulebook version, each with its ``procedure`` params."""
    return [Scenario(rb, rb, load_rulebook(rb).procedure(procedure)) for rb in ids]


def _set_key(table: dict[str, Any], key: str, value: object) -> None:
    parts = key.split(".")
    here = table
    for part in parts[:-1]:
        nxt = here.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            here[part] = nxt
        here = nxt
    here[parts[-1]] = value


def scenarios_varying(
    rulebook: str, procedure: str, key: str, values: Sequence[object]
) -> list[Scenario]:
    """One scenario per value of ``key`` (a dotted key of ``procedure``) over ``rulebook``."""
    book = load_rulebook(rulebook)
    base = book.data[procedure] if procedure in book.data else book.procedure(procedure)
    params_type = type(book.procedure(procedure))
    out = []
    for value in values:
        data = copy.deepcopy(_plain(base))
        _set_key(data, key, value)
        where = f"{rulebook}/{procedure}.toml"

        def on_error(at: str, problem: str, _segments: list[str], value: object = value,
                     where: str = where) -> RulebookError:  # fmt: skip
            return RulebookError(where, at, f"{problem} (scenario {key} = {value})")

        params = schema.convert(data, params_type, on_error=on_error)
        out.append(Scenario(str(value), rulebook, params, f"{key} = {value}"))
    return out


def _plain(value: Any) -> Any:
    """Mappings as dicts, sequences as lists (the loader may hand back read-only views)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


#: The rule ``--thresholds`` varies, per kind of record (and contest).
def threshold_key(record: HistoryRecord) -> str:
    """The dotted key that holds the threshold the record's procedure turns on."""
    if record.kind == "nominations":
        contest = record.record.contest
        return f"{contest}.parliamentary.rate"
    if record.kind == "trigger":
        return "threshold"
    raise ValueError("an NEC election has no threshold to vary; compare rulebook versions")


# --------------------------------------------------------------------------- replaying


@dataclass(slots=True)
class Cell:
    """One subject under one scenario: the decision, the figure, what was needed, the margin."""

    scenario: str
    subject: str
    decision: str
    have: str = ""
    needed: str = ""
    margin: int | None = None

    def text(self) -> str:
        """``"on  +33"``, ``"off  -6"``, ``"triggered 4/10 (≥4)"``."""
        word = _WORDS.get(self.decision, self.decision)
        if self.margin is None:
            return word
        text = f"{word} {self.margin:+d}"
        if self.margin >= 0 and self.decision in ("not_nominated", "undetermined"):
            text += " (stage 2)"  # enough MPs; the supporting nominations fail or are unknown
        return text

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"scenario": self.scenario, "subject": self.subject, "decision": self.decision,
                "have": self.have, "needed": self.needed, "margin": self.margin}  # fmt: skip


_WORDS = {
    "nominated": "on",
    "not_nominated": "off",
    "withdrawn": "withdrew",
    "undetermined": "?",
    "elected": "elected",
    "not elected": "-",
    "triggered": "triggered",
    "not_triggered": "not triggered",
}


@dataclass(slots=True)
class WhatIf:
    """A record replayed under several scenarios: outcomes and the side-by-side cells."""

    record: HistoryRecord
    scenarios: list[Scenario]
    outcomes: list[Outcome]
    subjects: list[str]
    cells: list[Cell]
    #: Per-scenario headline figures (e.g. the threshold), as (name, one value per scenario).
    headlines: list[tuple[str, list[str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def cell(self, scenario: str, subject: str) -> Cell:
        """The cell for ``subject`` under the scenario labelled ``scenario``."""
        return next(c for c in self.cells if c.scenario == scenario and c.subject == subject)

    def rows(self) -> list[dict[str, object]]:
        """One row per subject: its figure and each scenario's cell text (for tables)."""
        out = []
        for subject in self.subjects:
            row: dict[str, object] = {"subject": subject}
            first = self.cell(self.scenarios[0].label, subject)
            row["figure"] = first.have
            for s in self.scenarios:
                row[s.label] = self.cell(s.label, subject).text()
            if self.record.actual:
                row["actual"] = self.record.actual.get(subject, "")
            out.append(row)
        return out

    def to_dict(self) -> dict[str, object]:
        """The whole replay, JSON-ready and deterministic."""
        return {
            "record": self.record.id,
            "kind": self.record.kind,
            "title": self.record.title,
            "source": self.record.source,
            "scenarios": [{"label": s.label, "rulebook": s.rulebook, "change": s.change}
                          for s in self.scenarios],  # fmt: skip
            "headlines": [{"name": n, "values": v} for n, v in self.headlines],
            "rows": self.rows(),
            "cells": [c.to_dict() for c in self.cells],
            "outcomes": [o.to_dict() for o in self.outcomes],
            "notes": list(self.notes),
        }


def replay(record: HistoryRecord, scenarios: Sequence[Scenario]) -> WhatIf:
    """Run ``record``'s procedure under each scenario and line the results up."""
    if not scenarios:
        raise ValueError("no scenarios to replay under")
    if record.kind == "nominations":
        return _replay_nominations(record, scenarios)
    if record.kind == "trigger":
        return _replay_trigger(record, scenarios)
    return _replay_nec(record, scenarios)


def _figure(outcome: Outcome, *names: str) -> Figure | None:
    return next((f for f in outcome.figures if f.name in names), None)


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _replay_nominations(record: HistoryRecord, scenarios: Sequence[Scenario]) -> WhatIf:
    rec: leadership.NominationRecord = record.record
    outcomes = [leadership.nominations_outcome(s.params, rec, rulebook=s.rulebook)
                for s in scenarios]  # fmt: skip
    subjects = [c.name for c in rec.candidates]
    cells = []
    threshold_row: list[str] = []
    stage2_row: list[str] = []
    explained: list[str] = []
    for s, out in zip(scenarios, outcomes, strict=True):
        need = _figure(out, "parliamentary nominations needed")
        threshold_row.append(need.value if need else "none")
        if need is not None:
            explained.append(f"{s.label}: {need.value} MP nominations needed, {need.how}")
        clp = _figure(out, "CLP nominations needed")
        stage2_row.append(f"{clp.value} CLPs or affiliates" if clp else "none")
        for d in out.details:
            fig = _figure(d, "MP nominations", "MP and MEP nominations")
            have = fig.value if fig else "-"
            needed = fig.how.removeprefix("needed ") if fig else ""
            h, n = _int(have), _int(needed)
            margin = h - n if h is not None and n is not None else None
            if d.decision == "withdrawn" or (d.decision == "nominated" and fig is None):
                margin = None  # an incumbent on the ballot, or a withdrawal: no margin
            cells.append(Cell(s.label, d.subject, d.decision, have, needed, margin))
    headlines = [("rulebook", [s.rulebook for s in scenarios]),
                 ("MP nominations needed", threshold_row)]  # fmt: skip
    if any(v != "none" for v in stage2_row):
        headlines.append(("then CLP nominations needed", stage2_row))
    headlines.append(("on the ballot", [_on_ballot(o) for o in outcomes]))
    return WhatIf(record, list(scenarios), outcomes, subjects, cells, headlines,
                  explained + _notes(record, scenarios))  # fmt: skip


def _on_ballot(outcome: Outcome) -> str:
    on = [d.subject for d in outcome.details if d.decision == "nominated"]
    unknown = [d.subject for d in outcome.details if d.decision == "undetermined"]
    text = str(len(on))
    return text + (f" (+{len(unknown)} undetermined)" if unknown else "")


def _replay_trigger(record: HistoryRecord, scenarios: Sequence[Scenario]) -> WhatIf:
    rec: trigger_ballot.TriggerRecord = record.record
    outcomes = [trigger_ballot.trigger_ballot_outcome(s.params, rec, rulebook=s.rulebook)
                for s in scenarios]  # fmt: skip
    cells = []
    rules = []
    figures = []
    sel = rec.branches.for_selection + rec.affiliates.for_selection
    mp = rec.branches.for_mp + rec.affiliates.for_mp
    for s, out in zip(scenarios, outcomes, strict=True):
        fig = out.figures[0] if out.figures else None
        have = fig.value if fig else ""
        needed = fig.how.removeprefix("needed ") if fig else ""
        rules.append(_trigger_rule(s.params))
        figures.append(f"{have}, need {needed.rsplit(' ', 1)[-1]}" if fig else "")
        cells.append(Cell(s.label, rec.mp, out.decision, f"{sel} sel. / {mp} MP", needed, None))
    headlines = [("rulebook", [s.rulebook for s in scenarios]), ("rule", rules),
                 ("counted", figures)]  # fmt: skip
    return WhatIf(record, list(scenarios), outcomes, [rec.mp], cells, headlines,
                  _notes(record, scenarios))  # fmt: skip


def _trigger_rule(params: trigger_ballot.Params) -> str:
    """``"selection if ≥1/3 (any side)"`` / ``"MP kept if >1/2 (pooled)"``."""
    op = "≥" if params.comparison == "at_least" else ">"
    side = {"pooled": "pooled", "any": "either side", "all": "both sides"}[params.combinator]
    if params.measure == "for_selection":
        return f"selection if {op}{params.threshold} ask ({side})"
    return f"MP kept if {op}{params.threshold} back ({side})"


def _replay_nec(record: HistoryRecord, scenarios: Sequence[Scenario]) -> WhatIf:
    rec: NecRecord = record.record
    outcomes = []
    cells = []
    for s in scenarios:
        params: nec.Params = s.params
        if params.method != "block":
            params = msgspec.structs.replace(params, method="block")
        if not rec.full_section:
            params = msgspec.structs.replace(params, seats=rec.seats)
        out = nec.elect_by_totals(params, rec.totals, rulebook=s.rulebook)
        if s.params.method != "block":
            out.reasons.insert(0, f"{s.rulebook} elects by STV: replayed here as a bloc vote "
                                  "of the same totals (STV needs the ballots)")  # fmt: skip
        outcomes.append(out)
        places = {d.subject: d for d in out.details}
        last_in = min((int(_figure(d, "votes").value) for d in out.details  # type: ignore[union-attr]
                       if d.decision == "elected"), default=0)  # fmt: skip
        for name in rec.totals:
            d = places[name]
            votes = rec.totals[name]
            cells.append(Cell(s.label, name, d.decision, str(votes), str(last_in), None))
    seats = [str(o.figures[0].value) for o in outcomes]
    headlines = [("rulebook", [s.rulebook for s in scenarios]), ("seats", seats),
                 ("method in the rulebook", [s.params.method for s in scenarios])]  # fmt: skip
    return WhatIf(record, list(scenarios), outcomes, list(rec.totals), cells, headlines,
                  _notes(record, scenarios))  # fmt: skip


def _notes(record: HistoryRecord, scenarios: Sequence[Scenario]) -> list[str]:
    notes = ["The record is held fixed: under other rules people might have nominated or voted "
             "differently."] + list(record.notes)  # fmt: skip
    changes = [f"{s.label}: {s.change}" for s in scenarios if s.change]
    if changes:
        notes.append("Scenarios over " + scenarios[0].rulebook + ": " + "; ".join(changes))
    return notes


# --------------------------------------------------------------------------- rule changes


@dataclass(frozen=True, slots=True)
class TimetableRow:
    """When a rule change submitted in ``submitted`` reaches conference, under the rules then."""

    submitted: int
    rulebook: str
    one_year_rule: bool
    conference: int | None
    outcome: Outcome


def rule_change_timetable(
    years: Sequence[int],
    *,
    proposer: Literal["clp", "affiliate", "nec"] = "clp",
    organisation: str = "Labour Party (UK)",
    submitted_on: tuple[int, int] = (6, 1),
) -> list[TimetableRow]:
    """For each year, the conference that debates a rule change submitted that year.

    The rules are those of the rulebook in force on the submission date
    (``submitted_on`` = (month, day), by default 1 June: before that year's
    conference, which may change the rules only from its close).
    """
    from selectorate.procedures import conference

    rows = []
    for year in years:
        rid = in_force(date(year, *submitted_on), organisation)
        if rid is None:
            raise ValueError(f"no {organisation} rulebook in force in {year}")
        params: conference.Params = load_rulebook(rid).procedure("conference")
        out = conference.rule_change_timetable(params, submitted=year, proposer=proposer,
                                               rulebook=rid)  # fmt: skip
        when = next((int(f.value) for f in out.figures if f.name == "conference"), None)
        rows.append(TimetableRow(year, rid, params.rule_changes.one_year_rule, when, out))
    return rows


# --------------------------------------------------------------------------- text


def render_text(whatif: WhatIf) -> str:
    """The side-by-side table as plain text (deterministic; no terminal codes)."""
    labels = [s.label for s in whatif.scenarios]
    first_col = {"nominations": "candidate", "trigger": "MP", "nec": "candidate"}[
        whatif.record.kind
    ]
    figure_col = {"nominations": "nominations", "trigger": "units", "nec": "votes"}[
        whatif.record.kind
    ]
    header = [first_col, figure_col, *labels] + (["actual"] if whatif.record.actual else [])
    body = []
    for row in whatif.rows():
        line = [str(row["subject"]), str(row["figure"])] + [str(row[lab]) for lab in labels]
        if whatif.record.actual:
            line.append(str(row.get("actual", "")))
        body.append(line)
    head_rows = [[name, "", *values] + ([""] if whatif.record.actual else [])
                 for name, values in whatif.headlines]  # fmt: skip
    widths = [max(len(r[i]) for r in [header, *head_rows, *body]) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    lines = [f"What if: {whatif.record.title} ({whatif.record.id})", ""]
    lines += [fmt(r) for r in head_rows]
    lines += [rule, fmt(header), rule]
    lines += [fmt(r) for r in body]
    lines.append("")
    lines.append(
        {"nominations": "on/off: on the ballot or not, with the margin over (+) or under (-) "
                        "the parliamentary threshold; ?: the record does not establish it.",
         "trigger": "triggered: a selection proceeds; not triggered: the MP is reselected.",
         "nec": "elected / -: elected or not under the scenario's seats and rules."}[
            whatif.record.kind]
    )  # fmt: skip
    for note in whatif.notes:
        lines.append(f"note: {note}")
    if whatif.record.source:
        lines.append(f"source: {whatif.record.source}")
    return "\n".join(lines) + "\n"
