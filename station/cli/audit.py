"""`station audit verify`: the audit hash chain."""

from __future__ import annotations

from typing import Any

import click

from station.cli.common import Refusal, command_output, open_station


@click.group()
def audit() -> None:
    """Jejak audit."""


@audit.command("verify")
@command_output
def audit_verify() -> tuple[dict[str, Any], str]:
    """Periksa rantai jejak audit; sebutkan mata rantai pertama yang rusak."""
    from station.store.audit import verify_chain

    station = open_station()
    try:
        with station.db.read() as session:
            report = verify_chain(session, station.office_id)
    finally:
        station.close()
    if not report.ok:
        raise Refusal(f"Jejak audit rusak: {report.problem}", **report.to_dict())
    return report.to_dict(), f"Jejak audit utuh: {report.events} peristiwa."


def register(cli: click.Group) -> None:
    cli.add_command(audit)
