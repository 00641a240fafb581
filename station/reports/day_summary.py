"""End-of-day summary, signed with the office key so a printed or filed copy can be checked.

What it holds: tickets per service (taken, served, no-show, cancelled, not served, open), the
first and last letter number of the day, the one-visit completion rate
(station.reports.statistics), and
the operators on duty (anyone who acted at a counter or issued a letter that day).

The signature is Ed25519 (the office's active key, station.home.keys) over a domain-separated
canonical JSON text (sorted keys, no spaces, UTF-8), so it cannot be confused with a letter
seal and anyone with the office's public key can check it.

It also anchors the audit trail (docs/security.md): the summary signs the office's audit chain
head (``audit_head``: event count and newest hash) and, in the same writing transaction, the
summary is itself recorded as the chain's next event (``day.summary``, whose details repeat
the anchored head, the key id and the signature; its ``prev_hash`` is the anchored hash). So
the chain records every anchor made, and the events that follow, the next day's first among
them, chain onto it. A copy is written beside the backups (``write_anchor_file``); a copy kept
outside the database lets ``station audit verify --summary FILE`` find a chain cut short or
rewritten (``verify_anchors``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from station.home.keys import KeyFileError, active_key, load_signing_key, public_keys
from station.reports.statistics import TICKET_KEYS, Period, build_report, letter_rows
from station.store import audit
from station.store.errors import StationError
from station.store.models import Letter, Office, Operator, QueueEvent

FORMAT = 2  # 2: carries ``audit_head``
ANCHOR_PREFIX = "station-summary-"
DOMAIN = b"station-day-summary-v1\n"


class SummaryError(StationError):
    """The summary cannot be made (no key, a day to come); Indonesian."""


def canonical(summary: dict[str, Any]) -> bytes:
    text = json.dumps(summary, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return DOMAIN + text.encode("utf-8")


def _operators_on_duty(
    session: Session, office_id: int, day: dt.date, period: Period, tz: Any
) -> list[dict[str, str]]:
    names = dict(
        session.execute(
            select(Operator.username, Operator.display_name).where(Operator.office_id == office_id)
        ).all()
    )
    at_counters = session.scalars(
        select(QueueEvent.operator)
        .where(
            QueueEvent.office_id == office_id,
            QueueEvent.day == day,
            QueueEvent.counter_id.is_not(None),
            QueueEvent.operator.is_not(None),
        )
        .distinct()
    ).all()
    begin, after = period.utc_bounds(tz)
    issuers = session.scalars(
        select(Operator.username)
        .join(Letter, Letter.operator_id == Operator.id)
        .where(Letter.office_id == office_id, Letter.issued_at >= begin, Letter.issued_at < after)
        .distinct()
    ).all()
    usernames = sorted({u for u in (*at_counters, *issuers) if u in names})
    return [{"username": u, "name": names[u]} for u in usernames]


def build_summary(
    session: Session, office_id: int, tz: Any, day: dt.date, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The summary as plain data (what is signed)."""
    period = Period(day, day)
    report = build_report(session, office_id, tz, period)
    office = session.get(Office, office_id)
    letters = letter_rows(session, office_id, period, tz)
    services = {
        prefix: {"name": counts["name"], **{k: counts[k] for k in TICKET_KEYS}}
        for prefix, counts in report["tickets"]["by_service"].items()
    }
    return {
        "format": FORMAT,
        "office_code": office.code if office else "",
        "office_name": office.name if office else "",
        "day": day.isoformat(),
        "generated_at": (now or dt.datetime.now(dt.UTC)).astimezone(tz).isoformat("T", "seconds"),
        "services": services,
        "total": report["tickets"]["total"],
        "letters": {
            "count": len(letters),
            "revoked": report["letters"]["revoked"],
            "first": letters[0][0] if letters else None,
            "last": letters[-1][0] if letters else None,
        },
        "completion_rate": report["completion_rate"],
        "completed": report["completion"]["completed"],
        "operators": _operators_on_duty(session, office_id, day, period, tz),
    }


def sign(summary: dict[str, Any], key_id: str, private_key: Any) -> dict[str, Any]:
    signature = private_key.sign(canonical(summary))
    return {
        "summary": summary,
        "key_id": key_id,
        "signature": base64.urlsafe_b64encode(signature).decode("ascii").rstrip("="),
    }


def signed_summary(station: Any, day: dt.date, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Build and sign the summary of ``day`` with the office's active key, anchoring the audit
    chain's head now, and record it as the chain's next event (module docstring). ``now``
    defaults to the station's clock (what "today" and ``generated_at`` mean)."""
    now = now or station.clock.now()
    today = now.astimezone(station.config.tz).date()
    if day > today:
        raise SummaryError(f"Hari {day} belum tiba.")
    with station.db.read() as session:
        summary = build_summary(session, station.office_id, station.config.tz, day, now=now)
        key = active_key(session, station.office_id)
    if key is None:
        raise SummaryError("Kantor belum punya kunci tanda tangan. Jalankan: station keys rotate")
    try:
        private_key = load_signing_key(station.config.keys_dir, key.key_id)
    except KeyFileError as exc:
        raise SummaryError(str(exc)) from exc
    with station.db.write() as session:
        head = audit.chain_head(session, station.office_id)  # locked until the record below
        summary["audit_head"] = head.to_dict()
        signed = sign(summary, key.key_id, private_key)
        audit.record(
            session,
            office_id=station.office_id,
            action="day.summary",
            subject=day.isoformat(),
            details={
                "audit_head": head.to_dict(),
                "key_id": signed["key_id"],
                "signature": signed["signature"],
            },
        )
    return signed


def write_anchor_file(folder: Path, signed: dict[str, Any]) -> Path:
    """Write the signed summary as JSON into ``folder`` (the home's backups folder, mode 0700),
    mode 0600, never over an existing file; named by office, day and anchored event count,
    which grows with every summary (each one is itself an event)."""
    s = signed["summary"]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    except OSError as exc:
        raise SummaryError(f"Folder {folder} tidak dapat dipakai: {exc}") from exc
    code = str(s.get("office_code", "")).replace(".", "")
    events = int(s.get("audit_head", {}).get("events", 0))
    base = f"{ANCHOR_PREFIX}{code}-{s['day']}-{events:07d}"
    text = json.dumps(signed, ensure_ascii=False, indent=2) + "\n"
    for attempt in range(100):
        path = folder / (f"{base}.json" if attempt == 0 else f"{base}-{attempt}.json")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise SummaryError(f"Tidak dapat menulis ringkasan ke {path}: {exc}") from exc
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise SummaryError(f"Tidak dapat menulis ringkasan ke {path}: {exc}") from exc
        return path
    raise SummaryError(f"Tidak dapat menulis ringkasan ke {folder}: nama berkas sudah terpakai.")


def verify_signed(signed: dict[str, Any], keys: dict[str, bytes]) -> tuple[bool, str | None]:
    """(valid, reason) against ``keys`` (key id -> raw Ed25519 public key)."""
    try:
        summary = signed["summary"]
        key_id = signed["key_id"]
        text = signed["signature"]
        signature = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (KeyError, TypeError, ValueError):
        return False, "bentuk ringkasan tidak dikenal"
    raw = keys.get(key_id)
    if raw is None:
        return False, f"kunci {key_id} bukan kunci kantor ini"
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, canonical(summary))
    except (InvalidSignature, ValueError):
        return False, "tanda tangan tidak cocok: isi ringkasan telah diubah"
    return True, None


def verify_summary(
    session: Session, office_id: int, signed: dict[str, Any]
) -> tuple[bool, str | None]:
    return verify_signed(signed, public_keys(session, office_id))


def anchored_head(signed: dict[str, Any]) -> audit.Head | None:
    """The audit head a summary anchors, or None (a summary of format 1 carries none)."""
    head = signed.get("summary", {}).get("audit_head")
    try:
        events, digest = int(head["events"]), str(head["hash"])
    except (KeyError, TypeError, ValueError):
        return None
    if events < 0 or len(digest) != 64:
        return None
    return audit.Head(events, digest)


def verify_anchors(
    session: Session, office_id: int, summaries: list[tuple[str, Any]]
) -> list[dict[str, Any]]:
    """Check each ``(name, signed summary)`` against the office's audit chain.

    A summary is an anchor only if its signature verifies under one of the office's keys and it
    names this office; otherwise it is reported ``valid: False`` and anchors nothing. A valid
    one is ``ok`` when the chain still holds its head (``audit.check_anchors``)."""
    keys = public_keys(session, office_id)
    office = session.get(Office, office_id)
    results: list[dict[str, Any]] = []
    anchors: list[tuple[int, audit.Head]] = []
    for name, signed in summaries:
        entry: dict[str, Any] = {"file": name, "valid": False, "ok": False}
        ok, reason = verify_signed(signed, keys) if isinstance(signed, dict) else (False, None)
        ok = ok and isinstance(signed.get("summary"), dict)
        head = anchored_head(signed) if ok else None
        if not ok:
            entry["problem"] = f"ringkasan tidak sah: {reason or 'bentuk tidak dikenal'}"
        elif office is None or signed["summary"].get("office_code") != office.code:
            entry["problem"] = "ringkasan ini bukan milik kantor ini"
        elif head is None:
            entry["problem"] = "ringkasan tidak memuat kepala jejak audit (dibuat Station lama)"
        else:
            entry.update(valid=True, day=signed["summary"].get("day"), **head.to_dict())
            anchors.append((len(results), head))
        results.append(entry)
    checks = audit.check_anchors(session, office_id, [head for _, head in anchors])
    for (index, _), check in zip(anchors, checks, strict=True):
        results[index].update(ok=check.ok, problem=check.problem)
    return results


def summary_text(signed: dict[str, Any]) -> str:
    """The summary for the terminal (Indonesian)."""
    s = signed["summary"]
    lines = [f"Ringkasan hari {s['day']} - {s['office_name']}", ""]
    lines.append(f"{'Layanan':<8}{'Ambil':>7}{'Layani':>8}{'Absen':>7}{'Batal':>7}{'Tdk':>6}")
    rows = [*s["services"].items(), ("Jumlah", s["total"])]
    for name, c in rows:
        lines.append(
            f"{name:<8}{c['taken']:>7}{c['served']:>8}{c['no_show']:>7}{c['cancelled']:>7}"
            f"{c['not_served'] + c['open']:>6}"
        )
    letters = s["letters"]
    lines.append("")
    lines.append(f"Surat: {letters['count']} (dicabut {letters['revoked']})")
    if letters["first"]:
        lines.append(f"  Nomor pertama: {letters['first']}")
        lines.append(f"  Nomor terakhir: {letters['last']}")
    rate = s["completion_rate"]
    lines.append(f"Selesai satu kunjungan: {'-' if rate is None else f'{rate:.2f}%'}")
    duty = ", ".join(o["name"] for o in s["operators"]) or "-"
    lines.append(f"Petugas bertugas: {duty}")
    head = anchored_head(signed)
    if head is not None:
        lines.append(f"Jejak audit: {head.events} peristiwa, kepala {head.hash}")
    lines.append(f"Ditandatangani kunci {signed['key_id']}")
    return "\n".join(lines)
