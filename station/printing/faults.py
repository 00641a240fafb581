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
}


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
