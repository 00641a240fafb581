"""Append-only audit trail, one hash chain per office.

Each event's hash covers its content and the previous event's hash; the office's ``audit``
sequence row holds the id of the newest event. Editing, inserting or deleting any row, the
newest included, therefore breaks the chain, and ``verify_chain`` names the first broken link.
Events are written in the caller's transaction, so an act and its record commit together.

The chain uses no secret, so whoever holds the database can delete its newest rows (and fix the
pointer) or rewrite it whole with recomputed hashes. The signed day summary anchors it
(station.reports.day_summary): it signs the head (event count and hash, ``chain_head``), and
``check_anchors`` proves that the chain still holds each anchored head (docs/security.md).

Each event names its channel (the face that opened the station: ``app``, ``cli``, ``kiosk``,
``board``, ``box``, ``web``; a write session carries it in ``session.info["channel"]``, set by
``Database.write``) and the OS user of the process. Events written before migration 0008 have
neither and are hashed as they were; an event that has either is hashed with both, so blanking
them on a newer event breaks its hash like any other edit.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.store.models import AuditEvent, Sequence, utcnow

GENESIS = "0" * 64
AUDIT_SCOPE = "audit"
CHANNELS = ("app", "cli", "kiosk", "board", "box", "web")
CHANNEL_KEY = "channel"  # the key of ``Session.info`` that names the channel


@functools.cache
def os_user() -> str:
    """The OS account this process runs as, for the audit trail; never fails (a container
    without a passwd entry gives the numeric uid)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError, ImportError):
        name = ""
    if not name:
        import os

        getuid = getattr(os, "getuid", None)
        name = f"uid:{getuid()}" if getuid is not None else "?"
    return name[:64]


def _canonical(
    office_id: int,
    at: dt.datetime,
    operator: str | None,
    action: str,
    subject: str | None,
    details: dict[str, Any],
    prev_hash: str,
    channel: str | None = None,
    os_user: str | None = None,
) -> bytes:
    payload: dict[str, Any] = {
        "office_id": office_id,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "operator": operator,
        "action": action,
        "subject": subject,
        "details": details,
        "prev": prev_hash,
    }
    if channel is not None or os_user is not None:  # events since migration 0008
        payload["channel"] = channel
        payload["os_user"] = os_user
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(event: AuditEvent) -> str:
    data = _canonical(
        event.office_id,
        event.at,
        event.operator,
        event.action,
        event.subject,
        event.details,
        event.prev_hash,
        event.channel,
        event.os_user,
    )
    return hashlib.sha256(data).hexdigest()


def _chain_head(session: Session, office_id: int) -> Sequence:
    """The office's chain pointer, locked for this transaction (SQLite: BEGIN IMMEDIATE
    already serialises writers; PostgreSQL: FOR UPDATE)."""
    stmt = select(Sequence).where(Sequence.office_id == office_id, Sequence.scope == AUDIT_SCOPE)
    head = session.scalars(stmt.with_for_update()).one_or_none()
    if head is None:
        head = Sequence(office_id=office_id, scope=AUDIT_SCOPE, last_value=0)
        session.add(head)
        session.flush()
    return head


def record(
    session: Session,
    *,
    office_id: int,
    action: str,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
    operator: str | None = None,
) -> AuditEvent:
    """Append one event in the caller's (writing) transaction, with the session's channel
    (``session.info["channel"]``) and the process's OS user."""
    head = _chain_head(session, office_id)
    prev_hash = GENESIS
    if head.last_value:
        found = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == head.last_value))
        if found is None:
            raise RuntimeError("audit chain head points at a missing event; run audit verify")
        prev_hash = found
    # Round-trip details through JSON now, so the stored form is exactly what was hashed.
    clean_details = json.loads(json.dumps(details or {}, ensure_ascii=False, default=str))
    now = utcnow()
    event = AuditEvent(
        office_id=office_id,
        at=now,
        operator=operator,
        action=action,
        subject=subject,
        details=clean_details,
        prev_hash=prev_hash,
        hash="",
        channel=session.info.get(CHANNEL_KEY),
        os_user=os_user(),
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    head.last_value = event.id
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    broken_at: int | None  # id of the first event that does not fit, or None
    problem: str | None  # Indonesian, for the admin

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "broken_at": self.broken_at,
            "problem": self.problem,
        }


def _events(session: Session, office_id: int) -> Iterator[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.office_id == office_id)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000)
    )
    yield from session.scalars(stmt)


def verify_chain(session: Session, office_id: int) -> ChainReport:
    """Walk the office's chain from the start and report the first link that does not fit."""
    prev_hash = GENESIS
    count = 0
    last_id = 0
    for event in _events(session, office_id):
        count += 1
        if event.prev_hash != prev_hash:
            return ChainReport(
                False,
                count,
                event.id,
                f"Peristiwa #{event.id} tidak menyambung ke peristiwa sebelumnya "
                "(ada baris yang dihapus atau disisipkan).",
            )
        if event_hash(event) != event.hash:
            return ChainReport(False, count, event.id, f"Isi peristiwa #{event.id} telah diubah.")
        prev_hash = event.hash
        last_id = event.id
    head = session.scalar(
        select(Sequence.last_value).where(
            Sequence.office_id == office_id, Sequence.scope == AUDIT_SCOPE
        )
    )
    if (head or 0) != last_id:
        return ChainReport(
            False,
            count,
            head or last_id,
            f"Peristiwa terakhir tercatat #{head or 0}, tetapi rantai berakhir di #{last_id} "
            "(ada baris terakhir yang dihapus atau disisipkan).",
        )
    return ChainReport(True, count, None, None)


# --- anchors: heads signed outside the database ---------------------------------------------


@dataclass(frozen=True)
class Head:
    """The chain's head: how many events the office's chain holds and the newest one's hash."""

    events: int
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"events": self.events, "hash": self.hash}


def chain_head(session: Session, office_id: int) -> Head:
    """The office's head, with the pointer locked as ``record`` locks it: call it in the writing
    transaction that records the anchor, so no event can slip between the head and the record."""
    pointer = _chain_head(session, office_id)
    if not pointer.last_value:
        return Head(0, GENESIS)
    newest = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == pointer.last_value))
    if newest is None:
        raise RuntimeError("audit chain head points at a missing event; run audit verify")
    count = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.office_id == office_id, AuditEvent.id <= pointer.last_value)
    )
    return Head(int(count or 0), newest)


@dataclass(frozen=True)
class AnchorCheck:
    anchor: Head
    ok: bool
    problem: str | None  # Indonesian, for the admin

    def to_dict(self) -> dict[str, Any]:
        return {**self.anchor.to_dict(), "ok": self.ok, "problem": self.problem}


def check_anchors(session: Session, office_id: int, anchors: list[Head]) -> list[AnchorCheck]:
    """Whether the chain still holds each anchored head: the event at position ``events`` (1 is
    the office's first) must still have ``hash``. Together with ``verify_chain`` (every link
    from the start, so also from the anchor onward) this finds a chain cut short below an
    anchor and a chain rewritten with recomputed hashes (docs/security.md)."""
    wanted = {anchor.events for anchor in anchors}
    found: dict[int, str] = {0: GENESIS}
    count = 0
    stmt = (
        select(AuditEvent.hash)
        .where(AuditEvent.office_id == office_id)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000)
    )
    for event_hash_ in session.scalars(stmt):
        count += 1
        if count in wanted:
            found[count] = event_hash_
    checks = []
    for anchor in anchors:
        held = found.get(anchor.events)
        short = f"#{anchor.events} ({anchor.hash[:16]}…)"
        if held is None:
            problem: str | None = (
                f"Kepala bertanda tangan {short} tidak ada lagi: rantai kini hanya {count} "
                "peristiwa (peristiwa terakhir telah dihapus)."
            )
        elif held != anchor.hash:
            problem = (
                f"Kepala bertanda tangan {short} tidak cocok: peristiwa ke-{anchor.events} kini "
                f"ber-hash {held[:16]}… (rantai telah ditulis ulang)."
            )
        else:
            problem = None
        checks.append(AnchorCheck(anchor, problem is None, problem))
    return checks


# --- reading the trail (audit viewer) ------------------------------------------------------


def query_events(
    session: Session,
    office_id: int,
    *,
    operator: str | None = None,
    action: str | None = None,
    subject: str | None = None,
    day: dt.date | None = None,
    tz: Any = None,
    limit: int = 500,
) -> list[AuditEvent]:
    """The office's events, newest first, filtered for the admin's audit viewer.

    ``operator`` and ``subject`` match exactly (a NIK is searched whole, never by prefix:
    docs/domain.md §5); ``action`` matches a whole action or a group prefix such as ``queue.``;
    ``day`` is an office-local day (``tz``). Bounded by ``limit``.
    """
    stmt = select(AuditEvent).where(AuditEvent.office_id == office_id)
    if operator:
        stmt = stmt.where(AuditEvent.operator == operator.strip())
    if action:
        wanted = action.strip()
        if wanted.endswith("."):
            stmt = stmt.where(AuditEvent.action.startswith(wanted, autoescape=True))
        else:
            stmt = stmt.where(AuditEvent.action == wanted)
    if subject:
        stmt = stmt.where(AuditEvent.subject == subject.strip())
    if day is not None:
        zone = tz or dt.UTC
        begin = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        stmt = stmt.where(
            AuditEvent.at >= begin.astimezone(dt.UTC),
            AuditEvent.at < (begin + dt.timedelta(days=1)).astimezone(dt.UTC),
        )
    stmt = stmt.order_by(AuditEvent.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def known_actions(session: Session, office_id: int) -> list[str]:
    """Distinct actions of the office's trail (for the viewer's hint), sorted."""
    stmt = select(AuditEvent.action).where(AuditEvent.office_id == office_id).distinct()
    return sorted(session.scalars(stmt))
