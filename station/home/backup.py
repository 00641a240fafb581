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
  PRAGMA integrity_check and foreign_key_check (SQLite), schema migrated to head, every
  office's audit chain verified; only then renamed to the home. An existing home is refused.
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
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


def backup(station: Any, dest: str | os.PathLike[str] | None = None, *, now: Any = None) -> Path:
    """Write a consistent backup archive and return its path.

    ``dest``: a folder (the file gets a dated name), a file path, or None for the home's
    ``backups/`` folder."""
    now = now or dt.datetime.now(dt.UTC)
    target = Path(dest) if dest is not None else station.config.backups_dir
    if dest is None or target.is_dir() or str(dest).endswith(os.sep):
        target.mkdir(parents=True, exist_ok=True)
        target = target / default_name(station, now)
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
    now = now or dt.datetime.now(dt.UTC)
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
            for member in archive.getmembers():
                if member.name not in MEMBERS or not member.isfile():
                    raise BackupError(f"Berkas cadangan berisi anggota asing: {member.name!r}")
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
        chains: dict[str, int] = {}
        with db.read() as session:
            for office in session.scalars(select(Office).order_by(Office.id)):
                report = verify_chain(session, office.id)
                if not report.ok:
                    raise BackupError(f"Jejak audit {office.code} rusak: {report.problem}")
                chains[office.code] = report.events
    finally:
        db.dispose()
    return {"revision": head_revision(), "migrated": migrated, "audit_events": chains}


def _restore_pg(dump: Path, url: str) -> None:
    from sqlalchemy import inspect

    from station.store.db import make_engine

    engine = make_engine(url)
    try:
        if inspect(engine).get_table_names():
            raise BackupError("Basis data PostgreSQL tujuan tidak kosong; gunakan basis data baru.")
    finally:
        engine.dispose()
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
) -> RestoreResult:
    """Restore ``file`` into a new, empty ``home``; checked before the home appears.

    SQLite backups become ``home/station.db``. A PostgreSQL backup needs ``database_url``,
    an empty database, which is written into the new home's station.toml."""
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
