"""The audit trail's anchor: the signed day summary carries the chain's head, and
``station audit verify --summary FILE`` finds a chain cut short or rewritten whole, which the
chain alone cannot (docs/security.md)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import delete, select, update

from station.cli import cli
from station.home.context import open_station
from station.store import audit
from station.store.models import AuditEvent, Sequence


def _write_events(home: Path, count: int) -> None:
    station = open_station(home)
    try:
        for index in range(count):
            with station.db.write() as session:
                audit.record(
                    session,
                    office_id=station.office_id,
                    action="resident.lookup",
                    subject=f"53710317089{index:05d}",
                    details={"purpose": "uji"},
                    operator="yohana",
                )
    finally:
        station.close()


def _summary() -> tuple[Path, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["day", "summary", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return Path(data["anchor_file"]), data


def _verify(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["audit", "verify", "--json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _events(home: Path) -> list[AuditEvent]:
    station = open_station(home)
    try:
        with station.db.read() as session:
            events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
            session.expunge_all()
            return events
    finally:
        station.close()


def test_the_summary_anchors_the_head_and_is_chained(station_home: Path) -> None:
    _write_events(station_home, 3)
    before = _events(station_home)
    anchor, data = _summary()
    head = data["summary"]["audit_head"]
    assert head == {"events": len(before), "hash": before[-1].hash}
    # Written beside the backups, private, and the same signed summary that was printed.
    station = open_station(station_home)
    try:
        assert anchor.parent == station.config.backups_dir
    finally:
        station.close()
    assert stat.S_IMODE(anchor.stat().st_mode) == 0o600
    assert json.loads(anchor.read_text())["signature"] == data["signature"]
    # The summary is the chain's next event; it names the head it anchors.
    recorded = _events(station_home)[-1]
    assert recorded.action == "day.summary" and recorded.prev_hash == head["hash"]
    assert recorded.details["audit_head"] == head
    assert recorded.details["signature"] == data["signature"]
    _write_events(station_home, 2)  # the next day goes on from the anchor
    code, report = _verify("--summary", str(anchor))
    assert code == 0, report
    assert report["anchors"] == [
        {"file": str(anchor), "valid": True, "ok": True, "problem": None,
         "day": data["summary"]["day"], **head}
    ]  # fmt: skip


def test_deleting_the_newest_rows_is_found_against_the_summary(station_home: Path) -> None:
    _write_events(station_home, 4)
    anchor, data = _summary()
    anchored = data["summary"]["audit_head"]["events"]
    _write_events(station_home, 2)
    events = _events(station_home)
    keep = events[: anchored - 2]  # cut the last rows, the anchored head among them
    station = open_station(station_home)
    try:
        with station.db.write() as session:
            session.execute(delete(AuditEvent).where(AuditEvent.id > keep[-1].id))
            session.execute(
                update(Sequence)
                .where(Sequence.office_id == station.office_id, Sequence.scope == "audit")
                .values(last_value=keep[-1].id)
            )
    finally:
        station.close()
    assert _verify()[0] == 0  # the chain alone cannot tell
    code, report = _verify("--summary", str(anchor))
    assert code == 1
    assert f"#{anchored}" in report["error"] and "tidak ada lagi" in report["error"]
    assert report["anchors"][0]["ok"] is False


def test_a_rewritten_chain_is_found_against_the_summary(station_home: Path) -> None:
    _write_events(station_home, 3)
    anchor, data = _summary()
    events = _events(station_home)
    station = open_station(station_home)
    try:
        with station.db.write() as session:
            prev = audit.GENESIS
            for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
                if event.action == "resident.lookup":
                    event.operator = "mallory"  # blame someone else, and rehash everything
                event.prev_hash = prev
                event.hash = audit.event_hash(event)
                prev = event.hash
    finally:
        station.close()
    assert _verify() == (0, {"ok": True, "events": len(events), "broken_at": None,
                             "problem": None})  # fmt: skip
    code, report = _verify("--summary", str(anchor))
    assert code == 1 and "ditulis ulang" in report["error"]
    assert f"#{data['summary']['audit_head']['events']}" in report["error"]


def test_a_summary_whose_signature_fails_is_refused(station_home: Path, tmp_path: Path) -> None:
    anchor, data = _summary()
    forged = tmp_path / "forged.json"
    data["summary"]["audit_head"]["hash"] = "a" * 64  # an anchor of the forger's choosing
    forged.write_text(json.dumps({k: data[k] for k in ("summary", "key_id", "signature")}))
    code, report = _verify("--summary", str(anchor), str(forged))
    assert code == 1 and "ditolak" in report["error"] and "forged.json" in report["error"]
    assert [a["valid"] for a in report["anchors"]] == [True, False]
