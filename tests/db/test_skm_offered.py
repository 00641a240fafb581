"""The numbers the kiosk's survey offers to touch (issue 14, point 12): today's finished
tickets without a response, the most recently finished first; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from station.home.context import open_station
from station.office.operators import add_operator
from station.queue.facade import Queue
from station.reports.skm import rateable_tickets, recent_unrated, record_response


def test_offered_numbers_are_todays_finished_unrated_latest_first(station_home: Path) -> None:
    station = open_station(station_home)
    try:
        with station.db.write() as session:
            add_operator(
                session, station.office_id, username="yohana", display_name="Yohana",
                role="operator", pin="1357",
            )  # fmt: skip
        q = Queue.for_station(station)
        start = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
        today = start.astimezone(station.config.tz).date()
        q.open_counter(1, "yohana", services=["A"], now=start)
        for minute in range(4):
            at = start + dt.timedelta(minutes=minute)
            q.take_ticket("A", now=at)
            q.call_next(1, "yohana", now=at)
            q.finish(1, "yohana", outcome="information_given", now=at)
        q.take_ticket("A", now=start)  # A-005 still waits: not offered
        with station.db.write() as session:
            record_response(session, station.office_id, "A-003", [4] * 9, today=today)
        assert recent_unrated(station, today=today) == ["A-004", "A-002", "A-001"]
        with station.db.read() as session:
            assert rateable_tickets(session, station.office_id, today=today, limit=2) == [
                "A-004",
                "A-002",
            ]
            tomorrow = today + dt.timedelta(days=1)
            assert rateable_tickets(session, station.office_id, today=tomorrow) == []
    finally:
        station.close()
