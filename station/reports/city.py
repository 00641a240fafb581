"""The mayor's view: every kelurahan side by side for a period (``station city report``).

On PostgreSQL (migration 0012) every office's row comes from one aggregate call grouped by
office (``city_office_figures``, station/store/rowsecurity.py), which applies the rules of
``station report`` (station/reports/statistics.py) in SQL; elsewhere each office's figures
are its own ``station report`` (``build_report``, over its own rows and in its own time
zone). Either way the city's counts are the sum of the offices' reports (tests/db/
test_city.py checks the two paths agree figure by figure). Run on the city server with the
administrator's URL: the report keeps only counts and times (docs/city.md): no name, no NIK.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from station.office.opening_hours import from_stored
from station.register.ektp import NEVER_MARRIED, age_cutoff, unrecorded_breakdown
from station.reports.skm import ikm_from_sums, period_report
from station.reports.statistics import TICKET_KEYS, Period, build_report, percent
from station.store import rowsecurity
from station.store.files import SafeCsvWriter, private_file, xlsx_append
from station.store.models import SKM_ELEMENTS, Letter, Office

COUNT_KEYS = (*TICKET_KEYS, "completed", "letters", "revoked", "box_outside")
COLUMNS = (
    ("code", "Kode"),
    ("name", "Kelurahan"),
    ("kecamatan", "Kecamatan"),
    ("taken", "Tiket"),
    ("tickets_per_day", "Tiket/hari"),
    ("letters", "Surat"),
    ("letters_per_day", "Surat/hari"),
    ("wait_median", "Tunggu median (dtk)"),
    ("wait_p90", "Tunggu p90 (dtk)"),
    ("completion_rate", "Selesai 1 kunjungan (%)"),
    ("not_served", "Pulang belum dilayani"),
    ("box_outside", "Surat mesin mandiri di luar jam"),
    ("ektp_missing", "Belum rekam KTP-el"),
    ("ikm", "IKM"),
)


def office_row(session: Session, office: Office, period: Period, today: dt.date) -> dict[str, Any]:
    report = build_report(session, office.id, ZoneInfo(office.timezone), period)
    total = report["tickets"]["total"]
    wait = report["waiting_time"]["all"]
    skm = period_report(session, office.id, period.start, period.end)
    row: dict[str, Any] = {
        "code": office.code,
        "name": office.name,
        "kecamatan": office.kecamatan,
        **{key: total[key] for key in TICKET_KEYS},
        "completed": report["completion"]["completed"],
        "letters": report["letters"]["total"],
        "revoked": report["letters"]["revoked"],
        "wait_median": wait["median"],
        "wait_p90": wait["p90"],
        "completion_rate": report["completion_rate"],
        "ektp_missing": unrecorded_breakdown(session, office.id, today)["count"],
        "ikm": float(skm["ikm"]) if skm["ikm"] is not None else None,
        "respondents": skm["respondents"],
        "box_outside": box_outside_hours(session, office, period),
    }
    row["tickets_per_day"] = round(row["taken"] / period.days, 2)
    row["letters_per_day"] = round(row["letters"] / period.days, 2)
    return row


def box_outside_hours(session: Session, office: Office, period: Period) -> int:
    """Letters from the Service Box issued in the period outside the office's opening hours
    (``office.opening_hours``, its ``[kiosk] opening_hours``): what the office's own report
    counts (station.reports.box, ``channels.letters.outside_hours.box``)."""
    tz = ZoneInfo(office.timezone)
    hours = from_stored(office.opening_hours)
    begin, after = period.utc_bounds(tz)
    issued = session.scalars(
        select(Letter.issued_at).where(
            Letter.office_id == office.id,
            Letter.channel == "box",
            Letter.issued_at >= begin,
            Letter.issued_at < after,
        )
    )
    return sum(1 for at in issued if not hours.is_open(at.astimezone(tz)))


def _figures_rows(session: Session, period: Period, today: dt.date) -> list[dict[str, Any]]:
    """Every office's row from PostgreSQL in one call (``city_office_figures``, migration
    0012, station/store/rowsecurity.py): the same figures as :func:`office_row`, grouped by
    office in the database; the administrator and the city's read-only role may call it."""
    result = session.execute(
        text("SELECT * FROM city_office_figures(:f, :t, :c, :n)"),
        {"f": period.start, "t": period.end, "c": age_cutoff(today), "n": list(NEVER_MARRIED)},
    )
    rows = []
    for found in result.mappings():
        n = int(found["respondents"])
        ikm = (
            float(
                ikm_from_sums(n, [int(found[f"q{i}"]) for i in range(1, SKM_ELEMENTS + 1)]).rounded
            )
            if n
            else None
        )
        median, p90 = found["wait_median"], found["wait_p90"]
        row: dict[str, Any] = {
            "code": found["code"],
            "name": found["name"],
            "kecamatan": found["kecamatan"],
            **{key: int(found[key]) for key in TICKET_KEYS},
            "completed": int(found["completed"]),
            "letters": int(found["letters"]),
            "revoked": int(found["revoked"]),
            "wait_median": None if median is None else round(float(median), 1),
            "wait_p90": None if p90 is None else round(float(p90), 1),
            "completion_rate": percent(int(found["completed"]), int(found["taken"])),
            "ektp_missing": int(found["ektp_missing"]),
            "ikm": ikm,
            "respondents": n,
            "box_outside": int(found["box_outside"]),
        }
        row["tickets_per_day"] = round(row["taken"] / period.days, 2)
        row["letters_per_day"] = round(row["letters"] / period.days, 2)
        rows.append(row)
    return rows


def city_report(session: Session, period: Period, today: dt.date) -> dict[str, Any]:
    """One row per office (by code) and the city's totals.

    On PostgreSQL at migration 0012 the rows come from one aggregate query
    (:func:`_figures_rows`); elsewhere (SQLite homes hold one office) each office's own
    report is run (:func:`office_row`). Both give the same figures (tests/db/test_city.py)."""
    if rowsecurity.has_figures(session.connection()):
        rows = _figures_rows(session, period, today)
    else:
        offices = list(session.scalars(select(Office).order_by(Office.code)))
        rows = [office_row(session, office, period, today) for office in offices]
    totals: dict[str, Any] = {key: sum(r[key] for r in rows) for key in COUNT_KEYS}
    totals["ektp_missing"] = sum(r["ektp_missing"] for r in rows)
    totals["completion_rate"] = percent(totals["completed"], totals["taken"])
    totals["tickets_per_day"] = round(totals["taken"] / period.days, 2)
    totals["letters_per_day"] = round(totals["letters"] / period.days, 2)
    return {
        "period": {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "days": period.days,
        },
        "offices": rows,
        "total": totals,
    }


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def render_table(report: dict[str, Any]) -> str:
    period = report["period"]
    span = period["from"] if period["days"] == 1 else f"{period['from']} s.d. {period['to']}"
    keys = [k for k, _ in COLUMNS if k not in ("code", "kecamatan")]
    labels = dict(COLUMNS)
    widths = {k: max(len(labels[k]), 8) for k in keys}
    widths["name"] = max([len(r["name"]) for r in report["offices"]] + [len("Kelurahan")])
    lines = [f"Laporan kota {span}", ""]
    lines.append("  ".join(labels[k].ljust(widths[k]) for k in keys))
    for row in report["offices"]:
        lines.append("  ".join(_cell(row.get(k)).ljust(widths[k]) for k in keys))
    total = {**report["total"], "name": "JUMLAH KOTA"}
    lines.append("  ".join(_cell(total.get(k)).ljust(widths[k]) for k in keys))
    return "\n".join(lines)


def write_csv(report: dict[str, Any], handle: Any) -> None:
    writer = SafeCsvWriter(handle)
    keys = [k for k, _ in COLUMNS] + ["served", "no_show", "cancelled", "open", "revoked"]
    writer.writerow(keys)
    for row in report["offices"]:
        writer.writerow(["" if row.get(k) is None else row.get(k) for k in keys])


def write_xlsx(report: dict[str, Any], path: Any) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Kota"
    sheet.append([label for _, label in COLUMNS])
    for row in report["offices"]:
        xlsx_append(sheet, [row.get(k) for k, _ in COLUMNS])
    with private_file(path, "wb") as handle:
        book.save(handle)


def office_trend(session: Session, code: str, period: Period) -> dict[str, Any] | None:
    """One kelurahan day by day: tickets taken, finished in one visit, letters (office days)."""
    from sqlalchemy import func

    from station.reports.statistics import COMPLETED_OUTCOMES, letter_rows
    from station.store.models import Ticket

    if rowsecurity.has_trend(session.connection()):
        return _trend_from_function(session, code, period)
    office = session.scalars(select(Office).where(Office.code == code)).first()
    if office is None:
        return None
    tz = ZoneInfo(office.timezone)
    days = [period.start + dt.timedelta(days=i) for i in range(period.days)]
    series: dict[dt.date, dict[str, Any]] = {
        d: {"day": d.isoformat(), "taken": 0, "completed": 0, "letters": 0} for d in days
    }
    rows = session.execute(
        select(
            Ticket.day,
            func.count(),
            func.count().filter(Ticket.status == "done", Ticket.outcome.in_(COMPLETED_OUTCOMES)),
        )
        .where(Ticket.office_id == office.id, Ticket.day >= period.start, Ticket.day <= period.end)
        .group_by(Ticket.day)
    ).all()
    for day, taken, completed in rows:
        series[day]["taken"] = int(taken)
        series[day]["completed"] = int(completed)
    for *_rest, issued in letter_rows(session, office.id, period, tz):
        local = issued.astimezone(tz).date()
        if local in series:
            series[local]["letters"] += 1
    return {
        "code": office.code,
        "name": office.name,
        "kecamatan": office.kecamatan,
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "days": [series[d] for d in days],
    }


def _trend_from_function(session: Session, code: str, period: Period) -> dict[str, Any] | None:
    """:func:`office_trend` on PostgreSQL (migration 0014): the office from the ``city_office``
    view and its days from ``city_office_days``, both open to the city's read-only role."""
    office = (
        session.execute(
            text("SELECT code, name, kecamatan FROM city_office WHERE code = :c"), {"c": code}
        )
        .mappings()
        .first()
    )
    if office is None:
        return None
    days = session.execute(
        text("SELECT day, taken, completed, letters FROM city_office_days(:c, :f, :t)"),
        {"c": code, "f": period.start, "t": period.end},
    ).all()
    return {
        "code": office["code"],
        "name": office["name"],
        "kecamatan": office["kecamatan"],
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "days": [
            {
                "day": day.isoformat(),
                "taken": int(taken),
                "completed": int(completed),
                "letters": int(letters),
            }
            for day, taken, completed, letters in days
        ],
    }
