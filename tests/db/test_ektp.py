"""e-KTP recording: the count of obliged residents without a recording must equal an
independent count over the register (imported synthetic residents plus hand-made edge cases)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from station.cli import cli
from station.home.context import Station, open_station
from station.home.demo_data import write_csv
from station.register.ektp import (
    EktpError,
    age_cutoff,
    export_unrecorded,
    mark_recorded,
    unrecorded_breakdown,
    unrecorded_count,
)
from station.register.importing.bulk import import_file
from station.store.models import AuditEvent, Resident
from tests.helpers.cli_auth import add_operators

TODAY = dt.date(2026, 1, 1)


@pytest.fixture
def register(station_home: Path, tmp_path: Path) -> Iterator[Station]:
    station = open_station(station_home)
    path = tmp_path / "residents.csv"
    write_csv(path, 600, today=TODAY)
    import_file(station.db, station.office_id, path, operator="test", today=TODAY)
    add_operators(station, "ani")
    with station.db.write() as session:  # some leave the register: they must not count
        ids = session.scalars(select(Resident.id).order_by(Resident.id)).all()
        session.execute(update(Resident).where(Resident.id.in_(ids[::17])).values(status="moved"))
        session.execute(
            update(Resident).where(Resident.id.in_(ids[5::23])).values(status="deceased")
        )
    try:
        yield station
    finally:
        station.close()


def _age(birth: dt.date, today: dt.date) -> int:
    """Completed years, counted the long way round (independent of the module)."""
    years = 0
    while True:
        try:
            anniversary = birth.replace(year=birth.year + years + 1)
        except ValueError:  # 29 February: the birthday is reached on 1 March
            anniversary = dt.date(birth.year + years + 1, 3, 1)
        if anniversary > today:
            return years
        years += 1


def _independent(station: Station, today: dt.date) -> tuple[int, Counter[tuple[str, str]]]:
    with station.db.read() as session:
        people = session.scalars(select(Resident)).all()
    per_place: Counter[tuple[str, str]] = Counter()
    for p in people:
        obliged = _age(p.birth_date, today) >= 17 or p.marital_status not in ("", "BELUM KAWIN")
        if p.status == "active" and obliged and not p.ektp_recorded:
            per_place[(p.rw, p.rt)] += 1
    return sum(per_place.values()), per_place


def test_count_matches_the_register(register: Station) -> None:
    expected, per_place = _independent(register, TODAY)
    with register.db.read() as session:
        assert unrecorded_count(session, register.office_id, TODAY) == expected
        breakdown = unrecorded_breakdown(session, register.office_id, TODAY)
    assert expected > 50  # the synthetic register leaves about a third unrecorded
    assert breakdown["count"] == expected
    flat = {(rw, rt): n for rw, e in breakdown["by_rw"].items() for rt, n in e["by_rt"].items()}
    assert flat == dict(per_place)
    assert all(e["count"] == sum(e["by_rt"].values()) for e in breakdown["by_rw"].values())


def _person(nik: str, birth: dt.date, marital: str = "BELUM KAWIN", **extra: object) -> Resident:
    return Resident(
        nik=nik,
        kk_number="5371030101150099",
        name="UJI",
        birth_date=birth,
        sex="L",
        marital_status=marital,
        rt="001",
        rw="001",
        **extra,
    )


def test_edges_of_the_obligation(station_home: Path) -> None:
    station = open_station(station_home)
    today = dt.date(2025, 2, 28)
    people = [
        _person("5371032802080001", dt.date(2008, 2, 28)),  # 17 today: obliged
        _person("5371030103080001", dt.date(2008, 3, 1)),  # 17 tomorrow: not yet
        _person("5371032902080001", dt.date(2008, 2, 29)),  # 17 on 1 March: not yet
        _person("5371030101100001", dt.date(2010, 1, 1), "KAWIN"),  # married at 15: obliged
        _person("5371030101100002", dt.date(2010, 1, 1), "CERAI HIDUP"),  # ever married
        _person("5371030101100003", dt.date(2010, 1, 1), ""),  # unknown status, young: not
        _person("5371030101800001", dt.date(1980, 1, 1), ektp_recorded=True),  # recorded
        _person("5371030101800002", dt.date(1980, 1, 1), status="deceased"),
    ]
    try:
        with station.db.write() as session:
            for person in people:
                person.office_id = station.office_id
                session.add(person)
        with station.db.read() as session:
            assert unrecorded_count(session, station.office_id, today) == 3
            nxt = today + dt.timedelta(days=1)  # 1 March 2025: both 2008 births are 17
            assert unrecorded_count(session, station.office_id, nxt) == 5
        expected, _ = _independent(station, today)
        assert expected == 3
    finally:
        station.close()
    assert age_cutoff(dt.date(2028, 2, 29)) == dt.date(2011, 2, 28)


def test_mark_recorded_is_audited_and_lowers_the_count(register: Station) -> None:
    with register.db.read() as session:
        before = unrecorded_count(session, register.office_id, TODAY)
        export = io.StringIO()
    with register.db.write() as session:
        rows = export_unrecorded(session, register.office_id, TODAY, export, operator="ani")
    assert rows == before
    listed = list(csv.DictReader(io.StringIO(export.getvalue())))
    assert len(listed) == before and all(int(r["age"]) >= 0 for r in listed)
    nik = listed[0]["nik"]
    with register.db.write() as session:
        done = mark_recorded(session, register.office_id, nik, TODAY, "ani", today=TODAY)
    assert done["recorded_on"] == "2026-01-01" and nik not in done["nik_masked"]
    with register.db.read() as session:
        assert unrecorded_count(session, register.office_id, TODAY) == before - 1
        person = session.scalars(select(Resident).where(Resident.nik == nik)).one()
        assert person.ektp_recorded and person.ektp_recorded_on == TODAY
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.action == "resident.ektp_recorded"
        assert event.subject == nik and event.operator == "ani"
    with register.db.write() as session, pytest.raises(EktpError, match="sudah tercatat"):
        mark_recorded(session, register.office_id, nik, TODAY, "ani", today=TODAY)
    with register.db.write() as session, pytest.raises(EktpError, match="belum tiba"):
        mark_recorded(session, register.office_id, listed[1]["nik"], dt.date(2026, 1, 2), "ani",
                      today=TODAY)  # fmt: skip
    with register.db.write() as session, pytest.raises(EktpError, match="tidak ada"):
        mark_recorded(session, register.office_id, "5371031708900001", TODAY, "ani", today=TODAY)


def test_cli(register: Station, tmp_path: Path) -> None:
    runner = CliRunner()
    status = runner.invoke(cli, ["ektp", "status", "--json"])
    assert status.exit_code == 0, status.output
    count = json.loads(status.stdout)["count"]
    target = tmp_path / "belum.csv"
    listed = runner.invoke(cli, ["ektp", "list", "--output", str(target), "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout)["count"] == count
    nik = next(csv.DictReader(target.open()))["nik"]
    marked = runner.invoke(
        cli, ["ektp", "mark", nik, "--date", "2025-12-01", "--operator", "ani", "--json"]
    )
    assert marked.exit_code == 0, marked.output
    again = runner.invoke(cli, ["ektp", "mark", nik, "--operator", "ani", "--json"])
    assert again.exit_code == 1 and "sudah" in json.loads(again.stdout)["error"]
    after = json.loads(runner.invoke(cli, ["ektp", "status", "--json"]).stdout)["count"]
    assert after == count - 1
    usage = runner.invoke(cli, ["ektp", "mark", nik])
    assert usage.exit_code == 2  # --operator is required
