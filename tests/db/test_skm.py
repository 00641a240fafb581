"""SKM / IKM (docs/domain.md §6.5): hand-computed cases, properties, and recording rules."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from station.cli import cli
from station.home.context import Station, open_station
from station.queue.facade import Queue
from station.reports.skm import (
    SurveyError,
    classify,
    compute_ikm,
    normalize_ticket_number,
    period_report,
    record_response,
)
from station.store.models import AuditEvent, Operator

scores = st.lists(st.integers(1, 4), min_size=9, max_size=9)
surveys = st.lists(scores, min_size=1, max_size=30)


def test_all_fours_is_exactly_100() -> None:
    ikm = compute_ikm([[4] * 9] * 7)
    assert ikm is not None
    assert ikm.value == 100 and str(ikm.rounded) == "100.00"
    assert (ikm.grade, ikm.label) == ("A", "Sangat Baik")


def test_hand_computed_cases() -> None:
    # two respondents: element sums 7,6,8,5,7,7,8,6,6 = 60 -> IKM = 25 * 60 / (9 * 2)
    responses = [
        [4, 3, 4, 2, 4, 3, 4, 3, 3],
        [3, 3, 4, 3, 3, 4, 4, 3, 3],
    ]
    ikm = compute_ikm(responses)
    assert ikm is not None
    assert ikm.nrr == (
        Fraction(7, 2), Fraction(3), Fraction(4), Fraction(5, 2), Fraction(7, 2),
        Fraction(7, 2), Fraction(4), Fraction(3), Fraction(3),
    )  # fmt: skip
    assert ikm.value == Fraction(250, 3)  # 83.333...
    assert str(ikm.rounded) == "83.33" and (ikm.grade, ikm.label) == ("B", "Baik")
    # one respondent, all 3: NI 3.00 -> 75.00, C
    three = compute_ikm([[3] * 9])
    assert three is not None and str(three.rounded) == "75.00" and three.grade == "C"
    # all 1 -> 25.00, D
    one = compute_ikm([[1] * 9])
    assert one is not None and str(one.rounded) == "25.00" and one.label == "Tidak Baik"
    # 0.111 would give 99.9 for all 4; 8 fours and one 3: 25 * 35 / 9 = 97.222...
    near = compute_ikm([[4] * 8 + [3]])
    assert near is not None and str(near.rounded) == "97.22"


def test_band_edges_on_the_rounded_value() -> None:
    assert classify(Decimal("64.99")) == ("D", "Tidak Baik")
    assert classify(Decimal("65.00")) == ("C", "Kurang Baik")
    assert classify(Decimal("76.60")) == ("C", "Kurang Baik")
    assert classify(Decimal("76.61")) == ("B", "Baik")
    assert classify(Decimal("88.30")) == ("B", "Baik")
    assert classify(Decimal("88.31")) == ("A", "Sangat Baik")
    # element sums 15 (x6), 12 (x2), 13 over 4 respondents: 25 * 127 / 36 = 88.194...
    ikm = compute_ikm([[4, 4, 4, 4, 4, 4, 3, 3, 3]] * 3 + [[3, 3, 3, 3, 3, 3, 3, 3, 4]])
    assert ikm is not None
    exact = Fraction(25 * (6 * 15 + 2 * 12 + 13), 9 * 4)
    assert ikm.value == exact
    assert ikm.rounded == Decimal("88.19") and ikm.grade == "B"


@given(surveys)
def test_ikm_is_between_25_and_100(responses: list[list[int]]) -> None:
    ikm = compute_ikm(responses)
    assert ikm is not None
    assert 25 <= ikm.value <= 100
    assert Decimal("25.00") <= ikm.rounded <= Decimal("100.00")
    assert ikm.value == Fraction(25 * sum(map(sum, responses)), 9 * len(responses))


@given(surveys, st.integers(0, 29), st.integers(0, 8))
def test_ikm_is_monotone(responses: list[list[int]], who: int, element: int) -> None:
    """Raising any one score never lowers the IKM, nor its grade."""
    who %= len(responses)
    if responses[who][element] == 4:
        return
    better = [list(r) for r in responses]
    better[who][element] += 1
    low, high = compute_ikm(responses), compute_ikm(better)
    assert low is not None and high is not None
    assert high.value > low.value and high.rounded >= low.rounded
    assert high.grade <= low.grade  # "A" < "B" < ...


def test_bad_scores_are_refused() -> None:
    with pytest.raises(SurveyError):
        compute_ikm([[4] * 8])
    with pytest.raises(SurveyError):
        compute_ikm([[4] * 8 + [5]])
    assert compute_ikm([]) is None


@pytest.fixture
def served(station_home: Path) -> Iterator[tuple[Station, dt.date]]:
    """Today: A-001 finished, A-002 waiting."""
    station = open_station(station_home)
    with station.db.write() as session:
        session.add(
            Operator(
                office_id=station.office_id,
                username="yohana",
                display_name="Yohana",
                role="operator",
                pin_hash="-",
            )
        )
    q = Queue.for_station(station)
    q.open_counter(1, "yohana", services=["A"])
    q.take_ticket("A")
    q.take_ticket("A")
    q.call_next(1, "yohana")
    q.finish(1, "yohana", outcome="information_given")
    try:
        yield station, dt.datetime.now(station.config.tz).date()
    finally:
        station.close()


def test_record_and_report(served: tuple[Station, dt.date]) -> None:
    station, today = served
    answers = [4, 3, 4, 2, 4, 3, 4, 3, 3]
    with station.db.write() as session:
        record_response(session, station.office_id, "a-001", answers, today=today)
    for number, code in (("A-001", "rated"), ("A-002", "not_finished"), ("A-009", "not_found")):
        with station.db.write() as session, pytest.raises(SurveyError) as refused:
            record_response(session, station.office_id, number, answers, today=today)
        assert refused.value.code == code
    with station.db.write() as session, pytest.raises(SurveyError):
        tomorrow = today + dt.timedelta(days=1)  # numbers restart daily: no A-001 tomorrow
        record_response(session, station.office_id, "A-001", answers, today=tomorrow)
    with station.db.read() as session:
        data = period_report(session, station.office_id, today, today)
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "skm.response")).one()
    assert event.details == {"scores": answers}
    assert data["respondents"] == 1
    expected = compute_ikm([answers])
    assert expected is not None and data["ikm"] == str(expected.rounded) == "83.33"
    assert data["grade"] == "B"
    result = CliRunner().invoke(cli, ["skm", "report", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ikm"] == "83.33"
    empty = CliRunner().invoke(cli, ["skm", "report", "--from", "2020-01-01", "--json"])
    assert json.loads(empty.stdout)["respondents"] == 0


@given(
    st.text("ABCPQZabcpqz", min_size=1, max_size=3),
    st.integers(1, 999),
    st.sampled_from(["{p}-{n:03d}", "{p}{n}", " {p} {n} ", "{p}-{n}", "{p}{n:03d}"]),
)
def test_ticket_numbers_as_residents_type_them(prefix: str, n: int, pattern: str) -> None:
    typed = pattern.format(p=prefix, n=n)
    assert normalize_ticket_number(typed) == f"{prefix.upper()}-{n:03d}"


@pytest.mark.parametrize("typed", ["", "A-", "-12", "A-1234", "ABCD-1", "A-1x", "12"])
def test_unreadable_ticket_numbers(typed: str) -> None:
    with pytest.raises(SurveyError):
        normalize_ticket_number(typed)
