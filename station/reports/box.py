"""The lurah sees the Service Box (issue 16, point 8): tickets and letters by channel and by
hour, outside opening hours included; letter requests waiting and overdue; refused attempts at
the box, counted by reason and never with a NIK; and the city's promise ("bisa diakses 24
jam") as a figure: letters issued outside opening hours, per week.

Where the figures come from (all bounded by the period, docs/architecture.md §Data model):
- **Tickets**: the queue's ``issued`` events (``queue_event``) whose moment ``at`` lies in the
  period. The channel is ``details["channel"]`` when the taker said it (the box and letter
  requests pass ``channel="box"`` to ``take_ticket``); otherwise an event without an operator
  is the kiosk's and one with an operator a counter's. A request's ticket belongs to the next
  opening day (its ``day``) but is counted at the hour it was taken.
- **Letters**: ``letter.channel`` (``counter`` or ``box``, migration 0009) and ``issued_at``.
- **Requests**: ``letter_request`` (station.letters.requests): made in the period by status,
  and those waiting now, overdue when past their ``ready_on`` day. Pickup codes and types
  only; names and NIKs stay in ``station requests list``.
- **Refused attempts**: audit events written by the box (station.letters.box,
  station.register.pins), counted by ``details["reason"]`` only:

  ===================  ===============================================  ==============
  audit action         details.reason                                   counted as
  ===================  ===============================================  ==============
  ``box.pin_refused``  ``wrong_pin``, ``unknown`` (unknown NIK)         ``wrong_pin``
  ``box.pin_refused``  ``locked``, ``locked_now`` (5th wrong PIN)       ``locked``
  ``box.refused``      ``not_eligible``                                 ``not_eligible``
  ``box.refused``      ``limit`` (letters per NIK per day)              ``limit``
  ``box.refused``      ``paused`` (the box paused: NIK guessing)        ``paused``
  ``box.refused``      anything else (``not_offered`` …)                ``other``
  ===================  ===============================================  ==============

  An unknown NIK and a wrong PIN look the same at the box and are counted together.
- **Outside opening hours**: the moment, in office time, is not inside ``[kiosk]
  opening_hours`` (station.office.opening_hours).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.office.opening_hours import DEFAULT_OPENING_HOURS, OpeningHours, parse_opening_hours
from station.store.models import AuditEvent, Letter, LetterRequest, QueueEvent, Ticket

TICKET_CHANNELS = ("counter", "kiosk", "box")
LETTER_CHANNELS = ("counter", "box")
REFUSAL_KINDS = ("wrong_pin", "locked", "not_eligible", "limit", "paused", "other")
REFUSAL_ACTIONS = ("box.pin_refused", "box.refused")
_REASON_KIND = {
    "wrong_pin": "wrong_pin",
    "unknown": "wrong_pin",
    "locked": "locked",
    "locked_now": "locked",
    "not_eligible": "not_eligible",
    "limit": "limit",
    "paused": "paused",
}
REFUSAL_LABELS = {
    "wrong_pin": "PIN salah / NIK tidak dikenal",
    "locked": "NIK terkunci",
    "not_eligible": "Tidak memenuhi syarat",
    "limit": "Batas harian",
    "paused": "Mesin berhenti (tebakan NIK)",
    "other": "Lainnya",
}
CHANNEL_LABELS = {"counter": "loket", "kiosk": "kios", "box": "mesin layanan mandiri"}
# A request's ticket is for the next opening day: at most a week after it was taken.
_REQUEST_DAYS_AHEAD = 8


def ticket_channel(operator: str | None, details: dict[str, Any] | None) -> str:
    """The channel of an ``issued`` queue event (module docstring)."""
    said = (details or {}).get("channel")
    if said in TICKET_CHANNELS:
        return str(said)
    return "kiosk" if not operator else "counter"


def refusal_kind(reason: Any) -> str:
    return _REASON_KIND.get(str(reason or ""), "other")


def week_label(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _weeks(period: Any) -> dict[str, dict[str, Any]]:
    weeks: dict[str, dict[str, Any]] = {}
    day = period.start
    while day <= period.end:
        label = week_label(day)
        if label not in weeks:
            monday = day - dt.timedelta(days=day.weekday())
            weeks[label] = {"from": monday.isoformat(), "letters": 0, "box": 0}
        day += dt.timedelta(days=1)
    return weeks


def box_part(
    session: Session,
    office_id: int,
    tz: ZoneInfo,
    period: Any,
    *,
    hours: OpeningHours | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The channel figures of the report (``report["channels"]``); ``period`` is a
    ``station.reports.statistics.Period`` (not imported: statistics imports this module)."""
    hours = hours if hours is not None else parse_opening_hours(DEFAULT_OPENING_HOURS)
    today = today or dt.datetime.now(tz).date()
    begin, after = period.utc_bounds(tz)
    by_hour = {
        f"{h:02d}": {
            "tickets": dict.fromkeys(TICKET_CHANNELS, 0),
            "letters": dict.fromkeys(LETTER_CHANNELS, 0),
        }
        for h in range(24)
    }
    tickets = dict.fromkeys(TICKET_CHANNELS, 0)
    tickets_outside = dict.fromkeys(TICKET_CHANNELS, 0)
    events = session.execute(
        select(QueueEvent.at, QueueEvent.operator, QueueEvent.details).where(
            QueueEvent.office_id == office_id,
            QueueEvent.day >= period.start,
            QueueEvent.day <= period.end + dt.timedelta(days=_REQUEST_DAYS_AHEAD),
            QueueEvent.action == "issued",
            QueueEvent.at >= begin,
            QueueEvent.at < after,
        )
    )
    for at, operator, details in events:
        channel = ticket_channel(operator, details)
        local = at.astimezone(tz)
        tickets[channel] += 1
        by_hour[f"{local.hour:02d}"]["tickets"][channel] += 1
        if not hours.is_open(local):
            tickets_outside[channel] += 1
    letters = dict.fromkeys(LETTER_CHANNELS, 0)
    letters_outside = dict.fromkeys(LETTER_CHANNELS, 0)
    weeks = _weeks(period)
    rows = session.execute(
        select(Letter.issued_at, Letter.channel).where(
            Letter.office_id == office_id, Letter.issued_at >= begin, Letter.issued_at < after
        )
    )
    for issued_at, raw_channel in rows:
        channel = raw_channel if raw_channel in LETTER_CHANNELS else "counter"
        local = issued_at.astimezone(tz)
        letters[channel] += 1
        by_hour[f"{local.hour:02d}"]["letters"][channel] += 1
        if not hours.is_open(local):
            letters_outside[channel] += 1
            week = weeks.setdefault(
                week_label(local.date()),
                {"from": (local.date() - dt.timedelta(days=local.weekday())).isoformat()},
            )
            week["letters"] = week.get("letters", 0) + 1
            if channel == "box":
                week["box"] = week.get("box", 0) + 1
    return {
        "tickets": {"by_channel": tickets, "outside_hours": tickets_outside},
        "letters": {"by_channel": letters, "outside_hours": letters_outside},
        "by_hour": by_hour,
        "letters_outside_hours_per_week": weeks,
        "requests": _requests(session, office_id, period, begin, after, today),
        "refused": _refused(session, office_id, begin, after),
        "opening_hours": hours.describe(),
    }


def _requests(
    session: Session,
    office_id: int,
    period: Any,
    begin: dt.datetime,
    after: dt.datetime,
    today: dt.date,
) -> dict[str, Any]:
    made = Tally(
        dict(
            session.execute(
                select(LetterRequest.status, func.count(LetterRequest.id))
                .where(
                    LetterRequest.office_id == office_id,
                    LetterRequest.created_at >= begin,
                    LetterRequest.created_at < after,
                )
                .group_by(LetterRequest.status)
            ).all()
        )
    )
    waiting = session.execute(
        select(
            LetterRequest.pickup_code,
            LetterRequest.type_code,
            LetterRequest.ready_on,
            Ticket.number,
        )
        .outerjoin(Ticket, Ticket.id == LetterRequest.ticket_id)
        .where(LetterRequest.office_id == office_id, LetterRequest.status == "waiting")
        .order_by(LetterRequest.ready_on, LetterRequest.id)
    ).all()
    overdue = [
        {"pickup_code": code, "type": type_code, "ready_on": ready.isoformat(), "ticket": number}
        for code, type_code, ready, number in waiting
        if ready < today
    ]
    return {
        "made": {s: int(made.get(s, 0)) for s in ("waiting", "served", "cancelled")},
        "waiting_now": len(waiting),
        "overdue_now": len(overdue),
        "overdue": overdue,
        "as_of": today.isoformat(),
    }


def _refused(
    session: Session, office_id: int, begin: dt.datetime, after: dt.datetime
) -> dict[str, int]:
    counts = dict.fromkeys(REFUSAL_KINDS, 0)
    rows = session.execute(
        select(AuditEvent.details).where(
            AuditEvent.office_id == office_id,
            AuditEvent.action.in_(REFUSAL_ACTIONS),
            AuditEvent.at >= begin,
            AuditEvent.at < after,
        )
    )
    for (details,) in rows:
        counts[refusal_kind((details or {}).get("reason"))] += 1
    return counts


# --- output ----------------------------------------------------------------------------------


def flat_rows(channels: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """(section, group, metric, value) rows for the report's CSV and XLSX."""
    rows: list[tuple[str, str, str, Any]] = []
    for kind in ("tickets", "letters"):
        for channel, count in channels[kind]["by_channel"].items():
            rows.append((f"{kind}_by_channel", channel, "count", count))
            rows.append(
                (
                    f"{kind}_by_channel",
                    channel,
                    "outside_hours",
                    channels[kind]["outside_hours"][channel],
                )
            )
    for hour, entry in channels["by_hour"].items():
        for kind in ("tickets", "letters"):
            for channel, count in entry[kind].items():
                if count:
                    rows.append((f"{kind}_by_hour", hour, channel, count))
    for week, entry in channels["letters_outside_hours_per_week"].items():
        rows.append(("letters_outside_hours_per_week", week, "letters", entry.get("letters", 0)))
        rows.append(("letters_outside_hours_per_week", week, "box", entry.get("box", 0)))
    requests = channels["requests"]
    for status, count in requests["made"].items():
        rows.append(("requests", "made", status, count))
    rows.append(("requests", "now", "waiting", requests["waiting_now"]))
    rows.append(("requests", "now", "overdue", requests["overdue_now"]))
    for kind, count in channels["refused"].items():
        rows.append(("box_refused", "total", kind, count))
    return rows


def summary_lines(channels: dict[str, Any]) -> list[str]:
    """A few lines for the reports screen: channels, outside hours, requests, refusals."""
    t, lt, r = channels["tickets"], channels["letters"], channels["requests"]
    outside = sum(lt["outside_hours"].values())
    lines = [
        "Tiket: "
        + " · ".join(f"{CHANNEL_LABELS[c]} {t['by_channel'][c]}" for c in TICKET_CHANNELS)
        + f"  |  Surat: loket {lt['by_channel']['counter']} · mesin {lt['by_channel']['box']}"
        + f"  |  di luar jam layanan: {outside} surat",
        f"Permohonan menunggu {r['waiting_now']} · terlambat {r['overdue_now']}"
        + (
            " (" + ", ".join(f"{x['pickup_code']} {x['type']}" for x in r["overdue"][:5]) + ")"
            if r["overdue"]
            else ""
        ),
        "Ditolak di mesin: "
        + " · ".join(f"{REFUSAL_LABELS[k]} {channels['refused'][k]}" for k in REFUSAL_KINDS),
    ]
    return lines


def table_lines(channels: dict[str, Any]) -> list[str]:
    """The channel part of the terminal report, in Indonesian."""
    t, lt = channels["tickets"], channels["letters"]
    lines = ["Saluran (di luar jam layanan dalam kurung):"]
    lines.append(
        "  Tiket: "
        + ", ".join(
            f"{CHANNEL_LABELS[c]} {t['by_channel'][c]} ({t['outside_hours'][c]})"
            for c in TICKET_CHANNELS
        )
    )
    lines.append(
        "  Surat: "
        + ", ".join(
            f"{CHANNEL_LABELS[c]} {lt['by_channel'][c]} ({lt['outside_hours'][c]})"
            for c in LETTER_CHANNELS
        )
    )
    busy = [
        (hour, entry)
        for hour, entry in channels["by_hour"].items()
        if any(entry["tickets"].values()) or any(entry["letters"].values())
    ]
    if busy:
        lines.append("  Per jam (tiket loket/kios/mesin · surat loket/mesin):")
        for hour, entry in busy:
            tk = "/".join(str(entry["tickets"][c]) for c in TICKET_CHANNELS)
            lt_ = "/".join(str(entry["letters"][c]) for c in LETTER_CHANNELS)
            lines.append(f"    {hour}.00  {tk:>10} · {lt_}")
    lines.append("Surat di luar jam layanan per minggu (semua / mesin):")
    for week, entry in channels["letters_outside_hours_per_week"].items():
        lines.append(
            f"  {week} (mulai {entry['from']}): {entry.get('letters', 0)} / {entry.get('box', 0)}"
        )
    r = channels["requests"]
    lines.append(
        f"Permohonan: dibuat {sum(r['made'].values())} (menunggu {r['made']['waiting']}, "
        f"terlayani {r['made']['served']}, batal {r['made']['cancelled']}); "
        f"menunggu kini {r['waiting_now']}, terlambat {r['overdue_now']}"
    )
    for late in r["overdue"]:
        lines.append(
            f"  TERLAMBAT {late['pickup_code']} {late['type']} sejak {late['ready_on']} "
            f"tiket {late['ticket'] or '-'}"
        )
    refused = channels["refused"]
    lines.append(
        "Percobaan ditolak di mesin: "
        + ", ".join(f"{REFUSAL_LABELS[k]} {refused[k]}" for k in REFUSAL_KINDS)
    )
    return lines
