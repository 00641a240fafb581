"""e-KTP recording: residents obliged to hold a KTP-el who have not recorded it yet.

The obligation (UU 24/2013 Pasal 63, docs/domain.md §2.3): a resident who is **17 or older, or
has ever married** (any marital status other than BELUM KAWIN) must hold a KTP. Only living
residents of the register count (status ``active``; moved and deceased do not). Age is in
completed years on the office-local day: someone born on 29 February turns 17 on 1 March in a
non-leap year. The count is one SQL aggregate over the register (current state, not history).

Marking a resident recorded is one write transaction together with its audit event; the
exported list (full NIKs, for inviting residents) is an access to personal data and is
audited too (UU PDP access log).
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from station.register.nik import mask_nik, normalize_nik, parse_nik
from station.register.residents import age_on
from station.store import audit
from station.store.errors import StationError
from station.store.files import SafeCsvWriter
from station.store.models import Resident, utcnow

OBLIGED_AGE = 17
NEVER_MARRIED = ("", "BELUM KAWIN")
EXPORT_COLUMNS = (
    "nik",
    "name",
    "birth_date",
    "age",
    "sex",
    "marital_status",
    "address",
    "rt",
    "rw",
)


class EktpError(StationError):
    """A refusal worded for the operator (Bahasa Indonesia)."""


def age_cutoff(today: dt.date, years: int = OBLIGED_AGE) -> dt.date:
    """The latest birth date of someone ``years`` old (completed years) on ``today``."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # today is 29 February: last year's equivalent is 28 February
        return today.replace(year=today.year - years, day=28)


def is_obliged(birth_date: dt.date, marital_status: str, today: dt.date) -> bool:
    """The same rule as :func:`obliged_clause`, for one resident already loaded (the card)."""
    return birth_date <= age_cutoff(today) or marital_status not in NEVER_MARRIED


def obliged_clause(today: dt.date) -> ColumnElement[bool]:
    """Living residents who must hold a KTP on ``today``."""
    return and_(
        Resident.status == "active",
        or_(
            Resident.birth_date <= age_cutoff(today),
            Resident.marital_status.not_in(NEVER_MARRIED),
        ),
    )


def _unrecorded(office_id: int, today: dt.date) -> ColumnElement[bool]:
    return and_(
        Resident.office_id == office_id,
        obliged_clause(today),
        Resident.ektp_recorded.is_(False),
    )


def unrecorded_count(session: Session, office_id: int, today: dt.date) -> int:
    stmt = select(func.count(Resident.id)).where(_unrecorded(office_id, today))
    return int(session.scalar(stmt) or 0)


def unrecorded_breakdown(session: Session, office_id: int, today: dt.date) -> dict[str, Any]:
    """The count, and per RW the count and per RT (sorted as numbers where they are)."""
    rows = session.execute(
        select(Resident.rw, Resident.rt, func.count(Resident.id))
        .where(_unrecorded(office_id, today))
        .group_by(Resident.rw, Resident.rt)
    ).all()

    def order(code: str) -> tuple[int, str]:
        return (int(code), code) if code.isdigit() else (10**6, code)

    by_rw: dict[str, dict[str, Any]] = {}
    for rw, rt, count in sorted(rows, key=lambda r: (order(r[0] or ""), order(r[1] or ""))):
        entry = by_rw.setdefault(rw or "-", {"count": 0, "by_rt": {}})
        entry["count"] += count
        entry["by_rt"][rt or "-"] = count
    return {
        "as_of": today.isoformat(),
        "count": sum(entry["count"] for entry in by_rw.values()),
        "by_rw": by_rw,
    }


def export_unrecorded(
    session: Session, office_id: int, today: dt.date, handle: IO[str], *, operator: str
) -> int:
    """Write the list as CSV (ordered by RW, RT, name) and audit the export; returns rows.
    Names and addresses come from import files: a cell that would start a formula in a
    spreadsheet is written as text (station/store/files.py)."""
    writer = SafeCsvWriter(handle)
    writer.writerow(EXPORT_COLUMNS)
    stmt = (
        select(
            Resident.nik,
            Resident.name,
            Resident.birth_date,
            Resident.sex,
            Resident.marital_status,
            Resident.address,
            Resident.rt,
            Resident.rw,
        )
        .where(_unrecorded(office_id, today))
        .order_by(Resident.rw, Resident.rt, Resident.name, Resident.nik)
        .execution_options(yield_per=2000)
    )
    count = 0
    for nik, name, birth, sex, marital, address, rt, rw in session.execute(stmt):
        writer.writerow(
            [nik, name, birth.isoformat(), age_on(birth, today), sex, marital, address, rt, rw]
        )
        count += 1
    audit.record(
        session,
        office_id=office_id,
        action="ektp.export",
        subject=None,
        details={"rows": count, "as_of": today.isoformat()},
        operator=operator,
    )
    return count


def mark_recorded(
    session: Session,
    office_id: int,
    nik: str,
    on_date: dt.date,
    operator: str,
    *,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Record that the resident has recorded their e-KTP on ``on_date``; audited."""
    today = today or dt.date.today()  # callers pass the office's day (station.clock)
    clean = normalize_nik(nik)
    info = parse_nik(clean, today=today)
    if not info.valid:
        raise EktpError("NIK tidak sah: " + "; ".join(e.message for e in info.errors))
    if on_date > today:
        raise EktpError(f"Tanggal perekaman {on_date} belum tiba.")
    resident = session.scalars(
        select(Resident)
        .where(Resident.nik == clean, Resident.office_id == office_id)
        .with_for_update()
    ).one_or_none()
    if resident is None:
        raise EktpError(f"Penduduk dengan NIK {mask_nik(clean)} tidak ada di register kantor ini.")
    if resident.status != "active":
        raise EktpError(f"Penduduk {mask_nik(clean)} berstatus {resident.status}, bukan aktif.")
    if resident.ektp_recorded:
        when = resident.ektp_recorded_on.isoformat() if resident.ektp_recorded_on else "-"
        raise EktpError(f"Penduduk {mask_nik(clean)} sudah tercatat merekam KTP-el ({when}).")
    if on_date < resident.birth_date:
        raise EktpError("Tanggal perekaman sebelum tanggal lahir.")
    resident.ektp_recorded = True
    resident.ektp_recorded_on = on_date
    resident.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        office_id=office_id,
        action="resident.ektp_recorded",
        subject=clean,
        details={"recorded_on": on_date.isoformat()},
        operator=operator,
    )
    return {"nik_masked": mask_nik(clean), "recorded_on": on_date.isoformat(), "recorded": True}
