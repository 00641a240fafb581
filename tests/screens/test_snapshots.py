"""Screen snapshots (pytest-textual-snapshot) at 80×24 and 120×40, on a fixed clock.

The SVGs under ``tests/__snapshots__`` are the reference; ``pytest --snapshot-update``
rewrites them after a deliberate change (look at them first: the operator guide in
``docs/panduan-operator.md`` shows the same pictures). Everything that varies is pinned:
the clock (the app's ``clock``), ticket times (``now=``), the residents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from station.home.context import Station
from station.queue.facade import Queue
from station.screens.operator.app import OperatorApp
from tests.helpers.letter_helpers import HEAD, RESIDENTS
from tests.helpers.operator_pilot import add_indexed_residents, login, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
WITA = ZoneInfo("Asia/Makassar")
NOW = dt.datetime(2026, 11, 30, 9, 15, tzinfo=WITA)


def _fixed_clock() -> dt.datetime:
    return NOW


def _morning_queue(station: Station) -> None:
    queue = Queue.for_station(station)
    for minute, prefix, priority in [
        (2, "A", None),
        (5, "B", None),
        (8, "A", "lansia"),
        (11, "C", None),
        (20, "A", None),
        (31, "B", None),
    ]:
        queue.take_ticket(prefix, priority=priority, now=NOW.replace(hour=8, minute=minute))


def _app(station: Station) -> OperatorApp:
    return OperatorApp(station, counter=1, clock=_fixed_clock, heartbeat_seconds=3600)


async def _steady(pilot: Pilot[None]) -> None:
    """A blinking cursor would make the picture depend on the moment it is taken."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
        field.refresh()
    await pilot.pause()


async def _resident_card(pilot: Pilot[None]) -> OperatorApp:
    """Signed in at loket 1, HEAD looked up: the card is on screen."""
    app = pilot.app
    assert isinstance(app, OperatorApp)
    await _signed_in(app, pilot)
    await pilot.press("f7")
    await pilot.pause()
    await pilot.press(*HEAD, "enter")
    await settle(app, pilot)
    return app


async def _signed_in(app: OperatorApp, pilot: Pilot[None]) -> None:
    await pilot.pause()
    await login(app, pilot)


@pytest.mark.parametrize("size", SIZES)
def test_login_screen(snap_compare: Any, station: Station, size: tuple[int, int]) -> None:
    assert snap_compare(_app(station), terminal_size=size, run_before=_steady)


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare: Any, station: Station, size: tuple[int, int]) -> None:
    _morning_queue(station)

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, OperatorApp)
        await _signed_in(app, pilot)
        Queue.for_station(station).call_next(1, "sari", now=NOW)
        app.screen.refresh_status()  # type: ignore[attr-defined]
        await settle(app, pilot)
        await _steady(pilot)

    assert snap_compare(_app(station), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_lookup_card(snap_compare: Any, station: Station, size: tuple[int, int]) -> None:
    add_indexed_residents(station, RESIDENTS)

    async def run_before(pilot: Pilot[None]) -> None:
        await _resident_card(pilot)
        await _steady(pilot)

    assert snap_compare(_app(station), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_letter_preview(snap_compare: Any, station: Station, size: tuple[int, int]) -> None:
    add_indexed_residents(station, RESIDENTS)

    async def run_before(pilot: Pilot[None]) -> None:
        app = await _resident_card(pilot)
        await pilot.press("enter")  # the letter screen
        await settle(app, pilot)
        await pilot.press("enter", "enter")  # SKD; lama tinggal left empty
        await settle(app, pilot)
        await pilot.press(*"Melamar", "space", *"pekerjaan", "enter")
        await settle(app, pilot)
        await _steady(pilot)

    assert snap_compare(_app(station), terminal_size=size, run_before=run_before)


BOARD_SIZES = [pytest.param((160, 45), id="160x45"), pytest.param((80, 24), id="80x24")]


@pytest.mark.parametrize("size", BOARD_SIZES)
def test_board_screen(snap_compare: Any, station: Station, size: tuple[int, int]) -> None:
    """The called number fills its panel: on a waiting-room TV (160×45) it is many rows high,
    and at 80×24 it is still whole."""
    from station.home.config import VoiceConfig
    from station.screens.board.app import BoardApp
    from station.screens.board.big_number import BigNumber
    from station.screens.speech import Announcer

    _morning_queue(station)
    queue = Queue.for_station(station)
    queue.open_counter(1, "sari", now=NOW)
    queue.call_next(1, "sari", now=NOW)  # A-002 (lansia) first
    station.clock = station.clock.fixed_at(NOW)
    station.config.board.running_text = "Selamat datang di Kelurahan Oesapa."  # fits: it stands
    app = BoardApp(station, announcer=Announcer(VoiceConfig(), speak=lambda text: None))

    async def shown(pilot: Pilot[None]) -> None:
        number = pilot.app.screen.query_one("#calling-number", BigNumber)
        for _ in range(200):
            if number.value == "A-002":
                break
            await pilot.pause(0.05)
        assert number.value == "A-002"
        await settle(pilot.app, pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=shown)
