"""What the board and the operator app pay twice a second, and whether any hot query reads
history: poll cost with and without 100 days of history, and the plans of every statement.

    python bench/poll_bench.py [--samples 400] [--no-postgres]

A poll is one whole read transaction, as the apps' workers run it: the operator app reads
``queue_status``; the board reads ``queue_status`` and today's calls (``recent_calls``).
The office has a day in progress (40 waiting, 2 counters each holding a ticket, earlier
tickets done). Target (issue 9): < 5 ms per poll with the full history loaded.

Plans: every SQL statement run by a poll, a ticket take, a call next and today's letters is
captured and explained (SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN``); a statement
that scans a history table (ticket, queue_event, letter, audit_event) is reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from sqlalchemy import Engine, event  # noqa: E402

from station.letters.desk import todays_letters  # noqa: E402
from station.queue.announce import recent_calls  # noqa: E402
from station.queue.facade import Queue, QueueError  # noqa: E402
from station.queue.view import PollCache, StatusPoller, queue_status  # noqa: E402
from station.store.db import Database  # noqa: E402

WITA = ZoneInfo("Asia/Makassar")
HISTORY_TABLES = ("ticket", "queue_event", "letter", "audit_event")
WAITING = 40


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


# --- a day in progress ------------------------------------------------------------------------


def prepare_today(q: Queue, operators: tuple[str, str] = ("op1", "op2")) -> None:
    """Counters 1 and 2 open (cover mode), each holding a called ticket; 40 more waiting."""
    for number, operator in enumerate(operators, start=1):
        with suppress(QueueError):
            q.open_counter(number, operator, cover=True)
    for i in range(WAITING + 2):
        q.take_ticket("ABC"[i % 3], priority="lansia" if i % 10 == 0 else None)
    for number, operator in enumerate(operators, start=1):
        q.call_next(number, operator)


def clear_today(q: Queue, operators: tuple[str, str] = ("op1", "op2")) -> None:
    """Finish what the counters hold and cancel what waits: the next bench starts empty."""
    for number, operator in enumerate(operators, start=1):
        with suppress(QueueError):
            q.finish(number, operator, outcome="information_given")
    for ticket in q.status().waiting:
        q.cancel(ticket.number, operators[0], reason="bench")


# --- poll cost --------------------------------------------------------------------------------


def operator_poll(q: Queue) -> Callable[[], object]:
    """What ``MainScreen.refresh_status`` runs."""
    return lambda: q.status()


def board_poll(q: Queue) -> Callable[[], object]:
    """What ``BoardApp.read_board`` runs."""

    def read() -> object:
        now = dt.datetime.now(dt.UTC)

        def both(session: Any) -> object:
            status = queue_status(session, q.office, now)
            return status, recent_calls(session, q.office.office_id, status.day)

        return q.read(both)

    return read


def timings(action: Callable[[], object], samples: int) -> list[float]:
    for _ in range(20):  # a board runs all day: connecting and compiling SQL are not a poll
        action()
    out = []
    for _ in range(samples):
        began = time.perf_counter()
        action()
        out.append((time.perf_counter() - began) * 1000)
    return out


def operator_poll_cached(q: Queue) -> Callable[[], object]:
    """The operator app's poll through ``StatusPoller``, nothing changed since the last."""
    poller = StatusPoller(q, max_age=3600)
    return lambda: poller.status()


def board_poll_cached(q: Queue) -> Callable[[], object]:
    """``BoardApp.read_board``: the board's read through a ``PollCache``."""
    cache = PollCache(q.office.office_id, max_age=3600)

    def read() -> object:
        now = dt.datetime.now(dt.UTC)

        def build(session: Any) -> object:
            status = queue_status(session, q.office, now)
            return status, recent_calls(session, q.office.office_id, status.day)

        return q.read(lambda s: cache.read(s, q.office.day(now), build))

    return read


def poll_costs(q: Queue, samples: int) -> dict[str, float]:
    """p50/p99 ms of the operator app's and the board's poll, and statements per poll: a
    full read (what every poll costs without the change check, and a poll after a change)
    and a poll that finds nothing changed (the change check alone)."""
    result: dict[str, float] = {}
    for name, action in (
        ("operator", operator_poll(q)),
        ("board", board_poll(q)),
        ("operator_cached", operator_poll_cached(q)),
        ("board_cached", board_poll_cached(q)),
    ):
        ms = timings(action, samples)
        result[f"{name}_poll_p50"] = statistics.median(ms)
        result[f"{name}_poll_p99"] = percentile(ms, 99)
        with capture(q.db.engine) as statements:
            action()
        result[f"{name}_poll_statements"] = float(len(statements))
    return result


# --- plans ------------------------------------------------------------------------------------


@contextmanager
def capture(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement (and its parameters) the engine runs inside the block."""
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


@dataclass(frozen=True)
class Plan:
    operation: str
    statement: str
    plan: str
    scans_history: list[str]  # history tables read without an index search


def explain(db: Database, statement: str, params: Any) -> str:
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            return "\n".join(str(row[-1]) for row in rows)
        rows = conn.exec_driver_sql("EXPLAIN " + statement, params).all()
        return "\n".join(str(row[0]) for row in rows)


def history_scans(dialect: str, plan: str) -> list[str]:
    """History tables the plan reads whole, or whole for one office: SQLite ``SCAN t`` (with
    or without a covering index) or ``SEARCH t USING INDEX i (office_id=?)``; PostgreSQL
    ``Seq Scan on t`` or an index condition on ``office_id`` alone."""
    found = []
    table = ""
    for line in plan.splitlines():
        if dialect == "sqlite":
            words = line.split()
            for verb in ("SCAN", "SEARCH"):
                if verb in words and words.index(verb) + 1 < len(words):
                    table = words[words.index(verb) + 1]
                    if table not in HISTORY_TABLES:
                        continue
                    bound = re.search(r"\((.*)\)\s*$", line)
                    columns = set(re.findall(r"(\w+)\s*[=<>]", bound.group(1))) if bound else set()
                    if verb == "SCAN" or columns <= {"office_id"}:
                        found.append(table)
            continue
        node = re.search(r" on (\w+)", line)
        if node and "Cond" not in line and "Filter" not in line:
            table = node.group(1)
        if table not in HISTORY_TABLES:
            continue
        if "Seq Scan on" in line:
            found.append(table)
        elif "Index Cond:" in line:
            columns = set(re.findall(r"(\w+)\s*(?:=|<|>)", line))
            if columns <= {"office_id"}:
                found.append(table)
    return found


def hot_statements(q: Queue, tz: Any) -> dict[str, list[tuple[str, Any]]]:
    """The statements of each hot operation, captured from a real run (the queue must have a
    counter 1 with operator op1 and at least one waiting ticket)."""
    engine = q.db.engine
    out: dict[str, list[tuple[str, Any]]] = {}
    with capture(engine) as seen:
        q.status()
    out["queue status poll"] = list(seen)
    with capture(engine) as seen:
        board_poll(q)()
    out["board poll"] = list(seen)
    with capture(engine) as seen:
        q.take_ticket("A")
    out["ticket take"] = list(seen)
    with suppress(QueueError):
        q.finish(1, "op1", outcome="information_given")
    with capture(engine) as seen:
        q.call_next(1, "op1")
    out["call next"] = list(seen)
    day = dt.datetime.now(tz).date()
    with capture(engine) as seen, q.db.read() as session:
        todays_letters(session, q.office.office_id, day, tz)
    out["today's letters"] = list(seen)
    return out


def query_plans(q: Queue, tz: Any) -> list[Plan]:
    plans = []
    for operation, statements in hot_statements(q, tz).items():
        for statement, params in statements:
            head = statement.lstrip().split(None, 1)[0].upper()
            if head not in ("SELECT", "UPDATE", "DELETE", "WITH"):
                continue  # inserts, BEGIN, pragmas: nothing to search
            plan = explain(q.db, statement, params)
            plans.append(Plan(operation, statement, plan, history_scans(q.db.dialect, plan)))
    return plans


def print_plans(plans: list[Plan], out: Any = sys.stdout) -> None:
    for p in plans:
        flag = f"  <-- scans {', '.join(p.scans_history)}" if p.scans_history else ""
        print(f"\n[{p.operation}]{flag}\n{' '.join(p.statement.split())}", file=out)
        for line in p.plan.splitlines():
            print(f"    {line}", file=out)


# --- standalone -------------------------------------------------------------------------------


def bench_database(url: str, samples: int, offices: int) -> list[tuple[str, dict[str, float]]]:
    """Poll costs on an empty office, then with 100 days x 300 tickets and 100,000 letters
    (plus ``offices - 1`` other offices with the same history)."""
    import history

    db = Database(url)
    [office_id] = history.add_offices(db, 1)
    q = Queue(db, office_id, WITA)
    prepare_today(q)
    columns = [("no history", poll_costs(q, samples))]
    clear_today(q)
    today = dt.datetime.now(WITA).date()
    others = history.add_offices(db, offices - 1)
    for oid in [office_id, *others]:
        seconds = history.add_ticket_history(db, oid, today)
        seconds += history.add_letter_history(db, oid, today)
        print(f"  office {oid}: history in {seconds:.1f} s", file=sys.stderr)
    history.settle(db)
    prepare_today(q)
    columns.append(("history", poll_costs(q, samples)))
    plans = query_plans(q, WITA)
    print_plans(plans, sys.stderr)
    bad = [p for p in plans if p.scans_history]
    columns[-1][1]["history_scans"] = float(len(bad))
    db.dispose()
    return columns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--offices", type=int, default=3, help="offices on PostgreSQL")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    columns: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="station-poll-bench-") as tmp:
        for name, values in bench_database(f"sqlite:///{tmp}/poll.db", args.samples, 1):
            columns.append((f"SQLite, {name}", values))
    if not args.no_postgres:
        from tests.helpers.pg import TempCluster, find_bindir

        bindir = find_bindir()
        if bindir is not None:
            cluster = TempCluster(bindir)
            cluster.start()
            try:
                url = cluster.create_database("poll_bench")
                for name, values in bench_database(url, args.samples, args.offices):
                    columns.append((f"PostgreSQL, {name}", values))
            finally:
                cluster.stop()
    keys = sorted({k for _, values in columns for k in values})
    print("| measure | " + " | ".join(name for name, _ in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for key in keys:
        cells = [f"{values[key]:.2f}" if key in values else "" for _, values in columns]
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
