"""Command-line entry: thin, one function per command (DESIGN §3).

Every command takes ``--json`` and then prints exactly one JSON object on stdout. Exit status:
0 success, 1 a refusal the user must see, 2 wrong usage. Messages to people are Indonesian.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from station import __version__

F = TypeVar("F", bound=Callable[..., Any])


class Refusal(Exception):
    """Stops a command with exit status 1 and a message for the user."""

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.extra = extra


def _print_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


def command_output(func: F) -> F:
    """Adds ``--json``; turns refusals and known errors into exit 1 with a clear message."""

    @click.option("--json", "as_json", is_flag=True, help="Cetak satu objek JSON.")
    @wraps(func)
    def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> None:
        from sqlalchemy.exc import DBAPIError

        from station.config import ConfigError
        from station.context import NotInitialised
        from station.db import database_trouble
        from station.keys import KeyFileError

        click.get_current_context().meta["station_json"] = as_json
        try:
            data, human = func(*args, **kwargs)
        except (Refusal, ConfigError, NotInitialised, KeyFileError) as exc:
            extra = getattr(exc, "extra", {})
            _fail(str(exc), as_json, extra)
        except DBAPIError as exc:  # locked past the busy timeout, or the server out of reach
            trouble = database_trouble(exc)
            if trouble is None:
                raise
            _fail(trouble[1], as_json, {"code": trouble[0]})
        if as_json:
            _print_json(data)
        elif human:
            click.echo(human)

    return wrapper  # type: ignore[return-value]


def _fail(message: str, as_json: bool, extra: dict[str, Any]) -> NoReturn:
    if as_json:
        _print_json({"error": message, **extra})
    else:
        click.echo(f"Gagal: {message}", err=True)
    sys.exit(1)


def _operator_name(operator: str | None) -> str:
    """Who the audit trail names: the given operator, else the shell user (trust boundary)."""
    if operator:
        return operator
    try:
        return f"shell:{getpass.getuser()}"
    except (KeyError, OSError):
        return "shell"


def _station() -> Any:
    from station.context import open_station

    return open_station()


def _today(station: Any) -> dt.date:
    return dt.datetime.now(station.config.tz).date()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="station")
def cli() -> None:
    """Station: antrean dan layanan surat kelurahan."""


# --- init and demo ---------------------------------------------------------------------------


@cli.command()
@command_output
def init() -> tuple[dict[str, Any], str]:
    """Siapkan rumah Station: konfigurasi, basis data, kantor, kunci tanda tangan."""
    from station.context import init_station

    result = init_station()
    data = {
        "home": str(result.home),
        "database": result.database,
        "key_id": result.key_id,
        "created_config": result.created_config,
        "created_key": result.created_key,
    }
    lines = [
        f"Rumah Station : {result.home}",
        f"Basis data    : {result.database}",
        f"Kunci tanda tangan: {result.key_id}" + (" (baru)" if result.created_key else ""),
    ]
    if result.created_config:
        lines.append(f"Periksa dan lengkapi {result.home / 'station.toml'} (nama dan NIP lurah).")
    return data, "\n".join(lines)


@cli.command()
@click.option("--seed-only", is_flag=True, help="Hanya isi data contoh, jangan buka aplikasi.")
@click.option("--residents", "resident_count", default=2000, show_default=True, type=int)
@command_output
def demo(seed_only: bool, resident_count: int) -> tuple[dict[str, Any], str]:
    """Kantor contoh Kelurahan Oesapa dengan petugas dan penduduk sintetis."""
    from station.demo import seed_demo

    result = seed_demo(resident_count=resident_count)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    open_app = (
        not seed_only and interactive and not click.get_current_context().meta.get("station_json")
    )
    data = {
        "home": str(result.home),
        "operators": [op["username"] for op in result.operators],
        "residents": result.residents,
        "printer": result.printer,
        "created": result.created,
        "previews": str(result.previews),
        "waiting": list(result.waiting),
        "sample_nik": result.sample_nik,
    }
    lines = [f"Kantor contoh siap di {result.home}", "Petugas (nama pengguna / PIN):"]
    lines += [
        f"  {op['username']:<10} {op['pin']}  {op['display_name']}" for op in result.operators
    ]
    lines += [
        f"Penduduk sintetis: {result.residents}",
        f"Printer: {result.printer}  (byte ESC/POS yang dicetak)",
        f"Gambar setiap cetakan (.png dan .txt): {result.previews}",
        f"Tiket menunggu hari ini: {', '.join(result.waiting) or '-'}",
        "",
        "Melayani satu tiket di loket: F2 panggil, F7 cari penduduk, ketik NIK",
        f"  {result.sample_nik}, Enter, Enter (buat surat), pilih jenis surat, isi keperluan,",
        "  Enter (pratinjau), Enter (terbitkan dan cetak), lalu F5 selesai.",
        "",
        "Coba:",
        f"  export STATION_HOME={result.home}",
        "  station residents find 'yoh keb'",
        f"  station residents show {result.sample_nik}",
        "  station nik check 5371031708900001",
        "  station run --counter 1        (aplikasi petugas loket)",
    ]
    if open_app:
        # A person at a terminal: show the PINs, then straight into the operator app.
        from station.cli_apps import run_operator_app

        click.echo("\n".join(lines))
        click.pause("Tekan tombol apa saja untuk membuka aplikasi petugas loket 1...")
        run_operator_app(result.home, counter=1)
        return data, ""
    return data, "\n".join(lines)


# --- nik -------------------------------------------------------------------------------------


@cli.group()
def nik() -> None:
    """NIK: periksa dan uraikan."""


def _with_region_names(use: Callable[[Any], Any]) -> Any:
    """Run ``use`` with the imported Kemendagri names of an initialised station before the
    built-in table; without a station (a NIK can be checked anywhere) the built-ins alone."""
    from station.config import ConfigError
    from station.context import NotInitialised, open_station
    from station.region_store import region_lookup

    try:
        station = open_station()
    except (NotInitialised, ConfigError):
        return use(region_lookup(None))
    try:
        with station.db.read() as session:
            return use(region_lookup(session))
    finally:
        station.close()


@nik.command("check")
@click.argument("number")
@command_output
def nik_check(number: str) -> tuple[dict[str, Any], str]:
    """Periksa NIK dan uraikan wilayah, tanggal lahir, jenis kelamin."""
    from station.nik import parse_nik

    info = _with_region_names(lambda regions: parse_nik(number, regions=regions))
    data = info.to_dict()
    if info.valid:
        sex = {"L": "Laki-laki", "P": "Perempuan"}.get(info.sex or "", "-")
        lines = [
            f"NIK {info.nik} SAH",
            f"  Provinsi      : {info.province_code} {info.province}",
            f"  Kab/Kota      : {info.regency_code} {info.regency or '(tidak dikenal)'}",
            f"  Kecamatan     : {info.district_code} {info.district or '(tidak dikenal)'}",
            f"  Tanggal lahir : {info.birth_date}",
            f"  Jenis kelamin : {sex}",
            f"  Nomor urut    : {info.serial}",
        ]
        lines += [f"  Peringatan: {w.message}" for w in info.warnings]
        return data, "\n".join(lines)
    reasons = "; ".join(e.message for e in info.errors)
    raise Refusal(f"NIK tidak sah: {reasons}", **data)


# --- residents -------------------------------------------------------------------------------


@cli.group()
def residents() -> None:
    """Register penduduk: impor, cari, tampilkan."""


@residents.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--operator", default=None, help="Petugas yang tercatat di jejak audit.")
@command_output
def residents_import(
    file: Path, report: Path | None, operator: str | None
) -> tuple[dict[str, Any], str]:
    """Impor register penduduk dari CSV atau XLSX (baris rusak dilaporkan, tidak diimpor)."""
    from station.importing import ImportFormatError
    from station.residents import import_file

    station = _station()
    show_progress = sys.stderr.isatty()
    bar: Any = None

    def progress(done: int, total: int | None) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total or done, label="Mengimpor", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        result = import_file(
            station.db,
            station.office_id,
            file,
            operator=_operator_name(operator),
            today=_today(station),
            report_path=report,
            progress=progress if show_progress else None,
        )
    except ImportFormatError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        station.close()
    data = result.to_dict()
    data["rejected_rows"] = [
        {"row": r.row_number, "nik": r.nik, "reason": r.reason} for r in result.rejections[:1000]
    ]
    lines = [
        f"Baris dibaca : {result.rows}",
        f"Baru         : {result.imported}",
        f"Diperbarui   : {result.updated}",
        f"Tidak berubah: {result.unchanged}",
        f"Ditolak      : {result.rejected}",
        f"Peringatan   : {result.warnings}",
    ]
    lines += [f"Catatan: {note}" for note in result.notes]
    for rejection in result.rejections[:20]:
        lines.append(f"  baris {rejection.row_number}: {rejection.reason}")
    if result.rejected > 20:
        lines.append(f"  ... dan {result.rejected - 20} lainnya")
    if result.report:
        lines.append(f"Laporan: {result.report}")
    return data, "\n".join(lines)


@residents.command("find")
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 200))
@click.option("--operator", default=None, help="Petugas yang tercatat di jejak audit.")
@command_output
def residents_find(query: str, limit: int, operator: str | None) -> tuple[dict[str, Any], str]:
    """Cari penduduk dengan NIK lengkap atau sebagian nama (urutan bebas)."""
    from station.residents import RegisterError, find, resident_dict

    station = _station()
    try:
        with station.db.write() as session:
            result = find(
                session, station.office_id, query, operator=_operator_name(operator), limit=limit
            )
            rows = [resident_dict(r) for r in result.residents]
    except RegisterError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        station.close()
    data = {"results": rows, "truncated": result.truncated}
    if not rows:
        return data, "Tidak ditemukan."
    lines = [
        f"{r['nik']}  {r['name']:<35} {r['birth_date']}  RT {r['rt']}/RW {r['rw']}" for r in rows
    ]
    if result.truncated:
        lines.append(f"(hanya {limit} teratas; perjelas pencarian)")
    return data, "\n".join(lines)


@residents.command("show")
@click.argument("number")
@click.option("--operator", default=None, help="Petugas yang tercatat di jejak audit.")
@command_output
def residents_show(number: str, operator: str | None) -> tuple[dict[str, Any], str]:
    """Tampilkan data satu penduduk menurut NIK."""
    from station.residents import RegisterError, lookup_nik, resident_dict

    station = _station()
    try:
        with station.db.write() as session:
            resident = lookup_nik(
                session, station.office_id, number, operator=_operator_name(operator)
            )
            data = resident_dict(resident) if resident else None
    except RegisterError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        station.close()
    if data is None:
        raise Refusal("NIK tidak terdaftar di register kelurahan.", nik=number)
    return {"resident": data}, _resident_card(data)


def _resident_card(data: dict[str, Any]) -> str:
    """The register fields under their Indonesian labels, as an operator reads them."""
    from station.importing import FIELD_LABELS

    shown: dict[str, dict[Any, str]] = {
        "sex": {"L": "LAKI-LAKI", "P": "PEREMPUAN"},
        "ektp_recorded": {True: "SUDAH REKAM", False: "BELUM REKAM"},
        "status": {"active": "HIDUP", "moved": "PINDAH", "deceased": "MENINGGAL"},
    }
    labels = {**FIELD_LABELS, "updated_at": "Diperbarui"}
    width = max(len(label) for label in labels.values())
    lines = []
    for key, value in data.items():
        text = shown.get(key, {}).get(value, value) if key in shown else value
        lines.append(f"{labels.get(key, key):<{width}} : {'-' if text in ('', None) else text}")
    return "\n".join(lines)


# --- regions ---------------------------------------------------------------------------------


@cli.group()
def regions() -> None:
    """Tabel wilayah Kemendagri."""


@regions.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--operator", default=None)
@command_output
def regions_import(file: Path, operator: str | None) -> tuple[dict[str, Any], str]:
    """Impor CSV kode,nama (kode bertitik seperti 53.71.03)."""
    from station.region_store import import_regions
    from station.regions import read_region_csv

    try:
        good, bad = read_region_csv(file)
    except ValueError as exc:
        raise Refusal(str(exc)) from exc
    station = _station()
    try:
        with station.db.write() as session:
            added, renamed = import_regions(
                session,
                station.office_id,
                good,
                source=file.name,
                operator=_operator_name(operator),
            )
    finally:
        station.close()
    data = {
        "imported": added,
        "updated": renamed,
        "rejected": len(bad),
        "rejected_rows": [{"row": line, "reason": reason} for line, reason in bad],
    }
    lines = [f"Wilayah baru: {added}, diperbarui: {renamed}, ditolak: {len(bad)}"]
    lines += [f"  baris {line}: {reason}" for line, reason in bad[:20]]
    return data, "\n".join(lines)


# --- operators -------------------------------------------------------------------------------


@cli.group()
def operators() -> None:
    """Petugas loket dan admin."""


@operators.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Nama lengkap petugas.")
@click.option("--role", type=click.Choice(["operator", "admin"]), default="operator")
@click.option("--by", "by", default=None, help="Admin yang menambahkan (jejak audit).")
@command_output
def operators_add(
    username: str, display_name: str, role: str, by: str | None
) -> tuple[dict[str, Any], str]:
    """Tambah petugas; PIN dibaca dari stdin (atau diminta bila di terminal)."""
    from station.operators import OperatorError, add_operator

    if sys.stdin.isatty():
        pin = click.prompt("PIN", hide_input=True, confirmation_prompt="Ulangi PIN")
    else:
        pin = sys.stdin.readline().strip()
    station = _station()
    try:
        with station.db.write() as session:
            add_operator(
                session,
                station.office_id,
                username=username,
                display_name=display_name,
                role=role,
                pin=pin,
                by=_operator_name(by),
            )
    except OperatorError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        station.close()
    return {"username": username, "role": role}, f"Petugas {username} ({role}) ditambahkan."


@operators.command("list")
@command_output
def operators_list() -> tuple[dict[str, Any], str]:
    """Daftar petugas."""
    from station.operators import list_operators

    station = _station()
    try:
        with station.db.read() as session:
            found = list_operators(session, station.office_id)
    finally:
        station.close()
    rows = [
        {"username": o.username, "name": o.display_name, "role": o.role, "active": o.active}
        for o in found
    ]
    lines = []
    for row in rows:
        state = "aktif" if row["active"] else "nonaktif"
        lines.append(f"{row['username']:<12} {row['role']:<9} {state:<9} {row['name']}")
    return {"operators": rows}, "\n".join(lines) or "Belum ada petugas."


# --- audit -----------------------------------------------------------------------------------


@cli.group()
def audit() -> None:
    """Jejak audit."""


@audit.command("verify")
@command_output
def audit_verify() -> tuple[dict[str, Any], str]:
    """Periksa rantai jejak audit; sebutkan mata rantai pertama yang rusak."""
    from station.audit import verify_chain

    station = _station()
    try:
        with station.db.read() as session:
            report = verify_chain(session, station.office_id)
    finally:
        station.close()
    if not report.ok:
        raise Refusal(f"Jejak audit rusak: {report.problem}", **report.to_dict())
    return report.to_dict(), f"Jejak audit utuh: {report.events} peristiwa."


from station.cli_queue import register as _register_queue  # noqa: E402

_register_queue(cli)

from station.cli_letters import register as _register_letters  # noqa: E402

_register_letters(cli)

from station.cli_apps import register as _register_apps  # noqa: E402

_register_apps(cli)

from station.cli_display import register as _register_display  # noqa: E402

_register_display(cli)


def main() -> None:
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(Path.home() / ".cache" / "station"))
    cli(prog_name="station")


from station.cli_printer import register as _register_printer  # noqa: E402

_register_printer(cli)

from station.cli_reports import register as _register_reports  # noqa: E402

_register_reports(cli)

from station.cli_backup import register as _register_backup  # noqa: E402

_register_backup(cli)
