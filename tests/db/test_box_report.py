"""The lurah sees the Service Box (issue 16, point 8): tickets and letters by channel and by
hour, outside opening hours included, requests waiting and overdue, refused attempts by
reason without NIKs, and letters issued outside opening hours per week (SQLite and
PostgreSQL, the report core and ``station report``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

import station.office.clock as clock_module
from station.home.context import Station, open_station
from station.letters import requests as letter_requests
from station.letters.box import BOX_ACTOR
from station.letters.store import IssueRequest, LetterSettings, issue_letter
from station.office.clock import OfficeClock
from station.office.opening_hours import DEFAULT_OPENING_HOURS, parse_opening_hours
from station.office.operators import add_operator
from station.queue.facade import Queue
from station.register.pins import check_pin
from station.reports.statistics import Period, build_report, render_table
from station.store import audit
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents, run_cli

WITA = ZoneInfo("Asia/Makassar")
FRIDAY = dt.date(2026, 12, 4)


def _at(hour: int, minute: int = 0, day: dt.date = FRIDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=WITA).astimezone(dt.UTC)


@pytest.fixture
def office(station_home: Path) -> Iterator[Station]:
    station = open_station(station_home)
    add_residents(station.db, station.office_id)
    with station.db.write() as session:
        add_operator(
            session, station.office_id, username="sari", display_name="Sari Ndun",
            role="operator", pin="2468",
        )  # fmt: skip
    try:
        yield station
    finally:
        station.close()


def _day_of_the_box(station: Station) -> str:
    """Friday: a counter ticket, a kiosk ticket and a box ticket in hours, a counter letter
    in hours, a box letter and a box request at night, and refused attempts at the box."""
    queue = Queue.for_station(station)
    queue.take_ticket("A", operator="sari", now=_at(9, 0))
    queue.take_ticket("A", now=_at(9, 5))  # the kiosk
    queue.take_ticket("C", now=_at(10, 10), channel="box")
    settings = LetterSettings.from_config(station.config)
    with station.db.write() as session:
        issue_letter(
            session,
            station.office_id,
            settings,
            IssueRequest("SKD", HEAD, "sari", purpose="Melamar kerja"),
            now=_at(10, 20),
        )
        issue_letter(
            session,
            station.office_id,
            settings,
            IssueRequest("SKD", WIFE, BOX_ACTOR, purpose="Bank", channel="box"),
            now=_at(23, 40),
        )
    station.clock = OfficeClock(station.config.tz, lambda: _at(23, 30))
    receipt = letter_requests.create_request(
        station, nik=HEAD, type_code="SKTM", fields={}, purpose="Beasiswa"
    )
    # the audit stamps events with the real clock: Friday night here
    with mock.patch.object(audit, "utcnow", lambda: _at(23, 50)), station.db.write() as session:
        # the box's own refusals (station.register.pins, station.letters.box)
        check_pin(session, station.office_id, "5371030101990001", "123456", now=_at(23, 50),
                  terminal="box-1")  # fmt: skip
        for action, reason in (
            ("box.pin_refused", "wrong_pin"),
            ("box.pin_refused", "locked_now"),
            ("box.pin_refused", "locked"),
            ("box.refused", "limit"),
            ("box.refused", "not_eligible"),
            ("box.refused", "not_offered"),
            ("box.refused", "paused"),  # refused while the box's guard paused it
        ):
            audit.record(
                session, office_id=station.office_id, action=action, subject=None,
                details={"reason": reason, "terminal": "box-1"}, operator=BOX_ACTOR,
            )  # fmt: skip
    return receipt.pickup_code


def test_channels_hours_requests_and_refusals(office: Station) -> None:
    code = _day_of_the_box(office)
    hours = parse_opening_hours(DEFAULT_OPENING_HOURS)
    tuesday = dt.date(2026, 12, 8)  # the request was for Monday and is still waiting
    with office.db.read() as session:
        report = build_report(
            session, office.office_id, WITA, Period(FRIDAY, FRIDAY), hours=hours, today=tuesday
        )
    channels = report["channels"]
    assert channels["tickets"]["by_channel"] == {"counter": 1, "kiosk": 1, "box": 2}
    assert channels["tickets"]["outside_hours"] == {"counter": 0, "kiosk": 0, "box": 1}
    assert channels["letters"]["by_channel"] == {"counter": 1, "box": 1}
    assert channels["letters"]["outside_hours"] == {"counter": 0, "box": 1}
    assert channels["by_hour"]["23"]["letters"] == {"counter": 0, "box": 1}
    assert channels["by_hour"]["23"]["tickets"]["box"] == 1  # the request's ticket, for Monday
    assert channels["by_hour"]["09"]["tickets"] == {"counter": 1, "kiosk": 1, "box": 0}
    assert channels["letters_outside_hours_per_week"] == {
        "2026-W49": {"from": "2026-11-30", "letters": 1, "box": 1}
    }
    requests = channels["requests"]
    assert requests["made"] == {"waiting": 1, "served": 0, "cancelled": 0}
    assert requests["overdue"] == [
        {"pickup_code": code, "type": "SKTM", "ready_on": "2026-12-07", "ticket": "A-001"}
    ]
    assert channels["refused"] == {
        "wrong_pin": 2, "locked": 2, "not_eligible": 1, "limit": 1, "paused": 1, "other": 1,
    }  # fmt: skip
    dumped = json.dumps(report)
    assert HEAD not in dumped and WIFE not in dumped  # no NIK in the lurah's report
    table = render_table(report)
    assert "Surat di luar jam layanan per minggu" in table and "2026-W49" in table
    assert f"TERLAMBAT {code} SKTM" in table
    with office.db.read() as session:  # the next week has none outside hours yet
        later = build_report(
            session, office.office_id, WITA, Period(tuesday, tuesday), hours=hours, today=tuesday
        )
    assert later["channels"]["letters_outside_hours_per_week"] == {
        "2026-W50": {"from": "2026-12-07", "letters": 0, "box": 0}
    }


def test_station_report_has_the_channels(office: Station, monkeypatch: pytest.MonkeyPatch) -> None:
    _day_of_the_box(office)
    monkeypatch.setattr(clock_module, "real_now", lambda: _at(9, 0, dt.date(2026, 12, 8)))
    result, data = run_cli("report", "--from", "2026-12-04", "--to", "2026-12-04")
    assert result.exit_code == 0
    assert data["channels"]["letters"]["outside_hours"]["box"] == 1
    assert data["channels"]["requests"]["overdue_now"] == 1
    assert data["channels"]["refused"]["wrong_pin"] == 2
    from click.testing import CliRunner

    from station.cli import cli

    csv_out = CliRunner().invoke(
        cli, ["report", "--from", "2026-12-04", "--to", "2026-12-04", "--format", "csv"]
    )
    assert "letters_outside_hours_per_week,2026-W49,box,1" in csv_out.stdout
    assert "box_refused,total,limit,1" in csv_out.stdout
