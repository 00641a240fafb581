"""The admin screen: only for admins; operators, services and counters changed and audited."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import DataTable, Input, TabbedContent

from station.home.context import Station
from station.office.admin import counter_setups
from station.office.sign_in import LoginError, sign_in
from station.screens.operator.admin import AdminScreen, OperatorForm
from station.screens.operator.app import OperatorApp
from station.screens.operator.main import MainScreen
from station.store.models import Operator
from tests.helpers.operator_pilot import (
    SIZE,
    add_admin,
    audit_actions,
    login,
    notes,
    run,
    settle,
    to_admin,
)


def test_the_admin_menu_is_refused_to_an_operator(station: Station) -> None:
    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
            assert any("admin" in n for n in notes(app))

    run(scenario())


def test_admin_adds_an_operator_resets_a_pin_and_deactivates(station: Station) -> None:
    add_admin(station)

    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=(120, 40)) as pilot:
            await to_admin(app, pilot)
            assert isinstance(app.screen, AdminScreen)
            table = app.screen.query_one("#operators", DataTable)
            assert table.row_count == 2

            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, OperatorForm)
            await pilot.press(*"petrus", "enter", *"Petrus Lay", "enter", "enter")
            await pilot.press(*"4826", "enter", *"4826", "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, AdminScreen)
            assert table.row_count == 3

            table.focus()
            table.move_cursor(row=table.get_row_index("sari"))
            await pilot.press("p")
            await pilot.pause()
            await pilot.press(*"5173", "enter", *"5713", "enter")  # mismatch: stays open
            await pilot.pause()
            assert isinstance(app.screen, OperatorForm)
            app.screen.query_one("#pin", Input).value = ""
            app.screen.query_one("#pin2", Input).value = ""
            app.screen.query_one("#pin", Input).focus()
            await pilot.press(*"5173", "enter", *"5173", "enter")
            await settle(app, pilot)

            table.move_cursor(row=table.get_row_index("petrus"))
            await pilot.press("d")
            await settle(app, pilot)
            assert table.get_row("petrus")[3] == "nonaktif"

    run(scenario())
    assert sign_in(station, "sari", "5173").username == "sari"
    try:
        sign_in(station, "petrus", "4826")
    except LoginError:
        pass
    else:
        raise AssertionError("a deactivated operator signed in")
    with station.db.read() as session:
        petrus = session.scalars(select(Operator).where(Operator.username == "petrus")).one()
        assert petrus.display_name == "Petrus Lay" and petrus.role == "operator"
    actions = audit_actions(station)
    for action in ("operator.add", "operator.reset_pin", "operator.deactivate"):
        assert action in actions


def test_admin_changes_what_a_counter_serves(station: Station) -> None:
    add_admin(station)

    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=(120, 40)) as pilot:
            await to_admin(app, pilot)
            app.screen.query_one("#admin-tabs", TabbedContent).active = "tab-services"
            await pilot.pause()
            counters = app.screen.query_one("#counters", DataTable)
            counters.focus()
            counters.move_cursor(row=0, column=2)  # loket 1, service B
            await pilot.press("enter")
            await settle(app, pilot)
            await pilot.press("d")  # an operators key: does nothing on this tab
            await settle(app, pilot)

    run(scenario())
    with station.db.read() as session:
        setups = counter_setups(session, station.office_id)
    assert setups[0].services == ("A", "B", "C")
    assert "operator.deactivate" not in audit_actions(station)
    assert "counter.services" in audit_actions(station)
