"""End-of-day summary: the figures of the day, signed with the office key, verifiable, and
printed (ESC/POS read back)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from station.cli import cli
from station.home.context import Station, open_station
from station.printing import PrintSettings
from station.printing.summary import signature_groups, summary_ops
from station.queue.facade import Queue
from station.reports.day_summary import SummaryError, signed_summary, summary_text, verify_summary
from station.store.models import Operator
from tests.helpers.cli_auth import test_pin_hash
from tests.helpers.escpos_reader import parse
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents, issue_args, run_cli


@pytest.fixture
def day(station_home: Path) -> Iterator[Station]:
    station = open_station(station_home)
    add_residents(station.db, station.office_id)
    with station.db.write() as session:
        for username, name in (("yohana", "Yohana Ndoen"), ("ani", "Ani Bria"), ("idle", "X")):
            session.add(
                Operator(
                    office_id=station.office_id,
                    username=username,
                    display_name=name,
                    role="operator",
                    pin_hash=test_pin_hash(),
                )
            )
    q = Queue.for_station(station)
    q.open_counter(1, "yohana", services=["A", "B"])
    for prefix in "AAB":
        q.take_ticket(prefix)
    q.call_next(1, "yohana")
    numbers = []
    for nik, ticket in ((HEAD, ("--ticket", "A-001")), (WIFE, ())):
        result, issued = run_cli(*issue_args("SKD", nik, *ticket))
        assert result.exit_code == 0, result.output
        numbers.append(issued["number"])
    q.finish(1, "yohana", outcome="letter_issued")  # A-001 has its letter
    q.cancel("A-002", "yohana", reason="Pulang")
    station.numbers = numbers  # type: ignore[attr-defined]
    try:
        yield station
    finally:
        station.close()


def test_summary_figures_and_signature(day: Station) -> None:
    today = dt.datetime.now(day.config.tz).date()
    signed = signed_summary(day, today)
    s = signed["summary"]
    assert s["day"] == today.isoformat()
    assert (s["services"]["A"]["taken"], s["services"]["A"]["served"]) == (2, 1)
    assert s["services"]["A"]["cancelled"] == 1 and s["services"]["B"]["open"] == 1
    assert s["total"]["taken"] == 3
    assert s["letters"]["first"] == day.numbers[0]  # type: ignore[attr-defined]
    assert s["letters"]["last"] == day.numbers[1]  # type: ignore[attr-defined]
    assert s["completion_rate"] == 33.33
    assert [o["username"] for o in s["operators"]] == ["ani", "yohana"]  # not "idle"
    with day.db.read() as session:
        assert verify_summary(session, day.office_id, signed) == (True, None)
        forged = copy.deepcopy(signed)
        forged["summary"]["total"]["taken"] = 2
        ok, reason = verify_summary(session, day.office_id, forged)
        assert not ok and "diubah" in (reason or "")
        other = dict(signed, key_id="0" * 16)
        assert not verify_summary(session, day.office_id, other)[0]
    assert "Nomor pertama" in summary_text(signed)
    with pytest.raises(SummaryError):
        signed_summary(day, today + dt.timedelta(days=2))


def test_printed_summary(day: Station) -> None:
    signed = signed_summary(day, dt.datetime.now(day.config.tz).date())
    settings = PrintSettings(paper_width=58)
    from station.printing import build_job

    printed = parse(build_job(summary_ops(signed, settings), settings))
    text = "\n".join(printed.lines)
    assert "RINGKASAN AKHIR HARI" in text and "Yohana Ndoen" in text
    assert day.numbers[0] in text.replace("\n", "")  # type: ignore[attr-defined]
    groups = signature_groups(signed)
    assert groups.replace(" ", "") in text.replace("\n", "").replace(" ", "")
    assert printed.cuts == 1
    head = signed["summary"]["audit_head"]  # the audit trail's anchor is on the paper too
    assert f"Jejak audit: {head['events']} peristiwa" in text
    assert head["hash"] in text.replace("\n", "").replace(" ", "")
    assert all(len(line) <= settings.columns for line in printed.lines)


def test_cli_summary_verify_and_print(day: Station, tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    out = tmp_path / "printer.bin"
    config = day.config.config_path
    config.write_text(config.read_text().replace('uri = "dummy"', f'uri = "file:{out}"'))
    result = CliRunner().invoke(
        cli, ["day", "summary", "--output", str(target), "--print", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["printed"] is True and out.stat().st_size > 0
    ok = CliRunner().invoke(cli, ["day", "verify", str(target), "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["valid"] is True
    signed = json.loads(target.read_text())
    signed["summary"]["letters"]["count"] = 99
    target.write_text(json.dumps(signed))
    bad = CliRunner().invoke(cli, ["day", "verify", str(target), "--json"])
    assert bad.exit_code == 1 and "tidak sah" in json.loads(bad.stdout)["error"]
