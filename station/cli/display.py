"""`station kiosk` and `station board`: the ticket dispenser and the waiting-room display.

Registered by ``station.cli``. Both are full-screen apps; with ``--json`` they do not start but
print the setup they would run with (office, hours, printer, services / running text, voice),
so an admin or a script can check a PC's setup without a screen. Textual is imported only
when an app really starts.
"""

from __future__ import annotations

from typing import Any

import click

from station.cli.common import command_output


def _json_requested() -> bool:
    return bool(click.get_current_context().meta.get("station_json"))


def _kiosk_setup(station: Any) -> dict[str, Any]:
    from station.queue.facade import Queue

    config = station.config
    hours = config.kiosk.hours()
    now = station.clock.local()
    services = Queue.for_station(station).status(now=station.clock.now()).services
    following = hours.next_opening(now)
    return {
        "app": "kiosk",
        "home": str(config.home),
        "office": config.office.name,
        "opening_hours": hours.describe(),
        "open_now": hours.is_open(now),
        "next_opening": following.isoformat() if following else None,
        "printer": config.printer.uri,
        "show_seconds": config.kiosk.show_seconds,
        "fault_show_seconds": config.kiosk.fault_show_seconds,
        "services": [
            {"key": str(i), "prefix": s["prefix"], "name": s["name"]}
            for i, s in enumerate((s for s in services if s["active"]), start=1)
            if i <= 9
        ],
    }


def _board_setup(station: Any, voice: bool) -> dict[str, Any]:
    from station.screens.speech import describe

    config = station.config
    if not voice:
        config.voice.enabled = False
    return {
        "app": "board",
        "home": str(config.home),
        "office": config.office.name,
        "running_text": config.board.running_text,
        "voice": describe(config.voice),
    }


def register(cli: click.Group) -> None:
    @cli.command("kiosk")
    @command_output
    def kiosk() -> tuple[dict[str, Any], str]:
        """Kios ambil nomor antrean (layar penuh; --json: tampilkan pengaturannya saja)."""
        from station.home.context import open_station

        station = open_station(daily_backup=not _json_requested(), channel="kiosk")
        try:
            data = _kiosk_setup(station)
            if _json_requested():
                return data, ""
            from station.screens.kiosk.app import KioskApp

            KioskApp(station).run()
        finally:
            station.close()
        return data, ""

    @cli.command("board")
    @click.option("--no-voice", is_flag=True, help="Tanpa suara panggilan (hanya bel).")
    @command_output
    def board(no_voice: bool) -> tuple[dict[str, Any], str]:
        """Papan antrean untuk TV ruang tunggu (layar penuh; --json: pengaturannya saja)."""
        from station.home.context import open_station

        station = open_station(daily_backup=not _json_requested(), channel="board")
        try:
            data = _board_setup(station, voice=not no_voice)
            if _json_requested():
                return data, ""
            from station.screens.board.app import BoardApp

            BoardApp(station, voice=not no_voice).run()
        finally:
            station.close()
        return data, ""
