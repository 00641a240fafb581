"""Several OS processes issuing letters at once get consecutive, unique numbers (SQLite and
PostgreSQL): the sequence is taken inside the issuing transaction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from station.home.context import open_station
from station.store.models import Letter
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents

PROCESSES = 4
PER_PROCESS = 10

WORKER = """
import json, sys, time
from station.home.context import open_station
from station.letters.store import IssueRequest, LetterSettings, issue_letter
station = open_station()
settings = LetterSettings.from_config(station.config)
numbers = []
while time.time() < float(sys.argv[4]):  # start together, after every import is done
    time.sleep(0.002)
for i in range(int(sys.argv[1])):
    nik = sys.argv[2 + i % 2]
    with station.db.write() as session:
        issued = issue_letter(
            session, station.office_id, settings, IssueRequest("SKD", nik, "worker", purpose="Uji")
        )
    numbers.append(issued.number)
station.close()
print(json.dumps(numbers))
"""


def test_concurrent_issuers_get_consecutive_unique_numbers(station_home: Path) -> None:
    station = open_station(station_home)
    add_residents(station.db, station.office_id)
    env = dict(os.environ)
    start_at = str(time.time() + 3)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(PER_PROCESS), HEAD, WIFE, start_at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(PROCESSES)
    ]
    numbers: list[str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        numbers += json.loads(out)
    total = PROCESSES * PER_PROCESS
    assert len(numbers) == len(set(numbers)) == total
    sequences = sorted(int(n.split("/")[1]) for n in numbers)
    assert sequences == list(range(1, total + 1))
    with station.db.read() as session:
        stored = sorted(session.scalars(select(Letter.sequence)))
    station.close()
    assert stored == sequences
