"""The kiosk and the board cannot be left (issue "Trust under attack", point 6): Ctrl+C,
Ctrl+Q and Ctrl+P do nothing; the hidden Ctrl+X asks an admin's PIN, and only an admin's
right PIN closes the app (audited); an operator's PIN or a wrong one does not."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual.app import App
from textual.widgets import Input

from station.home.config import VoiceConfig
from station.home.context import Station
from station.office.operators import add_operator
from station.screens.board.app import BoardApp
from station.screens.kiosk.app import KioskApp
from station.screens.public import AdminExitScreen
from station.screens.speech import Announcer
from station.store.models import AuditEvent
from tests.helpers.operator_pilot import settle

WITA = dt.timezone(dt.timedelta(hours=8))
MONDAY_9 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=WITA)


def _apps(station: Station, tmp_path: Path) -> dict[str, Any]:
    station.config.printer.uri = f"file:{tmp_path / 'printer.bin'}"
    return {
        "kiosk": lambda: KioskApp(station, clock=lambda: MONDAY_9),
        "board": lambda: BoardApp(
            station, announcer=Announcer(VoiceConfig(), speak=lambda text: None)
        ),
    }


@pytest.fixture
def admin(station: Station) -> Station:
    with station.db.write() as session:
        add_operator(session, station.office_id, username="kepala", display_name="Admin",
                     role="admin", pin="975310")  # fmt: skip
    return station


async def _type(pilot: Any, app: App[None], text: str) -> None:
    await pilot.press(*text, "enter")
    await settle(app, pilot)


@pytest.mark.parametrize("which", ["kiosk", "board"])
def test_quit_keys_do_nothing_and_only_an_admin_pin_exits(
    admin: Station, tmp_path: Path, which: str
) -> None:
    make = _apps(admin, tmp_path)[which]

    async def scenario() -> None:
        app = make()
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            first = app.screen
            for key in ("ctrl+c", "ctrl+q", "ctrl+p", "ctrl+c"):
                await pilot.press(key)
                await settle(app, pilot)
                assert app.is_running and app.screen is first, key
            # The hidden key: an operator's right PIN is not an admin's.
            await pilot.press("ctrl+x")
            await settle(app, pilot)
            assert isinstance(app.screen, AdminExitScreen)
            await _type(pilot, app, "sari")
            await _type(pilot, app, "2468")
            assert app.is_running
            assert "Hanya admin" in str(app.screen.query_one("#exit-message").render())
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen is first
            # Ctrl+Q inside the dialog is refused too.
            await pilot.press("ctrl+x")
            await settle(app, pilot)
            await pilot.press("ctrl+q")
            await settle(app, pilot)
            assert app.is_running
            app.screen.query_one("#exit-user", Input).focus()
            await _type(pilot, app, "kepala")
            await _type(pilot, app, "975310")
            for _ in range(50):
                if not app.is_running:
                    break
                await pilot.pause(0.05)
            assert not app.is_running

    asyncio.run(scenario())
    with admin.db.read() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent))]
    assert "app.exit_refused" in actions and actions[-1] == "app.exit"
