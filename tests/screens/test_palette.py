"""The command palette finds actions, letter types and residents (Ctrl+P)."""

from __future__ import annotations

from station.home.context import Station
from station.queue.facade import Queue
from station.screens.operator.app import OperatorApp
from station.screens.operator.lookup import LookupScreen
from station.screens.operator.main import MainScreen
from tests.helpers.letter_helpers import HEAD, RESIDENTS
from tests.helpers.operator_pilot import (
    SIZE,
    add_indexed_residents,
    audit_actions,
    login,
    run,
    settle,
    text,
)


def test_palette_runs_an_action_and_opens_a_resident(station: Station) -> None:
    add_indexed_residents(station, RESIDENTS)
    number = Queue.for_station(station).take_ticket("A").ticket.number

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"panggil berikut")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, MainScreen)
            assert number in text(app, "#ticket")

            before = audit_actions(station).count("resident.lookup")
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*HEAD)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, LookupScreen)
            assert "YOHANES EMANUEL KEBAN" in text(app, "#card")
            assert audit_actions(station).count("resident.lookup") == before + 1

            await pilot.press("escape")
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"surat domisili")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, LookupScreen)  # find the resident first

    run(scenario())
