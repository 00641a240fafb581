"""Benchmark of the register: import, NIK lookup and name search, on SQLite and PostgreSQL.

    python bench/run.py [--residents 100000 1000000] [--no-postgres]

Prints one table (goal and measured value per row). Targets, 2-core machine, SQLite,
1,000,000 residents: import >= 50,000 rows/s; NIK lookup p99 <= 1 ms; name search p95 <= 30 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the throwaway PostgreSQL cluster helper

from sqlalchemy import select  # noqa: E402

from station.home.demo_data import write_csv  # noqa: E402
from station.register.importing.bulk import import_file  # noqa: E402
from station.register.residents import get_by_nik, name_tokens, search_names  # noqa: E402
from station.store import audit  # noqa: E402
from station.store.db import Database  # noqa: E402
from station.store.models import Office, Resident  # noqa: E402

TODAY = dt.date(2026, 1, 1)
SAMPLES = 2000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(samples: list[str], action: Callable[[str], object]) -> list[float]:
    times = []
    for sample in samples:
        start = time.perf_counter()
        action(sample)
        times.append((time.perf_counter() - start) * 1000)
    return times


def name_queries(names: list[str], rng: random.Random) -> list[str]:
    """What an operator types: two words of the name, cut short, any order, lower case."""
    queries = []
    for name in names:
        words = name_tokens(name)
        chosen = rng.sample(words, k=min(2, len(words)))
        cut = [w[: rng.randint(3, max(3, len(w)))] for w in chosen]
        rng.shuffle(cut)
        queries.append(" ".join(cut))
    return queries


def bench_database(url: str, csv_path: Path, rows: int) -> dict[str, float]:
    """A fresh database with one office: import, then lookups and searches."""
    db = Database(url)
    with db.write() as session:
        office = Office(
            code="53.71.03.1010",
            name="Oesapa",
            kecamatan="Kelapa Lima",
            kota="Kota Kupang",
            provinsi="Nusa Tenggara Timur",
            unit_code="KEL.OSP",
        )
        session.add(office)
        session.flush()
        audit.record(session, office_id=office.id, action="bench.start")
        office_id = office.id
    try:
        return bench_register(db, office_id, csv_path, rows)
    finally:
        db.dispose()


def bench_register(db: Database, office_id: int, csv_path: Path, rows: int) -> dict[str, float]:
    """Import ``csv_path`` (``rows`` new residents) into the office, then time NIK lookups and
    name searches, each in its own read transaction, and a re-import that changes nothing."""
    result = import_file(db, office_id, csv_path, operator="bench", today=TODAY, batch_size=20000)
    assert result.imported == rows, result
    if db.dialect == "postgresql":  # what autovacuum does within a minute of a big import
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE resident")
    rng = random.Random(7)
    with db.read() as session:
        max_id = session.scalar(select(Resident.id).order_by(Resident.id.desc()).limit(1))
        ids = [rng.randint(1, max_id or 1) for _ in range(SAMPLES)]
        picked = session.execute(select(Resident.nik, Resident.name).where(Resident.id.in_(ids)))
        pairs = list(picked)
    niks = [nik for nik, _ in pairs]
    queries = name_queries([name for _, name in pairs], rng)

    def lookup(nik: str) -> object:
        with db.read() as session:
            return get_by_nik(session, nik)

    def search(query: str) -> object:
        with db.read() as session:
            return search_names(session, query)

    lookup(niks[0])
    search(queries[0])
    lookup_ms = timed(niks, lookup)
    search_ms = timed(queries, search)
    # re-importing the same file must change nothing
    again = import_file(db, office_id, csv_path, operator="bench", today=TODAY, batch_size=20000)
    return {
        "import_rows_s": rows / result.seconds,
        "reimport_rows_s": rows / again.seconds,
        "reimport_changed": float(again.imported + again.updated),
        "lookup_p50": statistics.median(lookup_ms),
        "lookup_p99": percentile(lookup_ms, 99),
        "search_p50": statistics.median(search_ms),
        "search_p95": percentile(search_ms, 95),
    }


ROWS = [
    ("import (rows/s)", "import_rows_s", ">= 50,000", "{:,.0f}"),
    ("re-import, unchanged (rows/s)", "reimport_rows_s", "", "{:,.0f}"),
    ("NIK lookup p50 (ms)", "lookup_p50", "", "{:.3f}"),
    ("NIK lookup p99 (ms)", "lookup_p99", "<= 1", "{:.3f}"),
    ("name search p50 (ms)", "search_p50", "", "{:.2f}"),
    ("name search p95 (ms)", "search_p95", "<= 30", "{:.2f}"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    cluster = None
    if not args.no_postgres:
        from tests.helpers.pg import TempCluster, find_bindir

        bindir = find_bindir()
        if bindir is not None:
            cluster = TempCluster(bindir)
            cluster.start()
    columns: list[tuple[str, dict[str, float]]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="station-bench-") as tmp:
            for count in args.residents:
                csv_path = Path(tmp) / f"residents-{count}.csv"
                start = time.perf_counter()
                write_csv(csv_path, count, today=TODAY)
                print(
                    f"generated {count:,} residents in {time.perf_counter() - start:.1f} s",
                    file=sys.stderr,
                )
                url = f"sqlite:///{tmp}/bench-{count}.db"
                columns.append((f"SQLite {count:,}", bench_database(url, csv_path, count)))
                print(f"SQLite {count:,} done", file=sys.stderr)
                if cluster is not None:
                    pg_url = cluster.create_database(f"bench_{count}")
                    columns.append(
                        (f"PostgreSQL {count:,}", bench_database(pg_url, csv_path, count))
                    )
                    print(f"PostgreSQL {count:,} done", file=sys.stderr)
    finally:
        if cluster is not None:
            cluster.stop()

    header = ["measure", "goal", *(name for name, _ in columns)]
    table = [header, ["---"] * len(header)]
    for label, key, goal, fmt in ROWS:
        table.append([label, goal, *(fmt.format(values[key]) for _, values in columns)])
    for row in table:
        print("| " + " | ".join(row) + " |")
    changed = [values["reimport_changed"] for _, values in columns]
    if any(changed):
        print(f"WARNING: re-import changed rows: {changed}", file=sys.stderr)


if __name__ == "__main__":
    main()
