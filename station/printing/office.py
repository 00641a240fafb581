"""Letters on F4/A4: the PDF to the office printer through CUPS, or saved in ``surat/``
(docs/printers.md).

``printer.office = "cups:NAME"`` in ``station.toml`` sends the PDF with ``lp -d NAME``;
without it the PDF is written to the home's ``surat/`` folder (0700, files 0600: the letter
holds the resident's data, station/store/files.py) and its path shown, for the operator to
print from any PDF viewer. A fault (no ``lp``, ``lp`` refusing, a folder that cannot be
written) is a :class:`PrinterFault`: the letter stays issued with its number and seal.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.printing.faults import PrinterFault
from station.store.files import private_file, private_folder

LETTERS_FOLDER = "surat"
LP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class PdfDelivery:
    """Where a letter's PDF went: ``printer`` (the CUPS queue) or ``path`` (a saved file)."""

    printer: str = ""
    path: Path | None = None

    @property
    def message(self) -> str:
        if self.printer:
            return f"dikirim ke printer kantor {self.printer}"
        return f"disimpan di {self.path}"


def office_printer(printer: Any) -> str:
    """The CUPS queue name from ``printer.office`` (``cups:NAME``), or "" for none."""
    value = (getattr(printer, "office", "") or "").strip()
    return value[5:].strip() if value.startswith("cups:") else ""


def pdf_name(number: str, copy_marker: str = "", paper: str = "f4") -> str:
    """``surat-474.1-001-KEL.OSP-XI-2026-salinan-2-f4.pdf``: the number, file-safe."""
    safe = "".join(c if c.isalnum() or c in ".-_" else "-" for c in number).strip("-.")
    copy = "-" + copy_marker.lower().replace(" ", "-") if copy_marker else ""
    return f"surat-{safe or 'tanpa-nomor'}{copy}-{paper}.pdf"


def save_pdf(data: bytes, path: Path) -> Path:
    """Write the PDF 0600 (whole or not at all); a failure is a ``pdf_save`` fault."""
    try:
        if path.parent.name == LETTERS_FOLDER:
            private_folder(path.parent)
        with private_file(path, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise PrinterFault("pdf_save", f"{path}: {exc.strerror or exc}") from exc
    return path


def send_to_cups(data: bytes, queue: str, *, title: str = "") -> None:
    """``lp -d QUEUE`` with the PDF; a missing ``lp`` or a non-zero exit is a fault."""
    lp = shutil.which("lp")
    if lp is None:
        raise PrinterFault("lp_missing", "lp not found on PATH")
    # lp reads a file; a private temporary one, removed as soon as lp has queued it.
    fd, name = tempfile.mkstemp(prefix="station-surat-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        command = [lp, "-d", queue]
        if title:
            command += ["-t", title]
        try:
            done = subprocess.run(
                [*command, "--", name],
                capture_output=True,
                text=True,
                timeout=LP_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PrinterFault("timeout", f"lp: {exc}") from exc
        except OSError as exc:
            raise PrinterFault("lp_missing", f"lp: {exc}") from exc
        if done.returncode != 0:
            detail = (done.stderr or done.stdout or "").strip()[:300]
            raise PrinterFault("lp_failed", f"lp exit {done.returncode}: {detail}")
    finally:
        Path(name).unlink(missing_ok=True)


def deliver_pdf(
    data: bytes,
    printer: Any,
    home: str | os.PathLike[str],
    name: str,
    *,
    output: str | os.PathLike[str] | None = None,
    title: str = "",
) -> PdfDelivery:
    """Send the PDF where it belongs: ``output`` when given (``--output FILE``), else the
    CUPS queue of ``printer.office``, else ``HOME/surat/NAME``."""
    if output is not None:
        return PdfDelivery(path=save_pdf(data, Path(output).expanduser()))
    queue = office_printer(printer)
    if queue:
        send_to_cups(data, queue, title=title)
        return PdfDelivery(printer=queue)
    return PdfDelivery(path=save_pdf(data, Path(home) / LETTERS_FOLDER / name))
