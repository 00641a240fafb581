"""Transfers and sign-out that do not lose people (issue 14, point 10): the transfer toast says
where the ticket went; F10 or Ctrl+Q while the counter holds a ticket asks first and names it,
and cancelling keeps the session and the ticket."""

from __future__ import annotations

from sqlalchemy import select

from station.home.context import Station
from station.office.operators import add_operator
from station.queue.facade import Queue
from station.screens.dialogs import ConfirmDialog
from station.screens.operator.app import OperatorApp
from station.screens.operator.login import LoginScreen
from station.screens.operator.main import MainScreen
from station.store.models import Counter
from tests.helpers.operator_pilot import login, notes, run, settle, text

SMALL = (80, 24)


def _counter_open(station: Station, number: int) -> bool:
    with station.db.read() as session:
        counter = session.scalars(select(Counter).where(Counter.number == number)).one()
        return counter.is_open


def _dialog_text(app: OperatorApp) -> str:
    return text(app, "#confirm-message")


def test_transfer_toast_names_the_target_service_and_counter(station: Station) -> None:
    with station.db.write() as session:
        add_operator(
            session, station.office_id, username="yohana", display_name="Yohana Bria",
            role="operator", pin="1357",
        )  # fmt: skip
    queue = Queue.for_station(station)
    first = queue.take_ticket("A").ticket.number
    second = queue.take_ticket("A").ticket.number
    queue.open_counter(2, "yohana")

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SMALL) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)
            await pilot.press("f8")
            await pilot.pause()
            await pilot.press("down", "enter")  # service B
            await settle(app, pilot)
            assert f"{first} dialihkan ke antrean B — " in notes(app)[-1]

            await pilot.press("f2")
            await settle(app, pilot)
            assert second in text(app, "#ticket")
            await pilot.press("f8")
            await pilot.pause()
            dialog = app.screen
            keys = [key for key, _ in dialog.options]  # type: ignore[attr-defined]
            for _ in range(keys.index("counter:2")):
                await pilot.press("down")
            await pilot.press("enter")
            await settle(app, pilot)
            assert notes(app)[-1] == f"{second} dialihkan ke Loket 2."

    run(scenario())
    waiting = {t.number: (t.service, t.target_counter) for t in queue.status().waiting}
    assert waiting == {first: ("B", None), second: ("A", 2)}


def test_f10_with_a_held_ticket_asks_and_cancel_keeps_the_session(station: Station) -> None:
    number = Queue.for_station(station).take_ticket("A").ticket.number

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SMALL) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)

            await pilot.press("f10")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDialog)
            assert f"masih memegang tiket {number}" in _dialog_text(app)
            assert "Loket 1" in _dialog_text(app)
            await pilot.press("escape")  # cancel: still signed in, still holding it
            await settle(app, pilot)
            assert isinstance(app.screen, MainScreen)
            assert app.user is not None and _counter_open(station, 1)
            assert number in text(app, "#ticket")

            await pilot.press("f10")
            await settle(app, pilot)
            await pilot.click("#confirm-no")  # the button does the same
            await settle(app, pilot)
            assert isinstance(app.screen, MainScreen) and app.user is not None

            await pilot.press("f10")
            await settle(app, pilot)
            await pilot.press("y")  # leave anyway: the ticket stays at loket 1
            await settle(app, pilot)
            assert isinstance(app.screen, LoginScreen)
        assert not _counter_open(station, 1)
        called = Queue.for_station(station).status().called
        assert [(t.number, t.counter) for t in called] == [(number, 1)]

    run(scenario())


def test_f10_without_a_ticket_signs_out_at_once(station: Station) -> None:
    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SMALL) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("f10")
            await settle(app, pilot)
            assert isinstance(app.screen, LoginScreen)

    run(scenario())


def test_ctrl_q_with_a_held_ticket_asks_and_cancel_keeps_the_app(station: Station) -> None:
    number = Queue.for_station(station).take_ticket("C").ticket.number

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SMALL) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)
            assert number in text(app, "#ticket")
            await pilot.press("ctrl+q")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDialog)
            assert number in _dialog_text(app)
            await pilot.press("n")
            await settle(app, pilot)
            assert isinstance(app.screen, MainScreen)
            assert not app._exit and app.user is not None

            await pilot.press("ctrl+q")
            await settle(app, pilot)
            await pilot.click("#confirm-yes")
            await pilot.pause()
            assert app._exit  # the app leaves (`station run` then closes the counter)

    run(scenario())
