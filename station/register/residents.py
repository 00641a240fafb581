"""The resident register: lookup by exact NIK, name search, and the name index.

Files are imported by ``station.register.importing.bulk``; a resident typed in at the desk by
``station.register.registration``. Both write names through :func:`index_names` /
:func:`reindex_names`, the one place that keeps the SQLite FTS5 index in step.

Name search must be forgiving (case, accents, punctuation, word order, unfinished words) and
fast at a million residents. Each resident keeps the normalised words of the name in
``search_text``; the database's own full-text engine (SQLite FTS5, PostgreSQL GIN over
``to_tsvector('simple', ...)``, both created by migration 0001) intersects the prefix matches of
the query words, and the few hundred candidates are ranked here.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from station.register.importing.schema import DATA_COLUMNS
from station.register.nik import mask_nik, normalize_nik, parse_nik
from station.store import audit
from station.store.errors import StationError
from station.store.models import Resident

SEARCH_LIMIT = 20
_CANDIDATE_CAP = 400
_JOINERS = str.maketrans("", "", "'’`´")
_PUNCTUATION_TO_SPACE = str.maketrans(
    {chr(c): " " for c in range(128) if not chr(c).isalnum() and not chr(c).isspace()}
)


class RegisterError(StationError):
    """A refusal worded for the person at the keyboard (Bahasa Indonesia)."""


# --- names -----------------------------------------------------------------------------------


def name_tokens(name: str) -> list[str]:
    """Lower-case ASCII words of a name, accents and punctuation gone, in order, unique.

    ``D'COSTA`` gives ``dcosta`` (apostrophes join) so a query typed either way matches.
    """
    text = name.translate(_JOINERS)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = text.lower().translate(_PUNCTUATION_TO_SPACE).split()
    if len(words) == len(set(words)) and all(len(w) <= 60 for w in words):
        return words
    return list(dict.fromkeys(w[:60] for w in words))


# --- lookup and search -----------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    residents: list[Resident]
    truncated: bool  # more residents matched than were returned


def get_by_nik(session: Session, nik: str) -> Resident | None:
    return session.scalars(select(Resident).where(Resident.nik == nik)).one_or_none()


def lookup_nik(
    session: Session,
    office_id: int,
    text: str,
    *,
    operator: str | None,
    purpose: str = "",
    terminal: str = "",
    today: dt.date | None = None,
) -> Resident | None:
    """Exact NIK lookup, recorded in the audit trail (UU PDP access log) in the same
    transaction. An invalid NIK is refused before the register is touched; ``today`` (the
    office's day, from the station's clock) is what "a birth date in the future" means."""
    nik = normalize_nik(text)
    info = parse_nik(nik, today=today)
    if not info.valid:
        raise RegisterError("; ".join(issue.message for issue in info.errors))
    resident = get_by_nik(session, nik)
    audit.record(
        session,
        office_id=office_id,
        action="resident.lookup",
        subject=nik,
        details={"found": resident is not None, "purpose": purpose, "terminal": terminal},
        operator=operator,
    )
    return resident


def search_text(name: str) -> str:
    return " ".join(name_tokens(name))


def _is_sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


def index_names(connection: Connection, entries: Sequence[tuple[int, str]]) -> None:
    """Add (resident id, search_text) to the SQLite FTS5 index. Every write of a resident's
    name goes through here or ``reindex_names`` (PostgreSQL's GIN index maintains itself)."""
    if entries and _is_sqlite(connection):
        connection.exec_driver_sql(
            "INSERT INTO resident_fts(rowid, search_text) VALUES (?, ?)", list(entries)
        )


def reindex_names(connection: Connection, changes: Sequence[tuple[int, str, str]]) -> None:
    """Replace (id, old search_text, new search_text) in the SQLite FTS5 index."""
    if changes and _is_sqlite(connection):
        connection.exec_driver_sql(
            "INSERT INTO resident_fts(resident_fts, rowid, search_text) VALUES ('delete', ?, ?)",
            [(resident_id, old) for resident_id, old, _ in changes],
        )
        index_names(connection, [(resident_id, new) for resident_id, _, new in changes])


def _next_ids(connection: Connection, count: int) -> list[int]:
    """Ids for new residents, so the FTS5 rows can be written without reading them back.
    Safe because a SQLite writer holds the database lock (BEGIN IMMEDIATE)."""
    start = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM resident").scalar()
    return list(range(int(start or 0) + 1, int(start or 0) + 1 + count))


def _matching_ids(session: Session, tokens: Sequence[str], *, prefix: bool) -> list[int]:
    """Ids of residents having, for every query word, a name word equal to it, or starting
    with it when ``prefix``; at most ``_CANDIDATE_CAP``. Words are [0-9a-z]+ (name_tokens),
    so they are safe inside the engines' query syntax; they are still bound, never spliced."""
    if session.get_bind().dialect.name == "sqlite":
        star = "*" if prefix else ""
        match = " AND ".join(f'"{token}"{star}' for token in tokens)
        stmt = text("SELECT rowid FROM resident_fts WHERE resident_fts MATCH :q LIMIT :cap")
    else:
        star = ":*" if prefix else ""
        match = " & ".join(f"{token}{star}" for token in tokens)
        stmt = text(
            "SELECT id FROM resident WHERE to_tsvector('simple', search_text) "
            "@@ to_tsquery('simple', :q) LIMIT :cap"
        )
    return list(session.scalars(stmt, {"q": match, "cap": _CANDIDATE_CAP}))


def _rank(query_tokens: Sequence[str], words: Sequence[str], name: str) -> tuple[int, int, str]:
    """Whole-word matches first, then query words in the name's order, then alphabetical."""
    exact = sum(1 for token in query_tokens if token in words)
    positions = [
        next((i for i, w in enumerate(words) if w.startswith(token)), len(words))
        for token in query_tokens
    ]
    in_order = int(positions == sorted(positions))
    return (-exact, -in_order, name)


def search_names(session: Session, query: str, *, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Residents whose name has, for each query word, a word starting with it; best first."""
    tokens = name_tokens(query)
    if not tokens:
        return SearchResult([], False)
    # Whole-word matches first, so that a common prefix ("mar") cannot crowd out "maria"; when
    # they alone fill the page, prefix matches could not outrank them.
    ids = dict.fromkeys(_matching_ids(session, tokens, prefix=False))
    if len(ids) <= limit:
        ids.update(dict.fromkeys(_matching_ids(session, tokens, prefix=True)))
    if not ids:
        return SearchResult([], False)
    # Rank on (id, search_text, name) only; load whole rows just for the page shown.
    candidates = sorted(
        session.execute(
            select(Resident.id, Resident.search_text, Resident.name).where(Resident.id.in_(ids))
        ),
        key=lambda c: _rank(tokens, c.search_text.split(), c.name),
    )
    page = [c.id for c in candidates[:limit]]
    loaded = {r.id: r for r in session.scalars(select(Resident).where(Resident.id.in_(page)))}
    return SearchResult([loaded[i] for i in page], len(ids) > limit)


def find(
    session: Session,
    office_id: int,
    query: str,
    *,
    operator: str | None,
    limit: int = SEARCH_LIMIT,
    terminal: str = "",
) -> SearchResult:
    """By exact NIK when the query is all digits, otherwise by name; audited either way.

    Partial NIKs are refused on purpose: a prefix search would let anyone enumerate the
    register by birth date (docs/domain.md §5).
    """
    compact = normalize_nik(query)
    if compact.isdigit():
        if len(compact) != 16:
            raise RegisterError(
                f"Cari NIK harus dengan 16 digit lengkap (tertulis {len(compact)} digit)."
            )
        resident = lookup_nik(session, office_id, compact, operator=operator, terminal=terminal)
        return SearchResult([resident] if resident else [], False)
    if not name_tokens(query):
        raise RegisterError("Ketik NIK 16 digit atau sebagian nama.")
    result = search_names(session, query, limit=limit)
    audit.record(
        session,
        office_id=office_id,
        action="resident.search",
        subject=None,
        details={"query": query[:100], "results": len(result.residents)},
        operator=operator,
    )
    return result


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def resident_dict(resident: Resident, *, mask: bool = False) -> dict[str, Any]:
    """JSON-ready view of a resident; ``mask`` hides the NIK and KK for public output."""
    data: dict[str, Any] = {"nik": mask_nik(resident.nik) if mask else resident.nik}
    for column in DATA_COLUMNS:
        value = getattr(resident, column)
        data[column] = value.isoformat() if isinstance(value, dt.date) else value
    if mask:
        data["kk_number"] = mask_nik(resident.kk_number)
    data["updated_at"] = resident.updated_at.isoformat()
    return data
