"""The audit chain: every edit, insertion or deletion is found, and the first broken link named."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from station.home.context import open_station
from station.store import audit
from station.store.models import AuditEvent, Sequence


def _write_events(station_home: Path, count: int) -> list[int]:
    station = open_station(station_home)
    ids = []
    try:
        for index in range(count):
            with station.db.write() as session:
                event = audit.record(
                    session,
                    office_id=station.office_id,
                    action="resident.lookup",
                    subject=f"53710317089{index:05d}",
                    details={"found": index % 2 == 0, "purpose": "uji ünïcode"},
                    operator="yohana",
                )
                ids.append(event.id)
    finally:
        station.close()
    return ids


def _verify(station_home: Path) -> audit.ChainReport:
    station = open_station(station_home)
    try:
        with station.db.read() as session:
            return audit.verify_chain(session, station.office_id)
    finally:
        station.close()


def _tamper(station_home: Path, statement) -> None:  # type: ignore[no-untyped-def]
    station = open_station(station_home)
    try:
        with station.db.write() as session:
            session.execute(statement)
    finally:
        station.close()


def test_intact_chain_verifies(station_home: Path) -> None:
    _write_events(station_home, 5)
    report = _verify(station_home)
    assert report.ok and report.broken_at is None
    assert report.events == 6  # five lookups after the init event


def test_edited_row_is_found(station_home: Path) -> None:
    ids = _write_events(station_home, 5)
    _tamper(
        station_home,
        update(AuditEvent).where(AuditEvent.id == ids[2]).values(operator="petrus"),
    )
    report = _verify(station_home)
    assert not report.ok and report.broken_at == ids[2]
    assert "diubah" in (report.problem or "")


def test_deleted_middle_row_is_found(station_home: Path) -> None:
    ids = _write_events(station_home, 5)
    _tamper(station_home, delete(AuditEvent).where(AuditEvent.id == ids[1]))
    report = _verify(station_home)
    assert not report.ok and report.broken_at == ids[2]


def test_deleted_newest_row_is_found(station_home: Path) -> None:
    ids = _write_events(station_home, 3)
    _tamper(station_home, delete(AuditEvent).where(AuditEvent.id == ids[-1]))
    report = _verify(station_home)
    assert not report.ok
    assert report.broken_at == ids[-1]


def test_inserted_row_is_found(station_home: Path) -> None:
    ids = _write_events(station_home, 3)
    station = open_station(station_home)
    try:
        with station.db.write() as session:
            last = session.get_one(AuditEvent, ids[-1])
            forged = AuditEvent(
                office_id=last.office_id,
                at=last.at,
                operator="mallory",
                action="resident.lookup",
                subject="5371031708900001",
                details={},
                prev_hash=last.hash,
                hash="f" * 64,
            )
            session.add(forged)
            session.flush()
            session.execute(
                update(Sequence).where(Sequence.scope == "audit").values(last_value=forged.id)
            )
            forged_id = forged.id
    finally:
        station.close()
    report = _verify(station_home)
    assert not report.ok and report.broken_at == forged_id


@pytest.mark.parametrize("details", [{"n": 1.5, "list": [1, "a"], "nested": {"b": None}}, {}])
def test_details_survive_storage(station_home: Path, details: dict) -> None:
    station = open_station(station_home)
    try:
        with station.db.write() as session:
            audit.record(session, office_id=station.office_id, action="x", details=details)
        with station.db.read() as session:
            stored = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
            assert stored is not None and stored.details == details
            assert audit.event_hash(stored) == stored.hash
    finally:
        station.close()


def _cli_verify() -> tuple[int, dict]:
    import json

    from click.testing import CliRunner

    from station.cli import cli

    result = CliRunner().invoke(cli, ["audit", "verify", "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_cli_verify_reports_the_first_broken_link(station_home: Path) -> None:
    ids = _write_events(station_home, 4)
    assert _cli_verify() == (0, {"ok": True, "events": 5, "broken_at": None, "problem": None})
    _tamper(
        station_home,
        update(AuditEvent).where(AuditEvent.id == ids[1]).values(details={"found": True}),
    )
    code, data = _cli_verify()
    assert code == 1 and data["broken_at"] == ids[1] and "rusak" in data["error"]


def test_deleted_first_row_is_found(station_home: Path) -> None:
    _write_events(station_home, 2)
    station = open_station(station_home)
    try:
        with station.db.read() as session:
            first = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
            assert first is not None
            first_id = first.id
    finally:
        station.close()
    _tamper(station_home, delete(AuditEvent).where(AuditEvent.id == first_id))
    code, data = _cli_verify()
    assert code == 1 and data["broken_at"] == first_id + 1


def test_edit_with_recomputed_row_hash_is_found(station_home: Path) -> None:
    """A forger who rehashes the edited row still breaks the next row's link."""
    ids = _write_events(station_home, 4)
    station = open_station(station_home)
    try:
        with station.db.write() as session:
            row = session.get_one(AuditEvent, ids[1])
            row.subject = "5371039999900009"
            row.hash = audit.event_hash(row)
    finally:
        station.close()
    code, data = _cli_verify()
    assert code == 1 and data["broken_at"] == ids[2]
    assert "disisipkan" in data["problem"]


# --- channel and OS user (migration 0008) ---------------------------------------------------


def test_events_record_the_channel_and_os_user_and_both_are_hashed(station_home: Path) -> None:
    station = open_station(station_home, channel="app")
    try:
        with station.db.write() as session:
            event = audit.record(
                session, office_id=station.office_id, action="resident.lookup", operator="ani"
            )
            event_id = event.id
        with station.db.read() as session:
            stored = session.get(AuditEvent, event_id)
            assert stored is not None
            assert (stored.channel, stored.os_user) == ("app", audit.os_user())
            assert stored.os_user
    finally:
        station.close()
    # saying the act came from elsewhere, or blanking both, breaks the chain
    _tamper(station_home, update(AuditEvent).where(AuditEvent.id == event_id).values(channel="web"))
    assert _verify(station_home).broken_at == event_id
    _tamper(
        station_home,
        update(AuditEvent).where(AuditEvent.id == event_id).values(channel=None, os_user=None),
    )
    assert _verify(station_home).broken_at == event_id


def test_events_from_before_migration_0008_still_verify(station_home: Path) -> None:
    """An event without channel and OS user is hashed as before 0008, so an old chain stays
    valid; the events written after it carry both."""
    import hashlib

    _write_events(station_home, 1)
    station = open_station(station_home)
    try:
        with station.db.write() as session:
            # an event as release 0007 wrote it: no channel, no OS user, the old hash
            old = audit.record(session, office_id=station.office_id, action="old.event")
            old.channel = old.os_user = None
            payload = audit._canonical(
                old.office_id, old.at, old.operator, old.action, old.subject, old.details,
                old.prev_hash,
            )  # fmt: skip
            assert b"channel" not in payload
            old.hash = hashlib.sha256(payload).hexdigest()
    finally:
        station.close()
    _write_events(station_home, 2)
    report = _verify(station_home)
    assert report.ok, report.problem
