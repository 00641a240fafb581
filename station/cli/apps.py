"""`station run`: the operator app (Textual) at a counter; `station box`: the Service Box.

Registered by ``station.cli``. Textual is imported only when the command runs, so other
commands start fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from station.cli.common import command_output


def run_operator_app(
    home: Path | None = None, counter: int | None = None, *, high_contrast: bool = False
) -> None:
    """Open the station at ``home`` (default: the usual home) and run the operator app."""
    from station.home.context import open_station
    from station.store.errors import StationError

    try:
        station = open_station(home, daily_backup=True, channel="app")
    except StationError as exc:  # no office yet, a bad config, the database in trouble
        click.echo(f"Gagal: {exc}", err=True)
        raise SystemExit(1) from exc
    from station.screens.operator.app import OperatorApp

    app = OperatorApp(station, counter=counter, high_contrast=high_contrast)
    try:
        app.run()
    finally:
        app.close_counter_quietly()
        station.close()


def register(cli: click.Group) -> None:
    @cli.command("run")
    @click.option(
        "--counter",
        type=click.IntRange(min=1),
        default=None,
        help="Nomor loket yang diisikan di layar masuk.",
    )
    @click.option("--high-contrast", is_flag=True, help="Tema kontras tinggi (hitam-putih-kuning).")
    def run(counter: int | None, high_contrast: bool) -> None:
        """Buka aplikasi petugas loket (masuk dengan nama pengguna dan PIN)."""
        run_operator_app(counter=counter, high_contrast=high_contrast)

    register_box(cli)


def _box_setup(station: Any, settings: Any) -> dict[str, Any]:
    """What ``station box`` runs with: office, hours, printer, the letters the box offers."""
    from station.letters.box import box_modes

    config = station.config
    modes = box_modes(station, settings)
    hours = config.kiosk.hours()
    return {
        "app": "box",
        "home": str(config.home),
        "office": config.office.name,
        "terminal": config.box.terminal,
        "opening_hours": hours.describe(),
        "open_now": hours.is_open(station.clock.local()),
        "printer": config.printer.uri,
        "idle_seconds": config.box.idle_seconds,
        "daily_limit": config.box.daily_limit,
        "letters": {code: mode for code, mode in sorted(modes.items()) if mode != "no"},
    }


def register_box(cli: click.Group) -> None:
    @cli.command("box")
    @command_output
    def box() -> tuple[dict[str, Any], str]:
        """Layanan Mandiri: surat dengan NIK dan PIN mandiri, tanpa petugas (layar penuh;
        --json: tampilkan pengaturannya saja)."""
        from station.home.context import open_station

        json_only = bool(click.get_current_context().meta.get("station_json"))
        station = open_station(daily_backup=not json_only, channel="box")
        try:
            from station.letters.store import LetterSettings

            # loaded once, here: a broken letter type refuses the start, and the app uses it
            settings = LetterSettings.from_config(station.config)
            data = _box_setup(station, settings)
            if json_only:
                return data, ""
            from station.screens.box.app import BoxApp

            BoxApp(station, settings=settings).run()
        finally:
            station.close()
        return data, ""
