"""Fair SQLite writers (issue 16): how long a write waits for its turn when the Service Box,
the kiosk, two counters and the board write to one SQLite file at once.

    python bench/fair_writes.py [--writers 5] [--seconds 10] [--hold-ms 3] [--think-ms 5]
                                [--json]

Each writer is its own process (as on the office PC) and loops: think a little (random up to
``--think-ms``), then one write transaction like the queue's (a sequence bump and an audit
event on the office's hash chain, holding the lock about ``--hold-ms``). The wait of a write
is the time from asking for ``Database.write()`` until its first statement runs: queueing for
the file lock (``station.store.write_lock``), or, with ``STATION_SQLITE_FAIR_WRITES=0``,
SQLite's busy handler. Both are run; the goal is a maximum wait under 1 s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_MAX_WAIT_S = 1.0
NAMES = ("box", "kiosk", "loket-1", "loket-2", "board", "extra-1", "extra-2", "extra-3")


def _writer(
    url: str, office_id: int, name: str, seconds: float, hold_ms: float, think_ms: float, fair: bool
) -> dict[str, Any]:
    os.environ["STATION_SQLITE_FAIR_WRITES"] = "1" if fair else "0"
    from sqlalchemy import text

    from station.store import audit
    from station.store.db import Database
    from station.store.errors import DatabaseBusy
    from station.store.sequence import next_value

    db = Database(url, migrate=False)
    rng = random.Random(name)
    waits: list[float] = []
    busy = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(rng.uniform(0, think_ms) / 1000)
        asked = time.perf_counter()
        try:
            with db.write() as session:
                session.execute(text("SELECT 1"))
                waits.append(time.perf_counter() - asked)
                value = next_value(session, office_id, f"bench:{name}")
                audit.record(
                    session,
                    office_id=office_id,
                    action="bench.write",
                    subject=f"{name}:{value}",
                    details={"writer": name},
                    operator=name,
                )
                time.sleep(hold_ms / 1000)
        except DatabaseBusy:
            busy += 1
    db.dispose()
    return {
        "writer": name,
        "writes": len(waits),
        "busy": busy,
        "p50_ms": round(statistics.median(waits) * 1000, 1) if waits else None,
        "p99_ms": round(sorted(waits)[int(len(waits) * 0.99) - 1] * 1000, 1) if waits else None,
        "max_ms": round(max(waits) * 1000, 1) if waits else None,
    }


def _run_one(url: str, office_id: int, args: argparse.Namespace, fair: bool) -> dict[str, Any]:
    names = NAMES[: args.writers]
    with mp.get_context("spawn").Pool(len(names)) as pool:
        results = pool.starmap(
            _writer,
            [(url, office_id, n, args.seconds, args.hold_ms, args.think_ms, fair) for n in names],
        )
    worst = max((r["max_ms"] or 0.0) for r in results)
    return {
        "fair": fair,
        "writers": results,
        "max_wait_ms": worst,
        "busy": sum(r["busy"] for r in results),
        "goal_met": worst < GOAL_MAX_WAIT_S * 1000,
    }


def _prepare(folder: Path) -> tuple[str, int]:
    from station.store.db import Database
    from station.store.models import Office

    url = f"sqlite:///{folder / 'station.db'}"
    db = Database(url)
    with db.write() as session:
        office = Office(
            code="53.71.03.1010",
            name="Oesapa",
            kecamatan="Kelapa Lima",
            kota="Kupang",
            provinsi="Nusa Tenggara Timur",
            unit_code="KEL.OSP",
        )
        session.add(office)
        session.flush()
        office_id = office.id
    db.dispose()
    return url, office_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--hold-ms", type=float, default=3.0)
    parser.add_argument("--think-ms", type=float, default=5.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.writers = max(1, min(args.writers, len(NAMES)))
    runs = []
    for fair in (False, True):
        with tempfile.TemporaryDirectory(prefix="station-fair-") as folder:
            url, office_id = _prepare(Path(folder))
            runs.append(_run_one(url, office_id, args, fair))
    if args.json:
        print(json.dumps({"goal_max_wait_ms": GOAL_MAX_WAIT_S * 1000, "runs": runs}, indent=2))
        return
    for run in runs:
        label = "file lock (fair)" if run["fair"] else "SQLite busy handler only"
        verdict = "OK" if run["goal_met"] else "GOAL MISSED"
        print(f"{label}: max wait {run['max_wait_ms']} ms ({verdict}), busy refusals {run['busy']}")
        for r in run["writers"]:
            print(
                f"  {r['writer']:<8} writes {r['writes']:>5}  p50 {r['p50_ms']} ms  "
                f"p99 {r['p99_ms']} ms  max {r['max_ms']} ms  busy {r['busy']}"
            )


if __name__ == "__main__":
    main()
