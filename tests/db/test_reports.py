"""Reports: a scripted day through the real queue (explicit clock) and the letters CLI, then
``station report --format json`` must give exactly the counts and times of the script."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from station.cli import cli
from station.home.context import Station, open_station
from station.queue.facade import Queue
from station.reports.statistics import Period, build_report, percent, timing
from station.store.models import Operator
from tests.helpers.cli_auth import test_pin_hash
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents, issue_args, run_cli
from tests.helpers.office import signed_template

MIN = 60


@pytest.fixture
def opened(station_home: Path) -> Iterator[Station]:
    station = open_station(station_home)
    add_residents(station.db, station.office_id)
    with station.db.write() as session:
        for username in ("yohana", "petrus", "ani"):
            session.add(
                Operator(
                    office_id=station.office_id,
                    username=username,
                    display_name=username.title(),
                    role="operator",
                    pin_hash=test_pin_hash(),  # the CLI checks it (STATION_PIN)
                )
            )
    try:
        yield station
    finally:
        station.close()


def _issue(code: str, nik: str, *extra: str) -> None:
    result, issued = run_cli(*issue_args(code, nik, *extra))
    assert result.exit_code == 0, (result.output, issued)


def _script(station: Station) -> dict[str, Any]:
    """Today, local 08:00-10:00: seven tickets; the expected figures are written by hand."""
    tz = station.config.tz
    today = dt.datetime.now(tz).date()

    def at(hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(today, dt.time(hour, minute), tzinfo=tz)

    q = Queue.for_station(station)
    q.open_counter(1, "yohana", services=["A", "B", "C"], now=at(7, 55))
    q.open_counter(2, "petrus", services=["A", "B", "C"], now=at(7, 55))
    q.take_ticket("A", now=at(8, 0))
    q.take_ticket("A", now=at(8, 5))
    q.take_ticket("B", now=at(8, 10))  # B-001
    q.take_ticket("A", now=at(8, 20))
    q.take_ticket("B", now=at(9, 5))  # B-002: cancelled while waiting
    q.take_ticket("C", now=at(9, 10))  # C-001: still waiting at the end
    q.take_ticket("A", now=at(9, 15))  # referred
    # counter 1: A-001 waits 10 min, served 8 min, letter issued
    assert q.call_next(1, "yohana", now=at(8, 10)).number == "A-001"
    q.start(1, "yohana", now=at(8, 12))
    _issue("SKD", HEAD, "--ticket", "A-001")  # outcomes are facts: the letter comes first
    q.finish(1, "yohana", outcome="letter_issued", now=at(8, 20))
    # counter 2: A-002 waits 7 min, served 14 min, information
    assert q.call_next(2, "petrus", now=at(8, 12)).number == "A-002"
    q.start(2, "petrus", now=at(8, 12))
    q.finish(2, "petrus", outcome="information_given", now=at(8, 26))
    # both counters call A, B and C in one order by issue time: B-001 (08:10) before A-003
    assert q.call_next(1, "yohana", now=at(8, 30)).number == "B-001"  # waits 20 min
    q.recall(1, "yohana", now=at(8, 32))
    q.recall(1, "yohana", now=at(8, 34))
    q.no_show(1, "yohana", now=at(8, 35))
    assert q.call_next(1, "yohana", now=at(8, 40)).number == "A-003"  # waits 20 min
    q.start(1, "yohana", now=at(8, 41))
    _issue("SKD", WIFE, "--ticket", "A-003")
    q.finish(1, "yohana", outcome="letter_issued", now=at(8, 51))  # 10 min
    q.cancel("B-002", "petrus", reason="Warga pulang", now=at(9, 12))
    assert q.call_next(2, "petrus", now=at(9, 15)).number == "C-001"  # waits 5 min
    q.transfer(2, "petrus", to_service="A", now=at(9, 16))  # back to waiting, first call kept
    assert q.call_next(2, "petrus", now=at(9, 30)).number == "C-001"
    q.start(2, "petrus", now=at(9, 31))
    q.finish(2, "petrus", outcome="documents_incomplete", now=at(9, 35))  # 4 min
    assert q.call_next(1, "yohana", now=at(9, 45)).number == "A-004"  # waits 30 min
    q.start(1, "yohana", now=at(9, 45))
    q.finish(1, "yohana", outcome="referred", now=at(10, 5))  # 20 min
    return {"today": today}


def _report_json(*extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["report", "--format", "json", *extra, "--json"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    return json.loads(lines[0])


def test_scripted_day_report(opened: Station) -> None:
    today = _script(opened)["today"]  # with SKD letters for A-001 (HEAD) and A-003 (WIFE)
    _issue("SKTM", HEAD, "--purpose", "Beasiswa sekolah")
    report = _report_json()
    assert report["period"] == {"from": today.isoformat(), "to": today.isoformat(), "days": 1}
    total = report["tickets"]["total"]
    assert total == {
        "taken": 7,
        "served": 5,
        "no_show": 1,
        "cancelled": 1,
        "not_served": 0,
        "open": 0,
    }
    by_service = report["tickets"]["by_service"]
    keys = ("taken", "served", "no_show", "cancelled")
    assert {k: tuple(v[key] for key in keys) for k, v in by_service.items()} == {
        "A": (4, 4, 0, 0),
        "B": (2, 0, 1, 1),
        "C": (1, 1, 0, 0),
    }
    # waiting: A-001 10, A-002 7, B-001 20, A-003 20, C-001 5 (first call), A-004 30 minutes
    waiting = report["waiting_time"]
    assert waiting["all"]["count"] == 6
    assert waiting["all"]["mean"] == round(92 * MIN / 6, 1)
    assert waiting["all"]["median"] == 15 * MIN  # (10 + 20) / 2
    assert waiting["all"]["p90"] == 30 * MIN  # nearest rank: 6th of 6
    assert waiting["by_service"]["A"] == {
        "count": 4,
        "mean": 1005.0,  # 16.75 minutes
        "median": 15 * MIN,
        "p90": 30 * MIN,
    }
    assert waiting["by_service"]["B"]["count"] == 1
    assert waiting["by_service"]["C"]["mean"] == 5 * MIN
    assert waiting["by_operator"]["yohana"]["count"] == 4  # A-001, B-001, A-003, A-004
    assert waiting["by_operator"]["yohana"]["mean"] == 20 * MIN
    assert waiting["by_operator"]["petrus"]["mean"] == 6 * MIN
    # service: A-001 8, A-002 14, A-003 10, C-001 4, A-004 20 minutes
    service = report["service_time"]
    assert service["all"] == {"count": 5, "mean": 672.0, "median": 600.0, "p90": 1200.0}
    assert service["by_operator"]["yohana"]["median"] == 10 * MIN
    assert service["by_operator"]["petrus"]["mean"] == 9 * MIN
    assert report["outcomes"] == {
        "documents_incomplete": 1,
        "information_given": 1,
        "letter_issued": 2,
        "referred": 1,
    }
    assert report["completion_rate"] == percent(3, 7) == 42.86
    assert report["completion"]["completed"] == 3
    assert report["tickets_per_hour"] == {"08": 4, "09": 3}
    assert report["peak_hours"] == ["08"]
    letters = report["letters"]
    assert letters["total"] == 3 and letters["revoked"] == 0
    assert {k: v["count"] for k, v in letters["by_type"].items()} == {"SKD": 2, "SKTM": 1}
    # the day before holds nothing
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    empty = _report_json("--from", yesterday, "--to", yesterday)
    assert empty["tickets"]["total"]["taken"] == 0 and empty["letters"]["total"] == 0
    assert empty["completion_rate"] is None


def test_other_formats(opened: Station, tmp_path: Path) -> None:
    _script(opened)
    table = CliRunner().invoke(cli, ["report"])
    assert table.exit_code == 0 and "Selesai dalam satu kunjungan: 42.86%" in table.stdout
    csv_out = CliRunner().invoke(cli, ["report", "--format", "csv"])
    assert "tickets,total,taken,7" in csv_out.stdout
    target = tmp_path / "r.xlsx"
    done = CliRunner().invoke(cli, ["report", "--format", "xlsx", "--output", str(target)])
    assert done.exit_code == 0, done.output
    from openpyxl import load_workbook

    sheet = load_workbook(target)["Laporan"]
    rows = {(r[0], r[1], r[2]): r[3] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[("tickets", "A", "served")] == 4
    usage = CliRunner().invoke(cli, ["report", "--format", "xlsx"])
    assert usage.exit_code == 2
    backwards = CliRunner().invoke(cli, ["report", "--from", "2026-03-02", "--to", "2026-03-01"])
    assert backwards.exit_code == 2


def test_range_spans_days_and_local_midnight(opened: Station) -> None:
    """A ticket taken at 00:30 local (16:30 UTC the day before) belongs to its local day."""
    tz = opened.config.tz
    q = Queue.for_station(opened)
    day1 = dt.date(2026, 3, 2)
    q.take_ticket("A", now=dt.datetime.combine(day1, dt.time(0, 30), tzinfo=tz))
    q.take_ticket("A", now=dt.datetime.combine(day1, dt.time(23, 50), tzinfo=tz))
    q.take_ticket("B", now=dt.datetime.combine(day1 + dt.timedelta(1), dt.time(8), tzinfo=tz))
    with opened.db.read() as session:
        one = build_report(session, opened.office_id, tz, Period(day1, day1))
        both = build_report(session, opened.office_id, tz, Period(day1, day1 + dt.timedelta(1)))
    assert one["tickets"]["total"]["taken"] == 2
    assert one["tickets_per_hour"] == {"00": 1, "23": 1}
    assert both["tickets"]["total"]["taken"] == 3 and both["period"]["days"] == 2


def test_timing_percentiles() -> None:
    assert timing([]) == {"count": 0, "mean": None, "median": None, "p90": None}
    values = [float(v) for v in range(1, 11)]
    assert timing(values) == {"count": 10, "mean": 5.5, "median": 5.5, "p90": 9.0}
    assert timing([7.0]) == {"count": 1, "mean": 7.0, "median": 7.0, "p90": 7.0}


def test_json_output_is_one_object(opened: Station) -> None:
    _script(opened)
    result = CliRunner().invoke(cli, ["report", "--format", "csv", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["tickets"]["total"]["taken"] == 7
    listed = CliRunner().invoke(cli, ["ektp", "list", "--json"])
    assert listed.exit_code == 2  # the CSV needs --output when stdout holds the JSON


def test_queries_stay_inside_the_period(home: Path) -> None:
    """SQLite's plans for every report query search an index on the period; none scans the
    ticket, queue_event, letter or survey tables (so history does not slow a report)."""
    from sqlalchemy import event

    from station.home.context import init_station
    from station.reports.skm import period_report

    init_station(home, template=signed_template(home))
    station = open_station(home)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    try:
        event.listen(station.db.engine, "before_cursor_execute", capture)
        day = dt.date(2026, 3, 2)
        with station.db.read() as session:
            build_report(session, station.office_id, station.config.tz, Period(day, day))
            period_report(session, station.office_id, day, day)
        event.remove(station.db.engine, "before_cursor_execute", capture)
        history = ("ticket", "queue_event", "letter", "survey_response")
        with station.db.engine.connect() as conn:
            for statement, params in statements:
                plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
                details = [row[-1] for row in plan]
                for table in history:
                    assert not any(d.startswith(f"SCAN {table}") for d in details), details
                    if f"FROM {table}" in statement or f"JOIN {table}" in statement:
                        assert any(d.startswith(f"SEARCH {table}") for d in details), details
    finally:
        station.close()
