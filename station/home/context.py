"""Opening a station: its config, its database (migrated to head) and its office.

Every process (CLI, operator app, kiosk, board, web) starts here, so every process migrates
the schema to head before touching data (docs/architecture.md §Processes). Each face names
itself when it opens the station (``channel``: ``app``, ``cli``, ``kiosk``, ``board``, ``box``,
``web``); every audit event it writes records that channel and the OS user.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from station.home.config import StationConfig, load_config, resolve_home, write_default_config
from station.home.keys import ensure_signing_key
from station.office.clock import OfficeClock
from station.office.identity import find_office, office_drift, sync_office
from station.office.services import seed_queue_defaults
from station.store import audit
from station.store.db import Database, is_sqlite
from station.store.errors import StationError


def _check_channel(channel: str | None) -> None:
    if channel is not None and channel not in audit.CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; one of {audit.CHANNELS}")


class NotInitialised(StationError):
    """The home has no office yet; ``station init`` must run first."""


@dataclass
class Station:
    """An open station: its config, database, office and the one clock every face reads.
    ``channel``: the face that opened it, recorded with every audit event (station.store.audit).
    """

    config: StationConfig
    db: Database
    office_id: int
    clock: OfficeClock = field(default=None)  # type: ignore[assignment]  # set in __post_init__
    channel: str | None = None

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = OfficeClock(self.config.tz)
        if self.channel is not None:
            _check_channel(self.channel)
            self.db.channel = self.channel
        else:
            self.channel = self.db.channel

    @property
    def home(self) -> Path:
        return self.config.home

    def close(self) -> None:
        self.db.dispose()


@dataclass(frozen=True)
class InitResult:
    home: Path
    database: str
    key_id: str
    created_config: bool
    created_key: bool
    office_changed: bool


def display_url(url: str) -> str:
    """The database URL without its password, fit for output."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}@{host}" if user else f"{scheme}://@{host}"
    return url


class JoinError(StationError):
    """An office PC cannot join the city database; the message says what to do."""


def office_template(home: Path, database_url: str, office_code: str) -> StationConfig:
    """The config of an office PC joining the city database: the office's identity as the
    city administrator recorded it (``station office add``), and the database URL its role
    was given (``station city grant``)."""
    from dataclasses import fields

    from station.home.config import OfficeConfig

    db = Database(database_url)
    try:
        with db.read() as session:
            office = find_office(session, office_code)
            if office is None:
                raise JoinError(
                    f"Kantor {office_code} belum ada di basis data kota. Minta admin kota "
                    f"menjalankan: station office add {office_code}"
                )
            values = {f.name: getattr(office, f.name) for f in fields(OfficeConfig)}
            extra = (office.verify_base_url, office.timezone)
    finally:
        db.dispose()
    template = StationConfig(home=home, office=OfficeConfig(**values))
    template.database_url = database_url
    if extra[0]:
        template.verify_base_url = extra[0]
    template.timezone = extra[1] or template.timezone
    return template


def init_station(
    home: str | os.PathLike[str] | None = None,
    *,
    template: StationConfig | None = None,
    join: bool = False,
    channel: str | None = None,
) -> InitResult:
    """Create the home, config, database, office and signing key; safe to run again.

    ``join``: an office PC joining a city database: the office must already exist there
    (it is never created from this PC's config), and the new signing key's private half stays
    in this home while its public half goes into the city database."""
    _check_channel(channel)
    home_path = resolve_home(home)
    home_path.mkdir(parents=True, exist_ok=True)
    os.chmod(home_path, 0o700)
    _, created_config = write_default_config(home_path, template)
    config = load_config(home_path)
    if created_config:
        os.chmod(config.config_path, 0o600)  # it may hold the database password
    db = Database(config.database_url, channel=channel)
    try:
        with db.write() as session:
            if join and find_office(session, config.office.code) is None:
                raise JoinError(
                    f"Kantor {config.office.code} belum ada di basis data kota. Minta admin "
                    f"kota menjalankan: station office add {config.office.code}"
                )
            office, office_changed = sync_office(session, config)
            key_id, created_key = ensure_signing_key(session, office.id, config.keys_dir)
            seed_queue_defaults(session, office.id)  # services A-C and Loket 1-2, if missing
            if created_config or office_changed or created_key:
                audit.record(
                    session,
                    office_id=office.id,
                    action="station.init",
                    subject=office.code,
                    details={
                        "config_created": created_config,
                        "office_changed": office_changed,
                        "key_created": key_id if created_key else None,
                    },
                )
    finally:
        db.dispose()
    if is_sqlite(config.database_url):
        database_path = config.database_url.split(":///", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            candidate = Path(database_path + suffix)
            if candidate.exists():
                os.chmod(candidate, 0o600)
    return InitResult(
        home=home_path,
        database=display_url(config.database_url),
        key_id=key_id,
        created_config=created_config,
        created_key=created_key,
        office_changed=office_changed,
    )


def _follow_config(db: Database, config: StationConfig) -> None:
    """``station.toml`` was edited since ``init`` ("edit and restart"): the office row takes
    the file's identity (the lurah's name, the address ...) before this program issues
    anything, so every program signs with the file it was started with (docs/domain.md,
    letter conventions). Audited with the columns that changed."""
    with db.write() as session:
        office = find_office(session, config.office.code)
        if office is None:
            return
        changed = office_drift(office, config)
        if not changed:
            return
        sync_office(session, config)
        audit.record(
            session,
            office_id=office.id,
            action="office.settings",
            subject=office.code,
            details={"changed": [f"office.{name}" for name in changed], "from": "station.toml"},
        )


def open_station(
    home: str | os.PathLike[str] | None = None,
    *,
    daily_backup: bool = False,
    channel: str | None = None,
) -> Station:
    """Open an initialised station; raises NotInitialised with the command to run.

    ``daily_backup``: long-running apps pass True so the first start of the day backs up
    (station.home.backup); one-shot commands and tests leave it off. ``channel``: the face
    opening it (``station.store.audit.CHANNELS``), named in every audit event it writes."""
    _check_channel(channel)
    config = load_config(home)
    if not config.config_path.exists() and not os.environ.get("STATION_DATABASE_URL"):
        raise NotInitialised(
            f"Station belum disiapkan di {config.home}. Jalankan dulu: station init"
        )
    db = Database(config.database_url, channel=channel)
    with db.read() as session:
        office = find_office(session, config.office.code)
    if office is None:
        db.dispose()
        raise NotInitialised(
            f"Kantor {config.office.code} belum ada di basis data. Jalankan dulu: station init"
        )
    if office_drift(office, config):
        _follow_config(db, config)
    station = Station(config=config, db=db, office_id=office.id, channel=channel)
    if daily_backup:
        from station.home.backup import BackupError, daily_backup_if_due

        try:
            daily_backup_if_due(station)
        except (BackupError, OSError) as exc:  # never keep the office from opening
            import logging

            logging.getLogger("station.backup").warning("Cadangan harian gagal: %s", exc)
    return station


@dataclass
class CityServer:
    """The city server's view of the database: every office, no office of its own (the
    verification page for the whole city, ``station serve --city``, and the city commands)."""

    config: StationConfig
    db: Database
    office_id: int | None = None
    clock: OfficeClock = field(default=None)  # type: ignore[assignment]  # set in __post_init__
    # The city's read-only role (``[database] city_url``): what the mayor's view reads
    # through (``/kota``, ``station city report``); None: ``db`` serves it too.
    reader: Database | None = None

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = OfficeClock(self.config.tz)

    @property
    def home(self) -> Path:
        return self.config.home

    @property
    def city_db(self) -> Database:
        """The database the mayor's view reads: the city role's when configured."""
        return self.reader if self.reader is not None else self.db

    def close(self) -> None:
        self.db.dispose()
        if self.reader is not None and self.reader is not self.db:
            self.reader.dispose()


def open_city(
    home: str | os.PathLike[str] | None = None, *, channel: str | None = None
) -> CityServer:
    """The city database named by the home's config (or ``STATION_DATABASE_URL``); ``channel``
    names the face in the audit as for :func:`open_station`."""
    _check_channel(channel)
    config = load_config(home)
    if not config.config_path.exists() and not os.environ.get("STATION_DATABASE_URL"):
        raise NotInitialised(
            f"Station belum disiapkan di {config.home}. Isi [database] url di station.toml "
            "atau STATION_DATABASE_URL dengan alamat basis data kota."
        )
    reader = Database(config.city_database_url) if config.city_database_url else None
    return CityServer(
        config=config, db=Database(config.database_url, channel=channel), reader=reader
    )


def open_city_view(
    home: str | os.PathLike[str] | None = None, *, channel: str | None = None
) -> CityServer:
    """The mayor's view alone (``station city report``): only the city role's database when
    ``[database] city_url`` (or ``STATION_CITY_DATABASE_URL``) names it, so the process
    holds no URL that can read a resident; else the city database as :func:`open_city`."""
    _check_channel(channel)
    config = load_config(home)
    if not config.city_database_url:
        return open_city(home, channel=channel)
    reader = Database(config.city_database_url, channel=channel)
    return CityServer(config=config, db=reader, reader=reader)
