"""Process bodies for the multi-process queue tests (started with the ``spawn`` method, so each
is a fresh interpreter with its own database connections, like a real kiosk or counter PC)."""

from __future__ import annotations

import datetime as dt
import random
import time
import traceback
from typing import Any

from station.queue.facade import Queue, QueueError
from station.store.db import Database
from tests.helpers.queue_world import WITA


def _queue(url: str, office_id: int) -> Queue:
    return Queue(Database(url, migrate=False), office_id, WITA)


def kiosk(
    url: str,
    office_id: int,
    count: int,
    seed: int,
    now_iso: str,
    ready: Any,
    start: Any,
    results: Any,
) -> None:
    """Issue ``count`` tickets of random services, some with priority."""
    try:
        q = _queue(url, office_id)
        now = dt.datetime.fromisoformat(now_iso)
        rng = random.Random(seed)
        q.status(now=now)  # connected and warmed up
        ready.put(1)
        start.wait()
        numbers = []
        for _ in range(count):
            priority = "lansia" if rng.random() < 0.1 else None
            issued = q.take_ticket(rng.choice("ABC"), priority=priority, now=now)
            numbers.append(issued.ticket.number)
        results.put(("kiosk", numbers))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def counter(
    url: str,
    office_id: int,
    number: int,
    operator: str,
    now_iso: str,
    ready: Any,
    start: Any,
    kiosks_done: Any,
    results: Any,
) -> None:
    """Call next and finish until the kiosks are done and the queue is empty."""
    try:
        q = _queue(url, office_id)
        now = dt.datetime.fromisoformat(now_iso)
        rng = random.Random(number)
        called = []
        q.status(now=now)
        ready.put(1)
        start.wait()
        while True:
            issuing_over = kiosks_done.is_set()
            try:
                ticket = q.call_next(number, operator, now=now)
            except QueueError as exc:
                if exc.code != "empty":
                    raise
                if issuing_over:
                    break
                time.sleep(0.002)
                continue
            called.append(ticket.number)
            q.finish(number, operator, outcome="information_given", now=now)
            # A breath between residents, as at a real counter: without it SQLite's busy
            # handler (sleep and retry, not a queue) can let one tight loop starve the others.
            time.sleep(rng.random() * 0.002)
        results.put(("counter", called))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def serve_forever(url: str, office_id: int, number: int, operator: str, now_iso: str) -> None:
    """Issue, call, start and finish in a tight loop until killed (the SIGKILL test)."""
    q = _queue(url, office_id)
    now = dt.datetime.fromisoformat(now_iso)
    rng = random.Random(number)
    while True:
        q.take_ticket(rng.choice("ABC"), now=now)
        try:
            q.call_next(number, operator, now=now)
        except QueueError as exc:
            if exc.code != "counter_busy":  # a ticket left from before the last kill
                raise
        try:
            q.start(number, operator, now=now)
        except QueueError as exc:
            if exc.code != "wrong_status":  # already in service before the last kill
                raise
        q.finish(number, operator, outcome="information_given", now=now)
