"""Service statistics over tickets and letters for a day or a range of office-local days.

Why it is built this way:
- Every query is bounded by the period asked: tickets and queue events through their indexed
  ``(office_id, day, ...)`` columns, letters through ``(office_id, issued_at)`` between the
  period's local midnights. A year of history does not slow a one-day report.
- Tickets are counted under the service that issued their number (``service_id``, the prefix
  on the ticket), so per service: taken = served + no-show + cancelled + not served + open.
- Waiting time is from issue to the *first* call (the first ``called`` queue event: a ticket
  transferred or reactivated keeps its first call); service time is from start to finish of
  finished tickets. Per operator: waiting under the operator who first called, service under
  the operator who finished.
- **One-visit completion** counts finished tickets whose outcome says the matter is done here:
  ``letter_issued`` or ``information_given``. ``referred`` (sent to another agency) and
  ``documents_incomplete`` do not count: the resident leaves without the matter settled at the
  kelurahan. No regulation defines it; the lurah's goal ("pulang dengan urusan yang sudah
  selesai") decides (docs/domain.md §6.4). The outcome breakdown is reported beside the rate.
- Mean, median and p90 in seconds; p90 is the nearest-rank percentile (an observed value).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter as Tally
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.queue.rules import CALLED, CANCELLED, DONE, NO_SHOW, NOT_SERVED, SERVING, WAITING
from station.store.files import SafeCsvWriter, private_file, xlsx_append
from station.store.models import Letter, LetterType, Operator, QueueEvent, Service, Ticket

COMPLETED_OUTCOMES = ("letter_issued", "information_given")
TICKET_KEYS = ("taken", "served", "no_show", "cancelled", "not_served", "open")
_STATUS_KEY = {
    DONE: "served",
    NO_SHOW: "no_show",
    CANCELLED: "cancelled",
    NOT_SERVED: "not_served",
    WAITING: "open",
    CALLED: "open",
    SERVING: "open",
}


@dataclass(frozen=True)
class Period:
    """Office-local days, both ends included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Tanggal akhir {self.end} sebelum tanggal awal {self.start}.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_bounds(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """[local midnight of start, local midnight after end) in UTC."""
        begin = dt.datetime.combine(self.start, dt.time(), tzinfo=tz)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        return begin.astimezone(dt.UTC), after.astimezone(dt.UTC)


def percent(part: int, whole: int) -> float | None:
    """part/whole as a percentage rounded half-up to 2 decimals; None when whole is 0."""
    if whole == 0:
        return None
    value = Decimal(part * 100) / Decimal(whole)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def timing(seconds: list[float]) -> dict[str, Any]:
    """count, mean, median and p90 (nearest rank) in seconds, to 0.1 s; None when empty."""
    if not seconds:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    ordered = sorted(seconds)
    rank = max(1, math.ceil(0.9 * len(ordered)))
    return {
        "count": len(ordered),
        "mean": round(statistics.fmean(ordered), 1),
        "median": round(float(statistics.median(ordered)), 1),
        "p90": round(float(ordered[rank - 1]), 1),
    }


def _grouped(pairs: list[tuple[str, float]]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[float]] = defaultdict(list)
    for key, value in pairs:
        groups[key].append(value)
    return {key: timing(values) for key, values in sorted(groups.items())}


def _first_calls(
    session: Session, office_id: int, period: Period
) -> dict[int, tuple[dt.datetime, str | None]]:
    """ticket id -> (time, operator) of its first call in the period."""
    rows = session.execute(
        select(QueueEvent.ticket_id, QueueEvent.at, QueueEvent.operator)
        .where(
            QueueEvent.office_id == office_id,
            QueueEvent.day >= period.start,
            QueueEvent.day <= period.end,
            QueueEvent.action == "called",
        )
        .order_by(QueueEvent.at, QueueEvent.id)
    ).all()
    first: dict[int, tuple[dt.datetime, str | None]] = {}
    for ticket_id, at, operator in rows:
        if ticket_id is not None and ticket_id not in first:
            first[ticket_id] = (at, operator)
    return first


def _ticket_part(session: Session, office_id: int, period: Period, tz: ZoneInfo) -> dict[str, Any]:
    services = {
        s.id: s for s in session.scalars(select(Service).where(Service.office_id == office_id))
    }
    operators = dict(
        session.execute(
            select(Operator.id, Operator.username).where(Operator.office_id == office_id)
        ).all()
    )
    rows = session.execute(
        select(
            Ticket.id,
            Ticket.service_id,
            Ticket.status,
            Ticket.outcome,
            Ticket.issued_at,
            Ticket.started_at,
            Ticket.finished_at,
            Ticket.operator_id,
        ).where(Ticket.office_id == office_id, Ticket.day >= period.start, Ticket.day <= period.end)
    ).all()
    first_calls = _first_calls(session, office_id, period)
    total = dict.fromkeys(TICKET_KEYS, 0)
    by_service: dict[str, dict[str, Any]] = {}
    outcomes: Tally[str] = Tally()
    hours: Tally[int] = Tally()
    wait_service: list[tuple[str, float]] = []
    wait_operator: list[tuple[str, float]] = []
    serve_service: list[tuple[str, float]] = []
    serve_operator: list[tuple[str, float]] = []
    for tid, service_id, status, outcome, issued, started, finished, operator_id in rows:
        prefix = services[service_id].prefix
        counts = by_service.setdefault(
            prefix, {"name": services[service_id].name, **dict.fromkeys(TICKET_KEYS, 0)}
        )
        key = _STATUS_KEY.get(status, "open")
        for target in (total, counts):
            target["taken"] += 1
            target[key] += 1
        hours[issued.astimezone(tz).hour] += 1
        if status == DONE and outcome:
            outcomes[outcome] += 1
        if tid in first_calls:
            called_at, caller = first_calls[tid]
            seconds = (called_at - issued).total_seconds()
            wait_service.append((prefix, seconds))
            wait_operator.append((caller or "-", seconds))
        if status == DONE and started is not None and finished is not None:
            seconds = (finished - started).total_seconds()
            serve_service.append((prefix, seconds))
            who = operators.get(operator_id, "-") if operator_id is not None else "-"
            serve_operator.append((who, seconds))
    completed = sum(outcomes[o] for o in COMPLETED_OUTCOMES)
    per_hour = {f"{hour:02d}": hours[hour] for hour in sorted(hours)}
    peak = max(hours.values(), default=0)
    return {
        "tickets": {"total": total, "by_service": dict(sorted(by_service.items()))},
        "outcomes": dict(sorted(outcomes.items())),
        "waiting_time": {
            "all": timing([s for _, s in wait_service]),
            "by_service": _grouped(wait_service),
            "by_operator": _grouped(wait_operator),
        },
        "service_time": {
            "all": timing([s for _, s in serve_service]),
            "by_service": _grouped(serve_service),
            "by_operator": _grouped(serve_operator),
        },
        "tickets_per_hour": per_hour,
        "peak_hours": [h for h, n in per_hour.items() if n == peak and peak > 0],
        "completion_rate": percent(completed, total["taken"]),
        "completion": {
            "completed": completed,
            "taken": total["taken"],
            "outcomes_counted": list(COMPLETED_OUTCOMES),
        },
    }


def letter_rows(
    session: Session, office_id: int, period: Period, tz: ZoneInfo
) -> list[tuple[str, int, str, str, str, dt.datetime]]:
    """(number, sequence, status, type code, type title, issued_at) of the period, in issue
    order; bounded by the ``(office_id, issued_at)`` index."""
    begin, after = period.utc_bounds(tz)
    rows = session.execute(
        select(
            Letter.number,
            Letter.sequence,
            Letter.status,
            LetterType.code,
            LetterType.title,
            Letter.issued_at,
        )
        .join(LetterType, LetterType.id == Letter.letter_type_id)
        .where(Letter.office_id == office_id, Letter.issued_at >= begin, Letter.issued_at < after)
        .order_by(Letter.issued_at, Letter.id)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _letter_part(session: Session, office_id: int, period: Period, tz: ZoneInfo) -> dict[str, Any]:
    by_type: dict[str, dict[str, Any]] = {}
    revoked = 0
    rows = letter_rows(session, office_id, period, tz)
    for _number, _sequence, status, code, title, _issued in rows:
        entry = by_type.setdefault(code, {"title": title, "count": 0, "revoked": 0})
        entry["count"] += 1
        if status == "revoked":
            entry["revoked"] += 1
            revoked += 1
    return {"total": len(rows), "revoked": revoked, "by_type": dict(sorted(by_type.items()))}


def build_report(
    session: Session,
    office_id: int,
    tz: ZoneInfo,
    period: Period,
    *,
    hours: Any = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The whole report as plain data (the CLI's JSON, the table, the admin screen).

    ``channels``: counter, kiosk and Service Box (station.reports.box), with ``hours`` the
    office's ``OpeningHours`` (default: the default hours) and ``today`` the day requests are
    overdue against."""
    from station.reports.box import box_part

    data: dict[str, Any] = {
        "period": {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "days": period.days,
        }
    }
    data.update(_ticket_part(session, office_id, period, tz))
    data["letters"] = _letter_part(session, office_id, period, tz)
    data["channels"] = box_part(session, office_id, tz, period, hours=hours, today=today)
    return data


# --- output formats --------------------------------------------------------------------------

TICKET_LABELS = {
    "taken": "Diambil",
    "served": "Dilayani",
    "no_show": "Tidak hadir",
    "cancelled": "Dibatalkan",
    "not_served": "Tidak terlayani",
    "open": "Belum selesai",
}


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes}m{seconds:02d}s"


def flat_rows(report: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """(section, group, metric, value) rows: the CSV and the XLSX sheet."""
    rows: list[tuple[str, str, str, Any]] = []
    for key in TICKET_KEYS:
        rows.append(("tickets", "total", key, report["tickets"]["total"][key]))
    for prefix, counts in report["tickets"]["by_service"].items():
        for key in TICKET_KEYS:
            rows.append(("tickets", prefix, key, counts[key]))
    for section in ("waiting_time", "service_time"):
        groups = [("all", report[section]["all"])]
        groups += [(f"service:{k}", v) for k, v in report[section]["by_service"].items()]
        groups += [(f"operator:{k}", v) for k, v in report[section]["by_operator"].items()]
        for group, stats in groups:
            for metric in ("count", "mean", "median", "p90"):
                rows.append((section, group, metric, stats[metric]))
    for outcome, count in report["outcomes"].items():
        rows.append(("outcomes", "total", outcome, count))
    rows.append(("letters", "total", "count", report["letters"]["total"]))
    rows.append(("letters", "total", "revoked", report["letters"]["revoked"]))
    for code, entry in report["letters"]["by_type"].items():
        rows.append(("letters", code, "count", entry["count"]))
    for hour, count in report["tickets_per_hour"].items():
        rows.append(("tickets_per_hour", hour, "count", count))
    rows.append(("completion_rate", "total", "percent", report["completion_rate"]))
    if "channels" in report:
        from station.reports.box import flat_rows as channel_rows

        rows += channel_rows(report["channels"])
    return rows


def render_table(report: dict[str, Any]) -> str:
    """A plain-text report for the terminal, in Indonesian."""
    period = report["period"]
    span = period["from"] if period["days"] == 1 else f"{period['from']} s.d. {period['to']}"
    lines = [f"Laporan layanan {span}", ""]
    header = f"{'Layanan':<8}" + "".join(f"{TICKET_LABELS[k]:>16}" for k in TICKET_KEYS)
    lines.append(header)
    for prefix, counts in report["tickets"]["by_service"].items():
        lines.append(f"{prefix:<8}" + "".join(f"{counts[k]:>16}" for k in TICKET_KEYS))
    total = report["tickets"]["total"]
    lines.append(f"{'Jumlah':<8}" + "".join(f"{total[k]:>16}" for k in TICKET_KEYS))
    lines.append("")
    for section, title in (("waiting_time", "Waktu tunggu"), ("service_time", "Waktu layanan")):
        lines.append(f"{title} (rata-rata / median / p90):")
        groups = [("Semua", report[section]["all"])]
        groups += [(f"Layanan {k}", v) for k, v in report[section]["by_service"].items()]
        groups += [(f"Petugas {k}", v) for k, v in report[section]["by_operator"].items()]
        for name, stats in groups:
            lines.append(
                f"  {name:<20} {_fmt_seconds(stats['mean']):>8} {_fmt_seconds(stats['median']):>8}"
                f" {_fmt_seconds(stats['p90']):>8}  ({stats['count']} tiket)"
            )
    lines.append("")
    letters = report["letters"]
    lines.append(f"Surat: {letters['total']} (dicabut {letters['revoked']})")
    for code, entry in letters["by_type"].items():
        lines.append(f"  {code:<10} {entry['count']:>5}  {entry['title']}")
    peak = ", ".join(f"{h}.00" for h in report["peak_hours"]) or "-"
    lines.append(f"Jam tersibuk: {peak}")
    rate = report["completion_rate"]
    done = report["completion"]
    rate_text = "-" if rate is None else f"{rate:.2f}%"
    lines.append(
        f"Selesai dalam satu kunjungan: {rate_text} ({done['completed']} dari {done['taken']})"
    )
    if "channels" in report:
        from station.reports.box import table_lines

        lines += ["", *table_lines(report["channels"])]
    return "\n".join(lines)


def write_csv(report: dict[str, Any], handle: Any) -> None:
    """The report as CSV; names of services and operators are text, never formulas
    (station/store/files.py)."""
    writer = SafeCsvWriter(handle)
    writer.writerow(["section", "group", "metric", "value"])
    for row in flat_rows(report):
        writer.writerow(["" if v is None else v for v in row])


def write_xlsx(report: dict[str, Any], path: Any) -> None:
    """The report as an XLSX file, created 0600 (station/store/files.py: private_file)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Laporan"
    sheet.append(["section", "group", "metric", "value"])
    for row in flat_rows(report):
        xlsx_append(sheet, row)
    services = book.create_sheet("Per layanan")
    services.append(["Layanan", "Nama", *(TICKET_LABELS[k] for k in TICKET_KEYS)])
    for prefix, counts in report["tickets"]["by_service"].items():
        xlsx_append(services, [prefix, counts["name"], *(counts[k] for k in TICKET_KEYS)])
    with private_file(path, "wb") as handle:
        book.save(handle)
