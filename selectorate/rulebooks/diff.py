"""Comparing two rulebook versions rule by rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from selectorate.rulebooks.document import (
    MISSING,
    Origin,
    Rulebook,
    flatten,
    load_rulebook,
    to_json,
)


@dataclass(frozen=True, slots=True)
class Change:
    """One setting that differs between two versions.

    ``section`` is a procedure name, or ``"organisation"`` for the structure;
    ``before``/``after`` are :data:`~selectorate.rulebooks.document.MISSING`
    when the key exists on one side only; ``origin`` is where the newer value
    comes from (the amendment or file of the second version's lineage).
    """

    section: str
    key: str
    before: Any
    after: Any
    origin: Origin | None

    @property
    def kind(self) -> str:
        """``added``, ``removed`` or ``changed``."""
        if self.before is MISSING:
            return "added"
        if self.after is MISSING:
            return "removed"
        return "changed"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (absent values as null)."""
        return {
            "section": self.section,
            "key": self.key,
            "change": self.kind,
            "before": to_json(self.before),
            "after": to_json(self.after),
            "origin": self.origin.to_dict() if self.origin is not None else None,
        }


def _leaves(table: Mapping[str, Any]) -> dict[str, Any]:
    return dict(flatten(table))


def _compare(
    section: str, a: Mapping[str, Any], b: Mapping[str, Any]
) -> list[tuple[str, str, Any, Any]]:
    left, right = _leaves(a), _leaves(b)
    keys = list(left) + [k for k in right if k not in left]
    out = []
    for key in keys:
        before, after = left.get(key, MISSING), right.get(key, MISSING)
        if before is MISSING or after is MISSING or not _same(before, after):
            out.append((section, key, before, after))
    return out


def _same(a: Any, b: Any) -> bool:
    # 1 == True in Python; a rulebook that turns a count into a switch has changed.
    return type(a) is type(b) and a == b


def diff(a: Rulebook | str, b: Rulebook | str) -> list[Change]:
    """Every setting that differs from version ``a`` to version ``b``.

    Procedures in name order, then the organisation's structure; within each,
    keys in file order (``a``'s, then keys only ``b`` has). Rulebooks may be
    given by id or path.
    """
    first = a if isinstance(a, Rulebook) else load_rulebook(a)
    second = b if isinstance(b, Rulebook) else load_rulebook(b)
    raw: list[tuple[str, str, Any, Any]] = []
    for name in sorted(set(first.data) | set(second.data)):
        raw.extend(_compare(name, first.data.get(name, {}), second.data.get(name, {})))
    raw.extend(_compare("organisation", first.organisation_data, second.organisation_data))
    changes = []
    for section, key, before, after in raw:
        origin = None
        if section != "organisation" and section in second.data:
            origin = second.origin(section, key)
        changes.append(Change(section, key, before, after, origin))
    return changes
