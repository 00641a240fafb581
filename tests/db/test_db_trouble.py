"""Database trouble reaches people as an Indonesian refusal, never a driver traceback:
the CLI's common wrapper, and the letter desk the operator app calls."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy.exc import OperationalError

from station.cli.common import command_output
from station.home.context import Station, open_station
from station.letters.desk import issue, revoke
from station.letters.store import IssueRequest, LetterRefusal, LetterSettings
from tests.helpers.letter_helpers import HEAD, add_residents


def _locked() -> OperationalError:
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))


def test_the_cli_wrapper_turns_a_locked_database_into_exit_1() -> None:
    @click.command()
    @command_output
    def busy() -> tuple[dict[str, str], str]:
        raise _locked()

    result = CliRunner().invoke(busy, ["--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["code"] == "db_busy" and "coba lagi" in data["error"]
    plain = CliRunner().invoke(busy, [])
    assert plain.exit_code == 1 and "Traceback" not in plain.output


def test_an_unknown_database_error_is_not_disguised() -> None:
    @click.command()
    @command_output
    def broken() -> tuple[dict[str, str], str]:
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))

    result = CliRunner().invoke(broken, ["--json"])
    assert isinstance(result.exception, OperationalError)


def test_issuing_under_a_held_lock_is_a_refusal_that_uses_no_number(
    station: Station, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    add_residents(station.db, station.office_id)
    monkeypatch.setenv("STATION_SQLITE_BUSY_TIMEOUT_MS", "200")
    busy_station = open_station(home)  # a new engine picks up the short timeout
    settings = LetterSettings.from_config(busy_station.config)
    request = IssueRequest(type_code="SKD", nik=HEAD, operator="sari", purpose="Melamar kerja")
    holder = sqlite3.connect(home / "station.db", timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(LetterRefusal) as refused:
            issue(busy_station, settings, request)
        assert refused.value.extra["code"] == "db_busy"
    finally:
        holder.rollback()
        holder.close()
    issued = issue(busy_station, settings, request)
    assert "/001/" in issued.number  # the refused attempt took no number
    status = revoke(
        busy_station,
        issued.number,
        reason="salah\x1b[31m ketik\u202e\nnama",
        operator="sari",
    )
    busy_station.close()
    assert status == "revoked"
    with station.db.read() as session:
        from station.store.models import Letter

        letter = session.query(Letter).one()
        assert letter.revoke_reason == "salah[31m ketik nama"
