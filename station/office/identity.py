"""The office row, kept in step with the ``[office]`` section of ``station.toml``."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.home.config import StationConfig
from station.office.opening_hours import to_stored
from station.store.models import Office


def find_office(session: Session, code: str) -> Office | None:
    return session.scalars(select(Office).where(Office.code == code)).one_or_none()


def _wanted(config: StationConfig) -> dict[str, object]:
    wanted = asdict(config.office)
    wanted["verify_base_url"] = config.verify_base_url
    wanted["timezone"] = config.timezone
    wanted["opening_hours"] = to_stored(config.kiosk.hours())
    return wanted


def office_drift(office: Office, config: StationConfig) -> list[str]:
    """The office row's columns that differ from ``station.toml`` (edited since ``init``)."""
    return sorted(k for k, v in _wanted(config).items() if getattr(office, k) != v)


def sync_office(session: Session, config: StationConfig) -> tuple[Office, bool]:
    """Create or update the office from the config; returns (office, changed)."""
    wanted = _wanted(config)
    office = find_office(session, config.office.code)
    if office is None:
        office = Office(**wanted)
        session.add(office)
        session.flush()
        return office, True
    changed = False
    for key, value in wanted.items():
        if getattr(office, key) != value:
            setattr(office, key, value)
            changed = True
    session.flush()
    return office, changed
