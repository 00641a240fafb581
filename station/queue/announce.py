"""What the waiting room hears and sees when a ticket is called: Indonesian number words, the
call phrase from config, and the feed of calls and recalls that the board polls.

Why here and not in the board: the words and the phrase are pure rules that tests pin down
(a table and a property test), and the feed is a read of the queue's own events, so a call
made by any process (operator app, CLI, another PC) reaches every board. No Textual import.

The feed reads ``queue_event`` rows (``called``/``recalled``) instead of diffing the queue's
status: a recall changes no status, and a ticket called and started between two polls must
still be announced. Events are identified by id and remembered in a set, not by "id greater
than the last one", because on PostgreSQL a smaller id may commit after a larger one.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.store.models import Counter, QueueEvent, Service, Ticket

_ONES = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")

DEFAULT_PHRASE = "Nomor antrian {nomor}, silakan menuju loket {loket}"
PHRASE_FIELDS = ("nomor", "loket", "layanan")
# What sends a resident to a counter: a call, a recall, and a takeover (the ticket now waits
# at another counter: the board must say where to go, not keep the old counter).
CALL_ACTIONS = ("called", "recalled", "taken_over")


def number_words(n: int) -> str:
    """Indonesian words for 0 ≤ n < 1 000 000: 11 → "sebelas", 100 → "seratus",
    1000 → "seribu", 215 → "dua ratus lima belas"."""
    if not 0 <= n < 1_000_000:
        raise ValueError(f"number out of range: {n}")
    if n == 0:
        return _ONES[0]
    thousands, rest = divmod(n, 1000)
    parts: list[str] = []
    if thousands == 1:
        parts.append("seribu")
    elif thousands:
        parts += [_below_thousand(thousands), "ribu"]
    if rest:
        parts.append(_below_thousand(rest))
    return " ".join(parts)


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts: list[str] = []
    if hundreds == 1:
        parts.append("seratus")
    elif hundreds:
        parts += [_ONES[hundreds], "ratus"]
    if rest:
        parts.append(_below_hundred(rest))
    return " ".join(parts)


def _below_hundred(n: int) -> str:
    if n < 10:
        return _ONES[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    tens, ones = divmod(n, 10)
    head = f"{_ONES[tens]} puluh"
    return f"{head} {_ONES[ones]}" if ones else head


def spoken_ticket(number: str) -> str:
    """``A-012`` → ``A dua belas``: the service letter, then the sequence as words (the
    leading zeros are for the printed ticket, nobody says them)."""
    prefix, _, digits = number.partition("-")
    if not digits:  # no dash: split letters from the trailing digits
        stripped = number.rstrip("0123456789")
        prefix, digits = stripped, number[len(stripped) :]
    if not digits.isdigit():
        return number
    words = number_words(int(digits))
    return f"{prefix} {words}" if prefix else words


def check_phrase(phrase: str) -> None:
    """Raise ValueError (Indonesian) when the phrase uses a field the announcer cannot fill."""
    try:
        parsed = list(string.Formatter().parse(phrase))
    except ValueError as exc:
        raise ValueError(f"kalimat panggilan tidak dapat dibaca: {exc}") from exc
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PHRASE_FIELDS or spec or conversion:
            allowed = ", ".join("{" + f + "}" for f in PHRASE_FIELDS)
            raise ValueError(f"isian {{{field}}} tidak dikenal; yang boleh: {allowed}")
    if not phrase.strip():
        raise ValueError("kalimat panggilan tidak boleh kosong")


def call_phrase(
    number: str, counter: int, *, service_name: str = "", phrase: str = DEFAULT_PHRASE
) -> str:
    """The sentence spoken for a call: ``Nomor antrian A dua belas, silakan menuju loket
    satu``."""
    return phrase.format(
        nomor=spoken_ticket(number), loket=number_words(counter), layanan=service_name
    )


@dataclass(frozen=True)
class Call:
    """One call or recall of a ticket to a counter, as the board shows and says it."""

    event_id: int
    number: str
    counter: int
    service_name: str
    at: dt.datetime
    recall: bool
    moved: bool = False  # taken over by this counter from another


def recent_calls(session: Session, office_id: int, day: dt.date, limit: int = 50) -> list[Call]:
    """Today's latest calls and recalls, newest first (bounded: the board polls this twice a
    second; the ``queue_event`` day index keeps it cheap)."""
    rows = session.execute(
        select(
            QueueEvent.id,
            QueueEvent.action,
            QueueEvent.at,
            Ticket.number,
            Counter.number,
            Service.name,
        )
        .join(Ticket, Ticket.id == QueueEvent.ticket_id)
        .join(Counter, Counter.id == QueueEvent.counter_id)
        .join(Service, Service.id == Ticket.queue_service_id)
        .where(
            QueueEvent.office_id == office_id,
            QueueEvent.day == day,
            QueueEvent.action.in_(CALL_ACTIONS),
        )
        .order_by(QueueEvent.id.desc())
        .limit(limit)
    ).all()
    return [
        Call(
            event_id=event_id,
            number=number,
            counter=counter,
            service_name=service_name,
            at=at,
            recall=action == "recalled",
            moved=action == "taken_over",
        )
        for event_id, action, at, number, counter, service_name in rows
    ]


def last_distinct(calls: list[Call], count: int = 6) -> list[Call]:
    """The latest call of each of the last ``count`` tickets called (a recall does not push
    another line onto the board's history); ``calls`` newest first."""
    seen: set[str] = set()
    result: list[Call] = []
    for call in calls:
        if call.number in seen:
            continue
        seen.add(call.number)
        result.append(call)
        if len(result) == count:
            break
    return result


class CallTracker:
    """Which calls are new since the last poll. The first poll only learns what already
    happened, so a board started mid-day does not read out the morning's calls."""

    def __init__(self) -> None:
        self._seen: set[int] = set()
        self._primed = False

    def new_calls(self, calls: list[Call]) -> list[Call]:
        """Calls not seen before, oldest first (the order they are announced in)."""
        fresh = [c for c in calls if c.event_id not in self._seen]
        self._seen.update(c.event_id for c in calls)
        if len(self._seen) > 5000:  # keep memory bounded over a long day
            self._seen = {c.event_id for c in calls}
        if not self._primed:
            self._primed = True
            return []
        return sorted(fresh, key=lambda c: c.event_id)
