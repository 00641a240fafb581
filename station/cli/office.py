"""`station operators ...`: the office's operators and admins."""

from __future__ import annotations

import sys
from typing import Any

import click

from station.cli.common import Refusal, command_output, open_station, operator_name


@click.group()
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
    from station.office.operators import OperatorError, add_operator

    if sys.stdin.isatty():
        pin = click.prompt("PIN", hide_input=True, confirmation_prompt="Ulangi PIN")
    else:
        pin = sys.stdin.readline().strip()
    station = open_station()
    try:
        with station.db.write() as session:
            add_operator(
                session,
                station.office_id,
                username=username,
                display_name=display_name,
                role=role,
                pin=pin,
                by=operator_name(by),
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
    from station.office.operators import list_operators

    station = open_station()
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


def register(cli: click.Group) -> None:
    cli.add_command(operators)
