"""`station operators ...` and `station counters ...`: the office's people and counters."""

from __future__ import annotations

import sys
from typing import Any

import click

from station.cli.common import (
    Refusal,
    acting_operator,
    authenticate_operator,
    command_output,
    open_station,
)


@click.group()
def operators() -> None:
    """Petugas loket dan admin."""


@operators.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Nama lengkap petugas.")
@click.option("--role", type=click.Choice(["operator", "admin"]), default="operator")
@click.option(
    "--by",
    "by",
    default=None,
    help="Admin yang menambahkan (PIN-nya diperiksa); tanpa ini hanya admin pertama kantor.",
)
@command_output
def operators_add(
    username: str, display_name: str, role: str, by: str | None
) -> tuple[dict[str, Any], str]:
    """Tambah petugas; PIN barunya dibaca dari stdin (atau diminta bila di terminal). PIN admin
    yang menambahkan: STATION_PIN atau diminta di terminal, tidak pernah dari stdin."""
    from station.office.operators import OperatorError, enrol_operator

    station = open_station()
    try:
        admin = authenticate_operator(station, by).username if by else None
        if sys.stdin.isatty():
            pin = click.prompt("PIN", hide_input=True, confirmation_prompt="Ulangi PIN")
        else:
            pin = sys.stdin.readline().strip()
        with station.db.write() as session:
            enrol_operator(
                session,
                station.office_id,
                username=username,
                display_name=display_name,
                role=role,
                pin=pin,
                by=admin,
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


# --- counters ------------------------------------------------------------------------------


@click.group()
def counters() -> None:
    """Loket kantor: tambah, ubah, hapus, daftar."""


def _counter_dict(setup: Any) -> dict[str, Any]:
    return {
        "number": setup.number,
        "name": setup.name,
        "open": setup.is_open,
        "services": list(setup.services),
    }


def _services_option(value: str | None) -> list[str] | None:
    return None if value is None else [p for p in value.split(",")]


def _admin_act(act: Any, operator: str | None) -> Any:
    """Run one audited admin change in a write transaction, as ``operator`` once their PIN is
    checked (the core refuses anyone but an admin; an ``AdminError`` is a ``StationError``:
    ``command_output`` shows it and exits 1)."""
    station = open_station()
    try:
        who = acting_operator(station, operator)
        with station.db.write() as session:
            return act(session, station.office_id, who)
    finally:
        station.close()


@counters.command("list")
@command_output
def counters_list() -> tuple[dict[str, Any], str]:
    """Daftar loket dan layanan yang dilayaninya."""
    from station.office.admin import counter_setups

    station = open_station()
    try:
        with station.db.read() as session:
            found = [_counter_dict(c) for c in counter_setups(session, station.office_id)]
    finally:
        station.close()
    lines = [
        f"Loket {c['number']:>2}  {c['name']:<20} {','.join(c['services']):<8} "
        + ("BUKA" if c["open"] else "tutup")
        for c in found
    ]
    return {"counters": found}, "\n".join(lines) or "Belum ada loket."


@counters.command("add")
@click.argument("number", type=int)
@click.option("--name", default="", help="Nama loket (bawaan: 'Loket N').")
@click.option("--services", "services_", required=True, help="Layanan, mis. A,B,C.")
@click.option("--operator", default=None, help="Admin yang menambahkan (PIN-nya diperiksa).")
@command_output
def counters_add(
    number: int, name: str, services_: str, operator: str | None
) -> tuple[dict[str, Any], str]:
    """Tambah loket baru (tertutup sampai petugas membukanya)."""
    from station.office.admin import create_counter

    setup = _admin_act(
        lambda session, office_id, who: create_counter(
            session, office_id, number, name, _services_option(services_) or [], by=who
        ),
        operator,
    )
    data = _counter_dict(setup)
    return data, f"Loket {setup.number} ({setup.name}) ditambahkan: {','.join(setup.services)}."


@counters.command("edit")
@click.argument("number", type=int)
@click.option("--name", default=None, help="Nama baru.")
@click.option("--services", "services_", default=None, help="Layanan baru, mis. A,C.")
@click.option("--operator", default=None, help="Admin yang mengubah (PIN-nya diperiksa).")
@command_output
def counters_edit(
    number: int, name: str | None, services_: str | None, operator: str | None
) -> tuple[dict[str, Any], str]:
    """Ubah nama loket atau layanan yang dilayaninya."""
    from station.office.admin import edit_counter

    if name is None and services_ is None:
        raise Refusal("Sebutkan --name dan/atau --services yang diubah.")
    setup = _admin_act(
        lambda session, office_id, who: edit_counter(
            session, office_id, number, name=name, prefixes=_services_option(services_), by=who
        ),
        operator,
    )
    return _counter_dict(setup), f"Loket {setup.number}: {setup.name}, {','.join(setup.services)}."


@counters.command("remove")
@click.argument("number", type=int)
@click.option("--operator", default=None, help="Admin yang menghapus (PIN-nya diperiksa).")
@command_output
def counters_remove(number: int, operator: str | None) -> tuple[dict[str, Any], str]:
    """Hapus loket yang tertutup dan belum pernah melayani."""
    from station.office.admin import remove_counter

    _admin_act(
        lambda session, office_id, who: remove_counter(session, office_id, number, by=who),
        operator,
    )
    return {"number": number, "removed": True}, f"Loket {number} dihapus."


def register(cli: click.Group) -> None:
    cli.add_command(operators)
    cli.add_command(counters)
