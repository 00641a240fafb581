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
