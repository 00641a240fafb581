"""Whole-process tests of the queue: several processes calling next at once (core and the real
CLI), and a process killed with SIGKILL in the middle of its call/finish loop.

Acceptance (issue 3): every ticket called exactly once across all processes, none lost, no
"database is locked" reaching a user; after a crash the queue is consistent and numbering
continues without reuse or gaps.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter as Tally
from pathlib import Path

import pytest
from sqlalchemy import func, select

from station.office.services import add_counter
from station.queue.facade import Queue, QueueError
from station.store.audit import verify_chain
from station.store.db import Database
from station.store.models import QueueEvent, Service, Ticket
from tests.e2e import queue_workers
from tests.helpers.cli_auth import test_pin_hash
from tests.helpers.queue_world import T0, WITA, new_office

pytestmark = pytest.mark.slow
SPAWN = mp.get_context("spawn")  # fresh interpreters: no connection inherited from pytest


def _add_counters(db: Database, office_id: int, numbers: range) -> None:
    with db.write() as session:
        every = list(session.scalars(select(Service.id).where(Service.office_id == office_id)))
        for number in numbers:
            add_counter(session, office_id, number, f"Loket {number}", every)


def _called_events(db: Database, office_id: int) -> Tally[int]:
    with db.read() as session:
        rows = session.scalars(
            select(QueueEvent.ticket_id).where(
                QueueEvent.office_id == office_id, QueueEvent.action == "called"
            )
        )
        return Tally(rows)


def test_concurrent_kiosks_and_counters(db_url: str) -> None:
    """Two kiosk processes issue 300 tickets while three counter processes call and finish."""
    operators = ("op1", "op2", "op3")
    db = Database(db_url)
    office_id = new_office(db, operators=operators)
    _add_counters(db, office_id, range(3, 4))
    q = Queue(db, office_id, WITA)
    for number, operator in enumerate(operators, start=1):
        q.open_counter(number, operator, cover=True, now=T0)
    start, kiosks_done, results, ready = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue(), SPAWN.Queue()
    now = T0.isoformat()
    kiosks = [
        SPAWN.Process(
            target=queue_workers.kiosk,
            args=(db_url, office_id, 150, seed, now, ready, start, results),
        )
        for seed in (1, 2)
    ]
    counters = [
        SPAWN.Process(
            target=queue_workers.counter,
            args=(db_url, office_id, number, operator, now, ready, start, kiosks_done, results),
        )
        for number, operator in enumerate(operators, start=1)
    ]
    for process in kiosks + counters:
        process.start()
    for _ in kiosks + counters:  # everyone connected: then all start at the same instant
        ready.get(timeout=60)
    start.set()
    issued: list[str] = []
    called: list[list[str]] = []
    try:
        while len(called) < len(counters):
            kind, payload = results.get(timeout=120)
            assert kind != "error", payload
            if kind == "kiosk":
                issued += payload
                if len(issued) == 300:
                    kiosks_done.set()
            else:
                called.append(payload)
    finally:
        for process in kiosks + counters:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    everything = [number for batch in called for number in batch]
    assert len(issued) == len(set(issued)) == 300
    assert Tally(everything) == Tally(issued)  # each ticket called exactly once
    # the processes really overlapped (on SQLite, back-to-back writers are served unfairly:
    # its busy handler sleeps and retries, so one counter may get most of the tickets)
    assert sum(1 for batch in called if batch) >= 2, [len(batch) for batch in called]
    assert q.check() == []
    assert set(_called_events(db, office_id).values()) == {1}
    with db.read() as session:
        statuses = session.scalars(
            select(Ticket.status).where(Ticket.office_id == office_id).distinct()
        ).all()
        assert statuses == ["done"]
        assert verify_chain(session, office_id).ok
    db.dispose()


def _station(*args: str) -> tuple[int, dict, str]:
    script = Path(sys.executable).with_name("station")
    out = subprocess.run(
        [str(script), *args, "--json"], capture_output=True, text=True, timeout=60, env=os.environ
    )
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, (out.stdout, out.stderr)
    return out.returncode, json.loads(lines[0]), out.stderr


def test_parallel_cli_next_on_one_sqlite_home(home: Path) -> None:
    """Three counters loop `station queue next` (the real CLI, in parallel processes) on one
    SQLite home: each ticket is in exactly one answer, and no "database is locked" appears.
    Finishing happens in-process: only `next` is under test, and each CLI start costs 0.5 s."""
    from station.home.context import init_station, open_station
    from station.store.models import Operator

    init_station(home)
    station = open_station(home)
    operators = ("op1", "op2", "op3")
    with station.db.write() as session:
        for username in operators:
            session.add(
                Operator(
                    office_id=station.office_id,
                    username=username,
                    display_name=username,
                    role="operator",
                    pin_hash=test_pin_hash(),
                )
            )
    _add_counters(station.db, station.office_id, range(3, 4))
    q = Queue.for_station(station)
    for number, operator in enumerate(operators, start=1):
        q.open_counter(number, operator, cover=True)  # the real clock, as the CLI uses
    issued = [q.take_ticket(random.choice("ABC")).ticket.number for _ in range(15)]
    station.close()

    answers: dict[str, list[str]] = {op: [] for op in operators}
    failures: list[str] = []
    barrier = threading.Barrier(len(operators))

    def work(number: int, operator: str) -> None:
        own = open_station(home)  # one connection pool per thread, like one per counter PC
        mine = Queue.for_station(own)
        try:
            barrier.wait()
            while True:
                code, data, stderr = _station(
                    "queue", "next", "--counter", str(number), "--operator", operator
                )
                if "locked" in stderr.lower() or "Traceback" in stderr:
                    failures.append(stderr)
                if code == 1 and data.get("code") == "empty":
                    assert "Antrean kosong" in data["error"]
                    return
                if code != 0:
                    failures.append(json.dumps(data))
                    return
                answers[operator].append(data["number"])
                assert data["counter"] == number and data["status"] == "called"
                mine.finish(number, operator, outcome="information_given")
        except BaseException as exc:
            failures.append(repr(exc))
        finally:
            own.close()

    threads = [
        threading.Thread(target=work, args=(n, op)) for n, op in enumerate(operators, start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    everything = [n for batch in answers.values() for n in batch]
    assert Tally(everything) == Tally(issued)
    code, status, _ = _station("queue", "status")
    assert code == 0 and status["waiting"] == [] and status["called"] == []
    assert _station("queue", "check")[0] == 0


def _done_count(db: Database, office_id: int) -> int:
    with db.read() as session:
        return int(
            session.scalar(
                select(func.count(Ticket.id)).where(
                    Ticket.office_id == office_id, Ticket.status == "done"
                )
            )
            or 0
        )


def test_sigkill_mid_loop_leaves_a_consistent_queue(db_url: str) -> None:
    db = Database(db_url)
    office_id = new_office(db)
    q = Queue(db, office_id, WITA)
    q.open_counter(1, "yohana", cover=True, now=T0)
    rng = random.Random(3)
    for round_ in range(3):
        args = (db_url, office_id, 1, "yohana", T0.isoformat())
        process = SPAWN.Process(target=queue_workers.serve_forever, args=args)
        before = _done_count(db, office_id)
        process.start()
        deadline = time.monotonic() + 60
        while _done_count(db, office_id) < before + 5:  # it is busy in its loop now
            assert process.is_alive() and time.monotonic() < deadline, f"round {round_}"
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.05))
        os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=30)
        assert process.exitcode == -signal.SIGKILL
        assert q.check() == [], f"after kill {round_}"
        with db.read() as session:
            assert verify_chain(session, office_id).ok

    # restart: the operator carries on with whatever the counter held, numbering continues
    with db.read() as session:
        last = dict(
            session.execute(
                select(Service.prefix, func.max(Ticket.sequence))
                .join(Service, Service.id == Ticket.service_id)
                .where(Ticket.office_id == office_id)
                .group_by(Service.prefix)
            ).all()
        )
    for prefix in "ABC":
        number = q.take_ticket(prefix, now=T0).ticket.number
        assert number == f"{prefix}-{last.get(prefix, 0) + 1:03d}"  # no reuse, no gap
    held = [t for t in q.status(now=T0).called if t.counter == 1]
    if held:
        q.finish(1, "yohana", outcome="information_given", now=T0)
    while True:
        try:
            q.call_next(1, "yohana", now=T0)
        except QueueError as exc:
            assert exc.code == "empty"
            break
        q.finish(1, "yohana", outcome="information_given", now=T0)
    assert q.check() == []
    calls = _called_events(db, office_id)
    with db.read() as session:
        tickets = session.execute(
            select(Ticket.id, Ticket.status).where(Ticket.office_id == office_id)
        ).all()
        assert verify_chain(session, office_id).ok
    assert {status for _, status in tickets} == {"done"}
    assert all(calls[ticket_id] == 1 for ticket_id, _ in tickets)  # called exactly once each
    db.dispose()
