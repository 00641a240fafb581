"""End-of-day summary, signed with the office key so a printed or filed copy can be checked.

What it holds: tickets per service (taken, served, no-show, cancelled, not served, open), the
first and last letter number of the day, the one-visit completion rate
(station.reports.statistics), and
the operators on duty (anyone who acted at a counter or issued a letter that day).

The signature is Ed25519 (the office's active key, station.home.keys) over a domain-separated
canonical JSON text (sorted keys, no spaces, UTF-8), so it cannot be confused with a letter
seal and anyone with the office's public key can check it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from station.home.keys import KeyFileError, active_key, load_signing_key, public_keys
from station.reports.statistics import TICKET_KEYS, Period, build_report, letter_rows
from station.store.errors import StationError
from station.store.models import Letter, Office, Operator, QueueEvent

FORMAT = 1
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
    """Build and sign the summary of ``day`` with the office's active key."""
    today = (now or dt.datetime.now(dt.UTC)).astimezone(station.config.tz).date()
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
    return sign(summary, key.key_id, private_key)


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
    lines.append(f"Ditandatangani kunci {signed['key_id']}")
    return "\n".join(lines)
