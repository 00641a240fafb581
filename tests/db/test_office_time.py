"""Every date and time a person reads is office time (WITA for Kupang), from the station's one
clock, whatever the machine's own clock or zone says (docs/architecture.md, "Time").

The moments are chosen where UTC and WITA fall on different days or hours: 01:37 UTC is 09:37
WITA; 17:00 UTC on 4 December is 01:00 on 5 December; 17:00 UTC on 31 December is already
New Year in Kupang. The CLI's clock is moved through ``station.office.clock.real_now``, the
source of every real ``OfficeClock`` of the process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

import station.office.clock as clock_module
from station.cli import cli
from station.home.config import PrinterConfig
from station.home.context import Station, open_station
from station.letters.seal import parse_qr
from station.letters.store import revoke_letter
from station.printing import print_ticket
from station.queue.facade import Queue
from station.reports.day_summary import signed_summary
from station.web.verify_page import create_app
from tests.helpers.cli_auth import add_operators
from tests.helpers.escpos_reader import parse
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents, issue_args, run_cli
from tests.helpers.office import signed_template

UTC = dt.UTC
BORN_NEW_YEAR = "5371030101270001"  # a man born on 1 January 2027 (or 1927)


def _set_clock(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    """Every real clock of the process (the CLI's, the station's) reads ``moment``."""
    monkeypatch.setattr(clock_module, "real_now", lambda: moment)


def _human(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


# --- the ticket ------------------------------------------------------------------------------


def test_a_ticket_taken_at_0137_utc_prints_0937(station: Station, tmp_path: Path) -> None:
    issued = Queue.for_station(station).take_ticket(
        "A", now=dt.datetime(2026, 12, 4, 1, 37, tzinfo=UTC)
    )
    out = tmp_path / "printer.bin"
    print_ticket(issued, "Kelurahan Oesapa", PrinterConfig(uri=f"file:{out}"), tz=station.clock.tz)
    lines = [line.strip() for line in parse(out.read_bytes()).lines]
    assert "4 Desember 2026 09:37" in lines
    assert not any("01:37" in line for line in lines)


def test_station_ticket_take_prints_the_office_time(
    station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "printer.bin"
    monkeypatch.setenv("STATION_PRINTER", f"file:{out}")
    result, data = run_cli("ticket", "take", "A")
    assert result.exit_code == 0, result.output
    issued_at = dt.datetime.fromisoformat(data["issued_at"])
    local = issued_at.astimezone(station.config.tz)
    assert local.utcoffset() == dt.timedelta(hours=8)
    lines = [line.strip() for line in parse(out.read_bytes()).lines]
    assert any(line.endswith(f"{local:%H:%M}") for line in lines), lines
    assert not any(line.endswith(f"{issued_at.astimezone(UTC):%H:%M}") for line in lines)


# --- the verification page and `letter show` ---------------------------------------------


@pytest.fixture
def revoked(station_home: Path) -> Iterator[tuple[Station, dict]]:
    """A letter revoked at 2026-12-04T17:00Z, that is 5 December 01:00 WITA."""
    station = open_station(station_home)
    add_residents(station.db, station.office_id)
    add_operators(station, "ani", role="admin")
    _, letter = run_cli(*issue_args("SKD", WIFE))
    with station.db.write() as session:
        found = revoke_letter(
            session, station.office_id, letter["number"], reason="Data salah", operator="ani"
        )
        found.revoked_at = dt.datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    yield station, letter
    station.close()


def test_the_page_shows_the_office_day_of_a_revocation(revoked: tuple[Station, dict]) -> None:
    station, letter = revoked
    page = TestClient(create_app(station)).get(f"/v/{parse_qr(letter['qr'])}").text
    assert "DICABUT" in page
    assert "<dt>Dicabut</dt><dd>5 Desember 2026</dd>" in page
    assert "4 Desember 2026" not in page.split("<dt>Dicabut</dt>")[1]


def test_letter_show_reads_office_time(revoked: tuple[Station, dict]) -> None:
    _, letter = revoked
    text = _human("letter", "show", letter["number"])
    assert "Dicabut 5 Desember 2026 01.00 WITA: Data salah" in text


# --- `station nik check` -------------------------------------------------------------------


@pytest.mark.parametrize("initialised", [True, False], ids=["station", "no-station"])
@pytest.mark.parametrize(
    ("moment", "born"),
    [
        (dt.datetime(2026, 12, 31, 17, 0, tzinfo=UTC), "2027-01-01"),  # 1 Jan 01:00 WITA
        (dt.datetime(2026, 12, 31, 15, 0, tzinfo=UTC), "1927-01-01"),  # 31 Dec 23:00 WITA
    ],
)
def test_nik_check_judges_the_future_on_the_office_day(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    initialised: bool,
    moment: dt.datetime,
    born: str,
) -> None:
    if initialised:
        from station.home.context import init_station

        init_station(home, template=signed_template(home))
    _set_clock(monkeypatch, moment)
    result, data = run_cli("nik", "check", BORN_NEW_YEAR)
    assert result.exit_code == 0, result.output
    assert data["birth_date"] == born


# --- the year's end: the letter's Roman month, the day summary -----------------------------


def test_a_letter_issued_on_new_years_night_is_dated_by_the_office(
    station_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    station = open_station(station_home)
    try:
        add_residents(station.db, station.office_id)
        add_operators(station, "ani", role="admin")
    finally:
        station.close()
    _set_clock(monkeypatch, dt.datetime(2026, 12, 31, 16, 30, tzinfo=UTC))  # 00:30 WITA
    result, letter = run_cli(*issue_args("SKD", HEAD))
    assert result.exit_code == 0, result.output
    assert letter["number"].endswith("/I/2027"), letter["number"]
    assert letter["issued_on"] == "2027-01-01"
    shown = _human("letter", "show", letter["number"])
    assert "Terbit 1 Januari 2027 00.30 WITA" in shown
    _set_clock(monkeypatch, dt.datetime(2026, 12, 31, 17, 5, tzinfo=UTC))
    run_cli("letter", "revoke", letter["number"], "--reason", "Salah ketik", "--operator", "ani")
    _, data = run_cli("letter", "show", letter["number"])
    assert dt.datetime.fromisoformat(data["issued_at"]) == dt.datetime(
        2026, 12, 31, 16, 30, tzinfo=UTC
    )
    assert dt.datetime.fromisoformat(data["revoked_at"]) == dt.datetime(
        2026, 12, 31, 17, 5, tzinfo=UTC
    )
    assert "Dicabut 1 Januari 2027 01.05 WITA: Salah ketik" in _human(
        "letter", "show", letter["number"]
    )


def test_the_day_summary_of_new_years_day_is_not_in_the_future(
    station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set_clock(monkeypatch, dt.datetime(2026, 12, 31, 17, 0, tzinfo=UTC))
    signed = signed_summary(station, dt.date(2027, 1, 1))
    assert signed["summary"]["day"] == "2027-01-01"
    assert signed["summary"]["generated_at"] == "2027-01-01T01:00:00+08:00"


def test_residents_show_gives_the_last_change_in_office_time(
    station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_residents(station.db, station.office_id)
    add_operators(station, "ani", role="admin")
    from sqlalchemy import update

    from station.store.models import Resident

    with station.db.write() as session:
        session.execute(
            update(Resident)
            .where(Resident.nik == HEAD)
            .values(updated_at=dt.datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
        )
    text = _human("residents", "show", HEAD)
    assert "5 Desember 2026 01.00 WITA" in text


def test_a_backup_is_named_and_reported_in_office_time(
    station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station.home.backup import backup

    _set_clock(monkeypatch, dt.datetime(2026, 12, 4, 17, 0, tzinfo=UTC))  # 5 Dec 01:00 WITA
    path = backup(station, tmp_path)
    assert path.name.endswith("-20261205-010000.tar.gz"), path.name
    text = _human("restore", str(path), "--home", str(tmp_path / "restored"), "--yes")
    assert "(5 Desember 2026 01.00 WITA) dipulihkan" in text
