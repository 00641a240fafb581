"""The bulk import of a resident file into the register.

Good rows are upserted by NIK in batches (each batch one write transaction with its audit
event, so a running office is never blocked for long); rows identical to the register are left
untouched; bad rows never touch the register and are listed, with their row number, in a CSV
report next to the file.  For big files the reading and validation
(:mod:`~station.register.importing.files`, :mod:`~station.register.importing.rows`) run in a
second, spawned process, so that one core parses while the other writes.  On SQLite the new
residents' ids are taken in advance so their names go into the FTS5 index in one statement
(``station.register.residents.index_names``).
"""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from station.register.importing.files import ImportFormatError, ImportReader, count_data_rows
from station.register.importing.rows import RejectedRow, ValidRow
from station.register.importing.schema import DATA_COLUMNS, INSERT_DEFAULTS
from station.register.residents import (
    _is_sqlite,
    _next_ids,
    index_names,
    reindex_names,
    search_text,
)
from station.store import audit
from station.store.db import Database, bulk_insert
from station.store.files import private_file, safe_cell
from station.store.models import Resident, utcnow


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
            record = dict(INSERT_DEFAULTS)
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


# The report echoes what a hostile file held, and the office opens it in a spreadsheet: a
# cell that would start a formula gets an apostrophe (CSV injection, station/store/files.py).
report_cell = safe_cell


def _write_report(path: Path, rejections: Iterable[RejectedRow], warned: list[ValidRow]) -> None:
    """The rejection report: NIKs and reasons, so private (0600) like every export."""
    with private_file(path, "w", newline="", encoding="utf-8-sig") as handle:
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
