"""Two counters on one database: takeover, transfer, cover mode (two real apps under Pilot)."""

from __future__ import annotations

from station.home.context import Station
from station.office.operators import add_operator
from station.queue.facade import Queue
from station.screens.choice import ChoiceDialog
from station.screens.operator.app import OperatorApp
from station.screens.operator.login import LoginScreen
from station.screens.operator.main import MainScreen
from tests.helpers.operator_pilot import SIZE, login, notes, run, settle, text


def _add_colleague(station: Station) -> None:
    with station.db.write() as session:
        add_operator(
            session, station.office_id, username="yohana", display_name="Yohana Bria",
            role="operator", pin="1357",
        )  # fmt: skip


def test_one_counter_takes_over_the_ticket_the_other_left(station: Station) -> None:
    """Sari calls A-001 at loket 1 and has to leave (F10); Yohana at loket 2 takes it over."""
    _add_colleague(station)
    number = Queue.for_station(station).take_ticket("C").ticket.number  # both counters serve C

    async def scenario() -> None:
        first = OperatorApp(station, counter=1, refresh_seconds=0.2)
        second = OperatorApp(station, counter=2, refresh_seconds=0.2)
        async with first.run_test(size=SIZE) as p1, second.run_test(size=SIZE) as p2:
            await p1.pause()
            await p2.pause()
            await login(first, p1, counter="1")
            await login(second, p2, "1357", counter="2", username="yohana")
            assert isinstance(first.screen, MainScreen)
            assert isinstance(second.screen, MainScreen)

            await p1.press("f2")
            await settle(first, p1)
            assert number in text(first, "#ticket")

            await p2.pause(0.4)  # the other app's poll shows who holds what
            await settle(second, p2)
            assert "L1: sari" in text(second, "#counters")
            assert number in text(second, "#counters")

            await p2.press("f9")  # refused while loket 1 is open and alive
            await p2.pause()
            assert isinstance(second.screen, ChoiceDialog)
            await p2.press("enter")
            await settle(second, p2)
            assert any("masih aktif" in n for n in notes(second))

            await p1.press("f10")  # sari leaves; asked first, her ticket stays at loket 1
            await settle(first, p1)
            await p1.press("y")
            await settle(first, p1)
            assert isinstance(first.screen, LoginScreen)

            await p2.pause(0.4)
            await settle(second, p2)
            await p2.press("f9", "enter")
            await settle(second, p2)
            assert number in text(second, "#ticket")
            assert any("diambil alih" in n for n in notes(second))

            await p2.press("f5", "enter")
            await settle(second, p2)
        status = Queue.for_station(station).status()
        assert status.called == []
        done = {s["prefix"]: s["counts"]["done"] for s in status.services}
        assert done["C"] == 1

    run(scenario())


def test_transfer_sends_the_ticket_to_another_service(station: Station) -> None:
    number = Queue.for_station(station).take_ticket("A").ticket.number

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)
            await pilot.press("f8")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, ChoiceDialog)
            keys = [key for key, _ in dialog.options]
            assert keys[:3] == ["service:A", "service:B", "service:C"]
            await pilot.press("down", "enter")  # to B
            await settle(app, pilot)
            assert number not in text(app, "#ticket")
        waiting = Queue.for_station(station).status().waiting
        assert [(t.number, t.service) for t in waiting] == [(number, "B")]

    run(scenario())


def test_cover_mode_lets_loket_1_call_service_b(station: Station) -> None:
    number = Queue.for_station(station).take_ticket("B").ticket.number  # loket 1 serves A, C

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)
            assert any("kosong" in n.lower() for n in notes(app))
            await pilot.press("m")
            await settle(app, pilot)
            assert "mode bantu" in text(app, "#counters")
            await pilot.press("f2")
            await settle(app, pilot)
            assert number in text(app, "#ticket")
            await pilot.press("m")
            await settle(app, pilot)
            assert "mode bantu" not in text(app, "#counters")

    run(scenario())
