"""Region names imported into the database (Kemendagri table), consulted before the built-ins."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.register.regions import BuiltinRegions, ChainedRegions, RegionLookup
from station.store import audit
from station.store.models import Region


class DatabaseRegions:
    """Looks names up in the ``region`` table, remembering answers for the session's life."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._cache: dict[str, str | None] = {}

    def name(self, code: str) -> str | None:
        if code not in self._cache:
            self._cache[code] = self._session.scalar(select(Region.name).where(Region.code == code))
        return self._cache[code]


def region_lookup(session: Session | None) -> RegionLookup:
    if session is None:
        return BuiltinRegions()
    return ChainedRegions(DatabaseRegions(session), BuiltinRegions())


def import_regions(
    session: Session,
    office_id: int,
    rows: Sequence[tuple[str, str]],
    *,
    source: str,
    operator: str | None,
) -> tuple[int, int]:
    """Upsert (code, name) rows; returns (added, renamed). Unchanged rows are left alone."""
    existing: dict[str, str] = {
        code: name for code, name in session.execute(select(Region.code, Region.name))
    }
    added = renamed = 0
    for code, name in rows:
        current = existing.get(code)
        if current is None:
            session.add(Region(code=code, name=name))
            added += 1
        elif current != name:
            session.get_one(Region, code).name = name
            renamed += 1
        existing[code] = name
    session.flush()
    audit.record(
        session,
        office_id=office_id,
        action="regions.import",
        subject=source,
        details={"added": added, "renamed": renamed, "rows": len(rows)},
        operator=operator,
    )
    return added, renamed
