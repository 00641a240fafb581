"""Data never becomes markup (issue "Trust under attack", point 5).

A resident named ``[BOLD RED]MERAH[/] [LINK=…]KLIK[/LINK]`` crashed the operator app to the
shell (Rich's ``escape`` leaves upper-case tags, and names are upper-cased), and the lookup
hung. Here such values travel through every screen that shows them: the resident card, the
name search, the letter preview and the Today screen, the main screen's service names, the
admin screen's operators, services and counters. Each must show exactly as typed.
"""

from __future__ import annotations

from sqlalchemy import update
from textual.widgets import OptionList

from station.home.context import Station
from station.queue.facade import Queue
from station.screens.operator.admin import AdminScreen
from station.screens.operator.app import OperatorApp
from station.screens.operator.lookup import LookupScreen
from station.store.models import Service
from tests.helpers.letter_helpers import HEAD, RESIDENTS
from tests.helpers.operator_pilot import (
    add_admin,
    add_indexed_residents,
    login,
    run,
    settle,
    text,
)

HOSTILE = "[BOLD RED]MERAH[/] [LINK=HTTPS://X.EXAMPLE]KLIK[/LINK] [/] \\[X] $NAME"


def test_hostile_register_values_show_as_typed_on_every_operator_screen(
    station: Station,
) -> None:
    rows = [
        {**row, "name": HOSTILE, "address": HOSTILE} if row["nik"] == HEAD else row
        for row in RESIDENTS
    ]
    add_indexed_residents(station, rows)
    add_admin(station)
    with station.db.write() as session:
        session.execute(update(Service).where(Service.prefix == "A").values(name=HOSTILE))
    Queue.for_station(station).take_ticket("A")

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("f2")  # the ticket of service A, named HOSTILE
            await settle(app, pilot)
            assert "MERAH[/] [LINK=" in text(app, "#ticket")
            await pilot.press("f7")
            await pilot.pause()
            await pilot.press(*HEAD, "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, LookupScreen)
            card = text(app, "#card")
            assert card.count("[BOLD RED]MERAH[/] [LINK=HTTPS://X.EXAMPLE]KLIK[/LINK]") == 2
            # by name
            await pilot.press("f3")
            await pilot.press(*"merah", "enter")
            await settle(app, pilot)
            results = app.screen.query_one("#results", OptionList)
            assert results.option_count == 1
            assert "[BOLD RED]MERAH[/]" in str(results.get_option_at_index(0).prompt)
            await pilot.press("enter")
            await settle(app, pilot)
            # a letter for them, through the preview to issuing
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.is_running
            await pilot.press("escape", "escape")
            await settle(app, pilot)
            # the admin screen: an operator, a service and a counter with hostile names
            await pilot.press("f10")  # the counter holds the ticket: asked first
            await settle(app, pilot)
            await pilot.press("y")
            await settle(app, pilot)
            await login(app, pilot, "9753", username="admin")
            with station.db.write() as session:
                from station.store.models import Counter, Operator

                session.execute(update(Operator).values(display_name=HOSTILE))
                session.execute(update(Counter).where(Counter.number == 2).values(name=HOSTILE))
            await pilot.press("a")
            await settle(app, pilot)
            assert isinstance(app.screen, AdminScreen)
            from textual.widgets import DataTable

            operators = app.screen.query_one("#operators", DataTable)
            names = [str(operators.get_row_at(i)[1]) for i in range(operators.row_count)]
            assert HOSTILE in names
            counters = app.screen.query_one("#counters", DataTable)
            assert any(HOSTILE in str(counters.get_row_at(i)[0]) for i in range(counters.row_count))

    run(scenario())


OFFICE_HOSTILE = "Oesapa [/b] [@click=app.quit]X[/] [B]"


def test_an_office_name_with_brackets_shows_as_typed_on_the_public_apps_and_the_login(
    station: Station,
) -> None:
    """The office's name is data too (station.toml, or the city's office list): a closing tag
    crashed the kiosk and the board at start, and ``[@click=app.quit]`` in it made a tap on the
    header leave the kiosk."""
    from station.screens.board.app import BoardApp
    from station.screens.kiosk.app import KioskApp

    station.config.office.name = OFFICE_HOSTILE
    shown = OFFICE_HOSTILE.upper()

    async def kiosk() -> None:
        app = KioskApp(station)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            assert shown in text(app, "#kiosk-office")  # type: ignore[arg-type]
            await pilot.click("#kiosk-office")
            await pilot.pause()
            assert app.is_running  # a tap on the name does not leave the kiosk

    async def board() -> None:
        from station.home.config import VoiceConfig
        from station.screens.speech import Announcer

        quiet = Announcer(VoiceConfig(), speak=lambda said: None)
        app = BoardApp(station, announcer=quiet, refresh_seconds=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert shown in text(app, "#office")  # type: ignore[arg-type]

    async def box() -> None:
        from station.screens.box.app import BoxApp

        app = BoxApp(station)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            assert shown in text(app, "#box-office")  # type: ignore[arg-type]
            await pilot.click("#box-office")
            await pilot.pause()
            assert app.is_running

    async def login_screen() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert f"Kelurahan {OFFICE_HOSTILE}" in text(app, "#login-title")

    import asyncio

    for scenario in (kiosk, board, box, login_screen):
        asyncio.run(scenario())
