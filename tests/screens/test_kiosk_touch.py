"""The kiosk by touch (issue 14, point 12), under Pilot at 80x24 on a real SQLite station: every
service is reachable (with a visible sign when more are below), priority and the survey are
buttons, capital P works like p, the survey offers the ticket numbers to touch, and each SKM
question's answers are in its own words (PermenPAN-RB 14/2017)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Button, Digits, Static

from station.home.context import Station
from station.queue.facade import Queue
from station.reports.skm import ANSWER_LABELS, record_response
from station.screens.kiosk.app import KioskApp
from station.screens.kiosk.kiosk import KioskScreen, PriorityScreen, TicketScreen
from station.screens.kiosk.survey import SurveyScreen
from station.store.models import Service, SurveyResponse

SMALL = (80, 24)
WITA = ZoneInfo("Asia/Makassar")
MONDAY_9 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=WITA)


async def _until(pilot: Pilot[None], check: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        await pilot.pause(0.02)
    return bool(check())  # type: ignore[operator]


def _kiosk(station: Station, tmp_path: Path) -> KioskApp:
    station.config.printer.uri = f"file:{tmp_path / 'printer.bin'}"
    station.config.kiosk.show_seconds = 1
    return KioskApp(station, clock=lambda: MONDAY_9)


def _on_screen(app: KioskApp, selector: str) -> bool:
    """The widget is wholly inside the terminal and the part of its list that shows."""
    widget = app.screen.query_one(selector)
    region = widget.region
    width, height = app.size
    return region.height == widget.outer_size.height - widget.styles.margin.height and (
        region.y >= 0 and region.bottom <= height and region.x >= 0 and region.right <= width
    )


def _text(app: KioskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def _waiting(station: Station) -> list[tuple[str, bool, str | None]]:
    status = Queue.for_station(station).status(now=MONDAY_9)
    return sorted((t.number, t.priority, t.priority_reason) for t in status.waiting)


def test_every_service_is_on_screen_at_80x24_and_taken_by_touch(
    station: Station, tmp_path: Path
) -> None:
    async def scenario() -> None:
        app = _kiosk(station, tmp_path)
        async with app.run_test(size=SMALL) as pilot:
            assert await _until(pilot, lambda: len(app.screen.query("Button.service")) == 3)
            await pilot.pause(0.1)
            for prefix in "ABC":
                assert _on_screen(app, f"#service-{prefix}"), prefix
            assert not app.screen.query_one("#services-more").display  # nothing below
            await pilot.click("#service-C")
            assert await _until(pilot, lambda: isinstance(app.screen, TicketScreen))
            assert app.screen.query_one("#ticket-number", Digits).value == "C-001"

    asyncio.run(scenario())
    assert _waiting(station) == [("C-001", False, None)]


def test_more_services_than_fit_show_a_sign_and_scroll_into_reach(
    station: Station, tmp_path: Path
) -> None:
    with station.db.write() as session:
        for order, prefix in enumerate("DEFGH", start=10):
            service = Service(office_id=station.office_id, prefix=prefix, active=True)
            service.name, service.sort_order = f"Layanan {prefix}", order
            session.add(service)

    async def scenario() -> None:
        app = _kiosk(station, tmp_path)
        async with app.run_test(size=SMALL) as pilot:
            assert await _until(pilot, lambda: len(app.screen.query("Button.service")) == 8)
            more = app.screen.query_one("#services-more", Static)
            assert await _until(pilot, lambda: more.display and "lagi di bawah" in _text(
                app, "#services-more"
            ))  # fmt: skip
            assert _on_screen(app, "#services-more")
            assert not _on_screen(app, "#service-H")
            app.screen.query_one("#services").scroll_end(animate=False)  # a swipe
            await pilot.pause(0.2)
            assert _on_screen(app, "#service-H")
            assert "di atas" in _text(app, "#services-more")
            assert "di bawah" not in _text(app, "#services-more")
            await pilot.click("#service-H")
            assert await _until(pilot, lambda: isinstance(app.screen, TicketScreen))
            assert app.screen.query_one("#ticket-number", Digits).value == "H-001"

    asyncio.run(scenario())


def test_priority_by_touch_and_capital_p(station: Station, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = _kiosk(station, tmp_path)
        async with app.run_test(size=SMALL) as pilot:
            assert await _until(pilot, lambda: len(app.screen.query("Button.service")) == 3)
            assert _on_screen(app, "#priority-button")
            await pilot.click("#priority-button")
            assert await _until(pilot, lambda: isinstance(app.screen, PriorityScreen))
            for code in ("lansia", "disabilitas", "ibu_hamil"):
                assert _on_screen(app, f"#reason-{code}")
            assert _on_screen(app, "#reason-cancel")
            await pilot.click("#reason-disabilitas")
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen))
            assert "Penyandang disabilitas" in _text(app, "#kiosk-priority")
            await pilot.click("#priority-button")  # a second touch takes it back
            await pilot.pause()
            assert _text(app, "#kiosk-priority") == ""

            await pilot.press("P")  # capital P, as a keypad or caps lock sends it
            assert await _until(pilot, lambda: isinstance(app.screen, PriorityScreen))
            await pilot.click("#reason-lansia")
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen))
            await pilot.click("#service-A")
            assert await _until(pilot, lambda: isinstance(app.screen, TicketScreen))
            assert await _until(pilot, lambda: app.screen.print_done)  # type: ignore[attr-defined]

    asyncio.run(scenario())
    assert _waiting(station) == [("A-001", True, "lansia")]


def _serve_three(station: Station) -> list[str]:
    """A-001, A-002, A-003 served on the kiosk's day; A-001 already rated."""
    queue = Queue.for_station(station)
    queue.open_counter(1, "sari", now=MONDAY_9)
    numbers = []
    for minute in range(3):
        at = MONDAY_9 + dt.timedelta(minutes=minute)
        numbers.append(queue.take_ticket("A", now=at).ticket.number)
        queue.call_next(1, "sari", now=at)
        queue.finish(1, "sari", outcome="information_given", now=at)
    with station.db.write() as session:
        record_response(session, station.office_id, numbers[0], [3] * 9, today=MONDAY_9.date())
    return numbers


def test_survey_by_touch_offers_the_number_and_each_questions_own_answers(
    station: Station, tmp_path: Path
) -> None:
    _serve_three(station)

    async def scenario() -> None:
        app = _kiosk(station, tmp_path)
        async with app.run_test(size=SMALL) as pilot:
            assert await _until(pilot, lambda: len(app.screen.query("Button.service")) == 3)
            assert _on_screen(app, "#survey-button")
            await pilot.click("#survey-button")
            assert await _until(pilot, lambda: isinstance(app.screen, SurveyScreen))
            screen = app.screen
            assert await _until(pilot, lambda: len(screen.query("Button.ticket")) == 2)
            offered = [str(b.label) for b in screen.query("Button.ticket")]
            assert offered == ["A-003", "A-002"]  # latest first; A-001 is already rated
            await pilot.click("#ticket-A-002")
            assert await _until(pilot, lambda: "1 dari 9" in _text(app, "#question"))
            for index, labels in enumerate(ANSWER_LABELS):
                assert await _until(pilot, lambda i=index: f"{i + 1} dari 9" in _text(
                    app, "#question"
                ))  # fmt: skip
                shown = [str(screen.query_one(f"#answer-{s}", Button).label) for s in range(1, 5)]
                assert shown == [f"{s}   {label}" for s, label in enumerate(labels, start=1)]
                for score in range(1, 5):
                    assert _on_screen(app, f"#answer-{score}")
                await pilot.click(f"#answer-{(index % 4) + 1}")
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen), 15)

    asyncio.run(scenario())
    with station.db.read() as session:
        saved = session.scalars(
            select(SurveyResponse).where(SurveyResponse.ticket_number == "A-002")
        ).one()
    assert saved.scores == (1, 2, 3, 4, 1, 2, 3, 4, 1)


def test_capital_s_opens_the_survey(station: Station, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = _kiosk(station, tmp_path)
        async with app.run_test(size=SMALL) as pilot:
            assert await _until(pilot, lambda: len(app.screen.query("Button.service")) == 3)
            await pilot.press("S")
            assert await _until(pilot, lambda: isinstance(app.screen, SurveyScreen))
            assert await _until(pilot, lambda: "Belum ada layanan" in _text(app, "#question"))
            await pilot.click("#leave")
            assert await _until(pilot, lambda: isinstance(app.screen, KioskScreen))

    asyncio.run(scenario())
