"""`station report`, `station ektp ...`, `station skm report`, `station day summary|verify`:
thin commands over ``station.reports.statistics``, ``station.register.ektp``,
``station.reports.skm``, ``station.reports.day_summary``.

Registered by ``station.cli``. Every command takes ``--json`` (one JSON object); a refusal
exits 1 with its message, wrong usage exits 2.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from station.cli.common import (
    Refusal,
    acting_operator,
    command_output,
    office_today,
    open_station,
)
from station.store.files import private_file, write_private_text

date_type = click.DateTime(formats=["%Y-%m-%d"])


def _period(station: Any, start: dt.datetime | None, end: dt.datetime | None) -> Any:
    """--from/--to as a Period; one end alone means that one day; neither means today."""
    from station.reports.statistics import Period

    first = start.date() if start else None
    last = end.date() if end else None
    if first is None and last is None:
        first = last = office_today(station)
    first = first or last
    last = last or first
    assert first is not None and last is not None
    try:
        return Period(first, last)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def _json_wanted() -> bool:
    return bool(click.get_current_context().meta.get("station_json"))


# --- report ----------------------------------------------------------------------------------


@click.command("report")
@click.option("--from", "start", type=date_type, default=None, help="Tanggal awal (YYYY-MM-DD).")
@click.option("--to", "end", type=date_type, default=None, help="Tanggal akhir (YYYY-MM-DD).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "xlsx"]),
    default="table",
    show_default=True,
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@command_output
def report(
    start: dt.datetime | None, end: dt.datetime | None, fmt: str, output: Path | None
) -> tuple[dict[str, Any], str]:
    """Statistik layanan: tiket, waktu tunggu dan layanan, surat, jam sibuk, penyelesaian."""
    from station.reports.statistics import build_report, render_table, write_csv, write_xlsx

    if fmt == "xlsx" and output is None:
        raise click.UsageError("Format xlsx perlu --output BERKAS.xlsx")
    station = open_station()
    try:
        period = _period(station, start, end)
        with station.db.read() as session:
            data = build_report(
                session,
                station.office_id,
                station.config.tz,
                period,
                hours=station.config.kiosk.hours(),
                today=office_today(station),
            )
    finally:
        station.close()
    if fmt == "xlsx":
        assert output is not None
        write_xlsx(data, output)
    elif fmt == "csv":
        if output is None:
            if not _json_wanted():  # with --json, stdout holds the one JSON object
                write_csv(data, sys.stdout)
            return data, ""
        with private_file(output, "w", newline="", encoding="utf-8") as handle:
            write_csv(data, handle)
    text = json.dumps(data, ensure_ascii=False, indent=2) if fmt == "json" else render_table(data)
    if output is not None:
        if fmt in ("json", "table"):
            write_private_text(output, text + "\n")
        data = {**data, "output": str(output)}
        return data, f"Laporan ditulis ke {output}"
    return data, text


# --- e-KTP -----------------------------------------------------------------------------------


@click.group()
def ektp() -> None:
    """Perekaman KTP-el: penduduk wajib KTP yang belum merekam."""


@ektp.command("status")
@command_output
def ektp_status() -> tuple[dict[str, Any], str]:
    """Jumlah wajib KTP yang belum merekam, per RW dan RT."""
    from station.register.ektp import unrecorded_breakdown

    station = open_station()
    try:
        with station.db.read() as session:
            data = unrecorded_breakdown(session, station.office_id, office_today(station))
    finally:
        station.close()
    lines = [f"Wajib KTP belum merekam KTP-el: {data['count']} (per {data['as_of']})"]
    for rw, entry in data["by_rw"].items():
        rts = ", ".join(f"RT {rt}: {n}" for rt, n in entry["by_rt"].items())
        lines.append(f"  RW {rw}: {entry['count']}  ({rts})")
    return data, "\n".join(lines)


@ektp.command("list")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--operator", default=None, help="Petugas yang tercatat di jejak audit.")
@command_output
def ektp_list(output: Path | None, operator: str | None) -> tuple[dict[str, Any], str]:
    """Daftar (CSV) wajib KTP yang belum merekam; pengambilan data dicatat di jejak audit."""
    from station.register.ektp import export_unrecorded

    if output is None and _json_wanted():
        raise click.UsageError("Dengan --json, tulis daftar ke berkas: --output BERKAS.csv")
    station = open_station()
    try:
        who = acting_operator(station, operator)
        with station.db.write() as session:
            if output is None:
                count = export_unrecorded(
                    session,
                    station.office_id,
                    office_today(station),
                    sys.stdout,
                    operator=who,
                )
                return {"count": count, "output": None}, ""
            with private_file(output, "w", newline="", encoding="utf-8") as handle:
                count = export_unrecorded(
                    session,
                    station.office_id,
                    office_today(station),
                    handle,
                    operator=who,
                )
    finally:
        station.close()
    return {"count": count, "output": str(output)}, f"{count} penduduk ditulis ke {output}"


@ektp.command("mark")
@click.argument("nik")
@click.option("--date", "on_date", type=date_type, default=None, help="Tanggal perekaman.")
@click.option("--operator", required=True, help="Petugas yang mencatat.")
@command_output
def ektp_mark(nik: str, on_date: dt.datetime | None, operator: str) -> tuple[dict[str, Any], str]:
    """Catat bahwa penduduk NIK sudah merekam KTP-el."""
    from station.register.ektp import EktpError, mark_recorded

    station = open_station()
    try:
        who = acting_operator(station, operator)
        day = on_date.date() if on_date else office_today(station)
        with station.db.write() as session:
            data = mark_recorded(
                session, station.office_id, nik, day, who, today=office_today(station)
            )
    except EktpError as exc:
        raise Refusal(str(exc)) from exc
    finally:
        station.close()
    return data, f"Perekaman KTP-el {data['nik_masked']} dicatat pada {data['recorded_on']}."


# --- SKM -------------------------------------------------------------------------------------


@click.group()
def skm() -> None:
    """Survei Kepuasan Masyarakat (PermenPAN-RB 14/2017)."""


@skm.command("report")
@click.option("--from", "start", type=date_type, default=None)
@click.option("--to", "end", type=date_type, default=None)
@command_output
def skm_report(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dict[str, Any], str]:
    """IKM, mutu dan kinerja untuk satu periode, dengan jumlah responden."""
    from station.reports.skm import ELEMENTS, period_report

    station = open_station()
    try:
        period = _period(station, start, end)
        with station.db.read() as session:
            data = period_report(session, station.office_id, period.start, period.end)
    finally:
        station.close()
    lines = [f"SKM {data['from']} s.d. {data['to']}: {data['respondents']} responden"]
    if data["respondents"]:
        for index, name in enumerate(ELEMENTS):
            lines.append(f"  U{index + 1} {name:<45} NRR {data['nrr'][index]}")
        lines.append(f"IKM {data['ikm']}  mutu {data['grade']}  kinerja {data['label']}")
    return data, "\n".join(lines)


# --- day summary -----------------------------------------------------------------------------


@click.group()
def day() -> None:
    """Ringkasan akhir hari yang ditandatangani kunci kantor."""


@day.command("summary")
@click.option("--date", "on_date", type=date_type, default=None)
@click.option("--print", "do_print", is_flag=True, help="Cetak di printer struk.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@command_output
def day_summary(
    on_date: dt.datetime | None, do_print: bool, output: Path | None
) -> tuple[dict[str, Any], str]:
    """Ringkasan hari: tiket per layanan, nomor surat, penyelesaian, petugas; ditandatangani.

    Ringkasan juga menjadi jangkar jejak audit: disimpan di folder cadangan (dan di --output);
    simpan salinannya di luar PC ini, lalu periksa: station audit verify --summary BERKAS."""
    from station.reports.day_summary import (
        SummaryError,
        signed_summary,
        summary_text,
        write_anchor_file,
    )

    station = open_station()
    try:
        wanted = on_date.date() if on_date else office_today(station)
        try:
            signed = signed_summary(station, wanted)
        except SummaryError as exc:
            raise Refusal(str(exc)) from exc
        data = dict(signed)
        if output is not None:
            write_private_text(output, json.dumps(signed, ensure_ascii=False, indent=2) + "\n")
            data["output"] = str(output)
        try:
            anchor = write_anchor_file(station.config.backups_dir, signed)
        except SummaryError as exc:  # signed and recorded already: hand the summary over
            raise Refusal(f"{exc}. Ringkasan sudah dicatat; simpan salinannya.", **data) from exc
        data["anchor_file"] = str(anchor)
        if do_print:
            data.update(_print_summary(station, signed))
    finally:
        station.close()
    if do_print and not data["printed"]:
        raise Refusal(data["print_message"], **data)
    return data, f"{summary_text(signed)}\nDisimpan di {anchor}"


def _print_summary(station: Any, signed: dict[str, Any]) -> dict[str, Any]:
    from station.printing import PrinterFault
    from station.printing.summary import print_summary

    try:
        print_summary(signed, station.config.printer)
    except PrinterFault as fault:
        return {"printed": False, "print_fault": fault.kind, "print_message": fault.message}
    return {"printed": True}


@day.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@command_output
def day_verify(file: Path) -> tuple[dict[str, Any], str]:
    """Periksa tanda tangan ringkasan hari (berkas JSON dari ``day summary --output``)."""
    from station.reports.day_summary import verify_summary

    try:
        signed = json.loads(file.read_text("utf-8"))
    except (ValueError, OSError) as exc:
        raise Refusal(f"Berkas {file} bukan ringkasan hari: {exc}") from exc
    station = open_station()
    try:
        with station.db.read() as session:
            ok, reason = verify_summary(session, station.office_id, signed)
    finally:
        station.close()
    if not ok:
        raise Refusal(f"Ringkasan hari tidak sah: {reason}", valid=False)
    return {"valid": True, "day": signed.get("summary", {}).get("day")}, "Ringkasan hari sah."


def register(cli: click.Group) -> None:
    cli.add_command(report)
    cli.add_command(ektp)
    cli.add_command(skm)
    cli.add_command(day)
