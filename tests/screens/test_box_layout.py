"""The Service Box shows every choice it offers: with nine letter types (the default list) on
a 40-row screen all nine buttons are on screen, none below the fold where a resident with a
keypad would never see them (they were cut at seven)."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import update
from textual.widgets import Button

from station.home.context import Station
from station.register.pins import set_pin
from station.screens.box.app import BoxApp
from station.screens.box.box import BoxScreen
from station.store.models import Resident
from tests.helpers.letter_helpers import HEAD, add_residents
from tests.helpers.operator_pilot import until

WITA = ZoneInfo("Asia/Makassar")
NIGHT = dt.datetime(2026, 12, 3, 23, 30, tzinfo=WITA)
PIN = "482913"


def test_nine_letter_types_all_show_on_a_40_row_screen(station: Station) -> None:
    add_residents(station.db, station.office_id)
    with station.db.write() as session:
        session.execute(update(Resident).where(Resident.nik == HEAD).values(ektp_recorded=True))
        set_pin(session, station.office_id, HEAD, PIN, operator="sari", now=NIGHT)

    async def scenario() -> None:
        app = BoxApp(station, clock=lambda: NIGHT)
        async with app.run_test(size=(100, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, BoxScreen)
            assert await until(pilot, lambda: screen.visit.step == "start")
            await pilot.press("1", *HEAD, "enter", *PIN, "enter")
            assert await until(pilot, lambda: screen.visit.step == "letters")
            await pilot.pause()
            offers = screen.visit.visitor.offers  # type: ignore[union-attr]
            assert len(offers) == 9
            choices = screen.query_one("#box-choices")
            shown = [b for b in screen.query(Button) if b.has_class("choice") and b.display]
            assert len(shown) == 9
            assert choices.max_scroll_y == 0  # nothing below the fold
            for button in shown:
                assert button.region.bottom <= choices.region.bottom, button.label
            await pilot.press("escape")  # back to start: two choices, a blank row between
            assert await until(pilot, lambda: not screen.has_class("dense"))

    asyncio.run(scenario())
