"""Backups and restores of a station (docs/backup.md).

Why it is built this way:
- **Consistent while others write.** SQLite: the online backup API
  (``sqlite3.Connection.backup``) copies a snapshot of the live WAL database in one step, while
  the operator apps and the kiosk keep writing. PostgreSQL: ``pg_dump`` in custom format, which
  reads one transaction snapshot.
- **One archive** (``.tar.gz``): ``manifest.json`` (format, office, dialect, schema revision,
  SHA-256 of every member, the office's key ids), the database, and ``station.toml`` with its
  database URL blanked (it may hold a password). The public keys travel inside the database
  (``signing_key``), so letters verify after a restore. **Private keys are not included**: a
  stolen backup must not be able to forge letters (keys.py); keep ``keys/`` on separate,
  offline media, or rotate after a restore.
- **Never a half backup.** The archive is written to a hidden temporary file in the target
  folder and renamed into place only when complete and fsynced; a full disk removes the temp
  files and says so plainly.
- **A restore is checked before it is accepted**: into a staging folder beside the new home;
  each member once (a duplicate is refused); the archive's ``station.toml`` shown to the admin
  to accept (``confirm``) before anything is restored; PRAGMA integrity_check and
  foreign_key_check (SQLite), schema migrated to head and then compared with what the
  migrations alone produce (``schema_differences``: an extra trigger or view, a missing index,
  a changed column are refused), every office's audit chain verified; only then renamed to
  the home. An existing home is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import glob
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from station.store import audit
from station.store.db import Database, current_revision, head_revision, is_sqlite, migrate_to_head
from station.store.errors import DatabaseBusy, DatabaseUnavailable, StationError

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "station.db"
PG_MEMBER = "station.pgdump"
CONFIG_MEMBER = "station.toml"
MEMBERS = {MANIFEST, SQLITE_MEMBER, PG_MEMBER, CONFIG_MEMBER}
DAILY_PREFIX = "station-daily-"
SUFFIX = ".tar.gz"
KEEP_DAILY = 14
WORK_PREFIX = ".station-backup-"
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class BackupError(StationError):
    """A backup or restore that cannot be done, worded for the admin (Bahasa Indonesia)."""


class RestoreDeclined(BackupError):
    """The admin did not accept the archive's configuration; nothing was restored."""

    def __init__(self, message: str, config: str | None) -> None:
        super().__init__(message)
        self.config = config


@dataclass
class RestoreResult:
    home: Path
    dialect: str
    office_code: str
    created_at: str
    checks: dict[str, Any] = field(default_factory=dict)
    keys_missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "home": str(self.home),
            "dialect": self.dialect,
            "office_code": self.office_code,
            "created_at": self.created_at,
            "checks": self.checks,
            "keys_missing": self.keys_missing,
        }


# --- helpers ---------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
        return True
    if isinstance(exc, sqlite3.Error):  # SQLITE_FULL, or SQLITE_IOERR (EFBIG, quota)
        return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (13, 10) or "full" in str(exc)
    return False


def _sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1].split("?", 1)[0])


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries it."""
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
        parsed = parsed.set(password=None)
    return parsed.render_as_string(hide_password=False), env


def pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore`` from PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True, key=_version):
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    raise BackupError(f"Program {name} tidak ditemukan. Pasang paket klien PostgreSQL.")


def _version(path: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path)) or (0,)


def _blank_database_url(text: str) -> str:
    """The config without the database URL (it may hold a password, and the restored home
    decides its own database)."""
    return re.sub(r"(?m)^url\s*=.*$", 'url = ""', text)


# --- backup ----------------------------------------------------------------------------------


def _copy_sqlite(url: str, target: Path) -> None:
    source = sqlite3.connect(_sqlite_path(url), timeout=30)
    try:
        source.execute("PRAGMA busy_timeout = 30000")
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # one step: a consistent snapshot even while others write
            status = copy.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            copy.close()
    finally:
        source.close()
    if status != "ok":
        raise BackupError(f"Salinan basis data tidak utuh: {status}")


def _dump_pg(url: str, target: Path) -> None:
    uri, env = _libpq(url)
    command = [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), uri]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        message = done.stderr.strip()
        if "No space left" in message or "could not write" in message:
            raise OSError(errno.ENOSPC, message)
        raise BackupError(f"pg_dump gagal: {message}")


def _manifest(station: Any, db_member: Path, dialect: str, now: dt.datetime) -> dict[str, Any]:
    from station.home.keys import office_keys
    from station.store.models import Office

    with station.db.read() as session:
        office = session.get(Office, station.office_id)
        keys = [k.key_id for k in office_keys(session, station.office_id)]
    return {
        "format": FORMAT,
        "created_at": now.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "office_code": office.code if office else station.config.office.code,
        "dialect": dialect,
        "revision": current_revision(station.db.engine),
        "key_ids": keys,
        "includes_private_keys": False,
        "files": {db_member.name: _sha256(db_member)},
    }


def default_name(station: Any, now: dt.datetime) -> str:
    local = now.astimezone(station.config.tz)
    code = station.config.office.code.replace(".", "")
    return f"station-backup-{code}-{local:%Y%m%d-%H%M%S}{SUFFIX}"


def _destination(station: Any, dest: str | os.PathLike[str] | None, now: dt.datetime) -> Path:
    """The archive's path. An existing folder, or a name ending in ``/`` (given as a
    ``str``: a ``Path`` drops the slash), is a folder and the archive gets a dated name in
    it; any other name is the archive's own file name. A missing folder named with ``/`` is
    created 0700, but only inside a folder that exists: ``/media/usb/cadangan/`` while the
    stick is not mounted must not quietly become a folder on the office PC's own disk."""
    if dest is None:
        folder = Path(station.config.backups_dir)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder / default_name(station, now)
    raw = os.fspath(dest)
    target = Path(raw)
    if target.is_dir():
        return target / default_name(station, now)
    if not raw.endswith(("/", os.sep)):
        return target
    if target.exists() or target.is_symlink():
        raise BackupError(f"{raw} sudah ada dan bukan folder; pilih folder lain.")
    if not target.parent.is_dir():
        raise BackupError(
            f"Folder {target.parent} tidak ada; folder cadangan {target.name}/ hanya dibuat "
            "di dalam folder yang sudah ada. Apakah media cadangan sudah terpasang?"
        )
    try:
        target.mkdir(mode=0o700)
    except FileExistsError:  # made meanwhile by another backup: use it
        pass
    except OSError as exc:
        raise BackupError(f"Folder {target} tidak dapat dibuat: {exc.strerror or exc}") from exc
    return target / default_name(station, now)


def backup(station: Any, dest: str | os.PathLike[str] | None = None, *, now: Any = None) -> Path:
    """Write a consistent backup archive and return its path.

    ``dest``: a folder (the file gets a dated name; see :func:`_destination` for a missing
    one), a file path, or None for the home's ``backups/`` folder. ``now`` (default: the
    station's clock) dates the file and manifest."""
    now = now or station.clock.now()
    target = _destination(station, dest, now)
    folder = target.parent
    if not folder.is_dir():
        raise BackupError(f"Folder tujuan {folder} tidak ada.")
    with _folder_lock(folder):
        if target.exists():
            raise BackupError(f"Berkas {target} sudah ada; pilih nama lain.")
        _clear_leftovers(folder)
        _write_archive(station, target, now)
    _record(station, target)
    return target


def _record(station: Any, target: Path) -> None:
    """Audit the backup (a full copy of the register left the database). The archive is
    already safe on disk: a busy or unreachable database must not turn it into a failure."""
    try:
        with station.db.write() as session:
            audit.record(
                session,
                office_id=station.office_id,
                action="station.backup",
                subject=target.name,
                details={"bytes": target.stat().st_size, "folder": str(target.parent)},
            )
    except (DBAPIError, DatabaseBusy, DatabaseUnavailable):
        pass


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """One backup at a time per target folder, so that the leftovers found while holding the
    lock can only be those of a backup that was killed (power cut) and are safe to remove."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)  # the folder itself: no lock file
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _clear_leftovers(folder: Path) -> None:
    """Remove a killed backup's temporary folder and partial archive: hidden, never mistaken
    for a backup, but a full copy of the personal data that nobody would ever delete."""
    for path in folder.glob(f"{WORK_PREFIX}*"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
    for path in folder.glob(f".*{SUFFIX}.partial"):
        path.unlink(missing_ok=True)


def _write_archive(station: Any, target: Path, now: dt.datetime) -> None:
    folder = target.parent
    work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=folder))
    partial = folder / f".{target.name}.partial"
    try:
        url = station.db.url
        dialect = "sqlite" if is_sqlite(url) else "postgresql"
        db_member = work / (SQLITE_MEMBER if dialect == "sqlite" else PG_MEMBER)
        if dialect == "sqlite":
            _copy_sqlite(url, db_member)
        else:
            _dump_pg(url, db_member)
        manifest = _manifest(station, db_member, dialect, now)
        members = [db_member]
        config_path = station.config.config_path
        if config_path.exists():
            config_copy = work / CONFIG_MEMBER
            config_copy.write_text(_blank_database_url(config_path.read_text("utf-8")), "utf-8")
            manifest["files"][CONFIG_MEMBER] = _sha256(config_copy)
            members.append(config_copy)
        manifest_path = work / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True), "utf-8")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as archive:
                for member in (manifest_path, *members):
                    archive.add(member, arcname=member.name, recursive=False)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
        _fsync_dir(folder)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if _disk_full(exc):
            raise BackupError(
                f"Tidak dapat menulis ke {folder}: ruang disk penuh (atau media tidak dapat "
                "ditulis); cadangan tidak dibuat dan tidak ada berkas setengah jadi yang "
                "tertinggal. Kosongkan ruang atau pilih tujuan lain."
            ) from exc
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def daily_backup_if_due(
    station: Any, *, now: dt.datetime | None = None, keep: int = KEEP_DAILY
) -> Path | None:
    """At the first start of an office-local day: back up into ``backups/`` and keep the
    newest ``keep`` daily backups. Returns the new file, or None when not due (or when another
    process is making it right now)."""
    if not is_sqlite(station.db.url):
        # One city PostgreSQL: every office PC would dump every office's register. The
        # server is backed up where it runs (`station backup` or pg_dump from its own cron).
        return None
    now = now or station.clock.now()  # the office's day decides whether one is due
    folder: Path = station.config.backups_dir
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    day = now.astimezone(station.config.tz).date()
    target = folder / f"{DAILY_PREFIX}{day.isoformat()}{SUFFIX}"
    if target.exists():
        return None
    with (folder / ".daily.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # another process is backing up now
        if target.exists():
            return None
        made = backup(station, target, now=now)
        prune_daily(folder, keep)
    return made


def prune_daily(folder: Path, keep: int = KEEP_DAILY) -> list[Path]:
    """Delete all but the newest ``keep`` daily backups (their names sort by date)."""
    daily = sorted(folder.glob(f"{DAILY_PREFIX}*{SUFFIX}"))
    doomed = daily[:-keep] if keep > 0 else daily
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


# --- restore ---------------------------------------------------------------------------------


def _read_archive(file: Path, staging: Path) -> dict[str, Any]:
    """Extract the known members into ``staging`` and check their digests."""
    try:
        with tarfile.open(file, mode="r:gz") as archive:
            seen: set[str] = set()
            for member in archive.getmembers():
                if member.name not in MEMBERS or not member.isfile():
                    raise BackupError(f"Berkas cadangan berisi anggota asing: {member.name!r}")
                if member.name in seen:  # the later copy would silently replace the first
                    raise BackupError(f"Berkas cadangan memuat anggota {member.name!r} dua kali.")
                seen.add(member.name)
                source = archive.extractfile(member)
                assert source is not None
                with source, (staging / member.name).open("wb") as out:
                    shutil.copyfileobj(source, out)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        if isinstance(exc, OSError) and _disk_full(exc):
            raise BackupError("Ruang disk penuh saat membuka cadangan.") from exc
        raise BackupError(
            f"Berkas cadangan {file} rusak atau bukan cadangan Station: {exc}"
        ) from exc
    manifest_path = staging / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"Berkas cadangan {file} tidak memuat {MANIFEST}.")
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} rusak: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format cadangan {manifest.get('format')!r} tidak dikenal.")
    for name, digest in manifest.get("files", {}).items():
        path = staging / name
        if name not in MEMBERS or not path.exists() or _sha256(path) != digest:
            raise BackupError(f"Isi cadangan {name} tidak cocok dengan catatannya (rusak).")
    return manifest


def _check_sqlite_file(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(path)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"Basis data dalam cadangan rusak: {exc}") from exc
    finally:
        conn.close()
    if integrity != ["ok"]:
        raise BackupError("PRAGMA integrity_check gagal: " + "; ".join(integrity[:5]))
    if foreign:
        raise BackupError(f"Ada {len(foreign)} baris dengan kunci asing yang putus.")
    return {"integrity_check": "ok", "foreign_key_check": "ok"}


# --- schema: exactly what the migrations make -------------------------------------------------

SchemaObject = tuple[str, str, str]  # (kind, name, definition)
REFERENCE_SCHEMA = "station_schema_reference"  # PostgreSQL: the reference, dropped after
_LABELS = {
    "table": "tabel",
    "column": "kolom",
    "index": "indeks",
    "constraint": "batasan (constraint)",
    "trigger": "pemicu (trigger)",
    "view": "view",
    "materialized view": "materialized view",
    "sequence": "sequence",
    "foreign table": "tabel asing",
    "function": "fungsi",
    "rule": "aturan (rule)",
    "policy": "kebijakan (policy)",
    "type": "tipe",
    "schema": "skema",
    "extension": "ekstensi",
    "event trigger": "pemicu peristiwa (event trigger)",
}
_sqlite_reference: dict[str | None, set[SchemaObject]] = {}
# SQLite's own tables (AUTOINCREMENT, ANALYZE); no other object may use a sqlite_ name.
_SQLITE_BOOKKEEPING = re.compile(r"sqlite_sequence|sqlite_stat[1-4]")


def _sqlite_objects(path: Path) -> set[SchemaObject]:
    """Every entry of ``sqlite_master`` (tables with their columns in their SQL, indexes,
    triggers, views), whitespace normalised; SQLite's own bookkeeping tables left out."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    finally:
        conn.close()
    return {
        (kind, name, f"{table}: {_normalised_sql(kind, sql or '')}")
        for kind, name, table, sql in rows
        if not (kind == "table" and _SQLITE_BOOKKEEPING.fullmatch(name))
    }


def _normalised_sql(kind: str, sql: str) -> str:
    """Whitespace collapsed; a table's columns and constraints sorted, because a batch
    migration (which rebuilds a table) writes its foreign keys in no fixed order."""
    sql = " ".join(sql.split())
    start, end = sql.find("("), sql.rfind(")")
    if kind != "table" or start < 0 or end < start or "VIRTUAL" in sql[:start].upper():
        return sql
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in sql[start + 1 : end]:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"`[":
            quote = "]" if char == "[" else char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return f"{sql[:start]}({', '.join(sorted(parts))}){sql[end + 1 :]}"


def _sqlite_expected() -> set[SchemaObject]:
    """The schema of a fresh SQLite database migrated to head (made once per process)."""
    head = head_revision()
    if head not in _sqlite_reference:
        with tempfile.TemporaryDirectory(prefix="station-schema-") as folder:
            path = Path(folder) / "reference.db"
            migrate_to_head(f"sqlite:///{path}")
            _sqlite_reference[head] = _sqlite_objects(path)
    return _sqlite_reference[head]


def _pg_objects(conn: Any, schema: str) -> set[SchemaObject]:
    """The objects of one PostgreSQL schema from the catalog, with the schema's name taken out
    of their definitions so that two schemas compare."""
    rows: list[Any] = []
    bound = {"s": schema}
    rows += conn.execute(
        text(
            "SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' "
            "WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'table' END, c.relname, "
            "CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) ELSE '' END "
            "|| ' rls=' || c.relrowsecurity::text "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
        ),
        bound,
    ).all()
    rows += conn.execute(
        text(
            "SELECT 'column', table_name || '.' || column_name, data_type || ' ' || is_nullable "
            "|| ' ' || coalesce(character_maximum_length::text, '') || ' ' "
            "|| coalesce(column_default, '') FROM information_schema.columns "
            "WHERE table_schema = :s"
        ),
        bound,
    ).all()
    rows += conn.execute(
        text("SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = :s"), bound
    ).all()
    rows += conn.execute(
        text(
            "SELECT 'constraint', cl.relname || '.' || con.conname, pg_get_constraintdef(con.oid) "
            "FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid "
            "JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = :s"
        ),
        bound,
    ).all()
    rows += conn.execute(
        text(
            "SELECT 'trigger', t.tgname, cl.relname || ': ' || pg_get_triggerdef(t.oid) "
            "FROM pg_trigger t JOIN pg_class cl ON cl.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = cl.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = :s"
        ),
        bound,
    ).all()
    rows += conn.execute(
        text(
            "SELECT 'function', p.proname || '(' || pg_get_function_identity_arguments(p.oid) "
            "|| ')', md5(coalesce(p.prosrc, '')) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :s"
        ),
        bound,
    ).all()
    rows += conn.execute(
        text(
            "SELECT 'rule', tablename || '.' || rulename, definition FROM pg_rules "
            "WHERE schemaname = :s"
        ),
        bound,
    ).all()
    rows += conn.execute(
        text(
            "SELECT 'policy', tablename || '.' || policyname, "
            "coalesce(qual, '') || ' ' || coalesce(with_check, '') FROM pg_policies "
            "WHERE schemaname = :s"
        ),
        bound,
    ).all()
    rows += conn.execute(
        text(
            "SELECT 'type', t.typname, t.typtype::text FROM pg_type t "
            "JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_class c "
            "ON c.oid = t.typrelid WHERE n.nspname = :s "
            "AND (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND c.relkind = 'c'))"
        ),
        bound,
    ).all()
    prefixes = (f'"{schema}".', f"{schema}.")
    objects = set()
    for kind, name, definition in rows:
        for prefix in prefixes:
            definition = (definition or "").replace(prefix, "")
        objects.add((str(kind), str(name), " ".join(definition.split())))
    return objects


def _pg_outside_public(conn: Any) -> set[SchemaObject]:
    """What Station never makes anywhere in its database: other schemas, extensions other than
    the built-in plpgsql, event triggers."""
    rows = conn.execute(
        text(
            "SELECT 'schema', nspname, '' FROM pg_namespace WHERE nspname NOT IN "
            "('public', 'pg_catalog', 'information_schema', 'station_schema_reference') "
            "AND nspname NOT LIKE 'pg\\_%' "
            "UNION ALL SELECT 'extension', extname, '' FROM pg_extension "
            "WHERE extname <> 'plpgsql' "
            "UNION ALL SELECT 'event trigger', evtname, '' FROM pg_event_trigger"
        )
    ).all()
    return {(str(kind), str(name), "") for kind, name, _ in rows}


def _pg_schema(url: str) -> tuple[set[SchemaObject], set[SchemaObject]]:
    """(found, expected): the restored ``public`` schema, and a reference made by migrating a
    new, empty schema of the same database to head, dropped again afterwards."""
    from station.store.db import make_engine

    engine = make_engine(url)
    reference = make_url(url).update_query_dict({"options": f"-csearch_path={REFERENCE_SCHEMA}"})
    try:
        return _pg_compare(engine, reference.render_as_string(hide_password=False))
    except DBAPIError as exc:
        raise BackupError(
            f"Skema pembanding {REFERENCE_SCHEMA} tidak dapat dibuat di basis data tujuan "
            f"(perlu hak CREATE): {exc.orig}"
        ) from exc
    finally:
        engine.dispose()


def _pg_compare(engine: Any, reference_url: str) -> tuple[set[SchemaObject], set[SchemaObject]]:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS station_schema_reference CASCADE"))
        conn.execute(text("CREATE SCHEMA station_schema_reference"))
    try:
        migrate_to_head(reference_url)
        with engine.connect() as conn:
            found = _pg_objects(conn, "public") | _pg_outside_public(conn)
            expected = _pg_objects(conn, REFERENCE_SCHEMA)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS station_schema_reference CASCADE"))
    return found, expected


def schema_differences(url: str) -> list[str]:
    """How the database's schema differs from what Station's migrations make (Indonesian, one
    entry per extra, missing or changed object); empty when it is exactly Station's.

    SQLite: every ``sqlite_master`` entry against a fresh database migrated to head.
    PostgreSQL: tables, columns, indexes, constraints, triggers, views, sequences, functions,
    rules, policies and types of ``public`` against a reference schema migrated to head in the
    same database, and no other schema, extension (but plpgsql) or event trigger."""
    if is_sqlite(url):
        found, expected = _sqlite_objects(_sqlite_path(url)), _sqlite_expected()
    else:
        found, expected = _pg_schema(url)
    extra = {(kind, name) for kind, name, _ in found - expected}
    missing = {(kind, name) for kind, name, _ in expected - found}
    changed = extra & missing
    out = [f"{_LABELS.get(k, k)} tambahan {n!r}" for k, n in sorted(extra - changed)]
    out += [f"{_LABELS.get(k, k)} {n!r} tidak ada" for k, n in sorted(missing - changed)]
    out += [f"{_LABELS.get(k, k)} {n!r} berbeda" for k, n in sorted(changed)]
    return out


def _check_schema_and_audit(url: str) -> dict[str, Any]:
    from alembic.script import ScriptDirectory

    from station.store.audit import verify_chain
    from station.store.db import alembic_config, make_engine
    from station.store.models import Office

    engine = make_engine(url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    scripts = ScriptDirectory.from_config(alembic_config(url))
    try:
        known = revision is not None and scripts.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        known = False
    if not known:
        raise BackupError(
            f"Revisi skema cadangan {revision!r} tidak dikenal versi Station ini (lebih baru?)."
        )
    migrated = migrate_to_head(url)
    db = Database(url, migrate=False)
    try:
        if current_revision(db.engine) != head_revision():
            raise BackupError("Skema basis data tidak dapat dibawa ke versi terbaru.")
        differences = schema_differences(url)
        if differences:
            raise BackupError(
                "Skema basis data cadangan bukan skema Station: " + "; ".join(differences[:10])
            )
        chains: dict[str, int] = {}
        with db.read() as session:
            for office in session.scalars(select(Office).order_by(Office.id)):
                report = verify_chain(session, office.id)
                if not report.ok:
                    raise BackupError(f"Jejak audit {office.code} rusak: {report.problem}")
                chains[office.code] = report.events
    finally:
        db.dispose()
    return {
        "revision": head_revision(),
        "migrated": migrated,
        "schema": "sama dengan migrasi",
        "audit_events": chains,
    }


# What a pg_dump of Station's database lists (``pg_restore --list``): tables and their data,
# sequences, defaults, constraints, indexes, and the public schema's own entries. A function,
# trigger, view, rule, policy, extension... is none of these.
_PG_DUMP_KINDS = (
    "TABLE",
    "TABLE DATA",
    "SEQUENCE",
    "SEQUENCE SET",
    "SEQUENCE OWNED BY",
    "DEFAULT",
    "CONSTRAINT",
    "FK CONSTRAINT",
    "INDEX",
    "TYPE",
    "SCHEMA",
    "COMMENT",
    "ACL",
)
_TOC_LINE = re.compile(r"^\s*\d+;\s*\d+\s+\d+\s+(?P<entry>.+)$")


def _pg_dump_foreign_entries(dump: Path) -> list[str]:
    """The entries of the dump's table of contents that Station's schema never has. This
    reads the list ``pg_restore`` would run; a crafted file can still hide SQL inside an
    allowed entry, which the catalog comparison after the restore then finds."""
    command = [pg_tool("pg_restore"), "--list", str(dump)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise BackupError(f"pg_restore --list gagal: {done.stderr.strip()}")
    foreign = []
    for line in done.stdout.splitlines():
        match = _TOC_LINE.match(line)
        if match is None:
            continue
        entry = match.group("entry").strip()
        words = entry.split()
        # the longest kind the entry starts with (TABLE DATA, not TABLE)
        kinds = [k for k in _PG_DUMP_KINDS if words[: len(k.split())] == k.split()]
        if not kinds and not _row_security_entry(words):
            foreign.append(entry)
    return foreign


def _row_security_entry(words: list[str]) -> bool:
    """An object of the city's row security (migration 0011, station.store.rowsecurity), by
    its exact name: its functions and views, the ``station_*`` policies and the row-security
    switch of the office tables. Their definitions are then checked like every other object
    by the catalog comparison after the restore."""
    from station.store import rowsecurity

    tables = {*rowsecurity.OFFICE_TABLES, *rowsecurity.CHILD_TABLES, "office"}
    functions = {"station_office_id()", "station_is_admin()"}
    functions |= {f"{name}_rows()" for name in rowsecurity.VIEWS}
    policies = {rowsecurity.POLICY, *rowsecurity.OFFICE_POLICIES}
    if words[:2] == ["FUNCTION", "public"] and len(words) == 4:
        return words[2] in functions
    if words[:2] == ["FUNCTION", "public"] and len(words) > 4:
        # the city report's figures (migration 0012) and trend (0014) functions: argument types
        signatures = (rowsecurity.FIGURES_SIGNATURE, rowsecurity.TREND_SIGNATURE)
        return " ".join(words[2:-1]) in signatures
    if words[:2] == ["VIEW", "public"] and len(words) == 4:
        return words[2] in rowsecurity.VIEWS
    if words[:2] == ["POLICY", "public"] and len(words) == 5:
        return words[2] in tables and words[3] in policies
    if words[:3] == ["ROW", "SECURITY", "public"] and len(words) == 5:
        return words[3] in tables
    return False


def _restore_pg(dump: Path, url: str) -> None:
    from sqlalchemy import inspect

    from station.store.db import make_engine

    engine = make_engine(url)
    try:
        if inspect(engine).get_table_names():
            raise BackupError("Basis data PostgreSQL tujuan tidak kosong; gunakan basis data baru.")
    finally:
        engine.dispose()
    foreign = _pg_dump_foreign_entries(dump)
    if foreign:  # refused before pg_restore runs any of it
        raise BackupError(
            "Cadangan PostgreSQL memuat objek yang tidak dibuat Station: " + "; ".join(foreign[:10])
        )
    uri, env = _libpq(url)
    command = [pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", uri, str(dump)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise BackupError(f"pg_restore gagal: {done.stderr.strip()}")


def restore(
    file: str | os.PathLike[str],
    home: str | os.PathLike[str],
    *,
    database_url: str | None = None,
    confirm: Callable[[str | None], bool] | None = None,
) -> RestoreResult:
    """Restore ``file`` into a new, empty ``home``; checked before the home appears.

    SQLite backups become ``home/station.db``. A PostgreSQL backup needs ``database_url``,
    an empty database, which is written into the new home's station.toml.

    ``confirm`` is shown the archive's ``station.toml`` (its text, as checked against the
    manifest, or None when the archive has none) before anything is restored; when it answers
    False, ``RestoreDeclined`` is raised and nothing is left behind. The config becomes the
    home's own (printer, key folder, office), so the admin accepts it; None accepts it."""
    source = Path(file)
    target = Path(home).expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} sudah ada dan tidak kosong; pulihkan ke folder baru.")
    if not source.is_file():
        raise BackupError(f"Berkas cadangan {source} tidak ada.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.restoring-", dir=target.parent))
    try:
        manifest = _read_archive(source, staging)
        config = staging / CONFIG_MEMBER
        shown = config.read_text("utf-8", errors="replace") if config.exists() else None
        if confirm is not None and not confirm(shown):
            raise RestoreDeclined("Konfigurasi dalam cadangan tidak diterima.", shown)
        checks: dict[str, Any] = {}
        dialect = manifest.get("dialect")
        if dialect == "sqlite":
            db_file = staging / SQLITE_MEMBER
            if not db_file.exists():
                raise BackupError("Cadangan tidak memuat basis data.")
            checks.update(_check_sqlite_file(db_file))
            url = f"sqlite:///{db_file}"
        elif dialect == "postgresql":
            if not database_url or is_sqlite(database_url):
                raise BackupError("Cadangan PostgreSQL: sebutkan --database-url basis data kosong.")
            _restore_pg(staging / PG_MEMBER, database_url)
            url = database_url
        else:
            raise BackupError(f"Jenis basis data {dialect!r} tidak dikenal.")
        checks.update(_check_schema_and_audit(url))
        _finish_home(staging, manifest, dialect, database_url)
        if target.exists():
            target.rmdir()
        os.rename(staging, target)
        _fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreResult(
        home=target,
        dialect=dialect,
        office_code=manifest.get("office_code", ""),
        created_at=manifest.get("created_at", ""),
        checks=checks,
        keys_missing=list(manifest.get("key_ids", [])),
    )


def _finish_home(
    staging: Path, manifest: dict[str, Any], dialect: str, database_url: str | None
) -> None:
    """Leave only what a home holds; tighten modes (the register is personal data)."""
    (staging / MANIFEST).unlink()
    (staging / PG_MEMBER).unlink(missing_ok=True)
    config = staging / CONFIG_MEMBER
    if dialect == "postgresql" and config.exists() and database_url:
        text = config.read_text("utf-8").replace('url = ""', f"url = {json.dumps(database_url)}")
        config.write_text(text, "utf-8")
    os.chmod(staging, 0o700)
    for path in staging.iterdir():
        with contextlib.suppress(OSError):  # a -wal/-shm may vanish as the checks close
            os.chmod(path, 0o600)
