"""The waiting-room board under Pilot, on a real SQLite station home: counters, the flashing
"now calling" panel, the last calls, waiting counts, and a call made by another OS process
(``python -m station queue next``) shown within one second and announced."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Digits, Static

from station.home.config import VoiceConfig
from station.home.context import Station
from station.queue.facade import Queue
from station.screens.board.app import BoardApp
from station.screens.board.big_number import BigNumber
from station.screens.board.board import BoardScreen, CounterCard
from station.screens.speech import Announcer

SIZE = (120, 36)
PHRASE_A2 = "Nomor antrian A dua, silakan menuju loket satu"


def _quiet_announcer() -> Announcer:
    return Announcer(VoiceConfig(), speak=lambda text: None)


def _text(app: BoardApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def _calling(app: BoardApp) -> str:
    return app.screen.query_one("#calling-number", BigNumber).value


async def _until(pilot: Pilot[None], check: object, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        await pilot.pause(0.02)
    return bool(check())  # type: ignore[operator]


def _prepare(station: Station) -> Queue:
    queue = Queue.for_station(station)
    queue.open_counter(1, "sari")
    for prefix in ("A", "A", "A", "B", "C"):
        queue.take_ticket(prefix)
    queue.call_next(1, "sari")  # A-001, before the board starts
    return queue


def test_board_shows_counters_history_and_waiting(station: Station) -> None:
    queue = _prepare(station)

    async def scenario() -> None:
        app = BoardApp(station, announcer=_quiet_announcer(), refresh_seconds=0.1)
        async with app.run_test(size=SIZE) as pilot:
            assert await _until(pilot, lambda: _calling(app) == "A-001")
            assert isinstance(app.screen, BoardScreen)
            assert "KELURAHAN OESAPA" in _text(app, "#office")
            assert ":" in _text(app, "#clock")
            assert "2026" in _text(app, "#date") or "20" in _text(app, "#date")
            card = app.screen.query_one("#counter-1", CounterCard)
            assert card.query_one(Digits).value == "A-001"
            assert not app.screen.query("#counter-2")  # closed counters are not shown
            waiting = _text(app, "#waiting")
            assert "A Surat Keterangan: 2" in waiting and "B " in waiting
            assert "A-001" in _text(app, "#history-list")
            assert app.announced == []  # calls from before the board started are not read out
            assert not app.screen.query_one("#calling").has_class("flash")

            queue.recall(1, "sari")
            assert await _until(pilot, lambda: "ulang" in _text(app, "#calling-counter"))
            assert app.screen.query_one("#calling").has_class("flash")
            assert app.announced == ["Nomor antrian A satu, silakan menuju loket satu"]

            queue.finish(1, "sari", outcome="information_given")
            for _ in range(7):
                queue.take_ticket("C")
            for _ in range(7):
                queue.call_next(1, "sari")
                queue.finish(1, "sari", outcome="information_given")
            assert await _until(pilot, lambda: len(app.announced) == 8)
            history = _text(app, "#history-list").splitlines()
            assert len(history) == 6  # the last six tickets called, newest first
            # Loket 1 serves A and C: it called, then C-001 .. C-005
            assert [line.split()[0] for line in history] == [
                "C-005", "C-004", "C-003", "C-002", "C-001", "A-003",
            ]  # fmt: skip
            # the counter holds nothing now: its last call, dimmed
            assert await _until(pilot, lambda: card.has_class("idle"))

            ticker = _text(app, "#ticker")
            assert ticker.strip() and ticker.split()[0] in station.config.board.running_text

    asyncio.run(scenario())


def test_a_call_from_another_process_shows_within_one_second(station: Station) -> None:
    queue = _prepare(station)
    queue.finish(1, "sari", outcome="information_given")
    announcer = _quiet_announcer()

    async def scenario() -> None:
        app = BoardApp(station, announcer=announcer)  # the real 0.5 s refresh
        async with app.run_test(size=SIZE) as pilot:
            # A-001 was finished before the board started: in the history, not being called.
            assert await _until(pilot, lambda: "A-001" in _text(app, "#history-list"))
            assert _calling(app) == "---" and _text(app, "#calling-counter") == ""
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "station", "queue", "next", "--counter", "1",
                "--operator", "sari", "--json",
                env={**os.environ, "STATION_HOME": str(station.home)},
                stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, _ = await proc.communicate()
            called_at = time.monotonic()  # the call is committed once the command has exited
            assert proc.returncode == 0, out
            assert b'"A-002"' in out
            shown = await _until(pilot, lambda: _calling(app) == "A-002", seconds=1.0)
            elapsed = time.monotonic() - called_at
            assert shown, f"not shown after {elapsed:.2f} s"
            assert elapsed <= 1.0
            assert app.screen.query_one("#counter-1", CounterCard).query_one(Digits).value == (
                "A-002"
            )
            assert "LOKET 1" in _text(app, "#calling-counter")
            assert app.announced == [PHRASE_A2]
        assert announcer.spoken == [PHRASE_A2]  # spoken by the announcer thread

    asyncio.run(scenario())


def test_the_board_follows_a_takeover_within_one_second(station: Station) -> None:
    """Loket 1 is closed while it holds A-001; loket 2 takes it over: the board sends the
    resident to loket 2 at once (spoken too), instead of "LOKET 1" until loket 2 recalls."""
    from station.office.operators import add_operator

    queue = _prepare(station)
    with station.db.write() as session:
        add_operator(session, station.office_id, username="ani", display_name="Ani",
                     role="operator", pin="1357")  # fmt: skip
    announcer = _quiet_announcer()

    async def scenario() -> None:
        app = BoardApp(station, announcer=announcer)
        async with app.run_test(size=SIZE) as pilot:
            assert await _until(pilot, lambda: _calling(app) == "A-001")
            assert "LOKET 1" in _text(app, "#calling-counter")
            queue.close_counter(1, "sari")
            queue.open_counter(2, "ani")
            queue.takeover(2, "ani", ticket="A-001")
            moved_at = time.monotonic()
            shown = await _until(pilot, lambda: "LOKET 2" in _text(app, "#calling-counter"), 1.0)
            assert shown and time.monotonic() - moved_at <= 1.0
            assert "pindah loket" in _text(app, "#calling-counter")
            assert app.announced == ["Nomor antrian A satu, silakan menuju loket dua"]
            queue.finish(2, "ani", outcome="information_given")  # served: the panel empties
            assert await _until(pilot, lambda: _calling(app) == "---", 1.0)
            assert _text(app, "#calling-counter") == ""

    asyncio.run(scenario())


def test_board_with_no_open_counter(home: Path) -> None:
    from station.home.context import init_station, open_station

    init_station(home)
    station = open_station(home)

    async def scenario() -> None:
        app = BoardApp(station, announcer=_quiet_announcer(), refresh_seconds=0.1)
        async with app.run_test(size=SIZE) as pilot:
            assert await _until(pilot, lambda: bool(app.screen.query("#no-counters")))
            assert _calling(app) == "---"
            assert "Belum ada panggilan" in _text(app, "#history-list")

    try:
        asyncio.run(scenario())
    finally:
        station.close()


def test_board_json_prints_its_setup_without_starting(station: Station) -> None:
    import json

    from click.testing import CliRunner

    from station.cli import cli

    result = CliRunner().invoke(cli, ["board", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["app"] == "board" and data["office"] == "Oesapa"
    assert data["voice"]["enabled"] is True
    assert data["voice"]["phrase"] == "Nomor antrian {nomor}, silakan menuju loket {loket}"
    quiet = json.loads(CliRunner().invoke(cli, ["board", "--no-voice", "--json"]).output)
    assert quiet["voice"]["enabled"] is False and quiet["voice"]["mode"] == "bell"
