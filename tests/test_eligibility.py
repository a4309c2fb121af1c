"""Eligibility to vote at a freeze date: truth tables, edges, properties, the register reader.

No test reads the clock: every check is made at an explicit freeze date.
Facts: shared/facts/rulebooks.md §1.3 (freeze dates, six-month rule,
registered supporters' windows and fees); 2016 guidance quoted in
selectorate/procedures/eligibility.py.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from selectorate.procedures import eligibility as el
from selectorate.procedures.eligibility import Registrant
from selectorate.rulebooks.errors import RulebookError
from selectorate.rulebooks.register import COLUMNS, read_register

FREEZE_2016 = date(2016, 7, 12)
DAY = timedelta(days=1)


def params(**over: object) -> el.Params:
    """Collins-era rules with the NEC's 2015 and 2016 contests (as the Labour TOML has them)."""
    data: dict[str, object] = {
        "source": "test",
        "categories": ["member", "affiliated_supporter", "registered_supporter"],
        "registered_supporters": {"fee": "£3"},
        "contests": [
            {
                "id": "lab-leader-2015",
                "freeze_date": date(2015, 8, 12),
                "registered_supporter_fee": "£3",
                "registered_supporter_window": [date(2015, 8, 12)],
            },
            {
                "id": "lab-leader-2016",
                "freeze_date": FREEZE_2016,
                "minimum_membership": "6 months",
                "arrears_deadline": date(2016, 8, 8),
                "affiliated_supporter_deadline": date(2016, 8, 8),
                "registered_supporter_fee": "£25",
                "registered_supporter_window": [date(2016, 7, 18), date(2016, 7, 20)],
            },
        ],
    }
    data.update(over)
    return msgspec.convert(data, el.Params)


def member(joined: date, **over: object) -> Registrant:
    fields: dict[str, object] = {
        "member_id": "M1", "name": "A Member", "category": "member", "status": "active",
        "joined": joined, "paid_up_to": date(2099, 12, 31),
    }  # fmt: skip
    fields.update(over)
    return Registrant(**fields)  # type: ignore[arg-type]


def decide(person: Registrant, freeze: date, p: el.Params | None = None,
           contest: str | None = None) -> el.Outcome:  # fmt: skip
    return el.check_person(p or params(), person, freeze, contest=contest)


# --------------------------------------------------------------------------- truth tables


@pytest.mark.parametrize(
    ("joined", "expected"),
    [
        (FREEZE_2016 - DAY, "eligible"),  # the day before the freeze date
        (FREEZE_2016, "eligible"),  # on the freeze date: "join by" includes the day
        (FREEZE_2016 + DAY, "excluded"),  # the day after
    ],
)
def test_join_date_against_freeze_date_without_minimum(joined: date, expected: str) -> None:
    assert decide(member(joined), FREEZE_2016).decision == expected


@pytest.mark.parametrize(
    ("joined", "expected"),
    [
        (date(2016, 1, 11), "eligible"),
        (date(2016, 1, 12), "eligible"),  # "on or before 12 January 2016"
        (date(2016, 1, 13), "excluded"),  # the ~130,000 excluded in 2016 joined after this
        (FREEZE_2016, "excluded"),
        (FREEZE_2016 + DAY, "excluded"),
    ],
)
def test_six_month_rule_2016(joined: date, expected: str) -> None:
    outcome = decide(member(joined), FREEZE_2016, contest="lab-leader-2016")
    assert outcome.decision == expected
    if expected == "excluded" and joined <= FREEZE_2016:
        assert "less than 6 months" in outcome.reasons[0]
        assert "2016-01-12" in outcome.reasons[0]


def test_joined_after_freeze_date_reason_names_both_dates() -> None:
    out = decide(member(FREEZE_2016 + DAY), FREEZE_2016)
    assert out.reasons == ["member joined 2016-07-13, after the freeze date 2016-07-12"]


@pytest.mark.parametrize(
    ("paid_up_to", "contest", "expected"),
    [
        (FREEZE_2016, None, "eligible"),  # paid up to the freeze date itself
        (FREEZE_2016 - DAY, None, "excluded"),  # in arrears by a day
        (None, None, "excluded"),  # no record of payment
        (date(2016, 8, 8), "lab-leader-2016", "eligible"),  # 2016: arrears payable until 8 Aug
        (date(2016, 8, 7), "lab-leader-2016", "excluded"),
    ],
)
def test_arrears(paid_up_to: date | None, contest: str | None, expected: str) -> None:
    out = decide(member(date(2015, 1, 1), paid_up_to=paid_up_to), FREEZE_2016, contest=contest)
    assert out.decision == expected
    if expected == "excluded":
        assert any("arrears" in r or "paid-up-to" in r for r in out.reasons)


@pytest.mark.parametrize("status", ["lapsed", "suspended", "expelled", "resigned"])
def test_status_other_than_active_excludes_with_that_reason(status: str) -> None:
    out = decide(member(date(2010, 1, 1), status=status), FREEZE_2016)
    assert out.decision == "excluded"
    assert out.reasons == [f"membership status is {status}"]


def test_paid_up_rule_can_be_switched_off() -> None:
    p = params(members={"paid_up": False})
    out = decide(member(date(2010, 1, 1), paid_up_to=None), FREEZE_2016, p)
    assert out.decision == "eligible"


def test_every_reason_is_given_not_just_the_first() -> None:
    person = member(FREEZE_2016 + DAY, status="lapsed", paid_up_to=date(2016, 1, 1))
    out = decide(person, FREEZE_2016)
    assert out.decision == "excluded"
    assert len(out.reasons) == 3
    assert out.reasons[0] == "membership status is lapsed"
    assert "after the freeze date" in out.reasons[1]
    assert "in arrears" in out.reasons[2]


def supporter(registered_on: date | None, fee: str | None = "25", paid_on: date | None = None,
              **over: object) -> Registrant:  # fmt: skip
    fields: dict[str, object] = {
        "member_id": "S1", "name": "A Supporter", "category": "registered_supporter",
        "status": "active", "supporter_registered_on": registered_on,
        "fee_paid": None if fee is None else Fraction(fee), "fee_paid_on": paid_on,
    }  # fmt: skip
    fields.update(over)
    return Registrant(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("registered", "fee", "paid_on", "expected"),
    [
        (date(2016, 7, 17), "25", None, "excluded"),  # the day before the window opened
        (date(2016, 7, 18), "25", None, "eligible"),  # first day (from 17:00)
        (date(2016, 7, 20), "25", None, "eligible"),  # last day (until 17:00)
        (date(2016, 7, 21), "25", None, "excluded"),  # the day after
        (date(2016, 7, 19), "3", None, "excluded"),  # the 2015 fee is not enough in 2016
        (date(2016, 7, 19), "24.99", None, "excluded"),
        (date(2016, 7, 19), None, None, "excluded"),  # never paid
        (date(2016, 7, 19), "25", date(2016, 7, 21), "excluded"),  # paid after the window
        (None, "25", None, "excluded"),  # no registration at all
    ],
)
def test_registered_supporters_window_and_fee_2016(
    registered: date | None, fee: str | None, paid_on: date | None, expected: str
) -> None:
    out = decide(supporter(registered, fee, paid_on), FREEZE_2016, contest="lab-leader-2016")
    assert out.decision == expected, out.reasons


def test_registered_supporter_2015_three_pounds_closing_on_freeze_date() -> None:
    freeze = date(2015, 8, 12)
    ok = decide(supporter(freeze, "3"), freeze, contest="lab-leader-2015")
    late = decide(supporter(freeze + DAY, "3"), freeze, contest="lab-leader-2015")
    assert (ok.decision, late.decision) == ("eligible", "excluded")
    assert "outside the window (closing 2015-08-12)" in late.reasons[0]


def test_registered_supporters_abolished() -> None:
    p = params(categories=["member", "affiliated_supporter"])
    out = decide(supporter(date(2016, 7, 19)), FREEZE_2016, p, contest="lab-leader-2016")
    assert out.decision == "excluded"
    assert out.reasons == ["registered supporters do not vote under this rulebook"]


def test_new_member_2016_may_vote_as_registered_supporter() -> None:
    """A member who joined after 12 Jan 2016 could still vote by paying £25 in the window."""
    person = member(date(2016, 6, 25), fee_paid=Fraction(25),
                    supporter_registered_on=date(2016, 7, 19))  # fmt: skip
    out = decide(person, FREEZE_2016, contest="lab-leader-2016")
    assert out.decision == "eligible"
    assert any(f.name == "route" and f.value == "registered_supporter" for f in out.figures)
    assert out.reasons and out.reasons[0].startswith("not as member:")


@pytest.mark.parametrize(
    ("affiliate_joined", "signed", "expected"),
    [
        (date(2016, 1, 12), date(2016, 8, 8), "eligible"),
        (date(2016, 1, 13), date(2016, 7, 20), "excluded"),  # "the freeze also applies"
        (date(2015, 5, 1), date(2016, 8, 9), "excluded"),  # signed up after the deadline
        (date(2015, 5, 1), None, "excluded"),
    ],
)
def test_affiliated_supporters_2016(affiliate_joined: date, signed: date | None,
                                    expected: str) -> None:  # fmt: skip
    person = Registrant("A1", "An Affiliate", "affiliated_supporter", "active",
                        joined=affiliate_joined, supporter_registered_on=signed)  # fmt: skip
    assert decide(person, FREEZE_2016, contest="lab-leader-2016").decision == expected


# --------------------------------------------------------------------------- properties


dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))


@given(dates, st.integers(min_value=0, max_value=36))
def test_months_before_is_calendar_months_clamped(day: date, months: int) -> None:
    back = el.months_before(day, months)
    assert (day.year * 12 + day.month) - (back.year * 12 + back.month) == months
    assert back.day == min(day.day, calendar.monthrange(back.year, back.month)[1])
    assert back <= day


@given(freeze=dates, joined=dates)
def test_six_month_rule_property(freeze: date, joined: date) -> None:
    p = params(members={"minimum_membership": "6 months"})
    out = decide(member(joined), freeze, p)
    assert (out.decision == "eligible") == (joined <= el.months_before(freeze, 6))


@given(freeze=dates, joined=dates, paid=st.one_of(st.none(), dates))
def test_member_truth_table_property(freeze: date, joined: date, paid: date | None) -> None:
    out = decide(member(joined, paid_up_to=paid), freeze)
    expected = joined <= freeze and paid is not None and paid >= freeze
    assert (out.decision == "eligible") == expected
    # every exclusion carries at least one reason; an eligible member none
    assert bool(out.reasons) != expected


@given(freeze=dates, offset=st.integers(min_value=-400, max_value=400))
def test_later_freeze_date_never_excludes_a_paid_up_member(freeze: date, offset: int) -> None:
    joined = freeze + timedelta(days=offset)
    earlier = decide(member(joined), freeze).decision
    later = decide(member(joined), freeze + timedelta(days=30)).decision
    assert not (earlier == "eligible" and later == "excluded")


# --------------------------------------------------------------------------- the whole register


def test_check_register_counts_by_route_and_reason() -> None:
    people = [
        member(date(2015, 1, 1), member_id="1"),
        member(date(2016, 3, 1), member_id="2"),  # six-month rule
        member(date(2010, 1, 1), member_id="3", status="lapsed"),
        supporter(date(2016, 7, 19), member_id="4"),
        supporter(date(2016, 7, 19), "3", member_id="5"),
    ]
    out = el.check_register(params(), people, FREEZE_2016, contest="lab-leader-2016",
                            rulebook="labour-2015")  # fmt: skip
    assert [d.decision for d in out.details] == [
        "eligible", "excluded", "excluded", "eligible", "excluded",
    ]
    figures = {f.name: f.value for f in out.figures}
    assert figures["eligible"] == "2"
    assert figures["excluded"] == "3"
    assert figures["joined on or before"] == "2016-01-12"
    assert figures["excluded: minimum membership"] == "1"
    assert figures["excluded: status lapsed"] == "1"
    assert figures["excluded: fee not paid"] == "1"
    assert out.rulebook == "labour-2015"


def test_contest_freeze_date_differs_is_noted() -> None:
    out = el.check_register(params(), [], date(2016, 7, 1), contest="lab-leader-2016")
    assert "was 2016-07-12" in out.reasons[0]


def test_unknown_contest_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="lab-leader-2015, lab-leader-2016"):
        el.check_register(params(), [], FREEZE_2016, contest="lab-leader-2099")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"categories": ["voter"]}, "not a category"),
        ({"members": {"minimum_membership": "six months"}}, "not a period"),
        ({"registered_supporters": {"fee": "£3.999"}}, "not an amount"),
    ],
)
def test_params_validation(data: dict[str, object], problem: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=problem):
        params(**data)


def test_money_and_periods() -> None:
    assert el.parse_money("£25") == 25
    assert el.parse_money("3.50") == Fraction(7, 2)
    assert el.format_money(Fraction(7, 2)) == "£3.50"
    assert el.subtract_period(date(2021, 8, 31), "6 months") == date(2021, 2, 28)
    assert el.subtract_period(date(2020, 1, 20), "8 weeks") == date(2019, 11, 25)
    assert el.subtract_period(date(2020, 2, 29), "1 year") == date(2019, 2, 28)
    assert el.subtract_period(date(2020, 1, 20), "") == date(2020, 1, 20)


# --------------------------------------------------------------------------- register files

HEADER = ",".join(COLUMNS)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_register(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n"
                 "L1,Ann,member,active,2015-03-01,2016-12-31,,,\n"
                 "\n"
                 "L2,Bob,registered_supporter,active,,,2016-07-19,£25,2016-07-19\n")  # fmt: skip
    people = read_register(path)
    assert [p.member_id for p in people] == ["L1", "L2"]
    assert people[0].joined == date(2015, 3, 1)
    assert people[1].fee_paid == 25 and people[1].row == 4


@pytest.mark.parametrize(
    ("body", "where", "problem"),
    [
        ("L1,Ann,member,active,2015-13-01,,,,", "row 2, column 'joined'", "not a date"),
        ("L1,Ann,member,active,1/3/2015,,,,", "row 2, column 'joined'", "not a date"),
        ("L1,Ann,voter,active,2015-01-01,,,,", "row 2, column 'category'", "not one of"),
        ("L1,Ann,member,,2015-01-01,,,,", "row 2, column 'status'", "empty cell"),
        ("L1,Ann,member,active,2015-01-01,,,£x,", "row 2, column 'fee_paid'", "amount"),
        ("L1,Ann,member,active,2015-01-01,,,\n", "row 2", "8 cells"),
        (",Ann,member,active,2015-01-01,,,,", "row 2, column 'member_id'", "empty"),
        ("L1,Ann,member,active,2015-01-01,,,,\nL1,Bo,member,active,2015-01-01,,,,",
         "row 3, column 'member_id'", "already on row 2"),
    ],
)
def test_register_errors_name_file_row_column(tmp_path: Path, body: str, where: str,
                                              problem: str) -> None:  # fmt: skip
    path = write(tmp_path, HEADER + "\n" + body + "\n")
    with pytest.raises(RulebookError) as info:
        read_register(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {where}: "), message
    assert problem in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("member_id,name,category,status", "missing column(s): joined"),
        ("member_id,name,category,status,joined,join_date", "unknown column"),
        ("member_id,name,category,status,joined,name", "column named twice"),
        ("", "no header row"),
    ],
)
def test_register_header_errors(tmp_path: Path, header: str, problem: str) -> None:
    with pytest.raises(RulebookError, match="row 1") as info:
        read_register(write(tmp_path, header + "\n"))
    assert problem in str(info.value)


def test_register_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="no such file"):
        read_register(tmp_path / "nope.csv")


def test_register_that_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="is a folder, not a file"):
        read_register(tmp_path)


def test_example_register_reads() -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "register.csv"
    people = read_register(example)
    assert len(people) >= 10
    assert len({p.member_id for p in people}) == len(people)


# --------------------------------------------------------------------------- the shipped rulebooks


def test_shipped_labour_2014_contests() -> None:
    from selectorate.rulebooks import load_rulebook

    p = load_rulebook("labour-2014").procedure("eligibility")
    assert p.contest("lab-deputy-2020").id == "lab-leader-2020"
    ok = el.check_person(p, member(date(2016, 1, 12)), FREEZE_2016, contest="lab-leader-2016")
    late = el.check_person(p, member(date(2016, 1, 13)), FREEZE_2016, contest="lab-leader-2016")
    assert (ok.decision, late.decision) == ("eligible", "excluded")
    # 2020: join by 20 Jan 2020; registered supporters 14-16 Jan, £25
    freeze = date(2020, 1, 20)
    assert el.check_person(p, member(freeze), freeze, contest="lab-leader-2020").decision == \
        "eligible"  # fmt: skip
    sup = supporter(date(2020, 1, 17), "25")
    assert el.check_person(p, sup, freeze, contest="lab-leader-2020").decision == "excluded"


def test_shipped_labour_2021_six_months_no_registered_supporters() -> None:
    """2021: six months' membership (joined by 9 May 2021 for the 9 Nov 2021 freeze date of
    that year's trigger ballots, optimismofthewill.com); registered supporters abolished."""
    from selectorate.rulebooks import load_rulebook

    p = load_rulebook("labour-2021").procedure("eligibility")
    freeze = date(2021, 11, 9)
    assert el.check_person(p, member(date(2021, 5, 9)), freeze).decision == "eligible"
    assert el.check_person(p, member(date(2021, 5, 10)), freeze).decision == "excluded"
    out = el.check_person(p, supporter(date(2021, 11, 1)), freeze)
    assert out.reasons == ["registered supporters do not vote under this rulebook"]
