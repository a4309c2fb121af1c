"""Hypothesis strategies for fuzzing readers: random bytes, byte, token and structured mutations.

Used by ``tests/test_fuzz_readers.py`` and ``tests/web/test_fuzz_register.py``.
Every strategy starts from a seed document (a valid file) and makes it a little
wrong: bytes flipped, dropped or repeated; numbers, words and punctuation replaced
by awkward values; JSON and XML trees, CSV cells and TOML values changed.

``HYPOTHESIS_PROFILE`` chooses how many inputs each test tries: ``ci`` (the
default) or ``long``; see :func:`fuzz_settings`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def fuzz_settings(ci: int = 200, long: int = 5000) -> settings:
    """Settings for a fuzz test: ``ci`` examples, or ``long`` under HYPOTHESIS_PROFILE=long."""
    profile = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    return settings(
        max_examples=long if profile == "long" else ci,
        deadline=timedelta(seconds=5),
        suppress_health_check=list(HealthCheck),
    )


# ------------------------------------------------------------------ awkward values

NUMBERS = [
    "0", "-1", "1", "2", "3", "00", "01", "1.5", ".5", "2.", "-0", "1e999", "1E5", "NaN",
    "Infinity", "+1", "1_000", "0x10", "9" * 19, "9" * 30, "9" * 5000, "2147483648",
    "9223372036854775808", "100000000", "\u0663", "\uff11", " 1 ", "",
]  # fmt: skip
TEXTS = [
    '"', "'", ",", ";", "=", ":", "{", "}", "[", "]", "(", ")", "<", ">", "&", "#", "/*", "*/",
    "-", "\\", "\x00", "\r", "\n", "\r\n", "\t", "\ufeff", "\u2028", "\x85", "\ud800", "é",
    "max", "unlimited", "true", "false", "null", "undervote", "overvote", "Undeclared Write-ins",
    "exhausted", "XXXXX", "member", "active", "£", "15%", "1/0", "200%", "2016-02-30",
    "9999-12-31", "0000-01-01", "&amp;", "&#0;", "<![CDATA[x]]>",
]  # fmt: skip
AWKWARD = NUMBERS + TEXTS


def _encode(text: str) -> bytes:
    """UTF-8, keeping lone surrogates as their (invalid) 3-byte forms."""
    return text.encode("utf-8", "surrogatepass")


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


#: Stands for a 5,000-digit number in a JSON tree (json.dumps cannot write one).
BIG = "\x00BIG\x00"

awkward_text = st.one_of(st.sampled_from(AWKWARD), st.text(max_size=12))

# ------------------------------------------------------------------ byte and token mutations


@st.composite
def byte_mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few byte-level edits."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "dup", "truncate", "splice"]))
        at = draw(st.integers(0, max(len(data), 1) * 4)) % (len(data) + 1)
        size = draw(st.integers(1, 64))
        if op == "flip" and data:
            data[min(at, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[at : at + size]
        elif op == "insert":
            data[at:at] = draw(st.one_of(awkward_text.map(_encode), st.binary(max_size=8)))
        elif op == "dup":
            data[at:at] = data[at : at + size] * draw(st.integers(1, 50))
        elif op == "truncate":
            del data[at:]
        else:
            data[at:at] = seed[at : at + size * 4]
    return bytes(data)


_TOKEN = re.compile(r"\d+|[^\W\d]+|\s+|.", re.S)


@st.composite
def token_mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with some of its words, numbers or punctuation replaced by awkward values."""
    tokens = _TOKEN.findall(_decode(seed))
    if not tokens:
        return draw(awkward_text).encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(1, 8))):
        k = draw(st.integers(0, len(tokens) - 1))
        tok = tokens[k]
        if tok.isdigit():
            tokens[k] = draw(st.sampled_from(NUMBERS))
        elif tok.isspace():
            tokens[k] = draw(st.sampled_from(["", " ", "\n", "\r", "\t", "\n\n", "\x0b"]))
        else:
            tokens[k] = draw(awkward_text)
    return _encode("".join(tokens))


# ------------------------------------------------------------------ structured mutations

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**63, BIG]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(AWKWARD),
    st.text(max_size=10),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["@id", "Id", "Name", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)


def _nodes(doc: object) -> list[tuple]:
    """Paths to every node of a JSON document (the root is ``()``)."""
    out = []
    stack: list[tuple[tuple, object]] = [((), doc)]
    while stack:
        path, node = stack.pop()
        out.append(path)
        if isinstance(node, dict):
            stack.extend(((*path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in enumerate(node))
    return out


def _get(doc: object, path: tuple) -> object:
    for step in path:
        doc = doc[step]  # type: ignore[index]
    return doc


@st.composite
def json_mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed's JSON with nodes replaced, removed, duplicated or deeply nested."""
    doc = json.loads(seed.decode("utf-8-sig"))
    nests: list[tuple[str, int, object]] = []
    for _ in range(draw(st.integers(1, 4))):
        paths = _nodes(doc)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "replace", "delete", "dup", "nest", "rename"]))
        if not path:
            if op == "replace":
                doc = draw(json_value)
            continue
        parent, last = _get(doc, path[:-1]), path[-1]
        if op == "replace":
            parent[last] = draw(json_value)  # type: ignore[index]
        elif op == "delete":
            del parent[last]  # type: ignore[attr-defined]
        elif op == "dup" and isinstance(parent, list):
            parent.extend([parent[last]] * draw(st.integers(1, 20)))
        elif op == "nest":  # written as text below: too deep for json.dumps
            marker = f"\x00NEST{len(nests)}\x00"
            nests.append((marker, draw(st.sampled_from([2, 50, 3000, 100000])), parent[last]))  # type: ignore[index]
            parent[last] = marker  # type: ignore[index]
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(awkward_text)] = parent.pop(last)
    text = json.dumps(doc, indent=draw(st.sampled_from([None, 1])))
    for marker, depth, value in nests:
        inner = json.dumps(value) if json.dumps(marker) in text else ""
        text = text.replace(json.dumps(marker), "[" * depth + inner + "]" * depth)
    return _encode(text.replace(json.dumps(BIG), "9" * 5000))


@st.composite
def xml_mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed's XML tree with elements dropped, duplicated, renamed or given awkward text."""
    root = ET.fromstring(seed)
    for _ in range(draw(st.integers(1, 5))):
        elements = list(root.iter())
        element = draw(st.sampled_from(elements))
        op = draw(st.sampled_from(["text", "text", "drop", "dup", "rename", "attr", "nest"]))
        children = list(element)
        if op == "text":
            element.text = draw(awkward_text).replace("\x00", "") or None
        elif op == "drop" and children:
            element.remove(draw(st.sampled_from(children)))
        elif op == "dup" and children:
            child = draw(st.sampled_from(children))
            for _ in range(draw(st.integers(1, 10))):
                element.append(child)
        elif op == "rename" and children:
            child = draw(st.sampled_from(children))
            other = draw(st.sampled_from(elements))
            child.tag = other.tag
        elif op == "attr":
            for key in list(element.attrib) or ["ObjectId"]:
                element.set(key, draw(awkward_text).replace("\x00", ""))
        elif op == "nest":
            inner = element
            for _ in range(draw(st.integers(1, 20))):
                inner = ET.SubElement(inner, element.tag)
    text = ET.tostring(root, encoding="unicode")
    if draw(st.integers(0, 9)) == 0:  # deep nesting, beyond what ElementTree can write back
        depth = draw(st.sampled_from([500, 5000, 50000]))
        cut = text.index(">") + 1
        text = text[:cut] + "<a>" * depth + "</a>" * depth + text[cut:]
    prefix = draw(
        st.sampled_from(
            [
                "",
                '<?xml version="1.0" encoding="utf-8"?>',
                '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>',
                '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
                "\ufeff",
            ]
        )
    )
    if prefix.startswith("<!DOCTYPE") and draw(st.booleans()):
        # use the entity inside the document
        text = re.sub(r">([^<>]*)<", lambda m: ">" + m.group(1) + "&c;<", text, count=3)
    return _encode(prefix + text)


@st.composite
def csv_mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed's CSV rows with cells and rows replaced, dropped, added or repeated."""
    rows = list(csv.reader(io.StringIO(_decode(seed).lstrip("\ufeff"), newline="")))
    if not rows:
        rows = [[""]]
    for _ in range(draw(st.integers(1, 6))):
        r = draw(st.integers(0, len(rows) - 1))
        row = rows[r]
        op = draw(st.sampled_from(["cell", "cell", "cell", "drop_cell", "add_cell", "drop_row",
                                   "dup_row", "blank_row", "one_cell"]))  # fmt: skip
        c = draw(st.integers(0, max(len(row) - 1, 0)))
        if op == "cell" and row:
            row[c] = draw(awkward_text)
        elif op == "drop_cell" and row:
            del row[c]
        elif op == "add_cell":
            row.insert(c, draw(awkward_text))
        elif op == "drop_row" and len(rows) > 1:
            del rows[r]
        elif op == "dup_row":
            rows[r:r] = [list(row)] * draw(st.integers(1, 20))
        elif op == "blank_row":
            rows.insert(r, [""] * draw(st.integers(0, 3)))
        elif op == "one_cell" and row:  # a row with all its cells blank but one
            rows[r] = ["" if i != c else cell for i, cell in enumerate(row)]
    out = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    writer = csv.writer(out, quoting=quoting, lineterminator=terminator)
    for row in rows:
        writer.writerow(row)
    return _encode(out.getvalue())


TOML_VALUES = [
    '""', '"x"', "1", "0", "-1", "1.5", "nan", "inf", "true", "false", "[]", "[1, 2]",
    '["a", 1]', "{}", "{ a = 1 }", "2020-01-01", "2020-02-30", "1979-05-27T07:32:00Z",
    '"15%"', '"1/3"', '"1/0"', '"200%"', '"-5%"', '"0%"', '"100%"', '"labour-2015"',
    '"labour-2017"', '"conservative-2019"', "9" * 30, "[" * 3000 + "]" * 3000, '"\\u0000"',
]  # fmt: skip


@st.composite
def toml_mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed's TOML lines with values replaced, lines dropped, repeated or moved."""
    lines = _decode(seed).split("\n")
    keys = [ln.split("=", 1)[0].strip() for ln in lines if "=" in ln and not ln.startswith("#")]
    for _ in range(draw(st.integers(1, 5))):
        k = draw(st.integers(0, max(len(lines) - 1, 0)))
        line = lines[k] if lines else ""
        op = draw(st.sampled_from(["value", "value", "value", "drop", "dup", "move", "add"]))
        if op == "value" and "=" in line:
            key = line.split("=", 1)[0]
            lines[k] = f"{key}= {draw(st.one_of(st.sampled_from(TOML_VALUES), awkward_text))}"
        elif op == "drop" and lines:
            del lines[k]
        elif op == "dup" and lines:
            lines.insert(k, line)
        elif op == "move" and lines:
            lines.insert(draw(st.integers(0, len(lines))), lines.pop(k))
        elif op == "add" and keys:
            lines.insert(k, f"{draw(st.sampled_from(keys))} = {draw(st.sampled_from(TOML_VALUES))}")
    return _encode("\n".join(lines))


@st.composite
def zip_mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed workbook with one member's XML mutated (or dropped), re-zipped."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(seed)) as src, zipfile.ZipFile(out, "w") as dst:
        names = src.namelist()
        victim = draw(st.sampled_from(names))
        op = draw(st.sampled_from(["tokens", "tokens", "bytes", "drop"]))
        for name in names:
            data = src.read(name)
            if name == victim:
                if op == "drop":
                    continue
                data = draw(token_mutations(data) if op == "tokens" else byte_mutations(data))
            dst.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


STRUCTURED = {
    "json": json_mutations,
    "xml": xml_mutations,
    "csv": csv_mutations,
    "toml": toml_mutations,
    "zip": zip_mutations,
}


def inputs(kind: str, seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    """Random bytes, byte and token mutations of the seeds, and structure-aware mutations."""
    seed = st.sampled_from(seeds)
    parts = [
        st.binary(max_size=512),
        seed,
        seed.flatmap(byte_mutations),
        seed.flatmap(token_mutations),
    ]
    if kind in STRUCTURED:
        structured = seed.flatmap(STRUCTURED[kind])
        parts += [structured, structured]  # weighted: the near-valid inputs go deepest
    return st.one_of(*parts)
