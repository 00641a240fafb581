"""`station office ...` (the kelurahan of a city database) and `station city ...` (roles,
report): the city administrator's commands, run against the city database named by the
home's config or ``STATION_DATABASE_URL`` (docs/city.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from station.cli.common import Refusal, command_output, operator_name, rate_limit_option


def _open_city(view: bool = False) -> Any:
    """The city database; ``view``: the mayor's view alone, through the city's read-only
    role when the home names it (``[database] city_url``, docs/city.md)."""
    from station.home.context import NotInitialised, open_city, open_city_view

    try:
        return open_city_view(channel="cli") if view else open_city(channel="cli")
    except NotInitialised as exc:
        raise Refusal(str(exc)) from exc


def _office_lines(info: Any) -> str:
    rows = [
        ("Kode", info.code),
        ("Kelurahan", info.name),
        ("Kecamatan", info.kecamatan),
        ("Kota", info.kota),
        ("Provinsi", info.provinsi),
        ("Kode unit", info.unit_code),
        ("Alamat", info.address or "-"),
        ("Lurah", info.lurah_name),
        ("Alamat verifikasi", info.verify_base_url or "-"),
        ("Zona waktu", info.timezone),
    ]
    return "\n".join(f"{k:<18}: {v}" for k, v in rows)


@click.group()
def office() -> None:
    """Kantor kelurahan di basis data kota (admin kota)."""


@office.command("add")
@click.argument("code")
@click.option("--name", default=None, help="Nama kelurahan (bawaan: tabel Kemendagri).")
@click.option("--kecamatan", default=None, help="Nama kecamatan (bawaan: dari kode).")
@click.option("--unit-code", default=None, help="Kode unit pada nomor surat, mis. KEL.OSP.")
@click.option("--verify-url", default="", help="Alamat halaman verifikasi kota.")
@click.option("--by", "by", default=None, help="Siapa yang menambahkan (jejak audit).")
@command_output
def office_add(
    code: str,
    name: str | None,
    kecamatan: str | None,
    unit_code: str | None,
    verify_url: str,
    by: str | None,
) -> tuple[dict[str, Any], str]:
    """Tambah kantor kelurahan (kode Kemendagri, mis. 53.71.03.1010)."""
    from station.office.registry import OfficeError, add_office

    city = _open_city()
    try:
        with city.db.write() as session:
            info = add_office(
                session,
                code,
                name=name,
                kecamatan=kecamatan,
                unit_code=unit_code,
                verify_base_url=verify_url,
                by=operator_name(by),
            )
    except OfficeError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        city.close()
    return info.to_dict(), f"Kantor ditambahkan:\n{_office_lines(info)}"


@office.command("list")
@command_output
def office_list() -> tuple[dict[str, Any], str]:
    """Daftar kantor kelurahan."""
    from station.office.registry import list_offices

    city = _open_city()
    try:
        with city.db.read() as session:
            found = list_offices(session)
    finally:
        city.close()
    lines = [f"{o.code}  {o.kecamatan:<12} {o.name}" for o in found]
    return {"offices": [o.to_dict() for o in found]}, "\n".join(lines) or "Belum ada kantor."


@office.command("show")
@click.argument("code")
@command_output
def office_show(code: str) -> tuple[dict[str, Any], str]:
    """Data satu kantor."""
    from station.office.registry import OfficeError, get_office

    city = _open_city()
    try:
        with city.db.read() as session:
            info = get_office(session, code)
    except OfficeError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        city.close()
    return info.to_dict(), _office_lines(info)


@office.command("edit")
@click.argument("code")
@click.option("--name", default=None)
@click.option("--kecamatan", default=None)
@click.option("--unit-code", default=None)
@click.option("--address", default=None)
@click.option("--postal-code", default=None)
@click.option("--lurah-name", default=None)
@click.option("--lurah-nip", default=None)
@click.option("--lurah-rank", default=None)
@click.option("--verify-url", default=None)
@click.option("--by", "by", default=None, help="Siapa yang mengubah (jejak audit).")
@command_output
def office_edit(code: str, by: str | None, **options: str | None) -> tuple[dict[str, Any], str]:
    """Ubah data kantor (hanya pilihan yang disebut)."""
    from station.office.registry import OfficeError, edit_office

    names = {"verify_url": "verify_base_url"}
    changes = {names.get(k, k): v for k, v in options.items() if v is not None}
    if not changes:
        raise Refusal("Tidak ada yang diubah: sebutkan minimal satu pilihan (lihat --help).")
    city = _open_city()
    try:
        with city.db.write() as session:
            info, done = edit_office(session, code, changes, by=operator_name(by))
    except OfficeError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        city.close()
    lines = [f"{k}: {a!r} -> {b!r}" for k, (a, b) in done.items()] or ["Tidak ada perubahan."]
    return {"office": info.to_dict(), "changed": sorted(done)}, "\n".join(lines)


@click.group()
def city() -> None:
    """Basis data kota: peran basis data per kantor dan laporan kota (admin kota)."""


@city.command("grant")
@click.argument("code", required=False)
@click.option("--reader", is_flag=True, help="Peran baca-saja kota (hanya agregat).")
@click.option(
    "--keep-password",
    is_flag=True,
    help="Hanya perbarui hak (setelah pemutakhiran); sandi dan alamat tetap.",
)
@command_output
def city_grant(code: str | None, reader: bool, keep_password: bool) -> tuple[dict[str, Any], str]:
    """Buat (atau beri sandi baru) peran basis data kantor CODE; cetak alamat sambungannya."""
    from station.office.registry import OfficeError, get_office
    from station.store import rowsecurity

    if bool(code) == reader:
        raise Refusal("Sebutkan kode kantor, atau --reader untuk peran baca-saja kota.")
    city_ = _open_city()
    try:
        if city_.db.dialect != "postgresql":
            raise Refusal("Peran per kantor hanya ada di PostgreSQL (basis data kota).")
        with city_.db.write() as session:
            conn = session.connection()
            if reader:
                grant = rowsecurity.grant_city(conn, city_.db.url, not keep_password)
                office_code = None
            else:
                assert code is not None
                info = get_office(session, code)
                grant = rowsecurity.grant_office(
                    conn, info.id, info.code, city_.db.url, new_password=not keep_password
                )
                office_code = info.code
    except OfficeError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        city_.close()
    data = {"role": grant.role, "url": grant.url, "created": grant.created, "office": office_code}
    if not grant.url:
        return data, f"Hak peran {grant.role} diperbarui; sandinya tidak berubah."
    lines = [
        f"Peran {grant.role} " + ("dibuat." if grant.created else "diberi sandi baru."),
        "Alamat sambungan (rahasia; sandi lama tidak berlaku lagi):",
        f"  {grant.url}",
    ]
    if office_code:
        lines.append(
            f'Di PC kantor: station init --office {office_code} --database-url "{grant.url}"'
        )
    return data, "\n".join(lines)


@city.command("report")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--to", "end", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "xlsx"]),
    default="table",
    show_default=True,
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@command_output
def city_report(
    start: dt.datetime | None, end: dt.datetime | None, fmt: str, output: Path | None
) -> tuple[dict[str, Any], str]:
    """Perbandingan semua kelurahan: tiket, surat, waktu tunggu, penyelesaian, KTP-el, IKM."""
    import json
    import sys

    from station.reports import city as city_reports
    from station.reports.statistics import Period
    from station.store.files import private_file, write_private_text

    if fmt == "xlsx" and output is None:
        raise click.UsageError("Format xlsx perlu --output BERKAS.xlsx")
    server = _open_city(view=True)
    try:
        today = server.clock.today()
        first = start.date() if start else (end.date() if end else today)
        last = end.date() if end else first
        try:
            period = Period(first, last)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        with server.city_db.read() as session:
            data = city_reports.city_report(session, period, today)
    finally:
        server.close()
    if fmt == "xlsx":
        assert output is not None
        city_reports.write_xlsx(data, output)
        return {**data, "output": str(output)}, f"Laporan ditulis ke {output}"
    if fmt == "csv":
        if output is None:
            if not click.get_current_context().meta.get("station_json"):
                city_reports.write_csv(data, sys.stdout)
            return data, ""
        with private_file(output, "w", newline="", encoding="utf-8") as handle:
            city_reports.write_csv(data, handle)
        return {**data, "output": str(output)}, f"Laporan ditulis ke {output}"
    text = (
        json.dumps(data, ensure_ascii=False, indent=2)
        if fmt == "json"
        else city_reports.render_table(data)
    )
    if output is not None:
        write_private_text(output, text + "\n")
        return {**data, "output": str(output)}, f"Laporan ditulis ke {output}"
    return data, text


@city.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8081, show_default=True, type=click.IntRange(1, 65535))
@rate_limit_option
def city_serve(host: str, port: int, rate_limit: int) -> None:
    """Halaman /kota saja, tersambung hanya dengan peran baca-saja kota ([database] city_url)."""
    from station.home.config import load_config
    from station.home.context import NotInitialised, open_city_view
    from station.web.kota_server import serve_kota

    if not load_config().city_database_url:
        raise click.ClickException(
            "Isi [database] city_url di station.toml (atau STATION_CITY_DATABASE_URL) dengan "
            "alamat dari 'station city grant --reader'."
        )
    try:
        server = open_city_view(channel="web")
    except NotInitialised as exc:
        raise click.ClickException(str(exc)) from exc
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"Pandangan kota: http://{shown_host}:{port}/kota (peran baca-saja kota)")
    click.echo("Hentikan dengan Ctrl+C.")
    serve_kota(server, host=host, port=port, rate_limit_per_minute=rate_limit)


@city.command("staff-add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Nama lengkap staf kota.")
@command_output
def city_staff_add(username: str, display_name: str) -> tuple[dict[str, Any], str]:
    """Tambah staf kota untuk halaman /kota; kata sandi dibaca dari stdin (min. 10 karakter)."""
    import sys

    from station.office.city_staff import CityStaffError, add_staff

    if sys.stdin.isatty():
        password = click.prompt("Kata sandi", hide_input=True, confirmation_prompt="Ulangi")
    else:
        password = sys.stdin.readline().rstrip("\n")
    server = _open_city()
    try:
        with server.db.write() as session:
            info = add_staff(session, username, display_name, password)
    except CityStaffError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        server.close()
    return {"username": info.username}, f"Staf kota {info.username} ditambahkan."


def register(cli: click.Group) -> None:
    cli.add_command(office)
    cli.add_command(city)
