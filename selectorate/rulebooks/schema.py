"""Checking TOML data against a ``msgspec.Struct``, with errors that name the key.

``msgspec`` reports a validation problem as ``Expected `int`, got `str` - at
`$.vacancy.rate```; :func:`convert` turns that into a :class:`RulebookError`
whose key is the dotted key a reader sees in the file (``vacancy.rate``; list
positions counted from 1, ``routes[2].rate``) and whose problem is plain
English naming the offending value.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from fractions import Fraction
from typing import Any

import msgspec
from msgspec import inspect as mi

from selectorate.rulebooks.errors import RulebookError

#: msgspec's wording of a type -> how a rulebook author would say it.
_TYPE_WORDS = {
    "int": "an integer",
    "str": "a string",
    "bool": "true or false",
    "float": "a number",
    "array": "a list",
    "object": "a table",
    "null": "nothing",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date and time",
    "time": "a time",
    "decimal": "a decimal number",
}

_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")


def _describe_type(word: str) -> str:
    words = [w.strip() for w in word.split("|")]
    named = [_TYPE_WORDS.get(w, w) for w in words if w != "null"] or ["nothing"]
    return " or ".join(named)


def show_value(value: object) -> str:
    """A value as it would be written in TOML (strings quoted, dates ISO, lists bracketed)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, Fraction):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {show_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def type_word(value: object) -> str:
    """How a rulebook author would name the type of ``value``."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return type(value).__name__


def _unwrap(tp: Any) -> list[Any]:
    """The alternatives of a union (``X | None``), or ``[tp]``."""
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return [a for a in typing.get_args(tp) if a is not type(None)]
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    return [tp]


def _struct_hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception:  # an unresolved forward reference: fall back to raw annotations
        return dict(getattr(cls, "__annotations__", {}))


def _encode_names(cls: type) -> dict[str, str]:
    """Encoded (file) name -> attribute name of a Struct's fields."""
    info = mi.type_info(cls)
    if not isinstance(info, mi.StructType):
        return {}
    return {f.encode_name: f.name for f in info.fields}


def struct_of(tp: Any) -> type | None:
    """The Struct class among the alternatives of ``tp`` (``X | None`` -> ``X``), if any."""
    for alt in _unwrap(tp):
        if isinstance(alt, type) and issubclass(alt, msgspec.Struct):
            return alt
    return None


def field_names(tp: Any) -> list[str] | None:
    """The keys a table of type ``tp`` may hold (in declaration order), or None if any key goes."""
    cls = struct_of(tp)
    if cls is None:
        return None
    return list(_encode_names(cls))


def child_type(tp: Any, key: str) -> tuple[bool, Any]:
    """``(known, type)`` of entry ``key`` inside a table of type ``tp``.

    ``known`` is False when ``tp`` is a Struct without such a field; a
    ``dict[str, X]`` accepts every key (type ``X``); other types have no keys.
    """
    cls = struct_of(tp)
    if cls is not None:
        names = _encode_names(cls)
        if key not in names:
            return False, None
        return True, _struct_hints(cls).get(names[key], Any)
    for alt in _unwrap(tp):
        if typing.get_origin(alt) is dict or alt is dict:
            args = typing.get_args(alt)
            return True, args[1] if len(args) == 2 else Any
    if tp is Any:
        return True, Any
    return False, None


def _item_type(tp: Any) -> Any:
    for alt in _unwrap(tp):
        if typing.get_origin(alt) in (list, tuple, set, frozenset):
            args = typing.get_args(alt)
            return args[0] if args else Any
    return Any


def convert(
    data: Mapping[str, Any],
    type_: type,
    *,
    dec_hook: Callable[[type, Any], Any] | None = None,
    on_error: Callable[[str, str, list[str]], RulebookError],
) -> Any:
    """``msgspec.convert(data, type_)``; a failure becomes ``on_error(key, problem, segments)``.

    ``key`` is the dotted key in the file (lists counted from 1); ``segments``
    are its parts without list positions, for finding where the value came
    from. ``on_error`` builds the error, which is raised.
    """
    try:
        return msgspec.convert(data, type_, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        key, problem, segments = explain(str(exc), data, type_, dec_hook)
        raise on_error(key, problem, segments) from None


def explain(
    message: str, data: Any, type_: Any, dec_hook: Callable[[type, Any], Any] | None = None
) -> tuple[str, str, list[str]]:
    """Turn msgspec's ``message`` about ``data`` into ``(dotted key, problem, plain segments)``."""
    match = _AT.match(message.strip())
    assert match is not None  # the pattern matches every string
    text = match.group("message")
    raw_path = match.group("path") or ""
    parts: list[str] = []  # for display: "routes[2]" style
    plain: list[str] = []  # keys only, for provenance
    value: Any = data
    tp: Any = type_
    for m in _SEGMENT.finditer(raw_path):
        name, index = m.group(1), m.group(2)
        if name is not None:
            parts.append(name)
            plain.append(name)
            value = value.get(name) if isinstance(value, Mapping) else None
            tp = child_type(tp, name)[1]
        elif index == "...":
            # msgspec hides dict keys; find the first entry that fails on its own.
            key, value, tp = _failing_entry(value, tp, dec_hook)
            parts.append(key)
            plain.append(key)
        else:
            i = int(index)
            if parts:
                parts[-1] = f"{parts[-1]}[{i + 1}]"
            else:
                parts.append(f"[{i + 1}]")
            value = value[i] if isinstance(value, list) and i < len(value) else None
            tp = _item_type(tp)
    problem = text
    key = ".".join(parts)
    if m2 := re.match(r"Object contains unknown field `(.*)`$", text):
        name = m2.group(1)
        key = ".".join([*parts, name])
        plain.append(name)
        known = field_names(tp)
        problem = "unknown key"
        if known:
            problem += f" (known keys here: {', '.join(known)})"
    elif m2 := re.match(r"Object missing required field `(.*)`$", text):
        name = m2.group(1)
        key = ".".join([*parts, name])
        plain.append(name)
        problem = "missing (this key is required)"
    elif m2 := re.match(r"Expected `([^`]*)`, got `([^`]*)`$", text):
        problem = (
            f"expected {_describe_type(m2.group(1))}, got {type_word(value)} ({show_value(value)})"
        )
    elif m2 := re.match(r"Expected `([^`]*)` (.*)$", text):
        problem = f"expected {_describe_type(m2.group(1))} {m2.group(2)}, got {show_value(value)}"
    elif re.match(r"Invalid RFC3339 encoded (date|datetime|time)$", text):
        word = text.rsplit(" ", 1)[-1]
        problem = f"expected {_describe_type(word)}, got {type_word(value)} ({show_value(value)})"
    elif m2 := re.match(r"Invalid enum value (.*)$", text):
        allowed = _allowed(tp)
        problem = f"{show_value(value)} is not allowed" + (
            f" (allowed: {', '.join(allowed)})" if allowed else ""
        )
    elif m2 := _FIELD_PREFIX.match(text):
        # A Params.__post_init__ check says "field: problem" about a key of its own table.
        inner = m2.group(1)
        key = ".".join([*parts, inner])
        plain.extend(s for s in re.sub(r"\[\d+\]", "", inner).split(".") if s)
        problem = m2.group(2)
    return key or "(file)", problem, plain


_FIELD_PREFIX = re.compile(
    r"^([A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_][\w]*(?:\[\d+\])?)*): (.+)$", re.S
)


def _allowed(tp: Any) -> list[str]:
    out: list[str] = []
    for alt in _unwrap(tp):
        if typing.get_origin(alt) is typing.Literal:
            out.extend(show_value(a) for a in typing.get_args(alt))
        elif isinstance(alt, type) and hasattr(alt, "__members__"):
            out.extend(show_value(getattr(m, "value", m)) for m in alt.__members__.values())
    return out


def _failing_entry(
    table: Any, tp: Any, dec_hook: Callable[[type, Any], Any] | None
) -> tuple[str, Any, Any]:
    """The first entry of a ``dict[str, X]`` table that does not convert to ``X``."""
    value_type = child_type(tp, "")[1] if struct_of(tp) is None else Any
    if isinstance(table, Mapping):
        for k, v in table.items():
            try:
                msgspec.convert(v, value_type, dec_hook=dec_hook)
            except (msgspec.ValidationError, TypeError):
                return str(k), v, value_type
    return "[...]", None, value_type
