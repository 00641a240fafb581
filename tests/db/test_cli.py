"""The command-line contract (docs/architecture.md §Command-line contract): --json prints one
object; exit codes 0/1/2."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from station.cli import cli


def run(*args: str, input: str | None = None) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, [*args, "--json"], input=input)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one JSON line, got: {result.stdout!r} {result.stderr!r}"
    return result.exit_code, json.loads(lines[0])


def test_init_creates_everything_once(home: Path) -> None:
    code, data = run("init")
    assert code == 0
    assert data["home"] == str(home.resolve())
    assert data["database"] == f"sqlite:///{home.resolve() / 'station.db'}"
    assert len(data["key_id"]) == 16
    key_file = home / "keys" / f"{data['key_id']}.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (home / "station.toml").exists()
    database_before = (home / "station.db").read_bytes()

    code, again = run("init")
    assert code == 0
    assert again["key_id"] == data["key_id"]
    assert again["created_config"] is False and again["created_key"] is False
    assert (home / "station.db").read_bytes() == database_before


def test_init_on_postgresql(home: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_DATABASE_URL", pg_url)
    code, data = run("init")
    assert code == 0 and data["database"].startswith("postgresql+psycopg://postgres@")
    assert not (home / "station.db").exists()
    code, audit = run("audit", "verify")
    assert code == 0 and audit["ok"] and audit["events"] == 1


@pytest.mark.parametrize(
    ("nik", "valid", "sex", "birth_date"),
    [
        ("5371031708900001", True, "L", "1990-08-17"),
        ("5371035708900001", True, "P", "1990-08-17"),
        ("5371036902000001", True, "P", "2000-02-29"),
        ("5371037102040001", False, "P", None),
        ("5371031708900000", False, "L", "1990-08-17"),
        ("9901011708900001", False, "L", "1990-08-17"),
        ("53.7103-1708 900001", True, "L", "1990-08-17"),
        ("537103170890001", False, None, None),
    ],
)
def test_nik_check(nik: str, valid: bool, sex: str | None, birth_date: str | None) -> None:
    code, data = run("nik", "check", nik)
    assert code == (0 if valid else 1)
    assert data["valid"] is valid
    assert data["sex"] == sex
    assert data["birth_date"] == birth_date
    if valid:
        assert data["province_code"] == "53" and data["province"] == "Nusa Tenggara Timur"
        assert data["regency_code"] == "53.71" and data["district_code"] == "53.71.03"
        assert data["serial"] == "0001"
    else:
        assert data["errors"] and all(e["message"] for e in data["errors"])


def test_usage_error_exits_2() -> None:
    result = CliRunner().invoke(cli, ["nik", "check"])
    assert result.exit_code == 2


def test_commands_refuse_before_init(home: Path) -> None:
    code, data = run("operators", "list")
    assert code == 1
    assert "station init" in data["error"]


def test_operators_add_reads_pin_from_stdin(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("init")
    # the office's first admin needs nobody's word; everyone after needs an admin's PIN
    code, data = run(
        "operators", "add", "kepala", "--name", "Admin", "--role", "admin", input="7391\n"
    )
    assert (code, data) == (0, {"username": "kepala", "role": "admin"})
    code, data = run("operators", "add", "yohana", "--name", "Yohana Ndoen", input="4826\n")
    assert code == 1 and data["code"] == "not_admin"
    monkeypatch.setenv("STATION_PIN", "7391")  # the admin's PIN; the new one comes on stdin
    by_admin = ("--by", "kepala")
    code, data = run(
        "operators", "add", "yohana", "--name", "Yohana Ndoen", *by_admin, input="4826\n"
    )
    assert (code, data) == (0, {"username": "yohana", "role": "operator"})
    code, data = run("operators", "add", "yohana", "--name", "Lagi", *by_admin, input="4826\n")
    assert code == 1 and "sudah ada" in data["error"]
    code, data = run("operators", "add", "petrus", "--name", "Petrus", *by_admin, input="12\n")
    assert code == 1 and "PIN" in data["error"]
    monkeypatch.setenv("STATION_PIN", "4826")  # an operator is not an admin
    code, data = run(
        "operators", "add", "petrus", "--name", "Petrus", "--by", "yohana", input="5937\n"
    )
    assert code == 1 and data["code"] == "not_admin"
    code, data = run("operators", "list")
    assert [o["username"] for o in data["operators"]] == ["kepala", "yohana"]

    from sqlalchemy import select

    from station.home.context import open_station
    from station.office.operators import pin_matches
    from station.store.models import Operator

    station = open_station()
    with station.db.read() as session:
        stored = session.scalars(select(Operator).where(Operator.username == "yohana")).one()
    station.close()
    assert "4826" not in stored.pin_hash and stored.pin_hash.startswith("$argon2id$")
    assert pin_matches(stored.pin_hash, "4826") and not pin_matches(stored.pin_hash, "4827")


def test_audit_verify_reports_tampering(home: Path) -> None:
    run("init")
    run("operators", "add", "kepala", "--name", "Admin", "--role", "admin", input="4826\n")
    import sqlite3

    with sqlite3.connect(home / "station.db") as conn:
        conn.execute("UPDATE audit_event SET operator = 'x' WHERE action = 'operator.add'")
    code, data = run("audit", "verify")
    assert code == 1 and data["ok"] is False and data["broken_at"] == 2


def test_python_dash_m_entry() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "station", "nik", "check", "5371031708900001", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["valid"] is True


def test_imported_region_names_are_used_by_nik_check(home: Path, tmp_path: Path) -> None:
    nik = "5304011708900001"  # Belu, a kecamatan the built-in table does not name
    code, before = run("nik", "check", nik)
    assert code == 0 and before["regency"] == "Kabupaten Belu" and before["district"] is None
    assert [w["code"] for w in before["warnings"]] == ["unknown_district"]

    run("init")
    table = tmp_path / "wilayah.csv"
    table.write_text(
        "\ufeffkode,nama\n53.04.01,Tasifeto Barat\n5304,Kabupaten Belu\n53.04.0X,Rusak\n",
        encoding="utf-8",
    )
    code, imported = run("regions", "import", str(table))
    assert code == 0
    assert (imported["imported"], imported["rejected"]) == (2, 1)
    assert imported["rejected_rows"][0]["row"] == 4

    code, after = run("nik", "check", nik)
    assert code == 0 and after["district"] == "Tasifeto Barat" and after["warnings"] == []
    code, again = run("regions", "import", str(table))
    assert (again["imported"], again["updated"]) == (0, 0)


def _station(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    """The real ``python -m station ARGS`` in its own process (the home from $STATION_HOME)."""
    return subprocess.run(
        [sys.executable, "-m", "station", *args],
        capture_output=True,
        env={**os.environ},
        timeout=120,
    )


@pytest.mark.parametrize("argument", [b"\xff", b"A\xc3", b"5371\xe9031708900001"])
def test_an_argument_that_is_not_utf8_is_a_refusal(home: Path, argument: bytes) -> None:
    """Bytes that are not UTF-8 on the command line (a bad copy, another code page): exit 1
    with an Indonesian message, also with --json; never a UnicodeEncodeError traceback."""
    run("init")
    taken = _station("ticket", "take", argument, "--json")
    assert taken.returncode == 1, taken.stderr
    assert b"Traceback" not in taken.stderr
    data = json.loads(taken.stdout)
    assert data["code"] == "bad_argument" and "bukan teks UTF-8" in data["error"]
    assert data["argument"] == argument.decode("utf-8", "backslashreplace")
    plain = _station("nik", "check", argument)
    assert plain.returncode == 1 and plain.stdout == b""
    assert plain.stderr.decode().startswith("Gagal: Argumen") and b"Traceback" not in plain.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_while_writing_a_file_is_a_refusal(home: Path) -> None:
    """Writing the report onto a full disk (``/dev/full`` answers every write with ENOSPC):
    exit 1 with an Indonesian message, never an OSError traceback."""
    run("init")
    written = _station("report", "--format", "json", "--output", "/dev/full", "--json")
    assert written.returncode == 1, written.stderr
    assert b"Traceback" not in written.stderr
    data = json.loads(written.stdout)
    assert data["code"] == "disk_full" and "Penyimpanan penuh" in data["error"]
    plain = _station("day", "summary", "--output", "/dev/full")
    assert plain.returncode == 1 and b"Traceback" not in plain.stderr
    assert plain.stderr.decode().startswith("Gagal: Penyimpanan penuh")
