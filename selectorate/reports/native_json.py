"""selectorate's own JSON result (``"format": "selectorate-result"``, version 1).

The document is specified in ``docs/result-json.md``. In short: every vote
value is a JSON *string* holding the exact value: a decimal when the value has
one (``"266"``, ``"2.2501"``), else an exact fraction ``"p/q"`` (``"1/3"``).
``fractions.Fraction(text)`` reads both forms back, so nothing is lost, and
no reader is tempted into binary floating point.

Keys come in a fixed, documented order (candidate order for tallies), so the
same result always gives byte-identical output. :func:`load_result_json`
reads a document back into an equal :class:`CountResult`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

from selectorate.counting.result import (
    INACTIVE_CAUSES,
    Action,
    CountResult,
    Round,
    TieBreak,
)
from selectorate.formats.errors import BallotFileError
from selectorate.reports.numbers import exact_string

FORMAT = "selectorate-result"
VERSION = 1


def _value(v: Fraction | int) -> str:
    return exact_string(Fraction(v))


def _values(mapping: Mapping[str, Fraction]) -> dict[str, str]:
    return {k: _value(v) for k, v in mapping.items()}


def _inactive_keys(mapping: Mapping[str, object]) -> list[str]:
    """The four causes first, in their fixed order, then any other key sorted."""
    keys = [c for c in INACTIVE_CAUSES if c in mapping]
    return keys + sorted(k for k in mapping if k not in INACTIVE_CAUSES)


def _inactive(mapping: Mapping[str, Fraction]) -> dict[str, str]:
    return {k: _value(mapping[k]) for k in _inactive_keys(mapping)}


def _option(value: object) -> object:
    """Encode an option value; fractions are tagged so they read back as fractions."""
    if isinstance(value, Fraction):
        return {"fraction": _value(value)}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple):
        return [_option(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _option(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return str(value)


def _decode_option(value: object) -> object:
    if isinstance(value, dict):
        if set(value) == {"fraction"}:
            return Fraction(value["fraction"])
        return {k: _decode_option(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_option(v) for v in value]
    return value


def _decode_options(options: Mapping[str, object]) -> dict[str, object]:
    """The ``options`` object read back. JSON keys are strings: the stages of the STV
    option ``withdrawals`` (``{stage: [names]}``) become whole numbers again, so the
    options can be passed straight back to the method."""
    out = {str(k): _decode_option(v) for k, v in options.items()}
    withdrawals = out.get("withdrawals")
    if isinstance(withdrawals, dict) and all(
        isinstance(k, str) and k.isdecimal() for k in withdrawals
    ):
        out["withdrawals"] = {int(k): v for k, v in withdrawals.items()}
    return out


def _round(rnd: Round) -> dict[str, object]:
    out: dict[str, object] = {
        "number": rnd.number,
        "tally": _values(rnd.tally),
        "threshold": None if rnd.threshold is None else _value(rnd.threshold),
        "inactive": _inactive(rnd.inactive),
        "residual_surplus": _value(rnd.residual_surplus),
        "actions": [
            {"kind": a.kind, "candidate": a.candidate, "transfers": _values(a.transfers)}
            for a in rnd.actions
        ],
        "tie_breaks": [
            {
                "purpose": t.purpose,
                "tied": list(t.tied),
                "chosen": t.chosen,
                "method": t.method,
                "detail": t.detail,
            }
            for t in rnd.tie_breaks
        ],
    }
    sections = getattr(rnd, "sections", None)
    if sections:
        out["sections"] = {name: _values(figures) for name, figures in sections.items()}
    scales = _scales_document(rnd)
    if scales is not None:
        out["display_scales"] = scales
    return out


def _scales_document(rnd: Round) -> dict[str, object] | None:
    """The print scales an RCTab-rule round carries (``RctabRound``), if any."""
    tally = getattr(rnd, "tally_scale", None)
    if tally is None:
        return None
    inactive = getattr(rnd, "inactive_scale", {})
    transfers = getattr(rnd, "transfer_scale", {})
    return {
        "tally": dict(tally),
        "inactive": {k: inactive[k] for k in _inactive_keys(inactive)},
        "threshold": getattr(rnd, "threshold_scale", 0),
        "transfers": [[a, b, transfers[(a, b)]] for a, b in transfers],
    }


def result_document(result: CountResult, *, top_level: bool = True) -> dict[str, object]:
    """The JSON document of ``result`` as Python objects (see ``docs/result-json.md``)."""
    doc: dict[str, object] = {}
    if top_level:
        doc["format"] = FORMAT
        doc["version"] = VERSION
    doc.update(
        {
            "title": result.title,
            "method": result.method,
            "seats": result.seats,
            "candidates": list(result.candidates),
            "elected": list(result.elected),
            "total_ballots": _value(result.total_ballots),
            "undervotes": _value(result.undervotes),
            "decimal_places": result.decimal_places,
            "final_threshold": (
                None if result.final_threshold is None else _value(result.final_threshold)
            ),
            "options": {k: _option(result.options[k]) for k in sorted(result.options)},
            "rounds": [_round(r) for r in result.rounds],
            "passes": [result_document(p, top_level=False) for p in result.passes],
            "notes": list(result.notes),
        }
    )
    return doc


def render_native_json(result: CountResult) -> str:
    """The JSON text of ``result``: UTF-8, two-space indent, ends with a newline."""
    return json.dumps(result_document(result), indent=2, ensure_ascii=False) + "\n"


class _Problem(Exception):
    pass


def _fraction(value: object, where: str) -> Fraction:
    if not isinstance(value, str):
        raise _Problem(f"{where}: expected an exact number as a string, got {value!r}")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise _Problem(f"{where}: {value!r} is not an exact number") from None


def _get(obj: object, key: str, where: str) -> object:
    if not isinstance(obj, dict) or key not in obj:
        raise _Problem(f"{where}: missing key {key!r}")
    return obj[key]


def _fractions(obj: object, where: str) -> dict[str, Fraction]:
    if not isinstance(obj, dict):
        raise _Problem(f"{where}: expected an object")
    return {str(k): _fraction(v, f"{where}.{k}") for k, v in obj.items()}


def _read_round(obj: object, where: str) -> Round:
    threshold = _get(obj, "threshold", where)
    rnd = Round(
        number=int(_get(obj, "number", where)),  # type: ignore[arg-type]
        tally=_fractions(_get(obj, "tally", where), f"{where}.tally"),
        threshold=None if threshold is None else _fraction(threshold, f"{where}.threshold"),
        inactive=_fractions(_get(obj, "inactive", where), f"{where}.inactive"),
        residual_surplus=_fraction(_get(obj, "residual_surplus", where), f"{where}.residual"),
    )
    for i, a in enumerate(_get(obj, "actions", where)):  # type: ignore[arg-type]
        w = f"{where}.actions[{i}]"
        rnd.actions.append(
            Action(
                kind=_get(a, "kind", w),  # type: ignore[arg-type]
                candidate=str(_get(a, "candidate", w)),
                transfers=_fractions(_get(a, "transfers", w), f"{w}.transfers"),
            )
        )
    for i, t in enumerate(_get(obj, "tie_breaks", where)):  # type: ignore[arg-type]
        w = f"{where}.tie_breaks[{i}]"
        rnd.tie_breaks.append(
            TieBreak(
                purpose=str(_get(t, "purpose", w)),
                tied=tuple(str(n) for n in _get(t, "tied", w)),  # type: ignore[union-attr]
                chosen=str(_get(t, "chosen", w)),
                method=str(_get(t, "method", w)),
                detail=str(t.get("detail", "")),  # type: ignore[union-attr]
            )
        )
    sections = obj.get("sections") if isinstance(obj, dict) else None
    if isinstance(sections, dict):
        rnd.sections = {
            str(name): _fractions(figures, f"{where}.sections.{name}")
            for name, figures in sections.items()
        }
    scales = obj.get("display_scales") if isinstance(obj, dict) else None
    if isinstance(scales, dict):
        rnd = _with_scales(rnd, scales)
    return rnd


def _with_scales(rnd: Round, scales: dict[str, object]) -> Round:
    """The round as an ``RctabRound`` carrying its RCTab print scales."""
    from selectorate.counting.rctab_engine import RctabRound

    fields = {name: getattr(rnd, name) for name in Round.__dataclass_fields__}
    return RctabRound(
        **fields,
        tally_scale={str(k): int(v) for k, v in scales.get("tally", {}).items()},  # type: ignore[union-attr]
        inactive_scale={str(k): int(v) for k, v in scales.get("inactive", {}).items()},  # type: ignore[union-attr]
        threshold_scale=int(scales.get("threshold", 0)),  # type: ignore[arg-type]
        transfer_scale={(str(a), str(b)): int(n) for a, b, n in scales.get("transfers", [])},  # type: ignore[union-attr]
    )


def _read_result(obj: object, where: str) -> CountResult:
    places = _get(obj, "decimal_places", where)
    options = _get(obj, "options", where)
    if not isinstance(options, dict):
        raise _Problem(f"{where}.options: expected an object")
    return CountResult(
        method=str(_get(obj, "method", where)),
        candidates=[str(c) for c in _get(obj, "candidates", where)],  # type: ignore[union-attr]
        seats=int(_get(obj, "seats", where)),  # type: ignore[arg-type]
        elected=[str(c) for c in _get(obj, "elected", where)],  # type: ignore[union-attr]
        rounds=[
            _read_round(r, f"{where}.rounds[{i}]")
            for i, r in enumerate(_get(obj, "rounds", where))  # type: ignore[arg-type]
        ],
        total_ballots=_fraction(_get(obj, "total_ballots", where), f"{where}.total_ballots"),
        undervotes=_fraction(_get(obj, "undervotes", where), f"{where}.undervotes"),
        title=str(_get(obj, "title", where)),
        decimal_places=None if places is None else int(places),  # type: ignore[arg-type]
        options=_decode_options(options),
        passes=[
            _read_result(p, f"{where}.passes[{i}]")
            for i, p in enumerate(_get(obj, "passes", where))  # type: ignore[arg-type]
        ],
        notes=[str(n) for n in _get(obj, "notes", where)],  # type: ignore[union-attr]
    )


def load_result_json(source: str | bytes | os.PathLike[str]) -> CountResult:
    """Read a selectorate result document back into a :class:`CountResult`.

    ``source`` is the JSON text (``str`` or ``bytes``) or the path of a file.
    A document that is not a version-1 selectorate result raises
    :class:`~selectorate.formats.errors.BallotFileError` naming what is wrong.
    """
    path: str | None = None
    if isinstance(source, os.PathLike):
        path = os.fspath(source)
        try:
            text: str | bytes = Path(path).read_bytes()
        except OSError as exc:
            raise BallotFileError(path, None, exc.strerror or str(exc)) from None
    else:
        text = source
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise BallotFileError(path, line, f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BallotFileError(path, None, f'not a selectorate result (no "format": "{FORMAT}")')
    if doc.get("version") != VERSION:
        raise BallotFileError(
            path, None, f"unsupported result version {doc.get('version')!r} (this reads {VERSION})"
        )
    try:
        return _read_result(doc, "result")
    except (_Problem, TypeError, ValueError) as exc:
        raise BallotFileError(path, None, str(exc)) from None
