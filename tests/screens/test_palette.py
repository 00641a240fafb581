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


def test_nothing_but_the_pin_is_reachable_over_the_lock(station: Station) -> None:
    """Ctrl+P on the lock screen used to open the palette: a NIK typed there showed the
    resident over the lock, and "Hari ini" removed the lock for good. Now the palette does not
    open, Ctrl+Q does not quit, and a screen pushed over the lock is taken off again."""
    from station.screens.operator.lock import LockScreen
    from station.screens.operator.today import TodayScreen

    add_indexed_residents(station, RESIDENTS)

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            app.lock()
            await settle(app, pilot)
            assert isinstance(app.screen, LockScreen)
            before = audit_actions(station).count("resident.lookup")
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*HEAD, "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, LockScreen)
            assert audit_actions(station).count("resident.lookup") == before
            await pilot.press("ctrl+q")
            await settle(app, pilot)
            assert app.is_running and isinstance(app.screen, LockScreen)
            app.push_screen(TodayScreen())  # as a palette command would have
            await pilot.pause(0.8)  # the idle check runs every 0.5 s
            await settle(app, pilot)
            assert isinstance(app.screen, LockScreen) and app.locked
            app.screen.query_one("#lock-pin").focus()
            await pilot.press(*"2468", "enter")
            await settle(app, pilot)
            assert not app.locked and not isinstance(app.screen, LockScreen)

    run(scenario())
