"""Registering one resident at the counter (a person the register does not know yet), and
correcting a known one.

The same rules as a file import (``importing.rows.validate_row``): a resident typed in or
corrected at the counter and one imported from OpenSID must never be held to different
standards. The operator's form fields use the import's canonical keys; values are text as typed.

Core module: no Textual import (docs/architecture.md §Import contracts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from station.register.importing.rows import RejectedRow, validate_row
from station.register.importing.schema import DATA_COLUMNS, FIELD_LABELS, INSERT_DEFAULTS
from station.register.residents import (
    _is_sqlite,
    _next_ids,
    get_by_nik,
    index_names,
    reindex_names,
    search_text,
)
from station.store import audit
from station.store.errors import StationError
from station.store.models import Resident, utcnow

REQUIRED_FIELDS = ("nik", "kk_number", "name", "birth_date", "sex")


class RegistrationRefused(StationError):
    """The form cannot be saved; ``message`` is Indonesian and lists every problem."""


@dataclass(frozen=True)
class Registered:
    resident_id: int
    nik: str
    name: str
    warnings: tuple[str, ...]


def register_resident(
    session: Session,
    office_id: int,
    fields: Mapping[str, str],
    *,
    operator: str,
    today: dt.date,
) -> Registered:
    """Validate and insert one resident in the caller's write transaction, audited.

    Refuses a NIK that is already in the register: changing a known resident's data is an
    import (the register's source is Dukcapil/OpenSID), not a counter form.
    """
    raw = {key: str(value).strip() for key, value in fields.items()}
    missing = [key for key in REQUIRED_FIELDS if not raw.get(key)]
    checked = validate_row(0, raw, today=today)
    if isinstance(checked, RejectedRow):
        raise RegistrationRefused(checked.reason)
    if missing:  # validate_row names empty name/date; NIK/KK/sex need a value too
        raise RegistrationRefused("Wajib diisi: " + ", ".join(missing))
    values = checked.values
    if get_by_nik(session, values["nik"]) is not None:
        raise RegistrationRefused(f"NIK {values['nik']} sudah terdaftar di register.")
    record = dict(INSERT_DEFAULTS)
    record.update(values)
    record["search_text"] = search_text(values["name"])
    connection = session.connection()
    if _is_sqlite(connection):
        (record["id"],) = _next_ids(connection, 1)
    resident = Resident(office_id=office_id, **record)
    session.add(resident)
    session.flush()
    if _is_sqlite(connection):
        index_names(connection, [(resident.id, resident.search_text)])
    audit.record(
        session,
        office_id=office_id,
        action="resident.register",
        subject=resident.nik,
        details={"name": resident.name, "warnings": list(checked.warnings)},
        operator=operator,
    )
    return Registered(resident.id, resident.nik, resident.name, tuple(checked.warnings))


# --- correcting a known resident ---------------------------------------------------------------

# What a correction may change: every register column but the NIK (the identity; a wrong NIK is
# a new registration) and the search index, which follows the name.
EDITABLE_FIELDS: tuple[str, ...] = DATA_COLUMNS


# Checked with every correction: the NIK is verified against birth date and sex, as on import.
_IDENTITY = ("nik", "kk_number", "name", "birth_date", "sex")


class UnknownResident(RegistrationRefused):
    """No resident with this NIK in the register."""


@dataclass(frozen=True)
class Updated:
    nik: str
    name: str
    changes: dict[str, tuple[Any, Any]]  # field -> (old, new), only what changed
    warnings: tuple[str, ...]


def field_text(value: Any) -> str:
    """A stored register value as the importer reads it back (and a form shows it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "T"
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    return str(value)


def resident_fields(resident: Resident) -> dict[str, str]:
    """Every register column of ``resident`` as text, keyed like the importer's columns."""
    fields = {"nik": resident.nik}
    fields.update({key: field_text(getattr(resident, key)) for key in EDITABLE_FIELDS})
    return fields


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def update_resident(
    session: Session,
    office_id: int,
    nik: str,
    changes: Mapping[str, str],
    *,
    operator: str,
    today: dt.date,
    now: dt.datetime | None = None,
) -> Updated:
    """Correct a known resident in the caller's write transaction: the new values, as text,
    go through the importer's own row check together with the resident's identity columns
    (so a birth date or sex that contradicts the NIK is found as on import); a refusal
    changes nothing. Audited as ``resident.update`` with every changed field's old and new
    value; a correction that changes nothing is not recorded.
    """
    unknown = [key for key in changes if key not in EDITABLE_FIELDS]
    if unknown:
        allowed = ", ".join(EDITABLE_FIELDS)
        raise RegistrationRefused(
            f"Kolom tidak dikenal: {', '.join(unknown)}. Yang dapat diubah: {allowed}."
        )
    resident = get_by_nik(session, nik)
    if resident is None:
        raise UnknownResident(f"NIK {nik} tidak terdaftar di register kelurahan.")
    current = resident_fields(resident)
    raw = {key: current[key] for key in _IDENTITY}
    raw.update({key: str(value).strip() for key, value in changes.items()})
    checked = validate_row(0, raw, today=today)
    if isinstance(checked, RejectedRow):
        raise RegistrationRefused(checked.reason)
    missing = [FIELD_LABELS[key] for key in ("kk_number", "sex") if not raw.get(key)]
    if missing:
        raise RegistrationRefused("Wajib diisi: " + ", ".join(missing))
    done: dict[str, tuple[Any, Any]] = {}
    # The changed columns, and what they imply (a recording date means e-KTP recorded).
    for key in [k for k in checked.values if k in changes or k not in _IDENTITY]:
        new = checked.values[key]
        old = getattr(resident, key)
        if new != old:
            done[key] = (old, new)
    if not done:
        return Updated(resident.nik, resident.name, {}, tuple(checked.warnings))
    old_search = resident.search_text
    for key, (_, new) in done.items():
        setattr(resident, key, new)
    if "name" in done:
        resident.search_text = search_text(resident.name)
    resident.updated_at = now or utcnow()
    session.flush()
    if "name" in done and resident.search_text != old_search:
        reindex_names(session.connection(), [(resident.id, old_search, resident.search_text)])
    audit.record(
        session,
        office_id=office_id,
        action="resident.update",
        subject=resident.nik,
        details={
            "changes": {
                key: {"old": _json_value(old), "new": _json_value(new)}
                for key, (old, new) in done.items()
            },
            "warnings": list(checked.warnings),
        },
        operator=operator,
    )
    return Updated(resident.nik, resident.name, done, tuple(checked.warnings))
