"""Tests of the rulebook core: loading, versions by amendment, errors, diff, and ``rules``.

The loader is tested on small rulebooks written into a scratch folder and
governed by a fake procedure registered only here; the shipped rulebooks
are checked against the real procedures and the facts they encode
(shared/facts/rulebooks.md, labour_history.json).
"""

from __future__ import annotations

import json
import sys
import tomllib
import types
from pathlib import Path
from typing import Literal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from selectorate.cli import app
from selectorate.procedures import registry
from selectorate.procedures.numbers import parse_rate
from selectorate.rulebooks import RulebookError, diff, list_rulebooks, load_rulebook
from selectorate.rulebooks.document import (
    MISSING,
    RULEBOOK_FILE,
    Amendment,
    AmendmentProblem,
    apply_amendments,
    shipped_folder,
    shipped_ids,
)

runner = CliRunner()

# --------------------------------------------------------------------------- a fake procedure


class Vacancy(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A rate and the pool it applies to."""

    rate: str
    pool: Literal["mps", "mps_meps"] = "mps"

    def __post_init__(self) -> None:
        try:
            parse_rate(self.rate)
        except ValueError as exc:
            raise ValueError(f"rate: {exc}") from None


class Stage2(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An optional second stage."""

    clps_rate: str


class FakeParams(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a rulebook says about the fake procedure."""

    source: str
    vacancy: Vacancy
    minimum: int = 0
    stage2: Stage2 | None = None
    notes: list[str] = []


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the procedure ``fake`` (and only it) for the duration of one test."""
    module = types.ModuleType("selectorate_test_fake_procedure")
    module.Params = FakeParams  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(registry, "PROCEDURES", {"fake": module.__name__})


BASE_RULEBOOK = """\
[rulebook]
id = "base"
organisation = "Example Party"
title = "Example Rule Book 2014"
effective_from = 2014-03-01
source = "Example source"

[organisation]
name = "Example Party"
source = "Example structure source"

[organisation.parliamentary_group]
name = "Parliamentary Party"
commons_members = 232
source = "Example PLP source"
"""

BASE_FAKE = """\
source = "Example Rule Book 2014, clause 1"
minimum = 1

[vacancy]
rate = "15%"
"""

CHILD_RULEBOOK = """\
[rulebook]
id = "child"
organisation = "Example Party"
title = "Example Rule Book 2017"
effective_from = 2017-09-27
derived_from = "base"
source = "Conference 2017"

[[amendments]]
procedure = "fake"
key = "vacancy.rate"
value = "10%"
source = "Conference 2017, card vote 1"
note = "15% -> 10%"

[[amendments]]
procedure = "fake"
key = "stage2"
value = {clps_rate = "5%"}
source = "Conference 2017, card vote 2"
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` under ``folder``."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def books(tmp_path: Path, fake: None) -> Path:
    """A base version and a version derived from it, side by side."""
    return write(
        tmp_path,
        {
            "base/rulebook.toml": BASE_RULEBOOK,
            "base/fake.toml": BASE_FAKE,
            "child/rulebook.toml": CHILD_RULEBOOK,
        },
    )


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of text in a file (it must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def error_of(target: Path) -> str:
    with pytest.raises(RulebookError) as info:
        load_rulebook(target)
    message = str(info.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- loading and versions


def test_a_derived_version_applies_its_amendments_in_order(books: Path):
    child = load_rulebook(books / "child")
    assert child.lineage == ("base", "child")
    params = child.procedure("fake")
    assert params.vacancy.rate == "10%"
    assert params.stage2 == Stage2(clps_rate="5%")
    assert params.minimum == 1  # inherited unchanged
    base = load_rulebook(books / "base")
    assert base.procedure("fake").vacancy.rate == "15%"  # the parent is not changed
    assert child.organisation.parliamentary_group.commons_members == 232  # structure inherited


def test_every_rule_knows_its_file_or_amendment_and_source(books: Path):
    child = load_rulebook(books / "child")
    rate = child.origin("fake", "vacancy.rate")
    assert (rate.version, rate.amendment, rate.source) == (
        "child",
        1,
        "Conference 2017, card vote 1",
    )
    assert rate.note == "15% -> 10%"
    assert child.origin("fake", "stage2.clps_rate").amendment == 2
    minimum = child.origin("fake", "minimum")
    assert (minimum.version, minimum.amendment) == ("base", None)
    assert minimum.source == "Example Rule Book 2014, clause 1"
    assert Path(minimum.file).name == "fake.toml"
    keys = {r.key: r.origin.describe() for r in child.rules("fake")}
    assert keys["vacancy.rate"] == "child amendment 1"
    assert keys["minimum"] == "base fake.toml"
    applied = [(a.version, a.index, a.key, a.before, a.after) for a in child.amendments]
    assert applied == [
        ("child", 1, "vacancy.rate", "15%", "10%"),
        ("child", 2, "stage2", MISSING, {"clps_rate": "5%"}),
    ]


def test_a_version_may_replace_a_whole_procedure(books: Path):
    write(
        books, {"child/fake.toml": 'source = "own"\n[vacancy]\nrate = "12.5%"\npool = "mps_meps"\n'}
    )
    edit(books / "child" / "rulebook.toml", 'value = "10%"', 'value = "11%"')
    child = load_rulebook(books / "child")
    assert child.procedure("fake").vacancy.pool == "mps_meps"
    assert child.procedure("fake").vacancy.rate == "11%"  # amendments apply over the replacement
    assert child.procedure("fake").minimum == 0  # the parent's minimum went with its file
    assert child.origin("fake", "vacancy.pool").version == "child"


def test_removing_a_key_restores_the_default(books: Path):
    text = CHILD_RULEBOOK.replace('id = "child"', 'id = "grandchild"')
    text = text.replace('"base"', '"child"').split("[[amendments]]")[0]
    text += '[[amendments]]\nprocedure = "fake"\nkey = "stage2"\nremove = true\n'
    write(books, {"grandchild/rulebook.toml": text + 'source = "Conference 2021"\n'})
    book = load_rulebook(books / "grandchild")
    assert book.lineage == ("base", "child", "grandchild")
    assert book.procedure("fake").stage2 is None
    assert book.amendments[-1].after is MISSING
    changes = diff(books / "child", books / "grandchild")
    assert [(c.key, c.kind) for c in changes] == [("stage2.clps_rate", "removed")]
    assert changes[0].origin is not None and changes[0].origin.source == "Conference 2021"


def test_diff_names_each_change_and_the_amendment_behind_it(books: Path):
    changes = diff(books / "base", books / "child")
    assert [(c.section, c.key, c.before, c.after, c.kind) for c in changes] == [
        ("fake", "vacancy.rate", "15%", "10%", "changed"),
        ("fake", "stage2.clps_rate", MISSING, "5%", "added"),
    ]
    assert changes[0].origin is not None and changes[0].origin.describe() == "child amendment 1"
    assert diff(books / "child", books / "child") == []
    back = diff(books / "child", books / "base")
    assert [(c.key, c.kind) for c in back] == [
        ("vacancy.rate", "changed"),
        ("stage2.clps_rate", "removed"),
    ]


def test_the_organisation_is_inherited_table_by_table(books: Path):
    edit(
        books / "child" / "rulebook.toml",
        "[[amendments]]",
        '[organisation.parliamentary_group]\nname = "Parliamentary Party"\ncommons_members = 251\n'
        'source = "2016 count"\n\n[[amendments]]',
    )
    child = load_rulebook(books / "child")
    assert child.organisation.parliamentary_group.commons_members == 251
    assert child.organisation.name == "Example Party"
    changes = [c for c in diff(books / "base", books / "child") if c.section == "organisation"]
    assert [(c.key, c.before, c.after) for c in changes] == [
        ("parliamentary_group.commons_members", 232, 251),
        ("parliamentary_group.source", "Example PLP source", "2016 count"),
    ]


def test_a_rulebook_toml_path_and_its_folder_load_alike(books: Path):
    assert (
        load_rulebook(books / "child" / "rulebook.toml").data == load_rulebook(books / "child").data
    )


# --------------------------------------------------------------------------- malformed rulebooks


def test_bad_toml_syntax_names_the_line(books: Path):
    edit(books / "base" / "fake.toml", "minimum = 1", "minimum = ")
    assert error_of(books / "base") == (
        f"{books / 'base' / 'fake.toml'}: line 2: bad TOML: Invalid value (column 11)"
    )


def test_an_unknown_key_is_named_with_the_keys_allowed_there(books: Path):
    edit(books / "base" / "fake.toml", 'rate = "15%"', 'rate = "15%"\nrat = 1')
    assert error_of(books / "child") == (
        f"{books / 'base' / 'fake.toml'}: vacancy.rat: unknown key (known keys here: rate, pool)"
    )


def test_an_unknown_key_in_rulebook_toml(books: Path):
    edit(books / "base" / "rulebook.toml", 'title = "', 'titel = "')
    assert error_of(books / "base") == (
        f"{books / 'base' / 'rulebook.toml'}: rulebook.titel: unknown key (known keys here: id, "
        "organisation, title, effective_from, effective_to, derived_from, status, source, notes, "
        "uncertain)"
    )


def test_a_wrong_type_is_named_with_the_value(books: Path):
    edit(books / "base" / "fake.toml", "minimum = 1", 'minimum = "1"')
    assert error_of(books / "base") == (
        f'{books / "base" / "fake.toml"}: minimum: expected an integer, got a string ("1")'
    )


def test_a_wrong_type_in_the_organisation(books: Path):
    edit(books / "base" / "rulebook.toml", "commons_members = 232", "commons_members = 23.2")
    assert error_of(books / "base") == (
        f"{books / 'base' / 'rulebook.toml'}: organisation.parliamentary_group.commons_members: "
        "expected an integer, got a decimal number (23.2)"
    )


def test_a_bad_rate_in_a_procedure_file(books: Path):
    edit(books / "base" / "fake.toml", 'rate = "15%"', 'rate = "15"')
    assert error_of(books / "base") == (
        f'{books / "base" / "fake.toml"}: vacancy.rate: \'15\' is not a rate like "15%" or "3/20"'
    )


def test_a_bad_rate_given_by_an_amendment_names_the_amendment(books: Path):
    edit(books / "child" / "rulebook.toml", 'value = "10%"', 'value = "10"')
    assert error_of(books / "child") == (
        f"{books / 'child' / 'rulebook.toml'}: amendments[1].value: fake.vacancy.rate: "
        '\'10\' is not a rate like "15%" or "3/20"'
    )


def test_an_unknown_parent(books: Path):
    edit(books / "child" / "rulebook.toml", 'derived_from = "base"', 'derived_from = "bsae"')
    known = ", ".join(sorted({*shipped_ids(), "base"}))
    assert error_of(books / "child") == (
        f"{books / 'child' / 'rulebook.toml'}: rulebook.derived_from: no rulebook called 'bsae' "
        f"(known: {known})"
    )


def test_a_cycle_in_derived_from(books: Path):
    edit(books / "base" / "rulebook.toml", 'source = "Example source"',
         'source = "Example source"\nderived_from = "child"')  # fmt: skip
    assert error_of(books / "child") == (
        f"{books / 'base' / 'rulebook.toml'}: rulebook.derived_from: cycle: child -> base -> child"
    )
    edit(books / "base" / "rulebook.toml", 'derived_from = "child"', 'derived_from = "base"')
    assert error_of(books / "base") == (
        f"{books / 'base' / 'rulebook.toml'}: rulebook.derived_from: cycle: base -> base"
    )


def test_an_amendment_to_a_missing_key(books: Path):
    edit(books / "child" / "rulebook.toml", 'key = "vacancy.rate"', 'key = "vacancy.rat"')
    assert error_of(books / "child") == (
        f"{books / 'child' / 'rulebook.toml'}: amendments[1].key: fake has no key 'vacancy.rat' "
        "(keys in vacancy: rate)"
    )


def test_an_amendment_through_a_value_that_is_not_a_table(books: Path):
    edit(books / "child" / "rulebook.toml", 'key = "vacancy.rate"', 'key = "minimum.rate"')
    assert error_of(books / "child") == (
        f"{books / 'child' / 'rulebook.toml'}: amendments[1].key: fake minimum is 1, not a table"
    )


def test_an_amendment_to_an_unknown_procedure(books: Path):
    edit(books / "child" / "rulebook.toml", 'procedure = "fake"', 'procedure = "faek"')
    assert error_of(books / "child") == (
        f"{books / 'child' / 'rulebook.toml'}: amendments[1].procedure: 'faek' is not a procedure "
        "(known procedures: fake)"
    )


def test_an_amendment_without_value_or_removal(books: Path):
    edit(books / "child" / "rulebook.toml", 'value = "10%"\n', "")
    assert error_of(books / "child") == (
        f"{books / 'child' / 'rulebook.toml'}: amendments[1].value: "
        "give either value = ... or remove = true (exactly one)"
    )


def test_an_unknown_procedure_file_is_named(books: Path):
    write(books, {"base/fiake.toml": 'source = "x"\n'})
    assert error_of(books / "base") == (
        f"{books / 'base' / 'fiake.toml'}: (file): 'fiake' is not a procedure "
        "(known procedures: fake)"
    )


def test_a_missing_required_key(books: Path):
    edit(books / "base" / "fake.toml", 'source = "Example Rule Book 2014, clause 1"\n', "")
    assert error_of(books / "base") == (
        f"{books / 'base' / 'fake.toml'}: source: missing (this key is required)"
    )


def test_an_id_that_is_not_its_folder_name(books: Path):
    edit(books / "base" / "rulebook.toml", 'id = "base"', 'id = "bass"')
    assert error_of(books / "base") == (
        f"{books / 'base' / 'rulebook.toml'}: rulebook.id: 'bass' does not match its folder's "
        "name 'base'"
    )


def test_an_end_before_the_start(books: Path):
    edit(books / "base" / "rulebook.toml", "effective_from = 2014-03-01",
         "effective_from = 2014-03-01\neffective_to = 2013-01-01")  # fmt: skip
    assert error_of(books / "base") == (
        f"{books / 'base' / 'rulebook.toml'}: rulebook.effective_to: 2013-01-01 is before "
        "effective_from 2014-03-01"
    )


def test_an_unknown_rulebook_name():
    with pytest.raises(RulebookError) as info:
        load_rulebook("labour-1066")
    assert str(info.value).startswith("labour-1066: rulebook: no rulebook called 'labour-1066'")


# --------------------------------------------------------------------------- amendments as data

_KEYS = st.sampled_from(["a", "b", "c"])
_LEAF = st.one_of(st.integers(-3, 3), st.text(max_size=3), st.booleans())
_TABLE = st.recursive(
    st.dictionaries(_KEYS, _LEAF, max_size=3),
    lambda inner: st.dictionaries(_KEYS, st.one_of(_LEAF, inner), max_size=3),
    max_leaves=8,
)
_AMENDMENT = st.builds(
    lambda proc, key, value, remove: Amendment(
        procedure=proc,
        key=".".join(key),
        value=None if remove else value,
        remove=remove,
        source="s",
    ),
    st.sampled_from(["p", "q"]),
    st.lists(_KEYS, min_size=1, max_size=3),
    st.one_of(_LEAF, _TABLE),
    st.booleans(),
)


def _apply(data, amendments):
    try:
        return apply_amendments(data, amendments)
    except AmendmentProblem as exc:
        return ("error", str(exc))


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({"p": _TABLE, "q": _TABLE}), st.lists(_AMENDMENT, max_size=6))
def test_applying_amendments_is_deterministic_and_leaves_the_input_alone(data, amendments):
    snapshot = json.dumps(data, sort_keys=True)
    first, second = _apply(data, amendments), _apply(data, amendments)
    assert first == second
    assert json.dumps(data, sort_keys=True) == snapshot
    if first[0] != "error":
        # the result is the input with each recorded (key, after) set in turn
        result, applied = first
        assert len(applied) == len(amendments)
        replay = json.loads(snapshot)
        for _index, proc, key, _before, after in applied:
            *path, last = key.split(".")
            node = replay[proc]
            for segment in path:
                node = node[segment]
            if after is MISSING:
                del node[last]
            else:
                node[last] = after
        assert result == replay


# --------------------------------------------------------------------------- shipped rulebooks

SHIPPED = shipped_ids()
DERIVED = [
    r
    for r in SHIPPED
    if "derived_from"
    in tomllib.loads((shipped_folder() / r / RULEBOOK_FILE).read_text())["rulebook"]
]
needs_shipped = pytest.mark.skipif(not SHIPPED, reason="no shipped rulebooks yet")

EXPECTED = [
    "labour-2010",
    "labour-2014",
    "labour-2015",
    "labour-2017",
    "labour-2018",
    "labour-2020",
    "labour-2021",
    "labour-2022",
    "labour-proposal-5pc",
    "labour-proposal-66pc-reselection",
    "conservative-2019",
    "libdem-2019",
    "green-ew-2020",
    "students-union-stv",
]


@needs_shipped
def test_the_issue_s_rulebooks_are_shipped():
    assert sorted(EXPECTED) == sorted(set(EXPECTED) & set(SHIPPED))


@needs_shipped
@pytest.mark.parametrize("rid", SHIPPED)
def test_every_shipped_rulebook_loads_and_cites_a_source(rid):
    book = load_rulebook(rid)
    assert book.id == rid
    assert book.meta.source and book.organisation.source
    assert book.procedures, f"{rid} defines no procedures"
    for rule in book.rules():
        assert rule.origin.source, f"{rid}: {rule.procedure}.{rule.key} has no source"
    for amendment in book.amendments:
        assert amendment.source, f"{rid}: amendment {amendment.index} has no source"


@needs_shipped
@pytest.mark.parametrize("rid", DERIVED)
def test_each_amendment_changes_what_it_says(rid):
    book = load_rulebook(rid)
    parent = load_rulebook(book.meta.derived_from)
    own = [a for a in book.amendments if a.version == rid]
    assert own, f"{rid} is derived but amends nothing"
    last_for_key = {(a.procedure, a.key): a for a in own}
    for a in own:
        before = _get(parent.data.get(a.procedure, {}), a.key)
        if not any(
            b.procedure == a.procedure and b.key == a.key and b.index < a.index for b in own
        ):
            assert a.before == before, f"{rid} amendment {a.index}: parent value differs"
        assert a.after != a.before, f"{rid} amendment {a.index} changes nothing"
        if last_for_key[(a.procedure, a.key)] is a:
            assert _get(book.data[a.procedure], a.key) == a.after
            assert book.origin(a.procedure, a.key) == a.origin
    changed = {(c.section, c.key) for c in diff(parent, book)}
    for a in own:
        assert any(
            s == a.procedure and (k == a.key or k.startswith(a.key + ".")) for s, k in changed
        )


def _get(table, key):
    node = table
    for segment in key.split("."):
        if not isinstance(node, dict) or segment not in node:
            return MISSING
        node = node[segment]
    return node


@needs_shipped
def test_list_rulebooks_is_ordered_by_organisation_and_date():
    books = list_rulebooks()
    assert [b.id for b in books] == sorted(
        (b.id for b in books),
        key=lambda i: next((b.organisation, b.effective_from, b.id) for b in books if b.id == i),
    )
    labour = [
        b.id for b in books if b.organisation == "Labour Party (UK)" and b.status == "adopted"
    ]
    assert labour == [
        "labour-2010",
        "labour-2014",
        "labour-2015",
        "labour-2017",
        "labour-2018",
        "labour-2020",
        "labour-2021",
        "labour-2022",
    ]


# --------------------------------------------------------------------------- the command line


def test_rules_show_and_diff_on_folders(books: Path):
    result = runner.invoke(app, ["rules", "show", str(books / "child"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["lineage"] == ["base", "child"]
    rate = next(r for r in data["procedures"]["fake"] if r["key"] == "vacancy.rate")
    assert rate["value"] == "10%"
    assert rate["origin"] == {
        "version": "child", "file": "rulebook.toml", "amendment": 1,
        "source": "Conference 2017, card vote 1", "note": "15% -> 10%",
    }  # fmt: skip
    text = runner.invoke(app, ["rules", "show", str(books / "child")])
    assert text.exit_code == 0, text.output
    assert "vacancy.rate" in text.output and '"10%"' in text.output
    assert all(line == line.rstrip() for line in text.output.splitlines())
    result = runner.invoke(
        app, ["rules", "diff", str(books / "base"), str(books / "child"), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    changes = json.loads(result.output)["changes"]
    assert [(c["key"], c["before"], c["after"], c["change"]) for c in changes] == [
        ("vacancy.rate", "15%", "10%", "changed"),
        ("stage2.clps_rate", None, "5%", "added"),
    ]
    text = runner.invoke(app, ["rules", "diff", str(books / "base"), str(books / "child")])
    assert text.exit_code == 0 and '"15%"' in text.output and '"10%"' in text.output


def test_rules_errors_are_one_line(books: Path):
    edit(books / "base" / "fake.toml", 'rate = "15%"', 'rate = "15"')
    result = runner.invoke(app, ["rules", "show", str(books / "child")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    path = books / "base" / "fake.toml"
    assert lines == [f'error: {path}: vacancy.rate: \'15\' is not a rate like "15%" or "3/20"']
    unknown = runner.invoke(app, ["rules", "show", "labour-1066"])
    assert unknown.exit_code == 2
    assert unknown.output.startswith("error: no rulebook called 'labour-1066'")


@needs_shipped
def test_rules_list_is_deterministic_json_and_a_table():
    first = runner.invoke(app, ["rules", "list", "--format", "json"])
    second = runner.invoke(app, ["rules", "list", "--format", "json"])
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    ids = [b["id"] for b in json.loads(first.output)]
    assert set(EXPECTED) <= set(ids)
    table = runner.invoke(app, ["rules", "list"])
    assert table.exit_code == 0 and "labour-2018" in table.output


# ---------------------------------------------------- the shipped versions against the facts

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HISTORY = SHARED / "facts" / "labour_history.json"
needs_history = pytest.mark.skipif(not HISTORY.is_file(), reason="shared/facts is missing")


def _pool(book, pool: str) -> int:
    group = book.organisation.parliamentary_group
    return group.commons_members + (group.european_members or 0 if pool == "mps_meps" else 0)


@needs_shipped
@pytest.mark.parametrize(
    ("rid", "contest", "expected", "published"),
    [
        ("labour-2014", "vacancy", 35, "15% of 232 MPs, June 2015 (New Statesman)"),
        ("labour-2015", "vacancy", 38, "15% of 232 MPs + 20 MEPs (Rentoul, Nov 2015)"),
        ("labour-proposal-5pc", "vacancy", 13, "5% of the same 252 (the proposal's arithmetic)"),
        ("labour-2018", "vacancy", 22, "10% of MPs and MEPs, Jan 2020 (LabourList)"),
        ("labour-2021", "vacancy", 40, "'20% of MPs, or 40 on current numbers' (2021)"),
    ],
)
def test_parliamentary_thresholds_from_each_version_match_the_published_ones(
    rid, contest, expected, published
):
    from selectorate.procedures.numbers import required

    book = load_rulebook(rid)
    rule = getattr(book.procedure("leadership"), contest).parliamentary
    need = required(parse_rate(rule.rate), _pool(book, rule.pool), "at_least",
                    book.procedure("leadership").rounding)  # fmt: skip
    assert need == expected, published


@needs_shipped
@needs_history
def test_the_2016_challenge_and_the_2020_clp_stage_match_the_record():
    from selectorate.procedures.numbers import required

    history = json.loads(HISTORY.read_text(encoding="utf-8"))
    lab2016 = next(
        e for e in history["labour_leadership_elections"] if e["id"] == "lab-leader-2016"
    )
    rule2016 = lab2016["trigger"]["challenger_threshold"]
    challenge = load_rulebook("labour-2015").procedure("leadership").challenge.parliamentary
    assert challenge.pool == "mps_meps"
    assert required(parse_rate(challenge.rate), rule2016["pool_size"]) == rule2016["threshold"]

    lab2020 = next(
        e for e in history["labour_leadership_elections"] if e["id"] == "lab-leader-2020"
    )
    clp_route = lab2020["nomination_rule"]["stage2_any_of"][0]
    book = load_rulebook("labour-2018")
    supporting = book.procedure("leadership").vacancy.supporting
    clps = book.organisation.constituency_parties.count
    assert clps == clp_route["pool_size"]
    assert required(parse_rate(supporting.clps_rate), clps) == clp_route["threshold"] == 33
    assert (supporting.affiliates_min, supporting.unions_min) == (3, 2)


@needs_shipped
@pytest.mark.parametrize(
    ("rid", "decision"),
    [
        ("labour-2017", "not_triggered"),  # 6 of 11 units backed Hodge: a majority
        ("labour-2018", "triggered"),  # 5 of 11 asked for a selection: at least a third
        ("labour-2021", "not_triggered"),  # 5 of 11 is less than half
    ],
)
def test_barking_2019_under_each_version(rid, decision):
    from selectorate.procedures import trigger_ballot

    # Barking 2019 (labour_history.json tb-2019-barking): 5 branches for a selection, 6 against.
    branches = trigger_ballot.Side(for_selection=5, for_mp=6)
    params = load_rulebook(rid).procedure("trigger_ballot")
    assert trigger_ballot.evaluate(params, branches, trigger_ballot.Side())[0] == decision


@needs_shipped
def test_the_66pc_proposal_makes_reselection_mandatory_below_two_thirds():
    book = load_rulebook("labour-proposal-66pc-reselection")
    params = book.procedure("reselection")
    assert params.mandatory is True and parse_rate(params.exemption_support) == parse_rate("2/3")
    assert load_rulebook("labour-2017").procedure("reselection").mandatory is False
    assert [c.key for c in diff("labour-2017", book) if c.key != "source"] == [
        "mandatory",
        "exemption_support",
    ]


@needs_shipped
def test_2021_abolishes_registered_supporters_and_requires_six_months():
    before, after = load_rulebook("labour-2018"), load_rulebook("labour-2021")
    assert "registered_supporter" in before.procedure("eligibility").categories
    assert after.procedure("eligibility").categories == ["member", "affiliated_supporter"]
    assert after.procedure("eligibility").members.minimum_membership == "6 months"
    assert "registered_supporters" not in after.procedure("leadership").ballot.electorate


def test_an_amendment_into_a_table_the_parent_lacks_checks_the_key(books: Path):
    text = (books / "child" / "rulebook.toml").read_text(encoding="utf-8")
    text = text.replace(
        'key = "stage2"\nvalue = {clps_rate = "5%"}', 'key = "stage2.clps_rat"\nvalue = "5%"'
    )
    (books / "child" / "rulebook.toml").write_text(text, encoding="utf-8")
    assert error_of(books / "child") == (
        f"{books / 'child' / 'rulebook.toml'}: amendments[2].key: fake has no key "
        "'stage2.clps_rat' (keys in stage2: none)"
    )


@needs_shipped
def test_a_folder_may_derive_from_a_shipped_version(tmp_path: Path):
    rulebook = """\
[rulebook]
id = "my-labour"
organisation = "Labour Party (UK)"
title = "What if"
effective_from = 2019-01-01
derived_from = "labour-2017"
source = "a test"

[[amendments]]
procedure = "leadership"
key = "vacancy.supporting.unions_min"
value = 2
source = "a partly given table"
"""
    write(tmp_path, {"my-labour/rulebook.toml": rulebook})
    assert error_of(tmp_path / "my-labour") == (
        f"{tmp_path / 'my-labour' / 'rulebook.toml'}: amendments[1].value: "
        "leadership.vacancy.supporting: give clps_rate and/or affiliates_min (at least one route)"
    )
    edit(tmp_path / "my-labour" / "rulebook.toml", "unions_min", "clps_rate")
    edit(tmp_path / "my-labour" / "rulebook.toml", "value = 2", 'value = "5%"')
    book = load_rulebook(tmp_path / "my-labour")
    assert book.lineage[-2:] == ("labour-2017", "my-labour")
    assert book.procedure("leadership").vacancy.supporting.clps_rate == "5%"
