"""Letter requests (issue 16, point 6): a "request" type asked for at the Service Box at night
is stored with a pickup ticket for the next opening day, checked like an issue, answered by
the letter the counter issues for it, and listed for the lurah when it waits past its day
(SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

import station.office.clock as clock_module
from station.home.context import Station, open_station
from station.letters import desk as letter_desk
from station.letters import requests as letter_requests
from station.letters.store import IssueRequest, LetterSettings
from station.office.clock import OfficeClock
from station.office.opening_hours import DEFAULT_OPENING_HOURS, parse_opening_hours
from station.office.operators import add_operator
from station.printing import PrintSettings, ticket_ops
from station.printing.preview import preview_text
from station.queue.facade import Queue, QueueError
from station.store.models import AuditEvent, LetterRequest, Ticket
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents, run_cli

WITA = ZoneInfo("Asia/Makassar")
FRIDAY_NIGHT = dt.datetime(2026, 12, 4, 23, 30, tzinfo=WITA)  # after Friday's 11:00 close
MONDAY = dt.date(2026, 12, 7)
MONDAY_MORNING = dt.datetime(2026, 12, 7, 8, 5, tzinfo=WITA)


@pytest.fixture
def opened(station_home: Path) -> Iterator[Station]:
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


def _at(station: Station, moment: dt.datetime) -> Station:
    station.clock = OfficeClock(station.config.tz, lambda: moment)
    return station


def _request(station: Station, code: str = "SKTM", nik: str = HEAD, **kw: object):
    return letter_requests.create_request(
        station,
        nik=nik,
        type_code=code,
        fields=kw.pop("fields", {}),  # type: ignore[arg-type]
        purpose=str(kw.pop("purpose", "Beasiswa sekolah anak")),
    )


def test_ready_day_is_the_next_opening() -> None:
    hours = parse_opening_hours(DEFAULT_OPENING_HOURS)
    assert letter_requests.ready_day(hours, FRIDAY_NIGHT) == MONDAY
    assert letter_requests.ready_day(hours, MONDAY_MORNING) == MONDAY  # open now: today
    before = dt.datetime(2026, 12, 8, 6, 0, tzinfo=WITA)  # Tuesday before 08:00
    assert letter_requests.ready_day(hours, before) == dt.date(2026, 12, 8)
    assert letter_requests.ready_day(parse_opening_hours([]), FRIDAY_NIGHT) == FRIDAY_NIGHT.date()


def test_night_request_gets_a_ticket_for_the_next_opening(opened: Station) -> None:
    _at(opened, FRIDAY_NIGHT)
    receipt = _request(opened)
    assert receipt.ready_on == MONDAY
    assert receipt.ticket_number == "A-001"
    assert len(receipt.pickup_code) == 6
    assert set(receipt.pickup_code) <= set(letter_requests.CODE_ALPHABET)
    settings58 = PrintSettings(58)
    printed = preview_text(ticket_ops(receipt, "Kelurahan Oesapa", settings58, tz=WITA), settings58)
    assert "KODE AMBIL" in printed and " ".join(receipt.pickup_code) in printed  # double width
    flat = " ".join(printed.split())
    assert "Dilayani: 7 Desember 2026" in flat and "Surat Keterangan Tidak Mampu" in flat
    assert "Di depan Anda" not in printed  # Monday's queue is not known on Friday night
    with opened.db.read() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.day == MONDAY and ticket.resident_nik == HEAD
        row = session.scalars(select(LetterRequest)).one()
        assert (row.type_code, row.channel, row.status) == ("SKTM", "box", "waiting")
        assert row.purpose == "Beasiswa sekolah anak" and row.ticket_id == ticket.id
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "letter.request")
        ).one()
        assert event.details["nik_masked"] != HEAD and event.details["ticket"] == "A-001"
    queue = Queue.for_station(opened)
    # Friday night: not in Friday's queue (the board and counters see nothing)
    assert queue.status(now=FRIDAY_NIGHT).waiting == []
    assert [t.number for t in queue.status(now=MONDAY_MORNING).waiting] == ["A-001"]
    queue.open_counter(1, "sari", now=MONDAY_MORNING - dt.timedelta(minutes=10))
    walk_in = queue.take_ticket("A", now=MONDAY_MORNING - dt.timedelta(minutes=5))
    assert walk_in.ticket.number == "A-002"  # Monday's sequence went on after the box's
    called = queue.call_next(1, "sari", now=MONDAY_MORNING)
    assert called.number == "A-001"  # asked first, called first
    # the letter issued for the called ticket answers the request
    settings = LetterSettings.from_config(opened.config)
    _at(opened, MONDAY_MORNING)
    view = letter_requests.held_request(opened, "A-001")
    assert view is not None and view.type_code == "SKTM" and view.nik == HEAD
    assert not view.overdue  # its own day
    request = IssueRequest(
        view.type_code, view.nik, "sari", fields=view.fields, purpose=view.purpose, ticket="A-001"
    )
    with opened.db.write() as session:
        issued = letter_desk.issue_letter(
            session, opened.office_id, settings, request, now=MONDAY_MORNING.astimezone(dt.UTC)
        )
    with opened.db.read() as session:
        row = session.scalars(select(LetterRequest)).one()
        assert row.status == "served" and row.letter_id == issued.id
    assert letter_requests.held_request(opened, "A-001") is None


def test_refusals_store_nothing(opened: Station) -> None:
    _at(opened, FRIDAY_NIGHT)
    with pytest.raises(letter_requests.RequestRefusal, match="kepala keluarga") as refused:
        _request(opened, "SKTM", nik=WIFE)  # eligibility applies at request time
    assert refused.value.code == "not_eligible"
    with pytest.raises(letter_requests.RequestRefusal) as refused:
        _request(opened, "SKTM", purpose="")
    assert refused.value.code == "fields"
    first = _request(opened)
    with pytest.raises(letter_requests.RequestRefusal) as refused:
        _request(opened)
    assert refused.value.code == "duplicate"
    assert refused.value.extra["pickup_code"] == first.pickup_code
    with opened.db.read() as session:
        assert session.scalar(select(func.count(LetterRequest.id))) == 1
        assert session.scalar(select(func.count(Ticket.id))) == 1


def test_overdue_requests_are_listed_and_can_be_cancelled(opened: Station) -> None:
    _at(opened, FRIDAY_NIGHT)
    receipt = _request(opened)
    _at(opened, MONDAY_MORNING)
    assert [v.pickup_code for v in letter_requests.requests_for_station(opened)] == [
        receipt.pickup_code
    ]
    assert letter_requests.requests_for_station(opened, overdue=True) == []
    _at(opened, MONDAY_MORNING + dt.timedelta(days=1))  # Tuesday: not served on Monday
    late = letter_requests.requests_for_station(opened, overdue=True)
    assert [(v.pickup_code, v.overdue, v.name) for v in late] == [
        (receipt.pickup_code, True, "YOHANES EMANUEL KEBAN")
    ]
    assert late[0].type_name == "Surat Keterangan Tidak Mampu"
    code = receipt.pickup_code.lower()
    cancelled = letter_requests.cancel_request(
        opened, code, reason="Pemohon batal", operator="sari"
    )
    assert cancelled.status == "cancelled"
    assert letter_requests.requests_for_station(opened, overdue=True) == []
    with pytest.raises(letter_requests.RequestRefusal) as refused:
        letter_requests.cancel_request(opened, code, reason="lagi", operator="sari")
    assert refused.value.code == "closed"


def test_a_ticket_for_a_past_day_is_refused(opened: Station) -> None:
    queue = Queue.for_station(opened)
    with pytest.raises(QueueError) as refused:
        queue.take_ticket("A", now=MONDAY_MORNING, day=MONDAY - dt.timedelta(days=1))
    assert refused.value.code == "past_day"


def test_cli_lists_overdue_requests_for_the_lurah(
    opened: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    _at(opened, FRIDAY_NIGHT)
    receipt = _request(opened)
    monkeypatch.setattr(clock_module, "real_now", lambda: MONDAY_MORNING.astimezone(dt.UTC))
    result, data = run_cli("requests", "list", "--overdue")
    assert result.exit_code == 0 and data["count"] == 0
    result, data = run_cli("requests", "list")
    assert data["count"] == 1 and data["requests"][0]["pickup_code"] == receipt.pickup_code
    assert data["requests"][0]["nik_masked"] != HEAD and HEAD not in result.stdout
    tuesday = MONDAY_MORNING + dt.timedelta(days=1)
    monkeypatch.setattr(clock_module, "real_now", lambda: tuesday.astimezone(dt.UTC))
    result, data = run_cli("requests", "list", "--overdue")
    assert data["count"] == data["overdue"] == 1
    [late] = data["requests"]
    assert (late["type"], late["ticket"], late["ready_on"]) == ("SKTM", "A-001", "2026-12-07")
    result, data = run_cli("requests", "show", receipt.pickup_code.lower())
    assert data["purpose"] == "Beasiswa sekolah anak"
    result, data = run_cli(
        "requests",
        "cancel",
        receipt.pickup_code,
        "--reason",
        "Pemohon pindah",
        "--operator",
        "sari",
    )
    assert result.exit_code == 0 and data["status"] == "cancelled"
    result, data = run_cli("requests", "cancel", receipt.pickup_code, "--reason", "lagi")
    assert result.exit_code == 1 and data["code"] == "closed"
    result, data = run_cli("requests", "list", "--overdue")
    assert data["count"] == 0


def test_the_box_actor_is_the_box_s() -> None:
    from station.letters.box import BOX_ACTOR

    assert letter_requests.BOX_ACTOR == BOX_ACTOR
