"""Receipt printing (DESIGN §2): Document/ticket → print ops → ESC/POS bytes → printer.

The core (letters, queue) never imports this package; python-escpos is imported lazily
inside it.  Public API::

    settings = PrintSettings.from_config(config.printer)
    ops = letter_ops(document, settings)          # or ticket_ops(issued, office, settings, tz=tz)
    job = build_job(ops, settings)                # bytes, starts with ESC @
    send_job(job, config.printer)                 # raises PrinterFault (Indonesian message)
    print_letter(document, config.printer)        # the three steps in one
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from station.printing.faults import MESSAGES, PrinterFault
from station.printing.layout import PrintSettings, letter_ops, selftest_ops, ticket_ops

__all__ = [
    "MESSAGES",
    "PrintSettings",
    "PrinterFault",
    "build_job",
    "letter_ops",
    "print_letter",
    "print_test_page",
    "print_ticket",
    "printer_status",
    "send_job",
    "ticket_ops",
]


def build_job(ops: Any, settings: PrintSettings) -> bytes:
    from station.printing.escpos_job import build_job as _build

    return _build(ops, settings)


def send_job(job: bytes, printer: Any, *, connection: Any = None) -> None:
    """Send one job to the configured printer (``PrinterConfig``) in one write."""
    from station.printing.connection import connect

    conn = connection or connect(printer.uri, profile=printer.profile or "")
    conn.send(job)


def save_preview(ops: Any, settings: PrintSettings, printer: Any, name: str) -> Path | None:
    """With ``printer.preview_dir`` set, keep a text and a PNG picture of the job printed.

    For the demo and for training (nothing to tear off a real printer); never fails a print:
    a preview that cannot be written is skipped.
    """
    folder = getattr(printer, "preview_dir", "")
    if not folder:
        return None
    from station.printing.preview import preview_png, preview_text

    directory = Path(folder).expanduser()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:60]
    base = directory / f"{stamp}-{safe}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        base.with_suffix(".txt").write_text(preview_text(ops, settings), encoding="utf-8")
        preview_png(ops, settings).save(base.with_suffix(".png"))
    except OSError:
        return None
    return base


def print_letter(document: Any, printer: Any, *, connection: Any = None) -> bytes:
    settings = PrintSettings.from_config(printer)
    ops = letter_ops(document, settings)
    job = build_job(ops, settings)
    send_job(job, printer, connection=connection)
    save_preview(ops, settings, printer, f"surat-{getattr(document, 'number', '')}")
    return job


def print_ticket(
    issued: Any, office_name: str, printer: Any, *, tz: dt.tzinfo, connection: Any = None
) -> bytes:
    """Print a queue ticket; its time is shown in ``tz``, the office's time zone."""
    settings = PrintSettings.from_config(printer)
    ops = ticket_ops(issued, office_name, settings, tz=tz)
    job = build_job(ops, settings)
    send_job(job, printer, connection=connection)
    number = getattr(getattr(issued, "ticket", None), "number", "")
    save_preview(ops, settings, printer, f"tiket-{number}")
    return job


def print_test_page(office_name: str, printer: Any, *, connection: Any = None) -> bytes:
    settings = PrintSettings.from_config(printer)
    job = build_job(selftest_ops(office_name, settings, printer.uri), settings)
    send_job(job, printer, connection=connection)
    return job


def printer_status(printer: Any) -> dict[str, Any]:
    from station.printing.connection import connect

    try:
        conn = connect(printer.uri, profile=printer.profile or "")
    except PrinterFault as fault:
        return {"online": False, "paper": None, "message": fault.message}
    return conn.status()
