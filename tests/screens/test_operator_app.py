"""The operator app driven by Pilot on a real SQLite station home (issue 6, first slice).

pytest-asyncio is not installed: each test runs its coroutine with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input, Static

from station.home.context import Station
from station.office.sign_in import MAX_FAILED_PINS
from station.queue.facade import Queue
from station.screens.operator.app import OperatorApp
from station.screens.operator.login import LoginScreen
from station.screens.operator.main import MainScreen
from station.store.models import AuditEvent, Counter
from tests.helpers.operator_pilot import settle as _settle

SIZE = (100, 30)


async def _login(app: OperatorApp, pilot: Pilot[None], pin: str, counter: str = "1") -> None:
    screen = app.screen
    assert isinstance(screen, LoginScreen)
    screen.query_one("#counter", Input).value = counter
    screen.query_one("#username", Input).value = "sari"
    screen.query_one("#pin", Input).focus()
    screen.query_one("#pin", Input).value = pin
    await pilot.press("enter")
    await _settle(app, pilot)


def _text(app: OperatorApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def _notes(app: OperatorApp) -> list[str]:
    return [n.message for n in app._notifications]


def _counter_open(station: Station, number: int) -> bool:
    with station.db.read() as session:
        counter = session.scalars(select(Counter).where(Counter.number == number)).one()
        return counter.is_open


def _run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def test_pin_is_hidden_and_wrong_pin_shows_indonesian_message(station: Station) -> None:
    async def scenario() -> None:
        app = OperatorApp(station)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, LoginScreen)
            assert app.screen.query_one("#pin", Input).password
            await _login(app, pilot, "1111")
            assert isinstance(app.screen, LoginScreen)
            message = _text(app, "#login-message")
            assert message == "Nama pengguna atau PIN salah."  # as for an unknown user
            assert app.screen.query_one("#pin", Input).value == ""  # cleared for a new try
        assert not _counter_open(station, 1)

    _run(scenario())


def test_five_wrong_pins_lock_the_account(station: Station) -> None:
    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for _ in range(MAX_FAILED_PINS):
                await _login(app, pilot, "0000")
            assert "terkunci" in _text(app, "#login-message")
            await _login(app, pilot, "2468")  # the right PIN, but locked
            assert isinstance(app.screen, LoginScreen)
            assert "terkunci" in _text(app, "#login-message")
        with station.db.read() as session:
            actions = list(session.scalars(select(AuditEvent.action)))
        assert "operator.locked" in actions
        assert not _counter_open(station, 1)

    _run(scenario())


def test_serve_a_ticket_from_login_to_logout(station: Station) -> None:
    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await _login(app, pilot, "2468", counter="1")
            assert isinstance(app.screen, MainScreen)
            assert _counter_open(station, 1)
            assert "Loket 1" in _text(app, "#top-counter")
            assert "Sari Ndun" in _text(app, "#top-operator")

            await pilot.press("f2")  # nothing waits yet: a notification, no crash
            await _settle(app, pilot)
            assert any("Antrean kosong" in m for m in _notes(app))
            assert isinstance(app.screen, MainScreen)

            # another process (the kiosk) issues a ticket; the summary shows it
            issued = Queue.for_station(station).take_ticket("A", priority="lansia")
            number = issued.ticket.number
            await pilot.pause(0.3)
            await _settle(app, pilot)
            assert number in _text(app, "#summary")

            await pilot.press("f2")
            await _settle(app, pilot)
            ticket_text = _text(app, "#ticket")
            assert number in ticket_text
            assert "dipanggil" in ticket_text
            assert "Prioritas: lansia" in ticket_text
            assert "Menunggu sejak" in ticket_text

            await pilot.press("f5")  # the outcome chooser; Enter takes its suggestion
            await pilot.pause()
            await pilot.press("enter")
            await _settle(app, pilot)
            assert number not in _text(app, "#ticket")
            done = Queue.for_station(station).status().services[0]["counts"]["done"]
            assert done == 1
            assert Queue.for_station(station).status().called == []

            await pilot.press("f10")
            await _settle(app, pilot)
            assert isinstance(app.screen, LoginScreen)
            assert "keluar" in _text(app, "#login-message")
        assert not _counter_open(station, 1)

    _run(scenario())


def test_recall_start_and_no_show_keys(station: Station) -> None:
    async def scenario() -> None:
        queue = Queue.for_station(station)
        first = queue.take_ticket("A").ticket.number
        second = queue.take_ticket("A").ticket.number
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            login_button = app.screen.query_one("#login").region
            assert login_button.bottom <= 24  # the login form fits an 80×24 terminal
            await _login(app, pilot, "2468")
            for key in ("f2", "f3", "f3"):
                await pilot.press(key)
                await _settle(app, pilot)
            assert "dipanggil 3×" in _text(app, "#ticket")
            await pilot.press("f6")
            await _settle(app, pilot)
            assert any(f"{first} ditandai tidak hadir" in m for m in _notes(app))
            await pilot.press("f2", "f4")  # typed ahead: run in order
            await _settle(app, pilot)
            assert second in _text(app, "#ticket")
            assert "dilayani" in _text(app, "#ticket")
            await pilot.press("f6")  # serving: no-show is refused in Indonesian
            await _settle(app, pilot)
            assert isinstance(app.screen, MainScreen)
            assert len(_notes(app)) >= 5
        app.close_counter_quietly()  # what `station run` does after Ctrl+Q
        assert not _counter_open(station, 1)

    _run(scenario())


def test_heartbeat_touches_the_counter(station: Station) -> None:
    async def scenario() -> None:
        app = OperatorApp(station, counter=1, heartbeat_seconds=0.1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await _login(app, pilot, "2468")
            with station.db.read() as session:
                first = session.scalars(select(Counter.heartbeat_at).where(Counter.number == 1))
                opened_beat = first.one()
            await pilot.pause(0.35)
            await _settle(app, pilot)
            with station.db.read() as session:
                later = session.scalars(select(Counter.heartbeat_at).where(Counter.number == 1))
                assert later.one() > opened_beat
            await pilot.press("f10")
            await _settle(app, pilot)
        assert not _counter_open(station, 1)

    _run(scenario())


def test_run_command_refuses_an_uninitialised_home(home: Path) -> None:
    from click.testing import CliRunner

    from station.cli import cli

    result = CliRunner().invoke(cli, ["run", "--counter", "1"])
    assert result.exit_code == 1
    assert "station init" in result.output


def test_high_contrast_theme(station: Station) -> None:
    async def scenario() -> None:
        app = OperatorApp(station, high_contrast=True)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.theme == "station-kontras"
            assert app.current_theme.background == "#000000"

    _run(scenario())
