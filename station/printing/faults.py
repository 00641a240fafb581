"""Printer faults with messages for people (Bahasa Indonesia)."""

from __future__ import annotations

import errno
import socket

from station.store.errors import StationError

MESSAGES = {
    "offline": "Printer tidak menjawab (offline). Periksa daya dan sambungan printer.",
    "paper_out": "Kertas printer habis. Pasang gulungan kertas baru lalu cetak ulang.",
    "cover_open": "Tutup printer terbuka. Tutup rapat lalu cetak ulang.",
    "unplugged": "Printer tidak ditemukan: kabel terlepas atau perangkat belum terpasang.",
    "timeout": "Printer tidak selesai menerima data (waktu habis). Periksa printer lalu cetak "
    "ulang.",
    "config": "Alamat printer tidak dikenal. Periksa printer.uri di station.toml.",
    # The office printer (PDF on F4/A4 through CUPS, station.printing.office):
    "lp_missing": "Perintah lp (CUPS) tidak ada di komputer ini. Pasang CUPS, atau kosongkan "
    "printer.office di station.toml agar PDF disimpan di folder surat.",
    "lp_failed": "Printer kantor menolak pekerjaan cetak (lp gagal). Periksa printer di CUPS "
    "lalu cetak ulang.",
    "pdf_save": "Berkas PDF surat tidak dapat disimpan. Periksa folder dan ruang disk.",
    "printer_error": "Printer melaporkan kesalahan (pemotong kertas macet atau galat lain). "
    "Periksa printer, matikan dan hidupkan lagi, lalu cetak ulang.",
    "unfinished": "Printer berhenti menjawab sesudah menerima data: cetakan mungkin tidak "
    "selesai. Periksa kertas yang keluar dan printer, lalu cetak ulang.",
}

# Real-time status (ESC/POS ``DLE EOT n``): Epson's status byte has bits 1 and 4 set and
# bits 0 and 7 clear; some clones leave bits 1 and 4 clear, so only 0 and 7 are checked.
DLE_EOT = b"\x10\x04"
STATUS_PRINTER, STATUS_OFFLINE, STATUS_ERROR, STATUS_PAPER = 1, 2, 3, 4


def is_status_byte(value: int) -> bool:
    return value & 0x81 == 0


def status_fault(n: int, value: int) -> PrinterFault | None:
    """The fault a ``DLE EOT n`` answer reports after a job, None when it reports none.

    n=1 printer: bit 3 offline. n=2 offline cause: bit 2 cover open, bit 5 printing stopped
    at paper end, bit 6 error. n=3 error cause: bit 3 auto-cutter, bit 5 unrecoverable,
    bit 6 auto-recoverable. n=4 paper roll sensor: bits 5-6 paper end (bits 2-3, near end,
    are only a hint). Epson ESC/POS Command Reference, DLE EOT."""
    if not is_status_byte(value):
        return None
    detail = f"DLE EOT {n}: 0x{value:02x}"
    if n == STATUS_PRINTER and value & 0x08:
        return PrinterFault("offline", detail)
    if n == STATUS_OFFLINE:
        if value & 0x04:
            return PrinterFault("cover_open", detail)
        if value & 0x20:
            return PrinterFault("paper_out", detail)
        if value & 0x40:
            return PrinterFault("printer_error", detail)
    if n == STATUS_ERROR and value & 0x68:
        return PrinterFault("printer_error", detail)
    if n == STATUS_PAPER and value & 0x60:
        return PrinterFault("paper_out", detail)
    return None


class PrinterFault(StationError):
    """Printing failed; ``kind`` (also ``code``) is one of :data:`MESSAGES`; ``message`` and
    ``str()`` are for people."""

    def __init__(self, kind: str, detail: str = "") -> None:
        if kind not in MESSAGES:
            raise ValueError(f"unknown printer fault {kind!r}")
        self.kind = kind
        self.detail = detail
        super().__init__(MESSAGES[kind], kind)

    def to_dict(self) -> dict[str, str]:
        return {"fault": self.kind, "message": self.message, "detail": self.detail}


_UNPLUGGED = {errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.EACCES, errno.EPERM}
_OFFLINE = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EPIPE, errno.EIO}


def classify(exc: BaseException) -> PrinterFault:
    """Map an exception from a printer connection to a :class:`PrinterFault`."""
    if isinstance(exc, PrinterFault):
        return exc
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return PrinterFault("timeout", detail)
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno == errno.ETIMEDOUT:
            return PrinterFault("timeout", detail)
        if exc.errno in _UNPLUGGED:
            return PrinterFault("unplugged", detail)
        if exc.errno in _OFFLINE:
            return PrinterFault("offline", detail)
    name, text = type(exc).__name__, str(exc).lower()
    if "Timeout" in name or "timed out" in text:
        return PrinterFault("timeout", detail)
    if "refused" in text or "unreachable" in text:  # a network printer that is off
        return PrinterFault("offline", detail)
    if "NotFound" in name:  # escpos DeviceNotFoundError / USBNotFoundError
        return PrinterFault("unplugged", detail)
    return PrinterFault("offline", detail)
