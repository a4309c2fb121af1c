"""Loading a rulebook: a folder of TOML files, one version of an organisation's rules.

A rulebook is a folder ``<id>/`` holding

* ``rulebook.toml``: the ``[rulebook]`` table (id, organisation, title,
  effective dates, ``derived_from``, source, notes), the ``[organisation]``
  structure (branches, constituency parties, affiliates, parliamentary group)
  and, for a version derived from another, its ``[[amendments]]``;
* one ``<procedure>.toml`` per procedure the version defines in full, checked
  against that procedure's ``Params`` (``selectorate.procedures.registry``).

A derived version starts from its parent's procedures (after the parent's
own amendments), replaces any procedure it gives a file for, then applies its
amendments in order. Each amendment is recorded, so :meth:`Rulebook.origin`
tells which file or amendment -- and which source -- every rule came from.

Example ``rulebook.toml`` of a derived version::

    [rulebook]
    id = "labour-2017"
    organisation = "Labour Party (UK)"
    title = "Labour Party Rule Book 2017"
    effective_from = 2017-09-27
    derived_from = "labour-2015"
    source = "Annual conference 2017 (rule changes); http://..."

    [[amendments]]
    procedure = "leadership"
    key = "vacancy.rate"
    value = "10%"
    source = "http://theconversation.com/..."
    note = "The 'McDonnell amendment' compromise: 15% -> 10%."

Every malformed rulebook raises :class:`~selectorate.rulebooks.errors.RulebookError`
naming the file, the dotted key and the problem on one line.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import msgspec

from selectorate.procedures import registry
from selectorate.rulebooks import schema
from selectorate.rulebooks.errors import RulebookError, UnknownRulebookError

RULEBOOK_FILE = "rulebook.toml"

# --------------------------------------------------------------------------- file structure


class RulebookMeta(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[rulebook]`` table: which version of whose rules this is."""

    id: str
    organisation: str
    title: str
    effective_from: date
    effective_to: date | None = None
    derived_from: str | None = None
    #: "adopted" (was in force), "proposal" (proposed, never adopted) or
    #: "model" (an illustrative rulebook for a kind of organisation).
    status: Literal["adopted", "proposal", "model"] = "adopted"
    source: str
    notes: list[str] = []
    uncertain: list[str] = []


class ParliamentaryGroup(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The organisation's group of elected members (e.g. the PLP and EPLP)."""

    name: str
    abbreviation: str = ""
    commons_members: int | None = None
    european_name: str = ""
    european_members: int | None = None
    as_of: str = ""
    source: str
    notes: list[str] = []
    uncertain: list[str] = []


class Units(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A kind of local unit (branches, constituency parties): what it is called, how many."""

    name: str
    abbreviation: str = ""
    count: int | None = None
    as_of: str = ""
    source: str
    notes: list[str] = []
    uncertain: list[str] = []


class Affiliate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One affiliated organisation: a trade union or a society, with its affiliated membership."""

    name: str
    type: Literal["union", "society"]
    affiliated_membership: int | None = None
    as_of: str = ""
    source: str


class Affiliates(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The affiliated organisations: how many unions and societies, and any listed by name."""

    unions: int | None = None
    societies: int | None = None
    total: int | None = None
    affiliated_membership: int | None = None
    as_of: str = ""
    source: str
    #: written ``[[organisation.affiliates.list]]`` in the file
    listed: list[Affiliate] = msgspec.field(default_factory=list, name="list")
    notes: list[str] = []
    uncertain: list[str] = []


class Organisation(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[organisation]`` table: the structure the procedures work on."""

    name: str
    kind: str = ""
    members: int | None = None
    members_as_of: str = ""
    source: str
    branches: Units | None = None
    constituency_parties: Units | None = None
    affiliates: Affiliates | None = None
    parliamentary_group: ParliamentaryGroup | None = None
    notes: list[str] = []
    uncertain: list[str] = []


class Amendment(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One ``[[amendments]]`` entry: set (or remove) one dotted key of one procedure."""

    procedure: str
    key: str
    value: Any = None  # TOML has no null: None means "not given"
    remove: bool = False
    source: str
    note: str = ""


class _RulebookFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    rulebook: RulebookMeta
    organisation: dict[str, Any] | None = None
    amendments: list[Amendment] = []


# --------------------------------------------------------------------------- provenance


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a rule's value came from: a procedure file, or an amendment of some version."""

    version: str  # rulebook id
    file: str  # the file that says it
    amendment: int | None = None  # position among that version's [[amendments]], from 1
    source: str = ""
    note: str = ""

    def describe(self) -> str:
        """``labour-2017 amendment 1`` or ``labour-2015 leadership.toml``."""
        if self.amendment is not None:
            return f"{self.version} amendment {self.amendment}"
        return f"{self.version} {Path(self.file).name}"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "version": self.version,
            "file": Path(self.file).name,
            "amendment": self.amendment,
            "source": self.source,
            "note": self.note,
        }


class _Missing:
    """The absence of a value (a key an amendment adds or removes)."""

    def __repr__(self) -> str:
        return "MISSING"

    def __copy__(self) -> _Missing:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> _Missing:
        return self

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class AppliedAmendment:
    """An amendment as applied: the value before and after, and where it is written."""

    version: str
    index: int  # from 1, within the version's [[amendments]]
    procedure: str
    key: str
    before: Any
    after: Any
    source: str
    note: str
    file: str

    @property
    def origin(self) -> Origin:
        """The provenance this amendment gives the keys it sets."""
        return Origin(self.version, self.file, self.index, self.source, self.note)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (absent values as null)."""
        return {
            "version": self.version,
            "amendment": self.index,
            "procedure": self.procedure,
            "key": self.key,
            "before": to_json(self.before),
            "after": to_json(self.after),
            "source": self.source,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Rule:
    """One leaf of a procedure's settings, with its value and provenance."""

    procedure: str
    key: str
    value: Any
    origin: Origin


# --------------------------------------------------------------------------- the rulebook


@dataclass(frozen=True)
class Rulebook:
    """One version of an organisation's rules, resolved and validated.

    ``data`` holds each procedure's settings as written in TOML (after
    amendments); ``params`` the same, converted to the procedure's ``Params``.
    ``lineage`` lists the versions from the base to this one; ``amendments``
    every amendment applied along the way, in order.
    """

    id: str
    folder: Path
    meta: RulebookMeta
    organisation: Organisation
    lineage: tuple[str, ...]
    amendments: tuple[AppliedAmendment, ...]
    data: Mapping[str, Mapping[str, Any]]
    params: Mapping[str, Any]
    origins: Mapping[str, Mapping[str, Origin]] = field(repr=False)
    organisation_data: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @property
    def procedures(self) -> list[str]:
        """The procedures this version defines, in name order."""
        return sorted(self.data)

    def procedure(self, name: str) -> Any:
        """The validated ``Params`` of procedure ``name``."""
        try:
            return self.params[name]
        except KeyError:
            have = ", ".join(self.procedures) or "none"
            raise RulebookError(
                self.folder / RULEBOOK_FILE,
                name,
                f"rulebook {self.id} defines no {name!r} procedure (it defines: {have})",
            ) from None

    def origin(self, procedure: str, key: str = "") -> Origin:
        """Which file or amendment set ``procedure``'s ``key`` (a dotted key), and its source."""
        return _origin_of(self.origins[procedure], key.split(".") if key else [])

    def rules(self, procedure: str | None = None) -> list[Rule]:
        """Every leaf setting (of one procedure, or all in name order) with its provenance."""
        names = [procedure] if procedure is not None else self.procedures
        out: list[Rule] = []
        for name in names:
            for key, value in flatten(self.data[name]):
                out.append(Rule(name, key, value, self.origin(name, key)))
        return out

    def to_dict(self) -> dict[str, object]:
        """The whole version, JSON-ready: metadata, organisation, amendments, rules with origins."""
        return {
            "id": self.id,
            "title": self.meta.title,
            "organisation": self.meta.organisation,
            "status": self.meta.status,
            "effective_from": self.meta.effective_from.isoformat(),
            "effective_to": _iso(self.meta.effective_to),
            "derived_from": self.meta.derived_from,
            "lineage": list(self.lineage),
            "source": self.meta.source,
            "notes": list(self.meta.notes),
            "uncertain": list(self.meta.uncertain),
            "structure": to_json(self.organisation_data),
            "amendments": [a.to_dict() for a in self.amendments],
            "procedures": {
                name: [
                    {"key": r.key, "value": to_json(r.value), "origin": r.origin.to_dict()}
                    for r in self.rules(name)
                ]
                for name in self.procedures
            },
        }


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def to_json(value: Any) -> Any:
    """A TOML value as JSON-ready builtins (dates as ISO text, absent values as None)."""
    if value is MISSING:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def flatten(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` for every leaf of a table, in file order; lists are leaves."""
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            yield from flatten(value, dotted)
        else:
            yield dotted, value


# --------------------------------------------------------------------------- locating


def shipped_folder() -> Path:
    """The folder of the rulebooks that ship with selectorate."""
    return Path(str(resources.files("selectorate") / "data" / "rulebooks"))


def shipped_ids() -> list[str]:
    """Ids of the shipped rulebooks (folder names), sorted."""
    root = shipped_folder()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / RULEBOOK_FILE).is_file())


def _looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.endswith(".toml") or text.startswith(".")


def locate(id_or_path: str | Path) -> Path:
    """The folder of a rulebook given by shipped id or by path (folder or its rulebook.toml)."""
    if isinstance(id_or_path, str) and not _looks_like_path(id_or_path):
        candidate = shipped_folder() / id_or_path
        if (candidate / RULEBOOK_FILE).is_file():
            return candidate
        if not Path(id_or_path).is_dir():
            raise UnknownRulebookError(id_or_path, shipped_ids())
    path = Path(id_or_path)
    if path.name == RULEBOOK_FILE or path.suffix == ".toml":
        path = path.parent
    if not (path / RULEBOOK_FILE).is_file():
        problem = "no such file" if path.is_dir() else "no such rulebook folder"
        raise RulebookError(path / RULEBOOK_FILE, "(file)", problem)
    return path


def _parent_folder(child: Path, parent_id: str) -> Path | None:
    """A sibling folder called ``parent_id``, else the shipped rulebook of that id."""
    sibling = child.parent / parent_id
    if (sibling / RULEBOOK_FILE).is_file():
        return sibling
    shipped = shipped_folder() / parent_id
    if (shipped / RULEBOOK_FILE).is_file():
        return shipped
    return None


# --------------------------------------------------------------------------- reading


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file; a syntax error names its line."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise RulebookError(path, "(file)", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RulebookError(path, "(file)", f"not UTF-8 text (byte {exc.start + 1})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
        if m:
            problem = f"{message[: m.start()]} (column {m.group(2)})"
            raise RulebookError(path, f"line {m.group(1)}", f"bad TOML: {problem}") from None
        m = re.search(r"\s*\(at end of document\)\s*$", message)
        if m:
            where = f"line {text.count(chr(10)) + 1}"
            raise RulebookError(
                path, where, f"bad TOML: {message[: m.start()]} (at end of file)"
            ) from None
        raise RulebookError(path, "(file)", f"bad TOML: {message}") from None
    except RecursionError:
        raise RulebookError(path, "(file)", "bad TOML: nested too deeply") from None
    except ValueError as exc:  # a number too long for int() (more than 4,300 digits)
        raise RulebookError(path, "(file)", f"bad TOML: {exc}") from None


def _dec_hook(type_: type, obj: Any) -> Any:
    """Rates are written as text ("15%", "1/3") and become exact Fractions."""
    if type_ is Fraction:
        if isinstance(obj, bool) or not isinstance(obj, str | int):
            raise TypeError(f'{schema.show_value(obj)} is not a rate like "15%" or "3/20"')
        if isinstance(obj, int):
            return Fraction(obj)
        from selectorate.procedures.numbers import parse_rate

        try:
            return parse_rate(obj)
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(
                str(exc) or f'{schema.show_value(obj)} is not a rate like "15%" or "3/20"'
            ) from None
    raise NotImplementedError(f"cannot read {type_!r} from a rulebook")


def _check(
    data: Mapping[str, Any],
    type_: type,
    on_error: Callable[[str, str, list[str]], RulebookError],
) -> Any:
    return schema.convert(data, type_, dec_hook=_dec_hook, on_error=on_error)


# --------------------------------------------------------------------------- amendments


def _origin_of(origins: Mapping[str, Origin], segments: Sequence[str]) -> Origin:
    for n in range(len(segments), -1, -1):
        key = ".".join(segments[:n])
        if key in origins:
            return origins[key]
    return origins[""]


class AmendmentProblem(Exception):
    """An amendment that cannot be applied: which entry (from 1), which field, what is wrong."""

    def __init__(self, index: int, field_name: str, problem: str) -> None:
        self.index = index
        self.field_name = field_name
        self.problem = problem
        super().__init__(f"amendments[{index}].{field_name}: {problem}")


def apply_amendments(
    data: Mapping[str, Mapping[str, Any]],
    amendments: Sequence[Amendment],
    *,
    known_key: Callable[[str, Sequence[str]], bool | None] | None = None,
) -> tuple[dict[str, dict[str, Any]], list[tuple[int, str, str, Any, Any]]]:
    """Apply ``amendments`` in order to a copy of ``data`` (procedure -> table).

    Returns the new data and, per amendment, ``(index, procedure, key, before,
    after)`` with :data:`MISSING` for an absent value. The input is not changed.
    ``known_key(procedure, segments)`` says whether a key absent from the data
    may be added (a field of the procedure's ``Params``); without it, only keys
    already present may be amended. A problem raises :class:`AmendmentProblem`.
    """
    out = {name: copy.deepcopy(dict(table)) for name, table in data.items()}
    applied: list[tuple[int, str, str, Any, Any]] = []
    for index, amendment in enumerate(amendments, start=1):
        if amendment.procedure not in out:
            have = ", ".join(sorted(out)) or "none"
            raise AmendmentProblem(
                index,
                "procedure",
                f"there is no {amendment.procedure!r} procedure to amend (procedures here: {have})",
            )
        segments = amendment.key.split(".")
        if not amendment.key or any(not s.strip() for s in segments):
            raise AmendmentProblem(
                index, "key", f'{amendment.key!r} is not a dotted key like "vacancy.rate"'
            )
        if amendment.remove == (amendment.value is not None):
            raise AmendmentProblem(
                index, "value", "give either value = ... or remove = true (exactly one)"
            )
        table: dict[str, Any] = out[amendment.procedure]
        for depth, segment in enumerate(segments[:-1]):
            inner = table.get(segment, MISSING)
            if (
                inner is MISSING
                and known_key is not None
                and known_key(amendment.procedure, segments[: depth + 1])
                and not amendment.remove
            ):
                inner = table[segment] = {}
            if not isinstance(inner, dict):
                here = ".".join(segments[: depth + 1])
                if inner is MISSING:
                    raise AmendmentProblem(index, "key", _no_key(amendment.procedure, here, table))
                raise AmendmentProblem(
                    index,
                    "key",
                    f"{amendment.procedure} {here} is {schema.show_value(inner)}, not a table",
                )
            table = inner
        last = segments[-1]
        before = table.get(last, MISSING)
        if before is MISSING and (
            amendment.remove or known_key is None or not known_key(amendment.procedure, segments)
        ):
            raise AmendmentProblem(index, "key", _no_key(amendment.procedure, amendment.key, table))
        if amendment.remove:
            del table[last]
            after = MISSING
        else:
            after = copy.deepcopy(amendment.value)
            table[last] = after
        applied.append((index, amendment.procedure, amendment.key, before, copy.deepcopy(after)))
    return out, applied


def _no_key(procedure: str, key: str, table: Mapping[str, Any]) -> str:
    keys = ", ".join(str(k) for k in table) or "none"
    where = key.rpartition(".")[0]
    return f"{procedure} has no key {key!r} (keys{' in ' + where if where else ''}: {keys})"


def _schema_knows(procedure: str, segments: Sequence[str]) -> bool:
    """Whether ``segments`` name a setting of ``procedure``'s ``Params`` (a defaulted key)."""
    try:
        tp: Any = registry.params_type(procedure)
    except KeyError:
        return False
    for segment in segments:
        known, tp = schema.child_type(tp, segment)
        if not known:
            return False
    return True


# --------------------------------------------------------------------------- loading


def _merge_organisation(
    parent: Mapping[str, Any] | None, own: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The parent's structure with each sub-table the version gives replaced by its own."""
    merged = copy.deepcopy(dict(parent or {}))
    for key, value in (own or {}).items():
        merged[key] = copy.deepcopy(value)
    return merged


def _validate_procedure(
    rulebook_id: str,
    name: str,
    table: Mapping[str, Any],
    origins: Mapping[str, Origin],
    own_amendments: Sequence[AppliedAmendment],
) -> Any:
    params_type = registry.params_type(name)

    def on_error(key: str, problem: str, segments: list[str]) -> RulebookError:
        origin = _origin_of(origins, segments)
        if origin.version != rulebook_id:
            # The parent validated, so this version's own amendments broke it (a rule
            # relating two keys, a partly given table): blame the last one at or under
            # the faulty key, else the last one to this procedure.
            path = ".".join(segments)
            mine = [a for a in own_amendments if a.procedure == name]
            near = [a for a in mine if not path or a.key == path or a.key.startswith(path + ".")]
            if near or mine:
                origin = (near or mine)[-1].origin
        if origin.amendment is not None:
            return RulebookError(
                origin.file, f"amendments[{origin.amendment}].value", f"{name}.{key}: {problem}"
            )
        return RulebookError(origin.file, key, problem)

    return _check(table, params_type, on_error)


def _load(folder: Path, seen: tuple[str, ...]) -> Rulebook:
    path = folder / RULEBOOK_FILE
    raw = read_toml(path)
    parsed: _RulebookFile = _check(raw, _RulebookFile, lambda k, p, _s: RulebookError(path, k, p))
    meta = parsed.rulebook
    if meta.id != folder.name:
        raise RulebookError(
            path, "rulebook.id", f"{meta.id!r} does not match its folder's name {folder.name!r}"
        )
    if meta.effective_to is not None and meta.effective_to < meta.effective_from:
        raise RulebookError(
            path,
            "rulebook.effective_to",
            f"{meta.effective_to.isoformat()} is before "
            f"effective_from {meta.effective_from.isoformat()}",
        )
    chain = (*seen, meta.id)

    parent: Rulebook | None = None
    if meta.derived_from is not None:
        if meta.derived_from in chain:
            cycle = " -> ".join([*chain[chain.index(meta.derived_from) :], meta.derived_from])
            raise RulebookError(path, "rulebook.derived_from", f"cycle: {cycle}")
        parent_folder = _parent_folder(folder, meta.derived_from)
        if parent_folder is None:
            known = sorted({*shipped_ids(), *_sibling_ids(folder)} - {meta.id})
            raise RulebookError(
                path,
                "rulebook.derived_from",
                f"no rulebook called {meta.derived_from!r} (known: {', '.join(known) or 'none'})",
            )
        parent = _load(parent_folder, chain)
        if parent.meta.organisation != meta.organisation:
            raise RulebookError(
                path,
                "rulebook.organisation",
                f"{meta.organisation!r} differs from {parent.id}'s {parent.meta.organisation!r}",
            )

    # The organisation's structure: inherited table by table.
    if parent is None and parsed.organisation is None:
        raise RulebookError(
            path,
            "organisation",
            "missing (a version not derived from another describes its organisation)",
        )
    org_data = _merge_organisation(
        parent.organisation_data if parent else None, parsed.organisation
    )
    organisation = _check(
        org_data,
        Organisation,
        lambda k, p, _s: RulebookError(
            path, f"organisation.{k}" if k != "(file)" else "organisation", p
        ),
    )

    # Procedures: the parent's, then this version's own files, then its amendments.
    data: dict[str, dict[str, Any]] = {
        k: copy.deepcopy(dict(v)) for k, v in (parent.data if parent else {}).items()
    }
    origins: dict[str, dict[str, Origin]] = {
        k: dict(v) for k, v in (parent.origins if parent else {}).items()
    }
    for file in sorted(folder.glob("*.toml")):
        if file.name == RULEBOOK_FILE:
            continue
        name = file.stem
        if name not in registry.PROCEDURES:
            known = ", ".join(sorted(registry.PROCEDURES)) or "none"
            raise RulebookError(
                file, "(file)", f"{name!r} is not a procedure (known procedures: {known})"
            )
        table = read_toml(file)
        data[name] = table
        source = table.get("source", "")
        origins[name] = {
            "": Origin(meta.id, str(file), None, source if isinstance(source, str) else "")
        }

    for index, amendment in enumerate(parsed.amendments, start=1):
        if amendment.procedure not in registry.PROCEDURES:
            known = ", ".join(sorted(registry.PROCEDURES)) or "none"
            raise RulebookError(
                path,
                f"amendments[{index}].procedure",
                f"{amendment.procedure!r} is not a procedure (known procedures: {known})",
            )
    try:
        data, applied_raw = apply_amendments(data, parsed.amendments, known_key=_schema_knows)
    except AmendmentProblem as exc:
        raise RulebookError(
            path, f"amendments[{exc.index}].{exc.field_name}", exc.problem
        ) from None
    applied: list[AppliedAmendment] = []
    for (index, procedure, key, before, after), amendment in zip(
        applied_raw, parsed.amendments, strict=True
    ):
        record = AppliedAmendment(
            meta.id,
            index,
            procedure,
            key,
            before,
            after,
            amendment.source,
            amendment.note,
            str(path),
        )
        applied.append(record)
        table_origins = origins[procedure]
        for k in [k for k in table_origins if k == key or k.startswith(key + ".")]:
            del table_origins[k]
        table_origins[key] = record.origin

    params = {
        name: _validate_procedure(meta.id, name, data[name], origins[name], applied)
        for name in sorted(data)
    }
    return Rulebook(
        id=meta.id,
        folder=folder,
        meta=meta,
        organisation=organisation,
        lineage=(*(parent.lineage if parent else ()), meta.id),
        amendments=(*(parent.amendments if parent else ()), *applied),
        data=data,
        params=params,
        origins=origins,
        organisation_data=org_data,
    )


def _sibling_ids(folder: Path) -> list[str]:
    root = folder.parent
    if not root.is_dir():
        return []
    return [p.name for p in root.iterdir() if (p / RULEBOOK_FILE).is_file()]


def load_rulebook(id_or_path: str | Path) -> Rulebook:
    """Load, resolve (``derived_from`` chain, amendments in order) and validate a rulebook.

    ``id_or_path`` is a shipped rulebook's id (``"labour-2017"``) or a path to
    a rulebook folder (or its ``rulebook.toml``). A parent named in
    ``derived_from`` is looked for beside the folder first, then among the
    shipped rulebooks. Raises :class:`RulebookError` (``file: key: problem``).
    """
    return _load(locate(id_or_path), ())


@dataclass(frozen=True, slots=True)
class RulebookSummary:
    """What ``rules list`` shows of one rulebook."""

    id: str
    organisation: str
    title: str
    status: str
    effective_from: date
    effective_to: date | None
    derived_from: str | None
    procedures: tuple[str, ...]
    amendments: int

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "organisation": self.organisation,
            "title": self.title,
            "status": self.status,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": _iso(self.effective_to),
            "derived_from": self.derived_from,
            "procedures": list(self.procedures),
            "amendments": self.amendments,
        }


def list_rulebooks() -> list[RulebookSummary]:
    """Every shipped rulebook, loaded and checked, by organisation then effective date then id."""
    out = []
    for rid in shipped_ids():
        book = load_rulebook(rid)
        own = sum(1 for a in book.amendments if a.version == book.id)
        out.append(
            RulebookSummary(
                book.id,
                book.meta.organisation,
                book.meta.title,
                book.meta.status,
                book.meta.effective_from,
                book.meta.effective_to,
                book.meta.derived_from,
                tuple(book.procedures),
                own,
            )
        )
    return sorted(out, key=lambda s: (s.organisation, s.effective_from, s.id))
