"""Forms that read well (issue 14, point 11): login typed fast, the registration form, the
Today screen at 100 columns, the audit viewer's labels and detail.

pytest-asyncio is not installed: each test runs its coroutine with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio

import pytest
from textual import events
from textual.widgets import DataTable

from station.home.context import Station
from station.letters import desk as letter_desk
from station.screens.operator.app import OperatorApp
from station.screens.operator.main import MainScreen
from station.screens.operator.today import TodayScreen
from tests.helpers.operator_pilot import settle
from tests.screens.test_today_screen import desk, issue_served  # noqa: F401  (fixture)

SIZE = (100, 30)


def type_fast(app: OperatorApp, text: str) -> None:
    """Queue every key at once, as a fast typist (or a barcode scanner) does: nothing is
    processed between two keys."""
    for char in text:
        key = "enter" if char == "\r" else char
        app.post_message(events.Key(key, char))


@pytest.mark.parametrize(("preset", "typed"), [(1, "sari\r2468\r"), (None, "1\rsari\r2468\r")])
def test_keys_typed_fast_at_login_land_in_their_fields(
    station: Station, preset: int | None, typed: str
) -> None:
    """`sari⏎2468⏎` typed before the screen has caught up: user sari, PIN 2468, signed in
    (it used to end as user `sari2468` with an empty PIN)."""

    async def scenario() -> None:
        app = OperatorApp(station, counter=preset)
        async with app.run_test(size=SIZE) as pilot:
            type_fast(app, typed)
            await settle(app, pilot)
            assert isinstance(app.screen, MainScreen)
            assert app.user is not None and app.user.username == "sari"
            assert app.counter == 1

    asyncio.run(scenario())


def test_today_at_100_columns_shows_status(desk: Station) -> None:  # noqa: F811
    """A revoked letter must not look valid on a 100-column terminal: its status is on
    screen, not scrolled off to the right of the letters table."""
    issued, _ = issue_served(desk)
    letter_desk.revoke(desk, issued.number, reason="salah data", operator="lurah")

    async def scenario() -> None:
        app = OperatorApp(station=desk, counter=1)
        async with app.run_test(size=(100, 30)) as pilot:
            type_fast(app, "sari\r2468\r")
            await settle(app, pilot)
            app.push_screen(TodayScreen())
            await settle(app, pilot)
            table = app.screen.query_one("#letters", DataTable)
            labels = [str(c.label) for c in table.columns.values()]
            widths = [c.get_render_width(table) for c in table.columns.values()]
            status = labels.index("Status")
            assert str(table.get_row_at(0)[status]) == "DICABUT"
            left = sum(widths[:status])
            assert left + len("DICABUT") <= table.scrollable_content_region.width

    asyncio.run(scenario())
