"""`station ticket ...` and `station queue ...` (docs/architecture.md §Command-line contract):
one JSON object with --json, exit 0 on success, 1 on a refusal (empty queue, wrong counter),
2 on wrong usage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from station.cli import cli
from tests.helpers.cli_auth import test_pin_hash
from tests.helpers.letter_helpers import HEAD, add_residents, issue_args
from tests.helpers.office import signed_template


def run(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, [*args, "--json"])
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one JSON line, got: {result.stdout!r} {result.stderr!r}"
    return result.exit_code, json.loads(lines[0])


def ok(*args: str) -> dict:
    code, data = run(*args)
    assert code == 0, data
    return data


def refused(*args: str) -> dict:
    code, data = run(*args)
    assert code == 1, data
    assert data["error"]
    return data


def _with_operators(home: Path) -> Path:
    """Two operators in an initialised home, their PIN the tests' STATION_PIN."""
    from station.home.context import open_station
    from station.store.models import Operator

    station = open_station(home)
    try:
        with station.db.write() as session:
            for username in ("yohana", "petrus", "ani"):
                session.add(
                    Operator(
                        office_id=station.office_id,
                        username=username,
                        display_name=username.title(),
                        role="operator",
                        pin_hash=test_pin_hash(),
                    )
                )
    finally:
        station.close()
    return home


def _add_resident(home: Path) -> None:
    from station.home.context import open_station

    station = open_station(home)
    try:
        add_residents(station.db, station.office_id)
    finally:
        station.close()


@pytest.fixture
def office(station_home: Path) -> Path:
    """On SQLite and on PostgreSQL."""
    return _with_operators(station_home)


@pytest.fixture
def sqlite_office(home: Path) -> Path:
    """The command-line layer does not depend on the database: SQLite is enough."""
    from station.home.context import init_station

    init_station(home, template=signed_template(home))
    return _with_operators(home)


C1 = ("--counter", "1", "--operator", "yohana")
C2 = ("--counter", "2", "--operator", "petrus")


def test_a_morning_at_the_counter(office: Path) -> None:
    first = ok("ticket", "take", "A")
    assert (first["number"], first["service"], first["ahead"]) == ("A-001", "A", 0)
    assert first["estimated_wait_min"] == 0 and "KTP-el asli" in first["documents"]
    second = ok("ticket", "take", "B", "--priority", "lansia")
    assert (second["number"], second["priority"], second["priority_reason"]) == (
        "B-001",
        True,
        "lansia",
    )
    assert ok("ticket", "take", "a")["number"] == "A-002"

    opened = ok("queue", "open", *C1, "--services", "A,B")
    assert opened["counter"] == 1 and opened["services"] == ["A", "B"] and opened["live"]
    called = ok("queue", "next", *C1)
    assert (called["number"], called["counter"], called["service"]) == ("B-001", 1, "B")
    assert ok("queue", "recall", *C1)["call_count"] == 2
    assert ok("queue", "start", *C1)["status"] == "serving"
    # Outcomes are facts: "Surat diterbitkan" only once a letter for this ticket exists.
    no_letter = refused("queue", "finish", *C1, "--outcome", "letter_issued")
    assert no_letter["code"] == "no_letter"
    assert "B-001 belum punya surat" in no_letter["error"]
    assert ok("queue", "status")["called"][0]["status"] == "serving"  # nothing changed
    _add_resident(office)
    ok(*issue_args("SKD", HEAD, "--ticket", "B-001"))
    done = ok("queue", "finish", *C1, "--outcome", "letter_issued")
    assert (done["status"], done["outcome"]) == ("done", "letter_issued")

    assert ok("queue", "next", *C1)["number"] == "A-001"
    moved = ok("queue", "transfer", *C1, "--to-service", "C")
    assert (moved["number"], moved["service"], moved["status"]) == ("A-001", "C", "waiting")
    ok("queue", "attach-nik", "A-002", "5371031708900001", "--operator", "petrus")

    status = ok("queue", "status")
    assert [t["number"] for t in status["waiting"]] == ["A-001", "A-002"]
    assert status["called"] == []
    assert [(c["number"], c["open"], c["operator"]) for c in status["counters"]] == [
        (1, True, "yohana"),
        (2, False, None),
    ]
    assert {s["prefix"]: s["waiting"] for s in status["services"]} == {"A": 1, "B": 0, "C": 1}

    ok("queue", "open", *C2)
    assert ok("queue", "next", *C2)["number"] == "A-001"  # now in C, still 08:00-ish first
    ok("queue", "finish", *C2, "--outcome", "information_given")
    assert ok("queue", "next", *C1)["number"] == "A-002"
    ok("queue", "finish", *C1, "--outcome", "documents_incomplete")

    empty = refused("queue", "next", *C1)
    assert empty["code"] == "empty" and "Antrean kosong" in empty["error"]
    ok("ticket", "take", "C")
    ok("queue", "close", *C2)
    end = ok("queue", "close-day", "--operator", "petrus", "--reason", "Kantor tutup")
    assert end["closed"] == 1 and end["numbers"] == ["C-001"] and end["by_service"] == {"C": 1}
    assert ok("queue", "check") == {"ok": True, "problems": []}
    assert ok("audit", "verify")["ok"] is True


def test_refusals_exit_1_and_usage_errors_exit_2(sqlite_office: Path) -> None:
    assert refused("ticket", "take", "Z")["code"] == "unknown_service"
    assert refused("queue", "next", *C1)["code"] == "counter_closed"
    assert refused("queue", "open", "--counter", "7", "--operator", "yohana")["code"] == (
        "unknown_counter"
    )
    # an unknown operator is refused at the PIN check, in the words of a wrong PIN
    unknown = refused("queue", "open", "--counter", "1", "--operator", "siapa")
    assert unknown == {"error": "Nama pengguna atau PIN salah.", "code": "bad_pin"}
    ok("queue", "open", *C1)
    assert refused("queue", "open", "--counter", "1", "--operator", "petrus")["code"] == (
        "counter_taken"
    )
    ok("ticket", "take", "A")
    ok("queue", "next", *C1)
    assert refused("queue", "no-show", *C1)["code"] == "too_few_calls"
    assert refused("queue", "next", *C1)["code"] == "counter_busy"
    ok("queue", "open", *C2)
    assert refused("queue", "takeover", *C2, "--ticket", "A-001")["code"] == "counter_live"
    assert refused("queue", "cancel", "A-009", "--operator", "petrus")["code"] == "not_found"
    assert refused("ticket", "take", "A", "--nik", "123")["code"] == "bad_nik"
    runner = CliRunner()
    assert runner.invoke(cli, ["queue", "finish", *C1, "--outcome", "senang"]).exit_code == 2
    assert runner.invoke(cli, ["ticket", "take", "A", "--priority", "vip"]).exit_code == 2
    assert runner.invoke(cli, ["queue", "next", "--counter", "1"]).exit_code == 2


def test_cover_and_takeover_from_the_command_line(office: Path) -> None:
    ok("queue", "open", *C1)
    ok("queue", "open", *C2)
    ok("ticket", "take", "B")
    ok("ticket", "take", "B")
    assert ok("queue", "next", *C2)["number"] == "B-001"
    closed = ok("queue", "close", *C2)
    assert closed["ticket"] == "B-001"
    assert refused("queue", "next", *C1)["code"] == "empty"  # counter 1 serves A and C
    covering = ok("queue", "open", *C1, "--cover")
    assert covering["cover"] is True and covering["services"] == ["A", "B", "C"]
    taken = ok("queue", "takeover", *C1, "--ticket", "B-001")
    assert (taken["counter"], taken["status"]) == (1, "called")
    ok("queue", "finish", *C1, "--outcome", "referred")
    assert ok("queue", "next", *C1)["number"] == "B-002"
    for _ in range(2):
        ok("queue", "recall", *C1)
    assert ok("queue", "no-show", *C1)["status"] == "no_show"
    assert ok("queue", "reactivate", "B-002", "--operator", "petrus")["status"] == "waiting"
    assert ok("queue", "cancel", "B-002", "--operator", "yohana")["status"] == "cancelled"


def test_human_output_is_indonesian(sqlite_office: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["ticket", "take", "A"])
    assert out.exit_code == 0 and "Nomor antrean A-001" in out.stdout
    runner.invoke(cli, ["queue", "open", *C1])
    out = runner.invoke(cli, ["queue", "next", *C1])
    assert "silakan menuju loket 1" in out.stdout
    out = runner.invoke(cli, ["queue", "status"])
    assert "Loket 1: buka" in out.stdout and "dipanggil" in out.stdout
    out = runner.invoke(cli, ["queue", "next", *C1])
    assert out.exit_code == 1 and "Gagal:" in out.stderr
