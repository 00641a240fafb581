"""`station backup [DEST]` and `station restore FILE [--home DIR]` over ``station.home.backup``.

Registered by ``station.cli``. ``--json`` prints one object; a refusal (disk full, corrupted
archive, existing home, failed check) exits 1 with its message in Indonesian.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from station.cli.common import Refusal, command_output, open_station


@click.command("backup")
# A str, not a Path: "DIR/" (a folder, made if missing) and "DIR" (a file) differ by the slash.
@click.argument("dest", required=False, type=click.Path())
@command_output
def backup_command(dest: str | None) -> tuple[dict[str, Any], str]:
    """Cadangkan basis data dan konfigurasi (aman saat aplikasi lain sedang menulis).

    DEST: folder yang ada, atau nama diakhiri / (folder baru, dibuat di dalam folder yang
    ada), atau nama berkas cadangan. Tanpa DEST: folder backups/ di rumah Station."""
    from station.home.backup import BackupError, backup

    station = open_station()
    try:
        path = backup(station, dest)
    except BackupError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        station.close()
    size = path.stat().st_size
    data = {"path": str(path), "size": size}
    return data, f"Cadangan dibuat: {path} ({size // 1024} KiB). Kunci privat tidak ikut."


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--home",
    "home",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder rumah baru (bawaan: STATION_HOME). Harus belum ada atau kosong.",
)
@click.option("--database-url", default=None, help="Cadangan PostgreSQL: basis data kosong.")
@click.option(
    "--yes",
    "accept",
    is_flag=True,
    help="Terima konfigurasi (station.toml) dalam cadangan tanpa bertanya (untuk skrip).",
)
@command_output
def restore_command(
    file: Path, home: Path | None, database_url: str | None, accept: bool
) -> tuple[dict[str, Any], str]:
    """Pulihkan cadangan ke rumah baru, setelah diperiksa (keutuhan, skema, jejak audit).

    Konfigurasi dalam cadangan ditampilkan dan harus diterima dulu (atau --yes)."""
    from station.home.backup import BackupError, RestoreDeclined, restore
    from station.home.config import resolve_home

    as_json = bool(click.get_current_context().meta.get("station_json"))

    def confirm(config: str | None) -> bool:
        if accept or config is None:
            return True
        if as_json:  # no one to ask: refuse, with the config in the output
            return False
        click.echo(f"Konfigurasi dalam cadangan (station.toml):\n\n{config.rstrip()}\n")
        return click.confirm("Terima konfigurasi ini dan pulihkan?", default=False)

    target = resolve_home(home)
    try:
        result = restore(file, target, database_url=database_url, confirm=confirm)
    except RestoreDeclined as exc:
        hint = " Periksa konfigurasinya, lalu ulangi dengan --yes." if as_json else ""
        raise Refusal(f"Pemulihan dibatalkan: {exc}{hint}", config=exc.config) from exc
    except BackupError as exc:
        raise Refusal(f"Pemulihan ditolak: {exc}") from exc
    data = result.to_dict()
    events = sum(result.checks.get("audit_events", {}).values())
    lines = [
        f"Cadangan {result.office_code} ({_made_at(result)}) dipulihkan ke {result.home}.",
        "Pemeriksaan lulus: keutuhan, skema Station terbaru tanpa objek asing, "
        f"jejak audit ({events} peristiwa).",
    ]
    if result.keys_missing:
        lines.append(
            "Kunci privat tidak ikut dalam cadangan: salin keys/*.pem dari simpanan kunci ke "
            f"{result.home / 'keys'} (mode 0600), atau buat kunci baru: station keys rotate"
        )
    return data, "\n".join(lines)


def _made_at(result: Any) -> str:
    """When the backup was made, in the restored office's time (the manifest keeps UTC)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from station.home.config import ConfigError, StationConfig, load_config
    from station.letters.formats import format_moment_id

    try:
        tz = load_config(result.home).tz
    except (ConfigError, OSError, ValueError):
        tz = ZoneInfo(StationConfig.timezone)
    try:
        return format_moment_id(dt.datetime.fromisoformat(result.created_at), tz)
    except (TypeError, ValueError):
        return str(result.created_at)


def register(cli: click.Group) -> None:
    cli.add_command(backup_command)
    cli.add_command(restore_command)
