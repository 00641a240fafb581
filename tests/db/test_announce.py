"""Spoken calls: Indonesian number words (a table and a property), the call phrase, and the
feed of calls and recalls read from the queue's events."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.home.context import open_station
from station.office.operators import add_operator
from station.queue.announce import (
    Call,
    CallTracker,
    call_phrase,
    check_phrase,
    last_distinct,
    number_words,
    recent_calls,
    spoken_ticket,
)
from station.queue.facade import Queue

TABLE = {
    0: "nol",
    1: "satu",
    2: "dua",
    7: "tujuh",
    9: "sembilan",
    10: "sepuluh",
    11: "sebelas",
    12: "dua belas",
    15: "lima belas",
    19: "sembilan belas",
    20: "dua puluh",
    21: "dua puluh satu",
    30: "tiga puluh",
    45: "empat puluh lima",
    99: "sembilan puluh sembilan",
    100: "seratus",
    101: "seratus satu",
    110: "seratus sepuluh",
    111: "seratus sebelas",
    112: "seratus dua belas",
    120: "seratus dua puluh",
    200: "dua ratus",
    215: "dua ratus lima belas",
    300: "tiga ratus",
    508: "lima ratus delapan",
    999: "sembilan ratus sembilan puluh sembilan",
    1000: "seribu",
    1001: "seribu satu",
    1100: "seribu seratus",
    1111: "seribu seratus sebelas",
    2000: "dua ribu",
    11000: "sebelas ribu",
    100000: "seratus ribu",
    123456: "seratus dua puluh tiga ribu empat ratus lima puluh enam",
}


@pytest.mark.parametrize(("n", "words"), sorted(TABLE.items()))
def test_number_words_table(n: int, words: str) -> None:
    assert number_words(n) == words


# An independent reader of the words (sums and multipliers), used to check the writer.
_UNITS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
          "delapan": 8, "sembilan": 9}  # fmt: skip
_SE = {"sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000}


def _read(words: str) -> int:
    total, current, pending = 0, 0, 0
    for word in words.split():
        if word in _UNITS:
            assert pending == 0, f"two units in a row in {words!r}"
            pending = _UNITS[word]
        elif word in _SE:
            current += _SE[word] if _SE[word] < 1000 else 0
            if word == "seribu":
                total += 1000
        elif word == "belas":
            current, pending = current + pending + 10, 0
        elif word == "puluh":
            current, pending = current + pending * 10, 0
        elif word == "ratus":
            current, pending = current + pending * 100, 0
        elif word == "ribu":
            total, current, pending = total + (current + pending) * 1000, 0, 0
        else:
            raise AssertionError(f"unknown word {word!r} in {words!r}")
    return total + current + pending


@given(st.integers(min_value=1, max_value=999))
def test_words_read_back_and_never_say_satu_before_a_multiplier(n: int) -> None:
    words = number_words(n)
    assert _read(words) == n
    assert words == words.strip() and "  " not in words
    for bad in ("satu belas", "satu puluh", "satu ratus", "satu ribu", "nol"):
        assert bad not in words
    if n >= 100:
        assert words.split()[0] in ("seratus", *_UNITS)
        assert "ratus" in words


@given(st.integers(min_value=1000, max_value=999_999))
def test_thousands_read_back(n: int) -> None:
    assert _read(number_words(n)) == n


def test_out_of_range_is_refused() -> None:
    for n in (-1, 1_000_000):
        with pytest.raises(ValueError):
            number_words(n)


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        ("A-012", "A dua belas"),
        ("B-001", "B satu"),
        ("C-111", "C seratus sebelas"),
        ("A-1000", "A seribu"),
        ("A12", "A dua belas"),
    ],
)
def test_spoken_ticket(number: str, spoken: str) -> None:
    assert spoken_ticket(number) == spoken


def test_the_issue_s_phrase() -> None:
    assert call_phrase("A-012", 1) == "Nomor antrian A dua belas, silakan menuju loket satu"
    custom = "Panggilan untuk {layanan}: nomor {nomor}, ke loket {loket}."
    assert (
        call_phrase("B-021", 12, service_name="Kependudukan", phrase=custom)
        == "Panggilan untuk Kependudukan: nomor B dua puluh satu, ke loket dua belas."
    )


@pytest.mark.parametrize("phrase", ["Nomor {nama}", "Nomor {nomor:>3}", "Nomor {", "  "])
def test_bad_phrases_are_refused(phrase: str) -> None:
    with pytest.raises(ValueError):
        check_phrase(phrase)


def test_call_feed_sees_calls_and_recalls_once(station_home: Path) -> None:
    """The tracker primes on the first read, then reports each call and recall once."""
    station = open_station(station_home)
    try:
        with station.db.write() as session:
            add_operator(session, station.office_id, username="sari", display_name="Sari",
                         role="operator", pin="2468")  # fmt: skip
        queue = Queue.for_station(station)
        queue.open_counter(1, "sari")
        for _ in range(3):
            queue.take_ticket("A")
        queue.call_next(1, "sari")  # A-001 before the board starts
        today = dt.datetime.now(station.config.tz).date()

        def read() -> list[Call]:
            return queue.read(lambda s: recent_calls(s, station.office_id, today))

        tracker = CallTracker()
        assert tracker.new_calls(read()) == []  # primed: the morning is not read out
        queue.recall(1, "sari")
        queue.finish(1, "sari", outcome="information_given")
        queue.call_next(1, "sari")
        fresh = tracker.new_calls(read())
        assert [(c.number, c.counter, c.recall) for c in fresh] == [
            ("A-001", 1, True),
            ("A-002", 1, False),
        ]
        assert fresh[1].service_name == "Surat Keterangan"
        assert tracker.new_calls(read()) == []
        assert [c.number for c in last_distinct(read())] == ["A-002", "A-001"]

        # Loket 1 goes away holding A-002; loket 2 takes it over: the board learns, once,
        # that A-002 now waits at loket 2 (not "silakan ke LOKET 1" until loket 2 recalls).
        with station.db.write() as session:
            add_operator(session, station.office_id, username="ani", display_name="Ani",
                         role="operator", pin="1357")  # fmt: skip
        queue.close_counter(1, "sari")
        queue.open_counter(2, "ani")
        queue.takeover(2, "ani", ticket="A-002")
        moved = tracker.new_calls(read())
        assert [(c.number, c.counter, c.moved, c.recall) for c in moved] == [
            ("A-002", 2, True, False)
        ]
        assert last_distinct(read())[0].counter == 2
    finally:
        station.close()
