"""The kiosk under Pilot on a real SQLite station home and a real file printer: one key takes
a ticket that the queue shows waiting and the printer receives; priority with its reason; a
touch; a printer fault; and no ticket outside opening hours."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from textual.pilot import Pilot
from textual.widgets import Digits, Static

from station.home.context import Station
from station.queue.facade import Queue
from station.screens.kiosk.app import KioskApp
from station.screens.kiosk.kiosk import KioskScreen, PriorityScreen, TicketScreen
from tests.helpers.operator_pilot import settle

SIZE = (100, 40)
WITA = ZoneInfo("Asia/Makassar")
MONDAY_9 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=WITA)
SATURDAY_9 = dt.datetime(2026, 12, 5, 9, 0, tzinfo=WITA)


async def _until(pilot: Pilot[None], check: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        await pilot.pause(0.02)
    return bool(check())  # type: ignore[operator]


def _kiosk(station: Station, at: dt.datetime, printer: str) -> KioskApp:
    station.config.printer.uri = printer
    station.config.kiosk.show_seconds = 1
    station.config.kiosk.fault_show_seconds = 2
    return KioskApp(station, clock=lambda: at)


def _text(app: KioskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _ready(app: KioskApp, pilot: Pilot[None]) -> None:
    assert await _until(pilot, lambda: len(app.screen.query("Button.service")) == 3)


def _waiting(station: Station) -> list[tuple[str, bool, str | None]]:
    status = Queue.for_station(station).status(now=MONDAY_9)
    return [(t.number, t.priority, t.priority_reason) for t in status.waiting]


def test_one_key_takes_a_ticket_that_is_queued_and_printed(
    station: Station, tmp_path: Path
) -> None:
    printer = tmp_path / "printer.bin"

    async def scenario() -> None:
        app = _kiosk(station, MONDAY_9, f"file:{printer}")
        async with app.run_test(size=SIZE) as pilot:
            await _ready(app, pilot)
            screen = app.screen
            assert isinstance(screen, KioskScreen)
            assert "KELURAHAN OESAPA" in _text(app, "#kiosk-office")
            assert "Senin–Kamis 08.00–15.00" in _text(app, "#kiosk-hours")
            assert "Tekan angka layanan" in _text(app, "#kiosk-help")
            labels = [str(b.label) for b in screen.query("Button.service")]
            assert labels[0].startswith("1   A · Surat Keterangan")
            assert labels[2].startswith("3   C · ")

            await pilot.press("1")  # the only keystroke
            assert await _until(pilot, lambda: isinstance(app.screen, TicketScreen))
            ticket = app.screen
            assert ticket.query_one("#ticket-number", Digits).value == "A-001"
            assert "KTP-el asli" in _text(app, "#ticket-documents")
            assert await _until(pilot, lambda: "ambil tiket" in _text(app, "#ticket-print"))
            await pilot.press("2")  # keys while the number shows take nothing
            assert _waiting(station) == [("A-001", False, None)]
            assert b"A-001" in printer.read_bytes()
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen), 5)
            assert await _until(
                pilot, lambda: "(1 menunggu)" in str(app.screen.query_one("#service-A").label)
            )

            await pilot.press("1")
            assert await _until(pilot, lambda: isinstance(app.screen, TicketScreen))
            assert app.screen.query_one("#ticket-number", Digits).value == "A-002"
            await _until(pilot, lambda: app.screen.print_done)  # type: ignore[attr-defined]
            await pilot.press("enter")  # may close early once printed
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen))
        assert _waiting(station) == [("A-001", False, None), ("A-002", False, None)]
        assert printer.read_bytes().count(b"A-00") == 2

    asyncio.run(scenario())


def test_priority_reason_is_recorded_and_touch_works(station: Station, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = _kiosk(station, MONDAY_9, f"file:{tmp_path / 'p.bin'}")
        async with app.run_test(size=SIZE) as pilot:
            await _ready(app, pilot)
            await pilot.press("p")
            assert await _until(pilot, lambda: isinstance(app.screen, PriorityScreen))
            await pilot.press("3")  # ibu hamil
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen))
            assert "Ibu hamil" in _text(app, "#kiosk-priority")
            await pilot.press("2")
            assert await _until(pilot, lambda: isinstance(app.screen, TicketScreen))
            assert "PRIORITAS: Ibu hamil" in _text(app, "#ticket-priority")
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen), 5)
            assert _text(app, "#kiosk-priority") == ""  # one resident's priority only

            await pilot.press("p")
            assert await _until(pilot, lambda: isinstance(app.screen, PriorityScreen))
            await pilot.press("escape")  # changed their mind
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen))
            await pilot.click("#service-C")  # a touch on the button
            assert await _until(pilot, lambda: isinstance(app.screen, TicketScreen))
            assert app.screen.query_one("#ticket-number", Digits).value == "C-001"

            await _until(pilot, lambda: app.screen.print_done)  # type: ignore[attr-defined]
            await pilot.press("enter")
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen))
            await pilot.press("p")
            assert await _until(pilot, lambda: isinstance(app.screen, PriorityScreen))
            await pilot.click("#reason-lansia")
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen))
            await pilot.press("1")
            assert await _until(pilot, lambda: isinstance(app.screen, TicketScreen))
            await _until(pilot, lambda: app.screen.print_done)  # type: ignore[attr-defined]
        assert sorted(_waiting(station)) == [
            ("A-001", True, "lansia"),
            ("B-001", True, "ibu_hamil"),
            ("C-001", False, None),
        ]

    asyncio.run(scenario())


def test_printer_fault_keeps_the_number_on_screen(station: Station, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = _kiosk(station, MONDAY_9, f"file:{tmp_path / 'no' / 'such' / 'printer.bin'}")
        async with app.run_test(size=SIZE) as pilot:
            await _ready(app, pilot)
            await pilot.press("2")
            assert await _until(pilot, lambda: isinstance(app.screen, TicketScreen))
            screen = app.screen
            assert await _until(pilot, lambda: screen.has_class("fault"))
            message = _text(app, "#ticket-print")
            assert "TUNJUKKAN NOMOR INI DI LOKET" in message
            assert screen.query_one("#ticket-number", Digits).value == "B-001"
            await pilot.pause(1.3)  # longer than show_seconds (1): still there
            assert app.screen is screen
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen), 5)
        assert _waiting(station) == [("B-001", False, None)]  # the ticket stands

    asyncio.run(scenario())


def test_outside_opening_hours_nothing_is_issued(station: Station, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = _kiosk(station, SATURDAY_9, f"file:{tmp_path / 'p.bin'}")
        async with app.run_test(size=SIZE) as pilot:
            await _ready(app, pilot)
            assert app.screen.has_class("closed")
            closed = _text(app, "#kiosk-closed")
            assert "TUTUP" in closed and "Senin pukul 08.00" in closed
            await pilot.press("1")
            await pilot.press("p")
            await pilot.click("#kiosk-closed")
            await settle(app, pilot)
            assert isinstance(app.screen, KioskScreen)
        assert _waiting(station) == []
        assert not (tmp_path / "p.bin").exists()

    asyncio.run(scenario())


def test_kiosk_json_prints_its_setup_without_starting(station: Station) -> None:
    import json

    from click.testing import CliRunner

    from station.cli import cli

    result = CliRunner().invoke(cli, ["kiosk", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["app"] == "kiosk" and data["office"] == "Oesapa"
    assert data["opening_hours"] == ["Senin–Kamis 08.00–15.00", "Jumat 08.00–11.00"]
    assert isinstance(data["open_now"], bool)
    assert [(s["key"], s["prefix"]) for s in data["services"]] == [
        ("1", "A"),
        ("2", "B"),
        ("3", "C"),
    ]


def test_kiosk_refuses_an_uninitialised_home(home: Path) -> None:
    import json

    from click.testing import CliRunner

    from station.cli import cli

    result = CliRunner().invoke(cli, ["kiosk", "--json"])
    assert result.exit_code == 1
    assert "station init" in json.loads(result.output)["error"]


def test_s_opens_the_satisfaction_survey_and_a_served_resident_rates(
    station: Station, tmp_path: Path
) -> None:
    from sqlalchemy import select
    from textual.widgets import Input

    from station.screens.kiosk.survey import SurveyScreen
    from station.store.models import SurveyResponse

    queue = Queue.for_station(station)
    from station.office.operators import add_operator

    with station.db.write() as session:
        add_operator(
            session, station.office_id, username="ani", display_name="Ani",
            role="operator", pin="2468",
        )  # fmt: skip
    # The visit happened on the kiosk's (fixed) day: the survey looks tickets up by that day.
    number = queue.take_ticket("A", now=MONDAY_9).ticket.number
    queue.open_counter(1, "ani", now=MONDAY_9)
    queue.call_next(1, "ani", now=MONDAY_9)
    queue.finish(1, "ani", outcome="information_given", now=MONDAY_9)

    async def scenario() -> None:
        app = _kiosk(station, MONDAY_9, f"file:{tmp_path / 'printer.bin'}")
        async with app.run_test(size=SIZE) as pilot:
            await _ready(app, pilot)
            await pilot.press("s")
            assert await _until(pilot, lambda: isinstance(app.screen, SurveyScreen))
            field = app.screen.query_one("#number", Input)
            field.value = number
            field.focus()
            await pilot.press("enter")
            assert await _until(pilot, lambda: "1 dari 9" in _text(app, "#question"))
            await pilot.press(*"444444444")
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen))

    asyncio.run(scenario())
    with station.db.read() as session:
        saved = session.scalars(select(SurveyResponse)).one()
    assert saved.ticket_number == number and saved.scores == (4,) * 9
