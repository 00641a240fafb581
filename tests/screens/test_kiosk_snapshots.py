"""Kiosk snapshots (pytest-textual-snapshot) on a fixed clock: the choice screen at 80×24 and
120×40 (every service, the priority and survey buttons) and a survey question at 80×24 with
its own answers as buttons (issue 14, point 12). ``--snapshot-update`` only after looking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual.pilot import Pilot
from textual.widgets import Button

from station.home.context import Station
from station.queue.facade import Queue
from station.screens.kiosk.app import KioskApp
from tests.helpers.operator_pilot import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
NOW = dt.datetime(2026, 11, 30, 9, 15, tzinfo=ZoneInfo("Asia/Makassar"))


def _kiosk(station: Station, tmp_path: Path) -> KioskApp:
    station.config.printer.uri = f"file:{tmp_path / 'printer.bin'}"
    queue = Queue.for_station(station)
    for minute, prefix in [(2, "A"), (5, "B"), (8, "A"), (11, "C")]:
        queue.take_ticket(prefix, now=NOW.replace(hour=8, minute=minute))
    return KioskApp(station, clock=lambda: NOW, refresh_seconds=3600)


async def _services_shown(pilot: Pilot[None]) -> None:
    for _ in range(200):
        if len(pilot.app.screen.query("Button.service")) == 3:
            break
        await pilot.pause(0.05)
    await settle(pilot.app, pilot)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_kiosk_choice_screen(
    snap_compare: Any, station: Station, tmp_path: Path, size: tuple[int, int]
) -> None:
    assert snap_compare(_kiosk(station, tmp_path), terminal_size=size, run_before=_services_shown)


def test_kiosk_survey_question(snap_compare: Any, station: Station, tmp_path: Path) -> None:
    app = _kiosk(station, tmp_path)
    queue = Queue.for_station(station)
    queue.open_counter(1, "sari", now=NOW)
    queue.call_next(1, "sari", now=NOW)
    queue.finish(1, "sari", outcome="information_given", now=NOW)

    async def fourth_question(pilot: Pilot[None]) -> None:
        await _services_shown(pilot)
        await pilot.click("#survey-button")
        for _ in range(200):
            if pilot.app.screen.query("Button.ticket"):
                break
            await pilot.pause(0.05)
        await pilot.click("#ticket-A-001")
        await settle(pilot.app, pilot)
        await pilot.press("4", "4", "3")  # keys still answer
        await pilot.pause()
        screen = pilot.app.screen
        assert str(screen.query_one("#answer-4", Button).label) == "4   Gratis"
        screen.set_focus(None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=fourth_question)
