"""The one root of every refusal a person may see: :class:`StationError`.

Every face catches this class, and only this class, to show a refusal: the CLI prints the
message and exits 1 (``--json`` gives ``{"error": message, "code": ..., **extra}``), the
operator app and the kiosk show the message, the verification page answers without the
register. The message is in Bahasa Indonesia and says what to do; ``code`` is for programs
(``db_busy``, ``empty``, ``bad_pin``...), ``extra`` holds details a program may use.

Database trouble becomes a StationError at the one transaction boundary,
``Database.read()`` / ``Database.write()`` in ``station.store.db`` (docs/architecture.md):
:class:`DatabaseBusy` (locked past the busy timeout, deadlock, serialization failure; nothing
was written, the queue retries it) and :class:`DatabaseUnavailable` (server down, connection
lost, disk full, read-only database file).
"""

from __future__ import annotations

import errno
from typing import Any

DB_BUSY = "db_busy"
DB_UNAVAILABLE = "db_unavailable"
DISK_FULL = "disk_full"
READ_ONLY = "read_only"

BUSY_MESSAGE = (
    "Basis data sedang dipakai proses lain terlalu lama. Tidak ada yang disimpan; "
    "coba lagi sebentar lagi."
)
UNAVAILABLE_MESSAGE = (
    "Basis data tidak dapat dihubungi (server mati, dimulai ulang, atau jaringan "
    "putus). Periksa apakah tindakan tadi sudah tercatat, lalu coba lagi."
)
DISK_FULL_MESSAGE = (
    "Penyimpanan penuh: disk tidak punya ruang lagi. Tidak ada yang disimpan; minta admin "
    "mengosongkan ruang disk, lalu coba lagi."
)
READ_ONLY_MESSAGE = (
    "Basis data hanya dapat dibaca (berkas atau disk tidak dapat ditulisi). Tidak ada yang "
    "disimpan; minta admin memeriksa izin berkas basis data, lalu coba lagi."
)


class StationError(Exception):
    """A refusal worded for the person at the keyboard (Bahasa Indonesia).

    ``str(exc)`` is ``message``; ``code`` (or None) is for programs; ``extra`` holds details
    (``--json`` prints them next to ``error`` and ``code``).
    """

    def __init__(self, message: str, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra: dict[str, Any] = dict(extra)

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """``{"error": message, "code": code, **extra}`` (``code`` only when set)."""
        data: dict[str, Any] = {"error": self.message}
        if self.code is not None:
            data["code"] = self.code
        data.update(self.extra)
        return data


class DatabaseBusy(StationError):
    """Another process held the database too long (lock timeout, deadlock, serialization
    failure). Nothing was written; trying again may succeed."""

    def __init__(self, message: str = BUSY_MESSAGE, code: str = DB_BUSY, **extra: Any) -> None:
        super().__init__(message, code, **extra)


class DatabaseUnavailable(StationError):
    """The database cannot do the work: out of reach (``db_unavailable``), its disk full
    (``disk_full``) or its file read-only (``read_only``)."""

    def __init__(
        self, message: str = UNAVAILABLE_MESSAGE, code: str = DB_UNAVAILABLE, **extra: Any
    ) -> None:
        super().__init__(message, code, **extra)


_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY_ERRNOS = {errno.EROFS}


def storage_refusal(exc: BaseException) -> StationError | None:
    """The refusal for a file that cannot be written because the disk is full or mounted
    read-only (``OSError`` ENOSPC, EDQUOT, EROFS); None for any other error."""
    if not isinstance(exc, OSError):
        return None
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in _FULL_ERRNOS:
        return StationError(
            f"Penyimpanan penuh{where}: disk tidak punya ruang lagi. Minta admin mengosongkan "
            "ruang disk, lalu coba lagi.",
            DISK_FULL,
        )
    if exc.errno in _READ_ONLY_ERRNOS:
        return StationError(
            f"Penyimpanan hanya dapat dibaca{where}. Minta admin memeriksa disk dan izin "
            "berkasnya, lalu coba lagi.",
            READ_ONLY,
        )
    return None
