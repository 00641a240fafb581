"""Random sequences of queue operations (hypothesis) keep the queue's invariants, on SQLite and
PostgreSQL:

- every ticket has exactly the status the operations gave it (nothing else changes behind our
  back), and that status is what its queue events replay to;
- numbers are unique and gap-free per service and day, matching their sequence rows;
- a counter holds at most one ticket, a held ticket names its counter, a waiting one none;
- call next picks exactly the ticket a plain-Python oracle picks (priority first, then issue
  time, among the services the counter calls and the tickets reserved for it);
- the audit chain stays intact.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from station.queue.facade import OUTCOMES, PRIORITY_REASONS, QueueError, QueuePolicy, TicketView
from station.queue.rules import is_live
from station.store.audit import verify_chain
from station.store.db import Database
from station.store.models import Counter, CounterService, Service, Ticket
from tests.helpers.queue_world import T0, new_queue

OPERATORS = {1: "yohana", 2: "petrus"}
_dbs = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def pdb(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('props') / 'station.db'}"
    else:
        url = request.getfixturevalue("pg_cluster").create_database(
            f"props_{os.getpid()}_{next(_dbs)}"
        )
    db = Database(url)
    yield db
    db.dispose()


class QueueMachine(RuleBasedStateMachine):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.q = new_queue(db, QueuePolicy(no_show_calls=2, stale_minutes=5))
        self.now = T0
        self.status: dict[tuple[dt.date, str], str] = {}  # what the operations said

    # --- helpers -----------------------------------------------------------------------------

    def _note(self, view: TicketView) -> None:
        self.status[(view.day, view.number)] = view.status

    def _today(self) -> dt.date:
        return self.q.office.day(self.now)

    def _numbers_today(self) -> list[str]:
        return sorted(n for day, n in self.status if day == self._today())

    def _expected_next(self, counter_number: int) -> str | None:
        """The oracle: what call next must give this counter, from a plain read of the state."""
        office = self.q.office.office_id
        with self.q.db.read() as s:
            counters = {
                c.id: c for c in s.scalars(select(Counter).where(Counter.office_id == office))
            }
            me = next(c for c in counters.values() if c.number == counter_number)
            if me.cover_mode:
                served = set(
                    s.scalars(select(Service.id).where(Service.office_id == office, Service.active))
                )
            else:
                served = set(
                    s.scalars(
                        select(CounterService.service_id).where(CounterService.counter_id == me.id)
                    )
                )
            waiting = s.scalars(
                select(Ticket).where(
                    Ticket.office_id == office,
                    Ticket.day == self._today(),
                    Ticket.status == "waiting",
                )
            ).all()
        live = {cid for cid, c in counters.items() if is_live(c, self.now, self.q.office.policy)}
        eligible = [
            t
            for t in waiting
            if t.target_counter_id == me.id
            or (
                t.queue_service_id in served
                and (t.target_counter_id is None or t.target_counter_id not in live)
            )
        ]
        eligible.sort(key=lambda t: (not t.priority, t.issued_at, t.id))
        return eligible[0].number if eligible else None

    # --- rules -------------------------------------------------------------------------------

    @initialize(cover=st.booleans())
    def morning(self, cover: bool) -> None:
        """Both counters open (one maybe in cover mode): the state where most can go wrong."""
        self.q.open_counter(1, OPERATORS[1], cover=cover, now=self.now)
        self.q.open_counter(2, OPERATORS[2], now=self.now)

    @rule(minutes=st.integers(0, 7))
    def tick(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes, seconds=1)

    @rule()
    def next_morning(self) -> None:
        self.now = self.now.astimezone(T0.tzinfo).replace(hour=8) + dt.timedelta(days=1)

    @rule(
        prefix=st.sampled_from(["A", "B", "C"]),
        priority=st.one_of(st.none(), st.sampled_from(sorted(PRIORITY_REASONS))),
    )
    def take(self, prefix: str, priority: str | None) -> None:
        before = len(self._numbers_today())
        issued = self.q.take_ticket(prefix, priority=priority, now=self.now)
        self._note(issued.ticket)
        assert issued.ticket.number.startswith(f"{prefix}-")
        assert len(self._numbers_today()) == before + 1

    @rule(counter=st.sampled_from([1, 2]), cover=st.one_of(st.none(), st.booleans()))
    def open_counter(self, counter: int, cover: bool | None) -> None:
        today = self._today()
        try:
            self.q.open_counter(counter, OPERATORS[counter], cover=cover, now=self.now)
        except QueueError:
            return
        # the first counter of a new day ends the earlier days
        for key, status in self.status.items():
            if key[0] < today and status in ("waiting", "called"):
                self.status[key] = "not_served"

    @rule(counter=st.sampled_from([1, 2]))
    def close_counter(self, counter: int) -> None:
        with contextlib.suppress(QueueError):
            self.q.close_counter(counter, OPERATORS[counter], now=self.now)

    @rule(counter=st.sampled_from([1, 2]))
    def touch(self, counter: int) -> None:
        with contextlib.suppress(QueueError):
            self.q.touch(counter, OPERATORS[counter], now=self.now)

    @rule(counter=st.sampled_from([1, 2]))
    def call_next(self, counter: int) -> None:
        expected = self._expected_next(counter)
        try:
            view = self.q.call_next(counter, OPERATORS[counter], now=self.now)
        except QueueError as exc:
            if exc.code == "empty":
                assert expected is None, f"queue said empty, but {expected} waits"
            return
        assert view.number == expected
        assert view.status == "called" and view.counter == counter and view.call_count == 1
        self._note(view)

    @rule(
        counter=st.sampled_from([1, 2]),
        action=st.sampled_from(["recall", "start", "finish", "no_show"]),
        outcome=st.sampled_from(sorted(OUTCOMES)),
    )
    def act(self, counter: int, action: str, outcome: str) -> None:
        operator = OPERATORS[counter]
        try:
            if action == "finish":
                view = self.q.finish(counter, operator, outcome=outcome, now=self.now)
            else:
                view = getattr(self.q, action)(counter, operator, now=self.now)
        except QueueError:
            return
        self._note(view)

    @rule(counter=st.sampled_from([1, 2]), to=st.sampled_from(["A", "B", "C", 1, 2]))
    def transfer(self, counter: int, to: str | int) -> None:
        target = {"to_counter": to} if isinstance(to, int) else {"to_service": to}
        try:
            view = self.q.transfer(counter, OPERATORS[counter], now=self.now, **target)
        except QueueError:
            return
        assert view.status == "waiting"
        self._note(view)

    @rule(counter=st.sampled_from([1, 2]), pick=st.integers(0, 30), back=st.booleans())
    def takeover(self, counter: int, pick: int, back: bool) -> None:
        numbers = self._numbers_today()
        if not numbers:
            return
        number = numbers[pick % len(numbers)]
        try:
            view = self.q.takeover(
                counter, OPERATORS[counter], ticket=number, return_to_queue=back, now=self.now
            )
        except QueueError:
            return
        self._note(view)

    @rule(pick=st.integers(0, 30), action=st.sampled_from(["cancel", "reactivate"]))
    def by_number(self, pick: int, action: str) -> None:
        numbers = self._numbers_today()
        if not numbers:
            return
        number = numbers[pick % len(numbers)]
        try:
            if action == "cancel":
                view = self.q.cancel(number, "admin", reason="uji", now=self.now)
            else:
                view = self.q.reactivate(number, "admin", now=self.now)
        except QueueError:
            return
        self._note(view)

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def consistent(self) -> None:
        assert self.q.check() == []

    @invariant()
    def statuses_are_what_the_operations_said(self) -> None:
        with self.q.db.read() as s:
            rows = s.execute(
                select(Ticket.day, Ticket.number, Ticket.status).where(
                    Ticket.office_id == self.q.office.office_id
                )
            ).all()
        assert {(day, number): status for day, number, status in rows} == self.status

    def teardown(self) -> None:
        with self.q.db.read() as s:
            assert verify_chain(s, self.q.office.office_id).ok


@pytest.mark.slow
def test_random_operations_keep_the_invariants(pdb: Database) -> None:
    run_state_machine_as_test(
        lambda: QueueMachine(pdb),
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
