"""Reading a resident file (CSV or XLSX) into rows of cell text keyed by canonical field.

:class:`ImportReader` reads and checks the header on construction (aliases from
:mod:`~station.register.importing.schema`), then yields ``(row_number, raw)``; its
:meth:`~ImportReader.validated` runs each row through
:func:`~station.register.importing.rows.validate_row` and rejects a NIK seen earlier in the
file.  Problems with the file as a whole raise :class:`ImportFormatError`.

Hostile files are expected (docs/security.md): mixed encodings, UTF-16 without a BOM, header
lines with no end, Excel's cut 16-digit numbers and formula cells are handled with a message;
nothing is ever evaluated.  The format is described for office staff in
``docs/import-format.md``.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from operator import itemgetter
from pathlib import Path
from typing import Any

from station.register.importing.rows import RejectedRow, ValidRow, validate_row
from station.register.importing.schema import (
    FIELD_LABELS,
    REQUIRED,
    RTRW,
    RTRW_HEADERS,
    VALUE_TRANSLATIONS,
    header_aliases,
    norm_header,
)
from station.store.errors import StationError

MAX_HEADER_CHARS = 1 << 20  # a header line longer than this is not a register's header
_MAX_LISTED_COLUMNS = 20  # unknown/duplicate column names named in the report
_HEADER_MAP = header_aliases()


class ImportFormatError(StationError):
    """The file as a whole cannot be imported; the message is Indonesian and names the file."""


# A UTF-8 multi-byte sequence: in a file that is not valid UTF-8 as a whole, it means the file
# mixes UTF-8 with a one-byte encoding (rows pasted from two sources), and no single reading
# would give every name right.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the text is ASCII-heavy UTF-16 with no BOM (every other byte
    is NUL); read as UTF-8, such a file would give cells full of NULs."""
    pairs = len(head) // 2
    if pairs < 4 or b"\x00" not in head:
        return None
    odd = head[1 : pairs * 2 : 2].count(0)
    even = head[0 : pairs * 2 : 2].count(0)
    if odd >= pairs * 0.6 and even <= pairs * 0.1:
        return "utf-16-le"
    if even >= pairs * 0.6 and odd <= pairs * 0.1:
        return "utf-16-be"
    return None


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode Text" export
    utf16 = _utf16_without_bom(head)
    if utf16 is not None:
        return utf16
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            if encoding == "utf-8" and _has_utf8_sequence(path):
                raise ImportFormatError(
                    f"Berkas {path.name} mencampur pengodean UTF-8 dengan pengodean lain "
                    "(mis. Windows-1252), sehingga sebagian nama akan rusak. Buka di "
                    "Excel/LibreOffice lalu simpan ulang sebagai CSV UTF-8."
                ) from None
            continue
        return encoding
    return "latin-1"


def _has_utf8_sequence(path: Path) -> bool:
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if _UTF8_SEQUENCE.search(chunk):
                return True
    return False


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_EXCEL_DIGITS = 15
_EXACT_FLOAT_LIMIT = 2**53


def _number_text(value: int | float, is_id: bool) -> str:
    """Text of a numeric cell.  For NIK/No. KK, a value Excel may have cut is flagged."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        if not value.is_integer():
            return repr(value)
        digits = str(int(value))
        inexact = abs(value) >= _EXACT_FLOAT_LIMIT
    else:
        digits = str(value)
        inexact = False
    if is_id and len(digits) > _EXCEL_DIGITS and (inexact or not digits[_EXCEL_DIGITS:].strip("0")):
        # Excel keeps 15 significant digits: the 16th came back as 0 and cannot be trusted.
        return f"{float(value):.{_EXCEL_DIGITS - 1}E}"
    return digits


def _cell_text(value: Any, is_id: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, int | float):
        return _number_text(value, is_id)
    return str(value)


def _listing(names: tuple[str, ...]) -> str:
    """Column names for a note, at most a screenful (a file may have thousands of columns)."""
    shown = [name if len(name) <= 60 else name[:60] + "…" for name in names[:_MAX_LISTED_COLUMNS]]
    text = ", ".join(shown)
    if len(names) > _MAX_LISTED_COLUMNS:
        text += f" (dan {len(names) - _MAX_LISTED_COLUMNS} kolom lain)"
    return text


class ImportReader:
    """One CSV/XLSX file: the header is read (and checked) on construction, rows on iteration.

    Iterating yields ``(row_number, raw)`` where ``row_number`` is the row as the office sees it
    (header = row 1 in a normal file) and ``raw`` maps canonical field -> cell text for the
    columns the file has.  Blank rows are skipped.  After construction:

    - ``columns``: canonical fields found, in file order;
    - ``unknown_columns``: header texts that were not recognised (ignored);
    - ``notes()``: Indonesian notes for the import report (unknown and duplicate columns).

    Use as a context manager or call :meth:`close` (an XLSX file stays open while reading).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.kind = self.path.suffix.lower()
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self.header_row = 0
        self._skip_lines = 0
        self._workbook: Any = None
        if self.kind == ".csv":
            header = self._open_csv()
        elif self.kind == ".xlsx":
            header = self._open_xlsx()
        else:
            raise ImportFormatError(
                f"Berkas {self.path.name}: jenis berkas '{self.path.suffix or '(tanpa ekstensi)'}'"
                " tidak didukung; pakai .csv atau .xlsx"
            )
        try:
            self._map_header(header)
        except ImportFormatError:
            self.close()
            raise

    # -- header ---------------------------------------------------------------------------

    def _map_header(self, header: list[str]) -> None:
        indices: list[int] = []
        fields: list[str] = []
        unknown: list[str] = []
        duplicates: list[str] = []
        translations: list[tuple[str, dict[str, str]]] = []
        seen: set[str] = set()
        for index, text in enumerate(header):
            label = " ".join(text.split())
            norm = norm_header(label)
            if not norm:
                continue
            target = RTRW if norm in RTRW_HEADERS else _HEADER_MAP.get(norm, "")
            if not target:
                unknown.append(label)
                continue
            if target in seen:
                duplicates.append(label)
                # The later column only fills cells the earlier one left empty.
            seen.add(target)
            indices.append(index)
            fields.append(target)
            table = VALUE_TRANSLATIONS.get(norm)
            if table is not None:
                translations.append((target, table))
        if "nik" not in seen:
            raise ImportFormatError(
                f"Berkas {self.path.name}: tidak ada kolom NIK pada baris judul "
                f"(baris {self.header_row})"
            )
        present = set(seen)
        if RTRW in present:
            present |= {"rt", "rw"}
        missing = [FIELD_LABELS[f] for f in REQUIRED if f not in present]
        if missing:
            raise ImportFormatError(
                f"Berkas {self.path.name}: kolom wajib tidak ada: {', '.join(missing)}"
            )
        self._indices = indices
        self._fields = fields
        self._width = max(indices) + 1
        self._getter: Callable[[Any], Any] = (
            itemgetter(*indices) if len(indices) > 1 else _one_cell(indices[0])
        )
        self._has_duplicates = bool(duplicates)
        self._identity = indices == list(range(len(indices)))
        self._translations = translations
        self._has_rtrw = RTRW in fields
        self._id_positions = frozenset(
            i for i, f in zip(indices, fields, strict=True) if f in ("nik", "kk_number")
        )
        self._nik_position = indices[fields.index("nik")]
        self.columns = tuple(dict.fromkeys(f for f in fields if f != RTRW))
        if RTRW in fields:
            self.columns = tuple(dict.fromkeys((*self.columns, "rt", "rw")))
        self.unknown_columns = tuple(unknown)
        self.duplicate_columns = tuple(duplicates)

    def notes(self) -> list[str]:
        """Indonesian notes about the header, for the import report."""
        notes = []
        if self.unknown_columns:
            notes.append("Kolom tidak dikenal diabaikan: " + _listing(self.unknown_columns))
        if self.duplicate_columns:
            notes.append(
                "Kolom ganda (hanya mengisi sel yang kosong di kolom pertama): "
                + _listing(self.duplicate_columns)
            )
        return notes

    # -- CSV ------------------------------------------------------------------------------

    def _open_csv(self) -> list[str]:
        try:
            self.encoding = _detect_encoding(self.path)
            with self.path.open(encoding=self.encoding, newline="") as fh:
                line = fh.readline(MAX_HEADER_CHARS)
                skip = 0
                hidden = 0
                stripped = line.strip()
                if stripped.lower().startswith("sep=") and len(stripped) == 5:
                    self.delimiter = stripped[4]  # Excel's "sep=;" line, hidden by Excel
                    skip = hidden = 1
                    line = fh.readline(MAX_HEADER_CHARS)
                while line and not line.strip() and skip < MAX_HEADER_CHARS:
                    skip += 1
                    line = fh.readline(MAX_HEADER_CHARS)
        except OSError as exc:
            raise ImportFormatError(
                f"Berkas {self.path.name} tidak dapat dibaca: {exc.strerror or exc}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                f"Berkas {self.path.name}: pengodean teks tidak dikenali ({exc.reason})"
            ) from exc
        if not line or not line.strip():
            raise ImportFormatError(f"Berkas {self.path.name} kosong: tidak ada baris judul")
        if len(line) >= MAX_HEADER_CHARS and not line.endswith(("\n", "\r")):
            raise ImportFormatError(
                f"Berkas {self.path.name}: baris judul lebih dari {MAX_HEADER_CHARS:,} karakter "
                "(bukan berkas daftar penduduk, atau baris barunya hilang)"
            )
        if self.delimiter is None:
            self.delimiter = _sniff_delimiter(line)
        if csv.field_size_limit() < (1 << 24):
            csv.field_size_limit(1 << 24)  # huge cells are rejected per row, not per file
        self._skip_lines = skip
        self.header_row = skip + 1 - hidden
        return next(csv.reader([line], delimiter=self.delimiter), [])

    def _iter_csv(self) -> Iterator[tuple[int, dict[str, str]]]:
        with self.path.open(encoding=self.encoding, newline="") as fh:
            for _ in range(self._skip_lines):
                fh.readline()
            reader = csv.reader(fh, delimiter=self.delimiter or ",")
            row_dict = self._row_dict
            try:
                next(reader, None)  # the header
                for number, row in enumerate(reader, start=self.header_row + 1):
                    if not any(row):
                        continue
                    raw = row_dict(row)
                    if raw is not None:
                        yield number, raw
            except csv.Error as exc:
                raise ImportFormatError(
                    f"Berkas {self.path.name} rusak sekitar baris {reader.line_num}: {exc}"
                ) from exc
            except UnicodeDecodeError as exc:
                raise ImportFormatError(
                    f"Berkas {self.path.name}: pengodean teks tidak dikenali ({exc.reason})"
                ) from exc

    # -- XLSX -----------------------------------------------------------------------------

    def _open_xlsx(self) -> list[str]:
        import openpyxl  # only XLSX imports pay for it

        # data_only: a formula cell gives the value Excel saved with it (what the office sees);
        # nothing is ever evaluated here.  Text that merely starts with "=" stays text.
        try:
            workbook = openpyxl.load_workbook(
                self.path, read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:  # zipfile/XML errors of many kinds
            raise ImportFormatError(
                f"Berkas {self.path.name} bukan berkas Excel (.xlsx) yang dapat dibaca: {exc}"
            ) from exc
        self._workbook = workbook
        sheet = workbook.active
        if sheet is None or not hasattr(sheet, "iter_rows"):  # none, or a chart sheet
            sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            self.close()
            raise ImportFormatError(f"Berkas {self.path.name} tidak punya lembar kerja")
        sheet.reset_dimensions()  # a wrong <dimension> must not hide rows
        self._sheet = sheet
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v, False) for v in row]
            if any(c.strip() for c in cells):
                self.header_row = number
                return cells
        self.close()
        raise ImportFormatError(f"Berkas {self.path.name} kosong: tidak ada baris judul")

    def _iter_xlsx(self) -> Iterator[tuple[int, dict[str, str]]]:
        ids = self._id_positions
        rows = self._sheet.iter_rows(min_row=self.header_row + 1, values_only=True)
        for number, row in enumerate(rows, start=self.header_row + 1):
            if not any(v is not None and v != "" for v in row):
                continue
            cells = [_cell_text(v, i in ids) for i, v in enumerate(row)]
            raw = self._row_dict(cells)
            if raw is not None:
                yield number, raw

    # -- rows -----------------------------------------------------------------------------

    def _row_dict(self, row: list[str]) -> dict[str, str] | None:
        if len(row) < self._width:
            row = row + [""] * (self._width - len(row))
        nik_cell = row[self._nik_position]
        if (not nik_cell or nik_cell.isspace()) and not "".join(row).strip():
            return None
        if self._has_duplicates:
            raw: dict[str, str] = {}
            for key, text in zip(self._fields, self._getter(row), strict=True):
                if key not in raw or (not raw[key].strip() and text.strip()):
                    raw[key] = text
        elif self._identity:
            raw = dict(zip(self._fields, row, strict=False))  # extra cells ignored
        else:
            raw = dict(zip(self._fields, self._getter(row), strict=False))
        if self._translations:
            for key, table in self._translations:
                text = raw.get(key, "")
                raw[key] = table.get(text.strip().removesuffix(".0"), text)
        if self._has_rtrw:
            combined = raw.pop(RTRW)
            parts = combined.replace("-", "/").split("/")
            rt, rw = parts if len(parts) == 2 else (combined, "")
            if not raw.get("rt", "").strip():
                raw["rt"] = rt
            if not raw.get("rw", "").strip():
                raw["rw"] = rw
        return raw

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        if self.kind == ".csv":
            return self._iter_csv()
        return self._iter_xlsx()

    def validated(self, *, today: date) -> Iterator[ValidRow | RejectedRow]:
        """Every row validated; a NIK seen earlier in the file rejects the later row."""
        seen: dict[int, int] = {}
        for row_number, raw in self:
            result = validate_row(row_number, raw, today=today)
            nik = result.values.get("nik", "") if isinstance(result, ValidRow) else result.nik
            if len(nik) == 16 and nik.isdigit() and nik.isascii():
                first = seen.setdefault(int(nik), row_number)
                if first != row_number:
                    result = RejectedRow(
                        row_number, nik, f"NIK ganda dalam berkas, sama dengan baris {first}"
                    )
            yield result

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    def __enter__(self) -> ImportReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """``(row_number, raw)`` for every non-blank data row; raises ImportFormatError."""
    with ImportReader(path) as reader:
        yield from reader


def iter_validated(path: Path, *, today: date) -> Iterator[ValidRow | RejectedRow]:
    """Every data row of ``path`` as ValidRow or RejectedRow, duplicates within the file included.

    Use :class:`ImportReader` directly to also get ``unknown_columns`` / ``notes()``.
    """
    with ImportReader(path) as reader:
        yield from reader.validated(today=today)


def count_data_rows(path: Path | str) -> int | None:
    """A cheap estimate of the number of data rows, for a progress bar (None if unknown)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            lines = 0
            last = b"\n"
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    lines += chunk.count(b"\n")
                    last = chunk[-1:]
            if last != b"\n":
                lines += 1
            return max(lines - 1, 0)
        if suffix == ".xlsx":
            import openpyxl

            workbook = openpyxl.load_workbook(path, read_only=True)
            try:
                sheet = workbook.active
                max_row = getattr(sheet, "max_row", None)
                return max(max_row - 1, 0) if max_row else None
            finally:
                workbook.close()
    except Exception:
        return None
    return None


def _one_cell(index: int) -> Callable[[Any], tuple[Any]]:
    """A getter like ``itemgetter(i, j)`` for a single column: it still returns a tuple
    (``itemgetter(i)`` alone returns the bare cell)."""

    def get(row: Any) -> tuple[Any]:
        return (row[index],)

    return get
