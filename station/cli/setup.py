"""`station init` and `station demo`: create a home, seed the demo office."""

from __future__ import annotations

import sys
from typing import Any

import click

from station.cli.common import command_output, installed_command


@click.command()
@command_output
def init() -> tuple[dict[str, Any], str]:
    """Siapkan rumah Station: konfigurasi, basis data, kantor, kunci tanda tangan."""
    from station.home.context import init_station

    result = init_station(channel="cli")
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


@click.command()
@click.option("--seed-only", is_flag=True, help="Hanya isi data contoh, jangan buka aplikasi.")
@click.option("--residents", "resident_count", default=2000, show_default=True, type=int)
@command_output
def demo(seed_only: bool, resident_count: int) -> tuple[dict[str, Any], str]:
    """Kantor contoh Kelurahan Oesapa dengan petugas dan penduduk sintetis."""
    from station.home.demo import seed_demo

    result = seed_demo(resident_count=resident_count, channel="cli")
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
    cmd = installed_command()
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
        "Coba (rumah contoh ini tetap ada; buka lagi kapan saja dengan STATION_HOME):",
        f"  export STATION_HOME={result.home}",
        f"  {cmd} residents find 'yoh keb'",
        f"  {cmd} residents show {result.sample_nik}",
        f"  {cmd} nik check 5371031708900001",
        f"  {cmd} run --counter 1        (aplikasi petugas loket)",
        f"  {cmd} kiosk / {cmd} board    (kios tiket, papan antrean)",
        f"  {cmd} serve                  (halaman verifikasi QR: {result.verify_base_url})",
    ]
    if open_app:
        # A person at a terminal: show the PINs, then straight into the operator app.
        from station.cli.apps import run_operator_app

        click.echo("\n".join(lines))
        click.pause("Tekan tombol apa saja untuk membuka aplikasi petugas loket 1...")
        run_operator_app(result.home, counter=1)
        return data, ""
    return data, "\n".join(lines)


def register(cli: click.Group) -> None:
    cli.add_command(init)
    cli.add_command(demo)
