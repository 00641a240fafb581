"""Process bodies for the fault-injection suite (``test_faults.py``), run as scripts:
``python -m tests.e2e.fault_workers KIND ARGS...`` in a fresh interpreter, like a real counter PC.

Each worker appends one line per *acknowledged* step to its log file (``issued NUMBER`` after
the issuing transaction committed, ``printed NUMBER`` after the print was recorded, ``ticket
A-001`` after a ticket was handed out), flushed at once: after a SIGKILL the log says exactly
what a person at the counter was told, and the test checks the database against it.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO


def _log(path: str) -> TextIO:
    return open(path, "a", buffering=1, encoding="utf-8")  # line-buffered: flushed per step


def issue_letters(log_path: str, operator: str, *niks: str) -> None:
    """Issue SKD letters in a loop and print each on the configured printer, as ``station
    letter issue`` does (the same ``_print_document``), until killed."""
    from station.cli import cli  # noqa: F401 - cli_letters is loaded through it
    from station.cli.letters import _print_document
    from station.home.context import open_station
    from station.letters.store import IssueRequest, LetterSettings, issue_letter

    log = _log(log_path)
    station = open_station()
    settings = LetterSettings.from_config(station.config)
    log.write("ready\n")
    i = 0
    while True:
        request = IssueRequest("SKD", niks[i % len(niks)], operator, purpose="Uji gangguan")
        i += 1
        log.write("begin\n")  # a kill after this and before "issued" hit the transaction
        with station.db.write() as session:
            issued = issue_letter(session, station.office_id, settings, request)
        log.write(f"issued {issued.number}\n")
        outcome = _print_document(station, issued.number, issued.document, operator)
        log.write(f"{'printed' if outcome['printed'] else 'fault'} {issued.number}\n")


def take_tickets(log_path: str, counter: str, operator: str) -> None:
    """Take a ticket, call it and finish it, in a loop until killed; a database that cannot be
    reached for a moment is reported (``error CODE``) and the loop goes on, as an operator
    would press the key again."""
    from station.home.context import open_station
    from station.queue.facade import Queue
    from station.store.errors import DatabaseBusy, DatabaseUnavailable

    log = _log(log_path)
    station = open_station()
    q = Queue.for_station(station)
    number = int(counter)
    log.write("ready\n")
    while True:
        try:
            issued = q.take_ticket("A")
            log.write(f"ticket {issued.ticket.number}\n")
            _tolerate(q.call_next, number, operator, ok=("counter_busy",))  # held from before
            _tolerate(q.start, number, operator, ok=("wrong_status",))  # already in service
            q.finish(number, operator, outcome="information_given")
        except (DatabaseBusy, DatabaseUnavailable) as exc:
            log.write(f"error {exc.code}\n")
            time.sleep(0.05)


def _tolerate(action: Any, *args: Any, ok: tuple[str, ...]) -> None:
    from station.queue.rules import QueueError

    try:
        action(*args)
    except QueueError as exc:
        if exc.code not in ok:
            raise


def hold_lock(db_path: str) -> None:
    """Take SQLite's write lock (``BEGIN IMMEDIATE``, one row written), say ``locked`` on
    stdout, and keep it until a line arrives on stdin; then roll back (nothing written)."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=30)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE sequence SET last_value = last_value WHERE 0")
    print("locked", flush=True)
    sys.stdin.readline()
    conn.execute("ROLLBACK")
    conn.close()
    print("released", flush=True)


KINDS: dict[str, Callable[..., None]] = {
    "letters": issue_letters,
    "tickets": take_tickets,
    "lock": hold_lock,
}

if __name__ == "__main__":
    KINDS[sys.argv[1]](*sys.argv[2:])
