"""Small pieces the party procedures share: rate validation, three-valued tests, record parsing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from selectorate.procedures.numbers import parse_rate

#: A test whose answer may not be known from the record: True, False or None (unknown).
Tri = bool | None


def check_rate(field: str, value: str | None) -> None:
    """Raise ``ValueError("field: problem")`` unless ``value`` is None or a rate."""
    if value is None:
        return
    try:
        parse_rate(value)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None


def rate_or_none(value: str | None) -> Fraction | None:
    """The parsed rate, or None."""
    return None if value is None else parse_rate(value)


def check_choice(field: str, value: str, allowed: Sequence[str]) -> None:
    """Raise ``ValueError("field: ...")`` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{field}: {value!r} is not one of {', '.join(allowed)}")


def all_of(tests: Iterable[Tri]) -> Tri:
    """Three-valued AND: False if any is False, else None if any is unknown, else True."""
    seen_unknown = False
    for t in tests:
        if t is False:
            return False
        if t is None:
            seen_unknown = True
    return None if seen_unknown else True


def any_of(tests: Iterable[Tri]) -> Tri:
    """Three-valued OR: True if any is True, else None if any is unknown, else False."""
    seen_unknown = False
    for t in tests:
        if t is True:
            return True
        if t is None:
            seen_unknown = True
    return None if seen_unknown else False


def join_names(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if not names:
        return "nobody"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


class RecordError(ValueError):
    """A record (nominations, branch votes) that cannot be read: ``where: problem``."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}" if where else problem)


def get_int(
    data: Mapping[str, object], key: str, where: str, *, optional: bool = True
) -> int | None:
    """``data[key]`` as a non-negative whole number (None when absent and optional)."""
    value = data.get(key)
    if value is None:
        if optional:
            return None
        raise RecordError(where, f"{key!r} is required")
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        raise RecordError(where, f"{key!r} must be a whole number, not {value!r}")
    if value < 0:
        raise RecordError(where, f"{key!r} cannot be negative ({value})")
    return value


def get_str(data: Mapping[str, object], key: str, where: str, default: str | None = None) -> str:
    """``data[key]`` as text (``default`` when absent; required when ``default`` is None)."""
    value = data.get(key)
    if value is None:
        if default is None:
            raise RecordError(where, f"{key!r} is required")
        return default
    if not isinstance(value, str):
        raise RecordError(where, f"{key!r} must be text, not {value!r}")
    return value


def get_bool(data: Mapping[str, object], key: str, where: str, default: bool = False) -> bool:
    """``data[key]`` as true/false (also "yes"/"no", "1"/"0" from a CSV cell)."""
    value = data.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "y"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "n"):
        return False
    raise RecordError(where, f"{key!r} must be true or false, not {value!r}")


def check_keys(data: Mapping[str, object], allowed: Iterable[str], where: str) -> None:
    """Refuse unknown keys, so a misspelt field is an error rather than silently ignored."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise RecordError(where, f"unknown field(s) {', '.join(map(repr, unknown))}")
