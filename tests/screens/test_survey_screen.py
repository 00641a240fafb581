"""The SKM survey screen, pushed on a minimal App and driven with Pilot on a real station."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static

from station.home.context import Station
from station.queue.facade import Queue
from station.screens.kiosk.survey import SurveyScreen
from station.store.models import SurveyResponse
from tests.helpers.operator_pilot import settle as _settle


class Host(App[None]):
    def __init__(self, station: Station) -> None:
        super().__init__()
        self.station = station
        self.survey_done = False

    def on_mount(self) -> None:
        self.push_screen(SurveyScreen(self.station, thanks_seconds=0.1), self._survey_done)

    def _survey_done(self, _result: Any) -> None:
        self.survey_done = True


def _serve(station: Station) -> None:
    q = Queue.for_station(station)
    q.open_counter(1, "sari", services=["A"])
    q.take_ticket("A")
    q.take_ticket("A")
    q.call_next(1, "sari")
    q.finish(1, "sari", outcome="information_given")  # A-001 done; A-002 waits


def _text(app: App[None], selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _enter(app: App[None], pilot: Pilot[None], number: str) -> None:
    field = app.screen.query_one("#number", Input)
    field.value = number
    field.focus()
    await pilot.press("enter")
    await _settle(app, pilot)


def test_a_resident_rates_the_service(station: Station) -> None:
    _serve(station)

    async def scenario() -> None:
        app = Host(station)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await _enter(app, pilot, "a2")  # still waiting: refused before any question
            assert "belum selesai" in _text(app, "#message")
            await _enter(app, pilot, "a1")  # what residents type: A-001
            assert "pertanyaan 1 dari 9" in _text(app, "#question")
            for key in "432144443":
                await pilot.press(key)
            await _settle(app, pilot)
            await pilot.pause(0.3)
            await _settle(app, pilot)
            assert app.survey_done

    asyncio.run(scenario())
    with station.db.read() as session:
        saved = session.scalars(select(SurveyResponse)).one()
    assert saved.ticket_number == "A-001" and saved.scores == (4, 3, 2, 1, 4, 4, 4, 4, 3)


def test_a_rated_ticket_is_refused_and_escape_leaves(station: Station) -> None:
    _serve(station)
    from station.reports.skm import record_response

    with station.db.write() as session:
        today = dt.datetime.now(station.config.tz).date()
        record_response(session, station.office_id, "A-001", [4] * 9, today=today)

    async def scenario() -> None:
        app = Host(station)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await _enter(app, pilot, "A-001")
            assert "sudah mengisi" in _text(app, "#message")
            await _enter(app, pilot, "zz")
            assert "tidak dikenali" in _text(app, "#message")
            await pilot.press("escape")
            await pilot.pause()
            assert app.survey_done

    asyncio.run(scenario())
    with station.db.read() as session:
        assert len(session.scalars(select(SurveyResponse)).all()) == 1
