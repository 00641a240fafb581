"""`station nik`, `station residents`, `station regions`: the resident register."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from station.cli.common import (
    Refusal,
    acting_operator,
    command_output,
    office_today,
    open_station,
)
from station.register.nik import mask_nik


@click.group()
def nik() -> None:
    """NIK: periksa dan uraikan."""


def _with_region_names(use: Callable[[Any, dt.date], Any]) -> Any:
    """Run ``use(regions, today)`` with the imported Kemendagri names of an initialised station
    before the built-in table, and the office's day on the station's clock; without a station
    (a NIK can be checked anywhere) the built-ins alone and the day in the configured (else
    the default) office time zone."""
    from station.home.config import ConfigError, StationConfig, load_config
    from station.home.context import NotInitialised, open_station
    from station.office.clock import OfficeClock
    from station.register.region_store import region_lookup

    try:
        station = open_station()
    except (NotInitialised, ConfigError):
        try:
            tz = load_config().tz
        except (ConfigError, OSError, ValueError):
            tz = ZoneInfo(StationConfig.timezone)
        return use(region_lookup(None), OfficeClock(tz).today())
    try:
        with station.db.read() as session:
            return use(region_lookup(session), station.clock.today())
    finally:
        station.close()


@nik.command("check")
@click.argument("number")
@command_output
def nik_check(number: str) -> tuple[dict[str, Any], str]:
    """Periksa NIK dan uraikan wilayah, tanggal lahir, jenis kelamin."""
    from station.register.nik import parse_nik

    # "In the future" is judged on the office's day (the station's clock), as letters are.
    info = _with_region_names(
        lambda regions, today: parse_nik(number, regions=regions, today=today)
    )
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


@click.group()
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
    from station.register.importing.bulk import import_file
    from station.register.importing.files import ImportFormatError

    station = open_station()
    show_progress = sys.stderr.isatty()
    bar: Any = None

    def progress(done: int, total: int | None) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total or done, label="Mengimpor", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        who = acting_operator(station, operator)
        result = import_file(
            station.db,
            station.office_id,
            file,
            operator=who,
            today=office_today(station),
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
    from station.register.residents import RegisterError, find, resident_dict

    station = open_station()
    try:
        who = acting_operator(station, operator)
        with station.db.write() as session:
            result = find(session, station.office_id, query, operator=who, limit=limit)
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
    from station.register.residents import RegisterError, lookup_nik, resident_dict

    station = open_station()
    try:
        who = acting_operator(station, operator)
        with station.db.write() as session:
            resident = lookup_nik(
                session,
                station.office_id,
                number,
                operator=who,
                today=office_today(station),
            )
            data = resident_dict(resident) if resident else None
    except RegisterError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        station.close()
    if data is None:
        raise Refusal("NIK tidak terdaftar di register kelurahan.", nik=number)
    return {"resident": data}, _resident_card(data, station.clock.tz)


def _parse_sets(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--set FIELD=VALUE`` pairs: FIELD is a register column (``address``) or any header
    an import recognises (``alamat``, ``"Tempat Lahir"``); a later pair wins."""
    from station.register.importing.schema import header_aliases, norm_header
    from station.register.registration import EDITABLE_FIELDS

    aliases = header_aliases()
    changes: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(
                f"'{pair}' harus berbentuk KOLOM=NILAI, mis. alamat=\"Jl. Timor Raya 5\".",
                param_hint="'--set'",
            )
        key = aliases.get(norm_header(name))
        if key not in EDITABLE_FIELDS:
            known = ", ".join(EDITABLE_FIELDS)
            raise click.BadParameter(
                f"kolom '{name.strip()}' tidak dapat diubah (NIK tidak dapat diubah); "
                f"kolom yang dapat diubah: {known}.",
                param_hint="'--set'",
            )
        changes[key] = value
    return changes


@residents.command("update")
@click.argument("number")
@click.option(
    "--set",
    "pairs",
    multiple=True,
    required=True,
    metavar="KOLOM=NILAI",
    help="Kolom yang diperbaiki dan nilai barunya (boleh berulang).",
)
@click.option("--operator", required=True, help="Petugas yang memperbaiki (tercatat di audit).")
@command_output
def residents_update(
    number: str, pairs: tuple[str, ...], operator: str
) -> tuple[dict[str, Any], str]:
    """Perbaiki data satu penduduk (diperiksa seperti impor; lama dan baru tercatat di audit)."""
    from station.register.nik import normalize_nik
    from station.register.registration import RegistrationRefused, field_text, update_resident

    changes = _parse_sets(pairs)
    station = open_station()
    try:
        who = acting_operator(station, operator)
        with station.db.write() as session:
            done = update_resident(
                session,
                station.office_id,
                normalize_nik(number),
                changes,
                operator=who,
                today=office_today(station),
                now=station.clock.now(),
            )
    except RegistrationRefused as exc:
        raise Refusal(f"Data penduduk tidak diubah: {exc}", nik=number) from exc
    finally:
        station.close()
    data = {
        "nik": done.nik,
        "changes": {
            key: {"old": field_text(old), "new": field_text(new)}
            for key, (old, new) in done.changes.items()
        },
        "warnings": list(done.warnings),
    }
    if not done.changes:
        return data, f"Tidak ada yang berubah pada data {done.name}."
    from station.register.importing.schema import FIELD_LABELS

    lines = [f"Data {done.name} ({done.nik}) diperbarui:"]
    lines += [
        f"  {FIELD_LABELS[key]}: {field_text(old) or '-'} → {field_text(new) or '-'}"
        for key, (old, new) in done.changes.items()
    ]
    lines += [f"  Peringatan: {warning}" for warning in done.warnings]
    return data, "\n".join(lines)


def _resident_card(data: dict[str, Any], tz: Any) -> str:
    """The register fields under their Indonesian labels, as an operator reads them (the
    last change in office time; the JSON keeps the stored UTC moment)."""
    from station.letters.formats import format_moment_id
    from station.register.importing.schema import FIELD_LABELS

    if data.get("updated_at"):
        data = {
            **data,
            "updated_at": format_moment_id(dt.datetime.fromisoformat(data["updated_at"]), tz),
        }

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


@residents.group("pin")
def residents_pin() -> None:
    """PIN mandiri untuk Layanan Mandiri (Service Box): pasang, ganti, hapus."""


def _read_new_pin() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("PIN mandiri (6 angka)", hide_input=True,
                                confirmation_prompt="Ulangi PIN"))  # fmt: skip
    return sys.stdin.readline().strip()


def _pin_act(
    number: str, operator: str, *, clear: bool = False, replace: bool = False
) -> dict[str, Any]:
    from station.register.pins import clear_pin, set_pin

    station = open_station()
    try:
        # the operator's PIN first, from STATION_PIN or the terminal: stdin holds the
        # resident's new PIN (common.operator_pin)
        operator = acting_operator(station, operator)
        pin = "" if clear else _read_new_pin()
        with station.db.write() as session:
            if clear:
                removed = clear_pin(session, station.office_id, number, operator=operator)
                return {"nik": mask_nik(number), "cleared": removed}
            action = set_pin(
                session, station.office_id, number, pin, operator=operator,
                now=station.clock.now(), replace=replace,
            )  # fmt: skip
            return {"nik": mask_nik(number), "action": action}
    finally:
        station.close()


@residents_pin.command("set")
@click.argument("number")
@click.option("--operator", required=True, help="Petugas yang melihat KTP penduduk.")
@command_output
def residents_pin_set(number: str, operator: str) -> tuple[dict[str, Any], str]:
    """Pasang PIN mandiri (dibaca dari stdin) setelah KTP diperiksa di loket."""
    data = _pin_act(number, operator)
    return data, f"PIN mandiri untuk {data['nik']} terpasang."


@residents_pin.command("reset")
@click.argument("number")
@click.option("--operator", required=True, help="Petugas yang melihat KTP penduduk.")
@command_output
def residents_pin_reset(number: str, operator: str) -> tuple[dict[str, Any], str]:
    """Ganti PIN mandiri yang lupa (dibaca dari stdin); penguncian dibuka."""
    data = _pin_act(number, operator, replace=True)
    return data, f"PIN mandiri untuk {data['nik']} diganti."


@residents_pin.command("clear")
@click.argument("number")
@click.option("--operator", required=True, help="Petugas yang menghapus.")
@command_output
def residents_pin_clear(number: str, operator: str) -> tuple[dict[str, Any], str]:
    """Hapus PIN mandiri (hilang, atau atas permintaan penduduk)."""
    data = _pin_act(number, operator, clear=True)
    return data, ("PIN mandiri dihapus." if data["cleared"] else "Penduduk ini tidak punya PIN.")


@residents.command("head")
@click.argument("number")
@click.option("--operator", required=True, help="Petugas yang melihat KK baru dari Dukcapil.")
@command_output
def residents_head(number: str, operator: str) -> tuple[dict[str, Any], str]:
    """Catat kepala keluarga baru KK ini (setelah kepala keluarga lama meninggal atau pindah
    dan KK diperbarui di Dukcapil); tercatat di jejak audit."""
    from station.register.household_store import record_new_head

    station = open_station()
    try:
        with station.db.write() as session:
            change = record_new_head(session, station.office_id, number, operator=operator)
    finally:
        station.close()
    data = change.to_dict()
    gone = ", ".join(f"{h['name']} ({h['status']})" for h in data["former_heads"]) or "-"
    text = (
        f"{change.new_head_name} kini tercatat sebagai kepala keluarga KK "
        f"{data['kk_masked']} (sebelumnya {change.previous_relationship or '-'}; "
        f"kepala keluarga lama: {gone})."
    )
    return data, text


@click.group()
def regions() -> None:
    """Tabel wilayah Kemendagri."""


@regions.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--operator", default=None)
@command_output
def regions_import(file: Path, operator: str | None) -> tuple[dict[str, Any], str]:
    """Impor CSV kode,nama (kode bertitik seperti 53.71.03)."""
    from station.register.region_store import import_regions
    from station.register.regions import read_region_csv

    try:
        good, bad = read_region_csv(file)
    except ValueError as exc:
        raise Refusal(str(exc)) from exc
    station = open_station()
    try:
        who = acting_operator(station, operator)
        with station.db.write() as session:
            added, renamed = import_regions(
                session,
                station.office_id,
                good,
                source=file.name,
                operator=who,
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


def register(cli: click.Group) -> None:
    cli.add_command(nik)
    cli.add_command(residents)
    cli.add_command(regions)
