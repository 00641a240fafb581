"""The hot queries use indexes that bound them to today (or to live rows), never history.

The board and every operator app poll twice a second, and call next and today's letters run
all day: if SQLite's planner walks a history table (tickets, queue events, letters, audit
events), the cost grows with every day the office works. Plans, not timings, are checked
(timings live in ``bench/poll_bench.py``). The station never runs ANALYZE, so the plans
SQLite picks on a small database are the plans it keeps on a big one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from station.letters.desk import todays_letters
from station.queue.announce import recent_calls
from station.queue.facade import Queue
from station.queue.view import PollCache, StatusPoller, queue_status
from station.store.db import Database
from tests.helpers.queue_world import WITA, at, new_office

HISTORY_TABLES = ("ticket", "queue_event", "letter", "audit_event")


@contextmanager
def captured(db: Database) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def history_reads(plan: list[str]) -> list[str]:
    """Plan lines that read a history table whole (``SCAN t``) or all of an office's rows
    (``SEARCH t USING INDEX i (office_id=?)``)."""
    bad = []
    for line in plan:
        words = line.split()
        for verb in ("SCAN", "SEARCH"):
            if verb not in words or words.index(verb) + 1 >= len(words):
                continue
            if words[words.index(verb) + 1] not in HISTORY_TABLES:
                continue
            bound = re.search(r"\((.*)\)\s*$", line)
            columns = set(re.findall(r"(\w+)\s*[=<>]", bound.group(1))) if bound else set()
            if verb == "SCAN" or columns <= {"office_id"}:
                bad.append(line)
    return bad


def plans(db: Database, action: Callable[[], object]) -> list[tuple[str, list[str]]]:
    """(statement, plan lines) of every SELECT or UPDATE the action runs."""
    with captured(db) as statements:
        action()
    out = []
    with db.engine.connect() as conn:
        for statement, params in statements:
            head = statement.lstrip().split(None, 1)[0].upper()
            if head not in ("SELECT", "UPDATE", "DELETE"):
                continue
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            out.append((" ".join(statement.split()), [str(row[-1]) for row in rows]))
    return out


@pytest.fixture
def office(sqlite_url: str) -> Iterator[Queue]:
    """A day in progress: both counters open (cover mode), one ticket held, some waiting,
    one finished; a second office beside it."""
    db = Database(sqlite_url)
    new_office(db)
    q = Queue(db, new_office(db), WITA)
    q.open_counter(1, "yohana", cover=True)
    q.open_counter(2, "petrus", cover=True)
    for prefix in "ABCABC":
        q.take_ticket(prefix)
    q.call_next(1, "yohana")
    q.finish(1, "yohana", outcome="information_given")
    q.call_next(1, "yohana")
    try:
        yield q
    finally:
        db.dispose()


def _board_poll(q: Queue) -> object:
    def read(session: Any) -> object:
        status = queue_status(session, q.office, dt.datetime.now(dt.UTC))
        return status, recent_calls(session, q.office.office_id, status.day)

    return q.read(read)


def _todays_letters(q: Queue) -> object:
    with q.db.read() as session:
        return todays_letters(session, q.office.office_id, dt.datetime.now(WITA).date(), WITA)


OPERATIONS: dict[str, Callable[[Queue], object]] = {
    "operator poll (queue status)": lambda q: q.status(),
    "board poll (status and today's calls)": _board_poll,
    "call next": lambda q: q.call_next(2, "petrus"),
    "ticket take": lambda q: q.take_ticket("A"),
    "today's letters": _todays_letters,
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_hot_queries_never_read_history(office: Queue, operation: str) -> None:
    found = plans(office.db, lambda: OPERATIONS[operation](office))
    assert found, "the operation ran no query: nothing was checked"
    offending = [(sql, history_reads(plan)) for sql, plan in found if history_reads(plan)]
    assert offending == []


def test_the_day_counts_use_their_index(office: Queue) -> None:
    """The per-service counts of today's tickets: once walked every ticket of the office in
    group order (migration 0005 added ``ix_ticket_day_counts``)."""
    found = plans(office.db, lambda: office.status())
    counts = [plan for sql, plan in found if "GROUP BY" in sql and "FROM ticket" in sql]
    assert counts
    assert all(any("ix_ticket_day_counts" in line for line in plan) for plan in counts)


def test_the_check_catches_a_history_scan() -> None:
    """The rule itself: a full scan or an office-wide search is caught, a day search is not."""
    assert history_reads(["SCAN ticket"]) == ["SCAN ticket"]
    office_wide = "SEARCH ticket USING INDEX ix_ticket_service_done (office_id=?)"
    assert history_reads([office_wide]) == [office_wide]
    assert history_reads(["SEARCH ticket USING INDEX ix_x (office_id=? AND day=?)"]) == []
    assert history_reads(["SCAN counter"]) == []


# --- polls that skip unchanged reads --------------------------------------------------------


def test_a_poll_rereads_only_after_a_change(office: Queue) -> None:
    """The change mark moves with every audited change (tickets, counters, services) and with
    heartbeats; until then the poller hands back the same status object."""
    from station.office.admin import set_service_active

    poller = StatusPoller(office)
    first = poller.status()
    assert poller.status() is first
    with captured(office.db) as statements:
        poller.status()
    assert len([s for s, _ in statements if s.lstrip().upper().startswith("SELECT")]) == 1

    office.take_ticket("B")
    after_take = poller.status()
    assert after_take is not first
    assert len(after_take.waiting) == len(first.waiting) + 1

    office.touch(1, "yohana", now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))
    after_beat = poller.status()
    assert after_beat is not after_take

    with office.db.write() as session:
        set_service_active(session, office.office.office_id, "C", False, by="admin")
    after_admin = poller.status()
    assert after_admin is not after_beat
    assert [s["active"] for s in after_admin.services if s["prefix"] == "C"] == [False]
    assert poller.status() is after_admin


def test_a_poll_rereads_after_max_age_and_on_a_new_day(office: Queue) -> None:
    """What only time changes (a counter going stale, a new day) is re-read too."""
    poller = StatusPoller(office, max_age=0.0)
    first = poller.status()
    assert poller.status() is not first
    cache = PollCache(office.office.office_id)
    today = dt.date(2026, 11, 30)
    with office.db.read() as session:
        one = cache.read(session, today, lambda s: object())
        assert cache.read(session, today, lambda s: object()) is one
        assert cache.read(session, today + dt.timedelta(days=1), lambda s: object()) is not one


def test_the_polls_one_statement_estimates_match_the_single_service_ones(sqlite_url: str) -> None:
    """``queue_status`` estimates every waiting service in one statement; the figures are the
    ones ``estimate_wait`` gives for each service alone (median of recent service times)."""
    from station.office.services import services
    from station.queue.view import (
        coverage,
        estimate_wait,
        recent_minutes_by_service,
        recent_service_minutes,
    )

    db = Database(sqlite_url)
    try:
        q = Queue(db, new_office(db), WITA)
        start = at(0)
        q.open_counter(1, "yohana", now=start)
        q.open_counter(2, "petrus", now=start)
        minute = 1
        for i, prefix in enumerate("ABACABCAB"):  # finished with different service times
            q.take_ticket(prefix, now=at(minute))
            counter, operator = (1, "yohana") if prefix in "AC" else (2, "petrus")
            q.call_next(counter, operator, now=at(minute + 1))
            q.finish(counter, operator, outcome="information_given", now=at(minute + 3 + i))
            minute += 15
        for prefix in "AABCC":
            q.take_ticket(prefix, now=at(minute))
        now = at(minute + 1)
        status = q.status(now=now)
        with db.read() as session:
            office = q.office
            all_services = services(session, office.office_id)
            by_id = recent_minutes_by_service(session, office, all_services, now)
            cover = coverage(session, office, now)
            for service in all_services:
                assert by_id[service.id] == recent_service_minutes(session, office, service, now)
                shown = next(s for s in status.services if s["prefix"] == service.prefix)
                alone = estimate_wait(session, office, service, shown["waiting"], now, cover)
                assert shown["estimated_wait_min"] == alone
        assert {s["prefix"]: s["waiting"] for s in status.services} == {"A": 2, "B": 1, "C": 2}
    finally:
        db.dispose()
