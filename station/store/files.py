"""Files Station writes for people to open: exports, reports, print previews.

Two rules for every one of them (docs/security.md §2.12):

- **Data, never formulas.** A CSV or XLSX is opened in a spreadsheet, and a cell that starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their full-width forms) is
  read there as a formula: ``=HYPERLINK(...)`` sends a click elsewhere, ``+CMD|...`` may run a
  program (CSV injection, the OWASP rule). Names, addresses and reasons come from import files
  and from people, so such a cell gets a leading apostrophe (:func:`safe_cell`); in an XLSX it
  is stored as a string with Excel's quote prefix (:func:`xlsx_append`), never as a formula.
- **Private from the first byte.** An export holds personal data (names, NIKs, birth dates):
  it is created mode 0600 under a temporary name with ``O_EXCL`` and renamed over the target
  when complete (:func:`private_file`), so it is never readable by other accounts, not even
  while it is being written, and never left half written.

In the store package because every part of Station that writes such a file (register,
reports, printing, the CLI) may depend on it (docs/architecture.md).
"""

from __future__ import annotations

import contextlib
import csv
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_formula(value: Any) -> bool:
    """Would a spreadsheet read this cell as a formula?"""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as the text it is: a leading apostrophe disarms a formula.
    Numbers, dates and ``None`` are written by Station itself and pass unchanged."""
    return "'" + value if is_formula(value) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


class SafeCsvWriter:
    """``csv.writer`` whose rows are passed through :func:`safe_row`."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def xlsx_append(sheet: Any, row: Iterable[Any]) -> None:
    """Append ``row`` to an openpyxl worksheet, every formula-looking text stored as a string
    with the quote prefix (shown as typed, and it stays text when the cell is edited)."""
    from openpyxl.cell.cell import Cell

    cells: list[Any] = []
    for value in row:
        if is_formula(value):
            cell = Cell(sheet)
            cell.value = value
            cell.data_type = "s"  # openpyxl makes "=..." a formula; this is text
            cell.quotePrefix = True
            cells.append(cell)
        else:
            cells.append(value)
    sheet.append(cells)


def _tighten(fd: int) -> None:
    """A regular file others can read becomes 0600; a device or FIFO is left as it is."""
    info = os.fstat(fd)
    if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077:
        with contextlib.suppress(OSError):  # not ours to change: written as it is
            os.fchmod(fd, 0o600)


@contextlib.contextmanager
def private_file(
    path: str | os.PathLike[str],
    mode: str = "w",
    *,
    encoding: str | None = None,
    newline: str | None = None,
) -> Iterator[IO[Any]]:
    """Open ``path`` to write a whole new file (``mode`` "w" or "wb") that only its owner can
    read: written to a hidden temporary file created 0600 with ``O_EXCL`` in the same folder
    and renamed over ``path`` when the block ends without an error (an error removes it and
    leaves any earlier file untouched). A device or FIFO the user named (``/dev/stdout``) is
    written directly."""
    if mode not in ("w", "wb"):
        raise ValueError(f"private_file writes whole files, not mode {mode!r}")
    target = Path(path)
    if target.exists() and not target.is_file():
        with open(target, mode, encoding=encoding, newline=newline) as handle:
            yield handle
        return
    fd, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    try:
        try:
            os.fchmod(fd, 0o600)  # mkstemp's own mode; said again, it is the point
            handle = os.fdopen(fd, mode, encoding=encoding, newline=newline)
        except BaseException:
            os.close(fd)
            raise
        with handle:
            yield handle
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_private_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    with private_file(path, "w", encoding=encoding) as handle:
        handle.write(text)


def open_private_append(path: str | os.PathLike[str]) -> IO[bytes]:
    """Open ``path`` to append bytes, unbuffered: a new file is created 0600, an existing
    regular file others could read is made 0600; a device is written as it is."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        _tighten(fd)
        return os.fdopen(fd, "ab", buffering=0)
    except BaseException:
        os.close(fd)
        raise


def private_folder(path: str | os.PathLike[str]) -> Path:
    """Make ``path`` (and missing parents) if it is missing; the folder itself 0700."""
    folder = Path(path)
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            folder.mkdir(mode=0o700)
    return folder
