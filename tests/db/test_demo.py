"""`station demo`: a seeded office that works, and seeding twice changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from station.cli import cli


def test_demo_seeds_a_working_office(home: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["demo", "--seed-only", "--residents", "300", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["home"] == str(home.resolve())
    assert data["operators"] == ["yohana", "petrus", "admin"]
    assert data["residents"] >= 300
    assert data["printer"] == f"file:{home.resolve() / 'printer-output.bin'}"
    assert data["created"] is True

    again = json.loads(
        runner.invoke(cli, ["demo", "--seed-only", "--residents", "300", "--json"]).stdout
    )
    assert again["created"] is False and again["residents"] == data["residents"]

    listed = json.loads(runner.invoke(cli, ["operators", "list", "--json"]).stdout)
    assert {o["username"]: o["role"] for o in listed["operators"]} == {
        "admin": "admin",
        "petrus": "operator",
        "yohana": "operator",
    }
    found = json.loads(runner.invoke(cli, ["residents", "find", "a", "--json"]).stdout)
    assert found["results"]
    verify = json.loads(runner.invoke(cli, ["audit", "verify", "--json"]).stdout)
    assert verify["ok"] is True


def test_installed_console_script(home: Path) -> None:
    """The `station` console script of this environment runs init end to end."""
    script = Path(sys.executable).with_name("station")
    out = subprocess.run(
        [str(script), "init", "--json"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["home"] == str(home.resolve()) and len(data["key_id"]) == 16


def test_the_demo_s_hints_work_as_printed(home: Path) -> None:
    """Run through the installed script (not on PATH here): every hint names that script, the
    letters' QR codes point where `station serve` listens, and `serve` says so when it starts."""
    import os
    import shlex
    import signal
    import time

    script = Path(sys.executable).with_name("station")
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # `station` itself is not on PATH
    out = subprocess.run(
        [str(script), "demo", "--seed-only", "--residents", "200"],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    hints = [line.strip() for line in out.stdout.splitlines() if line.startswith("  ")]
    commands = [h for h in hints if h.startswith(str(script))]
    assert len(commands) >= 5, out.stdout
    assert not any(h.startswith("station ") for h in hints)
    assert "http://127.0.0.1:8080/" in out.stdout
    # A pasted hint runs as printed.
    check = next(c for c in commands if " nik check " in c)
    ran = subprocess.run(shlex.split(check), capture_output=True, text=True, env=env, timeout=60)
    assert ran.returncode == 0 and "5371031708900001" in ran.stdout + ran.stderr

    server = subprocess.Popen(
        [str(script), "serve", "--port", "18457"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        first = [server.stdout.readline() for _ in range(2)]  # type: ignore[union-attr]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        time.sleep(0.1)
    assert "http://127.0.0.1:18457/" in first[0]
    assert "http://127.0.0.1:8080/v/" in first[1]


def test_the_demo_s_sample_resident_can_use_the_service_box(home: Path) -> None:
    """``station demo`` sets a PIN mandiri for the sample resident and says how to try the box;
    the PIN it prints opens the box for that NIK (and is kept when seeding again)."""
    import datetime as dt

    from station.home.context import open_station
    from station.register.pins import check_pin

    runner = CliRunner()
    data = json.loads(
        runner.invoke(cli, ["demo", "--seed-only", "--residents", "200", "--json"]).stdout
    )
    assert len(data["sample_pin"]) == 6
    again = runner.invoke(cli, ["demo", "--seed-only", "--residents", "200"])
    assert f"PIN mandiri {data['sample_pin']}" in again.stdout and "box" in again.stdout
    station = open_station(home)
    try:
        with station.db.write() as session:
            checked = check_pin(
                session, station.office_id, data["sample_nik"], data["sample_pin"],
                now=dt.datetime.now(dt.UTC), terminal="test",
            )  # fmt: skip
        assert checked.ok
    finally:
        station.close()
