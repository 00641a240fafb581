"""Counters in the admin screen (issue 14, point 9): list, add, edit and remove a loket by
Pilot, through the same audited core as `station counters`; removing an open counter or one
that has served is refused with the core's Indonesian reason."""

from __future__ import annotations

from textual.widgets import DataTable, Input, TabbedContent

from station.home.context import Station
from station.office.admin import counter_setups
from station.office.operators import add_operator
from station.queue.facade import Queue
from station.screens.dialogs import ConfirmDialog
from station.screens.operator.admin import AdminScreen, CounterForm
from station.screens.operator.app import OperatorApp
from tests.helpers.operator_pilot import add_admin, audit_actions, notes, run, settle, to_admin


def _setups(station: Station) -> dict[int, tuple[str, tuple[str, ...]]]:
    with station.db.read() as session:
        return {c.number: (c.name, c.services) for c in counter_setups(session, station.office_id)}


def _select(app: OperatorApp, number: int) -> DataTable:
    table = app.screen.query_one("#counters", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(str(number)), column=0)
    return table


def test_admin_adds_edits_and_removes_a_counter(station: Station) -> None:
    add_admin(station)
    with station.db.write() as session:
        add_operator(
            session, station.office_id, username="yohana", display_name="Yohana Bria",
            role="operator", pin="1357",
        )  # fmt: skip
    queue = Queue.for_station(station)  # loket 2 served once, then closed: it has a history
    queue.open_counter(2, "yohana")
    queue.take_ticket("B")
    queue.call_next(2, "yohana")
    queue.finish(2, "yohana", outcome="information_given")
    queue.close_counter(2, "yohana")

    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=(100, 30)) as pilot:
            await to_admin(app, pilot)
            assert isinstance(app.screen, AdminScreen)
            app.screen.query_one("#admin-tabs", TabbedContent).active = "tab-services"
            await pilot.pause()
            table = app.screen.query_one("#counters", DataTable)
            assert [str(c.label) for c in table.ordered_columns] == [
                "Loket",
                "A",
                "B",
                "C",
                "Status",
            ]
            assert [str(v) for v in table.get_row("1")] == ["1 Loket 1", "ya", "-", "ya", "dibuka"]
            assert str(table.get_row("2")[-1]) == "tutup"

            await pilot.press("t")  # add
            await pilot.pause()
            assert isinstance(app.screen, CounterForm)
            await pilot.press(*"3", "enter", *"Loket Kios", "enter", *"a, b", "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, AdminScreen)
            assert any("Loket 3 (Loket Kios) ditambahkan: A,B." in n for n in notes(app))
            assert table.row_count == 3

            _select(app, 3)
            await pilot.press("e")  # edit: name and services prefilled
            await pilot.pause()
            form = app.screen
            assert isinstance(form, CounterForm)
            assert form.query_one("#counter-name", Input).value == "Loket Kios"
            assert form.query_one("#counter-services", Input).value == "A,B"
            form.query_one("#counter-name", Input).value = "Loket Prioritas"
            form.query_one("#counter-services", Input).value = "C"
            form.query_one("#counter-services", Input).focus()
            await pilot.press("enter")
            await settle(app, pilot)
            assert str(table.get_row("3")[0]) == "3 Loket Prioritas"

            await pilot.press("t")  # a number that exists: the core's refusal, shown
            await pilot.pause()
            await pilot.press(*"1", "enter", "enter", *"A", "enter")
            await settle(app, pilot)
            assert notes(app)[-1] == "Loket 1 sudah ada."

            _select(app, 1)  # open (the admin is signed in there): refused
            await pilot.press("h")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("y")
            await settle(app, pilot)
            assert notes(app)[-1] == "Loket 1 sedang dibuka; tutup dulu sebelum dihapus."

            _select(app, 2)  # closed but has served: refused, history kept
            await pilot.press("h")
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
            assert "sudah punya riwayat layanan" in notes(app)[-1]

            _select(app, 3)
            await pilot.press("h")
            await pilot.pause()
            await pilot.press("escape")  # changed their mind: nothing happens
            await settle(app, pilot)
            assert table.row_count == 3
            _select(app, 3)
            await pilot.press("h")
            await pilot.pause()
            await pilot.click("#confirm-yes")
            await settle(app, pilot)
            assert notes(app)[-1] == "Loket 3 dihapus."
            assert table.row_count == 2

    run(scenario())
    assert _setups(station) == {1: ("Loket 1", ("A", "C")), 2: ("Loket 2", ("B", "C"))}
    actions = audit_actions(station)
    assert actions.count("counter.add") == 1
    assert actions.count("counter.edit") == 1
    assert actions.count("counter.remove") == 1
