"""Numbers handed out one by one: ticket numbers (``ticket:A:2026-11-29``) and letter numbers
(``letter:2026``, ``letter:SKD:2026`` …), each a row of the ``sequence`` table per office.

One statement bumps the row and returns the new value, inside the caller's write
transaction: ``INSERT … ON CONFLICT DO UPDATE SET last_value = last_value + 1 RETURNING``
(SQLite ≥ 3.35, PostgreSQL). So:

- **no first-number race**: the first use of a scope by two processes at once is settled by
  the database's conflict handling, never by a duplicate-key error;
- **unique**: the row stays locked (PostgreSQL) or the database stays locked (SQLite, whose
  write transactions start with ``BEGIN IMMEDIATE``) until the caller's transaction ends;
- **gap-free**: a refusal later in the same transaction rolls the number back with everything
  else (a scope's new row included).

The audit chain head is a row of the same table (scope ``audit``) but no counter: it holds the
id of the newest audit event and is set, not bumped (``station.store.audit``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from station.store.models import Sequence


def next_value(session: Session, office_id: int, scope: str) -> int:
    """Bump (office, scope) and return the new value (1 for a scope's first use)."""
    values = {"office_id": office_id, "scope": scope, "last_value": 1}
    upsert: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        upsert = postgresql.insert(Sequence).values(values)
    else:
        from sqlalchemy.dialects import sqlite

        upsert = sqlite.insert(Sequence).values(values)
    stmt = upsert.on_conflict_do_update(
        index_elements=[Sequence.office_id, Sequence.scope],
        set_={"last_value": Sequence.last_value + 1},
    ).returning(Sequence.last_value)
    return int(session.execute(stmt).scalar_one())
