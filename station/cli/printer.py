"""`station printer test|status`: the receipt printer of this station (docs/printers.md).

Registered by ``station.cli``. ``test`` prints a test page (office, settings, character check,
a QR, a cut); ``status`` reports what the connection can tell and says when it cannot.
A printer fault exits 1 with its Indonesian message.
"""

from __future__ import annotations

from typing import Any

import click

from station.cli.common import Refusal, command_output


def _printer_info(config: Any) -> dict[str, Any]:
    from station.printing import PrintSettings

    printer = config.printer
    settings = PrintSettings.from_config(printer)
    return {
        "uri": printer.uri,
        "profile": printer.profile or "default",
        "paper_width": printer.paper_width,
        "columns": settings.columns,
        "qr": "native" if settings.native_qr else "image",
    }


@click.group()
def printer() -> None:
    """Printer struk: halaman uji dan status."""


@printer.command("test")
@command_output
def printer_test() -> tuple[dict[str, Any], str]:
    """Cetak halaman uji (nama kantor, cek karakter, QR, potong)."""
    from station.home.config import load_config
    from station.printing import PrinterFault, print_test_page

    config = load_config()
    info = _printer_info(config)
    try:
        job = print_test_page(f"Kelurahan {config.office.name}", config.printer)
    except PrinterFault as fault:
        raise Refusal(fault.message, **info, printed=False, print_fault=fault.kind) from fault
    data = {**info, "printed": True, "bytes": len(job)}
    return data, f"Halaman uji terkirim ke {info['uri']} ({len(job)} byte, QR {info['qr']})."


@printer.command("status")
@command_output
def printer_status_cmd() -> tuple[dict[str, Any], str]:
    """Status printer sejauh sambungannya dapat membacanya."""
    from station.home.config import load_config
    from station.printing import printer_status

    config = load_config()
    data = {**_printer_info(config), **printer_status(config.printer)}
    online = {True: "siap", False: "tidak siap", None: "tidak diketahui"}[data["online"]]
    paper = data["paper"] or "tidak diketahui"
    return data, f"Printer {data['uri']}: {online}; kertas: {paper}. {data['message']}"


def register(cli: click.Group) -> None:
    cli.add_command(printer)
