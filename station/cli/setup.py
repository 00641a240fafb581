"""`station init` and `station demo`: create a home, seed the demo office."""

from __future__ import annotations

import sys
from typing import Any

import click

from station.cli.common import Refusal, command_output, installed_command


@click.command()
@click.option(
    "--office",
    "office_code",
    default=None,
    help="Gabung ke basis data kota sebagai kantor ini (kode Kemendagri).",
)
@click.option(
    "--database-url",
    default=None,
    help="Alamat basis data kota dari 'station city grant' (bawaan: STATION_DATABASE_URL).",
)
@command_output
def init(office_code: str | None, database_url: str | None) -> tuple[dict[str, Any], str]:
    """Siapkan rumah Station: konfigurasi, basis data, kantor, kunci tanda tangan."""
    import os

    from station.home.config import load_config, resolve_home
    from station.home.context import JoinError, init_station, office_template
    from station.letters.signers import missing_lurah

    if database_url and not office_code:
        raise Refusal("--database-url hanya dipakai bersama --office KODE.")
    if office_code:
        home = resolve_home()
        url = database_url or os.environ.get("STATION_DATABASE_URL", "")
        if not url:
            if (home / "station.toml").exists():
                url = load_config(home).database_url
            if not url or url.startswith("sqlite"):
                raise Refusal(
                    "Sebutkan --database-url (alamat dari 'station city grant' di server kota)."
                )
        try:
            template = office_template(home, url, office_code.strip())
            result = init_station(home, template=template, join=True, channel="cli")
        except JoinError as exc:
            raise Refusal(str(exc)) from exc
    else:
        result = init_station(channel="cli")
    missing = [key for key, _ in missing_lurah(load_config(result.home).office)]
    data = {
        "home": str(result.home),
        "database": result.database,
        "key_id": result.key_id,
        "created_config": result.created_config,
        "created_key": result.created_key,
        "lurah_missing": missing,  # no letter is issued until these are filled in
    }
    lines = [
        f"Rumah Station : {result.home}",
        f"Basis data    : {result.database}",
        f"Kunci tanda tangan: {result.key_id}" + (" (baru)" if result.created_key else ""),
    ]
    if missing:
        lines.append(
            f"Surat belum dapat diterbitkan: isi {', '.join(missing)} di bagian [office] "
            f"{result.home / 'station.toml'}, lalu jalankan ulang program."
        )
    elif result.created_config:
        lines.append(f"Periksa {result.home / 'station.toml'} (identitas kantor dan lurah).")
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
        "sample_pin": result.sample_pin,
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
        f"Layanan Mandiri (surat tanpa petugas, kapan saja): {cmd} box, tekan 1, ketik NIK",
        f"  {result.sample_nik}, Enter, PIN mandiri {result.sample_pin}, Enter, pilih surat",
        "  (mis. Domisili) dan keperluan dengan angka, lalu Enter: surat tercetak dengan QR.",
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
