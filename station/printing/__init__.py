"""Receipt printing: Document/ticket → print ops → ESC/POS bytes → printer
(docs/architecture.md §Printing).

The core (letters, queue) never imports this package; python-escpos is imported lazily
inside it.  Public API::

    settings = PrintSettings.from_config(config.printer)
    ops = letter_ops(document, settings)          # or ticket_ops(issued, office, settings, tz=tz)
    job = build_job(ops, settings)                # bytes, starts with ESC @
    send_job(job, config.printer)                 # raises PrinterFault (Indonesian message)
    print_letter(document, config.printer)        # the three steps in one
    print_and_record(document, config.printer, record)  # print, then count it; never undo
    print_pdf_and_record(document, config, record, paper="f4")  # F4/A4: CUPS or surat/
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.printing.faults import MESSAGES, PrinterFault, classify
from station.printing.layout import PrintSettings, letter_ops, selftest_ops, ticket_ops
from station.store.files import private_file, private_folder, write_private_text

__all__ = [
    "MESSAGES",
    "LetterPrint",
    "PrintSettings",
    "PrinterFault",
    "build_job",
    "letter_ops",
    "print_and_record",
    "print_letter",
    "print_pdf_and_record",
    "print_test_page",
    "print_ticket",
    "printer_status",
    "send_job",
    "ticket_ops",
    "warm_up",
]


def warm_up(config: Any) -> None:
    """Import now what the first print would import (python-escpos, the job builder and
    qrcode; fpdf when an office printer takes F4/A4 letters): ~0.2-0.6 s that would else fall
    between a resident's Enter and the first byte at the printer. Long-running faces call it
    in a thread once their first screen is up. A failure is left to the print itself, which
    reports it as a printer fault."""
    try:
        from station.printing.connection import escpos_modules
        from station.printing.escpos_job import build_job as _build  # noqa: F401

        escpos_modules()
        if (getattr(getattr(config, "printer", None), "office", "") or "").strip():
            import fpdf  # noqa: F401

            import station.printing.pdf  # noqa: F401
    except Exception:  # the print reports it
        pass


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
        # A letter's preview holds the resident's data: a 0700 folder, 0600 files
        # (station/store/files.py), as private as the printed paper.
        private_folder(directory)
        write_private_text(base.with_suffix(".txt"), preview_text(ops, settings))
        with private_file(base.with_suffix(".png"), "wb") as handle:
            preview_png(ops, settings).save(handle, format="PNG")
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


@dataclass(frozen=True)
class LetterPrint:
    """How :func:`print_and_record` went. ``printed``: the letter reached paper. ``fault``:
    it did not (the letter stays issued and can be printed again). ``print_count``: the count
    recorded after this print, None when it could not be recorded (``not_recorded``)."""

    printed: bool
    fault: PrinterFault | None = None
    print_count: int | None = None
    not_recorded: Exception | None = None
    delivery: Any = None  # a PDF's PdfDelivery (station.printing.office): queue or saved file


def print_and_record(
    document: Any, printer: Any, record: Callable[[], int], *, spooler: Any = None
) -> LetterPrint:
    """Print a letter, then record the print; the letter itself is never undone.

    The one way every face prints a letter (``letter issue``/``reprint``, the letter screen,
    the Today screen). ``printer`` is the ``PrinterConfig``; with a ``spooler``
    (``PrintSpooler``) the job waits its turn there, else it is sent from this thread.
    ``record`` counts the print in the register and returns the new ``print_count``
    (``station.letters.desk.record_letter_print``); it runs only once the job reached the
    printer. A print that cannot be recorded is still a printed letter: ``not_recorded`` says
    why, so the caller warns instead of inviting the letter to be issued again.
    """
    try:
        if spooler is not None:
            spooler.print_letter(document, printer).result()
        else:
            print_letter(document, printer)
    except Exception as exc:  # a PrinterFault, or e.g. the spooler closing as the app exits
        return LetterPrint(False, fault=classify(exc))
    try:
        count = record()
    except Exception as exc:  # the paper is out; only its count is missing
        return LetterPrint(True, not_recorded=exc)
    return LetterPrint(True, print_count=count)


def letter_logo(config: Any) -> Path | None:
    """``letters.logo`` of the home's config as a path (relative to the home), or None."""
    value = (getattr(getattr(config, "letters", None), "logo", "") or "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(config.home) / path


def print_pdf_and_record(
    document: Any,
    config: Any,
    record: Callable[[], int],
    *,
    paper: str = "f4",
    output: Any = None,
) -> LetterPrint:
    """The letter as a PDF on ``paper`` (f4, a4): to ``output``, to the office printer
    (``printer.office = "cups:NAME"``) or into ``HOME/surat/``; then count it like a
    printed receipt (the next print of the letter is a ``SALINAN``). A fault keeps the
    letter (``fault`` set, nothing counted). ``config`` is the ``StationConfig``."""
    from station.printing.office import deliver_pdf, pdf_name
    from station.printing.pdf import letter_pdf

    try:
        data = letter_pdf(document, paper, logo=letter_logo(config))
        delivery = deliver_pdf(
            data,
            config.printer,
            config.home,
            pdf_name(document.number, document.copy_marker, paper),
            output=output,
            title=f"Surat {document.number}",
        )
    except Exception as exc:  # a PrinterFault from lp or the disk, or a PdfError
        return LetterPrint(False, fault=classify(exc))
    try:
        count = record()
    except Exception as exc:
        return LetterPrint(True, not_recorded=exc, delivery=delivery)
    return LetterPrint(True, print_count=count, delivery=delivery)


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
