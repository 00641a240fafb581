"""`station requests list|show|cancel`: letter requests from the Service Box (issue 16),
thin commands over ``station.letters.requests``.

Registered by ``station.cli``. Every command takes ``--json`` (one JSON object); a refusal
exits 1 with its message, wrong usage exits 2.
"""

from __future__ import annotations

from typing import Any

import click

from station.cli.common import command_output, open_station, operator_name


@click.group("requests")
def requests_group() -> None:
    """Permohonan surat dari Layanan Mandiri: yang menunggu, yang terlambat, pembatalan."""


def _line(view: Any, tz: Any) -> str:
    created = view.created_at.astimezone(tz)
    late = "  TERLAMBAT" if view.overdue else ""
    letter = f"  surat {view.letter_number}" if view.letter_number else ""
    return (
        f"{view.pickup_code}  {view.type_code:<6} {view.nik_masked}  {view.name[:28]:<28} "
        f"diminta {created:%d-%m %H:%M}  dilayani {view.ready_on:%d-%m-%Y}  "
        f"tiket {view.ticket_number or '-'}  {view.channel}  {view.status}{letter}{late}"
    )


@requests_group.command("list")
@click.option("--overdue", is_flag=True, help="Hanya yang belum dilayani sesudah harinya.")
@click.option(
    "--status",
    type=click.Choice(["waiting", "served", "cancelled", "all"]),
    default="waiting",
    show_default=True,
)
@command_output
def requests_list(overdue: bool, status: str) -> tuple[dict[str, Any], str]:
    """Permohonan surat (yang menunggu, tertua dahulu); --overdue: untuk lurah."""
    from station.letters.requests import requests_for_station

    station = open_station()
    try:
        tz = station.config.tz
        views = requests_for_station(
            station, status=None if status == "all" else status, overdue=overdue
        )
        today = station.clock.today()
    finally:
        station.close()
    data = {
        "today": today.isoformat(),
        "overdue_only": overdue,
        "count": len(views),
        "overdue": sum(1 for v in views if v.overdue),
        "requests": [v.to_dict(tz) for v in views],
    }
    if not views:
        what = "terlambat" if overdue else "yang cocok"
        return data, f"Tidak ada permohonan {what}."
    head = f"{len(views)} permohonan ({data['overdue']} terlambat), per {today.isoformat()}:"
    return data, "\n".join([head, *(_line(v, tz) for v in views)])


@requests_group.command("show")
@click.argument("code")
@command_output
def requests_show(code: str) -> tuple[dict[str, Any], str]:
    """Satu permohonan menurut kode ambilnya."""
    from station.letters.requests import request_by_code

    station = open_station()
    try:
        tz = station.config.tz
        view = request_by_code(station, code)
    finally:
        station.close()
    lines = [_line(view, tz), f"Keperluan: {view.purpose or '-'}"]
    lines += [f"  {key}: {value}" for key, value in view.fields.items()]
    return {**view.to_dict(tz), "fields": view.fields}, "\n".join(lines)


@requests_group.command("cancel")
@click.argument("code")
@click.option("--reason", required=True, help="Alasan pembatalan.")
@click.option("--operator", default=None, help="Petugas yang tercatat di jejak audit.")
@command_output
def requests_cancel(code: str, reason: str, operator: str | None) -> tuple[dict[str, Any], str]:
    """Batalkan permohonan yang menunggu (dicatat di jejak audit)."""
    from station.letters.requests import cancel_request

    station = open_station()
    try:
        tz = station.config.tz
        view = cancel_request(station, code, reason=reason, operator=operator_name(operator))
    finally:
        station.close()
    return view.to_dict(tz), f"Permohonan {view.pickup_code} dibatalkan."


def register(cli: click.Group) -> None:
    cli.add_command(requests_group)
