"""Counters are the office's: added, renamed, re-assigned and removed from the CLI, audited,
and four counters added that way serve the one shared queue in parallel."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from station.home.context import Station, open_station
from station.office.operators import add_operator
from station.queue.facade import Queue
from station.queue.rules import QueueError
from station.store.models import AuditEvent
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import run_cli

ADMIN = ("--operator", "kepala")  # counters are an admin's to change; PIN: STATION_PIN


def test_counters_are_added_edited_listed_and_removed(station_home: Path) -> None:
    add_operators(station_home, "kepala", role="admin")
    result, added = run_cli(
        "counters", "add", "3", "--services", "a,c", "--name", "Informasi", *ADMIN
    )
    assert result.exit_code == 0, result.output
    assert added == {"number": 3, "name": "Informasi", "open": False, "services": ["A", "C"]}
    for args, message in (
        (("counters", "add", "3", "--services", "A", *ADMIN), "sudah ada"),
        (("counters", "add", "4", "--services", "Z", *ADMIN), "Layanan 'Z' tidak ada"),
        (("counters", "add", "0", "--services", "A", *ADMIN), "1 sampai"),
        (("counters", "edit", "9", "--name", "X", *ADMIN), "tidak ada"),
    ):
        result, refused = run_cli(*args)
        assert result.exit_code == 1 and message in refused["error"], refused
    result, edited = run_cli("counters", "edit", "3", "--services", "B", *ADMIN)
    assert result.exit_code == 0 and edited["services"] == ["B"]
    _, listed = run_cli("counters", "list")
    assert [(c["number"], c["services"]) for c in listed["counters"]] == [
        (1, ["A", "C"]),
        (2, ["B", "C"]),
        (3, ["B"]),
    ]
    result, _ = run_cli("counters", "remove", "3", *ADMIN)
    assert result.exit_code == 0
    _, listed = run_cli("counters", "list")
    assert [c["number"] for c in listed["counters"]] == [1, 2]
    station = open_station(station_home)
    try:
        with station.db.read() as session:
            actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    finally:
        station.close()
    # each command also records the admin's PIN check (operator.login, channel cli)
    changes = [a for a in actions if a.startswith("counter.")]
    assert changes == ["counter.add", "counter.edit", "counter.remove"]


def test_an_open_counter_or_one_with_history_is_not_removed(station: Station) -> None:
    add_operators(station, "kepala", role="admin")
    run_cli("counters", "add", "5", "--services", "A", *ADMIN)
    queue = Queue.for_station(station)
    queue.open_counter(5, "sari")
    result, refused = run_cli("counters", "remove", "5", *ADMIN)
    assert result.exit_code == 1 and "sedang dibuka" in refused["error"]
    queue.take_ticket("A")
    queue.call_next(5, "sari")
    queue.finish(5, "sari", outcome="information_given")
    queue.close_counter(5, "sari")
    result, refused = run_cli("counters", "remove", "5", *ADMIN)
    assert result.exit_code == 1 and "riwayat" in refused["error"]


def test_four_counters_added_from_the_cli_serve_the_queue_in_parallel(station: Station) -> None:
    """Counters 3-6 (added here) work one SQLite file from four threads, each with its own
    connection: every ticket is called exactly once."""
    add_operators(station, "kepala", role="admin")
    operators = ["ani", "budi", "citra", "dewi"]
    with station.db.write() as session:
        for name in operators:
            add_operator(session, station.office_id, username=name, display_name=name.title(),
                         role="operator", pin="2468")  # fmt: skip
    for number in (3, 4, 5, 6):
        result, _ = run_cli("counters", "add", str(number), "--services", "A,B,C", *ADMIN)
        assert result.exit_code == 0, result.output
    taker = Queue.for_station(station)
    tickets = {taker.take_ticket(p).ticket.number for p in "ABC" * 20}
    called: dict[int, list[str]] = {}
    errors: list[BaseException] = []

    def counter(number: int, operator: str) -> None:
        own = open_station(station.home)
        try:
            queue = Queue.for_station(own)
            queue.open_counter(number, operator)
            mine: list[str] = []
            while True:
                try:
                    ticket: Any = queue.call_next(number, operator)
                except QueueError as exc:
                    if exc.code == "empty":
                        break
                    raise
                mine.append(ticket.number)
                queue.finish(number, operator, outcome="information_given")
            called[number] = mine
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            own.close()

    threads = [
        threading.Thread(target=counter, args=(n, op))
        for n, op in zip((3, 4, 5, 6), operators, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    every = [number for numbers in called.values() for number in numbers]
    assert sorted(every) == sorted(tickets)  # each called once: no loss, no double call
    assert len(set(every)) == len(every)
    assert sum(1 for numbers in called.values() if numbers) >= 2  # they really shared it
