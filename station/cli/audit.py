"""`station audit verify [--summary FILE…]`: the audit hash chain, and its signed anchors;
`station audit list`: the newest events, with the channel and OS user of each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from station.cli.common import Refusal, command_output, open_station

summary_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def audit() -> None:
    """Jejak audit."""


@audit.command("verify")
@click.option(
    "--summary",
    "summaries",
    multiple=True,
    type=summary_file,
    help="Ringkasan hari bertanda tangan (JSON) sebagai jangkar; boleh lebih dari satu.",
)
@click.argument("more", nargs=-1, type=summary_file)
@command_output
def audit_verify(summaries: tuple[Path, ...], more: tuple[Path, ...]) -> tuple[dict[str, Any], str]:
    """Periksa rantai jejak audit; sebutkan mata rantai pertama yang rusak.

    Dengan --summary BERKAS…: rantai juga harus masih memuat kepala yang ditandatangani
    setiap ringkasan hari (jumlah peristiwa dan hash-nya)."""
    from station.reports.day_summary import verify_anchors
    from station.store.audit import verify_chain

    if more and not summaries:
        raise click.UsageError("Berkas ringkasan diberikan dengan --summary BERKAS…")
    loaded = [(str(path), _load(path)) for path in (*summaries, *more)]
    station = open_station()
    try:
        with station.db.read() as session:
            report = verify_chain(session, station.office_id)
            anchors = verify_anchors(session, station.office_id, loaded) if loaded else []
    finally:
        station.close()
    data: dict[str, Any] = report.to_dict()
    if loaded:
        data["anchors"] = anchors
    refused = [a for a in anchors if not a["valid"]]
    if refused:
        first = refused[0]
        raise Refusal(f"Ringkasan {first['file']} ditolak: {first['problem']}", **data)
    if not report.ok:
        raise Refusal(f"Jejak audit rusak: {report.problem}", **data)
    broken = [a for a in anchors if not a["ok"]]
    if broken:
        first = broken[0]
        raise Refusal(
            f"Jejak audit tidak cocok dengan ringkasan {first['file']} (hari {first['day']}): "
            f"{first['problem']}",
            **data,
        )
    text = f"Jejak audit utuh: {report.events} peristiwa."
    if anchors:
        text += f" Cocok dengan {len(anchors)} ringkasan bertanda tangan."
    return data, text


@audit.command("list")
@click.option("--user", "who", default=None, help="Hanya peristiwa petugas ini.")
@click.option("--action", default=None, help="Aksi utuh atau kelompoknya, mis. letter.")
@click.option("--subject", default=None, help="Subjek utuh (NIK, nomor surat, ...).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Hari kantor.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 5000))
@command_output
def audit_list(
    who: str | None, action: str | None, subject: str | None, day: Any, limit: int
) -> tuple[dict[str, Any], str]:
    """Peristiwa jejak audit terbaru: waktu, petugas, aksi, subjek, saluran dan pengguna OS."""
    from station.store.audit import query_events

    station = open_station()
    try:
        tz = station.config.tz
        with station.db.read() as session:
            found = query_events(
                session, station.office_id, operator=who, action=action, subject=subject,
                day=day.date() if day else None, tz=tz, limit=limit,
            )  # fmt: skip
            events: list[dict[str, Any]] = [
                {
                    "id": e.id,
                    "at": e.at.isoformat(),
                    "operator": e.operator,
                    "action": e.action,
                    "subject": e.subject,
                    "channel": e.channel,
                    "os_user": e.os_user,
                    "details": e.details,
                }
                for e in found
            ]
            shown = [e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") for e in found]
    finally:
        station.close()
    lines = [
        f"#{e['id']:<6} {when}  {e['operator'] or '-':<14} {e['action']:<24} "
        f"{e['subject'] or '-':<20} {_channel(e['channel'], e['os_user'])}"
        for e, when in zip(events, shown, strict=True)
    ]
    return {"events": events}, "\n".join(lines) or "Tidak ada peristiwa."


def _channel(channel: str | None, os_user: str | None) -> str:
    """``cli (root)``; ``-`` for events older than migration 0008."""
    if channel is None and os_user is None:
        return "-"
    return f"{channel or '?'} ({os_user or '?'})"


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (ValueError, OSError) as exc:
        raise Refusal(f"Berkas {path} bukan ringkasan hari: {exc}") from exc


def register(cli: click.Group) -> None:
    cli.add_command(audit)
