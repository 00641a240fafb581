"""The operator's word is checked (issue "Trust under attack", point 10).

``--operator USER`` used to be taken on trust: a locked-out operator issued and revoked letters
from the CLI and the audit said only "petrus". Now the CLI checks USER's PIN (``STATION_PIN``
or a hidden prompt) with the operator app's lockout, the core refuses admin acts to anyone but
an admin whatever face asks, and every audit event names its channel and the OS user.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from station.home.context import Station, init_station, open_station
from station.home.keys import active_key, revoke_key, rotate_key
from station.letters.store import revoke_letter
from station.office import admin as office_admin
from station.office.operators import NotAdmin, reset_pin, set_active
from station.office.sign_in import MAX_FAILED_PINS, WRONG
from station.store import audit
from station.store.models import AuditEvent, Letter, Operator
from tests.helpers.cli_auth import TEST_PIN, add_operators
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents, issue_args, run_cli
from tests.helpers.office import signed_template


def _open(home: Path) -> Station:
    station = open_station(home)
    add_residents(station.db, station.office_id)
    add_operators(station, "ani")  # an operator
    add_operators(station, "kepala", role="admin")
    return station


@pytest.fixture
def office(home: Path) -> Iterator[Station]:
    """A SQLite station with residents, the operator ``ani`` and the admin ``kepala``, both
    with the tests' PIN (``STATION_PIN``)."""
    init_station(home, template=signed_template(home))
    station = _open(home)
    try:
        yield station
    finally:
        station.close()


@pytest.fixture
def any_office(station_home: Path) -> Iterator[Station]:
    """The same on SQLite and on PostgreSQL."""
    station = _open(station_home)
    try:
        yield station
    finally:
        station.close()


def _letters(station: Station) -> int:
    with station.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Letter)) or 0)


def _operator(station: Station, username: str) -> Operator:
    with station.db.read() as session:
        return session.scalars(select(Operator).where(Operator.username == username)).one()


# --- the CLI checks the PIN, with the app's lockout ------------------------------------------


def test_a_wrong_pin_is_refused_and_counts_toward_the_lockout(
    office: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATION_PIN", "0000")
    result, data = run_cli(*issue_args())
    assert result.exit_code == 1
    assert data == {"error": WRONG, "code": "bad_pin"}
    assert _letters(office) == 0
    assert _operator(office, "ani").failed_attempts == 1  # counted in the database
    # an unknown operator gets the very same answer
    result, unknown = run_cli(*issue_args()[:6], "--operator", "siapa", "--no-print")
    assert (result.exit_code, unknown) == (1, data)


def test_a_locked_out_operator_can_neither_issue_nor_revoke(
    office: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, issued = run_cli(*issue_args())  # before: ani may issue
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("STATION_PIN", "0000")
    codes = [run_cli(*issue_args("SKD", WIFE))[1]["code"] for _ in range(MAX_FAILED_PINS)]
    assert codes == ["bad_pin"] * (MAX_FAILED_PINS - 1) + ["locked"]
    locked = _operator(office, "ani")
    assert locked.locked_until is not None and locked.locked_until > dt.datetime.now(dt.UTC)

    monkeypatch.setenv("STATION_PIN", TEST_PIN)  # the right PIN does not open the lock
    result, refused = run_cli(*issue_args("SKD", WIFE))
    assert result.exit_code == 1 and refused["code"] == "locked"
    assert "terkunci" in refused["error"]
    result, refused = run_cli(
        "letter", "revoke", issued["number"], "--reason", "coba", "--operator", "ani"
    )
    assert result.exit_code == 1 and refused["code"] == "locked"
    assert _letters(office) == 1
    result, shown = run_cli("letter", "show", issued["number"])
    assert shown["status"] == "issued"


def test_an_inactive_operator_is_refused_like_an_unknown_one(office: Station) -> None:
    with office.db.write() as session:
        set_active(session, office.office_id, "ani", False, by="kepala")
    result, data = run_cli(*issue_args())
    assert (result.exit_code, data) == (1, {"error": WRONG, "code": "bad_pin"})
    assert _letters(office) == 0


def test_without_station_pin_and_without_a_terminal_the_command_is_refused(
    office: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATION_PIN")
    result, data = run_cli(*issue_args())
    assert result.exit_code == 1 and data["code"] == "pin_required"
    assert "STATION_PIN" in data["error"] and "ani" in data["error"]
    assert _letters(office) == 0
    assert _operator(office, "ani").failed_attempts == 0  # no attempt was made


def test_the_resident_pin_on_stdin_is_never_taken_for_the_operators(
    office: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``residents pin set`` reads the resident's new PIN from stdin; the operator's PIN comes
    only from STATION_PIN or the terminal, never from that stdin."""
    from click.testing import CliRunner
    from sqlalchemy import update

    from station.cli import cli
    from station.office.operators import pin_matches
    from station.store.models import Resident, ResidentPin

    with office.db.write() as session:
        session.execute(update(Resident).where(Resident.nik == HEAD).values(ektp_recorded=True))
    monkeypatch.delenv("STATION_PIN")
    args = ["residents", "pin", "set", HEAD, "--operator", "ani", "--json"]
    result = CliRunner().invoke(cli, args, input=f"{TEST_PIN}\n")
    assert result.exit_code == 1 and '"pin_required"' in result.stdout
    monkeypatch.setenv("STATION_PIN", TEST_PIN)
    result = CliRunner().invoke(cli, args, input="482913\n")
    assert result.exit_code == 0, result.output
    with office.db.read() as session:  # the resident's PIN is the one from stdin
        stored = session.scalars(select(ResidentPin)).one()
        assert pin_matches(stored.pin_hash, "482913")


def test_a_real_process_without_a_terminal_is_refused_with_exit_1(office: Station) -> None:
    env = {k: v for k, v in os.environ.items() if k != "STATION_PIN"}
    done = subprocess.run(
        [sys.executable, "-m", "station", *issue_args()],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "STATION_PIN" in done.stderr and "Traceback" not in done.stderr
    assert _letters(office) == 0


# --- roles live in the core -------------------------------------------------------------------


def _revoke(station: Station, who: str | None) -> None:
    number = _issue_one(station)
    with station.db.write() as session:
        revoke_letter(session, station.office_id, number, reason="Data salah", operator=who)  # type: ignore[arg-type]


def _issue_one(station: Station) -> str:
    with station.db.read() as session:
        found = session.scalar(select(Letter.number).where(Letter.status == "issued"))
    if found:
        return str(found)
    result, issued = run_cli(*issue_args())
    assert result.exit_code == 0, result.output
    return str(issued["number"])


def _rotate(station: Station, who: str | None) -> None:
    with station.db.write() as session:
        rotate_key(session, station.office_id, station.config.keys_dir, by=who)


def _compromise(station: Station, who: str | None) -> None:
    with station.db.read() as session:
        key = active_key(session, station.office_id)
        assert key is not None
        key_id = key.key_id
    with station.db.write() as session:
        revoke_key(
            session, station.office_id, station.config.keys_dir, key_id, reason="bocor", by=who
        )


def _counter(station: Station, who: str | None) -> None:
    with station.db.write() as session:
        office_admin.create_counter(session, station.office_id, 7, "", ["A"], by=who)  # type: ignore[arg-type]


def _pin(station: Station, who: str | None) -> None:
    with station.db.write() as session:
        reset_pin(session, station.office_id, "ani", "8642", by=who)  # type: ignore[arg-type]


def _new_operator(station: Station, who: str | None) -> None:
    values = {"username": "budi", "display_name": "Budi", "role": "admin", "pin": "8642"}
    office_admin.create_operator(station, values, by=who)  # type: ignore[arg-type]


ADMIN_ACTS: dict[str, Callable[[Station, str | None], None]] = {
    "revoke a letter": _revoke,
    "rotate the key": _rotate,
    "declare the key compromised": _compromise,
    "add a counter": _counter,
    "reset a PIN": _pin,
    "add an operator": _new_operator,
}


@pytest.mark.parametrize("act", list(ADMIN_ACTS))
def test_only_an_admin_may_in_the_core(any_office: Station, act: str) -> None:
    """Called directly, as any face would: an operator, an unknown name, nobody and the shell
    are refused and nothing changes; the admin may."""
    do = ADMIN_ACTS[act]
    for who in ("ani", "siapa", None, "shell:root"):
        with pytest.raises(NotAdmin) as refused:
            do(any_office, who)
        assert refused.value.code == "not_admin" and "Hanya admin" in refused.value.message
    do(any_office, "kepala")


def test_a_deactivated_admin_is_no_admin(any_office: Station) -> None:
    add_operators(any_office, "wakil", role="admin")
    with any_office.db.write() as session:
        set_active(session, any_office.office_id, "wakil", False, by="kepala")
    with pytest.raises(NotAdmin):
        _rotate(any_office, "wakil")


def test_an_operator_revoking_from_the_cli_is_refused_by_the_core(office: Station) -> None:
    number = _issue_one(office)
    result, data = run_cli("letter", "revoke", number, "--reason", "salah", "--operator", "ani")
    assert result.exit_code == 1 and data["code"] == "not_admin"
    result, shown = run_cli("letter", "show", number)
    assert shown["status"] == "issued"
    result, data = run_cli("keys", "rotate", "--operator", "ani")
    assert result.exit_code == 1 and data["code"] == "not_admin"
    result, data = run_cli("keys", "rotate")  # the shell user is no admin either
    assert result.exit_code == 1 and data["code"] == "not_admin"
    result, data = run_cli("letter", "revoke", number, "--reason", "salah", "--operator", "kepala")
    assert result.exit_code == 0 and data["status"] == "revoked"
    # each refusal is on the record: who asked, what, through which channel
    with office.db.read() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "admin.refused").order_by(AuditEvent.id)
        ).all()
        assert [(e.operator, e.details["act"], e.channel) for e in refused] == [
            ("ani", "mencabut surat", "cli"),
            ("ani", "mengganti kunci tanda tangan", "cli"),
            (f"shell:{getpass.getuser()}", "mengganti kunci tanda tangan", "cli"),
        ]
        assert audit.verify_chain(session, office.office_id).ok  # in the chain like any event


# --- the audit names the channel and the OS user ----------------------------------------------


def test_the_audit_names_the_cli_channel_and_the_os_user(office: Station) -> None:
    result, issued = run_cli(*issue_args())
    assert result.exit_code == 0, result.output
    with office.db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "letter.issue", AuditEvent.subject == issued["number"]
            )
        ).one()
        login = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "operator.login")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert (event.operator, event.channel, event.os_user) == ("ani", "cli", audit.os_user())
    assert login is not None and (login.subject, login.channel) == ("ani", "cli")
    result, listed = run_cli("audit", "list", "--action", "letter.issue")
    assert result.exit_code == 0
    assert listed["events"][0]["channel"] == "cli"
    assert listed["events"][0]["os_user"] == audit.os_user()
    result, verified = run_cli("audit", "verify")
    assert result.exit_code == 0 and verified["ok"] is True


def test_the_os_user_is_named_even_without_a_passwd_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    def no_user() -> Any:
        raise KeyError("getpwuid(): uid not found: 4242")

    monkeypatch.setattr(getpass, "getuser", no_user)
    name = audit.os_user.__wrapped__()
    assert name.startswith("uid:") or name == "?"


def test_on_a_terminal_the_pin_is_asked_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    import click

    from station.cli import common

    class Terminal:
        def isatty(self) -> bool:
            return True

    asked: list[tuple[str, bool]] = []

    def prompt(text: str, *, hide_input: bool = False, **_: Any) -> str:
        asked.append((text, hide_input))
        return " 2468 "

    monkeypatch.delenv("STATION_PIN")
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(click, "prompt", prompt)
    assert common.operator_pin("ani") == "2468"
    assert asked == [("PIN petugas ani", True)]
    monkeypatch.setenv("STATION_PIN", "1357")  # a script's PIN wins; nothing is asked
    assert common.operator_pin("ani") == "1357" and len(asked) == 1
