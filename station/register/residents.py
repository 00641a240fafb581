"""The resident register: lookup by exact NIK, name search, and import into the database.

Name search must be forgiving (case, accents, punctuation, word order, unfinished words) and
fast at a million residents. Each resident keeps the normalised words of the name in
``search_text``; the database's own full-text engine (SQLite FTS5, PostgreSQL GIN over
``to_tsvector('simple', ...)``, both created by migration 0001) intersects the prefix matches of
the query words, and the few hundred candidates are ranked here.
"""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from sqlalchemy import Connection, bindparam, select, text, update
from sqlalchemy.orm import Session

from station.register.importing import (
    CANONICAL_FIELDS,
    ImportFormatError,
    ImportReader,
    RejectedRow,
    ValidRow,
    count_data_rows,
)
from station.register.nik import mask_nik, normalize_nik, parse_nik
from station.store import audit
from station.store.db import Database, bulk_insert
from station.store.errors import StationError
from station.store.models import Resident, utcnow

SEARCH_LIMIT = 20
_CANDIDATE_CAP = 400
_JOINERS = str.maketrans("", "", "'’`´")
_PUNCTUATION_TO_SPACE = str.maketrans(
    {chr(c): " " for c in range(128) if not chr(c).isalnum() and not chr(c).isspace()}
)

# Columns an import may fill; the register's identity is the NIK.
DATA_COLUMNS: tuple[str, ...] = tuple(f for f in CANONICAL_FIELDS if f != "nik")
_INSERT_DEFAULTS: dict[str, Any] = {
    "birth_place": "",
    "blood_type": "TIDAK TAHU",
    "address": "",
    "rt": "",
    "rw": "",
    "kelurahan": "",
    "kecamatan": "",
    "religion": "",
    "marital_status": "",
    "occupation": "",
    "nationality": "WNI",
    "education": "",
    "family_relationship": "",
    "father_name": "",
    "mother_name": "",
    "ektp_recorded": False,
    "ektp_recorded_on": None,
    "status": "active",
}


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
) -> Resident | None:
    """Exact NIK lookup, recorded in the audit trail (UU PDP access log) in the same
    transaction. An invalid NIK is refused before the register is touched."""
    nik = normalize_nik(text)
    info = parse_nik(nik)
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
    register by birth date (DOMAIN §5).
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


# --- import ----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    rows: int = 0
    seconds: float = 0.0
    report: Path | None = None
    rejections: list[RejectedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "report": str(self.report) if self.report else None,
            "notes": self.notes,
        }


ProgressCallback = Callable[[int, int | None], None]


def _apply_batch(
    session: Session, office_id: int, batch: list[ValidRow], result: ImportResult
) -> tuple[int, int]:
    """Upsert one batch by NIK; rows identical to the register are left untouched."""
    connection = session.connection()
    niks = [row.values["nik"] for row in batch]
    columns = [
        Resident.id,
        Resident.nik,
        Resident.search_text,
        *(getattr(Resident, c) for c in DATA_COLUMNS),
    ]
    existing = {
        row.nik: row for row in connection.execute(select(*columns).where(Resident.nik.in_(niks)))
    }
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: dict[frozenset[str], list[dict[str, Any]]] = {}
    renamed: list[tuple[int, str, str]] = []
    for row in batch:
        values = row.values
        current = existing.get(values["nik"])
        if current is None:
            record = dict(_INSERT_DEFAULTS)
            record.update(values)
            record["search_text"] = search_text(values["name"])
            inserts.append(record)
            continue
        changes = {
            key: value
            for key, value in values.items()
            if key != "nik" and getattr(current, key) != value
        }
        if not changes:
            result.unchanged += 1
            continue
        if "name" in changes:
            changes["search_text"] = search_text(changes["name"])
            renamed.append((current.id, current.search_text, changes["search_text"]))
        changes["updated_at"] = now
        changes["b_id"] = current.id
        updates.setdefault(frozenset(changes), []).append(changes)
    if inserts and _is_sqlite(connection):
        for resident_id, record in zip(_next_ids(connection, len(inserts)), inserts, strict=True):
            record["id"] = resident_id
    shared = {"office_id": office_id, "created_at": now, "updated_at": now}
    bulk_insert(connection, Resident.__table__, inserts, shared)  # type: ignore[arg-type]
    if inserts and _is_sqlite(connection):
        index_names(connection, [(record["id"], record["search_text"]) for record in inserts])
    for keys, rows in updates.items():
        stmt = (
            update(Resident)
            .where(Resident.id == bindparam("b_id"))
            .values({key: bindparam(key) for key in keys if key != "b_id"})
        )
        connection.execute(stmt, rows)
    reindex_names(connection, renamed)
    updated = sum(len(rows) for rows in updates.values())
    return len(inserts), updated


# A cell starting with one of these is a formula to Excel/LibreOffice (CSV injection): the
# report echoes what a hostile file held, and the office opens it in a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def report_cell(text: str) -> str:
    """A report cell a spreadsheet shows as text: a leading apostrophe disarms a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _write_report(path: Path, rejections: Iterable[RejectedRow], warned: list[ValidRow]) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["baris", "nik", "status", "alasan"])
        for rejection in rejections:
            writer.writerow(
                [
                    rejection.row_number,
                    report_cell(rejection.nik),
                    "ditolak",
                    report_cell(rejection.reason),
                ]
            )
        for row in warned:
            for warning in row.warnings:
                writer.writerow(
                    [
                        row.row_number,
                        report_cell(row.values.get("nik", "")),
                        "peringatan",
                        report_cell(warning),
                    ]
                )


_PARALLEL_MIN_BYTES = 1 << 20  # below ~4,000 rows a second process costs more than it saves
_CHUNK_ROWS = 5000


def _pack(rows: list[ValidRow]) -> tuple[Any, ...]:
    """Rows as columns of plain values (dates as ordinals): a third of the pickling cost."""
    keys = tuple(rows[0].values)
    date_keys = {k for k in keys if isinstance(rows[0].values[k], dt.date)}
    columns = []
    for key in keys:
        column = [row.values.get(key) for row in rows]
        if key in date_keys or any(isinstance(v, dt.date) for v in column[:1]):
            column = [v.toordinal() if isinstance(v, dt.date) else v for v in column]
            date_keys.add(key)
        columns.append(column)
    numbers = [row.row_number for row in rows]
    warnings = {i: row.warnings for i, row in enumerate(rows) if row.warnings}
    return keys, tuple(date_keys), columns, numbers, warnings


def _unpack(packed: tuple[Any, ...]) -> list[ValidRow]:
    keys, date_keys, columns, numbers, warnings = packed
    for index, key in enumerate(keys):
        if key in date_keys:
            columns[index] = [
                dt.date.fromordinal(v) if isinstance(v, int) else v for v in columns[index]
            ]
    rows = []
    for i, values in enumerate(zip(*columns, strict=True)):
        rows.append(ValidRow(numbers[i], dict(zip(keys, values, strict=True)), warnings.get(i, [])))
    return rows


def _validate_worker(path: str, today: dt.date, out: Any) -> None:
    """Child process: read and validate the file; ship good rows packed, bad rows as tuples.

    Messages: ("notes", [str]), then ("rows", packed, bad, order)..., then ("done",), or
    ("error", exception) at any point.
    """
    good: list[ValidRow] = []
    bad: list[tuple[int, str, str]] = []
    order: list[bool] = []  # True: next good row, False: next bad row (keeps file order)

    def ship() -> None:
        out.put(("rows", _pack(good) if good else None, bad[:], order[:]))
        good.clear()
        bad.clear()
        order.clear()

    try:
        with ImportReader(Path(path)) as reader:
            out.put(("notes", reader.notes()))
            for item in reader.validated(today=today):
                if isinstance(item, ValidRow):
                    # rows of one chunk must share their keys to be packed as columns
                    if good and item.values.keys() != good[0].values.keys():
                        ship()
                    good.append(item)
                    order.append(True)
                else:
                    bad.append((item.row_number, item.nik, item.reason))
                    order.append(False)
                if len(order) >= _CHUNK_ROWS:
                    ship()
        ship()
        out.put(("done",))
    except ImportFormatError as exc:
        out.put(("error", ImportFormatError(str(exc))))
    except Exception as exc:  # any other failure must reach the parent, not hang it
        out.put(("error", RuntimeError(f"validasi gagal: {exc!r}")))


def _validated_rows(
    path: Path, today: dt.date, notes: list[str]
) -> Iterator[ValidRow | RejectedRow]:
    """Rows of the file, validated in a second process for big files so that parsing and
    validation run on one core while this process writes to the database on the other.
    Notes about the header (unknown columns...) are appended to ``notes``."""
    if path.stat().st_size < _PARALLEL_MIN_BYTES:
        with ImportReader(path) as reader:
            notes.extend(reader.notes())
            yield from reader.validated(today=today)
        return
    context = multiprocessing.get_context("spawn")  # never fork a process that has threads
    queue = context.Queue(maxsize=8)
    worker = context.Process(target=_validate_worker, args=(str(path), today, queue), daemon=True)
    worker.start()
    try:
        while True:
            try:
                message = queue.get(timeout=1.0)
            except Empty:
                if not worker.is_alive():
                    raise RuntimeError("proses validasi berhenti tanpa kabar") from None
                continue
            kind = message[0]
            if kind == "done":
                break
            if kind == "error":
                raise message[1]
            if kind == "notes":
                notes.extend(message[1])
                continue
            _, packed, bad, order = message
            good = iter(_unpack(packed) if packed else [])
            rejected = iter(bad)
            for is_good in order:
                yield next(good) if is_good else RejectedRow(*next(rejected))
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()


def import_file(
    db: Database,
    office_id: int,
    path: Path,
    *,
    operator: str | None,
    today: dt.date,
    report_path: Path | None = None,
    progress: ProgressCallback | None = None,
    batch_size: int = 5000,
) -> ImportResult:
    """Import a CSV/XLSX register. Good rows are upserted by NIK in batches (each batch one
    transaction with its audit event, so a running office is never blocked for long); bad
    rows never touch the register and are listed with their row number in the report."""
    started = time.perf_counter()
    result = ImportResult()
    total = count_data_rows(path) if progress else None
    warned: list[ValidRow] = []
    batch: list[ValidRow] = []

    def flush() -> None:
        if not batch:
            return
        with db.write() as session:
            inserted, updated = _apply_batch(session, office_id, batch, result)
            audit.record(
                session,
                office_id=office_id,
                action="residents.import",
                subject=path.name,
                details={
                    "rows": [batch[0].row_number, batch[-1].row_number],
                    "imported": inserted,
                    "updated": updated,
                },
                operator=operator,
            )
        result.imported += inserted
        result.updated += updated
        batch.clear()
        if progress:
            progress(result.rows, total)

    for item in _validated_rows(path, today, result.notes):
        result.rows += 1
        if isinstance(item, RejectedRow):
            result.rejected += 1
            result.rejections.append(item)
            continue
        if item.warnings:
            result.warnings += len(item.warnings)
            warned.append(item)
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    flush()
    if result.rows == result.rejected:
        with db.write() as session:  # a file with no good row is still an act to record
            audit.record(
                session,
                office_id=office_id,
                action="residents.import",
                subject=path.name,
                details={"rows": result.rows, "rejected": result.rejected},
                operator=operator,
            )
    if result.rejected or result.warnings:
        report = report_path or path.with_name(f"{path.stem}.laporan.csv")
        _write_report(report, result.rejections, warned)
        result.report = report
    result.seconds = time.perf_counter() - started
    if progress:
        progress(result.rows, total)
    return result
