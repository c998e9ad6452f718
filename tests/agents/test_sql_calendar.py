"""Calendar dates a question names become a filter on the date column it means."""

from __future__ import annotations

from datetime import date

import pytest

from agents._sql_calendar import NamedRange, _same_word, named_range, relative_pair, two_ranges, with_year


@pytest.mark.parametrize(("words", "expected"), [
    ("how many promotions ended during october 2026?",
     NamedRange(date(2026, 10, 1), date(2026, 10, 31), "between")),
    # a day span without "from": "to" joins its ends ("and" would join two days)
    ("sales in the week of september 14 to september 20, 2026",
     NamedRange(date(2026, 9, 14), date(2026, 9, 20), "between")),
    ("units sold in each month from may to october 2026",
     NamedRange(date(2026, 5, 1), date(2026, 10, 31), "between")),
    ("the list price on june 1st, 2026", NamedRange(date(2026, 6, 1), date(2026, 6, 1), "between")),
    ("orders due to arrive by november 7, 2026",
     NamedRange(date(2026, 11, 7), date(2026, 11, 7), "<=")),
    ("received before 2026-03-04", NamedRange(date(2026, 3, 4), date(2026, 3, 4), "<")),
    ("sales since feb 2026", NamedRange(date(2026, 2, 1), date(2026, 2, 28), ">=")),
    ("sales since the start of march 2026",
     NamedRange(date(2026, 3, 1), date(2026, 3, 31), ">=")),
    ("revenue in 2025", NamedRange(date(2025, 1, 1), date(2025, 12, 31), "between")),
    ("between june 1 and june 30, 2026", NamedRange(date(2026, 6, 1), date(2026, 6, 30),
                                                    "between")),
    ("units sold from july 1 to september 15, 2026",
     NamedRange(date(2026, 7, 1), date(2026, 9, 15), "between")),
    ("between august 3 and 9, 2026", NamedRange(date(2026, 8, 3), date(2026, 8, 9), "between")),
    ("revenue in the third quarter of 2026",
     NamedRange(date(2026, 7, 1), date(2026, 9, 30), "between")),
    ("q2 2026 sales", NamedRange(date(2026, 4, 1), date(2026, 6, 30), "between")),
    ("in the second half of 2026", NamedRange(date(2026, 7, 1), date(2026, 12, 31), "between")),
    ("orders in the second week of august 2026",
     NamedRange(date(2026, 8, 8), date(2026, 8, 14), "between")),
    ("during the last week of february 2026",
     NamedRange(date(2026, 2, 22), date(2026, 2, 28), "between")),
    ("units sold june through september 2026",
     NamedRange(date(2026, 6, 1), date(2026, 9, 30), "between")),
    # the day first, and bounds in other words
    ("due no later than 7 november 2026",
     NamedRange(date(2026, 11, 7), date(2026, 11, 7), "<=")),
    ("expected on or before the 3rd of october 2026",
     NamedRange(date(2026, 10, 3), date(2026, 10, 3), "<=")),
    ("received on or after aug 15, 2026",
     NamedRange(date(2026, 8, 15), date(2026, 8, 15), ">=")),
    # days of one month as a range, the year given once
    ("units shipped in the week of march 9-15, 2026",
     NamedRange(date(2026, 3, 9), date(2026, 3, 15), "between")),
    ("arriving between 10 and 16 december 2026, both included",
     NamedRange(date(2026, 12, 10), date(2026, 12, 16), "between")),
    ("margin in april 2026 (apr 1-30)", NamedRange(date(2026, 4, 1), date(2026, 4, 30), "between")),
    ("from the 2nd to the 8th of may 2026",
     NamedRange(date(2026, 5, 2), date(2026, 5, 8), "between")),
    ("units in the week of 2026-03-09 to 2026-03-15",
     NamedRange(date(2026, 3, 9), date(2026, 3, 15), "between")),
    # the first day first too, the year said once at the end; a weekday beside a date
    ("sold between 4 june and 19 june 2026", NamedRange(date(2026, 6, 4), date(2026, 6, 19),
                                                        "between")),
    ("from 28 february to 3 march 2026", NamedRange(date(2026, 2, 28), date(2026, 3, 3),
                                                    "between")),
    ("from tuesday 1 september to friday 4 september 2026",
     NamedRange(date(2026, 9, 1), date(2026, 9, 4), "between")),
    # two months in a row, said with "or" / "and": both
    ("promos that started in july or august 2026",
     NamedRange(date(2026, 7, 1), date(2026, 8, 31), "between")),
    ("units received during march and april 2026",
     NamedRange(date(2026, 3, 1), date(2026, 4, 30), "between")),
    # from the business date on, whatever it is
    ("purchase orders due between today and november 10, 2026",
     NamedRange(date(2026, 11, 10), date(2026, 11, 10), "between", from_today=True)),
    ("arriving from today through 12 november 2026",
     NamedRange(date(2026, 11, 12), date(2026, 11, 12), "between", from_today=True)),
])
def test_a_named_date_is_read_as_a_range(words: str, expected: NamedRange) -> None:
    assert named_range(words) == expected


@pytest.mark.parametrize("words", [
    "what did we sell last month",  # relative: the query's period says it
    "between june 30 and june 1, 2026",  # backwards
    "september 2026 against october 2026",
    "from october to may 2026",  # backwards
    "on february 30, 2026",  # no such day
    "orders in march or may 2026",  # two months apart: not one range
])
def test_no_one_range_is_no_range(words: str) -> None:
    assert named_range(words) is None


@pytest.mark.parametrize(("words", "expected"), [
    ("revenue in june 2026 against july 2026", ((6, 1, 6, 30), (7, 1, 7, 31))),
    ("did units rise from march to april 2026", ((3, 1, 3, 31), (4, 1, 4, 30))),
    ("june or july 2026: which sold more", ((6, 1, 6, 30), (7, 1, 7, 31))),
])
def test_two_ranges_set_against_each_other_are_read_in_the_order_said(
        words: str, expected: tuple[tuple[int, ...], ...]) -> None:
    ranges = two_ranges(words, spans_are_pairs=True)
    assert ranges is not None
    assert [(r.start.month, r.start.day, r.end.month, r.end.day) for r in ranges] == list(expected)


def test_a_span_is_one_range_unless_its_ends_are_compared() -> None:
    assert two_ranges("units sold from may to october 2026") is None
    assert two_ranges("units sold in october 2026") is None
    # (the second in brackets after "compared with the week before")
    assert two_ranges("revenue for 19 to 25 october 2026 compared with the week before (12 to "
                      "18 october 2026)") is not None
    # (two months in a row are one range, but still two when set against each other)
    assert two_ranges("july or august 2026: which sold more") is not None
    assert two_ranges("revenue between august 1 and august 15, 2026", spans_are_pairs=True) is None


def test_a_bound_filters_from_the_edge_it_names() -> None:
    by = NamedRange(date(2026, 11, 1), date(2026, 11, 30), "<=")
    since = NamedRange(date(2026, 11, 1), date(2026, 11, 30), ">=")
    assert by.filter("t.d") == {"field": "t.d", "op": "<=", "value": "2026-11-30"}
    assert since.filter("t.d") == {"field": "t.d", "op": ">=", "value": "2026-11-01"}


@pytest.mark.parametrize(("a", "b", "same"), [
    ("received", "receive", True), ("ended", "ends", True), ("effective", "effect", True),
    ("recent", "received", False), ("day", "days", True), ("on", "one", False),
])
def test_forms_of_one_word(a: str, b: str, same: bool) -> None:
    assert _same_word(a, b) is same


@pytest.mark.parametrize(("question", "read"), [
    ("For October, what was revenue?", "For October 2026, what was revenue?"),
    ("In Q3, how many orders?", "In Q3 2026, how many orders?"),
    ("What was October's revenue?", "What was October 2026's revenue?"),
    ("Sales in the third quarter?", "Sales in the third quarter of 2026?"),
    ("Units sold in the first half", "Units sold in the first half of 2026"),
    ("orders due on Nov 5", "orders due on Nov 5, 2026"),
    # the latest one that has begun: December is last year's
    ("May I see revenue in December?", "May I see revenue in December 2025?"),
    # each month its year, but one year for a range or a pair said together
    ("Revenue in October against September?", "Revenue in October 2026 against September 2026?"),
    ("from May to October", "from May to October 2026"),
    ("units in July or August", "units in July or August 2026"),
    ("between October 1 and October 15", "between October 1 and October 15, 2026"),
    # a range of days in one month: the year after the last day
    ("units sold last week (oct 25-31) per region", "units sold last week (oct 25-31, 2026) per region"),
    ("sales Sep 3 to 9 by day", "sales Sep 3 to 9, 2026 by day"),
])
def test_a_month_or_quarter_without_a_year_is_the_latest_begun(question: str, read: str) -> None:
    assert with_year(question, date(2026, 11, 1)) == read


@pytest.mark.parametrize("question", [
    "Revenue in October 2026 against September?",  # a year said anywhere stands
    "May we see the order count?",  # the verb, no month
    "How many orders did we ship?",
])
def test_a_question_with_a_year_or_no_month_is_left_as_asked(question: str) -> None:
    assert with_year(question, date(2026, 11, 1)) == question


def test_two_spans_of_days_said_one_after_the_other_are_two_ranges() -> None:
    ranges = two_ranges("units sold from 5 to 11 october 2026, and in the week before, "
                        "28 september to 4 october 2026")
    assert ranges is not None
    assert [(r.start, r.end) for r in ranges] == [
        (date(2026, 10, 5), date(2026, 10, 11)), (date(2026, 9, 28), date(2026, 10, 4))]
    assert two_ranges("units sold from 5 to 11 october 2026") is None


@pytest.mark.parametrize(("question", "read"), [
    ("How many units in the last 7 days, and how many in the 7 days before that?",
     "How many units in 2026-10-25 to 2026-10-31, and how many in 2026-10-18 to 2026-10-24?"),
    ("Revenue this month versus last month",
     "Revenue 2026-11-01 to 2026-11-01 versus 2026-10-01 to 2026-10-31"),
    ("Orders last month compared with the month before",
     "Orders 2026-10-01 to 2026-10-31 compared with 2026-09-01 to 2026-09-30"),
    ("Units last week against the previous week",
     "Units 2026-10-25 to 2026-10-31 against 2026-10-18 to 2026-10-24"),
    ("Refunds in the past two weeks vs the prior two weeks",
     "Refunds in 2026-10-18 to 2026-10-31 vs 2026-10-04 to 2026-10-17"),
])
def test_two_periods_counted_back_and_set_against_each_other_are_written_out(
        question: str, read: str) -> None:
    assert relative_pair(question, date(2026, 11, 1)) == read
    assert two_ranges(read.lower()) is not None


@pytest.mark.parametrize("question", [
    "How many units did we sell in the last 7 days?",
    "Which products sold more last month than their average month?",
    "Orders in the previous month and last month",  # the same month twice
])
def test_one_period_counted_back_is_left_as_asked(question: str) -> None:
    assert relative_pair(question, date(2026, 11, 1)) == question
