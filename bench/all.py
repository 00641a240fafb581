"""The whole station in one table: every measurement, its goal, SQLite and PostgreSQL.

    python bench/all.py [--residents 1000000] [--no-postgres] [--write-readme]
                        [--save results.json] [--load results.json] [--also older.json ...]

Per database, one station home (``station init``) becomes a city-sized database in steps:
1. the register: import ``--residents`` synthetic residents, then NIK lookups and name
   searches (``bench/run.py``);
2. an office without history: ticket take and call next with 2 processes
   (``bench/queue_bench.py``), letter issue (``bench/letters_bench.py``), the board's and the
   operator app's poll (``bench/poll_bench.py``);
3. history: 100 days x 300 tickets and 100,000 letters for the office, and on PostgreSQL as
   many again for each of the other offices (``--offices``, default 3) (``bench/history.py``);
4. the same measurements again with that history, the plans of every hot statement, the
   verification rate and page (``wrk``), the print job sizes (``bench/print_bench.py``) and
   the operator app: start to the login screen, and the latency of each key
   (``bench/app_bench.py``).

``--write-readme`` replaces the text between ``<!-- bench:start -->`` and
``<!-- bench:end -->`` in README.md with the table, the command, the date and the machine's
conditions, and a note for every goal missed. ``--load`` rewrites it from a saved run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import app_bench  # noqa: E402
import history  # noqa: E402
import letters_bench  # noqa: E402
import poll_bench  # noqa: E402
import print_bench  # noqa: E402
import queue_bench  # noqa: E402
import run as register_bench  # noqa: E402
from sqlalchemy import select  # noqa: E402

from station.home.context import init_station, open_station  # noqa: E402
from station.home.demo_data import write_csv  # noqa: E402
from station.queue.facade import Queue  # noqa: E402
from station.store.models import Resident  # noqa: E402
from tests.helpers.letter_helpers import RESIDENTS  # noqa: E402

WITA = ZoneInfo("Asia/Makassar")
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def load() -> float:
    return os.getloadavg()[0]


def p99(values: list[float]) -> float:
    return poll_bench.percentile(values, 99)


class Recorder:
    """Results of one database: values by key, and the 1-minute load when each was taken."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: dict[str, float] = {}
        self.loads: dict[str, float] = {}
        self.notes: list[str] = []
        self.tokens: list[str] = []  # seals of the letters issued last, for verification
        self.document: Any = None  # the last letter, for the print job sizes
        self.plans: list[poll_bench.Plan] = []

    def step(self, title: str, action: Callable[[], dict[str, float]]) -> None:
        before = load()
        began = time.perf_counter()
        print(f"[{self.name}] {title} (load {before:.1f})", file=sys.stderr, flush=True)
        values = action()
        for key, value in values.items():
            self.values[key] = value
            self.loads[key] = max(before, load())
        print(f"[{self.name}] {title}: {time.perf_counter() - began:.0f} s", file=sys.stderr)


# --- one database -----------------------------------------------------------------------------


def add_letter_residents(db: Any, office_id: int) -> None:
    """The residents the letters are issued for (``tests/letter_helpers``), those the
    synthetic register does not already hold."""
    with db.write() as session:
        known = set(
            session.scalars(
                select(Resident.nik).where(Resident.nik.in_([r["nik"] for r in RESIDENTS]))
            )
        )
        for data in RESIDENTS:
            if data["nik"] not in known:
                session.add(Resident(office_id=office_id, **data))


def bench_backend(name: str, url: str | None, tmp: Path, args: argparse.Namespace) -> Recorder:
    rec = Recorder(name)
    home = tmp / f"home-{name}"
    os.environ["STATION_HOME"] = str(home)
    if url is None:
        os.environ.pop("STATION_DATABASE_URL", None)
    else:
        os.environ["STATION_DATABASE_URL"] = url
    from tests.helpers.office import signed_template  # a real lurah: the placeholder is refused

    init_station(home, template=signed_template(home))
    station = open_station(home)
    db, office_id = station.db, station.office_id
    db_url = station.config.database_url
    today = dt.datetime.now(WITA).date()
    try:
        csv_path = tmp / f"residents-{args.residents}.csv"
        if not csv_path.exists():
            began = time.perf_counter()
            write_csv(csv_path, args.residents, today=register_bench.TODAY)
            print(f"csv: {time.perf_counter() - began:.0f} s", file=sys.stderr)
        rec.step(
            f"register, {args.residents:,} residents",
            lambda: register_bench.bench_register(db, office_id, csv_path, args.residents),
        )
        add_letter_residents(db, office_id)
        with db.write() as session:
            history.add_bench_operators(session, office_id, queue_bench.OPERATORS)
        q = Queue(db, office_id, WITA)
        for number, operator in enumerate(queue_bench.OPERATORS, start=1):
            q.open_counter(number, operator, cover=True)
        history.settle(db)

        def queue_pass(suffix: str) -> Callable[[], dict[str, float]]:
            def measure() -> dict[str, float]:
                got = queue_bench.measure(db_url, office_id, args.per_process)
                return {f"{k}{suffix}": v for k, v in got.items()}

            return measure

        def letters_pass(suffix: str) -> Callable[[], dict[str, float]]:
            def measure() -> dict[str, float]:
                issued = letters_bench.issue_letters(station, args.letters)
                rec.tokens = issued["tokens"]
                rec.document = issued["document"]
                timings = issued["timings"]
                return {
                    f"issue_p50{suffix}": statistics.median(timings),
                    f"issue_p99{suffix}": p99(timings),
                }

            return measure

        def poll_pass(suffix: str) -> Callable[[], dict[str, float]]:
            def measure() -> dict[str, float]:
                poll_bench.prepare_today(q)
                try:
                    got = poll_bench.poll_costs(q, args.poll_samples)
                    if not suffix:  # with history: the plans that matter
                        plans = poll_bench.query_plans(q, WITA)
                        rec.plans = plans
                        got["history_scans"] = float(sum(1 for p in plans if p.scans_history))
                        got["plan_statements"] = float(len(plans))
                finally:
                    poll_bench.clear_today(q)
                return {f"{k}{suffix}": v for k, v in got.items()}

            return measure

        rec.step("queue, no history", queue_pass("_empty"))
        rec.step("letters, no history", letters_pass("_empty"))
        rec.step("polls, no history", poll_pass("_empty"))

        def build_history() -> dict[str, float]:
            offices = [office_id]
            if db.dialect == "postgresql":
                offices += history.add_offices(db, args.offices - 1)
            began = time.perf_counter()
            for oid in offices:
                history.add_ticket_history(db, oid, today, args.days)
                history.add_letter_history(db, oid, today, args.history_letters, args.days)
            history.settle(db)
            seconds = time.perf_counter() - began
            return {"history_offices": float(len(offices)), "history_s": seconds}

        rec.step("history", build_history)
        rec.step("queue, history", queue_pass(""))
        rec.step("letters, history", letters_pass(""))
        rec.step("polls and plans, history", poll_pass(""))

        def verification() -> dict[str, float]:
            got = letters_bench.verification_rates(station, rec.tokens, args.seconds)
            page, api = letters_bench.serve_and_load(rec.tokens[0], args.wrk_seconds)
            got["page_rps"] = page or 0.0
            got["api_rps"] = api or 0.0
            return got

        rec.step("verification", verification)

        def printing() -> dict[str, float]:
            jobs = print_bench.print_jobs(rec.document, 100)
            letters = [j for j in jobs if j["job"] == "letter"]
            pdfs = print_bench.pdf_jobs(rec.document, 100)
            return {
                "job_native": float(max(j["bytes"] for j in letters if j["qr"] == "native")),
                "job_image": float(max(j["bytes"] for j in letters if j["qr"] == "image")),
                "job_build_p99": max(j["p99"] for j in jobs),
                "pdf_bytes": float(max(j["bytes"] for j in pdfs)),
                "pdf_p99": max(j["p99"] for j in pdfs),
                "receipt_mm": print_bench.receipt_mm(rec.document),
            }

        rec.step("print jobs", printing)

        def operator_app() -> dict[str, float]:
            nik, name, query = app_bench.pick_resident(station)
            starts = app_bench.start_times(dict(os.environ), args.app_starts)
            actions = app_bench.action_latencies(station, nik, name, query, args.app_rounds)
            out = {"app_start_s": statistics.median(starts), "app_start_max_s": max(starts)}
            for label, values in actions.items():
                out[f"action:{label}:p50"] = statistics.median(values)
                out[f"action:{label}:max"] = max(values)
            return out

        rec.step("operator app", operator_app)
        problems = q.check(today)
        if problems:
            rec.notes.append(f"queue check after the run: {problems[:3]}")
    finally:
        station.close()
    return rec


# --- the table --------------------------------------------------------------------------------

# (label, key, goal text, check(value) -> met, format)
Row = tuple[str, str, str, Callable[[float], bool] | None, str]


def rows(values: dict[str, dict[str, float]]) -> list[Row]:
    def le(limit: float) -> Callable[[float], bool]:
        return lambda v: v <= limit

    def ge(limit: float) -> Callable[[float], bool]:
        return lambda v: v >= limit

    def lt(limit: float) -> Callable[[float], bool]:
        return lambda v: v < limit

    table: list[Row] = [
        ("import (rows/s)", "import_rows_s", "≥ 50,000", ge(50_000), "{:,.0f}"),
        ("NIK lookup p99 (ms)", "lookup_p99", "≤ 1", le(1), "{:.2f}"),
        ("name search p95 (ms)", "search_p95", "≤ 30", le(30), "{:.1f}"),
        ("ticket take p99, 2 processes, no history (ms)", "take_p99_empty", "≤ 10", le(10),
         "{:.1f}"),
        ("ticket take p99, 2 processes, with history (ms)", "take_p99", "≤ 10", le(10),
         "{:.1f}"),
        ("call next p99, 2 processes, no history (ms)", "next_p99_empty", "≤ 10", le(10),
         "{:.1f}"),
        ("call next p99, 2 processes, with history (ms)", "next_p99", "≤ 10", le(10), "{:.1f}"),
        ("letter issue p99, no history (ms)", "issue_p99_empty", "≤ 20", le(20), "{:.1f}"),
        ("letter issue p99, with history (ms)", "issue_p99", "≤ 20", le(20), "{:.1f}"),
        ("letter job, native QR (bytes)", "job_native", "≤ 2,048", le(2048), "{:,.0f}"),
        ("letter job, image QR (bytes)", "job_image", "≤ 8,192", le(8192), "{:,.0f}"),
        ("building a print job p99 (ms)", "job_build_p99", "≤ 10", le(10), "{:.1f}"),
        ("SKD letter on 58 mm paper (mm)", "receipt_mm", "< 200", lt(200), "{:.0f}"),
        ("letter PDF, F4/A4 (bytes)", "pdf_bytes", "≤ 100,000", le(100_000), "{:,.0f}"),
        ("letter PDF p99, F4/A4 (ms)", "pdf_p99", "≤ 150", le(150), "{:.0f}"),
        ("offline verification (/s)", "offline_rate", "≥ 5,000", ge(5000), "{:,.0f}"),
        ("verification page, wrk -t2 -c32 (req/s)", "page_rps", "≥ 1,000", ge(1000), "{:,.0f}"),
        ("operator poll, full read, p50, no history (ms)", "operator_poll_p50_empty", "< 5",
         lt(5), "{:.2f}"),
        ("operator poll, full read, p50, with history (ms)", "operator_poll_p50", "< 5", lt(5),
         "{:.2f}"),
        ("operator poll, full read, p99, with history (ms)", "operator_poll_p99", "", None,
         "{:.2f}"),
        ("board poll, full read, p50, no history (ms)", "board_poll_p50_empty", "< 5", lt(5),
         "{:.2f}"),
        ("board poll, full read, p50, with history (ms)", "board_poll_p50", "< 5", lt(5),
         "{:.2f}"),
        ("board poll, full read, p99, with history (ms)", "board_poll_p99", "", None, "{:.2f}"),
        ("operator poll, nothing changed, p50, with history (ms)", "operator_cached_poll_p50",
         "< 5", lt(5), "{:.2f}"),
        ("board poll, nothing changed, p50, with history (ms)", "board_cached_poll_p50", "< 5",
         lt(5), "{:.2f}"),
        ("board poll, nothing changed, p99, with history (ms)", "board_cached_poll_p99", "",
         None, "{:.2f}"),
        ("statements per full board poll", "board_poll_statements", "",
         None, "{:.0f}"),
        ("hot statements reading history (of all explained)", "history_scans", "0",
         lambda v: v == 0, "{:.0f}"),
        ("operator app start to login screen (s, median)", "app_start_s", "≤ 1", le(1),
         "{:.2f}"),
    ]  # fmt: skip
    labels = sorted(
        {k.split(":")[1] for v in values.values() for k in v if k.startswith("action:")},
        key=lambda label: app_bench.ACTIONS.index(label) if label in app_bench.ACTIONS else 99,
    )
    for label in labels:
        table.append((f"{label}, p50 (ms)", f"action:{label}:p50", "≤ 100", le(100), "{:.0f}"))
        table.append((f"{label}, max (ms)", f"action:{label}:max", "", None, "{:.0f}"))
    return table


def render(result: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """The markdown table and the list of goals missed."""
    columns: list[str] = result["columns"]
    values: dict[str, dict[str, float]] = result["values"]
    loads: dict[str, dict[str, float]] = result["loads"]
    others: list[dict[str, Any]] = result.get("others", [])
    header = ["measure", "goal", *columns, "1-min load at the time"]
    if others:
        header.append(f"other runs ({' / '.join(columns)})")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    missed = []
    for label, key, goal, check, fmt in rows(values):
        cells = []
        if not any(key in values[c] for c in columns):
            continue
        for column in columns:
            value = values[column].get(key)
            if value is None:
                cells.append("–")
                continue
            text = fmt.format(value)
            if check is not None and not check(value):
                text += " ✗"
                missed.append((f"{label} on {column}: {text[:-2]} (goal {goal})", key))
            cells.append(text)
        load_text = " / ".join(
            f"{loads[c][key]:.1f}" if key in loads.get(c, {}) else "–" for c in columns
        )
        extra = []
        if others:
            extra.append(
                " / ".join(
                    ", ".join(
                        fmt.format(o["values"][c][key])
                        for o in others
                        if key in o["values"].get(c, {})
                    )
                    or "–"
                    for c in columns
                )
            )
        lines.append("| " + " | ".join([label, goal, *cells, load_text, *extra]) + " |")
    return "\n".join(lines), missed


NOTES = """\
How it was measured: one station home per database, grown in place to city size. The
register is `station.home.demo_data`'s synthetic population; lookups and searches run each in its
own read transaction (on PostgreSQL after `ANALYZE resident`, as autovacuum does soon after
an import). Ticket take and call next run in 2 processes writing at the same time
(each call a committed transaction; `synchronous=FULL` on SQLite), after a few untimed calls.
"History" is {days} days × 300 finished tickets (with their queue and audit events) and
{letters:,} letters per office, inserted in bulk as the API leaves them; on PostgreSQL
{offices} offices carry that history in one database. A poll is one read transaction exactly
as the apps run it (operator app: `queue_status`; board: `queue_status` plus today's calls) on
a day in progress (40 waiting, 2 counters each holding a ticket). "Full read" is what every
poll cost before issue 9 and what a poll costs right after a change; "nothing changed" is the
same poll through `station.queue.view.PollCache` (the board; the operator app through
`StatusPoller`), which re-reads only when the office's change
mark (the audit chain head and the counters' newest heartbeat, one indexed statement) or the
day moved, or every 10 s. Every statement of a poll, a take, a call next and today's letters
was explained (`EXPLAIN QUERY PLAN` / `EXPLAIN`); "reading history" means a full scan or an
index search bounded only by the office (`tests/db/test_query_plans.py` keeps SQLite's plans
so). The operator app's start is a fresh `python -c` process, from spawn until the login
screen is mounted (headless `run_test`, no daily backup); key latencies are measured
in-process with Pilot from the key event to the expected text, while the app's own refresh
runs. The PostgreSQL server of the bench runs on the same 2 cores, over a Unix socket, with
`fsync=off`. ✗ marks a missed goal."""


def conditions() -> dict[str, Any]:
    pg = ""
    try:
        from tests.helpers.pg import find_bindir

        bindir = find_bindir()
        if bindir is not None:
            out = subprocess.run(
                [str(bindir / "postgres"), "--version"], capture_output=True, text=True
            )
            pg = out.stdout.strip()
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg,
        "machine": platform.machine(),
    }


def readme_text(result: dict[str, Any]) -> str:
    table, missed = render(result)
    cond = result["conditions"]
    lines = [
        f"Generated by `{result['command']}` on {result['date']} "
        f"({result['minutes']:.0f} min). Machine: {cond['cpus']} cores ({cond['machine']}), "
        f"Python {cond['python']}, SQLite {cond['sqlite']}, "
        f"{cond['postgresql'] or 'no PostgreSQL'}. "
        f"1-minute load average at the start {result['load_start']:.1f}, at the end "
        f"{result['load_end']:.1f}: other work shared the two cores, so treat the figures as "
        "upper bounds.",
        "",
        table,
        "",
        NOTES.format(
            offices=result["offices"], days=result["days"], letters=result["history_letters"]
        ),
    ]
    others = result.get("others", [])
    if others:
        runs = ", ".join(f"{o['date']}, load {o['load_start']:.1f} at the start" for o in others)
        lines += [
            "",
            f"The last column shows the same measurements from other full runs ({runs}): "
            "how much the figures move between runs on this shared machine.",
        ]
    if missed:
        lines += ["", "Goals missed in this run:", ""]
        lines += [f"- {m}" for m, _ in missed]
        keys = [key.removesuffix("_empty") for _, key in missed]
        known = dict.fromkeys(key for key in keys if key in EXPLANATIONS)
        lines += [""] * bool(known) + [f"- {EXPLANATIONS[key]}" for key in known]
    for note in result.get("notes", []):
        lines += ["", note]
    return "\n".join(lines)


# Why a goal is missed, for the goals this machine is known to miss (analysed in issue 9);
# a run's README text carries the explanation only when that goal is missed in the run.
EXPLANATIONS = {
    "import_rows_s": "The import spends about 10 µs per row validating (in a second process "
    "for big files), 20 µs in Python preparing and writing rows, and the rest in the "
    "register's indexes; the two cores are shared with the validating process.",
    "board_poll_p50": "A full board read is about 10 statements: on SQLite about 2-3 ms; on "
    "PostgreSQL the statements take about 1.5 ms in the server and the rest is round trips "
    "(one per statement, plus the pool's ping) and SQLAlchemy turning 40 waiting tickets into "
    "objects. Only a poll right after a change pays it: a poll that finds nothing changed "
    'costs one statement (the rows "nothing changed").',
    "operator_poll_p50": "A full operator read: see the board's; a poll that finds nothing "
    "changed costs one statement.",
    "take_p99": "Ticket take and call next, p99 of 2 processes writing back to back (far "
    "beyond an office's load): on SQLite the writers queue on the fair write lock "
    "(station/store/write_lock.py), so each call waits for the other process's whole "
    "transaction (about 4 ms with its fsync) and the p99 is about twice one write; without "
    "the lock (`STATION_SQLITE_FAIR_WRITES=0 python bench/queue_bench.py --no-postgres`) the "
    "p99 is 6-7 ms but one writer sleeps in SQLite's busy handler for up to 0.9-3.7 s (the "
    "max), which the Service Box issue forbids; with the lock the max is 21-35 ms. On "
    "PostgreSQL the two kiosks wait for each other on the service's sequence "
    "row (`FOR UPDATE`) and share the 2 cores with the server. The p99 moves by a few ms "
    "between runs, with or without history (no plan reads history).",
    "next_p99": "Call next: see ticket take.",
    "lookup_p99": "NIK lookup on PostgreSQL: one read transaction per lookup, a round trip "
    "per statement plus the pool's ping, on 2 cores shared with the server; p50 is about "
    "0.5 ms and the p99 follows the load.",
    "page_rps": "The verification page looks each letter up in the register (on PostgreSQL "
    "one autocommit statement on the page's own pool) while wrk and uvicorn share 2 cores.",
    "app_start_s": "The operator app's start is mostly Python importing Textual, SQLAlchemy, "
    "Rich and the station's modules "
    "(`python -X importtime -c 'import station.screens.operator.app'`), plus "
    "opening the database; a fresh interpreter on a loaded 2-core machine is slow to start.",
}


def write_readme(result: dict[str, Any]) -> None:
    text = README.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    if not rest or END not in rest:
        raise SystemExit("README.md has no bench markers")
    README.write_text(f"{head}{START}\n{readme_text(result)}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--per-process", type=int, default=500)
    parser.add_argument("--letters", type=int, default=400)
    parser.add_argument("--poll-samples", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--wrk-seconds", type=int, default=8)
    parser.add_argument("--offices", type=int, default=3, help="offices on PostgreSQL")
    parser.add_argument("--days", type=int, default=100, help="days of history (x 300 tickets)")
    parser.add_argument("--history-letters", type=int, default=100_000, help="per office")
    parser.add_argument("--app-starts", type=int, default=5)
    parser.add_argument("--app-rounds", type=int, default=10)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--save", type=Path, help="write the results as JSON")
    parser.add_argument("--load", type=Path, help="read saved results instead of measuring")
    parser.add_argument(
        "--also", type=Path, nargs="*", default=[], help="saved earlier runs shown beside"
    )
    args = parser.parse_args()

    loaded = json.loads(args.load.read_text(encoding="utf-8")) if args.load else None
    result = loaded or measure_all(args)
    result["others"] = [
        {k: v for k, v in json.loads(p.read_text(encoding="utf-8")).items() if k != "others"}
        for p in args.also
    ]
    table, missed = render(result)
    print(table)
    for m, _ in missed:
        print(f"missed: {m}")
    if args.save:
        args.save.write_text(json.dumps(result, indent=1), encoding="utf-8")
    if args.write_readme:
        write_readme(result)


def measure_all(args: argparse.Namespace) -> dict[str, Any]:
    began = time.perf_counter()
    load_start = load()
    recorders: list[Recorder] = []
    plans_text = []
    with tempfile.TemporaryDirectory(prefix="station-bench-all-") as tmp_name:
        tmp = Path(tmp_name)
        recorders.append(bench_backend("SQLite", None, tmp, args))
        if not args.no_postgres:
            from tests.helpers.pg import TempCluster, find_bindir

            bindir = find_bindir()
            if bindir is None:
                print("PostgreSQL not installed: skipped", file=sys.stderr)
            else:
                cluster = TempCluster(bindir)
                cluster.start()
                try:
                    url = cluster.create_database("bench_all")
                    recorders.append(bench_backend("PostgreSQL", url, tmp, args))
                finally:
                    cluster.stop()
    for rec in recorders:
        plans = rec.plans
        with_scans = [p for p in plans if p.scans_history]
        plans_text.append(f"{rec.name}: {len(plans)} statements explained")
        for plan in with_scans:
            rec.notes.append(
                f"{rec.name}: `{' '.join(plan.statement.split())[:160]}` reads history "
                f"({', '.join(plan.scans_history)}) in {plan.operation}."
            )
        with tempfile.NamedTemporaryFile("w", delete=False, suffix=f"-{rec.name}-plans.txt") as f:
            poll_bench.print_plans(plans, f)
            print(f"{rec.name} plans: {f.name}", file=sys.stderr)
    shown, skipping = [], False  # the measuring options only: not where results go
    for arg in sys.argv[1:]:
        if arg.startswith("--"):
            skipping = arg in ("--save", "--load", "--also", "--write-readme")
        if not skipping:
            shown.append(arg)
    return {
        "command": " ".join(["python bench/all.py", *shown]),
        "date": dt.date.today().isoformat(),
        "minutes": (time.perf_counter() - began) / 60,
        "load_start": load_start,
        "load_end": load(),
        "offices": args.offices,
        "days": args.days,
        "history_letters": args.history_letters,
        "residents": args.residents,
        "conditions": conditions(),
        "columns": [r.name for r in recorders],
        "values": {r.name: r.values for r in recorders},
        "loads": {r.name: r.loads for r in recorders},
        "notes": [n for r in recorders for n in r.notes],
    }


if __name__ == "__main__":
    main()
