"""`station run`: the operator app (Textual) at a counter.

Registered by ``station.cli``. Textual is imported only when the command runs, so other
commands start fast.
"""

from __future__ import annotations

from pathlib import Path

import click


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
