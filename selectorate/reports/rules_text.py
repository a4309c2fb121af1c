"""The rule options of a count in words, for the head of a result sheet.

``CountResult.options`` records every option the method counted by, defaults
included, so that ``selectorate verify`` can recount it. A reader of the
sheet needs less: the options that differ from the method's defaults, and the
STV constraints in words. :func:`rules_rows` gives ``(label, text)`` rows:
``("Rules", "seed=42, tiebreak=prn")``, ``("Minimum", "women: at least 2 of
Ann, Beth, Cara")``, ``("Withdrawn", "stage 3: Dee")``, ``("Lot order", ...)``.
Seats have their own line on every sheet and are left out here. The rows are
deterministic: scalar options sorted by key, minimums in the recorded order,
withdrawals by stage.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from fractions import Fraction

from selectorate.counting import registry
from selectorate.counting.rctab_engine import RctabOptions
from selectorate.counting.result import CountResult
from selectorate.reports.numbers import format_fraction

#: Options shown on rows of their own (or, for seats, on the sheet's Seats line).
_OWN_ROWS = ("seats", "minimums", "withdrawals", "lot_order")


def option_text(value: object) -> str:
    """One option value as text: exact fractions in decimals, lists comma-separated."""
    if isinstance(value, Fraction):
        return format_fraction(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(option_text(v) for v in value) + "]"
    return str(value)


def _defaults(method: str) -> dict[str, object]:
    """The method's default option values, where they can be known (else empty)."""
    defaults: dict[str, object] = {}
    try:
        function = registry.get(method).function
    except KeyError:
        return defaults
    params = inspect.signature(function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        # The RCTab-rule methods take **options and fill in RctabOptions' defaults.
        defaults.update({f.name: f.default for f in dataclasses.fields(RctabOptions)})
    for name, param in params.items():
        if param.default is not inspect.Parameter.empty:
            defaults[name] = param.default
    return defaults


def _is_default(key: str, value: object, defaults: Mapping[str, object]) -> bool:
    if key not in defaults:
        return False
    default = defaults[key]
    # True == 1 in Python; a flag is a default only when both are flags.
    return isinstance(value, bool) == isinstance(default, bool) and value == default


def _minimum_text(record: object) -> str:
    if isinstance(record, Mapping):
        members = record.get("members", [])
        names = ", ".join(str(m) for m in members) if isinstance(members, list | tuple) else members
        return f"{record.get('name')}: at least {record.get('minimum')} of {names}"
    return option_text(record)


def _stage_key(item: tuple[object, object]) -> tuple[int, str]:
    stage = item[0]
    text = str(stage)
    return (int(text), text) if text.isdecimal() else (0, text)


def rules_rows(result: CountResult) -> list[tuple[str, str]]:
    """The sheet's rows for ``result.options``; see the module docstring."""
    options = result.options
    defaults = _defaults(result.method)
    scalars = [
        f"{key}={option_text(options[key])}"
        for key in sorted(options)
        if key not in _OWN_ROWS
        and not _is_default(key, options[key], defaults)
    ]
    rows: list[tuple[str, str]] = []
    if scalars:
        rows.append(("Rules", ", ".join(scalars)))
    minimums = options.get("minimums") or []
    for record in minimums if isinstance(minimums, list | tuple) else [minimums]:
        rows.append(("Minimum", _minimum_text(record)))
    withdrawals = options.get("withdrawals") or {}
    if isinstance(withdrawals, Mapping):
        for stage, names in sorted(withdrawals.items(), key=_stage_key):
            who = ", ".join(str(n) for n in names) if isinstance(names, list | tuple) else names
            rows.append(("Withdrawn", f"stage {stage}: {who}"))
    lot_order = options.get("lot_order")
    if lot_order:
        rows.append(("Lot order", option_text(lot_order).strip("[]")))
    return rows
