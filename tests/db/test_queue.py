"""The shared queue (issue 3) on SQLite and PostgreSQL: numbering, fairness, counters, cover
mode, takeover, no-show, transfer, day end, and the events every transition leaves behind.

Each test gets its own office in a database shared by the module (every queue row belongs to an
office, as in a city database); the clock is passed explicitly as ``now``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from station.queue.facade import Queue, QueueError, QueuePolicy
from station.store.audit import verify_chain
from station.store.db import Database
from station.store.models import AuditEvent, Counter, QueueEvent, Sequence, Service, Ticket
from tests.helpers.queue_world import T0, WITA, add_letter, at, new_queue

_dbs = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def qdb(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('queue') / 'station.db'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.create_database(f"queue_{os.getpid()}_{next(_dbs)}")
    db = Database(url)
    yield db
    db.dispose()


@pytest.fixture
def q(qdb: Database) -> Queue:
    return new_queue(qdb)


def take(q: Queue, prefix: str, minute: float, **kw: object) -> str:
    return q.take_ticket(prefix, now=at(minute), **kw).ticket.number


@contextmanager
def refusal(code: str) -> Iterator[None]:
    with pytest.raises(QueueError) as info:
        yield
    assert info.value.code == code, str(info.value)
    assert str(info.value)  # a message for the person at the counter


def events(q: Queue, number: str | None = None) -> list[str]:
    with q.db.read() as s:
        stmt = select(QueueEvent.action).where(QueueEvent.office_id == q.office.office_id)
        if number is not None:
            stmt = stmt.join(Ticket, Ticket.id == QueueEvent.ticket_id).where(
                Ticket.number == number
            )
        return list(s.scalars(stmt.order_by(QueueEvent.id)))


def consistent(q: Queue) -> None:
    assert q.check() == []
    with q.db.read() as s:
        assert verify_chain(s, q.office.office_id).ok


# --- services, numbering, the day ------------------------------------------------------------


def test_init_seeds_default_services_and_counters_once(station_home: Path) -> None:
    from station.home.context import init_station, open_station

    init_station(station_home)  # a second init adds nothing
    station = open_station(station_home)
    try:
        with station.db.read() as s:
            services = s.scalars(select(Service).order_by(Service.prefix)).all()
            counters = s.scalars(select(Counter).order_by(Counter.number)).all()
            assert [(x.prefix, x.name) for x in services] == [
                ("A", "Surat Keterangan"),
                ("B", "Kependudukan (pindah, lahir, mati)"),
                ("C", "Informasi & Pengaduan"),
            ]
            assert all(x.documents and x.typical_minutes > 0 for x in services)
            assert "Surat pengantar RT/RW" in services[0].documents
            assert [(c.number, c.name) for c in counters] == [(1, "Loket 1"), (2, "Loket 2")]
            assert [sorted(x.prefix for x in c.services) for c in counters] == [
                ["A", "C"],
                ["B", "C"],
            ]
    finally:
        station.close()


def test_numbers_per_service_and_local_day(q: Queue) -> None:
    assert [take(q, "A", 0), take(q, "A", 1), take(q, "B", 2), take(q, "a", 3)] == [
        "A-001",
        "A-002",
        "B-001",
        "A-003",
    ]
    # 23:59 WITA is still Monday; 00:01 WITA Tuesday (16:01 UTC Monday) starts again at 001
    late = dt.datetime(2026, 11, 30, 23, 59, tzinfo=WITA)
    assert q.take_ticket("A", now=late).ticket.number == "A-004"
    tuesday = dt.datetime(2026, 11, 30, 16, 1, tzinfo=dt.UTC)
    issued = q.take_ticket("A", now=tuesday).ticket
    assert issued.number == "A-001" and issued.day == dt.date(2026, 12, 1)
    with q.db.read() as s:
        scopes = dict(
            s.execute(
                select(Sequence.scope, Sequence.last_value).where(
                    Sequence.office_id == q.office.office_id, Sequence.scope.like("ticket:%")
                )
            ).all()
        )
    assert scopes == {
        "ticket:A:2026-11-30": 4,
        "ticket:B:2026-11-30": 1,
        "ticket:A:2026-12-01": 1,
    }
    consistent(q)


def test_unknown_or_inactive_service_and_bad_priority_refused(q: Queue) -> None:
    with refusal("unknown_service"):
        q.take_ticket("Z", now=at(0))
    with refusal("bad_priority"):
        q.take_ticket("A", priority="vip", now=at(0))
    with q.db.write() as s:
        service = s.scalars(
            select(Service).where(Service.office_id == q.office.office_id, Service.prefix == "C")
        ).one()
        service.active = False
    with pytest.raises(QueueError, match="tidak dibuka"):
        q.take_ticket("C", now=at(0))
    assert q.check() == []


def test_offices_number_independently(qdb: Database) -> None:
    first, second = new_queue(qdb), new_queue(qdb)
    assert take(first, "A", 0) == "A-001"
    assert take(second, "A", 0) == "A-001"
    assert take(first, "A", 1) == "A-002"
    second.open_counter(1, "yohana", now=at(2))
    assert second.call_next(1, "yohana", now=at(2)).number == "A-001"
    assert [t.number for t in first.status(now=at(3)).waiting] == ["A-001", "A-002"]


# --- calling ---------------------------------------------------------------------------------


def test_priority_first_then_first_come_across_services(q: Queue) -> None:
    take(q, "A", 0)
    take(q, "C", 1)  # C-001
    take(q, "A", 2, priority="ibu_hamil")
    take(q, "C", 3, priority="lansia")  # C-002
    take(q, "B", 4, priority="disabilitas")  # B-001: counter 1 does not serve B
    take(q, "A", 5)
    q.open_counter(1, "yohana", now=at(6))
    called = []
    for minute in range(7, 12):
        called.append(q.call_next(1, "yohana", now=at(minute)).number)
        q.finish(1, "yohana", outcome="information_given", now=at(minute + 0.5))
    assert called == ["A-002", "C-002", "A-001", "C-001", "A-003"]
    with refusal("empty"):
        q.call_next(1, "yohana", now=at(13))
    waiting = q.status(now=at(13)).waiting
    assert [(t.number, t.priority_reason) for t in waiting] == [("B-001", "disabilitas")]


def test_empty_queue_is_a_clear_refusal(q: Queue) -> None:
    q.open_counter(2, "petrus", now=at(0))
    take(q, "A", 1)  # counter 2 serves B and C only
    with pytest.raises(QueueError, match=r"Antrean kosong.*Loket 2.*B, C") as info:
        q.call_next(2, "petrus", now=at(2))
    assert info.value.code == "empty"


def test_counter_must_be_open_by_the_operator_and_holds_one_ticket(q: Queue) -> None:
    take(q, "A", 0)
    take(q, "A", 1)
    with refusal("counter_closed"):
        q.call_next(1, "yohana", now=at(2))
    with refusal("unknown_operator"):
        q.open_counter(1, "nobody", now=at(2))
    with refusal("unknown_counter"):
        q.open_counter(9, "yohana", now=at(2))
    q.open_counter(1, "yohana", now=at(2))
    with refusal("wrong_operator"):
        q.call_next(1, "petrus", now=at(3))
    with refusal("counter_taken"):
        q.open_counter(1, "petrus", now=at(3))
    with refusal("operator_elsewhere"):
        q.open_counter(2, "yohana", now=at(3))
    assert q.call_next(1, "yohana", now=at(3)).number == "A-001"
    with refusal("counter_busy"):
        q.call_next(1, "yohana", now=at(4))
    q.start(1, "yohana", now=at(5))
    with refusal("counter_busy"):
        q.call_next(1, "yohana", now=at(6))
    add_letter(q, "A-001", T0.date())
    done = q.finish(1, "yohana", outcome="letter_issued", now=at(15))
    assert (done.status, done.outcome, done.counter, done.operator) == (
        "done",
        "letter_issued",
        1,
        "yohana",
    )
    assert q.call_next(1, "yohana", now=at(16)).number == "A-002"
    consistent(q)


def test_letter_issued_is_a_fact_not_a_choice(q: Queue) -> None:
    """Finishing with "Surat diterbitkan" needs a letter issued for that very ticket; a letter
    of another ticket or a revoked one does not count."""
    take(q, "A", 0)
    take(q, "A", 1)
    q.open_counter(1, "yohana", now=at(2))
    q.call_next(1, "yohana", now=at(2))
    q.start(1, "yohana", now=at(3))
    with pytest.raises(QueueError) as info:
        q.finish(1, "yohana", outcome="letter_issued", now=at(4))
    assert info.value.code == "no_letter"
    assert "A-001 belum punya surat yang diterbitkan" in str(info.value)
    add_letter(q, "A-002", T0.date())  # another ticket's letter
    add_letter(q, "A-001", T0.date(), status="revoked")
    with refusal("no_letter"):
        q.finish(1, "yohana", outcome="letter_issued", now=at(5))
    assert events(q, "A-001") == ["issued", "called", "started"]  # nothing was written
    assert q.finish(1, "yohana", outcome="information_given", now=at(6)).status == "done"
    q.call_next(1, "yohana", now=at(7))
    done = q.finish(1, "yohana", outcome="letter_issued", now=at(8))  # A-002 has its letter
    assert (done.number, done.outcome) == ("A-002", "letter_issued")
    consistent(q)


def test_recall_counts_calls_and_no_show_needs_enough_of_them(q: Queue) -> None:
    take(q, "A", 0)
    q.open_counter(1, "yohana", now=at(1))
    assert q.call_next(1, "yohana", now=at(1)).call_count == 1
    with refusal("too_few_calls"):
        q.no_show(1, "yohana", now=at(2))
    assert q.recall(1, "yohana", now=at(2)).call_count == 2
    with refusal("too_few_calls"):
        q.no_show(1, "yohana", now=at(3))
    assert q.recall(1, "yohana", ticket="a-001", now=at(3)).call_count == 3
    with refusal("wrong_ticket"):
        q.no_show(1, "yohana", ticket="A-002", now=at(4))
    gone = q.no_show(1, "yohana", now=at(4))
    assert gone.status == "no_show" and gone.call_count == 3
    with refusal("no_ticket"):
        q.recall(1, "yohana", now=at(5))
    assert events(q, "A-001") == ["issued", "called", "recalled", "recalled", "no_show"]


def test_no_show_threshold_is_configurable(qdb: Database) -> None:
    q = new_queue(qdb, QueuePolicy(no_show_calls=1))
    take(q, "A", 0)
    q.open_counter(1, "yohana", now=at(1))
    q.call_next(1, "yohana", now=at(1))
    assert q.no_show(1, "yohana", now=at(2)).status == "no_show"


def test_no_show_reactivated_same_day_at_its_old_place(q: Queue) -> None:
    take(q, "A", 0)
    take(q, "A", 1)
    q.open_counter(1, "yohana", now=at(2))
    q.call_next(1, "yohana", now=at(2))
    q.recall(1, "yohana", now=at(3))
    q.recall(1, "yohana", now=at(4))
    q.no_show(1, "yohana", now=at(5))
    take(q, "A", 6)
    back = q.reactivate("A-001", "petrus", now=at(30))
    assert (back.status, back.call_count, back.counter) == ("waiting", 0, None)
    assert q.call_next(1, "yohana", now=at(31)).number == "A-001"
    with refusal("wrong_status"):
        q.reactivate("A-002", "petrus", now=at(32))
    # the next day it is gone for good
    q.finish(1, "yohana", outcome="referred", now=at(33))
    q.call_next(1, "yohana", now=at(34))
    for minute in (35, 36):
        q.recall(1, "yohana", now=at(minute))
    q.no_show(1, "yohana", now=at(37))
    with refusal("not_found"):
        q.reactivate("A-002", "petrus", now=at(24 * 60))
    consistent(q)


def test_finish_outcomes(q: Queue) -> None:
    take(q, "A", 0)
    q.open_counter(1, "yohana", now=at(1))
    q.call_next(1, "yohana", now=at(1))
    with refusal("bad_outcome"):
        q.finish(1, "yohana", outcome="happy", now=at(2))
    done = q.finish(1, "yohana", outcome="documents_incomplete", now=at(2))  # straight from called
    assert done.started_at == done.finished_at == at(2)
    with refusal("no_ticket"):
        q.finish(1, "yohana", outcome="referred", now=at(3))
    with refusal("no_ticket"):
        q.start(1, "yohana", now=at(3))


# --- transfer, cover, takeover ---------------------------------------------------------------


def test_transfer_to_service_keeps_the_original_place_in_time(q: Queue) -> None:
    take(q, "A", 0)  # A-001, 08:00
    take(q, "B", 5)  # B-001, 08:05
    q.open_counter(1, "yohana", now=at(6))
    q.open_counter(2, "petrus", now=at(6))
    q.call_next(1, "yohana", now=at(7))
    q.start(1, "yohana", now=at(8))
    moved = q.transfer(1, "yohana", to_service="B", now=at(10))
    assert (moved.number, moved.service, moved.issued_service, moved.status) == (
        "A-001",
        "B",
        "A",
        "waiting",
    )
    assert moved.issued_at == at(0) and moved.started_at is None
    # counter 2 (B, C) calls A-001 before B-001: it came at 08:00
    assert q.call_next(2, "petrus", now=at(11)).number == "A-001"
    with refusal("empty"):
        q.call_next(1, "yohana", now=at(11))
    with refusal("bad_target"):
        q.transfer(2, "petrus", now=at(12))
    assert events(q, "A-001") == ["issued", "called", "started", "transferred", "called"]
    consistent(q)


def test_transfer_to_a_counter_reserves_it_until_that_counter_closes(q: Queue) -> None:
    take(q, "C", 0)  # C-001: both counters serve C
    take(q, "C", 1)  # C-002
    q.open_counter(1, "yohana", now=at(2))
    with refusal("counter_closed"):  # nobody would call it there
        q.transfer(1, "yohana", ticket="C-001", to_counter=2, now=at(2))
    q.open_counter(2, "petrus", now=at(2))
    with refusal("bad_target"):
        q.transfer(1, "yohana", ticket="C-001", to_counter=1, now=at(3))
    reserved = q.transfer(1, "yohana", ticket="C-001", to_counter=2, now=at(3))
    assert reserved.target_counter == 2 and reserved.status == "waiting"
    assert q.call_next(1, "yohana", now=at(4)).number == "C-002"  # C-001 is counter 2's
    q.finish(1, "yohana", outcome="information_given", now=at(5))
    with refusal("empty"):
        q.call_next(1, "yohana", now=at(5))
    closed = q.close_counter(2, "petrus", now=at(6))
    assert closed.open is False
    assert q.call_next(1, "yohana", now=at(7)).number == "C-001"  # released by the closing
    assert events(q, "C-001") == ["issued", "transferred", "released", "called"]


def test_reserved_ticket_goes_to_others_when_its_counter_goes_stale(q: Queue) -> None:
    take(q, "C", 0)
    q.open_counter(1, "yohana", now=at(1))
    q.open_counter(2, "petrus", now=at(1))
    q.transfer(1, "yohana", ticket="C-001", to_counter=2, now=at(2))
    with refusal("empty"):
        q.call_next(1, "yohana", now=at(3))
    # counter 2 shows no sign of life for longer than the stale window
    assert q.call_next(1, "yohana", now=at(2 + 6)).number == "C-001"


def test_cover_mode_serves_everything_fairly_and_takes_over_a_stranded_ticket(q: Queue) -> None:
    """Acceptance: counter 2 closed, counter 1 in cover mode serves A, B and C in fair order,
    and the ticket left "called" at counter 2 is taken over by counter 1."""
    q.open_counter(1, "yohana", now=at(0))
    q.open_counter(2, "petrus", now=at(0))
    take(q, "B", 1)  # B-001
    assert q.call_next(2, "petrus", now=at(2)).number == "B-001"
    left = q.close_counter(2, "petrus", now=at(3))  # petrus has to leave
    assert left.ticket == "B-001"
    for prefix, minute in (("A", 4), ("B", 5), ("C", 6), ("A", 7), ("B", 8)):
        take(q, prefix, minute)
    view = q.open_counter(1, "yohana", cover=True, now=at(9))
    assert view.cover and view.services == ["A", "B", "C"]
    assert view.configured_services == ["A", "C"]
    taken = q.takeover(1, "yohana", ticket="B-001", now=at(10))
    assert (taken.status, taken.counter, taken.operator) == ("called", 1, "yohana")
    q.start(1, "yohana", now=at(11))
    q.finish(1, "yohana", outcome="information_given", now=at(20))
    order = []
    for minute in range(21, 26):
        order.append(q.call_next(1, "yohana", now=at(minute)).number)
        q.finish(1, "yohana", outcome="information_given", now=at(minute + 0.5))
    assert order == ["A-001", "B-002", "C-001", "A-002", "B-003"]
    status = q.status(now=at(26))
    assert status.waiting == [] and status.called == []
    assert events(q, "B-001") == ["issued", "called", "taken_over", "started", "finished"]
    # leaving cover mode: back to its own services
    assert q.open_counter(1, "yohana", cover=False, now=at(27)).services == ["A", "C"]
    consistent(q)


def test_services_of_an_open_counter_change_live(q: Queue) -> None:
    take(q, "B", 0)
    q.open_counter(1, "yohana", now=at(1))
    with refusal("empty"):
        q.call_next(1, "yohana", now=at(2))
    view = q.open_counter(1, "yohana", services=["a", "b"], now=at(3))
    assert view.services == ["A", "B"]
    assert q.call_next(1, "yohana", now=at(4)).number == "B-001"
    with refusal("unknown_service"):
        q.open_counter(1, "yohana", services=["X"], now=at(5))


def test_takeover_only_from_closed_or_stale_counters(q: Queue) -> None:
    take(q, "C", 0)
    take(q, "C", 1)
    q.open_counter(1, "yohana", now=at(2))
    q.open_counter(2, "petrus", now=at(2))
    q.call_next(2, "petrus", now=at(3))  # C-001 at counter 2
    q.start(2, "petrus", now=at(4))
    with refusal("counter_live"):
        q.takeover(1, "yohana", ticket="C-001", now=at(5))
    q.touch(2, "petrus", now=at(6))
    with refusal("counter_live"):
        q.takeover(1, "yohana", ticket="C-001", now=at(6 + 4.9))
    # petrus's PC died: no heartbeat for longer than 5 minutes
    taken = q.takeover(1, "yohana", ticket="C-001", now=at(6 + 5.1))
    assert (taken.status, taken.counter, taken.started_at) == ("serving", 1, at(4))
    with refusal("wrong_status"):
        q.takeover(1, "yohana", ticket="C-002", now=at(12))
    # the dead counter comes back: it no longer holds the ticket
    with refusal("no_ticket"):
        q.finish(2, "petrus", outcome="referred", now=at(13))
    q.finish(1, "yohana", outcome="referred", now=at(14))
    # another operator may open the stale counter, admin may close a live one
    q.open_counter(2, "admin", now=at(25))
    with refusal("wrong_operator"):
        q.close_counter(2, "petrus", now=at(26))
    q.close_counter(1, "admin", now=at(27))
    consistent(q)


def test_return_to_the_head_of_its_queue(q: Queue) -> None:
    take(q, "A", 0)
    take(q, "A", 1)
    q.open_counter(1, "yohana", now=at(2))
    q.call_next(1, "yohana", now=at(2))
    take(q, "A", 3)
    q.close_counter(1, "yohana", now=at(4))
    q.open_counter(2, "petrus", services=["B"], now=at(5))
    back = q.takeover(2, "petrus", ticket="A-001", return_to_queue=True, now=at(6))
    assert (back.status, back.counter, back.call_count) == ("waiting", None, 0)
    q.open_counter(1, "yohana", now=at(7))
    assert q.call_next(1, "yohana", now=at(7)).number == "A-001"
    assert events(q, "A-001") == ["issued", "called", "returned", "called"]


def test_cancel_and_attach_nik(q: Queue) -> None:
    take(q, "A", 0)
    take(q, "A", 1)
    q.open_counter(1, "yohana", now=at(2))
    q.call_next(1, "yohana", now=at(2))
    with refusal("held_elsewhere"):
        q.cancel("A-001", "petrus", reason="pulang", now=at(3))
    with refusal("no_reason"):
        q.cancel("A-002", "petrus", reason=" ", now=at(3))
    gone = q.cancel("A-002", "petrus", reason="Warga pulang", now=at(3))
    assert (gone.status, gone.close_reason) == ("cancelled", "Warga pulang")
    with refusal("wrong_status"):
        q.cancel("A-002", "petrus", reason="lagi", now=at(4))
    with refusal("bad_nik"):
        q.attach_nik("A-001", "1234", "yohana", now=at(4))
    tagged = q.attach_nik("A-001", "5371031708900001", "yohana", now=at(4))
    assert tagged.nik_masked == "5371********0001"
    with q.db.read() as s:
        stored = s.scalar(
            select(Ticket.resident_nik).where(
                Ticket.office_id == q.office.office_id, Ticket.number == "A-001"
            )
        )
        audit_details = s.scalars(
            select(AuditEvent.details).where(
                AuditEvent.office_id == q.office.office_id,
                AuditEvent.action == "queue.nik_attached",
            )
        ).all()
    assert audit_details
    assert stored == "5371031708900001"
    assert all("5371031708900001" not in str(d) for d in audit_details)  # masked in the trail
    q.finish(1, "yohana", outcome="information_given", now=at(5))
    with refusal("empty"):  # A-002 was cancelled
        q.call_next(1, "yohana", now=at(6))
    consistent(q)


# --- estimates -------------------------------------------------------------------------------


def test_estimated_wait_uses_typical_minutes_then_recent_median(q: Queue) -> None:
    first = q.take_ticket("A", now=at(0))  # typical 10 minutes for A
    assert (first.ahead, first.estimated_wait_min) == (0, 0)
    assert "KTP-el asli" in first.documents
    second = q.take_ticket("A", now=at(1))
    assert (second.ahead, second.estimated_wait_min) == (1, 10)  # one counter set up for A
    q.open_counter(1, "yohana", now=at(2))
    q.open_counter(2, "petrus", services=["A", "B"], now=at(2))
    third = q.take_ticket("A", now=at(3))
    assert (third.ahead, third.estimated_wait_min) == (2, 10)  # 2 ÷ 2 counters × 10
    # history: services of 4, 6 and 20 minutes -> median 6
    for length in (4, 6, 20):
        q.call_next(1, "yohana", now=at(10))
        q.start(1, "yohana", now=at(10))
        q.finish(1, "yohana", outcome="information_given", now=at(10 + length))
    for _ in range(3):
        take(q, "A", 40)
    q.touch(1, "yohana", now=at(40))
    q.touch(2, "petrus", now=at(40))
    fourth = q.take_ticket("A", now=at(41))
    assert (fourth.ahead, fourth.estimated_wait_min) == (3, 9)  # 3 ÷ 2 × 6
    urgent = q.take_ticket("A", priority="lansia", now=at(42))
    assert (urgent.ahead, urgent.estimated_wait_min) == (0, 0)
    by_prefix = {s["prefix"]: s for s in q.status(now=at(43)).to_dict()["services"]}
    assert by_prefix["A"]["waiting"] == 5 and by_prefix["A"]["estimated_wait_min"] == 15
    assert by_prefix["C"]["uncovered"] is False
    # nobody alive any more (no heartbeat): still an estimate, from the counters set up for A
    later = {s["prefix"]: s for s in q.status(now=at(60)).to_dict()["services"]}
    assert later["A"]["estimated_wait_min"] == 15 and later["A"]["uncovered"] is True


# --- the day ---------------------------------------------------------------------------------


def test_close_day_closes_waiting_as_not_served_and_numbering_restarts(q: Queue) -> None:
    for prefix, minute in (("A", 0), ("A", 1), ("B", 2), ("C", 3), ("C", 4)):
        take(q, prefix, minute)
    q.open_counter(1, "yohana", now=at(5))
    q.open_counter(2, "petrus", now=at(5))
    q.call_next(1, "yohana", now=at(6))  # A-001 called
    q.start(1, "yohana", now=at(7))  # ... and in service
    q.call_next(2, "petrus", now=at(8))  # B-001 called, resident not there yet
    end = q.close_day("admin", reason="Kantor tutup pukul 15.00", now=at(7 * 60))
    assert sorted(end.closed) == ["A-002", "B-001", "C-001", "C-002"]
    assert end.by_service == {"A": 1, "B": 1, "C": 2}
    assert end.still_serving == ["A-001"]
    status = q.status(now=at(7 * 60 + 1))
    assert status.waiting == [] and [t.number for t in status.called] == ["A-001"]
    counts = {s["prefix"]: s["counts"] for s in status.services}
    assert counts["C"]["not_served"] == 2 and counts["A"]["serving"] == 1
    with q.db.read() as s:
        reasons = set(
            s.scalars(
                select(Ticket.close_reason).where(
                    Ticket.office_id == q.office.office_id, Ticket.status == "not_served"
                )
            )
        )
    assert reasons == {"Kantor tutup pukul 15.00"}
    q.finish(1, "yohana", outcome="information_given", now=at(7 * 60 + 2))
    with refusal("future_day"):
        q.close_day("admin", day=dt.date(2026, 12, 5), now=at(0))
    tomorrow = at(24 * 60)
    assert q.take_ticket("A", now=tomorrow).ticket.number == "A-001"
    assert q.take_ticket("C", now=tomorrow).ticket.number == "C-001"
    consistent(q)


def test_first_counter_of_a_new_day_ends_the_previous_day(q: Queue) -> None:
    take(q, "A", 0)
    take(q, "B", 1)
    tomorrow = at(24 * 60)
    take(q, "A", 24 * 60)
    q.open_counter(1, "yohana", now=tomorrow)
    status = q.status(now=tomorrow)
    assert [t.number for t in status.waiting] == ["A-001"]
    assert status.waiting[0].day == dt.date(2026, 12, 1)
    with q.db.read() as s:
        old = s.execute(
            select(Ticket.number, Ticket.status, Ticket.close_reason).where(
                Ticket.office_id == q.office.office_id, Ticket.day == dt.date(2026, 11, 30)
            )
        ).all()
    assert {(n, st) for n, st, _ in old} == {("A-001", "not_served"), ("B-001", "not_served")}
    assert q.call_next(1, "yohana", now=tomorrow).day == dt.date(2026, 12, 1)


def test_yesterdays_waiting_tickets_are_never_called_today(q: Queue) -> None:
    take(q, "A", 0)
    q.open_counter(1, "yohana", now=at(1))
    with refusal("empty"):
        q.call_next(1, "yohana", now=at(24 * 60))


# --- events and audit ------------------------------------------------------------------------


def test_queue_and_audit_events_agree_with_what_happened(q: Queue) -> None:
    q.open_counter(1, "yohana", now=at(0))
    take(q, "A", 1)
    q.call_next(1, "yohana", now=at(2))
    q.recall(1, "yohana", now=at(3))
    q.start(1, "yohana", now=at(4))
    q.finish(1, "yohana", outcome="information_given", now=at(9))
    take(q, "C", 10)
    q.cancel("C-001", "yohana", reason="Salah ambil", now=at(11))
    q.close_counter(1, "yohana", now=at(12))
    with q.db.read() as s:
        queue_events = s.execute(
            select(QueueEvent.action, QueueEvent.operator, QueueEvent.details)
            .where(QueueEvent.office_id == q.office.office_id)
            .order_by(QueueEvent.id)
        ).all()
        audits = s.execute(
            select(AuditEvent.action, AuditEvent.subject, AuditEvent.operator)
            .where(AuditEvent.office_id == q.office.office_id)
            .order_by(AuditEvent.id)
        ).all()
    actions = [
        "counter_opened",
        "issued",
        "called",
        "recalled",
        "started",
        "finished",
        "issued",
        "cancelled",
        "counter_closed",
    ]
    assert [e.action for e in queue_events] == actions
    assert [a.action for a in audits] == [f"queue.{x}" for x in actions]
    assert [a.subject for a in audits] == [
        "counter:1",
        *["ticket:2026-11-30:A-001"] * 5,
        *["ticket:2026-11-30:C-001"] * 2,
        "counter:1",
    ]
    assert [a.operator for a in audits][2:6] == ["yohana"] * 4
    assert audits[1].operator is None  # the kiosk issued it
    assert queue_events[5].details["outcome"] == "information_given"
    assert queue_events[5].details["service_seconds"] == 5 * 60
    assert queue_events[2].details["wait_seconds"] == 60
    consistent(q)


def test_a_failed_transition_leaves_nothing_behind(q: Queue) -> None:
    take(q, "A", 0)
    before = events(q)
    with q.db.read() as s:
        audit_count = len(s.scalars(select(AuditEvent.id)).all())
    with refusal("counter_closed"):
        q.call_next(1, "yohana", now=at(1))
    with refusal("unknown_service"):
        q.take_ticket("Q", now=at(1))
    assert events(q) == before
    with q.db.read() as s:
        assert len(s.scalars(select(AuditEvent.id)).all()) == audit_count
    assert take(q, "A", 2) == "A-002"  # the refused attempts used no number


def test_check_finds_tampering(q: Queue) -> None:
    take(q, "A", 0)
    take(q, "A", 1)
    with q.db.write() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.office_id == q.office.office_id)).first()
        assert ticket is not None
        ticket.status = "done"  # no event says so
    problems = q.check()
    assert any("peristiwa antrean" in p for p in problems)


def test_check_finds_a_letter_issued_outcome_without_a_letter(q: Queue) -> None:
    """Outcomes are facts: data from before the rule (or edited by hand) that says a letter
    was issued for a ticket with none is reported, a ticket with its letter is not."""
    q.open_counter(1, "yohana", now=at(0))
    for minute, number in ((1, "A-001"), (2, "A-002")):
        take(q, "A", minute)
        q.call_next(1, "yohana", now=at(minute + 0.5))
        if number == "A-001":
            add_letter(q, number, T0.date())
            q.finish(1, "yohana", outcome="letter_issued", now=at(minute + 0.7))
        else:
            q.finish(1, "yohana", outcome="information_given", now=at(minute + 0.7))
    assert q.check() == []
    with q.db.write() as s:
        second = s.scalars(
            select(Ticket).where(Ticket.office_id == q.office.office_id, Ticket.number == "A-002")
        ).one()
        second.outcome = "letter_issued"  # as an old version let an operator record it
    problems = q.check()
    assert len(problems) == 1 and "A-002" in problems[0] and "tanpa surat" in problems[0]


def test_naive_now_is_refused(q: Queue) -> None:
    with pytest.raises(ValueError):
        q.take_ticket("A", now=dt.datetime(2026, 11, 30, 8, 0))


def test_a_ticket_locked_for_a_moment_is_not_reported_as_empty(q: Queue) -> None:
    """PostgreSQL: SKIP LOCKED skips a row another transaction holds; the queue is not empty
    for that, so call next looks again. SQLite: the other writer holds the database; call next
    waits for it (busy timeout). Either way the ticket is called, not "queue empty"."""
    take(q, "A", 0)
    q.open_counter(1, "yohana", now=at(1))
    with q.db.engine.connect() as other:
        if q.db.dialect == "sqlite":
            other.exec_driver_sql("COMMIT")  # end the BEGIN our engine issued on connect
            other.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            other.execute(
                select(Ticket.id)
                .where(Ticket.office_id == q.office.office_id, Ticket.number == "A-001")
                .with_for_update()
            ).one()
        result: list[object] = []
        worker = threading.Thread(
            target=lambda: result.append(q.call_next(1, "yohana", now=at(2)).number)
        )
        worker.start()
        time.sleep(0.3)  # not join(timeout): under faketime a timed wait lasts until the end
        assert worker.is_alive()  # still waiting for the lock holder
        other.rollback()
        worker.join(timeout=10)
    assert result == ["A-001"]
