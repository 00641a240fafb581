"""Registering one resident at the counter (a person the register does not know yet).

The same rules as a file import (``importing.rows.validate_row``): a resident typed in at the
counter and one imported from OpenSID must never be held to different standards. The
operator's form fields use the import's canonical keys; values are text as typed.

Core module: no Textual import (docs/architecture.md §Import contracts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from station.register.importing.rows import RejectedRow, validate_row
from station.register.importing.schema import INSERT_DEFAULTS
from station.register.residents import _is_sqlite, _next_ids, get_by_nik, index_names, search_text
from station.store import audit
from station.store.errors import StationError
from station.store.models import Resident

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
