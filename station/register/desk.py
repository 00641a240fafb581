"""What the counter's screens ask of the register, each call one transaction of its own.

The resident card (an audited NIK lookup), the audited name search, recording an e-KTP,
registering a new resident and correcting a known one. The screens call these in thread
workers and never open a database session themselves (docs/architecture.md). No Textual here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from station.register.card import ResidentCard, build_card
from station.register.ektp import mark_recorded
from station.register.household_store import HeadChange, household_members, record_new_head
from station.register.registration import (
    Registered,
    UnknownResident,
    Updated,
    register_resident,
    resident_fields,
    update_resident,
)
from station.register.residents import SearchResult, find, get_by_nik, lookup_nik

if TYPE_CHECKING:
    from station.home.context import Station


def resident_card(
    station: Station,
    nik: str,
    *,
    operator: str | None,
    today: dt.date,
    purpose: str = "",
    terminal: str = "",
) -> ResidentCard | None:
    """The card of the resident with this NIK (None: not in the register); the lookup is
    audited, so it runs in a write transaction."""
    with station.db.write() as session:
        resident = lookup_nik(
            session,
            station.office_id,
            nik,
            operator=operator,
            purpose=purpose,
            terminal=terminal,
            today=today,
        )
        if resident is None:
            return None
        return build_card(resident, today, household_members(session, resident))


def record_household_head(station: Station, nik: str, *, operator: str) -> HeadChange:
    """Record the resident as the head of their KK (the renewed KK); audited."""
    with station.db.write() as session:
        return record_new_head(session, station.office_id, nik, operator=operator)


def search_residents(
    station: Station, query: str, *, operator: str | None, terminal: str = ""
) -> SearchResult:
    """``residents.find`` (NIK or name) in a write transaction: the search is audited."""
    with station.db.write() as session:
        return find(session, station.office_id, query, operator=operator, terminal=terminal)


def record_ektp(station: Station, nik: str, *, operator: str, today: dt.date) -> None:
    """The resident recorded their e-KTP today (the Dukcapil receipt shown); audited."""
    with station.db.write() as session:
        mark_recorded(session, station.office_id, nik, today, operator, today=today)


def register_new(
    station: Station, fields: Mapping[str, str], *, operator: str, today: dt.date
) -> Registered:
    """Register a resident the register does not know (the counter's form); audited."""
    with station.db.write() as session:
        return register_resident(session, station.office_id, fields, operator=operator, today=today)


def editable_fields(station: Station, nik: str) -> dict[str, str]:
    """A known resident's register columns as text, for the correction form (the card that
    leads there was an audited lookup)."""
    with station.db.read() as session:
        resident = get_by_nik(session, nik)
        if resident is None:
            raise UnknownResident(f"NIK {nik} tidak terdaftar di register kelurahan.")
        return resident_fields(resident)


def update_existing(
    station: Station, nik: str, changes: Mapping[str, str], *, operator: str, today: dt.date
) -> Updated:
    """Correct a known resident (the importer's checks; audited with old and new values)."""
    with station.db.write() as session:
        return update_resident(
            session,
            station.office_id,
            nik,
            changes,
            operator=operator,
            today=today,
            now=station.clock.now(),
        )
