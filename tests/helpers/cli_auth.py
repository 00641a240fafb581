"""Operators whose PIN the CLI checks: ``--operator USER`` asks USER's PIN (``STATION_PIN``
for scripts, station.cli.common.operator_pin). The tests' ``STATION_PIN`` is ``TEST_PIN``
(set for every test by tests/conftest.py), so an operator added here is accepted by every
``--operator`` command; a test about refusals sets or clears ``STATION_PIN`` itself."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

TEST_PIN = "2468"  # also the PIN of ``sari`` in the ``station`` fixture


@functools.cache
def test_pin_hash() -> str:
    from station.office.operators import hash_pin

    return hash_pin(TEST_PIN)


def add_operators(
    target: Path | Any, *usernames: str, role: str = "operator", active: bool = True
) -> None:
    """Add operators with ``TEST_PIN`` to a home (a path: opened and closed here) or an open
    station; existing usernames are left as they are."""
    from sqlalchemy import select

    from station.home.context import open_station
    from station.store.models import Operator

    station = open_station(target) if isinstance(target, Path) else target
    try:
        with station.db.write() as session:
            existing = set(
                session.scalars(
                    select(Operator.username).where(Operator.office_id == station.office_id)
                )
            )
            for username in usernames:
                if username in existing:
                    continue
                session.add(
                    Operator(
                        office_id=station.office_id,
                        username=username,
                        display_name=username.title(),
                        role=role,
                        pin_hash=test_pin_hash(),
                        active=active,
                    )
                )
    finally:
        if isinstance(target, Path):
            station.close()
