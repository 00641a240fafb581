"""A/B of the row-security policies' cost per call (issue 18: per-office figures within
+20 % of the same calls without row security).

    python bench/city_rls_ab.py [--offices 5] [--residents 50000] [--days 10] [--rounds 3]

One database owned by a non-superuser administrator (bench/city_bench.py builds it); the
middle office's NIK lookup and ticket take through its own role, against the same calls as
the cluster's superuser (row security bypassed), with the policies as migration 0011 made
them (``legacy``: two SQL functions per statement) and as migration 0014 makes them (the
checks inside the policy, one InitPlan each). The three arms alternate, ``--rounds`` times,
each round starting with the next arm; each arm's p50/p99 is the median over the rounds.
Prints the 1-minute load average too.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import psycopg  # noqa: E402
from city_bench import admin_database, fill_office, nik_for, pct, timed  # noqa: E402
from sqlalchemy import text  # noqa: E402

from station.home.context import init_station, office_template, open_station  # noqa: E402
from station.office.registry import add_office  # noqa: E402
from station.queue.facade import Queue  # noqa: E402
from station.register.kota_kupang import KELURAHAN  # noqa: E402
from station.register.residents import get_by_nik  # noqa: E402
from station.store import rowsecurity  # noqa: E402
from station.store.db import Database  # noqa: E402
from tests.helpers.pg import TempCluster, find_bindir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offices", type=int, default=5)
    parser.add_argument("--residents", type=int, default=50_000, help="in total")
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--per-day", type=int, default=60)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.pop("STATION_DATABASE_URL", None)
    bindir = find_bindir()
    assert bindir is not None, "PostgreSQL binaries needed"
    cluster = TempCluster(bindir)
    cluster.start()
    tmp = Path(tempfile.mkdtemp(prefix="city-rls-"))
    try:
        admin_url, super_url = admin_database(cluster)
        admin = Database(admin_url)
        codes = sorted(KELURAHAN)[: args.offices]
        per_office = args.residents // len(codes)
        homes: dict[str, Path] = {}
        for index, code in enumerate(codes):
            with admin.write() as session:
                office_id = add_office(session, code).id
                grant = rowsecurity.grant_office(session.connection(), office_id, code, admin_url)
            home = tmp / code.replace(".", "")
            init_station(home, template=office_template(home, grant.url, code), join=True)
            homes[code] = home
            fill_office(admin, office_id, index, per_office, args.days, args.per_day)
        with admin.write() as session:
            session.execute(text("ANALYZE"))
        code = codes[len(codes) // 2]
        index = codes.index(code)
        rng = random.Random(1)
        sample = [nik_for(index, rng.randrange(per_office)) for _ in range(args.samples)]
        role_station = open_station(homes[code])
        os.environ["STATION_DATABASE_URL"] = super_url
        super_station = open_station(homes[code])
        os.environ.pop("STATION_DATABASE_URL")

        def lookups(station: Any) -> list[float]:
            it = iter(sample)

            def one() -> None:
                with station.db.read() as session:
                    assert get_by_nik(session, next(it)) is not None

            return timed(one, args.samples)

        def takes(station: Any) -> list[float]:
            q = Queue(station.db, station.office_id, station.config.tz)
            timed(lambda: q.take_ticket("B"), 10)
            return timed(lambda: q.take_ticket("B"), min(args.samples, 300))

        def statements(station: Any) -> list[float]:
            """The lookup's statement alone, straight through the driver (prepared, as
            psycopg does after five runs): the mean of 200 runs, per sample, in ms."""
            url = station.db.engine.url.set(drivername="postgresql")
            out = []
            with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
                for nik in sample[:50]:
                    start = time.perf_counter()
                    for _ in range(200):
                        conn.execute(
                            "SELECT id FROM resident WHERE nik = %s", (nik,), prepare=True
                        ).fetchone()
                    out.append((time.perf_counter() - start) * 1000 / 200)
                conn.rollback()
            return out

        def policies(legacy: bool) -> None:
            with admin.write() as session:
                rowsecurity.reinstall_policies(session.connection(), legacy=legacy)
            role_station.db.engine.dispose()  # new connections: no plan of the old policies

        arms = {"superuser": None, "0011 policies": True, "0014 policies": False}
        figures: dict[str, dict[str, list[tuple[float, float]]]] = {
            arm: {"lookup": [], "take": [], "statement": []} for arm in arms
        }
        order = list(arms.items())
        for round_ in range(args.rounds):
            # each round starts with another arm: none always follows the same one
            shift = round_ % len(order)
            for arm, legacy in order[shift:] + order[:shift]:
                station = super_station if legacy is None else role_station
                if legacy is not None:
                    policies(legacy)
                for name, measure in (
                    ("lookup", lookups),
                    ("take", takes),
                    ("statement", statements),
                ):
                    values = measure(station)
                    figures[arm][name].append((pct(values, 50), pct(values, 99)))
        policies(False)
        with role_station.db.read() as session:
            plan = (
                session.execute(
                    text(
                        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "
                        "SELECT * FROM resident WHERE nik = :n"
                    ),
                    {"n": sample[0]},
                )
                .scalars()
                .all()
            )
        role_station.close()
        super_station.close()
        print("\n".join(plan))
        print()
        print(
            f"{len(codes)} offices, {per_office * len(codes):,} residents, {args.days} days x "
            f"{args.per_day} tickets; {args.rounds} alternating rounds; "
            f"load {os.getloadavg()[0]:.1f}"
        )
        print(
            "| arm | NIK lookup p50 | NIK lookup p99 | ticket take p50 | ticket take p99 "
            "| lookup statement alone p50 | p99 |"
        )
        print("|---|---|---|---|---|---|---|")
        base = {
            name: (
                statistics.median(v[0] for v in figures["superuser"][name]),
                statistics.median(v[1] for v in figures["superuser"][name]),
            )
            for name in ("lookup", "take", "statement")
        }
        for arm in arms:
            cells = []
            for name in ("lookup", "take", "statement"):
                for k in (0, 1):
                    value = statistics.median(v[k] for v in figures[arm][name])
                    change = (value - base[name][k]) / base[name][k] * 100
                    digits = 3 if name == "statement" else 2
                    cells.append(f"{value:.{digits}f} ({change:+.0f} %)")
            print(f"| {arm} | " + " | ".join(cells) + " |")
    finally:
        cluster.stop()


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f} s)")
