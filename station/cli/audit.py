"""`station audit verify [--summary FILE…]`: the audit hash chain, and its signed anchors."""

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


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (ValueError, OSError) as exc:
        raise Refusal(f"Berkas {path} bukan ringkasan hari: {exc}") from exc


def register(cli: click.Group) -> None:
    cli.add_command(audit)
