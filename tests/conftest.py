"""Shared fixtures: a real SQLite file and a real PostgreSQL server for every database test.

PostgreSQL tests are skipped only on a developer machine without the binaries; under CI
(``CI`` set) a missing server is a failure, never a silent skip.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.pg import TempCluster, find_bindir

os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(Path.home() / ".cache" / "station"))

_counter = itertools.count()


@pytest.fixture(autouse=True)
def station_pin(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every ``--operator`` command checks the operator's PIN; tests give it as scripts do,
    through ``STATION_PIN`` (tests.helpers.cli_auth)."""
    from tests.helpers.cli_auth import TEST_PIN

    monkeypatch.setenv("STATION_PIN", TEST_PIN)
    return TEST_PIN


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[TempCluster]:
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries not found in CI; .ci/run must install postgresql")
        pytest.skip("PostgreSQL binaries not installed on this machine")
    cluster = TempCluster(bindir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: TempCluster) -> str:
    return pg_cluster.create_database(f"test_{os.getpid()}_{next(_counter)}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'station.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs twice: on a SQLite file and on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'station.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty station home, selected through the environment as a user would."""
    path = tmp_path / "home"
    monkeypatch.setenv("STATION_HOME", str(path))
    monkeypatch.delenv("STATION_DATABASE_URL", raising=False)
    monkeypatch.delenv("STATION_PRINTER", raising=False)
    return path


@pytest.fixture
def station_home(home: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An initialised home on SQLite or PostgreSQL (parametrised through ``db_url``)."""
    from station.home.context import init_station
    from tests.helpers.office import signed_template

    if not db_url.startswith("sqlite"):
        monkeypatch.setenv("STATION_DATABASE_URL", db_url)
    init_station(home, template=signed_template(home))
    return home


@pytest.fixture
def station(home: Path) -> Iterator[Any]:
    """An initialised SQLite home, opened, with one operator: ``sari``, PIN 2468."""
    from station.home.context import init_station, open_station
    from station.office.operators import add_operator
    from tests.helpers.office import signed_template

    init_station(home, template=signed_template(home))
    opened = open_station(home)
    with opened.db.write() as session:
        add_operator(
            session, opened.office_id, username="sari", display_name="Sari Ndun",
            role="operator", pin="2468",
        )  # fmt: skip
    try:
        yield opened
    finally:
        opened.close()
