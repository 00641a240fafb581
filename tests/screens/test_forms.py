"""Forms that read well (issue 14, point 11): login typed fast, the registration form, the
Today screen at 100 columns, the audit viewer's labels and detail.

pytest-asyncio is not installed: each test runs its coroutine with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio

import pytest
from textual import events

from station.home.context import Station
from station.screens.operator.app import OperatorApp
from station.screens.operator.main import MainScreen
from tests.helpers.operator_pilot import settle

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
